"""The sdist carries what MANIFEST.in promises: the documentation the README links to, the
tests, the benchmarks, the packaging recipe and the Makefile; not what a build or a test run
leaves. A wheel built from the unpacked sdist holds the same files as one built from the
sources, and every data file in the packages is in the wheel (Alembic's ``script.py.mako``
was left out). Built with the set-up's own setuptools, offline, from a clean copy."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MAX_SDIST_BYTES = 15_000_000  # about 9 MB with the README's screenshots; all of them would be 10 MB more
SDIST = "import sys; from setuptools import build_meta; print(build_meta.build_sdist(sys.argv[1]))"
# the package folders and how they are named in the wheel (pyproject.toml's package-dir)
PACKAGES = {"intake_app": "intake_app", "ui": "ui", "resources": "intake_resources"}


def _copy(target: Path) -> Path:
    shutil.copytree(ROOT, target, ignore=shutil.ignore_patterns(
        ".venv", ".git", "build", "dist", "*.egg-info", "__pycache__", ".hypothesis", ".pytest_cache", "*.pyc",
        ".import_linter_cache"))
    return target


def _wheel(source: Path, out: Path) -> set[str]:
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-q", "-w", str(out),
                            "--no-build-isolation", "--check-build-dependencies", "--no-index"],
                           cwd=out.parent, capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr[-3000:]
    (wheel,) = out.glob("intake_app-*.whl")
    return set(zipfile.ZipFile(wheel).namelist())


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sdist")
    source = _copy(tmp / "source")
    (source / "tests" / "__pycache__").mkdir(exist_ok=True)  # what a test run leaves: not shipped
    (source / "tests" / "__pycache__" / "probe.cpython-311.pyc").write_bytes(b"")
    out = tmp / "sdist"
    run = subprocess.run([sys.executable, "-c", SDIST, str(out)], cwd=source, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    sdist = out / run.stdout.strip().splitlines()[-1]
    with tarfile.open(sdist) as tar:
        tar.extractall(tmp / "unpacked", filter="data")
        names = {n.partition("/")[2] for n in tar.getnames() if tar.getmember(n).isfile()}
    (unpacked,) = (tmp / "unpacked").iterdir()
    return {"source": source, "sdist": sdist, "names": names, "unpacked": unpacked, "tmp": tmp}


def test_the_sdist_carries_the_docs_tests_and_tools(built):
    names = built["names"]
    for needed in ("Makefile", "MANIFEST.in", "LICENSE", "README.md", "packaging/intake-app.spec",
                   "packaging/smoke_test.sh", "packaging/launch.py", "bench/__main__.py", "tests/conftest.py",
                   "tests/test_wheel.py", "tests/data", "docs/server.md", "docs/samples/make_samples.py"):
        assert needed in names or any(n.startswith(needed + "/") for n in names), needed
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    linked = {m.split("#")[0] for m in re.findall(r"\]\(([^)\s]+)\)", readme) if "://" not in m and m[0] != "#"}
    for target in sorted(linked):
        target = target.rstrip("/")
        assert target in names or any(n.startswith(target + "/") for n in names), target
    assert [n for n in names if "__pycache__" in n or n.endswith(".pyc") or n.startswith(("build/", ".venv/"))] == []
    assert built["sdist"].stat().st_size < MAX_SDIST_BYTES


def test_the_sdist_builds_the_same_wheel_as_the_sources(built):
    from_sources = _wheel(built["source"], built["tmp"] / "wheel-sources")
    from_sdist = _wheel(built["unpacked"], built["tmp"] / "wheel-sdist")
    assert from_sdist == from_sources
    shipped = set()
    for folder, package in PACKAGES.items():
        for path in (built["source"] / folder).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                shipped.add("/".join((package, *path.relative_to(built["source"] / folder).parts)))
    assert sorted(shipped - from_sources) == []
    assert "intake_app/server/migrations/script.py.mako" in from_sources
