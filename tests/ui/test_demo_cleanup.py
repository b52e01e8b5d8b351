"""Demo mode's throwaway vault (known passphrase, fictional cases) does not outlive the app:
a shutdown signal closes the app and removes it, and a folder left by a killed run is
removed at the next launch. Real processes, offscreen."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX signals")


def _env(tmp: Path) -> dict:
    return {**os.environ, "QT_QPA_PLATFORM": "offscreen", "INTAKE_TEST_FAST_KDF": "1", "TMPDIR": str(tmp)}


def _demo_folders(tmp: Path) -> list[Path]:
    return sorted(tmp.glob("intake-demo-*"))


def _dead_pid() -> int:
    from intake_app.fsutil import pid_alive

    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    assert not pid_alive(proc.pid)
    return proc.pid


@posix_only
@pytest.mark.parametrize("signame", ["SIGTERM", "SIGINT", "SIGHUP"])
def test_a_shutdown_signal_removes_the_demo_folder(tmp_path, signame):
    log = tmp_path / "stderr.txt"
    with log.open("w") as err:
        proc = subprocess.Popen([sys.executable, "-m", "ui.app", "--demo", "--demo-cases", "5"], cwd=ROOT,
                                env=_env(tmp_path), stdout=subprocess.DEVNULL, stderr=err)
    try:
        deadline = time.monotonic() + 60
        # the vault is there: the app is up (a process, not Qt signals: poll its folder)
        while not any(p.glob("vault*") for p in _demo_folders(tmp_path)):
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()[-2000:]
            time.sleep(0.05)
        proc.send_signal(getattr(signal, signame))
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 128 + getattr(signal, signame), log.read_text()[-2000:]
    assert _demo_folders(tmp_path) == []


def test_a_killed_runs_folder_goes_at_the_next_launch(tmp_path):
    """At every launch (demo or not): folders of runs whose process is gone are removed;
    a running one's, and names this app did not make, stay."""
    dead = tmp_path / f"intake-demo-{_dead_pid()}-k1ll3d"
    running = tmp_path / f"intake-demo-{os.getppid()}-v1v0"
    other = tmp_path / "intake-demo-sinpid"
    for folder in (dead, running, other):
        (folder / "data").mkdir(parents=True)
        (folder / "data" / "vault.db").write_bytes(b"datos FICTICIOS")
    result = subprocess.run([sys.executable, "-m", "ui.app", "--home", str(tmp_path / "data"), "--smoke-test"],
                            cwd=ROOT, env=_env(tmp_path), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert _demo_folders(tmp_path) == sorted([running, other])


def test_remove_stale_demo_folders(tmp_path):
    from ui.app import remove_stale_demo_folders

    dead = tmp_path / f"intake-demo-{_dead_pid()}-abc"
    mine = tmp_path / f"intake-demo-{os.getpid()}-def"
    for folder in (dead, mine):
        folder.mkdir()
    not_a_folder = tmp_path / f"intake-demo-{_dead_pid()}-file"
    not_a_folder.write_text("no es una carpeta")
    assert remove_stale_demo_folders(tmp_path) == 1
    assert not dead.exists() and mine.is_dir() and not_a_folder.is_file()
    assert remove_stale_demo_folders(tmp_path / "no-existe") == 0
