"""Entry point of the desktop app (``intake-app``).

Only Qt and a few small core modules are imported before the window shows; the
codebook, SQLCipher and the crypto load on the worker thread afterwards, so the
window appears well within 1.5 s of launch.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

DEMO_PREFIX = "intake-demo-"  # then the process id, "-", tempfile's random part
DEMO_NAME = re.compile(re.escape(DEMO_PREFIX) + r"(\d+)-.+")
QUIT_SIGNALS = ("SIGTERM", "SIGINT", "SIGHUP")  # a shutdown or `kill`, Ctrl+C, the terminal closed
SIGNAL_CHECK_MS = 200
DEMO_OFFICER = "demo"
DEMO_PASSPHRASE = "frase demo ficticia"
DEMO_CASES = 300
SMOKE_TIMEOUT_S = 60.0  # --smoke-test gives up when the window is not ready by then
SMOKE_FAILED = 1  # --smoke-test's exit codes besides 0 (ready): an error at startup,
SMOKE_NOT_READY = 3  # or not ready in time (a startup that failed on the worker shows its error and waits)

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


# a value's name in the help, in the language of argparse's own words (as Click's CARPETA and
# DIRECTORY in `intake --help`)
METAVARS = {"es": ("CARPETA", "ARCHIVO", "SEGUNDOS", "NÚMERO"), "en": ("DIRECTORY", "FILE", "SECONDS", "NUMBER")}


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The command line. Its help is Spanish, then English, as `intake --help` and
    `intake-server --help` are; argparse's own words follow ``--lang``. Nothing here imports
    Qt: ``--help`` and ``--version`` answer without a display (and in a frozen build)."""
    from intake_app import __version__
    from intake_app.i18n import t

    def both(key: str, **params) -> str:
        return f"{t(key, 'es', **params).rstrip('.')} / {t(key, 'en', **params)}"

    lang = _language(argv)
    folder, file, seconds, number = METAVARS[lang]
    with _argparse_words(lang):
        p = argparse.ArgumentParser(prog="intake-app", description=both("ui.cli.description"))
        p.add_argument("--version", action="version", version=f"%(prog)s {__version__}",
                       help=both("ui.cli.version"))
        p.add_argument("--home", metavar=folder, help=both("ui.cli.home"))
        p.add_argument("--demo", action="store_true", help=both("ui.cli.demo"))
        p.add_argument("--demo-cases", type=int, default=DEMO_CASES, metavar=number,
                       help=both("ui.cli.demo_cases", count=DEMO_CASES))
        p.add_argument("--lang", choices=("es", "en"), help=both("ui.cli.lang"))
        p.add_argument("--smoke-test", action="store_true", help=both("ui.cli.smoke_test"))
        # packaging checks (docs/desktop.md): a windowed build has no stdout, so the result
        # can go to a file too (and always to the exit code); the report implies --smoke-test
        p.add_argument("--smoke-test-report", metavar=file,
                       help=both("ui.cli.smoke_test_report"))
        p.add_argument("--smoke-test-timeout", type=float, default=SMOKE_TIMEOUT_S, metavar=seconds,
                       help=both("ui.cli.smoke_test_timeout", seconds=f"{SMOKE_TIMEOUT_S:g}"))
        return p.parse_args(argv)


def remove_stale_demo_folders(folder: str | os.PathLike | None = None) -> int:
    """Remove demo folders (known passphrase, typed training data) of runs that are gone:
    killed (SIGKILL, Windows' End task) or cut by a power loss before they could clean up.
    ``intake-demo-PID-*`` folders of this user whose process is not running; a recycled
    PID keeps one until that process ends too. Returns how many went."""
    from intake_app.fsutil import pid_alive

    root = Path(folder or tempfile.gettempdir())
    removed = 0
    with suppress(OSError):
        for entry in os.scandir(root):
            match = DEMO_NAME.fullmatch(entry.name)
            if not match or not entry.is_dir(follow_symlinks=False) or pid_alive(int(match.group(1))):
                continue
            if hasattr(os, "getuid") and entry.stat(follow_symlinks=False).st_uid != os.getuid():
                continue  # another user's: not ours to judge
            shutil.rmtree(entry.path, ignore_errors=True)
            removed += 1
    return removed


def quit_on_signals(app) -> None:
    """SIGTERM, SIGINT and SIGHUP close the windows (the draft is kept) and end the event
    loop with 128 + the signal's number, so ``main``'s cleanup runs. Python runs a signal
    handler only when it has control: a timer gives it a turn while Qt waits. A signal
    that comes before the loop starts is acted on as soon as it does. (Windows has no
    SIGTERM to catch: a killed demo's folder goes at the next launch.)"""
    import signal

    from PySide6.QtCore import QTimer

    def stop(code: int) -> None:
        app.closeAllWindows()
        app.exit(code)

    def handler(signum, _frame) -> None:
        QTimer.singleShot(0, lambda: stop(128 + signum))

    for name in QUIT_SIGNALS:
        if hasattr(signal, name):
            with suppress(ValueError):  # not the main thread: leave the signals alone
                signal.signal(getattr(signal, name), handler)
    tick = QTimer(app)
    tick.timeout.connect(lambda: None)
    tick.start(SIGNAL_CHECK_MS)


def where(tb) -> str:
    """The frames of a traceback as "ui/mainwindow.py:262 < ui/worker.py:88": the file's last
    two path parts (never a home folder, which may be a person's name) and the line, no values."""
    import traceback

    return " < ".join(f"{'/'.join(Path(f.filename).parts[-2:])}:{f.lineno}"
                      for f in reversed(traceback.extract_tb(tb)))


def install_excepthook(app) -> None:
    """An error nobody caught (in a slot, a timer, a thread) is logged through the privacy
    filter as its class and the frames' file:line only (its message and the values in the
    frames may quote what the officer typed), never printed raw to stderr; with a window
    open, a worded message says so, once at a time, in the GUI thread."""
    import threading

    from PySide6.QtCore import QObject, Signal

    log = logging.getLogger(__name__)

    class Notice(QObject):
        raised = Signal()  # from any thread: delivered in the GUI thread

    notice = Notice(app)
    notice.raised.connect(show_error_notice)

    def hook(kind, value, tb) -> None:
        try:
            log.error("uncaught %s at %s", kind.__name__, where(tb))
            notice.raised.emit()
        except Exception:  # the hook itself must never fail loudly (nor print the original)
            pass

    def thread_hook(args) -> None:
        if args.exc_type is not SystemExit:
            hook(args.exc_type, args.exc_value, args.exc_traceback)

    sys.excepthook = hook
    threading.excepthook = thread_hook


def show_error_notice() -> None:
    """«Algo no funcionó…» over the main window, if one is shown (one message at a time)."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QMainWindow, QMessageBox

    from .text import tr

    windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMainWindow) and w.isVisible()]
    if not windows or any(isinstance(w, QMessageBox) and w.objectName() == "uncaught" and w.isVisible()
                          for w in windows[0].findChildren(QMessageBox)):
        return
    box = QMessageBox(QMessageBox.Icon.Warning, tr("ui.app.title"), tr("ui.error.uncaught"),
                      QMessageBox.StandardButton.Ok, windows[0])
    box.setObjectName("uncaught")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()


class SmokeTest:
    """``--smoke-test``: quit as soon as the window is ready, with 0; with SMOKE_NOT_READY when
    it is not ready within the timeout, SMOKE_FAILED on an error. The result line goes to
    stdout when there is one and to the ``--smoke-test-report`` file when asked: a windowed
    build (PyInstaller's ``console=False`` on Windows) has neither stdout nor stderr."""

    def __init__(self, report: str | None, timeout_s: float) -> None:
        self.report = report
        self.timeout_s = timeout_s
        self.ready = False
        self.timed_out = False

    def watch(self, app, window) -> None:
        from PySide6.QtCore import QTimer

        timer = QTimer(app)
        timer.setSingleShot(True)

        def give_up() -> None:
            self.timed_out = True
            app.exit(SMOKE_NOT_READY)

        def ready() -> None:
            timer.stop()
            self.ready = True
            QTimer.singleShot(0, window.close)

        timer.timeout.connect(give_up)
        window.ready.connect(ready)
        timer.start(max(0, int(self.timeout_s * 1000)))

    def finish(self, code: int, error: BaseException | None = None) -> int:
        if error is not None:  # the type, and a missing module's name (a frozen build's usual fault)
            missing = f": {error.name}" if isinstance(error, ImportError) and error.name else ""
            code, line = SMOKE_FAILED, f"smoke-test: failed ({type(error).__name__}{missing})"
            logging.getLogger(__name__).error("smoke test failed", exc_info=error)  # through the privacy filter
        elif self.ready and code == 0:
            line = "smoke-test: ready"
        elif self.timed_out:
            code, line = SMOKE_NOT_READY, f"smoke-test: not ready after {self.timeout_s:g} s"
        else:
            code, line = code or SMOKE_FAILED, f"smoke-test: failed (exit {code})"
        if sys.stdout is not None:
            with suppress(OSError, ValueError):
                print(line, flush=True)
        if self.report:
            try:
                Path(self.report).write_text(f"{line}\n{code}\n", encoding="utf-8")
            except OSError:
                return code or SMOKE_FAILED  # asked for a report that cannot be written: not a pass
        return code


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if not (args.smoke_test or args.smoke_test_report):
        return _run(args, None)
    smoke = SmokeTest(args.smoke_test_report, args.smoke_test_timeout)
    try:
        code = _run(args, smoke)
    except Exception as exc:  # in a windowed build nobody would see the traceback
        return smoke.finish(SMOKE_FAILED, exc)
    return smoke.finish(code)


def _run(args: argparse.Namespace, smoke: SmokeTest | None) -> int:
    from intake_app.fsutil import restrict_umask
    from intake_app.logsetup import setup_logging
    from intake_app.nodump import protect_process

    protect_process()  # no core file or crash report with the vault's key and the cases in memory
    restrict_umask()
    setup_logging()
    if args.lang:
        os.environ["INTAKE_LANG"] = args.lang

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
    install_excepthook(app)  # an uncaught error: logged without values, worded on screen

    quit_on_signals(app)  # before the demo folder exists
    remove_stale_demo_folders()
    demo_dir = None
    demo = None
    window = None
    try:
        if args.demo:
            demo_dir = tempfile.mkdtemp(prefix=f"{DEMO_PREFIX}{os.getpid()}-")
            home = data_home(demo_dir)
            demo = {"officer": DEMO_OFFICER, "passphrase": DEMO_PASSPHRASE, "cases": args.demo_cases}
        else:
            home = data_home(args.home)

        from .mainwindow import MainWindow

        window = MainWindow(home, demo, args.lang)
        if smoke is not None:
            smoke.watch(app, window)
        window.show()
        return app.exec()
    finally:
        if window is not None:
            window.backend.shutdown()
        if demo_dir:
            shutil.rmtree(demo_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
