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
