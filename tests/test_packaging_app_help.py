"""``intake-app --help`` as ``intake --help`` and ``intake-server --help``: every option's text
in Spanish, then English, whatever the language (a person who reads only English and does not
know ``--lang`` yet reads it too); a value's name in the language of argparse's own words
(CARPETA, as the others); and the options docs/desktop.md documents for packaging checks
(--smoke-test-report, --smoke-test-timeout, --demo-cases) listed. Before, the help was Spanish
only, said HOME, and hid those three. It answers without a display and without Qt."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HELP = """
import atexit, sys
from ui.__main__ import main
atexit.register(lambda: print("Qt imported" if "PySide6" in sys.modules else "", file=sys.stderr))
sys.exit(main(sys.argv[1:]))
"""


def _help(*args: str) -> str:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "INTAKE_LANG")}
    run = subprocess.run([sys.executable, "-c", HELP, *args, "--help"], capture_output=True, text=True, timeout=60,
                         cwd=ROOT, env={**env, "COLUMNS": "200"})
    assert run.returncode == 0, run.stderr
    assert "Qt imported" not in run.stderr
    return run.stdout


def test_the_desktop_apps_help_is_spanish_then_english():
    out = _help()
    assert out.startswith("Uso: intake-app") and "Opciones:" in out
    assert "Registro de casos sin conexión (aplicación de escritorio) / Offline case intake (desktop app)." in out
    assert "--home CARPETA" in out and "carpeta de datos (o la variable INTAKE_HOME) / data folder" in out
    assert "--version" in out and "versión / version" in out
    for option in ("--demo-cases NÚMERO", "--smoke-test-report ARCHIVO", "--smoke-test-timeout SEGUNDOS"):
        assert option in out, option
    options = out.split("Opciones:\n", 1)[1].split("\n  -")  # one option each (a long one wraps)
    assert len(options) == 9 and options[0].startswith("  -h, --help")
    for option in options[1:]:
        assert " / " in option, option  # every option but argparse's own -h: Spanish, then English


def test_with_lang_en_argparses_words_are_english_and_the_texts_stay_bilingual():
    out = _help("--lang", "en")
    assert out.startswith("usage: intake-app") and "options:" in out and "Opciones" not in out
    assert "--home DIRECTORY" in out and "carpeta de datos (o la variable INTAKE_HOME) / data folder" in out
    assert "--smoke-test-report FILE" in out and "--smoke-test-timeout SECONDS" in out
