"""Shared fixtures (the project root, throw-away copies of the project), and the order in which
pytest-xdist hands out the test files."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# --------------------------------------------------------------------------------------------------
# Longest files first. `make test` runs pytest-xdist with --dist loadfile (a notebook's cells share a
# kernel, and a module's fixtures are built once) and --no-loadscope-reorder, so workers take whole
# files in the order collected. Ordered longest first (the classic longest-processing-time rule), the
# workers finish close together instead of some waiting while another runs a long file picked up last. The lengths are measured, not guessed: tests/durations.json holds each file's seconds from
# a full run, rewritten by `make test ARGS=--store-durations` (the pytest-split convention); a file
# it does not know yet goes first, as if it were the longest.
DURATIONS = Path(__file__).with_name("durations.json")


def pytest_addoption(parser):
    parser.addoption("--store-durations", action="store_true",
                     help="write each test file's seconds of this run to tests/durations.json")


def _file(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


def pytest_collection_modifyitems(config, items):
    known = json.loads(DURATIONS.read_text(encoding="utf-8")) if DURATIONS.exists() else {}
    first_seen = {}
    for item in items:
        first_seen.setdefault(_file(item.nodeid), len(first_seen))
    # A stable sort on the file alone keeps each file's items in their own order.
    items.sort(key=lambda item: (-known.get(_file(item.nodeid), math.inf), first_seen[_file(item.nodeid)]))


_SEEN: defaultdict[str, float] = defaultdict(float)


def pytest_runtest_logreport(report):
    # On the xdist controller, every worker's reports arrive here; setup, call and teardown all count.
    _SEEN[_file(report.nodeid)] += report.duration


def pytest_sessionfinish(session):
    config = session.config
    if not config.getoption("store_durations") or hasattr(config, "workerinput"):
        return  # only the process that saw every report (the xdist controller, or pytest alone)
    known = json.loads(DURATIONS.read_text(encoding="utf-8")) if DURATIONS.exists() else {}
    known.update({name: round(seconds, 1) for name, seconds in _SEEN.items()})
    DURATIONS.write_text(json.dumps(dict(sorted(known.items())), indent=1) + "\n", encoding="utf-8")


@pytest.fixture
def root() -> Path:
    return ROOT


@pytest.fixture
def data_copy(tmp_path) -> Path:
    """A copy of the shipped data/ folder that a test may break."""
    dest = tmp_path / "data"
    shutil.copytree(ROOT / "data", dest)
    return dest


@pytest.fixture
def tracked_copy(tmp_path, monkeypatch):
    """A fresh copy of the files git tracks (what a clone has), with COMPENDIUM_ROOT pointing at it.
    Returns ``(copy, tracked paths)``."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)
    tracked = [p for p in listed.stdout.decode().split("\0") if p]
    copy = tmp_path / "clone"
    for rel in tracked:
        (copy / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, copy / rel)
    monkeypatch.setenv("COMPENDIUM_ROOT", str(copy))
    return copy, tracked


@pytest.fixture
def figures_drawn_not_rendered(monkeypatch):
    """Grading reports draw their class figure (laid out, every artist drawn: a run the figure cannot
    show still fails) but do not render it to PNG and SVG, a second of matplotlib per run, for tests
    of what is around the figure. The rendered figure is tested in test_grading.py's report test."""
    from compendium.render import artefacts

    def drawn(fig, formats=("png", "svg")):
        fig.draw_without_rendering()
        return {fmt: b"" for fmt in formats}

    monkeypatch.setattr(artefacts, "figure_bytes", drawn)
