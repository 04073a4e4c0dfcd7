"""A fork server for the grader's notebook clients.

Every notebook submission is run by a *client* process outside its sandbox (nbclient, which sends the
cells to the sandboxed kernel; :mod:`compendium.grading.sandbox`). Started as a fresh interpreter, a
client spent about 0.3 CPU-seconds importing nbclient, jupyter_client, nbformat and the compendium --
some 40 % of all a sandboxed notebook costs. So the grader starts, once per process and on first need,
a small single-threaded *server* that imports them once and forks a client per notebook (a fork costs
milliseconds). It is :mod:`multiprocessing`'s "forkserver" idea without its re-import of the caller's
``__main__``, which would rerun an instructor's unguarded grading script in every client. Forking the
grader itself would be unsafe: it runs threads, whose locks a forked child can inherit held.

The grader hands the server a function, its arguments and a file descriptor (the client's private report
pipe) over a Unix socket; the server forks, passes the descriptor on and answers with the client's pid
and a pidfd (Linux ≥ 5.3), on which the grader waits and which it signals without any risk of hitting a
recycled pid. The server ends when the grader does (its socket closes).
"""

from __future__ import annotations

import atexit
import importlib
import os
import pickle
import select
import signal
import socket
import subprocess
import sys
import threading

from compendium.build._kernel_launcher import recv_exact

#: what every client needs: imported once by the server
PRELOAD = ("compendium.grading.sandbox", "compendium.build.kernels", "nbformat", "nbclient", "jupyter_client")

_lock = threading.Lock()
_server: tuple[subprocess.Popen, socket.socket] | None = None


def start(target, args: tuple, fd: int) -> tuple[int, int]:
    """Fork a client that runs ``target(*args, fd)`` (``target``: a module-level function; its return
    value is the exit code). Returns the client's pid and a pidfd for it (the caller closes it)."""
    global _server
    payload = pickle.dumps((target, args))
    with _lock:
        for attempt in (1, 2):  # a server that died (killed by hand?) is replaced once
            if _server is None or _server[0].poll() is not None:
                _server = _start_server()
            sock = _server[1]
            try:
                socket.send_fds(sock, [b"r"], [fd])
                sock.sendall(len(payload).to_bytes(8, "big") + payload)
                reply, fds, _flags, _addr = socket.recv_fds(sock, 32, 1)
                if reply and fds:
                    return int(reply.decode()), fds[0]
            except OSError:
                if attempt == 2:
                    raise
            _stop()
    raise RuntimeError("the notebook clients' fork server does not answer")


def wait(pidfd: int, timeout: float | None) -> bool:
    """Wait up to ``timeout`` seconds for the client to end; whether it did."""
    return bool(select.select([pidfd], [], [], timeout)[0])


def kill(pidfd: int) -> None:
    """SIGKILL the client (if it still runs: a pidfd never names a recycled pid)."""
    try:
        signal.pidfd_send_signal(pidfd, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _start_server() -> tuple[subprocess.Popen, socket.socket]:
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    code = f"from compendium.grading.clients import serve; serve({theirs.fileno()})"
    # a session of its own: a Ctrl-C meant for the grader does not kill the server under a running client
    proc = subprocess.Popen([sys.executable, "-c", code], pass_fds=(theirs.fileno(),), start_new_session=True,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    theirs.close()
    return proc, ours


@atexit.register
def _stop() -> None:
    global _server
    if _server is not None:
        proc, sock = _server
        _server = None
        sock.close()  # the server reads the end of its socket and quits
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def serve(fd: int) -> None:
    """The server's loop (its own process): fork a client per request until the grader goes."""
    for module in PRELOAD:
        importlib.import_module(module)
    sock = socket.socket(fileno=fd)
    while True:
        try:
            msg, fds, _flags, _addr = socket.recv_fds(sock, 1, 1)
            if not msg or not fds:
                return
            target, args = pickle.loads(recv_exact(sock, int.from_bytes(recv_exact(sock, 8), "big")))
        except OSError:  # recv_exact's ConnectionError included: the grader hung up
            return
        pid = os.fork()
        if pid == 0:  # the client: never returns into this loop
            code = 1
            try:
                sock.close()
                code = target(*args, fds[0])
            except SystemExit as done:
                code = done.code if isinstance(done.code, int) else 1
            finally:
                os._exit(code or 0)
        os.close(fds[0])
        pidfd = os.pidfd_open(pid)
        try:
            socket.send_fds(sock, [str(pid).encode()], [pidfd])
        except OSError:
            return
        finally:
            os.close(pidfd)
        try:  # reap the clients that have ended (their CPU time is then counted as this server's)
            while os.waitpid(-1, os.WNOHANG)[0]:
                pass
        except ChildProcessError:
            pass
