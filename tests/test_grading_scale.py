"""Grading at scale (issue 17, docs/grading-at-scale.md): the grading step is a pure function of
(assignment, submission) -- the same result in a fresh process from a pickled assignment as in the batch
-- and the batch spreads CSV files over processes without changing any result."""

from __future__ import annotations

import multiprocessing
import pickle
import random
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from compendium.grading import grade, load_assignment
from compendium.grading.assignments import template_csv
from compendium.grading.batch import CSV_PARALLEL_MIN, Result, grade_submission

ROOT = Path(__file__).resolve().parents[1]
N = CSV_PARALLEL_MIN + 6  # enough for the batch to use its process pool


@pytest.fixture(scope="module")
def po():
    return load_assignment("policy-outputs", ROOT / "data")


@pytest.fixture(scope="module")
def folder(po, tmp_path_factory):
    """N submissions with seeded mistakes, one of them unreadable (invalid) and one perfect."""
    out = tmp_path_factory.mktemp("subs")
    rng = random.Random(5)
    key = template_csv(po, fill_key=True).splitlines()
    for s in range(N):
        lines = [key[0]] + [",".join([line.split(",")[0], *[rng.choice(v.codes) if rng.random() < 0.2 else c
                                                           for c, v in zip(line.split(",")[1:], po.variables)]])
                            for line in key[1:]]
        (out / f"st{s:03d}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (out / "st-perfect.csv").write_text("\n".join(key) + "\n", encoding="utf-8")
    (out / "st-bad.csv").write_bytes(b"item_id;dimension\n\xff\xfe")
    return out


def _grade(result: Result) -> dict:
    """What a grade is: everything but the time it took."""
    d = result.to_json()
    d.pop("runtime_s")
    d.pop("sha256")
    return d


def _in_fresh_process(pickled_assignment: bytes, student: str, data: bytes) -> dict:
    return _grade(grade_submission(pickle.loads(pickled_assignment), student, "csv", data))


def test_grading_a_submission_is_a_pure_function(po, folder):
    """Each submission graded alone, in a new interpreter (spawn: nothing inherited from this one), from
    a pickled assignment -- as Dask's Client.map would run it -- gives the batch's result."""
    batch = {r.student_id: _grade(r) for r in grade(po, folder, progress=False, workers=2).results}
    files = sorted(folder.glob("*.csv"))
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        alone = list(pool.map(_in_fresh_process, [pickle.dumps(po)] * len(files), [f.stem for f in files],
                              [f.read_bytes() for f in files]))
    assert {f.stem: r for f, r in zip(files, alone)} == batch
    assert batch["st-perfect"]["total"] == po.max_score and batch["st-bad"]["status"] == "invalid"
    assert len({r["total"] for r in batch.values()}) > 5  # the seeded mistakes give different grades


def test_batch_on_processes_equals_batch_in_one_process(po, folder):
    parallel = grade(po, folder, progress=False, workers=2).results
    serial = grade(po, folder, progress=False, workers=1).results
    assert [_grade(r) for r in parallel] == [_grade(r) for r in serial]
    assert [r.student_id for r in parallel] == sorted(f.stem for f in folder.glob("*.csv"))
