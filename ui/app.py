"""Entry point of the desktop app (``intake-app``).

Only Qt and a few small core modules are imported before the window shows; the
codebook, SQLCipher and the crypto load on the worker thread afterwards, so the
window appears well within 1.5 s of launch.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

DEMO_OFFICER = "demo"
DEMO_PASSPHRASE = "frase demo ficticia"
DEMO_CASES = 300

# argparse's own words: it asks gettext for them at call time (as Click does, see
# intake_app/cli/click_text.py); in Spanish they come from here while the command line is read
ARGPARSE_SPANISH = {
    "usage: ": "Uso: ",
    "options": "Opciones",
    "positional arguments": "Argumentos",
    "show this help message and exit": "muestra esta ayuda y sale",
    "%(prog)s: error: %(message)s\n": "%(prog)s: error: %(message)s\n",
    "argument %(argument_name)s: %(message)s": "argumento %(argument_name)s: %(message)s",
    "unrecognized arguments: %s": "argumentos no reconocidos: %s",
    "expected one argument": "falta un valor",
    "invalid choice: %(value)r (choose from %(choices)s)":
        "«%(value)s» no es un valor válido; elija uno de: %(choices)s",
    "invalid %(type)s value: %(value)r": "«%(value)s» no es un valor válido",
    "ambiguous option: %(option)s could match %(matches)s": "opción ambigua: %(option)s puede ser %(matches)s",
    "the following arguments are required: %s": "faltan estos argumentos: %s",
}


def _language(argv: list[str]) -> str:
    """The language of the command line's own texts: ``--lang``, else INTAKE_LANG, else Spanish."""
    lang = os.environ.get("INTAKE_LANG", "es")
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            lang = argv[i + 1]
        elif arg.startswith("--lang="):
            lang = arg.partition("=")[2]
    return lang if lang in ("es", "en") else "es"


@contextmanager
def _argparse_words(lang: str) -> Iterator[None]:
    """argparse's usage, headings and errors in ``lang`` while the command line is read."""
    if lang != "es":
        yield
        return
    saved = argparse._, argparse.ngettext
    argparse._ = lambda message: ARGPARSE_SPANISH.get(message, message)
    argparse.ngettext = lambda one, many, n: argparse._(one if n == 1 else many)
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved


def parse_args(argv: list[str]) -> argparse.Namespace:
    from intake_app.i18n import t

    lang = _language(argv)
    with _argparse_words(lang):
        p = argparse.ArgumentParser(prog="intake-app", description=t("ui.cli.description", lang))
        p.add_argument("--home", help=t("ui.cli.home", lang))
        p.add_argument("--demo", action="store_true", help=t("ui.cli.demo", lang))
        p.add_argument("--demo-cases", type=int, default=DEMO_CASES, help=argparse.SUPPRESS)
        p.add_argument("--lang", choices=("es", "en"), help=t("ui.cli.lang", lang))
        p.add_argument("--smoke-test", action="store_true", help=t("ui.cli.smoke_test", lang))
        return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    from intake_app.fsutil import restrict_umask
    from intake_app.logsetup import setup_logging

    restrict_umask()
    setup_logging()
    if args.lang:
        os.environ["INTAKE_LANG"] = args.lang

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from intake_app import i18n
    from intake_app.paths import data_home

    from . import style
    from .text import install_qt_translations

    if args.lang:
        i18n.set_language(args.lang)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("intake-app")
    app.setApplicationDisplayName(i18n.t("ui.app.title"))
    style.apply(app)
    install_qt_translations(i18n.language())

    demo_dir = None
    demo = None
    if args.demo:
        demo_dir = tempfile.mkdtemp(prefix="intake-demo-")
        home = data_home(demo_dir)
        demo = {"officer": DEMO_OFFICER, "passphrase": DEMO_PASSPHRASE, "cases": args.demo_cases}
    else:
        home = data_home(args.home)

    from .mainwindow import MainWindow

    window = MainWindow(home, demo, args.lang)
    if args.smoke_test:
        window.ready.connect(lambda: QTimer.singleShot(0, window.close))
        window.ready.connect(lambda: print("smoke-test: ready", flush=True))
    window.show()
    try:
        return app.exec()
    finally:
        window.backend.shutdown()
        if demo_dir:
            shutil.rmtree(demo_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
