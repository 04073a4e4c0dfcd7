"""Grading a folder of submissions: ``STUDENT_ID.csv`` and ``STUDENT_ID.ipynb``.

:func:`grade` grades every submission (CSV in this process; notebooks in sandboxes on a pool of
workers sized to the cores), caches each result under ``CACHE/<sha256>.json`` -- the hash covers the
submission's bytes, the assignment (spec, key, codes), the notebook limits and the grader version, so an
unchanged submission is never graded twice -- and returns a :class:`GradingRun`. A bad submission never
stops the batch: it gets ``grading_status`` ``invalid`` (the file cannot be graded; the comment says what
to fix), ``timeout`` or ``error`` (a notebook), and the others go on.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from compendium.grading.agreement import pair_stats
from compendium.grading.assignments import Assignment
from compendium.grading.sandbox import Limits, run_notebook
from compendium.grading.submissions import parse_submission

GRADER_VERSION = "1"
KINDS = (".csv", ".ipynb")


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

    def to_json(self) -> dict:
        d = dict(self.__dict__)
        d.pop("cached")
        return d


@dataclass
class GradingRun:
    assignment: Assignment
    results: list[Result]
    #: the class figure's files, once drawn (:func:`compendium.grading.report.class_figure_files`)
    figure_files: dict[str, bytes] | None = field(default=None, repr=False, compare=False)


def majority_baseline(a: Assignment) -> tuple[dict[str, str], float]:
    """The commonest reference code of each variable, and the score of a submission that gives that
    code to every item -- the floor an instructor should read grades against (with a skewed key, such
    as mostly ``unclear``, it can be high)."""
    modal = {v.name: a.modal_code(v) for v in a.variables}
    codes = {name: {i: code for i in a.items} for name, code in modal.items()}
    return modal, score_codes(a, codes)[2]


def score_codes(a: Assignment, codes: dict[str, dict[str, str]]) -> tuple[dict, dict, float]:
    """Per-variable agreement, κ and α against the key, and the rubric's points."""
    metrics, points = {}, {}
    for v in a.variables:
        ref = list(a.key[v.name])
        got = [codes[v.name].get(i) for i in a.items]
        metrics[v.name] = pair_stats(ref, got)
        points[v.name] = a.points(v, metrics[v.name]["agreement_pct"] / 100.0)
    return metrics, points, round(sum(points.values()), 6)


def grade_bytes(a: Assignment, student: str, kind: str, data: bytes) -> Result:
    """Grade a CSV submission's bytes (also used for the CSV a notebook wrote)."""
    parsed = parse_submission(data, a.items, {v.name: v.codes for v in a.variables})
    if parsed.codes is None:
        return Result(student, kind, "invalid", "Fix and hand in again: " + "; ".join(parsed.problems))
    metrics, points, total = score_codes(a, parsed.codes)
    wrong = sum(parsed.codes[v.name][i] != ref for v in a.variables for i, ref in zip(a.items, a.key[v.name]))
    comment = ("all items coded like the reference" if wrong == 0 else
               f"{wrong} code(s) differ from the reference; see the feedback file")
    return Result(student, kind, "ok", comment, parsed.codes, metrics, points, total)


def _grade_one(a: Assignment, path: Path, data: bytes, limits: Limits) -> Result:
    """Grade one submission; ``data`` is the file's content, already read for the cache key."""
    started = time.perf_counter()
    student, kind = path.stem, path.suffix.lstrip(".")
    try:
        if kind == "csv":
            result = grade_bytes(a, student, kind, data)
        else:
            run = run_notebook(path, a.data_dir, limits, a.withheld())
            if run.status != "ok":
                result = Result(student, kind, run.status, run.message)
            else:
                result = grade_bytes(a, student, kind, run.submission)
                if result.status == "invalid":
                    result.comments = result.comments.replace("Fix and hand in again:",
                                                              "The notebook's submission.csv cannot be graded:")
    except Exception as err:  # the grader's own failure: report it, keep going
        result = Result(student, kind, "error", f"the grader failed on this file ({type(err).__name__}: {err}); "
                                                "tell the instructor")
    result.runtime_s = round(time.perf_counter() - started, 3)
    return result


def cache_key(a: Assignment, data: bytes, kind: str, limits: Limits) -> str:
    h = hashlib.sha256()
    for part in (GRADER_VERSION, a.fingerprint, kind, limits.key() if kind == "ipynb" else ""):
        h.update(part.encode())
        h.update(b"\0")
    h.update(data)
    return h.hexdigest()


def discover(folder: Path) -> tuple[list[Path], list[Result]]:
    """Submissions in ``folder``; a student with both a .csv and an .ipynb gets an invalid row."""
    files = sorted(p for p in Path(folder).iterdir() if p.is_file() and p.suffix in KINDS
                   and not p.name.startswith("."))
    by_student: dict[str, list[Path]] = {}
    for p in files:
        by_student.setdefault(p.stem, []).append(p)
    keep, conflicts = [], []
    for student, paths in sorted(by_student.items()):
        if len(paths) > 1:
            conflicts.append(Result(student, "+".join(p.suffix.lstrip(".") for p in paths), "invalid",
                                    "Fix and hand in again: hand in ONE file, either STUDENT_ID.csv or "
                                    f"STUDENT_ID.ipynb (found {', '.join(p.name for p in paths)})"))
        else:
            keep.append(paths[0])
    return keep, conflicts


def grade(a: Assignment, submissions: Path | str, cache_dir: Path | str | None = None,
          only: str | None = None, workers: int | None = None, limits: Limits | None = None,
          progress: bool = True, kinds: tuple[str, ...] = KINDS) -> GradingRun:
    """Grade the submissions in a folder. With ``only``, that student is graded afresh and everybody else
    is taken from the cache (students not in the cache are left out, with a note on stderr)."""
    from tqdm import tqdm

    limits = limits or Limits()
    folder = Path(submissions)
    paths, results = discover(folder)
    paths = [p for p in paths if p.suffix in kinds]
    if only is not None and only not in {p.stem for p in paths} | {r.student_id for r in results}:
        raise FileNotFoundError(f"--only {only}: no {only}.csv or {only}.ipynb in {folder}")
    cache = Path(cache_dir) if cache_dir else None
    if cache:
        cache.mkdir(parents=True, exist_ok=True)
    todo: list[tuple[Path, str, bytes]] = []
    for p in paths:
        data = p.read_bytes()
        key = cache_key(a, data, p.suffix.lstrip("."), limits)
        hit = cache / f"{key}.json" if cache else None
        if hit and hit.exists() and p.stem != only:
            r = Result(**json.loads(hit.read_text(encoding="utf-8")))
            r.student_id, r.cached = p.stem, True
            results.append(r)
        elif only is not None and p.stem != only:
            print(f"note: {p.name} is not in the cache; grade the whole folder once without --only",
                  file=sys.stderr)
        else:
            todo.append((p, key, data))

    def save(r: Result, key: str) -> None:
        r.sha256 = key
        if cache:
            from compendium.artefacts import atomic_write

            atomic_write(cache / f"{key}.json", json.dumps(r.to_json(), sort_keys=True).encode())

    bar = tqdm(total=len(todo), desc=f"grading {a.name}", unit="sub", file=sys.stderr,
               disable=not progress or not todo, dynamic_ncols=True)
    notebooks = [t for t in todo if t[0].suffix == ".ipynb"]
    csvs = [t for t in todo if t[0].suffix == ".csv"]
    with bar:
        pool = None
        futures = {}
        if notebooks:
            pool = ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1)
            futures = {pool.submit(_grade_one, a, p, data, limits): k for p, k, data in notebooks}
        for p, k, data in csvs:
            r = _grade_one(a, p, data, limits)
            save(r, k)
            results.append(r)
            bar.update()
        for fut in as_completed(futures):
            r = fut.result()
            save(r, futures[fut])
            results.append(r)
            bar.update()
        if pool:
            pool.shutdown()
    results.sort(key=lambda r: r.student_id)
    return GradingRun(a, results)
