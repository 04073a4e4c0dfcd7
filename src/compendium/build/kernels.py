"""How the compendium starts Jupyter kernels (the build's notebooks and the grader's student notebooks)."""

from __future__ import annotations

from pathlib import Path

#: How nbclient stops a kernel whose notebook has finished: at once. Its graceful shutdown interrupts
#: the kernel and then asks it to quit; when the interrupt lands while the kernel handles that request
#: ("KeyboardInterrupt caught in kernel"), the kernel does not quit, and jupyter_client waits 2.5 s
#: before it sends SIGTERM -- a random stall per notebook. Every output has arrived by then.
KERNEL_SHUTDOWN = "immediate"


def ipc_kernel_manager_class(socket_dir: str, warm_server: str | None = None):
    """A kernel manager that talks to its kernel over Unix sockets instead of TCP ports.

    Two notebooks starting at once on TCP can race for the same free port (the kernel then fails to
    start, at random); IPC sockets are private files, so parallel starts cannot collide -- and the
    kernel stops warning about unencrypted TCP.

    With ``warm_server`` (the socket of a :mod:`compendium.build.warm_kernels` server) the kernel is forked
    from that server instead of started cold. Only the build asks for it: student notebooks are
    always started cold, inside their sandbox."""
    from jupyter_client import AsyncKernelManager
    from traitlets import CaselessStrEnum, default

    class IPCKernelManager(AsyncKernelManager):
        transport = CaselessStrEnum(["tcp", "ipc"], default_value="ipc", config=True)

        @default("ip")
        def _ip_default(self):
            # An absolute socket path: kernel and client run in different folders.
            return str(Path(socket_dir) / "kernel")

        async def _async_interrupt_kernel(self):
            # jupyter_client interrupts a kernel before it kills it, even for an immediate shutdown;
            # when the SIGINT lands first, the kernel logs "[IPKernelApp] ERROR | KeyboardInterrupt
            # caught in kernel" on a build that succeeded. Shutting down, the kill alone suffices.
            if self.shutting_down:
                return
            await super()._async_interrupt_kernel()

        interrupt_kernel = _async_interrupt_kernel

        def format_kernel_cmd(self, extra_arguments=None):
            cmd = super().format_kernel_cmd(extra_arguments)
            if warm_server:
                from compendium.build.warm_kernels import launcher_command

                cmd = launcher_command(cmd, warm_server)
            return cmd

    return IPCKernelManager
