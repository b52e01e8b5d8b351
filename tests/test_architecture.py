"""The core never imports Qt or the desktop front end (STYLE.md rule 1)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_core_has_no_qt_or_ui_import():
    offenders = []
    for path in (ROOT / "intake_app").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top in ("PySide6", "shiboken6", "PyQt5", "PyQt6", "ui"):
                    offenders.append(f"{path.relative_to(ROOT)}: {name}")
    assert offenders == []


def test_importing_the_core_loads_no_qt():
    code = ("import sys, intake_app.cli, intake_app.vault, intake_app.codebook, intake_app.screening;"
            "print([m for m in sys.modules if m.startswith(('PySide6', 'ui'))])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"
