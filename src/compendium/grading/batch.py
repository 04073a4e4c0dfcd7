"""Grading a folder of submissions: ``STUDENT_ID.csv`` and ``STUDENT_ID.ipynb``.

:func:`grade` gives every entry of the folder exactly one result (:func:`discover`: links are never
followed; folders, other files, files over the size limit and two files of one student are ``invalid``
with a comment saying what to fix; file names need not be UTF-8), grades every submission (CSV in this
process; notebooks in sandboxes on a pool of workers sized to the cores), caches each result under
``CACHE/<sha256>.json`` -- the hash covers the
submission's bytes, the assignment (spec, key, codes), the notebook limits and the grader version, so an
unchanged submission is never graded twice -- and returns a :class:`GradingRun`. A bad submission never
stops the batch: it gets ``grading_status`` ``invalid`` (the file cannot be graded; the comment says what
to fix), ``timeout`` or ``error`` (a notebook), ``refused`` (a notebook on a machine with no sandbox,
without ``--unsafe``), and the others go on; an unreadable cache entry is simply graded again.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from compendium.grading.agreement import pair_stats
from compendium.grading.assignments import Assignment
from compendium.grading.sandbox import Limits, isolation, one_line, prepare_public_data, run_notebook
from compendium.grading.submissions import parse_submission

GRADER_VERSION = "3"
KINDS = (".csv", ".ipynb")
#: the largest file graded, by kind: a coding table is a few kB; a notebook with its outputs a few MB
MAX_BYTES = {"csv": 2_000_000, "ipynb": 50_000_000}
#: a submissions folder's own description, not a submission
README = re.compile(r"readme(\.(md|txt))?", re.IGNORECASE)
GRADER_FAILED = "the grader failed on this file"


@dataclass
class Result:
    student_id: str
    kind: str  # csv | ipynb
    status: str  # ok | invalid | timeout | error
    comments: str = ""
    codes: dict[str, dict[str, str]] | None = None
    metrics: dict[str, dict[str, float]] = field(default_factory=dict)
    points: dict[str, float] = field(default_factory=dict)
    total: float = 0.0
    runtime_s: float = 0.0
    sha256: str = ""
    cached: bool = False
    identity: dict = field(default_factory=dict)  # from the entry, never cached
    note: str = ""  # the entry's note (which file was graded, ...), never cached
    #: what to fix, one whole sentence each (the comments join them with "; ", which sentences contain too)
    fixes: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        d = dict(self.__dict__)
        d.pop("cached")
        d.pop("identity")
        d.pop("note")
        return d

    def attach(self, entry: "Entry") -> "Result":
        """The entry's identity and note on the result (a cached result gets today's)."""
        self.identity, self.note = dict(entry.identity), entry.note
        if entry.note:
            self.comments = f"{self.comments}; {entry.note}" if self.comments else entry.note
        return self


@dataclass
class GradingRun:
    assignment: Assignment
    results: list[Result]
    #: the class figure's files, once drawn (:func:`compendium.grading.report.class_figure_files`)
    figure_files: dict[str, bytes] | None = field(default=None, repr=False, compare=False)
    #: how notebooks were isolated (bwrap | unshare | unsafe | refused); None when there were none
    isolation: str | None = None


def majority_baseline(a: Assignment) -> tuple[dict[str, str], float]:
    """The commonest reference code of each variable, and the score of a submission that gives that
    code to every item -- the floor an instructor should read grades against (with a skewed key, such
    as mostly ``unclear``, it can be high)."""
    modal = {v.name: a.modal_code(v) for v in a.variables}
    codes = {name: {i: code for i in a.items} for name, code in modal.items()}
    return modal, score_codes(a, codes)[2]


def score_codes(a: Assignment, codes: dict[str, dict[str, str]]) -> tuple[dict, dict, float]:
    """Per-variable agreement, κ and α against the key, and the rubric's points."""
    metrics = {}
    for v in a.variables:
        ref = list(a.key[v.name])
        got = [codes[v.name].get(i) for i in a.items]
        metrics[v.name] = pair_stats(ref, got)
    points, total = a.score({v: m["agreement_pct"] / 100.0 for v, m in metrics.items()})
    return metrics, points, total


def grade_bytes(a: Assignment, student: str, kind: str, data: bytes) -> Result:
    """Grade a CSV submission's bytes (also used for the CSV a notebook wrote)."""
    parsed = parse_submission(data, a.items, {v.name: v.codes for v in a.variables})
    if parsed.codes is None:
        return Result(student, kind, "invalid", "Fix and hand in again: " + "; ".join(parsed.problems),
                      fixes=list(parsed.problems))
    metrics, points, total = score_codes(a, parsed.codes)
    wrong = sum(parsed.codes[v.name][i] != ref for v in a.variables for i, ref in zip(a.items, a.key[v.name]))
    comment = ("all items coded like the reference" if wrong == 0 else
               f"{wrong} code(s) differ from the reference; see the feedback file")
    return Result(student, kind, "ok", comment, parsed.codes, metrics, points, total)


def _grade_one(a: Assignment, entry: "Entry", data: bytes, limits: Limits, public_data: Path | None = None,
               unsafe: bool = False, hide: tuple[str, ...] = ()) -> Result:
    """Grade one submission; ``data`` is the file's content, already read for the cache key."""
    started = time.perf_counter()
    student, kind = entry.student_id, entry.kind
    try:
        if kind == "csv":
            result = grade_bytes(a, student, kind, data)
        elif (language := notebook_language(data)) is not None:
            result = Result(student, kind, "invalid", f"Fix and hand in again: a Python notebook is required; "
                                                      f"this one is written for {language}")
        else:
            with tempfile.TemporaryDirectory(prefix="grade-in-") as tmp:
                copy = Path(tmp) / "submission.ipynb"  # the bytes read for the cache key, nothing else
                copy.write_bytes(data)
                run = run_notebook(copy, a.data_dir, limits, a.withheld(), public_data=public_data, unsafe=unsafe,
                                   hide=hide)
            if run.status != "ok":
                result = Result(student, kind, run.status, run.message)
            else:
                result = grade_bytes(a, student, kind, run.submission)
                if result.status == "invalid":
                    result.comments = result.comments.replace("Fix and hand in again:",
                                                              "The notebook's submission.csv cannot be graded:")
    except Exception as err:  # the grader's own failure: report it, keep going
        result = Result(student, kind, "error", f"{GRADER_FAILED} ({type(err).__name__}: {one_line(err)}); "
                                                "tell the instructor")
    result.runtime_s = round(time.perf_counter() - started, 3)
    return result


def notebook_language(data: bytes) -> str | None:
    """The language of a notebook that is not Python (from its kernelspec / language_info), else None.
    A file that is not JSON is left to the sandbox, which says it is not a readable notebook."""
    try:
        meta = json.loads(data.decode("utf-8")).get("metadata", {})
    except (UnicodeDecodeError, ValueError, AttributeError):
        return None
    if not isinstance(meta, dict):
        return None
    spec, info = meta.get("kernelspec") or {}, meta.get("language_info") or {}
    language = (spec.get("language") if isinstance(spec, dict) else None) or \
               (info.get("name") if isinstance(info, dict) else None)
    if isinstance(language, str) and language.strip() and language.strip().lower() not in ("python", "python3"):
        return one_line(language, 40)
    return None


def cache_key(a: Assignment, data: bytes, kind: str, limits: Limits) -> str:
    h = hashlib.sha256()
    for part in (GRADER_VERSION, a.fingerprint, kind, limits.key() if kind == "ipynb" else ""):
        h.update(part.encode())
        h.update(b"\0")
    h.update(data)
    return h.hexdigest()


@dataclass(frozen=True)
class Entry:
    """One entry of the submissions folder, as found (never followed if it is a link)."""

    name: str  # the file name, decoded for display (UTF-8, else Windows-1252: what unzipping gives)
    student_id: str
    kind: str  # csv | ipynb | other
    path: bytes  # the entry's path as the file system has it (bytes: any name can be opened)
    problem: str = ""  # why it cannot be graded, if it cannot
    status: str = "invalid"  # the status when there is a problem: invalid | ambiguous | missing
    #: who handed it in, as the LMS or the class list says (full_name, username, email, sis_id, lms_id, ...)
    identity: dict = field(default_factory=dict, compare=False)
    note: str = ""  # said in the comments beside the grade (e.g. which of several files was graded)


def display_name(raw: bytes) -> str:
    """A file name's bytes as text: UTF-8, else Windows-1252 / Latin-1 (a Windows zip), never failing."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _entry(folder: bytes, raw: bytes) -> Entry:
    name = display_name(raw)
    stem, dot, suffix = name.rpartition(".")
    kind = {"csv": "csv", "ipynb": "ipynb"}.get(suffix.lower(), "other") if dot else "other"
    student = stem if dot and kind != "other" else name
    path = os.path.join(folder, raw)
    try:
        info = os.lstat(path)
    except OSError as err:
        return Entry(name, student, kind, path, f"the entry cannot be read ({err.strerror})")
    problem = ""
    if stat.S_ISLNK(info.st_mode):
        problem = "this is a link to another file (links are never followed): hand in the file itself"
    elif stat.S_ISDIR(info.st_mode):
        problem = "this is a folder, not a file: hand in one file, STUDENT_ID.csv or STUDENT_ID.ipynb"
    elif not stat.S_ISREG(info.st_mode):
        problem = "this is not a regular file: hand in STUDENT_ID.csv or STUDENT_ID.ipynb"
    elif info.st_nlink > 1:
        problem = "this file is a hard link to another file: hand in a copy of the file itself"
    elif kind == "other":
        problem = (f"'{name}' is not a submission: name the file STUDENT_ID.csv (the coding table) or "
                   "STUDENT_ID.ipynb (a Python notebook that writes submission.csv)")
    elif not student.strip():
        problem = "the file name has no student id: name it STUDENT_ID.csv or STUDENT_ID.ipynb"
    elif info.st_size > MAX_BYTES[kind]:
        problem = (f"the file is {info.st_size:,} bytes, over the limit of {MAX_BYTES[kind]:,} for a "
                   f"{'coding table' if kind == 'csv' else 'notebook'}: hand in the coding table only")
    return Entry(name, student, kind, path, problem)


def read_entry(entry: Entry) -> bytes:
    """The entry's bytes, read without following a link and never more than its kind's limit."""
    fd = os.open(entry.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError("not a regular file")
        chunks, left = [], MAX_BYTES[entry.kind] + 1
        while left > 0 and (chunk := os.read(fd, min(left, 1 << 20))):
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
    finally:
        os.close(fd)
    if len(data) > MAX_BYTES[entry.kind]:
        raise OSError(f"the file grew over the limit of {MAX_BYTES[entry.kind]:,} bytes while it was read")
    return data


def discover(folder: Path | str, kinds: tuple[str, ...] = KINDS) -> list[Entry]:
    """Every entry of ``folder``, once each, sorted by name; ``kinds`` leaves out the submissions of
    other kinds (e.g. ``(".csv",)``). A folder's own README is not a submission. Two entries whose
    student ids differ at most in case (``s.csv`` and ``s.ipynb``, ``ab.csv`` and ``AB.CSV``) are both
    invalid: one file per student."""
    raw_folder = os.fsencode(folder)
    wanted = {k.lstrip(".") for k in kinds}
    entries = []
    for raw in sorted(os.listdir(raw_folder)):
        if README.fullmatch(display_name(raw)):
            continue
        e = _entry(raw_folder, raw)
        if e.kind in ("csv", "ipynb") and e.kind not in wanted and not e.problem:
            continue
        entries.append(e)
    by_student: dict[str, list[Entry]] = {}
    for e in entries:
        if not e.problem:  # only files that could be graded compete for a student id
            by_student.setdefault(e.student_id.casefold(), []).append(e)
    out = []
    for e in entries:
        twins = by_student.get(e.student_id.casefold(), [e])
        if len(twins) > 1 and not e.problem:
            e = Entry(e.name, e.student_id, e.kind, e.path,
                      "hand in ONE file, either STUDENT_ID.csv or STUDENT_ID.ipynb (found "
                      + ", ".join(t.name for t in twins) + ")")
        out.append(e)
    return out


def _cached(hit: Path) -> Result | None:
    """A cached result, or None if the cache file is missing or unreadable (then the file is regraded)."""
    try:
        return Result(**json.loads(hit.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def grade(a: Assignment, submissions: Path | str, cache_dir: Path | str | None = None,
          only: str | None = None, workers: int | None = None, limits: Limits | None = None,
          progress: bool = True, kinds: tuple[str, ...] = KINDS, unsafe: bool = False,
          entries: list[Entry] | None = None) -> GradingRun:
    """Grade every entry of a folder: each gets exactly one result. With ``only``, that student is graded
    afresh and everybody else is taken from the cache (students not in the cache are left out, with a
    note on stderr). Notebooks run in sandboxes (:mod:`compendium.grading.sandbox`); where none is
    available they are refused unless ``unsafe``. ``entries`` (from :func:`compendium.grading.intake.collect`:
    a zip, an LMS layout, a class list) replaces the folder's own listing."""
    from tqdm import tqdm

    limits = limits or Limits()
    folder = Path(submissions)
    if entries is None:
        entries = discover(folder, kinds)
    if only is not None and only not in {e.student_id for e in entries}:
        raise FileNotFoundError(f"--only {only}: no {only}.csv or {only}.ipynb in {folder}")
    cache = Path(cache_dir) if cache_dir else None
    if cache:
        cache.mkdir(parents=True, exist_ok=True)
    results: list[Result] = []
    todo: list[tuple[Entry, str, bytes]] = []
    for e in entries:
        if not e.problem:
            try:
                data = read_entry(e)
            except OSError as err:
                e = Entry(e.name, e.student_id, e.kind, e.path, f"the file cannot be read ({one_line(err)})")
        if e.problem:
            comment = e.problem if e.status == "missing" else "Fix and hand in again: " + e.problem
            results.append(Result(e.student_id, e.kind, e.status, comment, fixes=[e.problem]).attach(e))
            continue
        key = cache_key(a, data, e.kind, limits)
        hit = _cached(cache / f"{key}.json") if cache and e.student_id != only else None
        if hit is not None:
            hit.student_id, hit.kind, hit.cached = e.student_id, e.kind, True
            results.append(hit.attach(e))
        elif only is not None and e.student_id != only:
            print(f"note: {e.name} is not in the cache; grade the whole folder once without --only",
                  file=sys.stderr)
        else:
            todo.append((e, key, data))

    def save(r: Result, key: str) -> None:
        r.sha256 = key
        # a grader failure is retried next time, and a refusal depends on the machine, not the file
        if cache and r.status != "refused" and not r.comments.startswith(GRADER_FAILED):
            from compendium.render.artefacts import atomic_write

            try:
                atomic_write(cache / f"{key}.json", json.dumps(r.to_json(), sort_keys=True).encode())
            except OSError as err:  # a full or read-only cache costs speed, never a result
                print(f"note: could not cache {r.student_id}'s result ({one_line(err)})", file=sys.stderr)

    notebooks = [t for t in todo if t[0].kind == "ipynb"]
    csvs = [t for t in todo if t[0].kind == "csv"]
    mode = isolation() if notebooks else None
    bar = tqdm(total=len(todo), desc=f"grading {a.name}", unit="sub", file=sys.stderr,
               disable=not progress or not todo, dynamic_ncols=True)
    with bar, tempfile.TemporaryDirectory(prefix="grade-public-") as public_root:
        public = None
        if notebooks and mode != "none":  # one read-only copy of the public data for the whole batch
            public = prepare_public_data(a.data_dir, Path(public_root) / "data", a.withheld())
        pool = None
        futures = {}
        if notebooks:
            pool = ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1)
            hide = (str(folder), str(cache.parent) if cache else "", str(a.data_dir))
            futures = {pool.submit(_grade_one, a, e, data, limits, public, unsafe, hide): (k, e)
                       for e, k, data in notebooks}
        for e, k, data in csvs:
            r = _grade_one(a, e, data, limits)
            save(r, k)
            results.append(r.attach(e))
            bar.update()
        for fut in as_completed(futures):
            r = fut.result()
            k, e = futures[fut]
            save(r, k)
            results.append(r.attach(e))
            bar.update()
        if pool:
            pool.shutdown()
    results.sort(key=lambda r: (r.student_id, r.kind))
    return GradingRun(a, results, isolation=(mode if mode != "none" else ("unsafe" if unsafe else "refused"))
                      if mode else None)
