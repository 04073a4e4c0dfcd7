"""Untrusted notebook submissions: graded through the submission.csv they write; endless loops, memory
bombs and file deletion end as timeout/error and never change the instructor's copy of the data."""

from __future__ import annotations

import hashlib
import shutil
import sys
from pathlib import Path

import pytest

from compendium.grading import Limits, grade, load_assignment
from compendium.grading.assignments import template_csv

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from nbauthor import write as write_notebook  # noqa: E402

LIMITS = Limits(cell_timeout=3, notebook_timeout=20, memory_mb=1024)
# The memory bomb zero-fills 50 MB blocks up to the 1 GB limit; on a loaded machine that alone can take
# more than the 3 s above, so it runs with a cell timeout it cannot reach: it must end on memory, not time.
BOMB_LIMITS = Limits(cell_timeout=30, notebook_timeout=60, memory_mb=1024)


def _tree_hash(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        h.update(str(p.relative_to(folder)).encode())
        if p.is_file():
            h.update(p.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="module")
def instructor(tmp_path_factory):
    """A throw-away instructor project: a copy of data/ that the hostile notebooks aim at."""
    root = tmp_path_factory.mktemp("instructor")
    shutil.copytree(ROOT / "data", root / "data", ignore=shutil.ignore_patterns("examples"))
    return root


def test_notebook_submissions(instructor, tmp_path):
    a = load_assignment("actor-roles", instructor / "data")
    data = instructor / "data"
    key = template_csv(a, fill_key=True)
    subs = tmp_path / "subs"
    subs.mkdir()
    write = lambda name, *cells: write_notebook(str(subs / f"{name}.ipynb"), [("code", c) for c in cells])  # noqa: E731
    write("good", f"open('submission.csv', 'w').write({key!r})")
    write("loop", "while True:\n    pass")
    write("crash", "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)")
    write("deleter",  # tries the instructor's copy every way it can find, then hands in a valid file
          "import os, shutil, compendium.paths as p\n"
          "hits = []\n"
          f"for target in [{str(data)!r}, {str(data / 'raw' / 'coded' / 'actors.csv')!r}, "
          "str(p.data_dir()), '../data', os.path.expanduser('~')]:\n"
          "    try:\n"
          "        shutil.rmtree(target) if os.path.isdir(target) else os.remove(target)\n"
          "        hits.append(target)\n"
          "    except OSError as err:\n"
          "        print('blocked', target, err)\n"
          f"open('submission.csv', 'w').write({key!r})")
    write("peeker", "import os\nassert not os.path.exists('../data/raw/coded/actors.csv'), 'answer key visible'\n"
                    "assert os.path.exists('../data/raw/coded/segments.csv')\n"
                    "open('submission.csv', 'w').write('item_id,role,kind\\n')")
    write("nofile", "x = 1")
    write("symlink", "import os\nos.symlink('/etc/passwd', 'submission.csv')")
    (subs / "notjson.ipynb").write_text("this is not a notebook")
    (subs / "plain.csv").write_text(key)

    before = _tree_hash(data)
    run = grade(a, subs, cache_dir=tmp_path / "cache", limits=LIMITS, progress=False)
    assert _tree_hash(data) == before, "a notebook changed the instructor's copy"
    by = {r.student_id: r for r in run.results}
    assert by["good"].status == "ok" and by["good"].total == a.max_score and by["good"].kind == "ipynb"
    assert by["plain"].status == "ok"
    assert by["loop"].status == "timeout" and "3 s per cell" in by["loop"].comments
    assert by["crash"].status == "error"
    # the deleter removed only its own sandbox copy ('../data' resolves there) and was graded normally
    assert by["deleter"].status == "ok", by["deleter"].comments
    assert by["peeker"].status == "invalid" and "missing" in by["peeker"].comments  # key withheld, so it ran on
    assert by["nofile"].status == "error" and "submission.csv" in by["nofile"].comments
    assert by["symlink"].status == "error" and "regular file" in by["symlink"].comments
    assert by["notjson"].status == "error" and "notebook" in by["notjson"].comments
    for r in run.results:  # the grader's checks never reach the feedback
        assert "assert" not in r.comments or r.student_id == "peeker"


def test_notebook_total_time_limit(instructor, tmp_path):
    a = load_assignment("actor-roles", instructor / "data")
    subs = tmp_path / "subs"
    subs.mkdir()
    # every cell is short, the whole is too long
    write_notebook(str(subs / "slow.ipynb"), [("code", "import time\ntime.sleep(2)")] * 6)
    [r] = grade(a, subs, limits=Limits(cell_timeout=5, notebook_timeout=8), progress=False).results
    assert r.status == "timeout" and "in all" in r.comments and r.runtime_s < 15


def test_a_memory_bomb_ends_as_an_error_about_memory(instructor, tmp_path):
    a = load_assignment("actor-roles", instructor / "data")
    subs = tmp_path / "subs"
    subs.mkdir()
    write_notebook(str(subs / "membomb.ipynb"),
                   [("code", "blocks = []\nwhile True:\n    blocks.append(bytearray(50 * 1024 * 1024))")])
    before = _tree_hash(instructor / "data")
    (bomb,) = grade(a, subs, cache_dir=tmp_path / "cache", limits=BOMB_LIMITS, progress=False).results
    assert bomb.status == "error" and "memory" in bomb.comments.lower(), bomb.comments
    assert _tree_hash(instructor / "data") == before
