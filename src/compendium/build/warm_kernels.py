"""Warm kernels: the build's notebook kernels, forked from one process that has done the imports.

Why
---
A fresh Jupyter kernel spends about a second starting Python, IPython and ipykernel, and then each
notebook spends another second or two importing pandas, matplotlib and networkx -- in every one of
the seven notebooks, more than most of them spend on their own work. ``compendium build`` therefore
starts one *kernel server* per build that imports all of that once, and forks each notebook's
kernel from it (the pre-fork pattern of web servers; Android's "zygote"). Every kernel is still a
process of its own, with its own memory and a fresh IPython shell: nothing one notebook does
reaches another, and a notebook runs exactly as it would in a cold kernel. The test suite checks
that: nbval re-runs every notebook in an ordinary cold kernel, compares its outputs with the
committed (warm-built) ones and the tables and figures it writes with the committed files, byte for
byte (the project's ``conftest.py``); ``tests/test_warm_kernels.py`` compares the kernels themselves.

How it plugs into Jupyter
-------------------------
Nothing in papermill, nbclient or jupyter_client changes. :mod:`compendium.build.kernels` asks
jupyter_client to launch, as "the kernel", a small stdlib-only launcher (``_kernel_launcher.py``,
started in a few milliseconds). The launcher hands the server its arguments, working folder,
environment and standard streams over a Unix socket; the server forks, the child becomes the
kernel, and the launcher relays signals to it and exits with its exit status. If the launcher is
killed, the server kills its kernel.

Run the server by hand with ``python -m compendium.build.warm_kernels SOCKET``; the build does it for you
(``compendium build --cold-kernels`` runs without it).
"""

from __future__ import annotations

import atexit
import importlib
import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import traceback
from contextlib import contextmanager
from pathlib import Path

from compendium.build._kernel_launcher import HEADER, READS_ENV, READS_UNDER_ENV, recv_exact, record_reads

LAUNCHER = Path(__file__).with_name("_kernel_launcher.py")
#: Unset, the server preloads everything below; ``"first"``, all but PRELOAD_LATER and LIBRARY_LATER
#: (the build's choice when none of the notebooks it runs imports LIBRARY_LATER: ``make`` after an edit
#: that reruns a few notebooks); ``"0"``, nothing, so each kernel is a cold one forked (a test hook, see
#: :func:`serve`).
PRELOAD_ENV = "COMPENDIUM_KERNEL_PRELOAD"

#: Imported once by the server, so that no notebook pays for them. A module missing here is not an
#: error: the notebook that needs it imports it (and fails visibly if it cannot).
PRELOAD = (
    "ipykernel.kernelapp", "ipykernel.ipkernel", "IPython", "numpy", "pandas", "matplotlib",
    "matplotlib.pyplot", "networkx", "scipy.stats",
)
#: Imported after the server has begun to fork kernels, between requests: what only the grading
#: notebook uses (agreement statistics, the assignments' YAML, notebook submissions). The first
#: kernels -- the longest notebooks, which do not grade -- need not wait for them; a kernel forked
#: before they are loaded imports what it uses itself, as a cold kernel would. (scipy.stats stays in
#: PRELOAD: the network and claims notebooks, which start first, use it, and importing it twice
#: costs more than waiting for it once.)
PRELOAD_LATER = ("sklearn.metrics", "krippendorff", "yaml", "nbformat", "papermill")
#: Library packages imported with PRELOAD_LATER (they import those modules).
LIBRARY_LATER = ("compendium.grading",)


def preload() -> list[str]:
    """Import the scientific stack and the whole library; returns the modules that failed."""
    return _import(preload_first() + preload_later())


def preload_first() -> list[str]:
    """Prepare the import of the modules every kernel needs; returns their names (see :func:`_import`)."""
    # What ipykernel itself would set before the first matplotlib import in a kernel.
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    # pandas picks its display defaults at import, by asking whether it runs in a Jupyter kernel
    # (``get_ipython().kernel``); answer as the kernel will, or tables print differently.
    import builtins

    builtins.get_ipython = lambda: _KernelLike
    try:
        import pandas  # noqa: F401
    finally:
        del builtins.get_ipython
    # ipykernel's debugger asks platform.platform() at start, which runs `uname -p` once per process:
    # asked here, the answer is cached for every kernel (which then starts no program of its own, so
    # the build can tell which data files it reads -- see compendium.build._kernel_launcher.record_reads).
    import platform

    platform.platform()
    return list(PRELOAD) + [name for name in _library() if not name.startswith(LIBRARY_LATER)]


def needs_later(library_files) -> bool:
    """Whether a notebook that imports these library files (paths ``src/compendium/...``) uses what the
    server imports later (LIBRARY_LATER, and with it PRELOAD_LATER)."""
    prefixes = tuple("src/" + name.replace(".", "/") + "/" for name in LIBRARY_LATER)
    return any(str(rel).startswith(prefixes) for rel in library_files)


def preload_later() -> list[str]:
    """The names imported once kernels are being forked."""
    return list(PRELOAD_LATER) + [name for name in _library() if name.startswith(LIBRARY_LATER)]


def _library() -> list[str]:
    import pkgutil

    import compendium

    return [m.name for m in pkgutil.walk_packages(compendium.__path__, "compendium.") if m.name != __name__]


def _import(names: list[str]) -> list[str]:
    """Import each module; returns those that failed."""
    failed = []
    for name in names:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 -- see PRELOAD
            failed.append(name)
    return failed


class _KernelLike:
    kernel = True


def _read_request(conn: socket.socket) -> tuple[dict, list[int]]:
    """A launcher's request (JSON: argv, cwd, env) and the three standard-stream fds it passed."""
    msg, fds, _flags, _addr = socket.recv_fds(conn, 1 << 20, 3)
    if len(msg) < HEADER.size:
        raise ConnectionError("short request")
    (size,) = HEADER.unpack(msg[: HEADER.size])
    body = msg[HEADER.size:]
    if len(body) < size:
        body += recv_exact(conn, size - len(body))
    return json.loads(body), fds


def _become_kernel(request: dict, fds: list[int], close: list) -> None:
    """In the forked child: turn into the kernel the launcher asked for, then exit."""
    code = 1
    try:
        for thing in close:
            thing.close() if hasattr(thing, "close") else os.close(thing)
        signal.set_wakeup_fd(-1)
        for sig in (signal.SIGCHLD, signal.SIGTERM):
            signal.signal(sig, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        os.setsid()  # like jupyter_client's own launches: the terminal's Ctrl-C is not for kernels
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        if request["env"].get(READS_ENV):  # the build asks which data files the notebook reads
            try:
                record_reads(request["env"][READS_ENV], request["env"][READS_UNDER_ENV])
            except OSError:
                pass  # no log: the build counts every data file as read
        argv = list(request["argv"])
        # ipykernel read JPY_PARENT_PID when the server imported it; give the launcher's.
        if request["env"].get("JPY_PARENT_PID"):
            argv.append(f"--IPKernelApp.parent_handle={int(request['env']['JPY_PARENT_PID'])}")
        sys.argv = [importlib.import_module("ipykernel_launcher").__file__, *argv]
        from ipykernel.kernelapp import IPKernelApp

        IPKernelApp.launch_instance(argv=argv)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # noqa: BLE001 -- the child must never return into the server's loop
        traceback.print_exc()
    finally:
        try:
            atexit._run_exitfuncs()
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def serve(path: str, ready=None) -> None:
    """Listen on the Unix socket ``path`` and fork a kernel for every launcher that connects.

    The socket is bound before the (slow) preloading, so launchers may connect at once; they wait
    in the backlog until the server is warm. ``ready``, if given, is written to standard output once
    the socket listens. Stops on SIGTERM, or when the process that started it has gone (a build
    killed outright must not leave a server behind), killing the kernels it still has."""
    parent = os.getppid()
    if sys.path and sys.path[0] in ("", os.getcwd()):
        del sys.path[0]  # as ipykernel_launcher does; the kernel puts the notebook's folder back
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    if ready:
        print(ready, flush=True)
    # Only the build stops the server (SIGTERM); its kernels get Python's usual SIGINT handling back.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # COMPENDIUM_KERNEL_PRELOAD=0 (a test hook): import nothing ahead, so each kernel is a cold one
    # forked; for tests of the server's life cycle, which need no scientific stack.
    preload = os.environ.get(PRELOAD_ENV)
    if preload != "0":
        _import(preload_first())
    later = [] if preload in ("0", "first") else preload_later()

    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))

    sel = selectors.DefaultSelector()
    sel.register(listener, selectors.EVENT_READ, "accept")
    sel.register(wake_r, selectors.EVENT_READ, "signal")
    kernels: dict[int, socket.socket] = {}
    try:
        while not stopping and os.getppid() == parent:
            events = sel.select(timeout=0 if later else 1.0)
            if not events and later:
                _import([later.pop(0)])  # nothing to serve: warm up further
            for key, _ in events:
                if key.data == "accept":
                    conn, _ = listener.accept()
                    try:
                        request, fds = _read_request(conn)
                    except (OSError, ValueError):
                        conn.close()
                        continue
                    pid = os.fork()
                    if pid == 0:
                        _become_kernel(request, fds, [sel, listener, wake_r, wake_w, conn,
                                                      *kernels.values()])
                    for fd in fds:
                        os.close(fd)
                    conn.sendall(HEADER.pack(pid))
                    kernels[pid] = conn
                    sel.register(conn, selectors.EVENT_READ, pid)
                elif key.data == "signal":
                    os.read(wake_r, 4096)
                    _reap(kernels, sel)
                else:  # a launcher's connection: readable only when the launcher is gone
                    pid = key.data
                    if not key.fileobj.recv(1):
                        sel.unregister(key.fileobj)
                        _kill(pid)
    finally:
        for pid in list(kernels):
            _kill(pid)
        listener.close()


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _reap(kernels: dict, sel: selectors.BaseSelector) -> None:
    """Collect exited kernels and tell each one's launcher how it ended."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        conn = kernels.pop(pid, None)
        if conn is None:
            continue
        code = os.waitstatus_to_exitcode(status)
        try:
            conn.sendall(HEADER.pack(code if code >= 0 else 128 - code))
        except OSError:
            pass
        try:
            sel.unregister(conn)
        except (KeyError, ValueError):
            pass
        conn.close()


@contextmanager
def kernel_server(env: dict | None = None):
    """Run a kernel server for the duration of the ``with`` block; yields its socket path, for
    :func:`compendium.build.kernels.ipc_kernel_manager_class`."""
    folder = tempfile.mkdtemp(prefix="compendium-kernels-")  # mode 0700: only this user may connect
    path = os.path.join(folder, "server")
    proc = subprocess.Popen(
        [sys.executable, "-m", "compendium.build.warm_kernels", path],
        stdout=subprocess.PIPE, env={**os.environ, **(env or {})}, start_new_session=True,
    )
    try:
        line = proc.stdout.readline()
        if line.strip() != b"listening":
            raise RuntimeError(f"the kernel server did not start (exit code {proc.wait()})")
        yield path
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        Path(path).unlink(missing_ok=True)
        os.rmdir(folder)


def launcher_command(kernel_cmd: list[str], server: str) -> list[str]:
    """The kernel command with ``python -m ipykernel_launcher`` replaced by the launcher."""
    try:
        at = kernel_cmd.index("ipykernel_launcher")
    except ValueError:
        return kernel_cmd  # not an ipykernel: start it as usual
    return [sys.executable, "-I", "-S", str(LAUNCHER), server, *kernel_cmd[at + 1:]]


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m compendium.build.warm_kernels SOCKET_PATH")
    serve(sys.argv[1], ready="listening")
    os._exit(0)  # its kernels are stopped; tearing down the preloaded modules would only cost time
