"""Submissions as an LMS hands them over: a folder or a ``.zip``, Moodle's or Canvas's names, a class list.

:func:`collect` turns what the instructor downloaded into :class:`~compendium.grading.batch.Entry` rows,
one per student (or per file that belongs to no student), each carrying the student's identity:

* **zip** -- extracted by :func:`safe_extract` into a private folder: regular files only (a link, an
  absolute path or a ``..`` component is refused), at most :data:`MAX_MEMBERS` members and
  :data:`MAX_TOTAL` bytes in all, each read with a cap whatever its header claims (a zip bomb stops at the
  cap). A refused member becomes an ``invalid`` row saying why; an archive that is not a zip at all
  becomes one ``invalid`` row. Nothing in a zip stops the batch.
* **Moodle** "Download all submissions": a folder per student, ``Full Name_12345_assignsubmission_file_``
  (12345 is the participant id), or the same prefix on each file when folders are switched off.
* **Canvas** "Download submissions": ``login_[LATE_]userid_attachmentid_filename`` (``LATE`` when handed in
  after the due date; Canvas adds ``-1``, ``-2`` … to a re-uploaded file's name).
* **plain**: ``STUDENT_ID.csv`` or ``STUDENT_ID.ipynb``.

Several files from one student: the one ``.csv``/``.ipynb`` is graded and the others are named in the
comment; several gradable files are ``ambiguous`` (none is graded; the comment lists them) -- except
Canvas re-uploads of one file (``x.csv``, ``x-1.csv``, ``x-2.csv``), where the latest is graded and
the comment says so. A class list (:func:`read_roster`: Canvas's gradebook export, Moodle's grading
worksheet, or any CSV with username / e-mail / id columns) maps each submission to username, e-mail and
SIS id, and gives every student with no submission a ``missing`` row.
"""

from __future__ import annotations

import csv
import io
import os
import re
import stat
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path

from compendium.grading.batch import MAX_BYTES, README, Entry, _entry, display_name

MAX_MEMBERS = 5000
#: bytes extracted from one zip in all: 300 notebooks of a few MB fit; a zip bomb does not
MAX_TOTAL = 1_000_000_000
MAX_DEPTH = 4

MOODLE = re.compile(r"(?P<name>.+?)_(?P<pid>\d+)_assign(?:submission|feedback)_(?P<plugin>[a-z]+)_(?P<file>.*)",
                    re.DOTALL)
CANVAS = re.compile(r"(?P<login>[^_/]+?)_(?:(?P<late>LATE)_)?(?P<userid>\d+)_(?P<subid>\d+)_(?P<file>.+)",
                    re.DOTALL)
REUPLOAD = re.compile(r"(?P<stem>.+?)-(?P<n>\d+)(?P<ext>\.[^.]+)$")


class RosterError(ValueError):
    """The class list cannot be read (the message names the file, the row and what was expected)."""


# ------------------------------------------------------------------------------------------------ zip
def safe_extract(archive: Path, dest: Path) -> list[tuple[str, str]]:
    """Extract the regular files of ``archive`` under ``dest``; returns (member name, problem) for every
    member refused. Raises nothing for a hostile archive: an unreadable one gives one problem."""
    problems: list[tuple[str, str]] = []
    try:
        z = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as err:
        return [(archive.name, f"the archive cannot be opened as a zip ({type(err).__name__}): download it again "
                               "from the LMS")]
    total = 0
    with z:
        infos = z.infolist()
        if len(infos) > MAX_MEMBERS:
            return [(archive.name, f"the archive has {len(infos):,} members, over the limit of {MAX_MEMBERS:,}")]
        names = [_member_name(info) for info in infos]
        counts: dict[str, int] = {}
        for name in names:
            counts[name.casefold()] = counts.get(name.casefold(), 0) + 1
        for info, name in zip(infos, names):
            parts = [p for p in name.split("/") if p not in ("", ".")]
            mode = info.external_attr >> 16
            if info.is_dir() or (stat.S_ISDIR(mode) and not info.file_size):
                continue
            problem = ""
            if counts[name.casefold()] > 1:
                problem = "the archive holds two files of this name: hand in one"
            elif name.startswith("/") or re.match(r"[A-Za-z]:", name) or ".." in parts:
                problem = "its path leaves the archive's folder (absolute or with ..): refused"
            elif stat.S_ISLNK(mode):
                problem = "this is a link (links are never followed): hand in the file itself"
            elif info.flag_bits & 0x1:
                problem = "this file is encrypted: hand it in without a password"
            elif not parts or len(parts) > MAX_DEPTH or any("\x00" in p or len(p.encode()) > 250 for p in parts):
                problem = "its path is too deep or a name in it is too long"
            elif info.file_size > max(MAX_BYTES.values()):
                problem = f"the file is {info.file_size:,} bytes, over the limit of {max(MAX_BYTES.values()):,}"
            elif total + info.file_size > MAX_TOTAL:
                problem = f"the archive unpacks to more than {MAX_TOTAL:,} bytes: this file was not extracted"
            if not problem:
                target = dest.joinpath(*parts)
                try:
                    total += _extract_one(z, info, target, dest)
                except _Refused as err:
                    problem = str(err)
                except (zipfile.BadZipFile, OSError, RuntimeError, EOFError, ValueError, NotImplementedError) as err:
                    problem = f"the file cannot be extracted ({type(err).__name__}): the archive is damaged"
            if problem:
                problems.append((name, problem))
    return problems


def _member_name(info: zipfile.ZipInfo) -> str:
    raw = info.orig_filename
    if not info.flag_bits & 0x800:  # not flagged UTF-8: the bytes as the archiver wrote them
        raw = display_name(raw.encode("cp437", errors="replace"))
    return raw.replace("\\", "/")


class _Refused(Exception):
    pass


def _extract_one(z: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, root: Path) -> int:
    """Copy one member, never more than the per-file limit, to a new file (never over an existing one,
    never through a link); returns the bytes written."""
    limit = max(MAX_BYTES.values())
    target.parent.mkdir(parents=True, exist_ok=True)
    if os.path.realpath(target.parent) != os.path.join(os.path.realpath(root), *target.parent.relative_to(root).parts):
        raise _Refused("its folder is a link: refused")
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        raise _Refused("the archive holds two files of this name: hand in one") from None
    written = 0
    with os.fdopen(fd, "wb") as out, z.open(info) as src:
        while chunk := src.read(1 << 20):
            written += len(chunk)
            if written > limit:
                raise _Refused(f"the file unpacks to more than {limit:,} bytes (its header said "
                               f"{info.file_size:,}): refused")
            out.write(chunk)
    return written


# ----------------------------------------------------------------------------------------- the layout
@dataclass
class _File:
    entry: Entry
    group: tuple  # who it belongs to: ("moodle", pid) | ("canvas", userid) | ("plain", id)
    identity: dict = field(default_factory=dict)
    original: str = ""  # the file's own name, without the LMS prefix


def _files(folder: Path) -> list[_File]:
    """Every entry of the folder, LMS folders opened: each file with the student it belongs to."""
    raw_folder = os.fsencode(folder)
    names = sorted(os.listdir(raw_folder))
    shown = [display_name(n) for n in names if not README.fullmatch(display_name(n))]
    if len(shown) == 1 and os.path.isdir(os.path.join(raw_folder, os.fsencode(shown[0]))) and \
            not os.path.islink(os.path.join(raw_folder, os.fsencode(shown[0]))) and not MOODLE.fullmatch(shown[0]):
        return _files(folder / shown[0])  # a zip of one folder: look inside
    out = []
    for raw in names:
        name = display_name(raw)
        if README.fullmatch(name):
            continue
        path = os.path.join(raw_folder, raw)
        m = MOODLE.fullmatch(name)
        if m and os.path.isdir(path) and not os.path.islink(path):  # a Moodle student folder
            ident = {"lms": "moodle", "full_name": m["name"], "lms_id": m["pid"], "moodle_folder": name}
            for inner in sorted(os.listdir(path)):
                e = _entry(path, inner)
                out.append(_File(_named(e, e.name), ("moodle", m["pid"]), ident, e.name))
            if not os.listdir(path):
                out.append(_File(Entry(name, name, "other", path, "the submission folder is empty"),
                                 ("moodle", m["pid"]), ident))
            continue
        e = _entry(raw_folder, raw)
        if m and m["file"]:
            out.append(_File(_named(e, m["file"]), ("moodle", m["pid"]),
                             {"lms": "moodle", "full_name": m["name"], "lms_id": m["pid"],
                              "moodle_folder": name[: m.start("file")].rstrip("/")},
                             m["file"]))
        elif (c := CANVAS.fullmatch(name)) and not e.problem.startswith("this is a folder"):
            out.append(_File(_named(e, c["file"]), ("canvas", c["userid"]),
                             {"lms": "canvas", "username": c["login"], "lms_id": c["userid"],
                              "late": "yes" if c["late"] else ""},
                             c["file"]))
        else:
            out.append(_File(e, ("plain", e.student_id.casefold()), {}, e.name))
    return out


def _named(e: Entry, original: str) -> Entry:
    """An LMS file: its kind from its own name; the "name it STUDENT_ID.csv" advice does not apply."""
    if e.problem.startswith("'") and "is not a submission" in e.problem:
        e = replace(e, problem=f"'{original}' is not a coding table or a notebook: hand in a .csv (the filled-in "
                               "template) or an .ipynb (a Python notebook that writes submission.csv)")
    return e


def _latest_reupload(files: list[_File]) -> _File | None:
    """Canvas re-uploads of one file (x.csv, x-1.csv, x-2.csv): the highest number, else None."""
    def base(f: _File) -> tuple[str, int]:
        m = REUPLOAD.fullmatch(f.original)
        return ((m["stem"] + m["ext"]).casefold(), int(m["n"])) if m else (f.original.casefold(), 0)

    bases = {base(f)[0] for f in files}
    return max(files, key=lambda f: base(f)[1]) if len(bases) == 1 and len(files) > 1 else None


def collect(path: Path | str, work: Path | str, roster: Path | str | None = None) -> list[Entry]:
    """The entries to grade from a folder or a zip (extracted under ``work``), one per student."""
    path, work = Path(path), Path(work)
    rows: list[Entry] = []
    if path.is_file():
        folder = work / "unzipped"
        folder.mkdir(parents=True, exist_ok=True)
        for name, problem in safe_extract(path, folder):
            rows.append(Entry(name, name.rstrip("/").rsplit("/", 1)[-1] or name, "other", b"", problem))
    else:
        folder = path
    files = _files(folder)
    groups: dict[tuple, list[_File]] = {}
    for f in files:
        groups.setdefault(f.group, []).append(f)
    for group, members in groups.items():
        if group[0] == "plain":  # plain files keep the folder's rules (batch.discover): one file per student
            rows += _plain(members)
            continue
        ident = {k: v for f in members for k, v in f.identity.items()}
        sid = ident.get("username") or ident.get("full_name") or group[1]
        gradable = [f for f in members if not f.entry.problem and f.entry.kind in ("csv", "ipynb")]
        others = [f.original for f in members if f not in gradable]
        if len(gradable) == 1:
            chosen, note = gradable[0], ""
        elif group[0] == "canvas" and (chosen := _latest_reupload(gradable)):
            note = f"graded {chosen.original}, the latest of {len(gradable)} uploads"
        elif gradable:
            rows.append(Entry(sid, sid, "other", b"", "several files could be the submission ("
                              + ", ".join(f.original for f in gradable) + "): hand in ONE .csv or .ipynb",
                              status="ambiguous", identity=ident))
            continue
        else:
            why = "; ".join(f.entry.problem if f.original in f.entry.problem else f"{f.original}: {f.entry.problem}"
                            for f in members if f.entry.problem)
            rows.append(Entry(sid, sid, "other", b"", why or "no .csv or .ipynb in the submission",
                              identity=ident))
            continue
        if others:
            note = "; ".join(filter(None, [note, "not graded: " + ", ".join(others)]))
        rows.append(replace(chosen.entry, student_id=sid, identity=ident, note=note))
    if roster is not None:
        rows = match_roster(rows, read_roster(roster))
    return sorted(rows, key=lambda e: (e.student_id.casefold(), e.name))


def _plain(members: list[_File]) -> list[Entry]:
    by_id: dict[str, list[Entry]] = {}
    for f in members:
        if not f.entry.problem:
            by_id.setdefault(f.entry.student_id.casefold(), []).append(f.entry)
    out = []
    for f in members:
        e = f.entry
        twins = by_id.get(e.student_id.casefold(), [e])
        if len(twins) > 1 and not e.problem:
            e = replace(e, problem="hand in ONE file, either STUDENT_ID.csv or STUDENT_ID.ipynb (found "
                                   + ", ".join(t.name for t in twins) + ")")
        out.append(e)
    return out


# --------------------------------------------------------------------------------------------- roster
ROSTER_COLUMNS = {
    "full_name": ("full name", "student", "name", "nama"),
    "first_name": ("first name",), "last_name": ("last name", "surname"),
    "username": ("username", "sis login id", "login id", "login", "user name"),
    "email": ("email address", "email", "e-mail", "e-mail address"),
    "sis_id": ("sis user id", "id number", "idnumber", "sis id", "student id", "student number", "nim"),
    "lms_id": ("id", "identifier", "user id"),
    "section": ("section", "sections", "group", "groups"),
}


def read_roster(path: Path | str) -> list[dict]:
    """The class list: one dict per student with full_name, username, email, sis_id, lms_id, section."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as err:
        raise RosterError(f"{path}: cannot be read ({err.strerror})") from None
    except UnicodeDecodeError as err:
        raise RosterError(f"{path}: not UTF-8 (byte {err.start}): export the class list as CSV UTF-8") from None
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows:
        raise RosterError(f"{path}: empty; expected a header row and one row per student")
    header = [h.strip().casefold() for h in rows[0]]
    col = {}
    for key, names in ROSTER_COLUMNS.items():
        for n in names:
            if n in header:
                col[key] = header.index(n)
                break
    if not {"username", "email", "sis_id", "lms_id"} & set(col):
        raise RosterError(f"{path}: row 1: no column identifies a student; expected one of "
                          "Username / SIS Login ID, Email address, SIS User ID / ID number, ID / Identifier "
                          f"(found: {', '.join(rows[0])})")
    lms = "moodle" if "identifier" in header else "canvas" if "sis login id" in header else ""
    out = []
    for n, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        get = {k: (row[i].strip() if i < len(row) else "") for k, i in col.items()}
        if get.get("full_name", "").casefold().startswith(("points possible", "student, test")):
            continue  # Canvas's second row, and its test student
        if not get.get("full_name") and (get.get("first_name") or get.get("last_name")):
            get["full_name"] = f"{get.get('first_name', '')} {get.get('last_name', '')}".strip()
        get["lms_id"] = re.sub(r"^participant\s*", "", get.get("lms_id", ""), flags=re.IGNORECASE)
        student = {k: get.get(k, "") for k in ("full_name", "username", "email", "sis_id", "lms_id", "section")}
        student["lms"] = lms if student["lms_id"] else ""
        if not any(student[k] for k in ("username", "email", "sis_id", "lms_id")):
            raise RosterError(f"{path}: row {n}: no username, e-mail, SIS id or LMS id for "
                              f"{student['full_name'] or 'this student'!r}")
        out.append(student)
    return out


def canvas_column(path: Path | str) -> str | None:
    """The assignment column of a Canvas gradebook export (``Name (12345)``), if it has exactly one."""
    try:
        header = next(csv.reader(io.StringIO(Path(path).read_bytes().decode("utf-8-sig"), newline="")), [])
    except (OSError, UnicodeDecodeError):
        return None
    if "sis login id" not in [h.strip().casefold() for h in header]:
        return None
    found = [h for h in header if re.fullmatch(r".+ \(\d+\)", h.strip())]
    return found[0] if len(found) == 1 else None


def student_key(student: dict) -> str:
    return next(student[k] for k in ("username", "sis_id", "email", "lms_id", "full_name") if student.get(k))


def match_roster(rows: list[Entry], roster: list[dict]) -> list[Entry]:
    """Each entry with its student's roster identity; a ``missing`` row for every student without one.
    Match by LMS id, then username / e-mail / e-mail's local part / SIS id, then the full name if unique."""
    index: dict[tuple[str, str], int] = {}
    names: dict[str, list[int]] = {}
    for k, s in enumerate(roster):
        if s["lms_id"]:
            index.setdefault(("lms", s["lms_id"]), k)
        for field_ in ("username", "email", "sis_id"):  # noqa: B007
            if s[field_]:
                index.setdefault(("id", s[field_].casefold()), k)
        if s["email"]:
            index.setdefault(("id", s["email"].split("@")[0].casefold()), k)
        names.setdefault(s["full_name"].casefold(), []).append(k)
    used, out = set(), []
    for e in rows:
        k = index.get(("lms", e.identity["lms_id"])) if e.identity.get("lms_id") else None
        if k is None:
            k = index.get(("id", (e.identity.get("username") or e.student_id).casefold()))
        if k is None and len(names.get(e.identity.get("full_name", "").casefold(), [])) == 1:
            k = names[e.identity["full_name"].casefold()][0]
        if k is None:
            note = "; ".join(filter(None, [e.note, "not on the class list"]))
            out.append(replace(e, note=note))
            continue
        used.add(k)
        s = roster[k]
        ident = {**e.identity, **{f: v for f, v in s.items() if v}}
        out.append(replace(e, student_id=student_key(s), identity=ident))
    for k, s in enumerate(roster):
        if k not in used:
            out.append(Entry("", student_key(s), "none", b"", "no submission was found for this student",
                             status="missing", identity=dict(s)))
    return out
