"""nbval runs every notebook as a fresh clone would on any later day.

``make test`` runs nbval over ``notebooks/``: each notebook executes in a fresh, ordinary ("cold")
Jupyter kernel, and every cell's output must equal the output the committed notebook stores. This
plugin, loaded for every pytest run in the project, makes that same run the any-day reproducibility
check as well, so that no notebook has to run twice:

* nbval's kernels run with the clock seven years ahead (libfaketime; see ``tests/later_day.py``)
  and with Python's random string hashing (``PYTHONHASHSEED=random``, whatever the caller sets; the
  build fixes it to 0 only where nothing is set), so an output that carries the day it was made, or
  the order a set of strings happened to come out in, fails its cell;
* the tables and figures a notebook writes go to a temporary staging folder (the build's own
  staging, ``COMPENDIUM_STAGE_DIR``) instead of over the checkout's files, and one more item after
  each notebook's cells, ``<notebook>::artefacts``, checks that the kernel's clock was moved and that
  every file the notebook wrote is committed and equal, byte for byte, to the committed one.

The committed notebooks, tables and figures come from the build's warm kernels (``make``); nbval's
kernels are cold, so the same items prove that warm and cold kernels give the same bytes.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent
KERNEL_NAME = "compendium-any-day"


def _load_later_day():
    # The test modules import it as ``later_day`` (tests/ is on their path); share that one module.
    if "later_day" not in sys.modules:
        spec = importlib.util.spec_from_file_location("later_day", ROOT / "tests" / "later_day.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules["later_day"] = module
    return sys.modules["later_day"]


class _AnyDay:
    """One process's kernel spec, staging folder and artefact log for nbval's kernels."""

    def __init__(self):
        import ipykernel.kernelspec

        from compendium.render.artefacts import LOG_ENV, STAGE_ENV

        self.later_day = _load_later_day()
        self.folder = Path(tempfile.mkdtemp(prefix="compendium-any-day-"))
        self.stage, self.log = self.folder / "stage", self.folder / "written.log"
        self.faketime = self.later_day.faketime_env()
        env = {"PYTHONHASHSEED": "random", STAGE_ENV: str(self.stage), LOG_ENV: str(self.log),
               "COMPENDIUM_ROOT": str(ROOT), **(self.faketime or {})}
        # The kernel nbval's --nbval-current-env would start (this Python, ipykernel), plus ``env``;
        # without an outer libfaketime's FAKETIME_SHARED (a whole test run under the ``faketime``
        # command): that names a lock shared by every process under it, and a kernel killed at its
        # shutdown while holding it would stop every other process's clock calls.
        kernel = ipykernel.kernelspec.get_kernel_dict()
        argv = ["env", "-u", "FAKETIME_SHARED", *kernel["argv"]] if self.faketime else kernel["argv"]
        spec = {**kernel, "argv": argv, "env": env, "display_name": "Python 3 (compendium, seven years ahead)"}
        kernel_dir = self.folder / "kernels" / KERNEL_NAME
        kernel_dir.mkdir(parents=True)
        (kernel_dir / "kernel.json").write_text(json.dumps(spec, indent=1))
        # jupyter_client looks kernel specs up on JUPYTER_PATH when nbval starts each kernel.
        os.environ["JUPYTER_PATH"] = os.pathsep.join(
            filter(None, [str(self.folder), os.environ.get("JUPYTER_PATH")]))
        self.tracked = _tracked()  # read once: every notebook's check compares against the same commit

    def take_written(self) -> list[Path]:
        """The files written since the last call (a notebook's, as nbval runs one at a time)."""
        if not self.log.exists():
            return []
        written = sorted({Path(line) for line in self.log.read_text(encoding="utf-8").splitlines() if line})
        self.log.unlink()
        return written

    def close(self):
        shutil.rmtree(self.folder, ignore_errors=True)


def pytest_addoption(parser):
    parser.addoption("--nbval-today", action="store_true",
                     help="run nbval's kernels on today's clock, writing into the checkout, as plain nbval does")


@pytest.hookimpl(trylast=True)  # after nbval has checked its own options
def pytest_configure(config):
    if not getattr(config.option, "nbval", False) or config.option.nbval_today:
        return
    config.option.nbval_current_env = False
    config.option.nbval_kernel_name = KERNEL_NAME
    config._compendium_any_day = None  # made on first use: the xdist controller runs no kernel


def pytest_unconfigure(config):
    any_day = getattr(config, "_compendium_any_day", None)
    if any_day is not None:
        any_day.close()


def _any_day(config) -> _AnyDay:
    if config._compendium_any_day is None:
        config._compendium_any_day = _AnyDay()
    return config._compendium_any_day


@pytest.hookimpl(tryfirst=True)  # before nbval starts the notebook's kernel (its collector's setup)
def pytest_runtest_setup(item):
    if hasattr(item.config, "_compendium_any_day") and _is_notebook(item.parent):
        _any_day(item.config)


def _is_notebook(node) -> bool:
    from nbval.plugin import IPyNbFile

    return isinstance(node, IPyNbFile)


def pytest_collection_modifyitems(session, config, items):
    """After the last cell of each notebook, its ``artefacts`` item (same file, so pytest-xdist's
    --dist loadfile keeps it on the notebook's worker, after the cells, in the kernel they ran in)."""
    if not hasattr(config, "_compendium_any_day"):
        return
    last = {}
    for index, item in enumerate(items):
        if _is_notebook(item.parent):
            last[item.parent] = index
    for notebook, index in sorted(last.items(), key=lambda pair: -pair[1]):
        items.insert(index + 1, NotebookArtefacts.from_parent(notebook, name="artefacts"))


class NotebookArtefacts(pytest.Item):
    """The notebook's kernel ran on the later clock, and every file the notebook wrote is a committed
    file, byte for byte."""

    def runtest(self):
        any_day = _any_day(self.config)
        if not any_day.faketime:
            pytest.fail(any_day.later_day.MISSING, pytrace=False)
        year = self._kernel_year()
        if year != any_day.later_day.later().tm_year:
            pytest.fail(f"the notebook's kernel says the year is {year}: its clock was not moved", pytrace=False)
        tracked = any_day.tracked
        problems = []
        for final in any_day.take_written():
            rel = final.relative_to(ROOT)
            staged, committed = any_day.stage / rel, ROOT / rel
            if tracked is not None and rel.as_posix() not in tracked:
                problems.append(f"{rel}: written by the notebook but not committed")
            elif not committed.is_file() or staged.read_bytes() != committed.read_bytes():
                problems.append(f"{rel}: differs from the committed file (a rebuild on a later day changes it)")
        if problems:
            pytest.fail(f"{self.parent.name}, run on a later day:\n" + "\n".join(problems), pytrace=False)

    def _kernel_year(self) -> int:
        client = self.parent.kernel.kc
        asked = client.execute("", silent=True, store_history=False,
                               user_expressions={"year": "__import__('time').gmtime().tm_year"})
        while True:
            reply = client.get_shell_msg(timeout=60)
            if reply["parent_header"].get("msg_id") == asked:
                return int(reply["content"]["user_expressions"]["year"]["data"]["text/plain"])

    def reportinfo(self):
        return self.path, None, f"{self.parent.name}: artefacts on a later day"


def _tracked() -> set[str] | None:
    """The files git tracks, or None outside a git checkout (an unpacked archive)."""
    try:
        listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return {p for p in listed.stdout.decode().split("\0") if p}
