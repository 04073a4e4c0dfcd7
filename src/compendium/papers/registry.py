"""Register a paper, and keep the data package in step with the registry of papers.

The registry is ``data/papers.csv`` (read by :func:`compendium.papers.sources.registry`). What the data
package says about papers is generated from it, so that adding a paper is one command:

* fields marked ``"x-papers": "one"`` (a segment's paper) have one category per registered paper;
  fields marked ``"x-papers": "set"`` (a claim's papers) one per non-empty set of papers (``A``, ``B``,
  ``AB`` for two papers; ``AC``, ``ABC``... with a third);
* every segment-id pattern starts with the registered prefixes (``^[ab]-...`` for A and B);
* ``segments.page`` ranges over the registered pages;
* every paper text is a resource ``paper-<id>`` with its sha256, and its citation one of the ``sources``.

:func:`sync_package` writes these parts (keeping what is already there: the categories of A and B
keep their hand-written definitions); :func:`package_problems` (run by validation) says where the
package and the registry disagree. :func:`add` registers a new paper: ``compendium paper add``.
"""

from __future__ import annotations

import copy
import csv
import hashlib
import io
import json
import re
import shutil
from dataclasses import asdict, replace
from pathlib import Path

from compendium.paths import data_dir
from compendium.papers.sources import (REGISTRY_COLUMNS, REGISTRY_FILE, Entry, read_registry, paper_sets,
                                segment_id_class, split_set)

PACKAGE_FILE = "datapackage.json"
#: the section headings of an Indonesian journal article (the default of ``paper add``)
INDONESIAN_SECTIONS = ("PENDAHULUAN=introduction;METODE PENELITIAN=method;HASIL DAN PEMBAHASAN=results;"
                       "SIMPULAN=conclusion;DAFTAR PUSTAKA=references")
#: the segment-id prefix inside a pattern (after ^ or ;): [ab]- for papers A and B
SEGMENT_CLASS = re.compile(r"(?<=[\^;])(\[[a-z0-9]+\]|\([a-z0-9|]+\))-")


class PaperError(ValueError):
    """A paper cannot be registered; the message says why and what was expected."""


def _category(value: str, entries: dict[str, Entry]) -> dict:
    """A category for a paper or a set of papers that has none yet (A and B's are hand-written)."""
    members = split_set(value, entries)
    if len(members) == 1:
        e = entries[value]
        return {"value": value, "label_en": e.label_en, "label_id": e.label_id, "definition_en": e.citation,
                "definition_id": e.citation, "source": f"data/{REGISTRY_FILE}"}
    names = ", ".join(members[:-1]) + " and " + members[-1]
    return {"value": value, "label_en": f"Papers {names}", "label_id": f"Makalah {names.replace('and', 'dan')}",
            "definition_en": f"Concerns papers {names} together.",
            "definition_id": f"Menyangkut makalah {names.replace('and', 'dan')} bersama-sama.",
            "source": f"data/{REGISTRY_FILE}"}


def sync_package(package: dict, entries: dict[str, Entry], size_of: dict[str, int] | None = None) -> dict:
    """The package with its paper fields, segment-id patterns, page range and paper texts generated
    from the registry ``entries`` (a new dict; unchanged parts stay as they are). ``size_of`` gives the
    bytes of new paper texts by registry path."""
    size_of = size_of or {}
    pkg = copy.deepcopy(package)
    ids = list(entries)
    prefix = segment_id_class(ids) + "-"
    paged = [e for e in entries.values() if e.paged]
    for res in pkg.get("resources", []):
        for f in res.get("schema", {}).get("fields", []):
            c = f.get("constraints", {})
            if "pattern" in c:
                c["pattern"] = SEGMENT_CLASS.sub(prefix, c["pattern"])
            kind = f.get("x-papers")
            if kind in ("one", "set"):
                values = ids if kind == "one" else paper_sets(ids)
                c["enum"] = values
                old = {cat["value"]: cat for cat in f.get("x-categories", [])}
                f["x-categories"] = [old.get(v) or _category(v, entries) for v in values]
            if res.get("name") == "segments" and f["name"] == "page" and paged:
                c["minimum"] = min(e.first_page for e in paged)
                c["maximum"] = max(e.last_page for e in paged)
    cited = {src.get("title") for src in pkg.setdefault("sources", [])}
    for e in entries.values():
        if e.citation not in cited:
            doi = re.search(r"https://doi\.org/\S+", e.citation)
            pkg["sources"].append({"title": e.citation, **({"path": doi.group().rstrip(".")} if doi else {})})
    texts = {r.get("path"): r for r in pkg.get("resources", []) if "schema" not in r}
    for e in entries.values():
        res = texts.get(e.file)
        if res is None:
            res = {"name": f"paper-{e.paper_id.lower()}", "path": e.file,
                   "title": f"{e.label_en} (text, shipped unchanged)", "title_id": f"{e.label_id} (teks, tidak diubah)",
                   "description": "Full text of the paper, shipped byte-for-byte unchanged; quotes in segments.csv "
                                  f"are checked against it. {e.citation}",
                   "description_id": "Teks lengkap makalah, disertakan tanpa perubahan satu bita pun; kutipan di "
                                     "segments.csv diperiksa terhadapnya.",
                   "format": "txt", "mediatype": "text/plain", "encoding": "utf-8", "bytes": None}
            pkg["resources"].append(res)
        if res.get("bytes", 0) is None:  # a new text: its size, if the file is there to measure
            res["bytes"] = size_of.get(e.file)
        res["hash"] = f"sha256:{e.sha256}"
    return pkg


def package_problems(package: dict, entries: dict[str, Entry]) -> list[str]:
    """Where ``package`` says something about papers other than the registry generates, one line each."""
    expected = sync_package(package, entries)
    hint = f"expected what data/{REGISTRY_FILE} generates (run `compendium paper sync`)"
    problems = []
    have = {r.get("name"): r for r in package.get("resources", [])}
    titles = {src.get("title") for src in package.get("sources", [])}
    problems += [f"{PACKAGE_FILE}: 'sources' lacks the citation of paper {e.paper_id} ({e.citation[:60]}...); {hint}"
                 for e in entries.values() if e.citation not in titles]
    for res in expected.get("resources", []):
        old = have.get(res.get("name"))
        if old is None:
            problems.append(f"{PACKAGE_FILE}: no resource for the paper text {res.get('path')}; {hint}")
            continue
        if "schema" not in res:
            if old.get("hash") != res.get("hash"):
                problems.append(f"{PACKAGE_FILE}: resource '{res['name']}' has hash {old.get('hash')!r}, the registry "
                                f"{res['hash']!r}; {hint}")
            continue
        for f, g in zip(old["schema"]["fields"], res["schema"]["fields"]):
            for key in ("enum", "pattern", "minimum", "maximum"):
                a, b = f.get("constraints", {}).get(key), g.get("constraints", {}).get(key)
                if a != b:
                    problems.append(f"{PACKAGE_FILE}: resource '{res['name']}', field '{f['name']}': {key} "
                                    f"{json.dumps(a)}; {hint}: {json.dumps(b)}")
            if [c["value"] for c in f.get("x-categories", [])] != [c["value"] for c in g.get("x-categories", [])] \
                    and f.get("x-papers"):
                problems.append(f"{PACKAGE_FILE}: resource '{res['name']}', field '{f['name']}': categories "
                                f"{[c['value'] for c in f.get('x-categories', [])]}; {hint}")
    return problems


def write_registry(entries: dict[str, Entry], data: Path) -> None:
    """Write ``papers.csv`` (the columns of :data:`compendium.papers.sources.REGISTRY_COLUMNS`, '\\n' line ends)."""
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=REGISTRY_COLUMNS, lineterminator="\n")
    w.writeheader()
    for e in entries.values():
        row = asdict(e)
        row["sections"] = ";".join(f"{h}={s}" for h, s in e.sections)
        row["first_page"] = "" if e.first_page is None else e.first_page
        row["last_page"] = "" if e.last_page is None else e.last_page
        w.writerow(row)
    (data / REGISTRY_FILE).write_text(out.getvalue(), encoding="utf-8")


def write_package(package: dict, data: Path) -> None:
    """Write ``datapackage.json`` in its committed form (2-space indent, ASCII escapes, final newline)."""
    (data / PACKAGE_FILE).write_text(json.dumps(package, indent=2, ensure_ascii=True) + "\n", encoding="utf-8")


def sync(data: Path | str | None = None) -> list[str]:
    """Regenerate the paper parts of ``datapackage.json`` from ``papers.csv``; return what changed."""
    data = Path(data) if data else data_dir()
    package = json.loads((data / PACKAGE_FILE).read_text(encoding="utf-8"))
    changes = package_problems(package, read_registry(data))
    if changes:
        entries = read_registry(data)
        sizes = {e.file: (data / e.file).stat().st_size for e in entries.values() if (data / e.file).is_file()}
        write_package(sync_package(package, entries, sizes), data)
    return changes


def add(file: Path | str, paper_id: str, citation: str, *, data: Path | str | None = None, language: str = "id",
        pages: str = "", page_range: str = "", sections: str = INDONESIAN_SECTIONS, body_start: str = "",
        body_end: str = "", label_en: str = "", label_id: str = "") -> Entry:
    """Register the paper text ``file`` as ``paper_id``: copy it into ``raw/papers/`` (unchanged), record its
    sha256, citation, language, page markers (a regular expression; ``page_range`` ``FIRST-LAST``) and
    section headings in ``papers.csv``, and regenerate the package's paper parts. Returns the entry."""
    data = Path(data) if data else data_dir()
    file = Path(file)
    entries = read_registry(data)
    if not re.fullmatch(r"[A-Z][A-Z0-9]*", paper_id):
        raise PaperError(f"--id {paper_id!r}: expected capital letters and digits starting with a letter, e.g. C")
    if paper_id in entries:
        raise PaperError(f"--id {paper_id!r} is already registered in data/{REGISTRY_FILE}; expected a new id")
    clash = [k for k in entries if k.lower().startswith(paper_id.lower()) or paper_id.lower().startswith(k.lower())]
    if clash:
        raise PaperError(f"--id {paper_id!r}: its segment prefix would overlap paper {clash[0]}'s; expected another id")
    if not file.is_file():
        raise PaperError(f"{file}: not found; expected the paper's text (UTF-8)")
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise PaperError(f"{file}: not UTF-8 ({err}); expected the paper's text as UTF-8") from None
    first = last = None
    if pages:
        try:
            markers = re.compile(pages)
        except re.error as err:
            raise PaperError(f"--pages {pages!r}: not a regular expression ({err})") from None
        m = re.fullmatch(r"(\d+)-(\d+)", page_range)
        if not m or int(m.group(1)) > int(m.group(2)):
            raise PaperError(f"--page-range {page_range!r}: expected FIRST-LAST, e.g. 12-20, with --pages")
        first, last = int(m.group(1)), int(m.group(2))
        if not markers.search(text):
            raise PaperError(f"--pages {pages!r} matches nothing in {file}; expected the page markers of the text")
    target = data / "raw" / "papers" / file.name
    if target.exists() and target.read_bytes() != file.read_bytes():
        raise PaperError(f"{target} exists with other content; expected a new file name")
    for marker, name in ((body_start, "--body-start"), (body_end, "--body-end")):
        if marker and marker not in text:
            raise PaperError(f"{name} {marker!r} is not in {file}; expected text printed in the file")
    entry = Entry(paper_id=paper_id, file=f"raw/papers/{file.name}",
                  sha256=hashlib.sha256(file.read_bytes()).hexdigest(), citation=citation, language=language,
                  label_en=label_en or f"Paper {paper_id}", label_id=label_id or f"Makalah {paper_id}",
                  page_markers=pages, first_page=first, last_page=last, body_start=body_start, body_end=body_end,
                  sections=tuple(tuple(s.rsplit("=", 1)) for s in sections.split(";") if s))
    if any(len(s) != 2 for s in entry.sections):
        raise PaperError(f"--sections {sections!r}: expected HEADING=section;HEADING=section...")
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(file, target)
    entries[paper_id] = entry
    write_registry(entries, data)
    package = json.loads((data / PACKAGE_FILE).read_text(encoding="utf-8"))
    write_package(sync_package(package, entries, {entry.file: target.stat().st_size}), data)
    return replace(entry)
