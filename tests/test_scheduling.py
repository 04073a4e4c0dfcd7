"""The order in which pytest-xdist hands out test files (tests/conftest.py): longest measured first."""

from __future__ import annotations

import json
from types import SimpleNamespace

import conftest


def test_files_go_longest_first_unknown_files_before_all_and_items_keep_their_order(tmp_path, monkeypatch):
    durations = tmp_path / "durations.json"
    durations.write_text(json.dumps({"tests/test_a.py": 1.0, "tests/test_b.py": 9.0, "nb/x.ipynb": 4.0}))
    monkeypatch.setattr(conftest, "DURATIONS", durations)
    ids = ["tests/test_a.py::one", "tests/test_a.py::two", "tests/test_b.py::one", "tests/test_new.py::one",
           "nb/x.ipynb::Cell 0", "nb/x.ipynb::Cell 1", "tests/test_b.py::two"]
    items = [SimpleNamespace(nodeid=i) for i in ids]
    conftest.pytest_collection_modifyitems(None, items)
    assert [i.nodeid for i in items] == [
        "tests/test_new.py::one", "tests/test_b.py::one", "tests/test_b.py::two",
        "nb/x.ipynb::Cell 0", "nb/x.ipynb::Cell 1", "tests/test_a.py::one", "tests/test_a.py::two"]

