"""What pyproject.toml declares: the console scripts say which extra to install when it is
missing (not a traceback), the wrappers know the real extras, and every dependency declared
is one the code uses."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]

# declared for another package's sake, not imported by this code
USED_BY_ANOTHER = {
    "uharfbuzz": "reportlab shapes complex scripts with it (intake_app/printing/fonts.py)",
    "rl-accel": "reportlab imports _rl_accel itself, through exec",
}

RUN_SCRIPT = """
import importlib, sys
for name in sys.argv[2:]:
    sys.modules[name] = None  # as if the extra were not installed
module, _, function = sys.argv[1].partition(":")
sys.exit(getattr(importlib.import_module(module), function)(["--help"]))
"""


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@pytest.mark.parametrize(("script", "extra", "blocked"), [
    ("intake-app", "desktop", ["PySide6"]),
    ("intake-server", "server", ["sqlalchemy"]),
])
def test_a_missing_extra_is_named_spanish_first_and_exits_2(script, extra, blocked):
    target = PROJECT["scripts"][script]
    run = subprocess.run([sys.executable, "-c", RUN_SCRIPT, target, *blocked], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 2, (run.stdout + run.stderr)[-2000:]
    assert "Traceback" not in run.stderr
    spanish, english = run.stderr.strip().splitlines()
    install = f'pip install "intake-app[{extra}]"'
    assert spanish.startswith(f"{script}: falta") and install in spanish
    assert english.startswith(f"{script}: the") and install in english
    assert blocked[0] in spanish


@pytest.mark.parametrize("script", ["intake-app", "intake-server", "intake"])
def test_the_console_scripts_still_run_with_their_extras(script):
    target = PROJECT["scripts"][script]
    run = subprocess.run([sys.executable, "-c", RUN_SCRIPT, target], cwd=ROOT, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.startswith(("Uso:", "Usage:", "usage:"))


def test_the_wrappers_name_real_extras_and_check_modules_they_bring():
    from intake_app.entry import EXTRA_MODULES

    extras = PROJECT["optional-dependencies"]
    by_module = importlib.metadata.packages_distributions()
    for extra, modules in EXTRA_MODULES.items():
        assert extra in extras, extra
        declared = {_norm(Requirement(r).name) for r in extras[extra]}
        for module in modules:
            assert declared & {_norm(d) for d in by_module.get(module, [])}, (extra, module)


def _imported_top_level_names() -> set[str]:
    names: set[str] = set()
    for package in ("intake_app", "ui"):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names.update(alias.name.partition(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names.add(node.module.partition(".")[0])
    return names


def test_every_declared_dependency_is_used():
    """jellyfish stayed in the list long after the code stopped importing it."""
    by_module = importlib.metadata.packages_distributions()
    used = {_norm(dist) for name in _imported_top_level_names() for dist in by_module.get(name, [])}
    declared = list(PROJECT["dependencies"])
    for extra in ("desktop", "server"):
        declared += PROJECT["optional-dependencies"][extra]
    unused = sorted({_norm(Requirement(r).name) for r in declared} - used - set(USED_BY_ANOTHER))
    assert unused == []
