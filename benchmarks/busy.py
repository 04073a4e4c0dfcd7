"""How busy a command keeps the cores: run it and sample its process tree every 50 ms.

Besides wall and CPU time, it counts the seconds in which at most one thread of the tree was runnable
(one core idle, on two) and in which none was (both idle: the tree only waited). On a machine shared with
other work these are lower bounds: a thread waiting for a core counts as runnable. A sample reads every
/proc/PID/stat once (about 1.5 ms for a hundred processes)."""

from __future__ import annotations

import os
import resource
import subprocess
import time
from pathlib import Path

INTERVAL = 0.05


def _stats() -> dict[int, tuple[int, str]]:
    """Every process: pid -> (parent pid, state)."""
    out = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rfind(")") + 2:].split()
            out[int(entry.name)] = (int(fields[1]), fields[0])
    return out


def _runnable(root: int) -> int:
    """Runnable processes (state R) among ``root`` and its descendants. A process's state is its main
    thread's: the build's processes compute on their main threads."""
    stats = _stats()
    children: dict[int, list[int]] = {}
    for pid, (parent, _) in stats.items():
        children.setdefault(parent, []).append(pid)
    count, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        count += stats.get(pid, (0, ""))[1] == "R"
    return count


def run(command: list[str], cwd: Path, env: dict) -> dict:
    """Run ``command``; returns wall and CPU seconds (whole tree), the seconds with at most one and with
    no runnable process, and the load average (1 min) when it ended."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = last = time.perf_counter()
    one = none = 0.0
    proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while proc.poll() is None:
        runnable = _runnable(proc.pid)
        now = time.perf_counter()
        one += (now - last) if runnable <= 1 else 0.0
        none += (now - last) if runnable == 0 else 0.0
        last = now
        time.sleep(INTERVAL)
    wall = time.perf_counter() - start
    if proc.returncode:
        raise subprocess.CalledProcessError(proc.returncode, command)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall": wall, "cpu": cpu, "one": one, "none": none, "load": os.getloadavg()[0]}
