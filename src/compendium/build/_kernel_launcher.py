"""Stand-in for a kernel process: asks the warm kernel server to fork the kernel (see
:mod:`compendium.build.warm_kernels`), relays signals to it and exits with its exit status.

Run by jupyter_client as ``python -I -S _kernel_launcher.py SERVER_SOCKET -f CONNECTION_FILE``; it uses only the
standard library, so it starts in milliseconds."""

import json
import os
import signal
import socket
import struct
import sys

#: Set by the build in a kernel's environment: the file in which the kernel notes the paths it opens
#: or lists (see :func:`record_reads`), and the folder whose paths count (``data/``).
READS_ENV = "COMPENDIUM_READS_LOG"
READS_UNDER_ENV = "COMPENDIUM_READS_UNDER"
#: Audit events (PEP 578) that read a file or a folder's listing; ``glob`` and ``os.walk`` list
#: through ``os.scandir``, ``pathlib`` through both.
_READ_EVENTS = {"open": "file", "os.listdir": "dir", "os.scandir": "dir"}
#: Events that start another program, whose reads no hook here can see.
_PROGRAM_EVENTS = {"subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn"}

#: The wire format, shared with the server: a request is this header (the length of the JSON that
#: follows) and the JSON; each answer (the kernel's pid, then its exit status) is one header.
HEADER = struct.Struct("!I")


def recv_exact(conn, n):
    """Exactly ``n`` bytes from ``conn``; ConnectionError if the other side hangs up first."""
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise ConnectionError("the other side hung up")
        data += chunk
    return data


def record_reads(log_path, under):
    """From now on, note in ``log_path`` every file this process opens and every folder it lists
    under the folder ``under``, once each, as ``file<TAB>path`` or ``dir<TAB>path`` (absolute), and
    ``program`` if it starts another program. Written as it happens: a kernel is killed, not ended."""
    under = os.path.abspath(under)
    prefix = os.path.join(under, "")
    log = open(log_path, "a", encoding="utf-8")  # noqa: SIM115 -- open for the life of the kernel
    seen = set()

    def note(line):
        if line not in seen:
            seen.add(line)
            log.write(line + "\n")
            log.flush()

    def hook(event, args):
        kind = _READ_EVENTS.get(event)
        if kind is None:
            if event in _PROGRAM_EVENTS:
                note("program")
            return
        path = "." if args[0] is None else args[0]  # os.listdir() lists the working folder
        if isinstance(path, int):
            return  # an open file descriptor: its path was noted when it was opened
        try:
            full = os.path.abspath(os.fsdecode(path))  # relative to the kernel's working folder
        except (TypeError, ValueError):
            return
        if full == under or full.startswith(prefix):
            note(f"{kind}\t{full}")

    sys.addaudithook(hook)


def main():
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.connect(sys.argv[1])
    request = json.dumps({"argv": sys.argv[2:], "cwd": os.getcwd(), "env": dict(os.environ)}).encode()
    socket.send_fds(conn, [HEADER.pack(len(request)) + request], [0, 1, 2])
    (pid,) = HEADER.unpack(recv_exact(conn, HEADER.size))

    def relay(signum, _frame):
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1,
                signal.SIGUSR2):
        signal.signal(sig, relay)
    (code,) = HEADER.unpack(recv_exact(conn, HEADER.size))
    sys.exit(code)


if __name__ == "__main__":
    try:
        main()
    except ConnectionError:
        sys.exit("compendium kernel launcher: the kernel server hung up")
