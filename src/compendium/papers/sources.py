"""The papers as data and as text: the registry, a cleaned page-aware view, quote lookup.

The compendium ships the papers unchanged under ``data/raw/papers/`` and registers each in
``data/papers.csv`` (:func:`registry`): id, file, sha256, citation, language, how its pages are marked,
its page range and its section headings. Nothing else in the library names a paper: add a paper with
``compendium paper add``. (Paper A's file, for instance, is a plagiarism-checker report: its registry
row cuts the checker's header and trailing list of "INTERNET SOURCES" off and names the running page
headers; paper B has section headings but no pages.)

:func:`paper` returns a :class:`Paper`: the cleaned text (markup and page headers removed,
whitespace collapsed) with the page and section of every character. :meth:`Paper.find` looks a quote
up after the *same* normalisation -- whitespace and markup only, never the words -- so a quote must be
the paper's own wording, typos included; :func:`locate` also finds the closest passage of a near miss.

Run ``python -m compendium.papers.sources check SEGMENTS.csv`` to check a segments file by hand.
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

REGISTRY_FILE = "papers.csv"
#: columns of data/papers.csv, in order (the data package describes each one)
REGISTRY_COLUMNS = ["paper_id", "file", "sha256", "citation", "language", "label_en", "label_id",
                    "page_markers", "first_page", "last_page", "body_start", "body_end", "sections"]
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")
_STARS = re.compile(r"\*+")
_SPACE = re.compile(r"\s+")


class RegistryError(ValueError):
    """data/papers.csv cannot be read or names a paper wrongly; the message says file, line and column."""


@dataclass(frozen=True)
class Entry:
    """One registered paper, as a row of ``data/papers.csv``.

    ``page_markers`` is a regular expression matching the running page headers (or page markers) of
    the text; the page that starts after a marker is the number in the marker's first matching group
    (a marker without a number is the first page). Empty: the paper has no pages. ``body_start`` and
    ``body_end`` cut a wrapper off the text (a checker report's header, a list of sources);
    ``sections`` are the printed headings in order with the section each opens
    (``HEADING=section;...``; the text before the first is the abstract).
    """

    paper_id: str
    file: str  # relative to the data folder
    sha256: str
    citation: str
    language: str
    label_en: str
    label_id: str
    page_markers: str = ""
    first_page: int | None = None
    last_page: int | None = None
    body_start: str = ""
    body_end: str = ""
    sections: tuple[tuple[str, str], ...] = ()

    @property
    def prefix(self) -> str:
        """The segment-id prefix of this paper's quotes, e.g. ``a-``."""
        return self.paper_id.lower() + "-"

    @property
    def paged(self) -> bool:
        return bool(self.page_markers)


def _registry_path(data: Path | str | None) -> Path:
    return Path(data) / REGISTRY_FILE if data else data_dir() / REGISTRY_FILE


def read_registry(data: Path | str | None = None) -> dict[str, Entry]:
    """The registered papers of ``data/papers.csv`` (or of the data folder ``data``), by id, in file order."""
    import csv

    path = _registry_path(data)
    text = path.read_text(encoding="utf-8")
    entries: dict[str, Entry] = {}
    reader = csv.DictReader(text.splitlines())
    if reader.fieldnames != REGISTRY_COLUMNS:
        raise RegistryError(f"{REGISTRY_FILE} line 1: columns {reader.fieldnames}; expected {REGISTRY_COLUMNS}")
    for line, row in enumerate(reader, start=2):
        try:
            sections = tuple(tuple(item.rsplit("=", 1)) for item in row["sections"].split(";") if item)
            if any(len(s) != 2 for s in sections):
                raise ValueError(f"sections {row['sections']!r}; expected HEADING=section;HEADING=section...")
            if row["page_markers"]:
                re.compile(row["page_markers"])
            entry = Entry(**{**row, "first_page": int(row["first_page"]) if row["first_page"] else None,
                             "last_page": int(row["last_page"]) if row["last_page"] else None,
                             "sections": sections})
        except (ValueError, re.error) as err:
            raise RegistryError(f"{REGISTRY_FILE} line {line} (paper {row.get('paper_id')!r}): {err}") from None
        entries[entry.paper_id] = entry
    return entries


def registry(data: Path | str | None = None) -> dict[str, Entry]:
    """Like :func:`read_registry`, cached per data folder and file content (the library reads it often)."""
    path = _registry_path(data)
    return _registry_cached(str(path.resolve()), path.stat().st_mtime_ns)


@lru_cache(maxsize=8)
def _registry_cached(path: str, _mtime: int) -> dict[str, Entry]:
    return read_registry(Path(path).parent)


def paper_ids(data: Path | str | None = None) -> list[str]:
    """The registered paper ids, in registry order (``["A", "B"]`` for the shipped data)."""
    return list(registry(data))


def paper_of_segment(segment_id: str, data: Path | str | None = None) -> str | None:
    """The paper a segment id belongs to, from its prefix (``a-...`` is paper A), or None."""
    for key, entry in registry(data).items():
        if segment_id.startswith(entry.prefix):
            return key
    return None


def paper_sets(ids) -> list[str]:
    """Every non-empty set of papers as the ids joined in registry order, by size: A, B, AB for two."""
    from itertools import combinations

    ids = list(ids)
    return ["".join(c) for n in range(1, len(ids) + 1) for c in combinations(ids, n)]


def split_set(value: str, ids) -> list[str]:
    """The papers of a set value such as ``AB`` (the registered ids it is made of, in order)."""
    ids = sorted(ids, key=len, reverse=True)  # longest first: ids may be more than one letter
    out, rest = [], value
    while rest:
        head = next((i for i in ids if rest.startswith(i)), None)
        if head is None:
            raise KeyError(f"{value!r} is not a set of registered papers {sorted(ids)}")
        out.append(head)
        rest = rest[len(head):]
    return out


def set_label(value: str, ids) -> str:
    """How a paper or set of papers is named in a chart: 'paper A', 'both (AB)' (two of two), 'all (ABC)',
    'papers AC'."""
    members, ids = split_set(value, ids), list(ids)
    if len(members) == 1:
        return f"paper {value}"
    if len(members) == len(ids):
        return f"{'both' if len(ids) == 2 else 'all'} ({value})"
    return f"papers {value}"


def segment_id_class(ids) -> str:
    """The regular-expression prefix of every segment id: ``[ab]`` for papers A and B."""
    lowered = [i.lower() for i in ids]
    if all(len(i) == 1 for i in lowered):
        return "[" + "".join(lowered) + "]"
    return "(" + "|".join(lowered) + ")"


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
    """A paper's cleaned text with the page of every character (papers with page markers) and its section bounds."""

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


def _clean_with_pages(body: str, entry: Entry) -> tuple[str, list[tuple[int, int]]]:
    """Strip page markers and markup, collapse whitespace, remember where pages start."""
    pieces: list[tuple[str, int | None]] = []
    if entry.paged:
        page, last = entry.first_page, 0
        for m in re.finditer(entry.page_markers, body):
            pieces.append((body[last : m.start()], page))
            number = next((g for g in m.groups() if g), None)
            page = int(number) if number else entry.first_page
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


@lru_cache(maxsize=16)
def _load(entry: Entry, path: str) -> Paper:
    raw = Path(path).read_text(encoding="utf-8")
    body = raw
    if entry.body_start:
        body = body[body.index(entry.body_start) :]
    if entry.body_end:
        body = body[: body.index(entry.body_end)]
    text, page_starts = _clean_with_pages(body, entry)
    section_starts = []
    for heading, name in entry.sections:
        pos = text.find(heading)
        if pos != -1:
            section_starts.append((pos, name))
    return Paper(
        key=entry.paper_id,
        path=Path(path),
        sha256=sha256(Path(path)),
        text=text,
        page_starts=tuple(page_starts),
        section_starts=tuple(sorted(section_starts)),
    )


def paper(key: str, papers_dir: Path | str | None = None) -> Paper:
    """Load a registered paper (``"A"``, ``"B"``...) from ``data/raw/papers`` (or ``papers_dir``).

    The registry is read from the data folder that holds ``papers_dir`` (``DATA/raw/papers``).
    """
    folder = Path(papers_dir) if papers_dir else data_dir() / "raw" / "papers"
    entries = registry(folder.parent.parent)
    if key not in entries:
        raise KeyError(f"unknown paper {key!r}: expected one of {sorted(entries)} (data/{REGISTRY_FILE})")
    entry = entries[key]
    return _load(entry, str((folder / Path(entry.file).name).resolve()))


def papers(data: Path | str | None = None) -> dict[str, Paper]:
    """Every registered paper, loaded, by id."""
    folder = Path(data) if data else data_dir()
    return {key: paper(key, folder / "raw" / "papers") for key in registry(folder)}


@dataclass(frozen=True)
class Located:
    """Where a quote stands (``matches``), or, when it is not verbatim, the closest passage."""

    paper: str
    matches: tuple[Match, ...]
    closest: str = ""  # the paper's wording nearest to the quote (empty when found verbatim)
    ratio: float = 0.0  # similarity of quote and closest passage, 0..1
    differences: tuple[str, ...] = ()  # what differs: "quote 'x' / paper 'y'"
    at: Match | None = None  # where the closest passage stands


def locate(p: Paper, quote: str) -> Located:
    """Where ``quote`` stands in paper ``p``; when not verbatim, the closest passage and what differs.

    The closest passage is found with :class:`difflib.SequenceMatcher`: first the run of as many words as
    the quote has whose lower-cased words match best, then, around it, the run of a few words more or
    fewer whose letters match best (the reported similarity, 0..1); what differs is listed word by word.
    """
    import difflib

    matches = p.find(quote)
    needle = normalise(quote)
    if matches or not needle:
        return Located(p.key, tuple(matches))
    spans = [(m.start(), m.end()) for m in re.finditer(r"\S+", p.text)]
    words = [p.text[i:j] for i, j in spans]
    lower = [w.lower() for w in words]
    qwords = needle.split(" ")
    sm = difflib.SequenceMatcher(autojunk=False)
    sm.set_seq2([w.lower() for w in qwords])
    n, best = len(qwords), (0.0, 0)
    for i in range(max(1, len(words) - n + 1)):
        sm.set_seq1(lower[i : i + n])
        if sm.real_quick_ratio() > best[0] and sm.quick_ratio() > best[0] and sm.ratio() > best[0]:
            best = (sm.ratio(), i)
    # refine: a passage may have a few words more or fewer than the quote (a split or joined word)
    # (compared letter by letter, so that a split or joined word counts as nearly the same)
    i0, ratio, i, size = best[1], 0.0, best[1], n
    chars = difflib.SequenceMatcher(autojunk=False)
    chars.set_seq2(needle.lower())
    for start in range(max(0, i0 - 3), i0 + 4):
        for length in range(max(1, n - 3), n + 4):
            chars.set_seq1(" ".join(lower[start : start + length]))
            if chars.ratio() > ratio:
                ratio, i, size = chars.ratio(), start, length
    n = size
    window = words[i : i + n]
    diffs = [f"quote {' '.join(qwords[b1:b2])!r} / paper {' '.join(window[a1:a2])!r}"
             for op, a1, a2, b1, b2 in difflib.SequenceMatcher(None, window, qwords, autojunk=False).get_opcodes()
             if op != "equal"]
    start, end = spans[i][0], spans[min(i + n, len(spans)) - 1][1]
    at = Match(start, end, p.page_at(start), p.section_at(start))
    return Located(p.key, (), p.text[start:end], round(ratio, 3), tuple(diffs), at)


def quote_problems(entry: Entry, p: Paper, quote: str, page: str, section: str) -> list[tuple[str, str, str, str]]:
    """What is wrong with a segment's quote, page and section (none: all good), each problem as
    ``(column, value, what is wrong, what was expected)``.

    The one quote-location check, used by validation (:mod:`compendium.coding`) and by
    :func:`check_segments_file`. A quote not found verbatim comes with the closest passage.
    """
    matches = p.find(quote)
    if not matches:
        found = locate(p, quote)
        expected = "the paper's exact words (only whitespace and markup may differ)"
        if found.closest:
            expected += f"; the closest passage is '{found.closest[:100]}' ({'; '.join(found.differences[:3])})"
        return [("quote", quote, f"is not found verbatim in paper {entry.paper_id}", expected)]
    out = []
    pages = sorted({m.page for m in matches if m.page is not None})
    if entry.paged and page and page not in {str(n) for n in pages}:
        out.append(("page", page, "is not where the quote starts", " or ".join(map(str, pages))))
    sections = sorted({m.section for m in matches})
    if section and section not in sections:
        out.append(("section", section, "is not where the quote stands", " or ".join(sections)))
    return out


def check_segments_file(csv_path: Path | str, papers_dir: Path | str | None = None) -> list[str]:
    """Problems with the quotes of a segments CSV, one message each (empty list: all good)."""
    import csv

    folder = Path(papers_dir) if papers_dir else data_dir() / "raw" / "papers"
    entries = registry(folder.parent.parent)
    problems = []
    with open(csv_path, encoding="utf-8", newline="") as fh:
        for row_no, row in enumerate(csv.DictReader(fh), start=2):
            where = f"{csv_path}:{row_no} [{row.get('segment_id')}]"
            key = row.get("paper", "")
            if key not in entries:
                problems.append(f"{where}: paper {key!r} is not registered; expected one of {sorted(entries)}")
                continue
            for column, value, wrong, expected in quote_problems(
                    entries[key], paper(key, folder), row.get("quote", ""), row.get("page", ""), row.get("section", "")):
                problems.append(f"{where}: {column} {value!r} {wrong}; expected {expected}")
    return problems


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2 or argv[0] != "check":
        print("usage: python -m compendium.papers.sources check SEGMENTS.csv", file=sys.stderr)
        return 2
    problems = check_segments_file(argv[1])
    for p in problems:
        print(p)
    print(f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
