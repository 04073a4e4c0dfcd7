"""Running an untrusted student notebook.

Contract: run top to bottom from its own folder, the notebook must write ``submission.csv`` in its
working folder; that file is then graded exactly like a CSV submission. The grader's checks live outside
the notebook and never reach its kernel.

Each notebook runs in its own process (``python -m compendium.grading.sandbox``, which drives the kernel
with nbclient) inside a fresh temporary folder::

    TMP/data/         a copy of the compendium's data/, minus the assignment's ``withhold`` paths
    TMP/notebooks/    the notebook (cwd; ``../data`` works as in the compendium), submission.csv
    TMP/home/         HOME, IPython and Jupyter runtime folders

Limits, set in the child before it starts (``preexec_fn``) and inherited by its kernel:

* memory: ``RLIMIT_AS`` (default 2 GB) -- a memory bomb gets MemoryError or a dead kernel → ``error``;
* time: nbclient's per-cell timeout (→ ``timeout``) and a per-notebook wall clock enforced by the parent,
  which kills the child and its kernel by process id (→ ``timeout``);
* files: ``RLIMIT_FSIZE`` (default 64 MB per file), ``RLIMIT_NPROC`` against fork bombs, ``RLIMIT_CORE`` 0;
* identity: when the grader runs as root the child drops to the ``nobody`` user (keeping only the
  capability to *read* any file, so that an interpreter installed under a private folder still runs), and
  the temporary folder is the only place it may write -- a notebook that deletes files (even by absolute path, even through
  ``compendium.paths``) cannot touch the instructor's copy. Run as an ordinary user, the grader can only
  point the notebook at its copy (cwd, ``COMPENDIUM_ROOT``); use a container or root for hostile classes.

The child reports to the parent through a private pipe (not a file the notebook could forge). The
notebook's outputs and tracebacks are not copied into feedback beyond the exception's name and message.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

NOBODY = 65534
SUBMISSION = "submission.csv"
MAX_SUBMISSION_BYTES = 2_000_000


@dataclass(frozen=True)
class Limits:
    cell_timeout: float = 30.0
    notebook_timeout: float = 120.0
    memory_mb: int = 2048
    file_mb: int = 64
    nproc: int = 4096
    startup_timeout: float = 60.0

    def key(self) -> str:
        return json.dumps(self.__dict__, sort_keys=True)


@dataclass
class NotebookRun:
    status: str  # ok | timeout | error
    message: str
    submission: bytes | None
    runtime_s: float


def _preexec(limits: Limits, drop: bool):
    def apply():
        import resource

        mem = limits.memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
        fsize = limits.file_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if drop:
            resource.setrlimit(resource.RLIMIT_NPROC, (limits.nproc, limits.nproc))
            _become_nobody()
        os.umask(0o077)
    return apply


def _become_nobody() -> None:
    """Switch to the ``nobody`` user, keeping one capability: CAP_DAC_READ_SEARCH (read and traverse any
    folder, write none) as an *ambient* capability, so that the child and its kernel can still read the
    interpreter and the libraries wherever they are installed (e.g. under a 0700 /root), while the only
    place they can write is the sandbox that belongs to ``nobody``."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_keepcaps, pr_cap_ambient, pr_cap_ambient_raise, cap_dac_read_search = 8, 47, 2, 2
    if libc.prctl(pr_set_keepcaps, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_KEEPCAPS)")
    os.setgroups([])
    os.setgid(NOBODY)
    os.setuid(NOBODY)

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                    ("inheritable", ctypes.c_uint32)]

    bit = 1 << cap_dac_read_search
    header = Header(0x20080522, 0)
    data = (Data * 2)(Data(bit, bit, bit), Data(0, 0, 0))
    if libc.capset(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capset")
    if libc.prctl(pr_cap_ambient, pr_cap_ambient_raise, cap_dac_read_search, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_CAP_AMBIENT_RAISE)")


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read().decode(errors="replace")
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        for c in children.get(p, []):
            out.append(c)
            todo.append(c)
    return out


def _kill_tree(proc: subprocess.Popen) -> None:
    """Kill the child and every process it started (its kernel runs in a session of its own)."""
    pids = _descendants(proc.pid)
    for pid in [proc.pid, *pids]:
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass


def _copy_data(src: Path, dest: Path, withhold: list[str]) -> None:
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns("__pycache__", ".cache"))
    for rel in withhold:
        target = (dest / rel).resolve()
        if dest.resolve() not in target.parents:
            continue
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()


def _read_submission(folder: Path) -> tuple[bytes | None, str]:
    """Read submission.csv without following links (it is written by untrusted code)."""
    path = folder / SUBMISSION
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        return None, f"the notebook ran but wrote no `{SUBMISSION}` in its working folder"
    except OSError:
        return None, f"`{SUBMISSION}` is not a regular file (a link?): write the CSV itself"
    try:
        import stat as st

        info = os.fstat(fd)
        if not st.S_ISREG(info.st_mode):
            return None, f"`{SUBMISSION}` is not a regular file: write the CSV itself"
        if info.st_size > MAX_SUBMISSION_BYTES:
            return None, f"`{SUBMISSION}` is {info.st_size} bytes: far too large for a coding table"
        return os.read(fd, MAX_SUBMISSION_BYTES + 1), ""
    finally:
        os.close(fd)


def run_notebook(notebook: Path | str, data_src: Path | str, limits: Limits = Limits(),
                 withhold: list[str] | None = None) -> NotebookRun:
    """Run one notebook in a fresh sandbox; return its status and the bytes of its submission.csv."""
    started = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="grade-nb-"))
    drop = os.geteuid() == 0
    try:
        _copy_data(Path(data_src), tmp / "data", withhold or [])
        work, home = tmp / "notebooks", tmp / "home"
        work.mkdir()
        home.mkdir()
        shutil.copyfile(notebook, work / "submission.ipynb")
        if drop:
            for dirpath, dirnames, filenames in os.walk(tmp):
                os.chown(dirpath, NOBODY, NOBODY)
                for f in filenames:
                    os.chown(os.path.join(dirpath, f), NOBODY, NOBODY)
            os.chmod(tmp, 0o755)
        env = {
            "PATH": os.path.dirname(sys.executable) + ":/usr/bin:/bin",
            "HOME": str(home), "IPYTHONDIR": str(home / ".ipython"),
            "JUPYTER_RUNTIME_DIR": str(home / "runtime"), "JUPYTER_DATA_DIR": str(home / "jupyter"),
            "JUPYTER_CONFIG_DIR": str(home / "jupyter-config"), "MPLCONFIGDIR": str(home / "mpl"),
            "COMPENDIUM_ROOT": str(tmp), "MPLBACKEND": "Agg", "PYTHONDONTWRITEBYTECODE": "1",
            "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
            "MALLOC_ARENA_MAX": "2", "LANG": "C.UTF-8", "TMPDIR": str(home),
        }
        read_fd, write_fd = os.pipe()
        cmd = [sys.executable, "-m", "compendium.grading.sandbox", str(work / "submission.ipynb"),
               str(write_fd), str(limits.cell_timeout), str(limits.startup_timeout)]
        try:
            proc = subprocess.Popen(cmd, cwd=work, env=env, pass_fds=(write_fd,), start_new_session=True,
                                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL, preexec_fn=_preexec(limits, drop))
        finally:
            os.close(write_fd)
        try:
            proc.wait(timeout=limits.notebook_timeout)
            timed_out = False
        except subprocess.TimeoutExpired:
            timed_out = True
        _kill_tree(proc)
        os.set_blocking(read_fd, False)
        try:
            raw = os.read(read_fd, 1_000_000)
        except BlockingIOError:
            raw = b""
        finally:
            os.close(read_fd)
        runtime = time.perf_counter() - started
        if timed_out:
            return NotebookRun("timeout", f"the notebook ran longer than the limit of "
                               f"{limits.notebook_timeout:g} s in all: look for an endless loop", None, runtime)
        try:
            report = json.loads(raw.decode("utf-8")) if raw else None
        except (UnicodeDecodeError, json.JSONDecodeError):
            report = None
        if report is None:
            return NotebookRun("error", "the notebook's process died (memory limit of "
                               f"{limits.memory_mb} MB exceeded, or it killed itself)", None, runtime)
        if report["status"] != "ok":
            return NotebookRun(report["status"], report["message"], None, runtime)
        data, problem = _read_submission(work)
        if data is None:
            return NotebookRun("error", problem, None, runtime)
        return NotebookRun("ok", "", data, runtime)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# ------------------------------------------------------------------------------------------ the child
def _child(notebook: str, fd: int, cell_timeout: float, startup_timeout: float) -> int:
    out = os.fdopen(fd, "w", encoding="utf-8")

    def report(status: str, message: str) -> int:
        out.write(json.dumps({"status": status, "message": message}))
        out.close()
        return 0

    try:
        import nbformat
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
    except Exception as err:  # pragma: no cover - environment broken
        return report("error", f"grader could not start ({type(err).__name__})")
    try:
        nb = nbformat.read(notebook, as_version=4)
    except Exception as err:
        return report("error", f"the file is not a readable Jupyter notebook ({type(err).__name__}): "
                               "hand in the .ipynb saved by Jupyter")
    current = {"index": None, "peak_kb": 0}

    def watch(pid: int) -> None:  # the kernel's peak address space (VmPeak), polled until it exits
        import threading

        def poll():
            while True:
                try:
                    with open(f"/proc/{pid}/status") as fh:
                        for line in fh:
                            if line.startswith("VmPeak:"):
                                current["peak_kb"] = max(current["peak_kb"], int(line.split()[1]))
                except (OSError, ValueError):
                    return
                time.sleep(0.1)

        threading.Thread(target=poll, daemon=True).start()

    def on_start(cell, cell_index, **_):
        if current["index"] is None:
            pid = getattr(getattr(client.km, "provisioner", None), "pid", None)
            if pid:
                watch(pid)
        current["index"] = cell_index

    def out_of_memory() -> bool:  # a memory bomb can leave the kernel too short of memory to reply
        import resource

        limit = resource.getrlimit(resource.RLIMIT_AS)[0]
        return limit != resource.RLIM_INFINITY and current["peak_kb"] * 1024 >= 0.9 * limit

    from compendium.kernels import KERNEL_SHUTDOWN, ipc_kernel_manager_class

    # Unix sockets, not TCP ports: two workers starting kernels at once cannot race for a port.
    sockets = tempfile.mkdtemp(prefix=".kernel-", dir=os.getcwd())
    client = NotebookClient(nb, timeout=cell_timeout, startup_timeout=int(startup_timeout),
                            kernel_manager_class=ipc_kernel_manager_class(sockets),
                            kernel_name="python3", allow_errors=False, record_timing=False,
                            resources={"metadata": {"path": os.getcwd()}}, on_cell_start=on_start,
                            shutdown_kernel=KERNEL_SHUTDOWN)
    code_cells = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]

    def where() -> str:
        i = current["index"]
        return f"code cell {code_cells.index(i) + 1}" if i in code_cells else "a cell"

    try:
        client.execute()
    except CellTimeoutError:
        if out_of_memory():
            return report("error", f"{where()} ran out of memory (the memory limit was reached): keep the "
                                   "notebook within the memory limit")
        return report("timeout", f"{where()} ran longer than the limit of {cell_timeout:g} s per cell: "
                                 "look for an endless loop or a very slow step")
    except DeadKernelError:
        return report("error", f"the kernel died in {where()} (memory limit exceeded, or the process was "
                               "killed): keep the notebook within the memory limit")
    except CellExecutionError as err:
        ename = getattr(err, "ename", "Error")
        evalue = str(getattr(err, "evalue", ""))[:200]
        if ename == "MemoryError":
            return report("error", f"{where()} ran out of memory (MemoryError): keep within the memory limit")
        return report("error", f"{where()} raised {ename}: {evalue} -- run the notebook top to bottom "
                               "(Kernel → Restart & Run All) before handing it in")
    except Exception as err:
        return report("error", f"the notebook could not be run ({type(err).__name__}: {str(err)[:200]})")
    return report("ok", "")


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])))
