"""The any-day check that rides on nbval (the project's conftest.py): a toy project, with the project's
conftest, whose notebook writes one file that carries the year, one that is not committed and one that
is the committed file; nbval must pass the cells and fail the notebook's ``artefacts`` item for
exactly the first two, without touching the checkout."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

ROOT = Path(__file__).resolve().parents[1]

WRITES = """\
import os, time
from pathlib import Path
from compendium.render.artefacts import write_text
tables = Path(tables_dir)
write_text(tables / "same.txt", "fixed")
write_text(tables / "year.txt", time.strftime("%Y"))
write_text(tables / "new.txt", "not committed")
print(os.environ["PYTHONHASHSEED"])
"""


@pytest.mark.slow
def test_nbval_runs_notebooks_on_a_later_day_and_compares_what_they_write(tmp_path):
    toy = tmp_path / "toy"
    (toy / "tests").mkdir(parents=True)
    shutil.copy2(ROOT / "conftest.py", toy / "conftest.py")
    shutil.copy2(ROOT / "tests" / "later_day.py", toy / "tests" / "later_day.py")
    (toy / "pyproject.toml").write_text("[tool.pytest.ini_options]\n")
    (toy / "tables").mkdir()
    (toy / "tables" / "same.txt").write_text("fixed\n")
    this_year = time.strftime("%Y") + "\n"
    (toy / "tables" / "year.txt").write_text(this_year)
    (toy / "notebooks").mkdir()
    cell = new_code_cell(WRITES, execution_count=2,
                         outputs=[new_output("stream", name="stdout", text="random\n")])
    nb = new_notebook(cells=[new_code_cell('tables_dir = "../tables"', execution_count=1), cell],
                      metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    nbformat.write(nb, toy / "notebooks" / "01_toy.ipynb")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], cwd=toy, check=True)
    subprocess.run([*git, "add", "."], cwd=toy, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "toy"], cwd=toy, check=True)

    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--nbval", "-rA",
                           "notebooks"], cwd=toy, capture_output=True, text=True)
    out = done.stdout
    assert "PASSED notebooks/01_toy.ipynb::Cell 1" in out, out  # PYTHONHASHSEED=random in the kernel
    assert "FAILED notebooks/01_toy.ipynb::artefacts" in out, out
    assert "tables/year.txt: differs from the committed file" in out, out
    assert "tables/new.txt: written by the notebook but not committed" in out, out
    assert "same.txt" not in out.split("FAILURES", 1)[1], out
    # The checkout is untouched: the notebook's files went to the staging folder.
    assert (toy / "tables" / "year.txt").read_text() == this_year
    assert not (toy / "tables" / "new.txt").exists()
