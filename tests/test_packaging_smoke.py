"""The packaging smoke test as a windowed build runs it: PyInstaller's ``console=False`` on
Windows gives the program no stdout and no stderr, and cmd.exe does not wait for it, so the
result must be in the exit code and in the ``--smoke-test-report`` file, a startup that never
gets ready must end by itself, and logging must neither write to ``None`` nor be lost when the
operator asks for a log file (docs/desktop.md, "Windows recipe")."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# the program as a windowed build starts it: no stdout, no stderr
WINDOWED = """
import sys
sys.stdout = sys.stderr = None
{patch}
from ui.app import main
sys.exit(main(sys.argv[1:]))
"""


def _env(**extra) -> dict:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "INTAKE_TEST_FAST_KDF": "1", **extra}
    for name in ("INTAKE_LOG", "INTAKE_LOG_FILE", "INTAKE_RESOURCES"):
        if name not in extra:
            env.pop(name, None)
    return env


def _windowed(*args, patch: str = "", env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", WINDOWED.format(patch=patch), *args], cwd=ROOT,
                          env=env or _env(), capture_output=True, text=True, timeout=120)


def test_a_windowed_build_reports_ready_in_a_file_and_its_exit_code(tmp_path):
    report, log = tmp_path / "smoke.txt", tmp_path / "intake.log"
    env = _env(INTAKE_LOG="DEBUG", INTAKE_LOG_FILE=str(log))
    run = _windowed("--demo", "--demo-cases", "5", "--smoke-test-report", str(report), env=env)
    assert run.returncode == 0, run.stderr[-2000:]
    assert report.read_text(encoding="utf-8").splitlines() == ["smoke-test: ready", "0"]
    # the log the operator asked for: written (the fast-KDF warning at least), owner-only
    assert "WARNING" in log.read_text(encoding="utf-8")
    if os.name == "posix":
        assert stat.S_IMODE(log.stat().st_mode) == 0o600


def test_a_startup_that_never_gets_ready_ends_with_3_by_itself(tmp_path):
    """The codebook cannot load: the window shows the error and would wait forever."""
    resources = tmp_path / "resources"
    shutil.copytree(ROOT / "resources", resources, ignore=shutil.ignore_patterns("codebook"))
    report = tmp_path / "smoke.txt"
    run = _windowed("--home", str(tmp_path / "data"), "--smoke-test-report", str(report),
                    "--smoke-test-timeout", "2", env=_env(INTAKE_RESOURCES=str(resources)))
    assert run.returncode == 3
    assert report.read_text(encoding="utf-8").splitlines() == ["smoke-test: not ready after 2 s", "3"]


def test_an_error_at_startup_ends_with_1_and_names_what_is_missing(tmp_path):
    """A module the frozen build left out: its name is in the report, not in a traceback
    dialog that would keep a windowed build (and the script waiting for it) open."""
    patch = ("import ui.mainwindow\n"
             "def broken(*args, **kwargs):\n"
             "    raise ModuleNotFoundError('no module', name='PySide6.QtPdf')\n"
             "ui.mainwindow.MainWindow = broken")
    report = tmp_path / "smoke.txt"
    run = _windowed("--home", str(tmp_path / "data"), "--smoke-test-report", str(report), patch=patch)
    assert run.returncode == 1
    assert report.read_text(encoding="utf-8").splitlines() == [
        "smoke-test: failed (ModuleNotFoundError: PySide6.QtPdf)", "1"]


def test_a_report_that_cannot_be_written_is_not_a_pass(tmp_path):
    run = _windowed("--home", str(tmp_path / "data"), "--smoke-test-report", str(tmp_path / "no" / "smoke.txt"))
    assert run.returncode == 1


def test_packaging_smoke_test_script_on_the_checkouts_app(tmp_path):
    """packaging/smoke_test.sh (what `make package` runs on the frozen build) on a stand-in
    for the built program that starts the checkout's app: it passes, and fails when the
    app cannot get ready."""
    program = tmp_path / "intake-app"
    program.write_text(f'#!/bin/sh\ncd "{ROOT}" && '
                       f'exec "{sys.executable}" -m ui.app --smoke-test-timeout ${{SMOKE_TIMEOUT:-60}} "$@"\n')
    program.chmod(0o755)
    env = _env()
    env.pop("QT_QPA_PLATFORM")
    run = subprocess.run(["sh", str(ROOT / "packaging" / "smoke_test.sh"), str(program)], env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, (run.stdout + run.stderr)[-3000:]
    assert run.stdout.strip().endswith("smoke test: ok")
    resources = tmp_path / "resources"
    shutil.copytree(ROOT / "resources", resources, ignore=shutil.ignore_patterns("codebook"))
    env["INTAKE_RESOURCES"] = str(resources)
    env["SMOKE_TIMEOUT"] = "5"  # this one never gets ready: no need to wait a loaded machine's minute
    run = subprocess.run(["sh", str(ROOT / "packaging" / "smoke_test.sh"), str(program)], env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 1
    assert "smoke test (first-run): the app did not get ready" in run.stdout
    assert "smoke-test: not ready after 5 s" in run.stdout
