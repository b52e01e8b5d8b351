"""``python -m ui`` starts the desktop app as ``intake-app`` does (a reviewer found it said
"No module named ui.__main__"): its --help answers with the app's own options."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_python_dash_m_ui_runs_the_app(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", INTAKE_TEST_FAST_KDF="1")
    done = subprocess.run([sys.executable, "-m", "ui", "--help"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "--demo" in done.stdout
