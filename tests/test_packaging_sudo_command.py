"""A command refused because another user owns the server home prints the same command run as
the owner, with the program's absolute path: sudo's ``secure_path`` has no virtualenv's
``bin``, so ``sudo -u intake intake-server …`` (the short name it printed before) was
"command not found" for an install in /opt/intake (docs/server.md §1). Fictional data only."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import click
import pytest

from intake_app.server import cli as server_cli

NOBODY = 65534


def _as_owner(monkeypatch, argv0: str, given: list[str]) -> str:
    monkeypatch.setattr(sys, "argv", [argv0, *given])
    with click.Context(server_cli.cli, info_name="intake-server") as ctx:
        ctx.meta["server.argv"] = (given, 2)
        return server_cli._as_owner("intake", Path("/srv/intake"))


def test_the_owners_command_names_the_console_script_by_its_path(tmp_path, monkeypatch):
    script = tmp_path / "opt intake" / "bin" / "intake-server"  # a space: the path is quoted
    script.parent.mkdir(parents=True)
    script.write_text("#!/bin/sh\n", encoding="utf-8")
    command = _as_owner(monkeypatch, str(script), ["--home=/x", "keys", "rotate"])
    assert shlex.split(command) == ["sudo", "-u", "intake", str(script), "--home", "/srv/intake", "keys", "rotate"]
    monkeypatch.chdir(script.parent)  # started as ./intake-server: still the absolute path
    command = _as_owner(monkeypatch, "./intake-server", ["keys", "rotate"])
    assert shlex.split(command)[3] == str(script)


def test_another_program_keeps_the_short_name(monkeypatch):
    """``python -m intake_app.server.cli`` or a test runner: no console script to point at."""
    command = _as_owner(monkeypatch, "/usr/lib/python3/site-packages/intake_app/server/cli.py", ["migrate"])
    assert command == "sudo -u intake intake-server --home /srv/intake migrate"


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                    reason="giving a folder to another user needs root (POSIX)")
def test_the_installed_program_prints_a_command_sudo_can_find(tmp_path):
    import pwd

    program = Path(sys.executable).parent / "intake-server"
    if not program.is_file():
        pytest.skip("no intake-server console script beside this Python")
    home = tmp_path / "srv"
    home.mkdir(mode=0o700)
    os.chown(home, NOBODY, NOBODY)
    owner = pwd.getpwuid(NOBODY).pw_name
    env = {**os.environ, "INTAKE_LANG": "es"}
    env.pop("INTAKE_SERVER_HOME", None)
    run = subprocess.run([str(program), "--home", str(home), "keys", "rotate"], capture_output=True, text=True,
                         timeout=120, env=env, cwd=tmp_path)
    assert run.returncode == 2, run.stderr
    expected = shlex.join(["sudo", "-u", owner, str(program), "--home", str(home), "keys", "rotate"])
    assert expected in run.stderr, run.stderr
    assert list(home.iterdir()) == []
