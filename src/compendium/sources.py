"""The two papers as text: a cleaned, page-aware view and verbatim quote lookup.

The compendium ships the papers unchanged under ``data/raw/papers/``. Paper A's file is a
plagiarism-checker report: a header, ``**`` around matched phrases, running page headers and a
trailing list of "INTERNET SOURCES" surround the paper. Paper B has section headings but no pages.

:func:`paper` returns a :class:`Paper`: the cleaned text (markup and page headers removed,
whitespace collapsed) with the page and section of every character. :meth:`Paper.find` looks a quote
up after the *same* normalisation -- whitespace and markup only, never the words -- so a quote must be
the paper's own wording, typos included.

Run ``python -m compendium.sources check SEGMENTS.csv`` to check a segments file by hand.
"""

from __future__ import annotations

import bisect
import hashlib
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from compendium.paths import data_dir

PAPER_FILES = {
    "A": "paper_A_praktik_paradiplomasi_perspektif_2021.txt",
    "B": "paper_B_advokasi_kebijakan_2016_2019.txt",
}
FIRST_PAGE, LAST_PAGE = 569, 577

# Paper A's report wraps the paper: the paper starts at its first page header and ends before the
# checker's list of matched internet sources.
_A_START = "569 PERSPEKTIF, 10 (2) (2021):569-577"
_A_END = "INTERNET SOURCES:"
# Running headers: odd pages carry the journal line, even pages the authors (whose names the report
# spells four different ways) -- the last number is the page that starts there.
_A_PAGE_HEADER = re.compile(
    r"569 PERSPEKTIF, 10 \(2\) \(2021\):569-577"
    r"|PERSPEKTIF, 10\(2\) \(2021\): 569-577 (?P<odd>\d{3})"
    r"|Renny Candradewi Puspitarini, Fahri\w* Tiko Septiarika, & Randy Bramastya, Praktik (?P<even>\d{3})"
)
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")
_STARS = re.compile(r"\*+")
_SPACE = re.compile(r"\s+")

# Section headings as printed, in order; the text before the first is the abstract.
SECTIONS = [
    ("PENDAHULUAN", "introduction"),
    ("METODE PENELITIAN", "method"),
    ("HASIL DAN PEMBAHASAN", "results"),
    ("SIMPULAN", "conclusion"),
    ("DAFTAR PUSTAKA", "references"),
]


def normalise(text: str) -> str:
    """Remove markup (``**``/``*`` emphasis, HTML tags) and collapse whitespace -- nothing else."""
    return _SPACE.sub(" ", _STARS.sub("", _TAG.sub(" ", text))).strip()


@dataclass(frozen=True)
class Match:
    """Where a quote stands in a paper's cleaned text."""

    start: int
    end: int
    page: int | None
    section: str


@dataclass(frozen=True)
class Paper:
    """A paper's cleaned text with the page of every character (paper A) and its section bounds."""

    key: str
    path: Path
    sha256: str
    text: str
    page_starts: tuple[tuple[int, int], ...]  # (offset in text, page) pairs, ascending
    section_starts: tuple[tuple[int, str], ...]  # (offset in text, section) pairs, ascending

    def page_at(self, offset: int) -> int | None:
        if not self.page_starts:
            return None
        i = bisect.bisect_right([o for o, _ in self.page_starts], offset) - 1
        return self.page_starts[max(i, 0)][1]

    def section_at(self, offset: int) -> str:
        i = bisect.bisect_right([o for o, _ in self.section_starts], offset) - 1
        return self.section_starts[i][1] if i >= 0 else "abstract"

    def find(self, quote: str) -> list[Match]:
        """Every place the normalised quote stands in the cleaned text (case-sensitive)."""
        needle = normalise(quote)
        if not needle:
            return []
        matches, start = [], self.text.find(needle)
        while start != -1:
            matches.append(
                Match(start, start + len(needle), self.page_at(start), self.section_at(start))
            )
            start = self.text.find(needle, start + 1)
        return matches

    def pages(self) -> list[int]:
        return [p for _, p in self.page_starts]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _clean_with_pages(body: str, key: str) -> tuple[str, list[tuple[int, int]]]:
    """Strip page headers (paper A) and markup, collapse whitespace, remember where pages start."""
    pieces: list[tuple[str, int | None]] = []
    if key == "A":
        page, last = FIRST_PAGE, 0
        for m in _A_PAGE_HEADER.finditer(body):
            pieces.append((body[last : m.start()], page))
            page = int(m.group("odd") or m.group("even") or FIRST_PAGE)
            last = m.end()
        pieces.append((body[last:], page))
    else:
        pieces.append((body, None))

    text_parts: list[str] = []
    page_starts: list[tuple[int, int]] = []
    length = 0
    for chunk, page in pieces:
        cleaned = normalise(chunk)
        if not cleaned:
            continue
        if text_parts:
            text_parts.append(" ")
            length += 1
        if page is not None and (not page_starts or page_starts[-1][1] != page):
            page_starts.append((length, page))
        text_parts.append(cleaned)
        length += len(cleaned)
    return "".join(text_parts), page_starts


@lru_cache(maxsize=8)
def _load(key: str, folder: str) -> Paper:
    path = Path(folder) / PAPER_FILES[key]
    raw = path.read_text(encoding="utf-8")
    body = raw
    if key == "A":
        body = raw[raw.index(_A_START) :]
        body = body[: body.index(_A_END)]
    text, page_starts = _clean_with_pages(body, key)
    section_starts = []
    for heading, name in SECTIONS:
        pos = text.find(heading)
        if pos != -1:
            section_starts.append((pos, name))
    return Paper(
        key=key,
        path=path,
        sha256=sha256(path),
        text=text,
        page_starts=tuple(page_starts),
        section_starts=tuple(sorted(section_starts)),
    )


def paper(key: str, papers_dir: Path | str | None = None) -> Paper:
    """Load paper ``"A"`` or ``"B"`` from ``data/raw/papers`` (or ``papers_dir``)."""
    if key not in PAPER_FILES:
        raise KeyError(f"unknown paper {key!r}: expected one of {sorted(PAPER_FILES)}")
    folder = Path(papers_dir) if papers_dir else data_dir() / "raw" / "papers"
    return _load(key, str(folder.resolve()))


def check_segments_file(csv_path: Path | str, papers_dir: Path | str | None = None) -> list[str]:
    """Problems with the quotes of a segments CSV, one message each (empty list: all good)."""
    import csv

    problems = []
    with open(csv_path, encoding="utf-8", newline="") as fh:
        for row_no, row in enumerate(csv.DictReader(fh), start=2):
            where = f"{csv_path}:{row_no} [{row.get('segment_id')}]"
            key = row.get("paper", "")
            if key not in PAPER_FILES:
                problems.append(f"{where}: paper {key!r} is not A or B")
                continue
            matches = paper(key, papers_dir).find(row.get("quote", ""))
            if not matches:
                problems.append(f"{where}: quote not found verbatim in paper {key}: {row.get('quote')!r}")
                continue
            pages = sorted({m.page for m in matches if m.page is not None})
            if key == "A" and row.get("page", "") not in {str(p) for p in pages}:
                problems.append(f"{where}: page {row.get('page')!r} but the quote starts on page(s) {pages}")
            sections = sorted({m.section for m in matches})
            if row.get("section") not in sections:
                problems.append(f"{where}: section {row.get('section')!r} but the quote stands in {sections}")
    return problems


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2 or argv[0] != "check":
        print("usage: python -m compendium.sources check SEGMENTS.csv", file=sys.stderr)
        return 2
    problems = check_segments_file(argv[1])
    for p in problems:
        print(p)
    print(f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
