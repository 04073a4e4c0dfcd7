"""Reading a student's CSV defensively: every problem becomes one sentence saying what to fix.

:func:`parse_submission` never raises on bad input. It returns the codes (``{variable: {item: code}}``)
or, when the file cannot be graded, ``codes=None`` and the list of problems. Checks, in order:

1. bytes: empty file; binary content (NUL bytes, not text); UTF-16/UTF-32 (byte-order mark or NUL
   pattern); not UTF-8 (e.g. Latin-1 / Windows-1252 from Excel) -- with the line and byte. A UTF-8 BOM
   (Excel's "CSV UTF-8") is accepted.
2. CSV structure: parse errors, a separator other than a comma, header lacking ``item_id`` or a
   variable, rows with more or fewer fields than the header.
   More rows than the template's items plus 100 is rejected before any row is read (a "did you mean"
   search is made only for the problems listed, so a huge file costs no more than a normal one).
3. content: empty or unknown item ids, duplicate rows, missing items, empty cells, unknown codes (with
   the allowed codes and a "did you mean" suggestion).

Codes are compared after trimming spaces and lower-casing (``Emulation `` = ``emulation``); extra
columns (e.g. ``rationale``) are allowed and ignored.
"""

from __future__ import annotations

import csv
import difflib
import io
from dataclasses import dataclass, field

MAX_LISTED = 8
#: rows beyond the template's items that are tolerated before the file is rejected unread
EXTRA_ROWS = 100


@dataclass
class Parsed:
    codes: dict[str, dict[str, str]] | None
    problems: list[str] = field(default_factory=list)
    extra: dict[str, dict[str, str]] = field(default_factory=dict)  # ignored columns, e.g. rationale


def _listing(things: list[str]) -> str:
    shown = ", ".join(things[:MAX_LISTED])
    return shown + (f" … and {len(things) - MAX_LISTED} more" if len(things) > MAX_LISTED else "")


def _short(value: str, n: int = 60) -> str:
    """A student's value, cut to a length a comment can show."""
    return value if len(value) <= n else value[: n - 1] + "…"


def decode(data: bytes) -> tuple[str | None, list[str]]:
    """Bytes → text, or the reason the file is not UTF-8 text."""
    if not data or not data.strip():
        return None, ["the file is empty: fill in the template (header `item_id,...` and one row per item)"]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(data) > 3 and (data[1::2].count(0) > len(data) // 4
                                                                          or data[0::2].count(0) > len(data) // 4)):
        return None, ["the file is saved as UTF-16 (\"Unicode text\"), not UTF-8: save it again as "
                      "\"CSV UTF-8 (comma delimited)\" (Excel) or with encoding UTF-8 (LibreOffice, pandas "
                      "`to_csv(..., encoding='utf-8')`)"]
    if b"\x00" in data:
        return None, ["the file is binary, not a CSV text file (is it an .xlsx or a zip renamed to .csv?): "
                      "export the sheet as \"CSV UTF-8 (comma delimited)\""]
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        byte = data[err.start]
        guess = data[max(0, err.start - 15): err.start + 15].decode("cp1252", errors="replace").replace("\n", " ")
        return None, [f"the file is not UTF-8: byte 0x{byte:02X} on line {line} (near \"{guess.strip()}\") looks "
                      "like Latin-1/Windows-1252; save it again as \"CSV UTF-8 (comma delimited)\" or with "
                      "encoding UTF-8"]


def _norm(value: str) -> str:
    return " ".join(value.split()).lower()  # split() drops the spaces at both ends too


def parse_submission(data: bytes, items: list[str], variables: dict[str, tuple[str, ...]]) -> Parsed:
    """Check a submission against the assignment's items and allowed codes (``{variable: codes}``)."""
    text, problems = decode(data)
    if text is None:
        return Parsed(None, problems)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as err:
        return Parsed(None, [f"the file is not valid CSV ({err}): check quotes -- a field that contains a "
                             "comma or a quote must be wrapped in double quotes, and a quote inside it doubled"])
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        return Parsed(None, ["the file has no rows: fill in the template"])
    if len(rows) - 1 > len(items) + EXTRA_ROWS:
        return Parsed(None, [f"the file has {len(rows) - 1:,} rows but the template has {len(items)} items: "
                             "hand in the template with one row per item"])
    header = [_norm(h) for h in rows[0]]
    expected = ["item_id", *variables]
    if len(header) == 1 and any(sep in rows[0][0] for sep in (";", "\t", "|")):
        sep = next(s for s in (";", "\t", "|") if s in rows[0][0])
        name = {";": "semicolons", "\t": "tabs", "|": "bars"}[sep]
        return Parsed(None, [f"the columns are separated by {name}, not commas: save as \"CSV UTF-8 (comma "
                             f"delimited)\" so that the header reads `{','.join(expected)}`"])
    missing_cols = [c for c in expected if c not in header]
    if missing_cols:
        return Parsed(None, [f"the header lacks column(s) {_listing(missing_cols)}: the first row must be "
                             f"`{','.join(expected)}` (found `{_short(','.join(rows[0]), 200)}`)"])
    dup_cols = sorted({h for h in header if header.count(h) > 1 and h in expected})
    if dup_cols:
        return Parsed(None, [f"column(s) {', '.join(dup_cols)} appear twice in the header: keep one of each"])
    col = {h: header.index(h) for h in expected}
    extra_cols = [h for h in header if h not in expected and h]

    problems: list[str] = []
    seen: dict[str, int] = {}
    codes: dict[str, dict[str, str]] = {v: {} for v in variables}
    extra: dict[str, dict[str, str]] = {h: {} for h in extra_cols}
    # the assignment's own id and code strings are kept, not the file's copies: a batch of thousands of
    # results then holds each id once (3,000 submissions against a 2,200-item key: gigabytes otherwise)
    known = {i: i for i in items}
    canonical = {v: {c: c for c in allowed} for v, allowed in variables.items()}
    unknown_items, duplicates, bad_width, empty_cells, bad_codes = [], [], [], [], []
    for line_no, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            bad_width.append(f"line {line_no} has {len(row)} field(s), the header has {len(header)}")
            continue
        item = row[col["item_id"]].strip()
        if not item:
            unknown_items.append(f"line {line_no}: empty item_id")
            continue
        if item not in known:
            # a suggestion only for the ids that will be listed: the fuzzy search costs per row
            near = difflib.get_close_matches(item[:200], items, n=1) if len(unknown_items) < MAX_LISTED else []
            unknown_items.append(f"line {line_no}: '{_short(item)}'" + (f" (did you mean '{near[0]}'?)" if near else ""))
            continue
        if item in seen:
            duplicates.append(f"'{item}' on lines {seen[item]} and {line_no}")
            continue
        item = known[item]
        seen[item] = line_no
        for var, allowed in variables.items():
            value = _norm(row[col[var]])
            if not value:
                empty_cells.append(f"line {line_no} ('{item}'), {var}")
                continue
            if value not in allowed:
                near = difflib.get_close_matches(value[:200], list(allowed), n=1, cutoff=0.6) \
                    if len(bad_codes) < MAX_LISTED else []
                hint = f"did you mean '{near[0]}'? " if near else ""
                bad_codes.append(f"line {line_no} ('{item}'): '{_short(row[col[var]].strip())}' is not a code for {var} "
                                 f"({hint}allowed: {', '.join(allowed)})")
                continue
            codes[var][item] = canonical[var][value]
        for h in extra_cols:
            extra[h][item] = row[header.index(h)]
    if bad_width:
        problems.append("rows with the wrong number of fields (a comma inside a cell needs double quotes): "
                        + _listing(bad_width))
    if unknown_items:
        problems.append("unknown item ids -- use the ids of the template exactly: " + _listing(unknown_items))
    if duplicates:
        problems.append("duplicate rows -- keep one row per item: " + _listing(duplicates))
    missing = [i for i in items if i not in seen]
    if missing:
        problems.append(f"{len(missing)} item(s) missing -- every item of the template needs a row: "
                        + _listing([f"'{m}'" for m in missing]))
    if empty_cells:
        problems.append("empty cells -- give every item a code (use 'unclear' when the papers do not let you "
                        "decide): " + _listing(empty_cells))
    if bad_codes:
        problems.append("unknown codes: " + _listing(bad_codes))
    if problems:
        return Parsed(None, problems)
    return Parsed(codes, [], extra)
