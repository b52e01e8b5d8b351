"""``intake --version``, ``intake-server --version`` and ``intake-app --version`` say the
installed version, which is written twice (pyproject.toml for the wheel,
``intake_app.__version__`` for the programs): this test keeps the two the same. The desktop
app answers without importing Qt (no display needed; ``intake-app --version`` was a usage
error before)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import intake_app

ROOT = Path(__file__).resolve().parent.parent


def test_the_version_is_written_once_in_effect():
    declared = re.search(r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text(encoding="utf-8"), re.M)
    assert declared and declared.group(1) == intake_app.__version__


PROGRAMS = (("intake_app.cli", "intake"), ("intake_app.server.cli", "intake-server"), ("ui.__main__", "intake-app"))
SAY_VERSION = """
import atexit, sys
from {module} import main
atexit.register(lambda: print("Qt imported" if "PySide6" in sys.modules else "", file=sys.stderr))
sys.argv[0] = {name!r}
sys.exit(main(["--version"]))
"""


def test_every_program_says_its_version():
    for module, name in PROGRAMS:
        env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
        run = subprocess.run([sys.executable, "-c", SAY_VERSION.format(module=module, name=name)],
                             capture_output=True, text=True, timeout=60, cwd=ROOT, env=env)
        assert run.returncode == 0, (name, run.stderr)
        assert run.stdout.strip() == f"{name} {intake_app.__version__}", run.stdout
        assert "Qt imported" not in run.stderr, name
