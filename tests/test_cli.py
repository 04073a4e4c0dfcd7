"""The command line as a newcomer meets it: help with examples, a version, clear errors, quiet pipes."""

from __future__ import annotations

import subprocess
import sys

import pytest

from compendium import cli

COMMANDS = sorted(cli.EXAMPLES)


def test_version(capsys):
    with pytest.raises(SystemExit) as done:
        cli.main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.startswith("compendium 0.")


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_a_description_and_a_runnable_looking_example(command, capsys):
    with pytest.raises(SystemExit):
        cli.main([command, "--help"])
    text = capsys.readouterr().out
    body = text.split("examples:")[0]
    assert len(body.split("\n\n")[1]) > 60, f"`{command} --help` has no description"
    assert f"\n  compendium {command}" in text, f"`{command} --help` has no example"


def test_every_subcommand_has_its_examples():
    assert set(COMMANDS) == set(cli.parser()._subparsers._group_actions[0].choices)


def test_a_missing_submissions_folder_is_named_plainly(tmp_path, capsys):
    status = cli.main(["grade", "policy-outputs", str(tmp_path / "nowhere"), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert status == 2
    assert "nowhere: no such folder" in err and "Errno" not in err
    assert not (tmp_path / "out").exists()


def test_a_closed_pipe_ends_quietly():
    """`compendium artefacts | head -1`: the reader goes away; no BrokenPipeError traceback. The reading
    end is closed before the command has written anything (it is still importing), so every write
    meets the closed pipe, as the tail of a long output does after `head` exits. (Every command goes
    through the same handler in cli.main; this one prints without evaluating the claims ledger.)"""
    proc = subprocess.Popen([sys.executable, "-m", "compendium.cli", "artefacts"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0, err
    assert "Traceback" not in err and "BrokenPipeError" not in err, err
