"""``intake --version`` and ``intake-server --version`` say the installed version, which is
written twice (pyproject.toml for the wheel, ``intake_app.__version__`` for the programs):
this test keeps the two the same."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import intake_app

ROOT = Path(__file__).resolve().parent.parent


def test_the_version_is_written_once_in_effect():
    declared = re.search(r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text(encoding="utf-8"), re.M)
    assert declared and declared.group(1) == intake_app.__version__


def test_both_programs_say_their_version():
    for module, name in (("intake_app.cli", "intake"), ("intake_app.server.cli", "intake-server")):
        code = f"import sys; from {module} import main; sys.argv[0] = {name!r}; sys.exit(main(['--version']))"
        run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
        assert run.returncode == 0, run.stderr
        assert run.stdout.strip() == f"{name} {intake_app.__version__}", run.stdout
