"""The recipes beside the code: the Makefile's set-up on a fresh Debian machine, and the
PyInstaller spec's hidden imports. (`make` itself is not run here: `make test` is what runs
this suite.)"""

from __future__ import annotations

import ast
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAKEFILE = (ROOT / "Makefile").read_text(encoding="utf-8")


def _variable(name: str) -> str:
    match = re.search(rf"^{name}\s*[:?]?=\s*(.*)$", MAKEFILE, re.M)
    assert match, name
    return match.group(1).strip()


def _rule(target: str) -> tuple[list[str], list[str]]:
    """A rule's prerequisites (order-only ones too) and its recipe lines."""
    lines = MAKEFILE.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{target}:"))
    prerequisites = lines[start].partition(":")[2].replace("|", " ").split()
    recipe = []
    for line in lines[start + 1:]:
        if not line.startswith("\t"):
            break
        recipe.append(line[1:])
    return prerequisites, recipe


def test_python3_venv_is_installed_before_the_venv_is_made():
    """`python3 -m venv` fails on a fresh Debian without python3-venv: the apt step, which
    installs it when missing, must come first."""
    assert "python3-venv" in _variable("DEBS").split()
    prerequisites, _ = _rule("$(STAMP)")
    assert "$(APT_STAMP)" in prerequisites
    apt_prerequisites, _ = _rule("$(APT_STAMP)")
    assert "$(STAMP)" not in apt_prerequisites


def test_a_venv_left_without_pip_is_made_again(tmp_path):
    """A venv made while python3-venv was missing has bin/python and no pip; the set-up
    must not take bin/python alone as a working venv."""
    _, recipe = _rule("$(STAMP)")
    make_venv = recipe[0]
    assert "-m venv" in make_venv
    venv = tmp_path / ".venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    assert subprocess.run([str(python), "-m", "pip", "--version"], capture_output=True).returncode != 0
    line = (make_venv.replace("$(PY)", str(python)).replace("$(PYTHON)", sys.executable)
            .replace("$(VENV)", str(venv)))
    assert "$(" not in line
    subprocess.run(["sh", "-c", line], check=True, cwd=tmp_path, capture_output=True, timeout=300)
    assert subprocess.run([str(python), "-m", "pip", "--version"], capture_output=True).returncode == 0


def _spec_list(name: str) -> list[str]:
    tree = ast.parse((ROOT / "packaging" / "intake-app.spec").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name for t in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError(name)


def test_the_spec_hides_no_import_it_needs():
    """reportlab imports its C accelerators with exec("from _rl_accel import ..."), which
    PyInstaller cannot see: without the hidden import the frozen app runs the slow pure-Python
    fallbacks. Every hidden import must exist (a typo is silently ignored by PyInstaller)."""
    hidden = _spec_list("hiddenimports")
    assert "_rl_accel" in hidden
    missing = [name for name in hidden if importlib.util.find_spec(name) is None]
    assert missing == []
    excluded = set(_spec_list("excludes"))
    assert not [name for name in hidden if name in excluded or name.partition(".")[0] in excluded]
