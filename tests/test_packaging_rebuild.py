"""A wheel built again in a checkout that was built before ships what the sources hold now.
setuptools copies the packages into ``build/lib`` and, left alone, reuses that folder: a file
deleted or renamed since the last build (an Alembic migration: two heads at ``migrate``) was
still in the new wheel, and so in ``pip install /path/to/checkout`` (docs/server.md §1).
setup.py empties ``build/lib`` first. Built with the set-up's own setuptools, offline."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROBES = ("intake_app/stale_probe.py", "intake_app/server/migrations/versions/9999_stale_probe.py")


def _wheel(source: Path, out: Path) -> set[str]:
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-q", "-w", str(out),
                            "--no-build-isolation", "--check-build-dependencies", "--no-index"],
                           cwd=source.parent, capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr[-3000:]
    (wheel,) = out.glob("intake_app-*.whl")
    return set(zipfile.ZipFile(wheel).namelist())


def test_a_file_removed_since_the_last_build_is_not_in_the_next_wheel(tmp_path):
    source = tmp_path / "checkout"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".venv", ".git", "build", "dist", "*.egg-info",
                                                                "__pycache__", ".hypothesis", "docs", "tests"))
    for probe in PROBES:
        (source / probe).write_text('"""A file that is removed before the second build (test)."""\n',
                                    encoding="utf-8")
    first = _wheel(source, tmp_path / "first")
    assert set(PROBES) <= first
    assert (source / "build" / "lib").is_dir()  # what the first build leaves in the checkout
    for probe in PROBES:
        (source / probe).unlink()
    second = _wheel(source, tmp_path / "second")
    assert sorted(set(PROBES) & second) == []
    assert first - set(PROBES) == second


def test_a_build_lib_outside_the_checkouts_build_folder_is_never_emptied(tmp_path):
    """Only setuptools' own folder under the checkout's build/ is emptied: a --build-lib given
    elsewhere (or a folder inside the checkout) keeps what it holds."""
    source = tmp_path / "checkout"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".venv", ".git", "build", "dist", "*.egg-info",
                                                                "__pycache__", ".hypothesis", "docs", "tests"))
    for target in (tmp_path / "elsewhere", source / "bench"):
        keep = target / "keep.txt"
        target.mkdir(exist_ok=True)
        keep.write_text("not setuptools' own\n", encoding="utf-8")
        done = subprocess.run([sys.executable, "setup.py", "-q", "build_py", "--build-lib", str(target)],
                              cwd=source, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]
        assert keep.read_text(encoding="utf-8") == "not setuptools' own\n"
