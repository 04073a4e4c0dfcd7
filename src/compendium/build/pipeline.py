"""``compendium build``: execute the notebooks with papermill, incrementally and safely.

How a build works
-----------------
1. The notebooks are ``notebooks/NN_*.ipynb``, numbered in reading order.
2. A notebook's *fingerprint* hashes its code: its own cells (source and tags, not outputs) and the
   files of the library ``src/compendium/`` that it imports, directly or not
   (:mod:`compendium.build.dependencies`). Its data inputs are the files under ``data/`` that its kernel
   opened and the folders it listed at its last run, recorded as they happened (an audit hook in the
   kernel, :func:`compendium.build._kernel_launcher.record_reads`). A notebook is skipped -- no kernel
   starts -- when its fingerprint, the hashes of the data files it read and the listings of the
   folders it listed all equal those recorded at its last successful run. When the reads could not be
   recorded (cold kernels, or a notebook that starts other programs) every file and folder under
   ``data/`` counts as read.
3. The others run with papermill (two at a time on two cores, longest first: notebooks read only
   ``data/`` and the library, never each other's outputs, so their order does not matter for their
   results). Their kernels are forked from a warm kernel server that has imported the scientific
   stack once (:mod:`compendium.build.warm_kernels`; ``--cold-kernels`` starts them as Jupyter does).
   So that no core idles before the first notebook starts, the server starts first, and the data
   validation and this process's imports run beside its preload; the workers are then forked from
   this process (no import of their own). Parameters are injected into the cell tagged ``parameters`` as paths relative to
   ``notebooks/``, so the executed notebooks are the same on every clone.
4. Artefacts a notebook writes are staged in ``build/stage/NN/`` and moved into ``figures/`` and
   ``tables/`` only when the whole notebook succeeded. The executed notebook, stripped of volatile
   metadata (timestamps, durations), then replaces the committed one.
5. A failing cell stops the build: the message names notebook, cell and error; the partly executed
   copy is kept in ``build/failed/`` and the last good notebook and outputs stay as they were.
6. ``build/manifest.json`` records, per notebook, the input hashes, the artefacts, the timings and the
   package versions (the volatile facts that the committed notebooks do not carry).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime, timezone
from multiprocessing import get_context
from pathlib import Path

from compendium.paths import project_root

NOTEBOOK_GLOB = "[0-9][0-9]_*.ipynb"
PARAMETERS = {"data_dir": "../data", "figures_dir": "../figures", "tables_dir": "../tables"}
KERNEL = "python3"
MANIFEST = "manifest.json"
PACKAGES = ("papermill", "nbclient", "ipykernel", "pandas", "numpy", "matplotlib", "networkx",
            "frictionless", "krippendorff", "scikit-learn", "nbval", "sister-city-compendium")


class BuildError(RuntimeError):
    """A notebook failed; the message says which, where and why."""


@dataclass
class Layout:
    root: Path
    notebooks: Path = field(init=False)
    build: Path = field(init=False)

    def __post_init__(self):
        self.root = Path(self.root).resolve()
        self.notebooks = self.root / "notebooks"
        self.build = self.root / "build"


def discover(layout: Layout) -> list[Path]:
    return sorted(layout.notebooks.glob(NOTEBOOK_GLOB))


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _tree(folder: Path, root: Path) -> dict[str, str]:
    files = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and not path.name.startswith("."):
            files[path.relative_to(root).as_posix()] = _sha(path.read_bytes())
    return files


def authored_cells(path: Path) -> list[tuple[str, str, list[str]]]:
    """A notebook's cells as written by people: (type, source, tags) -- not outputs, and not the
    parameters cell papermill injects (it is the build's own). Read once per build: notebooks with
    their figures are large."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    return [
        (c["cell_type"], "".join(c.get("source", "")), sorted(c.get("metadata", {}).get("tags", [])))
        for c in nb.get("cells", [])
        if "injected-parameters" not in c.get("metadata", {}).get("tags", [])
    ]


def notebook_source_hash(cells: list[tuple[str, str, list[str]]]) -> str:
    return _sha(json.dumps(cells, ensure_ascii=False).encode("utf-8"))


# How a notebook is run and written shapes every executed notebook, so it is everyone's input.
BUILD_MACHINERY = {*(f"src/compendium/build/{name}.py" for name in (
    "__init__", "pipeline", "kernels", "warm_kernels", "_kernel_launcher", "dependencies")),
    "src/compendium/render/artefacts.py"}


def notebook_inputs(cells: list[tuple[str, str, list[str]]], layout: Layout,
                    library: dict[str, str], cache: dict | None = None) -> dict[str, str]:
    """A notebook's code inputs besides its own cells: the library files it imports, transitively
    (:mod:`compendium.build.dependencies`; the whole library if that cannot be told)."""
    from compendium.build.dependencies import library_files

    src = layout.root / "src"
    code = [source for kind, source, _ in cells if kind == "code"]
    files = library_files(code, src, cache)
    if files is None:
        return dict(library)
    used = {p.relative_to(layout.root).as_posix() for p in files} | BUILD_MACHINERY
    return {rel: sha for rel, sha in library.items() if rel in used}


def listing(folder: Path) -> list[str] | None:
    """A folder's entries, sorted; None if it is not a folder (a listing that failed, or will)."""
    try:
        return sorted(os.listdir(folder))
    except OSError:
        return None


def everything_read(layout: Layout, data: dict[str, str]) -> dict:
    """The reads to assume when the kernel's were not recorded: every file and folder under data/."""
    folders = [layout.root / "data", *(p for p in (layout.root / "data").rglob("*") if p.is_dir())]
    return {"files": sorted(data), "dirs": sorted(p.relative_to(layout.root).as_posix() for p in folders)}


def data_inputs(reads: dict, layout: Layout, data: dict[str, str]) -> tuple[dict, dict]:
    """(hash of each data file read -- None for one that does not exist --, listing of each folder
    listed), as they are now: what a notebook's recorded reads are compared with."""
    files = {rel: data.get(rel) or _file_sha(layout.root / rel) for rel in reads["files"]}
    return files, {rel: listing(layout.root / rel) for rel in reads["dirs"]}


def _file_sha(path: Path) -> str | None:
    """Hash of a file _tree does not list (a dotfile, say); None if it is not a file."""
    return _sha(path.read_bytes()) if path.is_file() else None


def data_unchanged(entry: dict, layout: Layout, data: dict[str, str]) -> bool:
    """Are the data files a notebook read, and the folders it listed, as at its last run? False when
    its reads were never recorded."""
    if "listings" not in entry:
        return False
    files = {rel: sha for rel, sha in entry.get("inputs", {}).items() if rel.startswith("data/")}
    now_files, now_listings = data_inputs({"files": files, "dirs": entry["listings"]}, layout, data)
    return now_files == files and now_listings == entry["listings"]


def fingerprint(notebook_hash: str, inputs: dict[str, str]) -> str:
    return _sha(json.dumps([notebook_hash, inputs], sort_keys=True).encode("utf-8"))


def load_manifest(layout: Layout) -> dict:
    path = layout.build / MANIFEST
    if path.exists():
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            return {}
    return {}


def _atomic_json(path: Path, obj) -> None:
    from compendium.render.artefacts import atomic_write

    atomic_write(path, (json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode())


def _coalesce_streams(outputs: list) -> list:
    """Join adjacent stdout (or stderr) chunks: how a kernel splits a cell's prints into messages
    depends on timing, so the split must not reach the committed notebook."""
    merged = []
    for out in outputs:
        if (out.get("output_type") == "stream" and merged
                and merged[-1].get("output_type") == "stream" and merged[-1]["name"] == out["name"]):
            merged[-1]["text"] = "".join(merged[-1]["text"]) + "".join(out["text"])
        else:
            merged.append(out)
    return merged


def strip_volatile(nb) -> None:
    """Remove what changes from run to run (papermill's timings, execution timestamps, the way
    output streams happen to be chunked)."""
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if cell.get("outputs"):
            cell["outputs"] = _coalesce_streams(cell["outputs"])
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell["id"] = "injected-parameters"


def _execute(notebook: str, root: str, warm_server: str | None = None) -> dict:
    """Run one notebook (in a worker process). Returns a result dict; never raises for cell errors."""
    import nbformat
    import papermill as pm

    from compendium.build._kernel_launcher import READS_ENV, READS_UNDER_ENV
    from compendium.render.artefacts import LOG_ENV, STAGE_ENV, atomic_write
    from compendium.build.kernels import KERNEL_SHUTDOWN, ipc_kernel_manager_class

    layout = Layout(Path(root))
    nb_path = Path(notebook)
    name = nb_path.stem
    stage = layout.build / "stage" / name
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir(parents=True)
    log = layout.build / "stage" / f"{name}.artefacts"
    log.unlink(missing_ok=True)
    reads_log = layout.build / "stage" / f"{name}.reads"
    reads_log.unlink(missing_ok=True)
    executing = layout.build / "executing" / nb_path.name
    executing.parent.mkdir(parents=True, exist_ok=True)
    os.environ[STAGE_ENV] = str(stage)
    os.environ[LOG_ENV] = str(log)
    os.environ["COMPENDIUM_ROOT"] = str(layout.root)
    os.environ[READS_ENV] = str(reads_log)
    os.environ[READS_UNDER_ENV] = str(layout.root / "data")
    os.environ.setdefault("PYTHONHASHSEED", "0")
    started = time.perf_counter()
    start_utc = datetime.now(timezone.utc).isoformat(timespec="seconds")
    sockets = tempfile.TemporaryDirectory(prefix="compendium-kernel-")
    try:
        # Not saved after every cell: papermill would rewrite the whole notebook, figures and all,
        # twice per cell. It is written once at the end, or at the failing cell.
        nb = pm.execute_notebook(
            str(nb_path), str(executing), parameters=PARAMETERS, cwd=str(layout.notebooks),
            kernel_name=KERNEL, progress_bar=False, log_output=False, request_save_on_cell_execute=False,
            shutdown_kernel=KERNEL_SHUTDOWN,
            kernel_manager_class=ipc_kernel_manager_class(sockets.name, warm_server),
        )
    except pm.PapermillExecutionError as err:
        failed = layout.build / "failed" / nb_path.name
        failed.parent.mkdir(parents=True, exist_ok=True)
        if executing.exists():
            os.replace(executing, failed)
        shutil.rmtree(stage, ignore_errors=True)
        return {"notebook": nb_path.name, "status": "failed", "cell": err.cell_index,
                "exec_count": err.exec_count, "error": f"{err.ename}: {err.evalue}",
                "partial": str(failed.relative_to(layout.root)),
                "duration_s": round(time.perf_counter() - started, 3), "started": start_utc}
    except Exception as err:  # kernel died, bad notebook JSON, …
        shutil.rmtree(stage, ignore_errors=True)
        return {"notebook": nb_path.name, "status": "failed", "cell": None, "exec_count": None,
                "error": f"{type(err).__name__}: {err}", "partial": None,
                "duration_s": round(time.perf_counter() - started, 3), "started": start_utc}
    finally:
        sockets.cleanup()

    # Success: commit the staged artefacts, then the executed notebook.
    artefacts = []
    if log.exists():
        for line in dict.fromkeys(log.read_text(encoding="utf-8").splitlines()):
            final = Path(line)
            staged = stage / final.relative_to(layout.root)
            if staged.exists():
                final.parent.mkdir(parents=True, exist_ok=True)
                os.replace(staged, final)
                artefacts.append(final.relative_to(layout.root).as_posix())
    shutil.rmtree(stage, ignore_errors=True)
    log.unlink(missing_ok=True)
    reads = _reads(reads_log, layout.root)
    reads_log.unlink(missing_ok=True)
    strip_volatile(nb)
    atomic_write(nb_path, (nbformat.writes(nb) + "\n").encode("utf-8"))
    executing.unlink(missing_ok=True)
    return {"notebook": nb_path.name, "status": "ok", "artefacts": sorted(artefacts), "reads": reads,
            "duration_s": round(time.perf_counter() - started, 3), "started": start_utc}


def _reads(log: Path, root: Path) -> dict | None:
    """The data files and folders a kernel noted (:func:`compendium.build._kernel_launcher.record_reads`),
    relative to the project; None when it noted nothing it could vouch for: no log (a cold kernel
    records nothing) or another program started (its reads are unseen)."""
    if not log.exists():
        return None
    files, dirs = set(), set()
    for line in log.read_text(encoding="utf-8").splitlines():
        kind, _, path = line.partition("\t")
        if kind not in ("file", "dir") or not path:
            return None  # "program", or a line cut short: nothing to vouch for
        rel = Path(path).relative_to(root).as_posix()
        if kind == "dir" or Path(path).is_dir():  # opening a folder (os.open) is reading its listing
            dirs.add(rel)
        else:
            files.add(rel)
    return {"files": sorted(files), "dirs": sorted(dirs)}


def _package_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": sys.version.split()[0]}
    for name in PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            pass
    return out


def build(root: Path | str | None = None, force: bool = False, only: list[str] | None = None,
          jobs: int | None = None, echo=print, warm: bool | None = None) -> dict:
    """Build the notebooks; returns the manifest. Raises :class:`BuildError` when a notebook fails.

    ``warm``: fork the kernels from a kernel server that has imported the scientific stack once
    (:mod:`compendium.build.warm_kernels`); ``False`` starts every kernel cold, as Jupyter does. By default
    warm on Linux only: on macOS, forking a process that has loaded system frameworks is unsafe."""
    if warm is None:
        warm = sys.platform.startswith("linux")
    layout = Layout(root or project_root())
    notebooks = discover(layout)
    if only:
        wanted = set(only)
        selected = [nb for nb in notebooks if nb.stem in wanted or nb.name in wanted
                    or nb.stem.split("_", 1)[0] in wanted]
        missing = wanted - {n for nb in selected for n in (nb.stem, nb.name, nb.stem.split("_", 1)[0])}
        if missing:
            raise BuildError(f"--only: no notebook called {sorted(missing)}; "
                             f"have {[nb.stem for nb in notebooks]}")
        notebooks = selected
    data = _tree(layout.root / "data", layout.root)
    library = _tree(layout.root / "src" / "compendium", layout.root)
    manifest = load_manifest(layout)
    entries = manifest.setdefault("notebooks", {})
    todo, fingerprints, inputs, parsed, code_size = [], {}, {}, {}, {}
    for i, nb in enumerate(notebooks, 1):
        cells = authored_cells(nb)
        code_size[nb.name] = sum(len(source) for kind, source, _ in cells if kind == "code")
        nb_hash = notebook_source_hash(cells)
        inputs[nb.name] = notebook_inputs(cells, layout, library, parsed)
        fingerprints[nb.name] = (fingerprint(nb_hash, inputs[nb.name]), nb_hash)
        previous = entries.get(nb.name, {})
        if (not force and previous.get("fingerprint") == fingerprints[nb.name][0]
                and data_unchanged(previous, layout, data)):
            echo(f"{nb.stem}: unchanged, skipped")
        else:
            todo.append(nb)
    if not todo:
        return manifest

    # One notebook more than cores: a kernel starting, or a notebook writing its files, leaves its core
    # idle now and then, and the extra one fills it (measured on two cores: 11.6 s with two, 11.0 with three).
    jobs = jobs or min(len(todo), (os.cpu_count() or 1) + 1)
    versions = _package_versions()
    # Longest first, so that the workers finish together: by the last recorded run; notebooks never
    # run here (a fresh clone) first, those with more code first. The order cannot change a result
    # (see step 3 of the module doc).
    todo.sort(key=lambda nb: (-entries.get(nb.name, {}).get("duration_s", float("inf")),
                              -code_size[nb.name]))
    with ExitStack() as stack:
        # The kernel server's preload (importing the scientific stack, seconds of one core) is the
        # longest step before the first notebook can start: it begins first, and the validation and
        # this process's own imports run beside it on the other core.
        server = None
        if warm:
            from compendium.build.warm_kernels import PRELOAD_ENV, kernel_server, needs_later

            env = {"PYTHONHASHSEED": os.environ.get("PYTHONHASHSEED", "0")}
            if not any(needs_later(inputs[nb.name]) for nb in todo):  # e.g. no grading notebook to run
                env[PRELOAD_ENV] = "first"
            try:
                server = stack.enter_context(kernel_server(env=env))
            except (OSError, RuntimeError) as err:
                echo(f"the warm kernel server did not start ({err}); starting kernels cold")
        _validate_first(layout)
        echo(f"running {len(todo)} notebook(s) with {jobs} worker(s)"
             + ("" if warm else ", cold kernels"))
        failures = _run(todo, layout, jobs, server, echo,
                        lambda nb, result: _record(entries, nb, result, fingerprints, inputs, versions,
                                                   layout, manifest, data))
    if failures:
        lines = []
        for f in failures:
            where = (f"cell {f['cell']} (execution count {f['exec_count']})"
                     if f["cell"] is not None else "before any cell ran")
            lines.append(f"notebooks/{f['notebook']}, {where}: {f['error']}")
            if f["partial"]:
                lines.append(f"  partly executed copy kept at {f['partial']}; "
                             "the last good notebook and its outputs are unchanged")
        raise BuildError("build failed:\n" + "\n".join(lines))
    return manifest


def _validate_first(layout: Layout) -> None:
    """Stop before any kernel starts when the coded data is invalid: the validation report names file,
    line and column, where a notebook would fail later on the first table it loads."""
    if not (layout.root / "data" / "datapackage.json").exists():
        return  # not a compendium data folder (e.g. a toy project in the tests)
    from compendium.coding import validate_dir

    problems = validate_dir(layout.root / "data")
    if problems:
        raise BuildError(f"the coded data has {len(problems)} problem(s); no notebook was run.\n"
                         + "\n".join(problems)
                         + "\nFix them and run the build again (`compendium validate` checks the data alone).")


def _record(entries, nb, result, fingerprints, inputs, versions, layout, manifest, data) -> None:
    """A notebook succeeded: note it in the manifest, and save the manifest at once (an interrupted
    build keeps what it finished). The data files it read are given the hashes they had when the
    build began: one edited meanwhile differs next time, and the notebook runs again."""
    reads = result["reads"] or everything_read(layout, data)
    files, listings = data_inputs(reads, layout, data)
    entries[nb.name] = {
        "fingerprint": fingerprints[nb.name][0],
        "inputs": {"notebook": fingerprints[nb.name][1], **inputs[nb.name], **files},
        "listings": listings,
        "reads_recorded": result["reads"] is not None,
        "artefacts": result["artefacts"],
        "duration_s": result["duration_s"],
        "started": result["started"],
        "packages": versions,
    }
    _atomic_json(layout.build / MANIFEST, manifest)


def _worker_context():
    """How the workers start. Forked (Linux), they inherit papermill and nbclient from this process,
    imported once here while the kernel server preloads, instead of importing them again each (about
    1.5 CPU-seconds per worker) -- and, ending with ``os._exit``, they skip the interpreter's teardown.
    Spawned where forking is unsafe: macOS, or a process that already runs threads (a lock another
    thread holds would stay locked forever in the child)."""
    import threading

    if sys.platform.startswith("linux") and threading.active_count() == 1:
        import nbformat  # noqa: F401 -- what _execute imports, loaded before the fork
        import papermill  # noqa: F401

        return get_context("fork")
    return get_context("spawn")


def _run(todo, layout, jobs, server, echo, on_success) -> list[dict]:
    """Run the notebooks on ``jobs`` worker processes; stop starting new ones at the first failure.
    Returns the failures."""
    failures, finished = [], 0
    with ProcessPoolExecutor(max_workers=jobs, mp_context=_worker_context()) as pool:
        pending = {}
        queue = list(todo)
        while queue or pending:
            while queue and len(pending) < jobs and not failures:
                nb = queue.pop(0)
                echo(f"{nb.stem}: running …")
                pending[pool.submit(_execute, str(nb), str(layout.root), server)] = nb
            if not pending:
                break
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                nb = pending.pop(fut)
                result = fut.result()
                finished += 1
                tag = f"[{finished}/{len(todo)} done] {nb.stem}"
                if result["status"] == "ok":
                    echo(f"{tag}: ok in {result['duration_s']:.1f} s, "
                         f"{len(result['artefacts'])} artefact(s)")
                    on_success(nb, result)
                else:
                    failures.append(result)
                    echo(f"{tag}: FAILED")
            if failures:
                queue.clear()
    return failures
