"""Untrusted notebook submissions: graded through the submission.csv they write; endless loops, memory
bombs and file deletion end as timeout/error and never change the instructor's copy of the data."""

from __future__ import annotations

import hashlib
import shutil
import sys
from pathlib import Path

import pytest

from compendium.grading import Limits, grade, load_assignment
from compendium.grading.assignments import template_csv

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from nbauthor import write as write_notebook  # noqa: E402

# Every notebook here runs in a sandbox (half a minute in all). `make test` runs them; `make test-fast` does not.
pytestmark = pytest.mark.slow

# The cell limit is short (the endless loop below spins a core until it) but far above what any other cell
# here takes; the hostile notebooks' classmates sleep 1 s inside it.
LIMITS = Limits(cell_timeout=2, notebook_timeout=20, memory_mb=1024)
# The memory bomb zero-fills 50 MB blocks up to the 1 GB limit; on a loaded machine that alone can take
# more than the 2 s above, so it runs with a cell timeout it cannot reach: it must end on memory, not time.
BOMB_LIMITS = Limits(cell_timeout=30, notebook_timeout=60, memory_mb=1024)


def _tree_hash(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        h.update(str(p.relative_to(folder)).encode())
        if p.is_file():
            h.update(p.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="module")
def instructor(tmp_path_factory):
    """A throw-away instructor project: a copy of data/ that the hostile notebooks aim at."""
    root = tmp_path_factory.mktemp("instructor")
    shutil.copytree(ROOT / "data", root / "data", ignore=shutil.ignore_patterns("examples"))
    return root


def test_notebook_submissions(instructor, tmp_path):
    a = load_assignment("actor-roles", instructor / "data")
    data = instructor / "data"
    key = template_csv(a, fill_key=True)
    subs = tmp_path / "subs"
    subs.mkdir()
    write = lambda name, *cells: write_notebook(str(subs / f"{name}.ipynb"), [("code", c) for c in cells])  # noqa: E731
    write("loop", "while True:\n    pass")
    write("crash", "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)")
    # a good notebook that first tries the instructor's copy every way it can find, then hands in the key
    write("deleter",
          "import os, shutil, compendium.paths as p\n"
          "hits = []\n"
          f"for target in [{str(data)!r}, {str(data / 'raw' / 'coded' / 'actors.csv')!r}, "
          "str(p.data_dir()), '../data', os.path.expanduser('~')]:\n"
          "    try:\n"
          "        shutil.rmtree(target) if os.path.isdir(target) else os.remove(target)\n"
          "        hits.append(target)\n"
          "    except OSError as err:\n"
          "        print('blocked', target, err)\n"
          f"open('submission.csv', 'w').write({key!r})")
    write("peeker", "import os\nassert not os.path.exists('../data/raw/coded/actors.csv'), 'answer key visible'\n"
                    "assert os.path.exists('../data/raw/coded/segments.csv')\n"
                    "open('submission.csv', 'w').write('item_id,role,kind\\n')")
    write("symlink", "import os\nos.symlink('/etc/passwd', 'submission.csv')")
    (subs / "notjson.ipynb").write_text("this is not a notebook")
    (subs / "plain.csv").write_text(key)

    before = _tree_hash(data)
    run = grade(a, subs, cache_dir=tmp_path / "cache", limits=LIMITS, progress=False)
    assert _tree_hash(data) == before, "a notebook changed the instructor's copy"
    by = {r.student_id: r for r in run.results}
    assert by["plain"].status == "ok"
    assert by["loop"].status == "timeout" and "2 s per cell" in by["loop"].comments
    assert by["crash"].status == "error"
    # the deleter removed only its own sandbox copy ('../data' resolves there) and was graded normally
    assert by["deleter"].status == "ok", by["deleter"].comments
    assert by["deleter"].total == a.max_score and by["deleter"].kind == "ipynb"
    assert by["peeker"].status == "invalid" and "missing" in by["peeker"].comments  # key withheld, so it ran on
    # a notebook that writes no submission.csv: "a-survivor" in test_hostile_notebooks_cannot_get_out
    assert by["symlink"].status == "error" and "regular file" in by["symlink"].comments
    assert by["notjson"].status == "error" and "notebook" in by["notjson"].comments
    for r in run.results:  # the grader's checks never reach the feedback
        assert "assert" not in r.comments or r.student_id == "peeker"


def test_notebook_total_time_limit(instructor, tmp_path):
    a = load_assignment("actor-roles", instructor / "data")
    subs = tmp_path / "subs"
    subs.mkdir()
    # every cell is short, the whole is too long (6 s of cells for a 4 s notebook limit)
    write_notebook(str(subs / "slow.ipynb"), [("code", "import time\ntime.sleep(1)")] * 6)
    [r] = grade(a, subs, limits=Limits(cell_timeout=3, notebook_timeout=4), progress=False).results
    assert r.status == "timeout" and "in all" in r.comments and r.runtime_s < 11


def test_a_memory_bomb_ends_as_an_error_about_memory(instructor, tmp_path):
    a = load_assignment("actor-roles", instructor / "data")
    subs = tmp_path / "subs"
    subs.mkdir()
    write_notebook(str(subs / "membomb.ipynb"),
                   [("code", "blocks = []\nwhile True:\n    blocks.append(bytearray(50 * 1024 * 1024))")])
    before = _tree_hash(instructor / "data")
    (bomb,) = grade(a, subs, cache_dir=tmp_path / "cache", limits=BOMB_LIMITS, progress=False).results
    assert bomb.status == "error" and "memory" in bomb.comments.lower(), bomb.comments
    assert _tree_hash(instructor / "data") == before


# ------------------------------------------------------------------------------ escapes (issue 13)
# A hostile notebook tries ways out. If it gets out it raises `Escaped` (whose name reaches the
# feedback); if every attempt fails it ends normally -- without writing submission.csv ("error: wrote
# no submission.csv" then means: it ran to its end and found nothing), or, if it is also a classmate,
# handing in the key (status ok means the same).
ESCAPED = "class Escaped(Exception):\n    pass\n"
NO_FILE = "wrote no `submission.csv`"


def _only_survivors(marker: str) -> list[int]:
    import os

    alive = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                if marker.encode() in fh.read():
                    alive.append(int(pid))
        except OSError:
            pass
    return alive


@pytest.mark.parametrize("mode", ["bwrap", "unshare"])
def test_hostile_notebooks_cannot_get_out(instructor, tmp_path, monkeypatch, mode):
    import os
    import socket
    import threading
    import uuid

    from compendium.grading.sandbox import _works

    if not _works(mode):  # the set-up installs bubblewrap where it can; unshare needs root
        pytest.fail(f"{mode} cannot build a sandbox on this machine: tools/install-system-packages installs "
                    "bubblewrap (as root); the unshare fallback needs root")
    monkeypatch.setenv("COMPENDIUM_SANDBOX", mode)

    a = load_assignment("actor-roles", instructor / "data")
    key = template_csv(a, fill_key=True)
    subs, out = tmp_path / "subs", tmp_path / "out"
    subs.mkdir()
    cache = out / ".cache"
    cache.mkdir(parents=True)
    (cache / "perfect.json").write_text("a cached result of a classmate")
    tag = uuid.uuid4().hex[:12]
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    listener.settimeout(0.5)
    port, accepted, stop = listener.getsockname()[1], [], threading.Event()

    def accept():
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
                accepted.append(conn.recv(100))
                conn.close()
            except OSError:
                pass

    threading.Thread(target=accept, daemon=True).start()
    write = lambda name, code: write_notebook(str(subs / f"{name}.ipynb"), [("code", ESCAPED + code)])  # noqa: E731
    # One notebook, classmate2, tries the first three ways out, a cell each (a sandbox costs a second to
    # start), before it hands in the key; the first way that works ends it with `Escaped`, saying which.
    probes = []
    # 1. the key through the library's own location, through the checkout and the instructor's data
    probes.append(
        "import os, pathlib\n"
        "import compendium\n"
        "where = pathlib.Path(compendium.__file__).resolve()\n"
        f"for root in [*where.parents, pathlib.Path({str(ROOT)!r}), pathlib.Path({str(instructor)!r})]:\n"
        "    for rel in ('data/raw/coded/actors.csv', 'raw/coded/actors.csv', 'src', '.git'):\n"
        "        if (root / rel).exists():\n"
        "            raise Escaped(f'found {root / rel}')\n"
        "if os.path.exists('../data/raw/coded/actors.csv'):\n"
        "    raise Escaped('key in the public data')\n")
    # 2. the grader's command line (--out), the cache, /etc/shadow, capabilities, uid
    probes.append(
        "import os\n"
        "for pid in filter(str.isdigit, os.listdir('/proc')):\n"
        "    try:\n"
        "        cmd = open(f'/proc/{pid}/cmdline', 'rb').read()\n"
        "    except OSError:\n"
        "        continue\n"
        "    if b'pytest' in cmd or b'compendium.grading' in cmd or b'.cache' in cmd:\n"
        "        raise Escaped(f'sees the grader: {cmd[:80]!r}')\n"
        f"for path in [{str(cache / 'perfect.json')!r}, {str(out)!r}, '/etc/shadow', {str(subs)!r}, {str(ROOT / 'src')!r}]:\n"
        "    try:\n"
        "        open(path).read() if os.path.isfile(path) else os.listdir(path)\n"
        "        raise Escaped(f'read {path}')\n"
        "    except OSError:\n"
        "        pass\n"
        "caps = [l for l in open('/proc/self/status') if l.startswith('CapEff')][0].split()[1]\n"
        "if int(caps, 16) or os.getuid() == 0 or os.getgid() == 0:\n"
        "    raise Escaped(f'uid {os.getuid()} capabilities {caps}')\n")
    # 3. the network and the shared temporary folders
    probes.append(
        "import socket\n"
        "try:\n"
        f"    s = socket.create_connection(('127.0.0.1', {port}), timeout=1)\n"
        f"    s.sendall(b'stolen-{tag}')\n"
        "    raise Escaped('connected to the host')\n"
        "except OSError:\n"
        "    pass\n"
        f"for d in ('/tmp', '/var/tmp', '/dev/shm'):\n"
        f"    open(f'{{d}}/left-{tag}', 'w').write('x')\n")
    # 4. a double-forked, setsid survivor that keeps overwriting every submission.csv it can find; named to
    # run first (the folder is graded in name order, two at a time), beside classmate1; classmate2 runs after
    # it (a survivor that outlived its sandbox for a while would sabotage it)
    write("a-survivor",
          "import os, glob, time\n"
          "if os.fork() == 0:\n"
          "    os.setsid()\n"
          "    if os.fork() == 0:\n"
          f"        os.execv('/bin/sh', ['sh', '-c', 'while true; do for f in /tmp/*/notebooks/submission.csv "
          f"/tmp/grade-*/*/submission.csv /grade/../*/submission.csv; do echo sabotage > \"$f\"; done; sleep 0.05; "
          f"done # {tag}'])\n"
          "    os._exit(0)\n"
          "time.sleep(1)\n")
    hand_in = "import time\ntime.sleep(1)\n" f"open('submission.csv', 'w').write({key!r})"
    write("classmate1", hand_in)
    write_notebook(str(subs / "classmate2.ipynb"), [("code", ESCAPED)] + [("code", probe) for probe in probes]
                   + [("code", hand_in)])
    run = grade(a, subs, cache_dir=cache, limits=LIMITS, workers=2, progress=False)
    stop.set()
    by = {r.student_id: r for r in run.results}
    assert by["a-survivor"].status == "error" and NO_FILE in by["a-survivor"].comments, by["a-survivor"].comments
    for s in ("classmate1", "classmate2"):
        assert by[s].status == "ok" and by[s].total == a.max_score, (s, by[s].comments)
    assert not accepted, "a notebook reached a listener on the host's loopback"
    for d in ("/tmp", "/var/tmp", "/dev/shm"):
        assert not os.path.exists(f"{d}/left-{tag}"), f"a notebook left a file in the host's {d}"
    assert _only_survivors(tag) == [], "a process of a notebook outlived grading"
    assert run.isolation == mode
    listener.close()


def test_exception_messages_reach_feedback_as_one_short_line(instructor, tmp_path):
    from compendium.grading import clients

    a = load_assignment("actor-roles", instructor / "data")
    subs = tmp_path / "subs"
    subs.mkdir()
    write_notebook(str(subs / "talker.ipynb"),
                   [("code", "raise ValueError('first line\\n' + open('../data/raw/coded/segments.csv').read())")])
    if clients._server is not None:  # also: a fork server of clients that died is replaced, not fatal
        clients._server[0].kill()
        clients._server[0].wait()
    [r] = grade(a, subs, limits=LIMITS, progress=False, unsafe=True).results
    assert r.status == "error" and "raised ValueError: first line --" in r.comments, r.comments
    assert "segment_id" not in r.comments  # nothing after the first line of the message


@pytest.mark.usefixtures("figures_drawn_not_rendered")  # the reports' text is checked here
def test_without_a_sandbox_notebooks_are_refused_unless_unsafe(instructor, tmp_path, monkeypatch):
    from compendium.grading import write_reports

    monkeypatch.setenv("COMPENDIUM_SANDBOX", "none")
    a = load_assignment("actor-roles", instructor / "data")
    subs = tmp_path / "subs"
    subs.mkdir()
    key = template_csv(a, fill_key=True)
    write_notebook(str(subs / "nb.ipynb"), [("code", f"open('submission.csv', 'w').write({key!r})")])
    (subs / "plain.csv").write_text(key)
    run = grade(a, subs, cache_dir=tmp_path / "cache", limits=LIMITS, progress=False)
    by = {r.student_id: r for r in run.results}
    assert by["nb"].status == "refused" and "--unsafe" in by["nb"].comments and by["plain"].status == "ok"
    write_reports(run, tmp_path / "out")
    assert "refused: no sandbox" in (tmp_path / "out" / "class_report.md").read_text()
    run = grade(a, subs, cache_dir=tmp_path / "cache", limits=LIMITS, progress=False, unsafe=True)
    assert {r.student_id: r.status for r in run.results} == {"nb": "ok", "plain": "ok"}  # refusal not cached
    write_reports(run, tmp_path / "out2")
    assert "WITHOUT a sandbox" in (tmp_path / "out2" / "class_report.md").read_text()


def test_an_r_notebook_is_told_a_python_notebook_is_required(instructor, tmp_path):
    import json

    a = load_assignment("actor-roles", instructor / "data")
    subs = tmp_path / "subs"
    subs.mkdir()
    nb = {"cells": [{"cell_type": "code", "source": "x <- 1", "metadata": {}, "outputs": [], "execution_count": None}],
          "metadata": {"kernelspec": {"name": "ir", "language": "R", "display_name": "R"}},
          "nbformat": 4, "nbformat_minor": 5}
    (subs / "rstudent.ipynb").write_text(json.dumps(nb))
    [r] = grade(a, subs, limits=LIMITS, progress=False).results
    assert r.status == "invalid" and "a Python notebook is required" in r.comments and "R" in r.comments


def test_a_notebook_cannot_fill_the_disk(instructor, tmp_path):
    import os

    if os.geteuid() != 0:
        pytest.fail("the disk cap is a tmpfs on the working folder, which needs root: without root a "
                    "notebook can fill the disk (see the README's Grading section)")
    a = load_assignment("actor-roles", instructor / "data")
    subs = tmp_path / "subs"
    subs.mkdir()
    write_notebook(str(subs / "filler.ipynb"), [("code", ESCAPED +
                   "written = 0\n"
                   "try:\n"
                   "    for i in range(8):\n"
                   "        with open(f'fill-{i}', 'wb') as fh:\n"
                   "            fh.write(b'x' * (8 << 20))\n"
                   "        written += 8\n"
                   "except OSError:\n"
                   "    pass\n"
                   "if written >= 64:\n"
                   "    raise Escaped(f'wrote {written} MB')\n")])
    [r] = grade(a, subs, limits=Limits(cell_timeout=10, notebook_timeout=30, work_mb=32), progress=False).results
    assert r.status == "error" and NO_FILE in r.comments, r.comments


@pytest.mark.parametrize("mode", ["bwrap", "unshare"])
def test_a_python_environment_under_tmp_is_still_there_inside(tmp_path, monkeypatch, mode):
    """The sandbox gets a private /tmp; a checkout (and its venv) cloned under /tmp must not vanish
    under it, or every notebook's kernel dies at start (seen on a clone in /tmp)."""
    import subprocess
    import tempfile

    from compendium.grading import sandbox

    if not sandbox._works(mode):
        pytest.fail(f"{mode} does not work here: tools/install-system-packages installs bubblewrap (as root)")
    venv = Path(tempfile.mkdtemp(prefix="venv-under-tmp-", dir="/tmp"))
    try:
        venv.chmod(0o755)
        (venv / "marker").write_text("still here\n")
        (venv / "marker").chmod(0o644)
        monkeypatch.setattr(sandbox, "_python_dirs", lambda: [str(venv)])
        folders = []
        for name in ("data", "work", "kernel", "root"):
            (tmp_path / name).mkdir()
            folders.append(tmp_path / name)
        f = sandbox._Folders(*folders)
        uid = sandbox._fresh_uid()
        for folder in (f.work, f.kernel):
            shutil.chown(folder, uid, uid)
        command = ["cat", str(venv / "marker")]
        cmd = (sandbox.bwrap_command(f, uid, Limits(), command) if mode == "bwrap"
               else sandbox.unshare_command(f, uid, Limits(), command))
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        assert done.stdout == "still here\n", done.stderr
    finally:
        shutil.rmtree(venv)


def test_limits_that_nbclient_cannot_keep_are_a_clear_error():
    """nbclient counts cell and start-up limits in whole seconds; 1.5 used to kill every notebook's client
    before its kernel started, reported as a dead process."""
    with pytest.raises(ValueError, match=r"Limits.cell_timeout: 1.5 -- expected a whole number of seconds"):
        Limits(cell_timeout=1.5)
    with pytest.raises(ValueError, match=r"Limits.notebook_timeout: 0"):
        Limits(notebook_timeout=0)
    assert Limits(cell_timeout=2.0).cell_timeout == 2.0
