"""The clock moved years ahead with libfaketime, for the any-day reproducibility checks: nbval's kernels
(the project's conftest.py) and the check that a build's moved clock reaches its kernels
(test_pipeline.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
import time

# Years ahead of any commit: an artefact that carries the day it was built cannot match the committed one.
# An absolute date computed from this process's clock, so the check means the same when the whole suite
# already runs under a moved clock.
LATER_YEARS = 7

MISSING = ("the any-day reproducibility checks need libfaketime: run tools/install-system-packages "
           "as root, or install the Debian/Ubuntu package 'faketime'")


def later() -> time.struct_time:
    now = time.gmtime()
    return time.struct_time((now.tm_year + LATER_YEARS, *now[1:]))


def without_faketime(env=None) -> dict[str, str]:
    """``env`` (default: this process's) without an outer libfaketime, which would move an inner one again."""
    env = os.environ if env is None else env
    return {k: v for k, v in env.items() if k != "LD_PRELOAD" and not k.startswith("FAKETIME")}


def faketime_command(*command) -> list[str]:
    """``command`` under libfaketime (Debian package ``faketime``, installed by the project's set-up):
    the clock is set ahead through LD_PRELOAD and FAKETIME, which every child inherits, so a build,
    its workers, the warm kernel server and each kernel all see the later date. Run it with
    :func:`without_faketime`'s environment."""
    faketime = shutil.which("faketime")
    assert faketime, MISSING
    then = later()
    day = min(then.tm_mday, 28)  # 29 February seven years on may not exist
    return [faketime, f"{then.tm_year:04d}-{then.tm_mon:02d}-{day:02d} 12:00:00", *command]


def faketime_env() -> dict[str, str] | None:
    """The variables that put a process on the later clock (``LD_PRELOAD`` and ``FAKETIME``, as the
    ``faketime`` command sets them), or None without libfaketime. For a process started by someone
    else -- a Jupyter kernel -- where a command cannot be wrapped."""
    if not shutil.which("faketime"):
        return None
    done = subprocess.run(faketime_command("env", "-0"), env=without_faketime(), capture_output=True,
                          check=True)
    pairs = dict(item.split("=", 1) for item in done.stdout.decode().split("\0") if "=" in item)
    # FAKETIME_SHARED names the command's own semaphores, gone when it exits; the offset is enough.
    return {key: pairs[key] for key in ("LD_PRELOAD", "FAKETIME")}
