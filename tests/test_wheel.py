"""The built wheel carries everything an installed copy needs (``pip install .[server]``):
the codebook, translations, fonts and exchange registry under ``intake_resources``, and the
server's migrations, templates and static files, and the licence (AGPL-3.0-or-later, its
text as LICENSE). The installed copy is run away from the checkout, so it cannot fall back on
the source tree's ``resources/``. The wheel is built with the set-up's own setuptools and
wheel (the dev extra), without fetching anything."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import intake_app

ROOT = Path(__file__).resolve().parent.parent
# the GNU AGPL version 3, verbatim (gnu.org's agpl-3.0.txt: 34,523 bytes, 661 lines)
AGPL_3_SHA256 = "8486a10c4393cee1c25392769ddd3b2d6c242d6ec7928e1414efff7dfb2f07ef"

CHECK = r"""
import sys, tempfile
from pathlib import Path
import intake_app
target = Path(sys.argv[1]).resolve()
assert Path(intake_app.__file__).resolve().is_relative_to(target), intake_app.__file__
from intake_app.paths import resources_dir
assert resources_dir().resolve().is_relative_to(target), resources_dir()
from intake_app import i18n
from intake_app.codebook import load_codebook
from intake_app.bundle.serverkeys import KdfParams
from intake_app.server.setup import init_server
cb = load_codebook()
assert cb.fields["gender"].es and i18n.t("value.yes", "es") and i18n.t("value.yes", "en")
assert (resources_dir() / "fonts" / "DejaVuSans.ttf").stat().st_size > 100_000
with tempfile.TemporaryDirectory() as tmp:  # the migrations and keys of the installed copy, on SQLite
    init_server(Path(tmp) / "srv", db_url=None, passphrase="frase ficticia de prueba", admin_username="admin",
                admin_password="clave-ficticia-larga-1", kdf=KdfParams(memory_kib=1024, iterations=1, lanes=1))
print("ok", cb.version)
"""


def test_the_wheel_installs_a_working_copy(tmp_path):
    source = tmp_path / "source"  # a clean copy: a stale build/ folder in the checkout must not help
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".venv", ".git", "build", "dist", "*.egg-info",
                                                                "__pycache__", ".hypothesis", "docs", "tests"))
    out = tmp_path / "wheel"
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-q", "-w", str(out),
                            "--no-build-isolation", "--check-build-dependencies", "--no-index"],
                           cwd=tmp_path, capture_output=True, text=True)
    assert build.returncode == 0, build.stderr[-3000:]
    (wheel,) = out.glob("intake_app-*.whl")
    archive = zipfile.ZipFile(wheel)
    names = set(archive.namelist())
    info = f"intake_app-{intake_app.__version__}.dist-info"
    assert archive.read(f"{info}/licenses/LICENSE") == (ROOT / "LICENSE").read_bytes()
    metadata = archive.read(f"{info}/METADATA").decode()
    assert "License-Expression: AGPL-3.0-or-later" in metadata.splitlines()
    assert "License-File: LICENSE" in metadata.splitlines()
    for needed in ("intake_resources/codebook/codebook-1.0.yaml", "intake_resources/i18n/es.json",
                   "intake_resources/exchange/recipients.yaml", "intake_resources/fonts/DejaVuSans.ttf",
                   "intake_app/server/migrations/versions/0006_dash_delta.py",
                   "intake_app/server/migrations/script.py.mako",  # Alembic's template for a new revision
                   "intake_app/server/templates/dashboard/view.html", "intake_app/server/static/dashboard.js"):
        assert needed in names, needed
    target = tmp_path / "installed"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, capture_output=True)
    env = {**os.environ, "PYTHONPATH": str(target), "INTAKE_TEST_FAST_KDF": "1"}
    env.pop("INTAKE_RESOURCES", None)
    run = subprocess.run([sys.executable, "-c", CHECK, str(target)], cwd=tmp_path, env=env, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.strip() == "ok 1.0"


def test_the_licence_text_is_the_agpl_verbatim():
    text = (ROOT / "LICENSE").read_bytes()
    assert text.startswith(b"                    GNU AFFERO GENERAL PUBLIC LICENSE\n                       Version 3")
    assert hashlib.sha256(text).hexdigest() == AGPL_3_SHA256
