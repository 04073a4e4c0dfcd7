"""The build: incremental, failure-safe, deterministic, and never writing raw data."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import nbformat
import pytest
from in_process import build_in_process
from later_day import faketime_command, later, without_faketime
from nbformat.v4 import new_code_cell, new_notebook

from compendium.build.pipeline import BuildError
from compendium.build.warm_kernels import PRELOAD_ENV
from compendium.render import artefacts


def build(root, **kw):
    """The build, with cold kernels, one notebook at a time, driven from this process
    (tests/in_process.py), unless a test asks otherwise. Tests that take :func:`warm_build` fork their
    kernels from one kernel server for the module instead."""
    kw.setdefault("warm", False)
    return build_in_process(root, **kw)


# The environment the build starts its kernel server with (compendium.build.pipeline.build).
# The toy notebooks import no grading code, so the build asks for a server without the later preload.
BUILD_SERVER_ENV = {"PYTHONHASHSEED": os.environ.get("PYTHONHASHSEED", "0"), PRELOAD_ENV: "first"}


@pytest.fixture(scope="module")
def module_server():
    """One warm kernel server for the module's warm builds: its preload of the scientific stack costs
    about two CPU-seconds, more than a toy notebook; each kernel is still forked afresh."""
    from compendium.build.warm_kernels import kernel_server

    with kernel_server(env=BUILD_SERVER_ENV) as path:
        yield path


@pytest.fixture
def warm_build(module_server, monkeypatch):
    """:func:`build` with warm kernels, as `make` builds, forked from :func:`module_server`: the build
    asks for its server as usual (with its environment, checked) and gets the module's."""
    from contextlib import contextmanager

    import compendium.build.warm_kernels as warm_kernels

    asked = []

    @contextmanager
    def the_module_server(env=None):
        asked.append(env)
        yield module_server

    monkeypatch.setattr(warm_kernels, "kernel_server", the_module_server)

    def run(root, **kw):
        asked.clear()
        manifest = build(root, warm=True, **kw)
        assert asked in ([], [BUILD_SERVER_ENV]), asked  # no server asked for when nothing is to run
        return manifest

    return run

PARAMS = 'data_dir = "../data"\nfigures_dir = "../figures"\ntables_dir = "../tables"'


def _notebook(path, body):
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = new_code_cell(PARAMS)
    params.metadata["tags"] = ["parameters"]
    params["id"] = "params"
    cell = new_code_cell(body)
    cell["id"] = "body"
    nb.cells = [params, cell]
    nbformat.write(nb, path)


WRITE_TABLE = """
from pathlib import Path
from compendium.render.artefacts import write_text
text = (Path(data_dir) / "value.txt").read_text()
write_text(Path(tables_dir) / "out.txt", "value: " + text)
print(text)
"""

WRITE_FIGURE = """
from pathlib import Path
import matplotlib.pyplot as plt
from compendium.render.artefacts import save_figure
fig, ax = plt.subplots(figsize=(3, 2))
ax.plot([1, 2, 3], [3, 1, 2], label="line")
ax.legend()
save_figure(fig, Path(figures_dir) / "fig")
"""


def _toy(folder):
    (folder / "data" / "raw" / "papers").mkdir(parents=True)
    (folder / "data" / "value.txt").write_text("one")
    (folder / "notebooks").mkdir()
    _notebook(folder / "notebooks" / "01_table.ipynb", WRITE_TABLE)
    _notebook(folder / "notebooks" / "02_figure.ipynb", WRITE_FIGURE)
    return folder


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A toy project, never built."""
    monkeypatch.setenv("COMPENDIUM_ROOT", str(tmp_path))
    return _toy(tmp_path)


@pytest.fixture(scope="module")
def first_build(tmp_path_factory):
    """The toy project built once for the module (folder, manifest returned, what the build said);
    tests that start from a built project get their own copy (:func:`built`)."""
    folder = _toy(tmp_path_factory.mktemp("built") / "toy")
    said = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("COMPENDIUM_ROOT", str(folder))
        manifest = build(folder, echo=said.append)
    return folder, manifest, said


@pytest.fixture
def built(first_build, tmp_path, monkeypatch):
    """A copy of the built toy project, as if its first build had just run here."""
    copy = tmp_path / "toy"
    shutil.copytree(first_build[0], copy)
    monkeypatch.setenv("COMPENDIUM_ROOT", str(copy))
    return copy


def _quiet(*_):
    pass


def _outputs(root):
    return {p.relative_to(root): p.read_bytes() for d in ("notebooks", "figures", "tables")
            for p in (root / d).iterdir()}


@pytest.mark.slow
def test_build_runs_notebooks_writes_artefacts_and_manifest(first_build):
    project, manifest, _ = first_build
    assert (project / "tables" / "out.txt").read_text() == "value: one\n"
    assert (project / "figures" / "fig.png").exists() and (project / "figures" / "fig.svg").exists()
    entry = manifest["notebooks"]["01_table.ipynb"]
    assert entry["artefacts"] == ["tables/out.txt"]
    assert "data/value.txt" in entry["inputs"] and entry["duration_s"] > 0
    assert "pandas" in entry["packages"] and "papermill" in entry["packages"]
    on_disk = json.loads((project / "build" / "manifest.json").read_text())
    assert on_disk["notebooks"].keys() == {"01_table.ipynb", "02_figure.ipynb"}
    executed = nbformat.read(project / "notebooks" / "01_table.ipynb", as_version=4)
    assert executed.cells[-1].outputs[0]["text"] == "one\n"
    assert "papermill" not in executed.metadata  # volatile metadata stripped
    assert all("execution" not in c.metadata for c in executed.cells)


@pytest.mark.slow
def test_second_build_skips_unchanged_and_reruns_changed(built, warm_build):
    project = built
    said = []
    warm_build(project, echo=said.append)
    assert said == ["01_table: unchanged, skipped", "02_figure: unchanged, skipped"]
    (project / "data" / "value.txt").write_text("two")
    said.clear()
    warm_build(project, echo=said.append, only=["01"])
    assert any("01_table: ok" in s for s in said)
    assert (project / "tables" / "out.txt").read_text() == "value: two\n"


@pytest.mark.slow
def test_progress_counts_finished_notebooks(first_build):
    said = first_build[2]
    assert [s.split(" ", 1)[0] for s in said if ": ok in" in s] == ["[1/2", "[2/2"], said
    assert all(s.endswith(": running …") and not s.startswith("[") for s in said if "running …" in s)


def test_invalid_coded_data_stops_the_build_before_any_kernel_starts(tracked_copy):
    copy, _ = tracked_copy
    ties = copy / "data" / "raw" / "coded" / "ties.csv"
    lines = ties.read_text(encoding="utf-8").splitlines(keepends=True)
    first = lines[1].split(",")
    first[1] = "no-such-actor"
    lines[1] = ",".join(first)
    ties.write_text("".join(lines), encoding="utf-8")
    before = {p: p.read_bytes() for p in (copy / "notebooks").iterdir()}
    said = []
    with pytest.raises(BuildError) as err:
        build(copy, force=True, echo=said.append)
    message = str(err.value)
    assert "no notebook was run" in message and "ties.csv" in message and "no-such-actor" in message
    assert not any("running" in s for s in said), said
    assert {p: p.read_bytes() for p in (copy / "notebooks").iterdir()} == before


@pytest.mark.slow
def test_force_reruns_everything_and_two_builds_are_byte_identical(first_build, built, warm_build):
    """The second build runs in warm kernels, the first ran cold: the same bytes either way."""
    said = []
    warm_build(built, force=True, echo=said.append)
    assert sum(": ok in" in s for s in said) == 2
    first, second = _outputs(first_build[0]), _outputs(built)
    assert first.keys() == second.keys()
    assert [p.name for p in first if first[p] != second[p]] == []
    svg = (built / "figures" / "fig.svg").read_text()
    assert "<dc:date>" not in svg


@pytest.mark.slow
def test_failing_cell_names_notebook_cell_error_and_keeps_last_good_outputs(built, warm_build):
    project = built
    good_nb = (project / "notebooks" / "01_table.ipynb").read_bytes()
    good_table = (project / "tables" / "out.txt").read_bytes()
    nb = nbformat.read(project / "notebooks" / "01_table.ipynb", as_version=4)
    nb.cells[-1].source = WRITE_TABLE.replace("print(text)", "raise ValueError('broken on purpose')")
    (project / "data" / "value.txt").write_text("changed")
    nbformat.write(nb, project / "notebooks" / "01_table.ipynb")
    broken_nb = (project / "notebooks" / "01_table.ipynb").read_bytes()
    with pytest.raises(BuildError) as err:
        warm_build(project, echo=_quiet, only=["01_table"])
    message = str(err.value)
    assert "notebooks/01_table.ipynb" in message and "cell" in message
    assert "ValueError: broken on purpose" in message
    assert "build/failed/01_table.ipynb" in message
    # The artefact the failing notebook wrote before the error never reached tables/.
    assert (project / "tables" / "out.txt").read_bytes() == good_table
    # The notebook on disk is the one we wrote, not a partly executed copy.
    assert (project / "notebooks" / "01_table.ipynb").read_bytes() == broken_nb != good_nb
    partial = nbformat.read(project / "build" / "failed" / "01_table.ipynb", as_version=4)
    assert any(o.get("ename") == "ValueError" for c in partial.cells for o in c.get("outputs", []))


@pytest.mark.slow
def test_cli_reports_failure_without_traceback(project, capsys):
    from compendium.cli import main

    nb = nbformat.read(project / "notebooks" / "01_table.ipynb", as_version=4)
    nb.cells[-1].source = "1 / 0"
    nbformat.write(nb, project / "notebooks" / "01_table.ipynb")
    assert main(["build", "--only", "01", "--cold-kernels"]) == 1
    err = capsys.readouterr().err
    assert "ZeroDivisionError" in err and "Traceback" not in err


def test_unknown_only_name_is_a_clear_error(project):
    with pytest.raises(BuildError, match="no notebook called"):
        build(project, only=["99_nothing"], echo=_quiet)


def test_artefact_writer_refuses_raw_data(project):
    with pytest.raises(artefacts.RawDataWriteError):
        artefacts.write_text(project / "data" / "raw" / "x.csv", "a")
    assert not (project / "data" / "raw" / "x.csv").exists()


def _build_later(root, *args):
    env = {**without_faketime(), "COMPENDIUM_ROOT": str(root)}
    done = subprocess.run(faketime_command(sys.executable, "-m", "compendium.cli", "build", *args),
                          cwd=root, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    # A successful build is quiet: kernels' log lines (e.g. "[IPKernelApp] ERROR | KeyboardInterrupt
    # caught in kernel") would tell a newcomer something went wrong.
    assert "ERROR" not in done.stderr and "Traceback" not in done.stderr, done.stderr
    return done


@pytest.mark.slow
def test_the_later_clock_reaches_the_kernels(project, monkeypatch):
    """A build on a later day (libfaketime, see tests/later_day.py) moves the clock of its notebook
    kernels, not only its own: each notebook shows the year it sees, the manifest the day it started.
    The kernels are forked from the warm server, here one that preloads nothing (the clock does not
    depend on what the server imported; the preload would cost two CPU-seconds). Also the one toy
    build on the real pool of worker processes, as `make` runs it: two notebooks on two forked workers."""
    from compendium.build.warm_kernels import PRELOAD_ENV

    monkeypatch.setenv(PRELOAD_ENV, "0")
    _notebook(project / "notebooks" / "01_table.ipynb",
              "import time\nfrom pathlib import Path\nfrom compendium.render.artefacts import write_text\n"
              "write_text(Path(tables_dir) / 'year.txt', time.strftime('%Y'))\n")
    _notebook(project / "notebooks" / "02_figure.ipynb", "import time\nprint(time.strftime('%Y'))")
    done = _build_later(project, "--jobs", "2")
    assert "running 2 notebook(s) with 2 worker(s)" in done.stdout, done.stdout
    assert int((project / "tables" / "year.txt").read_text()) == later().tm_year
    printed = nbformat.read(project / "notebooks" / "02_figure.ipynb", as_version=4).cells[-1].outputs
    assert printed[0]["text"] == f"{later().tm_year}\n"
    manifest = json.loads((project / "build" / "manifest.json").read_text())
    assert {e["started"][:4] for e in manifest["notebooks"].values()} == {str(later().tm_year)}


@pytest.mark.slow
def test_stream_chunks_are_coalesced_so_output_splits_do_not_vary(project, warm_build):
    nb = nbformat.read(project / "notebooks" / "01_table.ipynb", as_version=4)
    nb.cells[-1].source = "import sys, time\nprint('a', flush=True)\ntime.sleep(0.2)\nprint('b')\n"
    nbformat.write(nb, project / "notebooks" / "01_table.ipynb")
    warm_build(project, only=["01"], echo=_quiet)
    outputs = nbformat.read(project / "notebooks" / "01_table.ipynb", as_version=4).cells[-1].outputs
    assert [(o.output_type, o.name, o.text) for o in outputs] == [("stream", "stdout", "a\nb\n")]


@pytest.mark.slow
def test_a_notebook_reruns_when_a_library_module_it_imports_changes_and_only_then(project, warm_build):
    lib = project / "src" / "compendium"
    lib.mkdir(parents=True)
    (lib / "__init__.py").write_text("")
    (lib / "only_first.py").write_text("x = 1\n")
    (lib / "unused.py").write_text("x = 1\n")
    _notebook(project / "notebooks" / "01_table.ipynb",
              WRITE_TABLE + "if False:\n    import compendium.only_first\n")
    _notebook(project / "notebooks" / "02_figure.ipynb", "x = 1")  # imports nothing: no figure needed here
    warm_build(project, echo=_quiet)
    said = []
    (lib / "unused.py").write_text("x = 2\n")
    warm_build(project, echo=said.append)
    assert all("skipped" in s for s in said), said
    said.clear()
    (lib / "only_first.py").write_text("x = 2\n")
    warm_build(project, echo=said.append)
    assert any("01_table: ok" in s for s in said) and "02_figure: unchanged, skipped" in said


@pytest.mark.slow
def test_a_build_falls_back_to_cold_kernels_when_the_warm_server_cannot_start(project, monkeypatch):
    from contextlib import contextmanager

    import compendium.build.warm_kernels

    @contextmanager
    def no_server(env=None):
        raise RuntimeError("no fork here")
        yield

    monkeypatch.setattr(compendium.build.warm_kernels, "kernel_server", no_server)
    said = []
    build(project, echo=said.append, warm=True, only=["01"])
    assert any("starting kernels cold" in s for s in said), said
    assert (project / "tables" / "out.txt").read_text() == "value: one\n"


READS_A = """
from pathlib import Path
print((Path(data_dir) / "a.txt").read_text())
"""

LISTS_INBOX = """
import glob, os
print(sorted(os.path.basename(p) for p in glob.glob(os.path.join(data_dir, "inbox", "*.csv"))))
print(open(os.path.join(data_dir, "b.txt")).read())
"""


def _ran(said):
    return sorted(s.split("] ", 1)[1].split(":")[0] for s in said if ": ok in" in s)


@pytest.mark.slow
def test_a_notebook_reruns_only_when_a_data_file_it_read_or_a_folder_it_listed_changes(tmp_path, monkeypatch,
                                                                                        warm_build):
    """Warm kernels record what each notebook opens and lists under data/ (an audit hook); the next
    build compares those files and listings only. One project, built four times."""
    monkeypatch.setenv("COMPENDIUM_ROOT", str(tmp_path))
    (tmp_path / "data" / "inbox").mkdir(parents=True)
    (tmp_path / "data" / "a.txt").write_text("a1")
    (tmp_path / "data" / "b.txt").write_text("b1")
    (tmp_path / "data" / "inbox" / "one.csv").write_text("x\n")
    (tmp_path / "notebooks").mkdir()
    _notebook(tmp_path / "notebooks" / "01_reads_a.ipynb", READS_A)
    _notebook(tmp_path / "notebooks" / "02_lists_inbox.ipynb", LISTS_INBOX)
    manifest = warm_build(tmp_path, echo=_quiet)
    first, second = manifest["notebooks"]["01_reads_a.ipynb"], manifest["notebooks"]["02_lists_inbox.ipynb"]
    assert first["reads_recorded"] and second["reads_recorded"]
    assert [k for k in first["inputs"] if k.startswith("data/")] == ["data/a.txt"]
    assert [k for k in second["inputs"] if k.startswith("data/")] == ["data/b.txt"]  # glob lists, opens nothing
    assert second["listings"] == {"data/inbox": ["one.csv"]}

    said = []
    (tmp_path / "data" / "a.txt").write_text("a2")           # read by 01 only
    warm_build(tmp_path, echo=said.append)
    assert _ran(said) == ["01_reads_a"] and "02_lists_inbox: unchanged, skipped" in said

    said.clear()
    (tmp_path / "data" / "inbox" / "two.csv").write_text("y\n")  # a new file in the folder 02 lists
    (tmp_path / "data" / "unread.txt").write_text("nobody reads me")
    warm_build(tmp_path, echo=said.append)
    assert _ran(said) == ["02_lists_inbox"] and "01_reads_a: unchanged, skipped" in said
    out = nbformat.read(tmp_path / "notebooks" / "02_lists_inbox.ipynb", as_version=4).cells[-1].outputs
    assert "['one.csv', 'two.csv']" in out[0]["text"]

    said.clear()
    manifest_path = tmp_path / "build" / "manifest.json"
    recorded = json.loads(manifest_path.read_text())
    del recorded["notebooks"]["02_lists_inbox.ipynb"]["listings"]  # 02's reads unknown: it reruns
    manifest_path.write_text(json.dumps(recorded))
    warm_build(tmp_path, echo=said.append)
    assert _ran(said) == ["02_lists_inbox"] and "01_reads_a: unchanged, skipped" in said


@pytest.mark.slow
def test_cold_kernels_record_no_reads_so_every_data_file_counts(built, warm_build):
    """Without the warm server nothing records reads: every file and folder under data/ is an input,
    and a new file anywhere in data/ reruns every notebook (here in warm kernels: which kernels the
    next build uses does not matter, what the cold build recorded does)."""
    entry = json.loads((built / "build" / "manifest.json").read_text())["notebooks"]["02_figure.ipynb"]
    assert entry["reads_recorded"] is False and "data/value.txt" in entry["inputs"]
    (built / "data" / "raw" / "papers" / "new.txt").write_text("new")
    said = []
    warm_build(built, echo=said.append)
    assert _ran(said) == ["01_table", "02_figure"]


def test_the_kernel_audit_hook_notes_opens_listings_and_programs(tmp_path):
    """record_reads in a process of its own (an audit hook cannot be removed): builtins open,
    pathlib, os.listdir, glob and pandas are seen; paths outside the folder are not noted."""
    data = tmp_path / "data"
    (data / "sub").mkdir(parents=True)
    (data / "t.csv").write_text("x\n1\n")
    (data / "sub" / "u.txt").write_text("u")
    (tmp_path / "outside.txt").write_text("o")
    log = tmp_path / "reads.log"
    code = f"""
import glob, os, subprocess, sys
from pathlib import Path
from compendium.build._kernel_launcher import record_reads
record_reads({str(log)!r}, {str(data)!r})
os.chdir({str(tmp_path)!r})
import pandas as pd
pd.read_csv("data/t.csv")
Path("data/sub/u.txt").read_text()
Path("outside.txt").read_text()
list(Path("data").iterdir())
glob.glob("data/sub/*.txt")
"""
    subprocess.run([sys.executable, "-c", code], check=True)
    lines = log.read_text().splitlines()
    assert f"file\t{data / 't.csv'}" in lines and f"file\t{data / 'sub' / 'u.txt'}" in lines
    assert f"dir\t{data}" in lines and f"dir\t{data / 'sub'}" in lines
    assert not any("outside" in line for line in lines) and "program" not in lines
    subprocess.run([sys.executable, "-c", code + "subprocess.run(['true'])\n"], check=True)
    assert "program" in log.read_text().splitlines()


def test_workers_are_forked_only_from_a_process_without_other_threads():
    """A forked child inherits locks that other threads may hold: with a second thread running, the
    workers are spawned."""
    import threading

    from compendium.build.pipeline import _worker_context

    alone = threading.active_count() == 1  # not so under pytest-xdist, whose workers run a thread
    assert _worker_context().get_start_method() == (
        "fork" if alone and sys.platform.startswith("linux") else "spawn")
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert _worker_context().get_start_method() == "spawn"
    finally:
        stop.set()
        other.join()
