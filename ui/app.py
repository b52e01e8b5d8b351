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

DEMO_OFFICER = "demo"
DEMO_PASSPHRASE = "frase demo ficticia"
DEMO_CASES = 300


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="intake-app", description="Registro de casos / case intake")
    p.add_argument("--home", help="carpeta de datos / data folder (INTAKE_HOME)")
    p.add_argument("--demo", action="store_true",
                   help="bóveda temporal con casos ficticios / throwaway vault with fictional cases")
    p.add_argument("--demo-cases", type=int, default=DEMO_CASES, help=argparse.SUPPRESS)
    p.add_argument("--lang", choices=("es", "en"), help="idioma / language")
    p.add_argument("--smoke-test", action="store_true",
                   help="abrir, esperar a que esté lista y salir / start, wait until ready, quit (packaging check)")
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
