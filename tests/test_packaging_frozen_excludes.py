"""The frozen desktop app leaves the venv's build tools out (setuptools, distutils,
_distutils_hack, pkg_resources, wheel, pip): PyInstaller's setuptools hooks had pulled some 170
of their modules into the bundle, against the spec's aim of a small field app. Leaving them out
is safe only while the app never imports them: this runs the app's smoke test (demo vault,
offscreen) with the spec's hidden imports loaded and checks that none of them was imported.
(`make package` then packaging/smoke_test.sh check the real build.)"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.test_packaging_recipes import _spec_list

ROOT = Path(__file__).resolve().parent.parent
BUILD_TOOLS = ("setuptools", "distutils", "_distutils_hack", "pkg_resources", "wheel", "pip")
RUN = """
import atexit, importlib, sys
before = set(sys.modules)  # the venv's .pth files load _distutils_hack at start-up: not the app's doing
def new_build_tools():
    found = sorted(n for n in set(sys.modules) - before if n.partition(".")[0] in {tools!r})
    print("build tools imported:", found, file=sys.stderr)
atexit.register(new_build_tools)
for name in {hidden!r}:
    importlib.import_module(name)
from ui.app import main
sys.exit(main(["--demo", "--demo-cases", "5", "--smoke-test"]))
"""


def test_the_spec_leaves_the_build_tools_out():
    excluded = set(_spec_list("excludes"))
    assert sorted(set(BUILD_TOOLS) - excluded) == []


def test_the_app_imports_no_build_tool():
    hidden = _spec_list("hiddenimports")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "INTAKE_TEST_FAST_KDF": "1"}
    run = subprocess.run([sys.executable, "-c", RUN.format(tools=BUILD_TOOLS, hidden=hidden)], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=180)
    assert run.returncode == 0 and "smoke-test: ready" in run.stdout, run.stderr[-2000:]
    assert "build tools imported: []" in run.stderr, run.stderr[-2000:]
