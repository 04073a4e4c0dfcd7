"""Benchmarks (``make bench``): the build against its floor, measured in the same run.

The floor of a notebook pipeline is a kernel start: one papermill run of an empty notebook. The
harness times, on a fresh copy of the tracked files (so the working tree is never touched):

* the floor, median of 3 runs: papermill running an empty notebook in a kernel started cold, with the
  build's kernel settings (IPC sockets, immediate shutdown);
* a clean build (``compendium build --force``, all notebooks) with no ``build/`` folder, as on a fresh
  clone (no timings yet to order the notebooks by), median of 3;
* a no-op build (``compendium build`` again, nothing changed: no kernel may start);
* the clean build again (now longest notebooks first), and with cold kernels for comparison, medians
  of 3; every build's CPU time (its whole process tree) against what the target allows;

* the peers -- what a user would otherwise run: the notebooks one by one, in order, with papermill's
  command line, and with ``jupyter nbconvert --to notebook --execute``; each repeat times a clean build,
  then papermill, then nbconvert (interleaved, so drift of the machine's speed hits all three alike),
  wall and CPU time of each whole process tree, medians of 3;

then the growth table (benchmarks/growth.py: the analysis on 10×, 100×, 1000× synthetic codings) and
any other ``benchmarks/bench_*.py`` script (each prints Markdown lines), and writes everything with the
ratios to ``benchmarks/RESULTS.md``. Targets: clean build ≤ 1.5 × (notebooks × floor); ≤ 0.35 × the
papermill command line; ≤ 1.15 × (its CPU-seconds ÷ cores); no-op build < 1 s. The clean builds are
sampled (benchmarks/busy.py) for the seconds in which a core had nothing of the build to run.

``python benchmarks/run.py --only build`` (``make bench ARGS="--only build"``) reruns the named sections
only -- ``build`` (floor, builds, peers), ``growth``, or a script's name (``bench_grading``) -- and
keeps the other sections of RESULTS.md as they were.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import papermill as pm

import busy
from compendium.build.kernels import KERNEL_SHUTDOWN, ipc_kernel_manager_class

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def floor_seconds(workdir: Path, repeats: int = 3) -> float:
    empty = workdir / "empty.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, empty)
    times = []
    for _ in range(repeats):
        # The build's kernel machinery (papermill, IPC sockets, immediate shutdown), with a kernel
        # started cold, as Jupyter starts it: the build's warm kernels are what is being measured.
        start = time.perf_counter()
        pm.execute_notebook(str(empty), str(workdir / "empty.out.ipynb"), kernel_name="python3",
                            progress_bar=False, shutdown_kernel=KERNEL_SHUTDOWN,
                            kernel_manager_class=ipc_kernel_manager_class(str(workdir)))
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def copy_tracked(dest: Path) -> None:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)
    for rel in filter(None, listed.stdout.decode().split("\0")):
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, dest / rel)


CPU = {}  # command -> CPU-seconds (user + system) of its whole process tree
BUSY = {}  # command -> busy.run's measures of its last sampled run


def timed_run(command: list[str], cwd: Path, env: dict) -> tuple[float, float]:
    """(wall, CPU) of one command's whole process tree, process start included."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def peer_commands(copy: Path, notebook: Path, out: Path) -> dict[str, list[str]]:
    """How a user would run one notebook without the build: papermill's command line (parameters
    left at the notebook's defaults, which name the project's folders) and nbconvert."""
    return {
        "papermill": [str(BIN / "papermill"), str(notebook), str(out / f"pm-{notebook.name}"),
                      "--cwd", str(copy / "notebooks"), "--kernel", "python3", "--no-progress-bar"],
        "nbconvert": [str(BIN / "jupyter"), "nbconvert", "--to", "notebook", "--execute",
                      "--ExecutePreprocessor.kernel_name=python3", "--output-dir", str(out),
                      "--output", f"nb-{notebook.name}", str(notebook)],
    }


def one_by_one(copy: Path, peer: str, out: Path) -> tuple[float, float]:
    """Every notebook in order with one peer tool: total (wall, CPU)."""
    env = {**os.environ, "COMPENDIUM_ROOT": str(copy), "PYTHONHASHSEED": "0"}
    wall = cpu = 0.0
    for nb in sorted((copy / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        w, c = timed_run(peer_commands(copy, nb, out)[peer], copy / "notebooks", env)
        wall, cpu = wall + w, cpu + c
    return wall, cpu


def timed_command(copy: Path, *args: str, sample: bool = False) -> float:
    """Wall time of one ``compendium`` command, process start included; its CPU time goes to CPU, and
    with ``sample`` busy.run's measures to BUSY."""
    env = {**os.environ, "COMPENDIUM_ROOT": str(copy)}
    if sample:
        BUSY[args] = busy.run([str(BIN / "compendium"), *args], copy, env)
        CPU[args] = BUSY[args]["cpu"]
        return BUSY[args]["wall"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([str(BIN / "compendium"), *args], cwd=copy, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU[args] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall


REPEATS = 3


def _median(runs: list[tuple[float, float]]) -> tuple[float, float]:
    """The run with the median wall time, as (wall, CPU)."""
    return sorted(runs)[len(runs) // 2]


def _all(runs) -> str:
    return ", ".join(f"{run[0]:.1f}" for run in runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", action="append", metavar="SECTION",
                        help="build, growth or a bench_*.py script's name; repeatable (default: all)")
    only = parser.parse_args().only
    sections = []
    if not only or "build" in only:
        sections.append(build_section())
    if not only or "growth" in only:
        sections.append(growth_section())
    for script in sorted(Path(__file__).parent.glob("bench_*.py")):
        if not only or script.stem in only:
            sections.append(script_section(script))
    results = Path(__file__).parent / "RESULTS.md"
    text = merge(results.read_text(encoding="utf-8") if only and results.exists() else "", sections)
    results.write_text(text, encoding="utf-8")
    print(text)
    return 0


def _blocks(text: str) -> list[str]:
    """Markdown text cut before each ``## `` heading (the first block: what precedes them)."""
    blocks = [""]
    for line in text.splitlines(keepends=True):
        if line.startswith("## "):
            blocks.append("")
        blocks[-1] += line
    return blocks


def merge(old: str, sections: list[list[str]]) -> str:
    """RESULTS.md with the sections just measured in place of the same-headed ones of ``old`` (new
    ones at the end; a section's lines before its first heading replace the file's preamble)."""
    blocks = _blocks(old) if old else [""]
    for lines in sections:
        new = _blocks("\n".join(lines) + "\n")
        if new[0].strip():
            blocks[0] = new[0]
        for block in new[1:]:
            heading = block.splitlines()[0]
            at = [i for i, b in enumerate(blocks) if b.splitlines()[:1] == [heading]]
            if at:
                blocks[at[0]] = block
            else:
                blocks.append(block)
    return "".join(b if b.endswith("\n\n") or not b else b.rstrip("\n") + "\n\n" for b in blocks).rstrip("\n") + "\n"


def build_section() -> list[str]:
    """The build against its floor and its peers, and where its time goes (Markdown lines)."""
    with tempfile.TemporaryDirectory(prefix="compendium-bench-") as tmp:
        tmp = Path(tmp)
        copy = tmp / "project"
        copy_tracked(copy)
        n = len(list((copy / "notebooks").glob("[0-9][0-9]_*.ipynb")))
        floor = floor_seconds(tmp)
        # This machine's speed drifts by ±15 % within minutes: every build is timed REPEATS times and
        # the median reported, with the CPU time of that median run.
        cleans, peers = [], {"papermill": [], "nbconvert": []}
        peer_out = tmp / "peer-outputs"
        peer_out.mkdir()
        for _ in range(REPEATS):  # as on a fresh clone: no timings to order the notebooks by
            shutil.rmtree(copy / "build", ignore_errors=True)
            cleans.append((timed_command(copy, "build", "--force", sample=True), CPU[("build", "--force")],
                           BUSY[("build", "--force")]))
            for peer in peers:  # interleaved with the clean builds
                peers[peer].append(one_by_one(copy, peer, peer_out))
        per_notebook = {name: entry["duration_s"] for name, entry in
                        json.loads((copy / "build" / "manifest.json").read_text())["notebooks"].items()}
        noop = timed_command(copy, "build")
        agains = [(timed_command(copy, "build", "--force"), CPU[("build", "--force")])
                  for _ in range(REPEATS)]  # timings known: longest notebooks first
        colds = [(timed_command(copy, "build", "--force", "--cold-kernels"),
                  CPU[("build", "--force", "--cold-kernels")]) for _ in range(REPEATS)]
        validate = timed_command(copy, "validate")
    clean, cpu_clean, clean_busy = sorted(cleans, key=lambda run: run[0])[len(cleans) // 2]
    (again, _), (cold, cpu_cold) = (_median(runs) for runs in (agains, colds))
    (pm_wall, pm_cpu), (nbc_wall, nbc_cpu) = _median(peers["papermill"]), _median(peers["nbconvert"])
    budget = 1.5 * n * floor
    cores = os.cpu_count() or 1
    lines = [
        "# Benchmark results",
        "",
        "Written by `make bench` (benchmarks/run.py); every figure below comes from one run on the machine named.",
        "",
        f"- machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        f"- notebooks: {n}",
        "",
        "## Build against the floor",
        "",
        "| measure | seconds | ratio | target |",
        "|---|---|---|---|",
        f"| floor: papermill run of an empty notebook (median of 3) | {floor:.2f} | 1.00 × floor | — |",
        f"| clean build, all {n} notebooks (`compendium build --force`; median of {REPEATS}: {_all(cleans)}) | {clean:.2f} | "
        f"{clean / floor:.2f} × floor = {clean / (n * floor):.2f} × (notebooks × floor) | ≤ 1.5 × (notebooks × floor) = {budget:.2f} s |",
        f"| clean build again, longest notebooks first (`--force` with the timings of the run above; "
        f"median of {REPEATS}: {_all(agains)}) | "
        f"{again:.2f} | {again / (n * floor):.2f} × (notebooks × floor) | same |",
        f"| for comparison: clean build with cold kernels (`--force --cold-kernels`; median of {REPEATS}: "
        f"{_all(colds)}) | {cold:.2f} | "
        f"{cold / (n * floor):.2f} × (notebooks × floor) | — |",
        f"| no-op build (nothing changed, no kernel started) | {noop:.3f} | {noop / floor:.3f} × floor | < 1 s |",
        f"| `compendium validate` of all coded data (process start included) | {validate:.2f} | "
        f"{validate / floor:.2f} × floor | — |",
        "",
        f"CPU time of the whole process tree (build, workers, kernel server, kernels): clean build "
        f"{cpu_clean:.1f} CPU-s, with cold kernels {cpu_cold:.1f} CPU-s. The target's wall time on "
        f"{cores} cores allows at most {budget * cores:.1f} CPU-s, and only if every core is busy "
        f"from start to end.",
        "",
    ]
    cpu_floor = cpu_clean / cores
    lines += [
        "## Against what a user would otherwise run", "",
        f"Each repeat: a clean build, then the {n} notebooks one by one with papermill's command line, then with "
        "`jupyter nbconvert --execute` (interleaved; medians of 3, wall and CPU of each whole process tree).", "",
        "| run | wall s | CPU s | clean build ÷ this | target |", "|---|---|---|---|---|",
        f"| clean build (`compendium build --force`; {_all(cleans)}) | {clean:.2f} | {cpu_clean:.1f} | 1.00 | — |",
        f"| papermill CLI, one notebook after another ({_all(peers['papermill'])}) | {pm_wall:.2f} | {pm_cpu:.1f} | "
        f"{clean / pm_wall:.2f} | ≤ 0.35 |",
        f"| `jupyter nbconvert --execute`, one after another ({_all(peers['nbconvert'])}) | {nbc_wall:.2f} | "
        f"{nbc_cpu:.1f} | {clean / nbc_wall:.2f} | — |",
        f"| the build's CPU-seconds ÷ {cores} cores (the least wall time its work can take here) | "
        f"{cpu_floor:.2f} | — | {clean / cpu_floor:.2f} | ≤ 1.15 |",
        "",
        f"Idle cores in the clean builds (sampled every {busy.INTERVAL * 1000:.0f} ms): "
        + "; ".join(f"{b['wall']:.1f} s wall, {b['cpu']:.1f} CPU-s, at most one process of the build runnable "
                    f"for {b['one']:.1f} s and none for {b['none']:.1f} s (load average {b['load']:.1f})"
                    for _, _, b in cleans)
        + f". Measured on a machine the build has to itself, the ratio is what the target means; with a "
        f"load average above {cores}, every process also waits for a core, so the wall time and the ratio "
        "stretch, and the idle seconds are lower bounds (a process waiting for a core counts as runnable).",
        "",
    ]
    lines += ["## Where a clean build spends its time", "",
              "Each notebook's run in the clean build above (kernel start, imports and work; two run at once).", "",
              "| notebook | seconds | ratio to floor |", "|---|---|---|"]
    lines += [f"| {name} | {sec:.2f} | {sec / floor:.1f} × |" for name, sec in sorted(per_notebook.items())]
    lines += [f"| sum | {sum(per_notebook.values()):.2f} | {sum(per_notebook.values()) / floor:.1f} × |", ""]
    return lines


def growth_section() -> list[str]:
    """benchmarks/growth.py's table: the analysis on synthetic codings 10×, 100×, 1000× the real one."""
    growth = subprocess.run([sys.executable, str(Path(__file__).with_name("growth.py"))], cwd=ROOT,
                            capture_output=True, text=True)
    return (growth.stdout.strip().splitlines() if growth.returncode == 0
            else ["## Growth", "", f"FAILED (exit {growth.returncode}): {growth.stderr.strip().splitlines()[-1:]}"])


def script_section(script: Path) -> list[str]:
    """A ``bench_*.py`` script's Markdown lines under a heading of its name."""
    out = subprocess.run([sys.executable, str(script)], cwd=ROOT, capture_output=True, text=True)
    return [f"## {script.stem}", "", *(out.stdout.strip().splitlines() if out.returncode == 0 else [
        f"FAILED (exit {out.returncode}): {out.stderr.strip().splitlines()[-1:]}"])]


if __name__ == "__main__":
    raise SystemExit(main())
