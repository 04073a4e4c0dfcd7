"""Load and validate the hand-coded data of ``data/raw/coded/`` against ``data/datapackage.json``.

The data package is the contract: it lists every CSV (and the registered paper texts, data/papers.csv), their columns, types,
allowed categories, keys and links. This module checks the files against it and explains every problem
in one line a coder can act on, e.g.::

    raw/coded/actors.csv line 7, column 'kind': 'ministery' is not an allowed value; expected one of: person, ...

Two public functions:

* :func:`validate_dir` -- every problem, one human line each (empty list: all good). Never raises for bad
  data; ``compendium validate [DIR]`` prints its result.
* :func:`load` -- the validated tables as typed pandas DataFrames (integers ``Int64``, booleans ``bool``,
  ``;``-lists as Python lists, empty text as ``""``), keyed by resource name with ``-`` turned into ``_``
  (``actors``, ``policy_outputs``, ``reference_tabel_2`` ...). Raises :class:`CodingError` with
  ``.problems`` if anything is wrong.

How the checks are split:

1. *File checks* (here): the file exists, is not empty, is UTF-8 without a BOM, uses commas, and its
   header names exactly the columns of the schema. A file failing these is not read further (its rows
   would only produce noise) and links *into* it are not checked.
2. *Cell checks*: every row has one cell per column; every cell is read by a
   `frictionless <https://framework.frictionlessdata.io>`_ ``Field`` built from the schema (types,
   ``required``, ``enum``, ``pattern``, ``minimum``/``maximum``), whose notes are rewritten into the
   one-line form above; the primary key is unique. (Fields are built directly and fed the cells parsed
   here, so that the CSV line numbers are exact and frictionless' descriptor validation -- which imports
   jsonschema and costs ~2.5 s -- is not paid on every run. ``frictionless validate
   data/datapackage.json`` checks the package as a whole, foreign keys included; a test runs it.)
3. *Cross checks* (here): foreign keys -- including ids inside ``;``-lists, declared by the custom field
   property ``x-references`` -- real calendar dates, ``date_end`` not before ``date_start``, each quote
   found verbatim in its paper on the stated page and section, the paper texts' sha256 against the
   package's ``hash``, and the rules of ``docs/coding-scheme.md`` that a schema cannot state (one row
   each in :func:`_check_rules` and :func:`_check_scheme_rules`). A malformed ``datapackage.json`` (not an
   object, a resource without name or path, a field without name) is reported against the package itself.

Files whose name starts with ``_`` (e.g. ``_staging_segments_outputs.csv``) are work in progress and
ignored.
"""

from __future__ import annotations

import calendar
import csv
import hashlib
import io
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from compendium.papers import SEGMENT_CLASS as _SEGMENT_CLASS
from compendium.paths import data_dir as _default_data_dir

PACKAGE_FILE = "datapackage.json"
CODED_DIR = "raw/coded"
PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
# What a pattern means, in words, for the messages (keyed by the pattern in datapackage.json).
_PATTERN_HINTS = {
    r"^[a-z0-9]+(-[a-z0-9]+)*$": "a lower-case slug of letters, digits and single hyphens, e.g. 'ridwan-kamil'",
    r"^<paper>-[a-z0-9]+(-[a-z0-9]+)*$": "a segment id: a registered paper's id in lower case, '-' and a lower-case slug, e.g. '<paper>-actor-ranking'",
    r"^[a-z0-9]+(-[a-z0-9]+)*(;[a-z0-9]+(-[a-z0-9]+)*)*$": "ids separated by ';' without spaces, e.g. 'bandung-city;ksp'",
    r"^[^;\s]([^;]*[^;\s])?(;[^;\s]([^;]*[^;\s])?)*$": "names separated by ';' with no spaces around ';' and no empty items",
    r"^[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$": "an ISO 8601 date, possibly partial: YYYY, YYYY-MM or YYYY-MM-DD",
}
# A pattern's segment-id prefix (after '^' or ';') is generated from the paper registry
# (compendium.papers.SEGMENT_CLASS); the hints read it as '<paper>-', and a message names the registered prefixes.
_TYPE_HINTS = {"integer": "a whole number", "boolean": "true or false", "number": "a number",
               "date": "a date YYYY-MM-DD"}


class CodingError(Exception):
    """The coded data is not valid; ``.problems`` holds one human-readable line per problem."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        shown = "\n".join(self.problems[:20])
        more = f"\n... and {len(self.problems) - 20} more" if len(self.problems) > 20 else ""
        super().__init__(f"{len(self.problems)} problem(s) in the coded data:\n{shown}{more}")


@dataclass
class _Table:
    """One CSV as read by the file checks: its schema, header and rows (cells as strings)."""

    path: str  # relative to the data folder, as in datapackage.json
    descriptor: dict
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)  # CSV line on which each row starts
    usable: bool = False  # passed the file checks

    @property
    def fields(self) -> list[dict]:
        return self.descriptor.get("schema", {}).get("fields", [])

    def records(self):
        """(line, {column: cell}) for every row with the header's width."""
        for line, row in zip(self.lines, self.rows):
            if len(row) == len(self.header):
                yield line, dict(zip(self.header, row))


# --------------------------------------------------------------------------------------- public API
def as_list(value) -> list[str]:
    """A ``;``-list cell as a list of ids, whether raw (``"a;b"``) or as :func:`load` returns it."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    if isinstance(value, str):
        return [v for v in value.split(";") if v]
    return [str(v) for v in value]


def validate_dir(data_dir: Path | str | None = None) -> list[str]:
    """Every problem in the coded data under ``data_dir`` (default: the project's ``data/``).

    Returns one line per problem naming the file, CSV line, column, offending value and what was
    expected; an empty list means the data is valid. Never raises for bad data.
    """
    problems, _ = _check(Path(data_dir) if data_dir else _default_data_dir())
    return problems


def load(data_dir: Path | str | None = None) -> dict:
    """The validated tables as typed DataFrames, keyed by resource name (``-`` → ``_``).

    Raises :class:`CodingError` (with ``.problems``) if :func:`validate_dir` finds anything.
    """
    import pandas as pd

    problems, tables = _check(Path(data_dir) if data_dir else _default_data_dir())
    if problems:
        raise CodingError(problems)
    frames = {}
    for name, table in tables.items():
        columns = {}
        for f in table.fields:
            i = table.header.index(f["name"])  # valid tables: the header names the fields
            cells = [row[i] for row in table.rows]
            columns[f["name"]] = _typed_column(f, cells, pd)
        frames[name.replace("-", "_")] = pd.DataFrame(columns, columns=[f["name"] for f in table.fields])
    return frames


def _typed_column(f: dict, cells: list[str], pd):
    if f.get("x-list"):
        sep = f["x-list"].get("separator", ";")
        return pd.Series([c.split(sep) if c else [] for c in cells], dtype=object)
    if f.get("type") == "integer":
        return pd.array([int(c) if c else None for c in cells], dtype="Int64")
    if f.get("type") == "boolean":
        return pd.Series([c in f.get("trueValues", ["true"]) for c in cells], dtype=bool)
    return pd.Series(cells, dtype=object)


# ----------------------------------------------------------------------------------------- driver
def _check(folder: Path) -> tuple[list[str], dict[str, _Table]]:
    """Run every check; return (problems, usable tables by resource name)."""
    problems: list[str] = []
    package = _read_package(folder, problems)
    if package is None:
        return problems, {}
    tables: dict[str, _Table] = {}
    for res in package.get("resources", []):
        path = res.get("path", "")
        try:
            if "schema" in res:
                tables[res["name"]] = _read_table(folder, path, res, problems)
            else:
                _check_hash(folder, path, res, problems)
        except Exception as err:  # never a bare traceback: say which file could not be checked
            problems.append(f"{path}: could not be checked ({type(err).__name__}: {err})")
    _check_undeclared(folder, package, problems)
    for check in (_check_papers, _check_cells, _check_foreign_keys, _check_dates, _check_quotes, _check_rules):
        try:
            check(folder, tables, problems)
        except Exception as err:
            problems.append(f"{check.__name__[7:]} check could not run ({type(err).__name__}: {err})")
    return problems, {n: t for n, t in tables.items() if t.usable}


def _read_package(folder: Path, problems: list[str]) -> dict | None:
    path = folder / PACKAGE_FILE
    if not path.is_file():
        problems.append(f"{PACKAGE_FILE}: not found in {folder}; expected the data package that describes the coded files")
        return None
    try:
        package = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as err:
        problems.append(f"{PACKAGE_FILE}: not UTF-8 ({err}); expected a UTF-8 JSON file")
        return None
    except json.JSONDecodeError as err:
        problems.append(f"{PACKAGE_FILE} line {err.lineno}, column {err.colno}: {err.msg}; expected valid JSON")
        return None
    return _package_shape(package, problems)


def _package_shape(package, problems: list[str]) -> dict | None:
    """The package's structure, checked before any file is read (so that a broken descriptor is reported
    against datapackage.json, not against the CSV it describes); resources that cannot be used are dropped."""
    if not isinstance(package, dict):
        problems.append(f"{PACKAGE_FILE}: the top level is a JSON {type(package).__name__}; expected an object "
                        "with a 'resources' list")
        return None
    resources = package.get("resources")
    if not isinstance(resources, list):
        problems.append(f"{PACKAGE_FILE}: 'resources' is {json.dumps(resources)[:40]}; expected a list of resources")
        return None
    usable = []
    for i, res in enumerate(resources, start=1):
        where = f"{PACKAGE_FILE}: resource {i}"
        if not isinstance(res, dict) or not isinstance(res.get("name"), str) or not isinstance(res.get("path"), str):
            problems.append(f"{where}: {json.dumps(res)[:60]} lacks a 'name' or 'path'; expected an object with both")
            continue
        where = f"{PACKAGE_FILE}: resource '{res['name']}'"
        schema = res.get("schema")
        if schema is not None:
            fields = schema.get("fields") if isinstance(schema, dict) else None
            if not isinstance(fields, list):
                problems.append(f"{where}: its schema has no 'fields' list; expected a Table Schema")
                continue
            bad = [j for j, f in enumerate(fields, start=1) if not isinstance(f, dict) or not isinstance(f.get("name"), str)
                   or not f.get("name")]
            if bad:
                problems.append(f"{where}: schema field(s) number {', '.join(map(str, bad))} have no 'name'; expected "
                                "every field to name its column")
                continue
        usable.append(res)
    return {**package, "resources": usable}


def _check_hash(folder: Path, path: str, res: dict, problems: list[str]) -> None:
    """A non-tabular resource (a paper text): it exists and its sha256 is the package's ``hash``."""
    file = folder / path
    if not file.is_file():
        problems.append(f"{path}: file not found; expected the paper text described by resource '{res.get('name')}'")
        return
    expected = res.get("hash", "")
    if expected:
        algo, _, digest = expected.rpartition(":")
        actual = hashlib.new(algo or "md5", file.read_bytes()).hexdigest()
        if actual != digest:
            problems.append(f"{path}: {algo or 'md5'} is {actual} but datapackage.json records {digest}; "
                            "expected the paper text unchanged (never edit data/raw/papers)")


def _check_undeclared(folder: Path, package: dict, problems: list[str]) -> None:
    declared = {r.get("path") for r in package.get("resources", [])}
    coded = folder / CODED_DIR
    if coded.is_dir():
        for file in sorted(coded.glob("*.csv")):
            rel = f"{CODED_DIR}/{file.name}"
            if not file.name.startswith("_") and rel not in declared:
                problems.append(f"{rel}: not described in datapackage.json; expected only the package's files "
                                "(prefix work-in-progress files with '_')")


# ------------------------------------------------------------------------------------- file checks
def _read_table(folder: Path, path: str, res: dict, problems: list[str]) -> _Table:
    """File checks: exists, not empty, UTF-8 without BOM, commas, the schema's columns in order."""
    table = _Table(path=path, descriptor=res)
    names = [f["name"] for f in table.fields]
    expected_cols = ", ".join(names)
    file = folder / path
    if not file.is_file():
        problems.append(f"{path}: file not found; expected a CSV with the columns: {expected_cols}")
        return table
    raw = file.read_bytes()
    if not raw.strip():
        problems.append(f"{path} line 1: the file is empty; expected a header row with the columns: {expected_cols}")
        return table
    if raw.startswith(b"\xef\xbb\xbf"):
        first = raw[3:].split(b",", 1)[0].decode("utf-8", "replace").strip()
        problems.append(f"{path} line 1, column '{first}': the file starts with a byte-order mark (BOM) before "
                        f"'{first}'; expected UTF-8 without BOM (re-save as plain UTF-8)")
        return table
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        problems.append(_encoding_problem(path, raw, err, names))
        return table
    if "\r" in text:
        problems.append(f"{path} line {text[: text.index(chr(13))].count(chr(10)) + 1}: Windows/Mac line ends "
                        "('\\r'); expected '\\n' line ends")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        rows, lines, prev = [], [], 0
        for row in reader:
            rows.append(row)
            lines.append(prev + 1)
            prev = reader.line_num
    except csv.Error as err:
        problems.append(f"{path} line {reader.line_num}: cannot be parsed as CSV ({err}); expected "
                        "comma-separated cells, '\"'-quoted where needed")
        return table
    header, table.rows, table.lines = rows[0], rows[1:], lines[1:]
    table.header = header
    if _header_ok(path, header, names, problems):
        table.usable = True
    return table


def _encoding_problem(path: str, raw: bytes, err: UnicodeDecodeError, names: list[str]) -> str:
    line_no = raw[: err.start].count(b"\n") + 1
    line = raw.split(b"\n")[line_no - 1].decode("utf-8", "backslashreplace")
    column, value = "?", line
    try:
        cells = next(csv.reader([line]))
        for i, cell in enumerate(cells):
            if "\\x" in cell:
                column, value = (names[i] if i < len(names) else str(i + 1)), cell
                break
    except (csv.Error, StopIteration):
        pass
    bad = raw[err.start : err.end].hex(" ")
    return (f"{path} line {line_no}, column '{column}': '{value}' contains bytes that are not UTF-8 "
            f"(0x{bad}); expected UTF-8 text (re-save the file as UTF-8)")


def _header_ok(path: str, header: list[str], names: list[str], problems: list[str]) -> bool:
    if header == names:
        return True
    expected = ", ".join(names)
    if len(header) == 1 and len(names) > 1:
        for sep, label in ((";", "semicolon"), ("\t", "tab"), ("|", "pipe")):
            if sep in header[0]:
                problems.append(f"{path} line 1, column 1: '{_short(header[0])}' is {label}-separated; expected "
                                f"comma-separated columns: {expected}")
                return False
    before = len(problems)
    for i, col in enumerate(header):
        if col not in names:
            problems.append(f"{path} line 1, column '{col}': '{col}' (position {i + 1}) is not a column of this table; "
                            f"expected only the columns: {expected}")
    for col in names:
        if col not in header:
            problems.append(f"{path} line 1, column '{col}': missing column '{col}'; expected the columns: {expected}")
    for col in {c for c in header if header.count(c) > 1}:
        problems.append(f"{path} line 1, column '{col}': '{col}' appears {header.count(col)} times; expected it once")
    if len(problems) == before:
        problems.append(f"{path} line 1: columns in the order '{', '.join(header)}'; expected the order: {expected}")
    return False


# ------------------------------------------------------------------------------------- cell checks
_FIELD_CLASSES = {"string": "StringField", "integer": "IntegerField", "boolean": "BooleanField",
                  "number": "NumberField", "date": "DateField"}
_NOTE_ORDER = ("type", "required", "enum", "pattern", "minimum", "maximum")


def _frictionless_field(f: dict):
    """A frictionless Field for a schema field, built directly (so no slow descriptor validation)."""
    from frictionless import fields

    cls = getattr(fields, _FIELD_CLASSES.get(f.get("type", "string"), "AnyField"))
    options = {"name": f["name"], "constraints": dict(f.get("constraints", {}))}
    if f.get("type") == "boolean":
        options["true_values"] = f.get("trueValues", ["true", "True", "TRUE", "1"])
        options["false_values"] = f.get("falseValues", ["false", "False", "FALSE", "0"])
    return cls(**options)


def _check_cells(folder: Path, tables: dict[str, _Table], problems: list[str]) -> None:
    """Row width, then every cell's type and constraints (read by frictionless), then the primary key."""
    for t in tables.values():
        if not t.usable:
            continue
        # frictionless builds a cell reader per call of Field.read_cell; build each column's once
        readers = [(f, _frictionless_field(f).create_cell_reader()) for f in t.fields]
        width = len(t.header)
        for line, row in zip(t.lines, t.rows):
            if not row:
                problems.append(f"{t.path} line {line}: the row is blank; expected a data row (delete the empty line)")
            elif len(row) != width:
                problems.append(f"{t.path} line {line}, column '{t.header[min(len(row), width) - 1]}': the row has "
                                f"{len(row)} cells; expected {width} (one per column: {', '.join(t.header)}) -- "
                                "look for an unquoted comma or a missing cell")
            else:
                for (f, reader), cell in zip(readers, row):
                    _value, notes = reader(cell)
                    if notes:
                        problems.append(_cell_line(t.path, line, f, cell, notes))
        _check_primary_key(t, problems)


def _cell_line(path: str, line: int, f: dict, cell: str, notes: dict) -> str:
    """Turn frictionless' notes on one cell (e.g. ``{'enum': 'constraint "enum" is ...'}``) into one line."""
    where = f"{path} line {line}, column '{f['name']}'"
    name = next((n for n in _NOTE_ORDER if n in notes), next(iter(notes)))
    c = f.get("constraints", {})
    if name == "type":
        hint = _TYPE_HINTS.get(f.get("type"), f.get("type"))
        if f.get("type") == "boolean":
            hint = " or ".join(f.get("trueValues", ["true"]) + f.get("falseValues", ["false"]))
        return f"{where}: '{cell}' is not {hint}; expected {hint}"
    if name == "required":
        return f"{where}: '' is empty but a value is required; expected {_expect(f)}"
    if name == "enum":
        return f"{where}: '{cell}' is not an allowed value; expected one of: {', '.join(map(str, c['enum']))}"
    if name == "pattern":
        hint = _pattern_hint(c["pattern"])
        return f"{where}: '{cell}' has the wrong form; expected {hint}"
    if name in ("minimum", "maximum"):
        return f"{where}: '{cell}' is out of range; expected {_range(c)}"
    return f"{where}: '{cell}' breaks the constraint '{name}' ({notes[name]}); expected {c.get(name)}"


def _pattern_hint(pattern: str) -> str:
    """What a pattern asks for, in words: its hint, a segment-id prefix read as any registered paper's and
    the example given with the first one's (``a`` of ``^[ab]-...``)."""
    hint = _PATTERN_HINTS.get(_SEGMENT_CLASS.sub("<paper>-", pattern), "a match for " + pattern)
    m = _SEGMENT_CLASS.search(pattern)
    if m:
        inner = m.group(1)[1:-1]
        hint = hint.replace("<paper>", inner[0] if m.group(1).startswith("[") else inner.split("|")[0])
    return hint


def _check_primary_key(t: _Table, problems: list[str]) -> None:
    pk = t.descriptor["schema"].get("primaryKey", [])
    if isinstance(pk, str):
        pk = [pk]
    seen: dict[tuple, int] = {}
    for line, rec in t.records():
        key = tuple(rec.get(k, "") for k in pk)
        if not pk or not all(key):
            continue  # an empty id is reported as a missing required value
        if key in seen:
            label = "+".join(pk)
            problems.append(f"{t.path} line {line}, column '{label}': '{';'.join(key)}' is a duplicate id (first used "
                            f"on line {seen[key]}); expected every {label} to be unique")
        else:
            seen[key] = line


def _expect(f: dict) -> str:
    c = f.get("constraints", {})
    if "enum" in c:
        return "one of: " + ", ".join(map(str, c["enum"]))
    if "pattern" in c:
        return _pattern_hint(c["pattern"])
    if f.get("type") == "integer":
        return _range(c) if ("minimum" in c or "maximum" in c) else "a whole number"
    return f"a value ({f.get('description', f['name']).rstrip('.')})"


def _range(c: dict) -> str:
    if "minimum" in c and "maximum" in c:
        return f"a whole number from {c['minimum']} to {c['maximum']}"
    if "minimum" in c:
        return f"a whole number of at least {c['minimum']}"
    return f"a whole number of at most {c['maximum']}"


def _short(s: str, n: int = 60) -> str:
    return s if len(s) <= n else s[: n - 1] + "…"


# ------------------------------------------------------------------------------------ cross checks
def _check_foreign_keys(folder: Path, tables: dict[str, _Table], problems: list[str]) -> None:
    """Every id that points into another table exists there (single ids and ids inside ';'-lists)."""
    by_name = tables
    for t in tables.values():
        if not t.usable:
            continue
        links = [(fk["fields"][0], fk["reference"], None) for fk in t.descriptor["schema"].get("foreignKeys", [])]
        links += [(f["name"], {"resource": f["x-references"]["resource"], "fields": [f["x-references"]["field"]]},
                   f.get("x-list", {}).get("separator", ";")) for f in t.fields if "x-references" in f]
        for column, ref, sep in links:
            target = by_name.get(ref["resource"]) if ref.get("resource") else t
            if target is None or not target.usable:
                continue  # the target file has its own problem already
            key = ref["fields"][0]
            known = {rec[key] for _, rec in target.records()}
            for line, rec in t.records():
                cell = rec.get(column, "")
                for item in (cell.split(sep) if sep else [cell]):
                    if item and item not in known:
                        inside = f" (in '{cell}')" if sep and item != cell else ""
                        problems.append(f"{t.path} line {line}, column '{column}': '{item}'{inside} is not a known "
                                        f"id; expected an existing {key} (see {target.path})")


def date_bounds(value: str):
    """(earliest, latest) day a partial ISO date stands for, or None if it is not a real date."""
    m = PARTIAL_DATE.match(value)
    if not m:
        return None
    y, mo, d = int(m.group(1)), m.group(2), m.group(3)
    if mo is None:
        return (y, 1, 1), (y, 12, 31)
    mo = int(mo)
    if not 1 <= mo <= 12:
        return None
    last = calendar.monthrange(y, mo)[1]
    if d is None:
        return (y, mo, 1), (y, mo, last)
    if not 1 <= int(d) <= last:
        return None
    return (y, mo, int(d)), (y, mo, int(d))


def _check_dates(folder: Path, tables: dict[str, _Table], problems: list[str]) -> None:
    """Partial ISO dates are real calendar dates, and a range's end is not before its start."""
    for t in tables.values():
        if not t.usable:
            continue
        date_cols = [f["name"] for f in t.fields if f.get("x-format") == "partial-iso-date"]
        for line, rec in t.records():
            bounds = {}
            for col in date_cols:
                value = rec[col]
                if not value or not PARTIAL_DATE.match(value):
                    continue  # empty, or a wrong form frictionless already reported
                bounds[col] = date_bounds(value)
                if bounds[col] is None:
                    problems.append(f"{t.path} line {line}, column '{col}': '{value}' is not a real calendar date; "
                                    "expected an existing date YYYY, YYYY-MM or YYYY-MM-DD")
            start, end = bounds.get("date_start"), bounds.get("date_end")
            if start and end and end[1] < start[0]:
                problems.append(f"{t.path} line {line}, column 'date_end': '{rec['date_end']}' is before date_start "
                                f"'{rec['date_start']}'; expected a date_end on or after date_start")


def _check_papers(folder: Path, tables: dict[str, _Table], problems: list[str]) -> None:
    """The paper registry (papers.csv): every paper has a sha256 its file matches and a text resource
    with that hash; the package's paper fields and segment-id patterns are the ones the registry
    generates (:func:`compendium.papers.expected_package_parts`)."""
    from compendium.papers import package_problems
    from compendium.papers.sources import RegistryError, read_registry

    try:
        entries = read_registry(folder)
    except (OSError, RegistryError) as err:
        problems.append(f"papers.csv: cannot be read ({err}); expected the registry of papers")
        return
    for line, entry in enumerate(entries.values(), start=2):
        where = f"papers.csv line {line}"
        file = folder / entry.file
        if not entry.sha256:
            problems.append(f"{where}, column 'sha256': '' is empty; expected the sha256 of {entry.file} "
                            "(register papers with `compendium paper add`)")
        elif not file.is_file():
            problems.append(f"{where}, column 'file': '{entry.file}' is not found; expected the paper text")
        elif (actual := hashlib.sha256(file.read_bytes()).hexdigest()) != entry.sha256:
            problems.append(f"{where}, column 'sha256': '{entry.sha256}' but {entry.file} has sha256 {actual}; "
                            "expected the paper text unchanged (never edit data/raw/papers)")
        if entry.paged and (entry.first_page is None or entry.last_page is None):
            problems.append(f"{where}, column 'first_page': paper {entry.paper_id} marks pages but its page range "
                            "is incomplete; expected first_page and last_page")
    package = json.loads((folder / PACKAGE_FILE).read_text(encoding="utf-8"))
    problems.extend(package_problems(package, entries))


def _check_quotes(folder: Path, tables: dict[str, _Table], problems: list[str]) -> None:
    """Each quote of segments.csv stands verbatim in its paper, on the stated page and in the stated section."""
    from compendium.papers.sources import paper, quote_problems, registry

    seg = tables.get("segments")
    if seg is None or not seg.usable:
        return
    papers_dir = folder / "raw" / "papers"
    entries, loaded = registry(folder), {}
    for key, entry in entries.items():
        try:
            loaded[key] = paper(key, papers_dir)
        except Exception as err:
            problems.append(f"{entry.file}: cannot be read for the quote check "
                            f"({type(err).__name__}: {err}); expected the unchanged paper text")
    for line, rec in seg.records():
        key, quote = rec["paper"], rec["quote"]
        if key not in loaded or not quote:
            continue  # unknown paper / empty quote: reported by the cell checks
        for column, value, wrong, expected in quote_problems(entries[key], loaded[key], quote, rec["page"], rec["section"]):
            which = "" if column == "quote" else f" (segment {rec['segment_id']})"
            problems.append(f"{seg.path} line {line}, column '{column}': '{_short(value, 80)}' {wrong}; "
                            f"expected {expected}{which}")


def _check_rules(folder: Path, tables: dict[str, _Table], problems: list[str]) -> None:
    """Rules of docs/coding-scheme.md that a schema cannot express."""
    from compendium.papers.sources import normalise, paper_of_segment, registry

    entries = registry(folder)
    seg = tables.get("segments")
    if seg is not None and seg.usable:
        first_line = {}  # (paper, normalised quote) -> (line, segment_id): one piece of evidence, one id
        for line, rec in seg.records():
            key, sid, page = rec["paper"], rec["segment_id"], rec["page"]
            quote = normalise(rec["quote"])
            if quote and (key, quote) in first_line:
                other_line, other = first_line[(key, quote)]
                problems.append(f"{seg.path} line {line}, column 'quote': the same paper-{key} quote as line "
                                f"{other_line} ('{other}'); expected one segment per quote -- cite '{other}' instead")
            first_line.setdefault((key, quote), (line, sid))
            entry = entries.get(key)
            if entry is None:
                continue  # an unregistered paper is reported by the cell checks
            owner = paper_of_segment(sid, folder)
            if owner is not None and owner != key:
                problems.append(f"{seg.path} line {line}, column 'segment_id': '{sid}' is a paper-{owner} id "
                                f"on a paper-{key} row; expected the prefix '{entry.prefix}'")
            if entry.paged and not page:
                problems.append(f"{seg.path} line {line}, column 'page': '' is empty; expected the page "
                                f"({entry.first_page}-{entry.last_page}) on which the paper-{key} quote starts")
            if entry.paged and page.isdigit() and not entry.first_page <= int(page) <= entry.last_page:
                problems.append(f"{seg.path} line {line}, column 'page': '{page}' is outside paper {key}'s pages; "
                                f"expected a page from {entry.first_page} to {entry.last_page}")
            if not entry.paged and page:
                problems.append(f"{seg.path} line {line}, column 'page': '{page}' given for paper {key}; expected "
                                f"an empty page (paper {key} has no page numbers)")
    stages = tables.get("stages")
    if stages is not None and stages.usable:
        for line, rec in stages.records():
            venue, venue_en = rec["venue"].strip(), rec["venue_en"].strip()
            if venue and not venue_en:
                problems.append(f"{stages.path} line {line}, column 'venue_en': '' is empty although venue is "
                                f"'{venue}'; expected the venue in English")
            if venue_en and not venue:
                problems.append(f"{stages.path} line {line}, column 'venue_en': '{venue_en}' given although venue "
                                "is empty; expected an empty venue_en")
    _check_scheme_rules(folder, tables, problems)
    actors = tables.get("actors")
    if actors is not None and actors.usable:
        for line, rec in actors.records():
            if rec["role_basis"] == "inferred" and not rec["reconstruction"].strip():
                problems.append(f"{actors.path} line {line}, column 'reconstruction': '' is empty although role_basis "
                                f"is 'inferred'; expected one sentence saying why the role '{rec['role']}' was inferred")
    ties = tables.get("ties")
    if ties is not None and ties.usable:
        for line, rec in ties.records():
            if rec.get("basis") == "inferred" and not rec.get("reconstruction", "").strip():
                problems.append(f"{ties.path} line {line}, column 'reconstruction': '' is empty although basis is "
                                f"'inferred'; expected one sentence saying what of tie {rec['tie_id']} the coder inferred")
    _check_classes(tables, problems)
    _check_inconsistencies(folder, tables, problems)
    _check_claim_sentences(tables, problems)
    _check_ranking_groups(tables, problems)


#: relations the coding scheme calls symmetric: coded with directed=false (all others: directed=true)
SYMMETRIC_RELATIONS = ("partnership", "coordination", "agreement", "exchange")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _usable(tables: dict[str, _Table], name: str) -> _Table | None:
    t = tables.get(name)
    return t if t is not None and t.usable else None


def _check_scheme_rules(folder: Path, tables: dict[str, _Table], problems: list[str]) -> None:
    """More rules of docs/coding-scheme.md: text without control characters (they reach the GraphML/GEXF
    exports as invalid XML); no tie from an actor to itself; ``directed`` false exactly for symmetric
    relations; an undated event says so in ``date_note``; a KSP phase only on a KSP event; one stage per position of a sequence, dated no later than
    the stage after it; one policy output per Tabel 2 number of a dimension; one principle per number of a
    framework and one condition per number; a claim of a set of papers cites segments of those papers."""
    from compendium.papers.sources import paper_ids, paper_of_segment, split_set

    ids = paper_ids(folder)
    for t in tables.values():
        if t.usable:
            for line, rec in t.records():
                for col, cell in rec.items():
                    if _CONTROL.search(cell):
                        bad = _CONTROL.search(cell).group()
                        problems.append(f"{t.path} line {line}, column '{col}': {json.dumps(_short(cell))} holds the "
                                        f"control character U+{ord(bad):04X}; expected printable text")
    if ties := _usable(tables, "ties"):
        for line, rec in ties.records():
            if rec["source"] and rec["source"] == rec["target"]:
                problems.append(f"{ties.path} line {line}, column 'target': '{rec['target']}' is also the source; "
                                "expected a tie between two different actors")
            symmetric = rec["relation"] in SYMMETRIC_RELATIONS
            if rec["relation"] and rec["directed"] == ("true" if symmetric else "false"):
                problems.append(f"{ties.path} line {line}, column 'directed': '{rec['directed']}' for the "
                                f"{'symmetric' if symmetric else 'directed'} relation '{rec['relation']}'; expected "
                                f"'{'false' if symmetric else 'true'}' (symmetric: {', '.join(SYMMETRIC_RELATIONS)})")
    if events := _usable(tables, "events"):
        for line, rec in events.records():
            if not rec["date_start"] and not rec["date_end"] and not rec["date_note"].strip():
                problems.append(f"{events.path} line {line}, column 'date_note': '' is empty although the event has "
                                "no date; expected a note saying what the text gives (e.g. 'no date printed')")
            if rec["phase"] and rec["process"] != "ksp":
                problems.append(f"{events.path} line {line}, column 'phase': '{rec['phase']}' on a '{rec['process']}' "
                                "event; expected an empty phase (phases are for KSP events, process 'ksp')")
    if stages := _usable(tables, "stages"):
        _unique_within(stages, ("sequence", "number"), problems)
        by_sequence: dict[str, list] = {}
        for line, rec in stages.records():
            if rec["number"].isdigit():
                by_sequence.setdefault(rec["sequence"], []).append((int(rec["number"]), line, rec))
        for seq in by_sequence.values():
            seq.sort(key=lambda x: x[0])
            for (n, line, rec), (n_next, line_next, nxt) in zip(seq, seq[1:]):
                start = date_bounds(rec["date_start"]) if rec["date_start"] else None
                nxt_date = nxt["date_end"] or nxt["date_start"]
                later = date_bounds(nxt_date) if nxt_date else None
                if start and later and start[0] > later[1]:
                    problems.append(f"{stages.path} line {line}, column 'date_start': '{rec['date_start']}' (stage {n} "
                                    f"of '{rec['sequence']}') is after stage {n_next} (line {line_next}, '{nxt_date}'); "
                                    "expected the stages in the order of their dates")
    if outputs := _usable(tables, "policy-outputs"):
        _unique_within(outputs, ("dimension", "tabel2_no"), problems)
    if principles := _usable(tables, "principles"):
        _unique_within(principles, ("framework", "number"), problems)
    if conditions := _usable(tables, "conditions"):
        _unique_within(conditions, ("number",), problems)
    if claims := _usable(tables, "claims"):
        for line, rec in claims.records():
            try:
                stated_by = split_set(rec["paper"], ids)
            except KeyError:
                continue  # not a set of registered papers: reported by the cell checks
            for col in ("segment_id", "restated_in", "context_segments"):
                for sid in as_list(rec.get(col, "")):
                    owner = paper_of_segment(sid, folder)
                    if owner is not None and owner not in stated_by:
                        problems.append(f"{claims.path} line {line}, column '{col}': '{sid}' is a paper-{owner} "
                                        f"segment for a paper-{rec['paper']} claim; expected a segment of "
                                        f"{' or '.join('paper ' + k for k in stated_by)} (or a paper set that "
                                        f"includes {owner}, e.g. '{''.join(k for k in ids if k in {*stated_by, owner})}')")


def _unique_within(t: _Table, columns: tuple[str, ...], problems: list[str]) -> None:
    """No two rows share the values of ``columns`` (the last one a number; rows without it are skipped)."""
    seen: dict[tuple, int] = {}
    for line, rec in t.records():
        key = tuple(rec[c] for c in columns)
        if not key[-1]:
            continue
        if key in seen:
            scope = " and ".join(f"{c} '{v}'" for c, v in zip(columns[:-1], key[:-1]))
            problems.append(f"{t.path} line {line}, column '{columns[-1]}': '{key[-1]}' is used again"
                            f"{' within ' + scope if scope else ''} (first on line {seen[key]}); expected each "
                            f"{columns[-1]} once{' per ' + ', '.join(columns[:-1]) if len(columns) > 1 else ''}")
        else:
            seen[key] = line


def _check_classes(tables: dict[str, _Table], problems: list[str]) -> None:
    """A field declaring ``x-classes`` (ties' relation) gives every category a ``class`` among them, and
    every class is defined in English and Indonesian with at least one known segment quoting the papers:
    measures of involvement rely on this map (interaction ties are not affiliations)."""
    known = {rec["segment_id"] for _, rec in tables["segments"].records()} if "segments" in tables else None
    for t in tables.values():
        for f in t.fields:
            classes = {c.get("value"): c for c in f.get("x-classes", [])}
            if not classes:
                continue
            where = f"datapackage.json resource '{t.descriptor.get('name')}', field '{f['name']}'"
            for c in f.get("x-categories", []):
                if c.get("class") not in classes:
                    problems.append(f"{where}, category '{c.get('value')}': class {c.get('class')!r} is not one of "
                                    f"the field's x-classes; expected one of: {', '.join(classes)}")
            for value, c in classes.items():
                missing = [k for k in ("label_en", "label_id", "definition_en", "definition_id") if not c.get(k)]
                if missing:
                    problems.append(f"{where}, class '{value}': {', '.join(missing)} empty; expected the class "
                                    "labelled and defined in English and Indonesian")
                segs = c.get("segments", [])
                bad = [s for s in segs if known is not None and s not in known]
                if not segs or bad:
                    problems.append(f"{where}, class '{value}': segments {bad or segs!r}; expected at least one "
                                    "known segment_id quoting the papers for the definition")


def _check_inconsistencies(folder: Path, tables: dict[str, _Table], problems: list[str]) -> None:
    """``inconsistencies.csv``: ``papers`` names exactly the papers of the cited segments (in registry
    order, e.g. 'AB'), and a ``between`` row cites more than one paper."""
    from compendium.papers.sources import paper_ids, paper_of_segment

    inc = tables.get("inconsistencies")
    if inc is None or not inc.usable:
        return
    ids = paper_ids(folder)
    for line, rec in inc.records():
        owners = {paper_of_segment(s, folder) for s in rec["segments"].split(";")} - {None}
        cited = "".join(k for k in ids if k in owners)
        if cited and rec["papers"] != cited:
            problems.append(f"{inc.path} line {line}, column 'papers': '{rec['papers']}' but the segments are from "
                            f"paper(s) {cited}; expected '{cited}'")
        if rec["kind"] == "between" and len(owners) < 2:
            problems.append(f"{inc.path} line {line}, column 'kind': 'between' but every segment is from paper "
                            f"{cited}; expected 'within', or segments from more than one paper")


def _check_claim_sentences(tables: dict[str, _Table], problems: list[str]) -> None:
    """``claim_sentences.csv``: a claim or a restatement names its claim and the reason 'finding'; a
    sentence that is not a claim names no claim and says what it is instead."""
    cs = tables.get("claim-sentences")
    if cs is None or not cs.usable:
        return
    for line, rec in cs.records():
        if rec["decision"] in ("claim", "restates"):
            if not rec["claim_id"] or rec["reason"] != "finding":
                problems.append(f"{cs.path} line {line}, column 'claim_id': '{rec['claim_id']}' with reason "
                                f"'{rec['reason']}' for decision '{rec['decision']}'; expected a claim_id and reason 'finding'")
        elif rec["claim_id"] or rec["reason"] == "finding":
            problems.append(f"{cs.path} line {line}, column 'reason': '{rec['reason']}' (claim '{rec['claim_id']}') for "
                            "decision 'not-a-claim'; expected no claim_id and a reason other than 'finding'")


def _check_ranking_groups(tables: dict[str, _Table], problems: list[str]) -> None:
    """``ranking_groups.csv``: per claim, the ``default`` reading gives every group once, ranked 1, 2, 3...
    without gaps; an alternative reading changes one group of the default (same rank and word); a row
    names at least one actor or kind, and its kinds are categories of ``actors.kind``."""
    rg = _usable(tables, "ranking-groups")
    if rg is None:
        return
    actors = tables.get("actors")
    kind_field = next((f for f in actors.fields if f["name"] == "kind"), {}) if actors is not None else {}
    kinds = kind_field.get("constraints", {}).get("enum")
    default: dict[str, dict[str, dict]] = {}
    for line, rec in rg.records():
        if rec["reading"] == "default":
            default.setdefault(rec["claim_id"], {})[rec["group"]] = rec
    for claim_id, groups in default.items():
        ranks = sorted(int(r["rank"]) for r in groups.values() if r["rank"].isdigit())
        if ranks != list(range(1, len(groups) + 1)):
            problems.append(f"{rg.path}: claim '{claim_id}', reading 'default': ranks {ranks}; expected each of "
                            f"1 to {len(groups)} once (the paper's order of its {len(groups)} groups)")
    for line, rec in rg.records():
        if not rec["actors"] and not rec["kinds"]:
            problems.append(f"{rg.path} line {line}, column 'actors': '' and kinds ''; expected the group's actors, "
                            "its kinds, or both")
        for kind in as_list(rec["kinds"]):
            if kinds and kind not in kinds:
                problems.append(f"{rg.path} line {line}, column 'kinds': '{kind}' is not a kind of actors.csv; "
                                f"expected one of: {', '.join(kinds)}")
        if rec["reading"] == "default":
            continue
        base = default.get(rec["claim_id"], {}).get(rec["group"])
        if base is None:
            problems.append(f"{rg.path} line {line}, column 'group': '{rec['group']}' is not a group of the default "
                            f"reading of claim '{rec['claim_id']}'; expected one of: "
                            f"{', '.join(default.get(rec['claim_id'], {})) or '(no default rows)'}")
            continue
        for col in ("rank", "label"):
            if rec[col] != base[col]:
                problems.append(f"{rg.path} line {line}, column '{col}': '{rec[col]}' for group '{rec['group']}'; "
                                f"expected '{base[col]}' as in the default reading")
