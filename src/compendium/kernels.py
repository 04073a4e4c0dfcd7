"""How the compendium starts Jupyter kernels (the build's notebooks and the grader's student notebooks)."""

from __future__ import annotations

from pathlib import Path


def ipc_kernel_manager_class(socket_dir: str):
    """A kernel manager that talks to its kernel over Unix sockets instead of TCP ports.

    Two notebooks starting at once on TCP can race for the same free port (the kernel then fails to
    start, at random); IPC sockets are private files, so parallel starts cannot collide -- and the
    kernel stops warning about unencrypted TCP."""
    from jupyter_client import AsyncKernelManager
    from traitlets import CaselessStrEnum, default

    class IPCKernelManager(AsyncKernelManager):
        transport = CaselessStrEnum(["tcp", "ipc"], default_value="ipc", config=True)

        @default("ip")
        def _ip_default(self):
            # An absolute socket path: kernel and client run in different folders.
            return str(Path(socket_dir) / "kernel")

    return IPCKernelManager
