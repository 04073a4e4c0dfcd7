"""Warm kernels (:mod:`compendium.build.warm_kernels`): a kernel forked from the server behaves like a cold
one, is isolated from the other kernels, and never outlives its launcher or the server. That the
build's results do not depend on how its kernels started is nbval's to show: it runs every notebook in
a cold kernel against the committed, warm-built notebooks, tables and figures (see conftest.py)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time

import pytest

from compendium.build.kernels import ipc_kernel_manager_class
from compendium.build.warm_kernels import LAUNCHER, PRELOAD_ENV, kernel_server, launcher_command

pytestmark = pytest.mark.slow  # starts Jupyter kernels: `make test` runs it, `make test-fast` leaves it out


@pytest.fixture(scope="module")
def server():
    # As a build that runs no grading notebook starts it: the scientific stack, not the grading stack.
    with kernel_server(env={PRELOAD_ENV: "first"}) as path:
        yield path


def _alive(pid: int) -> bool:
    """Running, that is: not gone and not a zombie (an exited process nobody has reaped yet)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.05)
    return not _alive(pid)


class Kernel:
    """One kernel (warm when given a server), driven synchronously for the tests."""

    def __init__(self, server: str | None, cwd=None, env=None):
        self.sockets = tempfile.TemporaryDirectory(prefix="test-kernel-")
        self.km = ipc_kernel_manager_class(self.sockets.name, server)(kernel_name="python3")
        self.loop = asyncio.new_event_loop()
        kwargs = {"cwd": str(cwd)} if cwd else {}
        if env:
            kwargs["env"] = {**os.environ, **env}
        self.loop.run_until_complete(self.km.start_kernel(**kwargs))
        self.kc = self.km.client()
        self.kc.start_channels()
        self.loop.run_until_complete(self.kc.wait_for_ready(timeout=60))

    def eval(self, expr: str) -> str:
        """``print(expr)`` in the kernel; its standard output."""
        out = []

        def hook(msg):
            if msg["msg_type"] == "stream":
                out.append(msg["content"]["text"])
            elif msg["msg_type"] == "error":
                out.append(f"{msg['content']['ename']}: {msg['content']['evalue']}")

        self.loop.run_until_complete(
            self.kc.execute_interactive(f"print({expr})", output_hook=hook, timeout=60))
        return "".join(out).strip()

    def run(self, code: str) -> None:
        self.loop.run_until_complete(self.kc.execute_interactive(code, timeout=60))

    @property
    def launcher(self):
        return self.km.provisioner.process  # what jupyter_client started (the launcher, when warm)

    def close(self):
        self.kc.stop_channels()
        if self.km.has_kernel:
            self.loop.run_until_complete(self.km.shutdown_kernel(now=True))
        self.loop.close()
        self.sockets.cleanup()


@pytest.fixture
def kernels():
    made = []

    def make(server, **kw):
        made.append(Kernel(server, **kw))
        return made[-1]

    yield make
    for k in made:
        k.close()


def test_the_command_is_replaced_only_when_a_server_is_given(tmp_path):
    cold = ipc_kernel_manager_class(str(tmp_path))(kernel_name="python3")
    warm = ipc_kernel_manager_class(str(tmp_path), "/srv/socket")(kernel_name="python3")
    for km in (cold, warm):
        km._launch_args = {}
    assert "ipykernel_launcher" in cold.format_kernel_cmd()
    cmd = warm.format_kernel_cmd()
    assert str(LAUNCHER) in cmd and "/srv/socket" in cmd and "ipykernel_launcher" not in cmd
    assert launcher_command(["R", "--slave"], "/srv/socket") == ["R", "--slave"]  # not an ipykernel


def test_a_warm_kernel_is_its_own_process_in_the_requested_folder_and_environment(server, kernels,
                                                                                   tmp_path):
    k = kernels(server, cwd=tmp_path, env={"COMPENDIUM_TEST_VALUE": "forty-two"})
    pid = int(k.eval("__import__('os').getpid()"))
    assert pid not in (os.getpid(), k.launcher.pid)
    assert k.eval("__import__('os').getcwd()") == str(tmp_path)
    assert k.eval("__import__('os').environ['COMPENDIUM_TEST_VALUE']") == "forty-two"
    # warm: the scientific stack was imported before the kernel existed
    assert k.eval("'pandas' in __import__('sys').modules") == "True"


def test_warm_kernels_do_not_share_state(server, kernels):
    first = kernels(server)
    first.run("import pandas as pd\npd.set_option('display.max_rows', 3)\nleft_behind = 1")
    assert first.eval("pd.get_option('display.max_rows')") == "3"
    second = kernels(server)
    assert second.eval("__import__('pandas').get_option('display.max_rows')") == "60"
    assert second.eval("'left_behind' in globals()") == "False"


def test_warm_and_cold_kernels_have_the_same_display_defaults(server, kernels):
    """Libraries that choose defaults at import time must choose as in a kernel (pandas asks
    whether it runs in one; matplotlib takes its backend from ipykernel)."""
    probe = ("(__import__('pandas').get_option('display.max_columns'), "
             "__import__('pandas').get_option('display.width'), "
             "__import__('matplotlib').get_backend())")
    assert kernels(server).eval(probe) == kernels(None).eval(probe)


def test_the_kernel_exit_status_reaches_jupyter(server, kernels):
    k = kernels(server)
    k.kc.execute("import os; os._exit(3)")
    assert k.launcher.wait(timeout=30) == 3


def test_killing_the_launcher_kills_its_kernel(server, kernels):
    k = kernels(server)
    pid = int(k.eval("__import__('os').getpid()"))
    os.kill(k.launcher.pid, signal.SIGKILL)
    assert _gone_within(pid, 10), "the kernel outlived its launcher"


def test_an_interrupt_reaches_the_warm_kernel(server, kernels):
    k = kernels(server)
    k.kc.execute("import time\ntry:\n    print('sleeping', flush=True)\n    time.sleep(60)\n"
                 "except KeyboardInterrupt:\n    print('interrupted')")

    def next_output() -> str:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            msg = k.loop.run_until_complete(k.kc.get_iopub_msg(timeout=30))
            if msg["msg_type"] == "stream":
                return msg["content"]["text"]
        pytest.fail("no output from the kernel")

    assert next_output() == "sleeping\n"  # the cell runs: only now is an interrupt meant for it
    k.loop.run_until_complete(k.km.interrupt_kernel())
    assert next_output() == "interrupted\n"


# The server's life cycle needs no scientific stack: the servers these tests start for themselves
# preload nothing (a test hook of warm_kernels.serve; each kernel is then a cold one, forked).
BARE = {PRELOAD_ENV: "0"}


def test_stopping_the_server_stops_its_kernels(kernels):
    with kernel_server(env=BARE) as own:
        k = kernels(own)
        pid = int(k.eval("__import__('os').getpid()"))
        assert k.eval("'pandas' in __import__('sys').modules") == "False"  # the hook left the stack out
    assert _gone_within(pid, 10), "a kernel outlived its server"


def test_the_server_stops_when_the_process_that_started_it_dies(tmp_path):
    """A build killed outright (SIGKILL) cannot stop its server; the server notices and stops."""
    socket_path = tmp_path / "server"
    starter = subprocess.Popen(
        [sys.executable, "-c",
         "import subprocess, sys, time\n"
         f"p = subprocess.Popen([sys.executable, '-m', 'compendium.build.warm_kernels', {str(socket_path)!r}],"
         " stdout=subprocess.PIPE)\n"
         "p.stdout.readline()\nprint(p.pid, flush=True)\ntime.sleep(600)\n"],
        stdout=subprocess.PIPE, env={**os.environ, **BARE})
    server_pid = int(starter.stdout.readline())
    assert _alive(server_pid)
    starter.kill()
    starter.wait()
    assert _gone_within(server_pid, 15), "the server outlived the process that started it"


@pytest.mark.parametrize("warm", [True, False], ids=["warm", "cold"])
def test_an_immediate_shutdown_kills_without_interrupting_first(server, kernels, warm):
    """jupyter_client sends SIGINT before the kill; a kernel that handled it logged "[IPKernelApp]
    ERROR | KeyboardInterrupt caught in kernel" on a successful build. Ours is killed without it."""
    k = kernels(server if warm else None)
    pid = int(k.eval("__import__('os').getpid()"))
    sent = []
    signal_kernel = k.km._async_signal_kernel

    async def record(signum):
        sent.append(signum)
        await signal_kernel(signum)

    k.km._async_signal_kernel = record
    k.kc.stop_channels()
    k.loop.run_until_complete(k.km.shutdown_kernel(now=True))
    assert signal.SIGINT not in sent
    assert _gone_within(pid, 10)
    # (An interrupt outside a shutdown still reaches the kernel: test_an_interrupt_reaches_the_warm_kernel.)
