"""A PDF's temporary twin (``.NAME.PID.part``, a whole plaintext copy) left by a process
that died between the write and the rename is removed at the next write of that PDF."""

from __future__ import annotations

import os
import subprocess
import sys

from intake_app.fsutil import pid_alive
from intake_app.printing import print_summary


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    assert not pid_alive(proc.pid)
    return proc.pid


def test_a_dead_process_leftover_goes_and_a_running_one_stays(vault, cases, tmp_path):
    out = tmp_path / "resumen.pdf"
    dead = tmp_path / f".resumen.pdf.{_dead_pid()}.part"
    running = tmp_path / f".resumen.pdf.{os.getppid()}.part"  # pytest's parent: alive, maybe writing
    other = tmp_path / f".otro.pdf.{_dead_pid()}.part"  # another file's: not this write's business
    for p in (dead, running, other):
        p.write_bytes(b"%PDF-1.4 copia FICTICIA a medio renombrar")
    print_summary(vault, cases["intake-adult-woman"], out)
    assert out.read_bytes().startswith(b"%PDF")
    assert not dead.exists()
    assert running.exists() and other.exists()
    assert sorted(p.name for p in tmp_path.glob(".*.part")) == sorted([running.name, other.name])


def test_pid_alive():
    assert pid_alive(os.getpid()) and pid_alive(os.getppid())
    assert not pid_alive(0) and not pid_alive(-1) and not pid_alive(2**40)
    assert not pid_alive(_dead_pid())
