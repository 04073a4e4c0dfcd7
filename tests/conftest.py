"""Shared fixtures: the project root and a throw-away project for build tests."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


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
