"""Running an untrusted student notebook in a sandbox built on kernel namespaces.

Contract: run top to bottom from its own folder, the notebook must write ``submission.csv`` in its
working folder; that file is then graded exactly like a CSV submission. The grader's checks live outside
the notebook and never reach its kernel.

Who runs where. The grader starts one *client* process per notebook (nbclient, which sends the cells and
collects the replies; forked by :mod:`compendium.grading.clients`, which has nbclient loaded). The client
stays outside the sandbox; only the *kernel* -- the process that executes the student's code -- is started
inside it, by prefixing the kernel's command with `bubblewrap <https://github.com/containers/bubblewrap>`_
(``bwrap``, a Debian package). Client and kernel talk over Unix sockets in a folder that both see.

What the kernel gets (:func:`bwrap_command`):

* its own PID namespace (``--unshare-pid --die-with-parent``): it sees only its own processes, cannot
  signal or read the grader's, and when the sandbox ends, every process in it -- a double-forked,
  ``setsid`` survivor too -- is killed by the kernel of the operating system;
* no network (``--unshare-net``: only its own loopback), its own IPC and host name;
* a mount namespace holding only: ``/usr`` and the system libraries, the Python environment (the venv
  and the interpreter it points to), a read-only copy of the compendium's library at ``/grade/lib`` (not
  the checkout: ``compendium.__file__`` leads nowhere else), the assignment's public data at
  ``/grade/data`` (read-only; the assignment's ``withhold`` paths -- the key -- are not in it), the
  student's own working folder at ``/grade/notebooks`` (its cwd) and the socket folder; a private
  ``/tmp``, ``/var/tmp`` and ``/dev/shm`` (small tmpfs, gone with the sandbox). Never the checkout, the
  key, the cache, the output folder, the submissions folder or another student;
* a user id of its own (run as root, each sandbox gets a fresh unprivileged uid via util-linux
  ``setpriv``, with every capability dropped, an empty bounding set and ``no_new_privs``; run as an
  ordinary user, ``--unshare-user`` maps it to an unprivileged uid);
* resource limits set before it starts (``resource.setrlimit`` in the client, inherited):
  ``RLIMIT_AS`` (memory; a bomb gets MemoryError or a dead kernel → ``error``), ``RLIMIT_FSIZE`` (size of
  one file), ``RLIMIT_NPROC`` (processes of its uid, against fork bombs), ``RLIMIT_CORE`` 0; nbclient's
  per-cell timeout and a per-notebook wall clock enforced by the grader (→ ``timeout``); its working
  and socket folders on a tmpfs of ``work_mb`` (run as root), its ``/tmp``, ``/var/tmp`` and ``/dev/shm``
  of ``file_mb`` each, so that it cannot fill the disk.

Where ``bwrap`` is missing, util-linux ``unshare`` gives new PID, network, IPC and mount namespaces with a
private ``/tmp``, ``/var/tmp``, ``/dev/shm`` and the sensitive folders masked (:func:`unshare_command`;
run as root). Where neither works, notebook submissions are *refused* (status ``refused``) unless the
instructor passes ``--unsafe``; the class report then says how the notebooks were run.

The client reports to the grader through a private pipe (the kernel cannot reach it). Feedback quotes
only the exception's name and the first line of its message (at most 200 characters): the kernel can
read nothing but public files, and nothing longer than a line leaves the sandbox that way.
"""

from __future__ import annotations

import functools
import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

SUBMISSION = "submission.csv"
MAX_SUBMISSION_BYTES = 2_000_000
#: where things are inside the sandbox (bwrap; the unshare fallback uses a folder of its private /tmp)
INSIDE = "/grade"
INSIDE_UNSHARE = "/tmp/grade"
#: the sandboxes' user ids, one per sandbox (run as root): far above any account's uid
UID_BASE = 1_000_000
NOBODY = 65534

REFUSED = ("no sandbox is available on this machine (bubblewrap `bwrap` or util-linux `unshare` with root "
           "rights), so the notebook was not run; the instructor can install bubblewrap or grade with --unsafe")


@dataclass(frozen=True)
class Limits:
    cell_timeout: float = 30.0
    notebook_timeout: float = 120.0
    memory_mb: int = 2048
    file_mb: int = 64
    nproc: int = 256
    startup_timeout: float = 60.0
    #: all the sandbox may write to its working and socket folders (a tmpfs, when run as root)
    work_mb: int = 256

    def __post_init__(self):
        # nbclient counts a cell's and a kernel start's limits in whole seconds (an Integer setting): a
        # fraction would stop every notebook's client before its kernel starts, with no word why
        for name in ("cell_timeout", "startup_timeout"):
            value = getattr(self, name)
            if not (value > 0 and float(value).is_integer()):
                raise ValueError(f"Limits.{name}: {value!r} -- expected a whole number of seconds above 0")
        if not self.notebook_timeout > 0:
            raise ValueError(f"Limits.notebook_timeout: {self.notebook_timeout!r} -- expected seconds above 0")

    def key(self) -> str:
        return json.dumps(self.__dict__, sort_keys=True)


@dataclass
class NotebookRun:
    status: str  # ok | timeout | error | refused
    message: str
    submission: bytes | None
    runtime_s: float


# ------------------------------------------------------------------------------- which isolation
def isolation() -> str:
    """How notebooks are isolated here: ``bwrap``, ``unshare`` or ``none``.

    ``COMPENDIUM_SANDBOX`` (one of those words) forces a choice -- for tests and for an instructor who
    wants to compare; a forced tool that does not work falls back to ``none``."""
    forced = os.environ.get("COMPENDIUM_SANDBOX", "").strip().lower()
    if forced == "none":
        return "none"
    for kind in ((forced,) if forced in ("bwrap", "unshare") else ("bwrap", "unshare")):
        if _works(kind):
            return kind
    return "none"


@functools.lru_cache(maxsize=None)
def _works(kind: str) -> bool:
    """Whether ``kind`` can start a sandboxed ``true`` on this machine (asked once per process)."""
    if kind == "unshare" and (os.geteuid() != 0 or not shutil.which("setpriv")):
        return False
    if not shutil.which(kind):
        return False
    with tempfile.TemporaryDirectory(prefix="grade-probe-") as tmp:
        folders = _Folders(Path(tmp), Path(tmp), Path(tmp), Path(tmp))
        build = bwrap_command if kind == "bwrap" else unshare_command
        cmd = build(folders, _fresh_uid(), Limits(), ["/bin/true"])
        try:
            return subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, timeout=30).returncode == 0
        except (OSError, subprocess.SubprocessError):
            return False


_uids = itertools.count()
_uid_lock = threading.Lock()


def _fresh_uid() -> int:
    """A uid no other running sandbox has: distinct per grader process (pid) and per sandbox in it, so
    ``RLIMIT_NPROC`` counts each sandbox alone and no two sandboxes own each other's files."""
    with _uid_lock:
        n = next(_uids)
    return UID_BASE + (os.getpid() % 10_000) * 100 + n % 100


# ---------------------------------------------------------------------------- the sandbox command
@dataclass(frozen=True)
class _Folders:
    """Host folders of one sandbox: the public data (read-only), the student's working folder, the
    socket folder (bound at the same path inside, as the connection file names it) and the sandbox root."""

    data: Path
    work: Path
    kernel: Path
    root: Path


def _python_dirs() -> list[str]:
    """The folders the Python environment lives in: the venv and the interpreter it points to."""
    dirs = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix)}
    dirs.add(os.path.realpath(os.path.dirname(os.path.realpath(sys.executable)) + "/.."))
    return sorted(d for d in dirs if d not in ("/", "/usr") and not d.startswith("/usr/"))


def _library_dir() -> str:
    """The compendium package itself (only its folder, never the checkout around it)."""
    return str(Path(__file__).resolve().parents[1])


def _environment(uid_home: str = "/tmp", inside: str = INSIDE) -> dict[str, str]:
    venv_bin = os.path.dirname(sys.executable)
    return {
        "PATH": f"{venv_bin}:/usr/bin:/bin", "HOME": uid_home, "TMPDIR": "/tmp",
        "IPYTHONDIR": f"{uid_home}/.ipython", "MPLCONFIGDIR": f"{uid_home}/.mpl",
        "JUPYTER_RUNTIME_DIR": f"{uid_home}/.jupyter/runtime", "JUPYTER_DATA_DIR": f"{uid_home}/.jupyter/data",
        "JUPYTER_CONFIG_DIR": f"{uid_home}/.jupyter/config", "PYTHONPATH": f"{inside}/lib",
        "COMPENDIUM_ROOT": inside, "MPLBACKEND": "Agg", "PYTHONDONTWRITEBYTECODE": "1",
        "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "MALLOC_ARENA_MAX": "2",
        "LANG": "C.UTF-8",
    }


def _drop_to(uid: int) -> list[str]:
    """util-linux ``setpriv``: become ``uid`` with no capabilities, no way back (``no_new_privs``)."""
    return ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--inh-caps=-all",
            "--bounding-set=-all", "--no-new-privs", "--"]


def bwrap_command(f: _Folders, uid: int, limits: Limits, command: list[str]) -> list[str]:
    """The bubblewrap command line that runs ``command`` in a fresh sandbox (see the module docstring)."""
    tmpfs_bytes = str(limits.file_mb * 1024 * 1024)
    cmd = ["bwrap", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
           "--die-with-parent", "--new-session", "--hostname", "sandbox", "--clearenv",
           "--ro-bind", "/usr", "/usr"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = Path("/") / name
        if path.is_symlink():
            cmd += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            cmd += ["--ro-bind", str(path), str(path)]
    for etc in ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime"):
        cmd += ["--ro-bind-try", f"/etc/{etc}", f"/etc/{etc}"]
    made: set[str] = {"/", "/usr", "/etc"}

    def parents(path: str) -> list[str]:
        # bwrap makes missing parents 0700 (root's); a sandbox uid needs to walk through them
        out = []
        for parent in reversed(Path(path).parents):
            p = str(parent)
            if p not in made:
                made.add(p)
                out += ["--perms", "0755", "--dir", p]
        return out

    cmd += ["--proc", "/proc", "--dev", "/dev"]
    for tmp in ("/tmp", "/var/tmp", "/dev/shm"):
        made.add(tmp)
        cmd += parents(tmp) + ["--perms", "1777", "--size", tmpfs_bytes, "--tmpfs", tmp]
    # After the private /tmp: a checkout (and its venv) under /tmp would otherwise be hidden by it.
    for d in _python_dirs():
        cmd += parents(d) + ["--ro-bind", d, d]
    cmd += ["--perms", "0755", "--dir", INSIDE, "--perms", "0755", "--dir", f"{INSIDE}/lib",
            "--ro-bind", _library_dir(), f"{INSIDE}/lib/compendium",
            "--ro-bind", str(f.data), f"{INSIDE}/data", "--bind", str(f.work), f"{INSIDE}/notebooks"]
    made.update({INSIDE, f"{INSIDE}/lib"})
    cmd += ["--bind", str(f.kernel), f"{INSIDE}/kernel", "--chdir", f"{INSIDE}/notebooks"]
    for key, value in _environment().items():
        cmd += ["--setenv", key, value]
    if os.geteuid() == 0:
        # privileged bwrap: keep only what setpriv needs to become the sandbox's uid (and what lets bwrap
        # enter the uid's 0700 working folder), then setpriv drops them all
        cmd += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID",
                "--cap-add", "CAP_SETPCAP", "--cap-add", "CAP_DAC_READ_SEARCH"]
        tail = ["--", *_drop_to(uid)]
    else:
        cmd += ["--unshare-user", "--uid", str(NOBODY), "--gid", str(NOBODY), "--cap-drop", "ALL"]
        tail = ["--"]
    # The options go through a file (bwrap --args): the sandbox's first process is visible inside it,
    # and its command line must not show the host's paths.
    args = f.root / "bwrap.args"
    args.write_bytes(b"".join(a.encode() + b"\0" for a in cmd[1:]))
    return ["sh", "-c", 'exec bwrap --args 3 "$@" 3<"$0"', str(args), *tail, *command]


def unshare_command(f: _Folders, uid: int, limits: Limits, command: list[str],
                    hide: tuple[str, ...] = ()) -> list[str]:
    """The fallback without bubblewrap (root only): util-linux ``unshare`` for new PID, network, IPC, UTS
    and mount namespaces. Inside, a short shell script stashes the folders the sandbox needs, hides under
    empty tmpfs the checkout, ``/root``, ``/home``, ``/run``, ``/tmp``, ``/var/tmp``, ``/dev/shm`` and the
    folders in ``hide`` (the submissions, the output and cache), puts the Python environment back
    read-only, the public data (read-only), the library (read-only), the student's folder and the socket
    folder under ``/tmp/grade``, and becomes the sandbox's uid. Weaker than bwrap: the rest of the
    machine stays visible, read-only as far as file permissions allow the sandbox's uid."""
    import shlex

    q = shlex.quote
    size = f"size={limits.file_mb}m"
    checkout = str(Path(_library_dir()).parents[1])
    keep, root = "/run/grade-keep", INSIDE_UNSHARE
    script = ["set -e", "umask 022", "mount --make-rprivate /",
              # /run is hidden anyway: its tmpfs holds the stash, so nothing is created on the host
              f"mount -t tmpfs -o size=1m,mode=0700 tmpfs /run && mkdir {keep}"]
    stash = {"data": str(f.data), "work": str(f.work), "kernel": str(f.kernel), "lib": _library_dir()}
    stash.update({f"py{i}": d for i, d in enumerate(_python_dirs())})
    for name, path in stash.items():
        script.append(f"mkdir {keep}/{name} && mount --bind {q(path)} {keep}/{name}")
    hidden = sorted({checkout, "/root", "/home", "/tmp", "/var/tmp", "/dev/shm", *hide} - {"/", ""})
    for d in hidden:
        script.append(f"if [ -d {q(d)} ]; then mount -t tmpfs -o {size},mode=1777 tmpfs {q(d)}; fi")
    for i, d in enumerate(_python_dirs()):
        script.append(f"mkdir -p {q(d)} && mount --bind {keep}/py{i} {q(d)} && mount -o remount,bind,ro {q(d)}")
    script += [f"mkdir -p {root}/data {root}/notebooks {root}/lib/compendium {q(str(f.kernel))}",
               f"mount --bind {keep}/data {root}/data && mount -o remount,bind,ro {root}/data",
               f"mount --bind {keep}/lib {root}/lib/compendium && mount -o remount,bind,ro {root}/lib/compendium",
               f"mount --bind {keep}/work {root}/notebooks",
               f"mount --bind {keep}/kernel {q(str(f.kernel))}",
               f'for d in {keep}/*; do umount -l "$d"; done', f"cd {root}/notebooks", 'exec "$@"']
    env = ["env", "-i", *(f"{k}={v}" for k, v in _environment(inside=root).items())]
    return ["unshare", "--pid", "--fork", "--kill-child", "--mount-proc", "--net", "--ipc", "--uts", "--mount",
            "--", "sh", "-c", "\n".join(script), "sandbox", *env, *_drop_to(uid), *command]


# ---------------------------------------------------------------------------------- the grader side
def prepare_public_data(data_src: Path | str, dest: Path, withhold: list[str]) -> Path:
    """A copy of ``data_src`` without the assignment's withheld paths (the key): what a sandbox sees."""
    shutil.copytree(data_src, dest, ignore=shutil.ignore_patterns("__pycache__", ".cache"), symlinks=True)
    for rel in withhold:
        target = (dest / rel).resolve()
        if dest.resolve() not in target.parents:
            continue
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
    os.chmod(dest, 0o755)
    return dest


def _processes() -> dict[int, tuple[int, int]]:
    """Every process: pid → (parent pid, real uid)."""
    out = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status", "rb") as fh:
                fields = dict(line.split(b":", 1) for line in fh.read().splitlines() if b":" in line)
            out[int(entry)] = (int(fields[b"PPid"]), int(fields[b"Uid"].split()[0]))
        except (OSError, ValueError, KeyError, IndexError):
            continue
    return out


def _descendants(pid: int, procs: dict[int, tuple[int, int]] | None = None) -> list[int]:
    procs = _processes() if procs is None else procs
    children: dict[int, list[int]] = {}
    for p, (ppid, _uid) in procs.items():
        children.setdefault(ppid, []).append(p)
    out, todo = [], [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def _kill_all(pid: int, pidfd: int, uid: int | None) -> None:
    """Kill the client (``pid``, ``pidfd``), everything it started and every process of the sandbox's
    uid. (Killing the sandbox's first process already ends its PID namespace; the uid sweep is a second
    line.)"""
    from compendium.grading import clients

    procs = _processes()
    victims = _descendants(pid, procs)
    if uid is not None:
        victims += [p for p, (_ppid, u) in procs.items() if u == uid]
    clients.kill(pidfd)
    for p in victims:
        try:
            os.kill(p, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    clients.wait(pidfd, 10)


def _read_submission(folder: Path) -> tuple[bytes | None, str]:
    """Read submission.csv without following links (it is written by untrusted code)."""
    import stat as st

    path = folder / SUBMISSION
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        return None, f"the notebook ran but wrote no `{SUBMISSION}` in its working folder"
    except OSError:
        return None, f"`{SUBMISSION}` is not a regular file (a link?): write the CSV itself"
    try:
        info = os.fstat(fd)
        if not st.S_ISREG(info.st_mode):
            return None, f"`{SUBMISSION}` is not a regular file: write the CSV itself"
        if info.st_size > MAX_SUBMISSION_BYTES:
            return None, f"`{SUBMISSION}` is {info.st_size} bytes: far too large for a coding table"
        return os.read(fd, MAX_SUBMISSION_BYTES + 1), ""
    finally:
        os.close(fd)


def _mount_tmpfs(folder: Path, size_mb: int) -> bool:
    """Mount a tmpfs of ``size_mb`` on ``folder`` (root only); False if that is not possible here."""
    opts = f"size={size_mb}m,mode=0755,nosuid,nodev"
    return subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(folder)], stdin=subprocess.DEVNULL,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0


def _unmount(folder: Path) -> None:
    if subprocess.run(["umount", str(folder)], stderr=subprocess.DEVNULL).returncode != 0:
        subprocess.run(["umount", "-l", str(folder)], stderr=subprocess.DEVNULL)


def _set_limits(limits: Limits) -> None:
    """The resource limits of this process, inherited by the kernel it starts."""
    import resource

    mem = limits.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
    fsize = limits.file_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # root ignores RLIMIT_NPROC; the sandbox's own uid (after setpriv) does not
    resource.setrlimit(resource.RLIMIT_NPROC, (limits.nproc, limits.nproc))
    os.umask(0o077)


def _client(spec: dict, env: dict[str, str], cwd: str, limits: Limits, report_fd: int) -> int:
    """A client just forked by :mod:`compendium.grading.clients`: a session of its own, no terminal, the
    environment, folder and limits that a freshly started client process would have had, then
    :func:`_child`, which reports on ``report_fd``."""
    os.setsid()
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    _set_limits(limits)
    return _child(spec, report_fd)


def run_notebook(notebook: Path | str, data_src: Path | str, limits: Limits = Limits(),
                 withhold: list[str] | None = None, public_data: Path | str | None = None,
                 unsafe: bool = False, hide: tuple[str, ...] = ()) -> NotebookRun:
    """Run one notebook in a fresh sandbox; return its status and the bytes of its submission.csv.

    ``public_data``: a folder prepared by :func:`prepare_public_data` and shared, read-only, by the
    sandboxes of one batch (else each run copies ``data_src`` minus ``withhold`` itself). ``unsafe``: run
    without isolation where none is available (the instructor's explicit choice); without it such a
    run is refused. ``hide``: further folders to mask (the unshare fallback; bwrap shows nothing else)."""
    started = time.perf_counter()
    mode = isolation()
    if mode == "none" and not unsafe:
        return NotebookRun("refused", REFUSED, None, 0.0)
    tmp = Path(tempfile.mkdtemp(prefix="grade-nb-"))  # 0700: no other user reads a sandbox's files
    uid = _fresh_uid() if mode != "none" and os.geteuid() == 0 else None
    box, mounted = tmp, False
    try:
        if uid is not None:  # what the sandbox may write lives on a tmpfs of its own: it cannot fill the disk
            box = tmp / "box"
            box.mkdir(mode=0o755)
            mounted = _mount_tmpfs(box, limits.work_mb)
        work, kernel = box / "notebooks", box / "kernel"
        data = Path(public_data) if public_data and mode != "none" else None
        if data is None:
            data = prepare_public_data(data_src, tmp / "data", withhold or [])
        for folder in (work, kernel):
            folder.mkdir(mode=0o700)
        shutil.copyfile(notebook, work / "submission.ipynb")
        if uid is not None:
            for path in (work, kernel, work / "submission.ipynb"):
                os.chown(path, uid, uid)
        folders = _Folders(data, work, kernel, tmp)
        # The client's environment (with --unsafe also the kernel's): its own home in the temporary
        # folder, so that no Jupyter or IPython setting of the instructor's account is read.
        env = {**_environment(str(tmp)), "COMPENDIUM_ROOT": str(tmp), "PYTHONPATH": "",
               "JUPYTER_RUNTIME_DIR": str(kernel)}
        if mode == "bwrap":
            prefix = bwrap_command(folders, uid, limits, [])
        elif mode == "unshare":
            prefix = unshare_command(folders, uid, limits, [], tuple(str(Path(h).resolve()) for h in hide))
        else:
            prefix = []
        spec = {"notebook": str(work / "submission.ipynb"), "cell_timeout": limits.cell_timeout,
                "startup_timeout": limits.startup_timeout, "prefix": prefix, "kernel_dir": str(kernel),
                "owner": uid, "cwd": str(work),
                "kernel_inside": f"{INSIDE}/kernel" if mode == "bwrap" else str(kernel)}
        from compendium.grading import clients

        read_fd, write_fd = os.pipe()  # the client's report: a private pipe, out of the kernel's reach
        try:
            pid, pidfd = clients.start(_client, (spec, env, str(tmp), limits), write_fd)
        finally:
            os.close(write_fd)
        try:
            timed_out = not clients.wait(pidfd, limits.notebook_timeout)
            _kill_all(pid, pidfd, uid)
        finally:
            os.close(pidfd)
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
        data_bytes, problem = _read_submission(work)
        if data_bytes is None:
            return NotebookRun("error", problem, None, runtime)
        return NotebookRun("ok", "", data_bytes, runtime)
    finally:
        if mounted:
            _unmount(box)
        shutil.rmtree(tmp, ignore_errors=True)


def one_line(text: str, limit: int = 200) -> str:
    """The first line of an exception message, printable characters only, at most ``limit`` long: what
    of a student's error may reach the feedback."""
    first = str(text).strip().splitlines()[0] if str(text).strip() else ""
    clean = "".join(ch if ch.isprintable() else "?" for ch in first)
    return clean[:limit] + ("…" if len(clean) > limit else "")


# ------------------------------------------------------------------------------------------ the child
def sandboxed_kernel_manager_class(kernel_dir: str, prefix: list[str], owner: int | None, inside: str):
    """A kernel manager whose kernel starts inside the sandbox: its command is prefixed with the
    sandbox's, and it reads a copy of the connection file in the shared socket folder (seen inside as
    ``inside``), readable by the sandbox's uid."""
    from traitlets import default

    from compendium.build.kernels import ipc_kernel_manager_class

    class SandboxedKernelManager(ipc_kernel_manager_class(kernel_dir)):
        @default("connection_file")
        def _connection_file_default(self):
            return str(Path(kernel_dir) / "kernel.json")

        def write_connection_file(self, **kwargs):
            super().write_connection_file(**kwargs)
            # the kernel's copy names the socket folder as the sandbox sees it
            with open(self.connection_file, encoding="utf-8") as fh:
                info = json.load(fh)
            info["ip"] = info["ip"].replace(kernel_dir, inside, 1)
            path = Path(kernel_dir) / "inside.json"
            path.write_text(json.dumps(info), encoding="utf-8")
            if owner is not None:
                os.chown(path, owner, owner)

        def format_kernel_cmd(self, extra_arguments=None):
            cmd = super().format_kernel_cmd(extra_arguments)
            real = os.path.realpath(self.connection_file)
            return [*prefix, *(f"{inside}/inside.json" if c == real else c for c in cmd)]

    return SandboxedKernelManager


def _child(spec: dict, report_fd: int) -> int:
    """The client: run the notebook with nbclient, its kernel in the sandbox; report on ``report_fd``."""
    out = os.fdopen(report_fd, "w", encoding="utf-8")
    cell_timeout = spec["cell_timeout"]

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
        nb = nbformat.read(spec["notebook"], as_version=4)
    except Exception as err:
        return report("error", f"the file is not a readable Jupyter notebook ({type(err).__name__}): "
                               "hand in the .ipynb saved by Jupyter")
    current = {"index": None, "peak_kb": 0}

    def watch(pid: int) -> None:  # the kernel's peak address space (VmPeak), polled until the sandbox ends
        def peak_of(p: int) -> int:
            try:
                with open(f"/proc/{p}/status") as fh:
                    return next((int(line.split()[1]) for line in fh if line.startswith("VmPeak:")), 0)
            except (OSError, ValueError):
                return 0

        def poll():
            while os.path.exists(f"/proc/{pid}"):
                for p in [pid, *_descendants(pid)]:
                    current["peak_kb"] = max(current["peak_kb"], peak_of(p))
                time.sleep(0.25)

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

    from compendium.build.kernels import KERNEL_SHUTDOWN

    client = NotebookClient(nb, timeout=cell_timeout, startup_timeout=int(spec["startup_timeout"]),
                            kernel_manager_class=sandboxed_kernel_manager_class(
                                spec["kernel_dir"], spec["prefix"], spec["owner"], spec["kernel_inside"]),
                            kernel_name="python3", allow_errors=False, record_timing=False,
                            resources={"metadata": {"path": spec["cwd"]}}, on_cell_start=on_start,
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
        ename = one_line(getattr(err, "ename", "Error"), 80)
        evalue = one_line(getattr(err, "evalue", ""))
        if ename == "MemoryError":
            return report("error", f"{where()} ran out of memory (MemoryError): keep within the memory limit")
        return report("error", f"{where()} raised {ename}: {evalue} -- run the notebook top to bottom "
                               "(Kernel → Restart & Run All) before handing it in")
    except Exception as err:
        return report("error", f"the notebook could not be run ({type(err).__name__}: {one_line(err)})")
    return report("ok", "")

