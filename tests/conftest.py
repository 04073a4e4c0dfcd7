"""Shared fixtures: the project root and a throw-away project for build tests."""

from __future__ import annotations

import shutil
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
