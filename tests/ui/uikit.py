"""Helpers the desktop tests share (the fixtures are in conftest.py). A module of its own,
imported as ``tests.ui.uikit``: ``from conftest import …`` picked up whichever conftest
was imported first when several test folders ran together."""

from __future__ import annotations

PASSPHRASE = "frase ficticia de la prueba"
OFFICER = "oficial.ficticia"



def wizard_to_device_page(win, post: str = "cr_paso_canoas"):
    """Fill the first-run wizard up to its last page (the optional enrollment request)."""
    wiz = win.wizard_widget
    wiz.next()
    wiz.officer_page.name.setText(OFFICER)
    wiz.officer_page.passphrase.setText(PASSPHRASE)
    wiz.officer_page.repeat.setText(PASSPHRASE)
    wiz.next()
    wiz.post_page.post.setCurrentIndex(wiz.post_page.post.findData(post))
    wiz.next()
    assert wiz.currentPage() is wiz.device_page
    return wiz


def finish_wizard(qtbot, win, post: str = "cr_paso_canoas") -> None:
    wiz = wizard_to_device_page(win, post)
    with qtbot.waitSignal(win.unlocked, timeout=20_000):
        wiz.button(wiz.WizardButton.FinishButton).click()


def wait_idle(qtbot, win, timeout: int = 20_000) -> None:
    if win.backend.in_flight():
        with qtbot.waitSignal(win.backend.idle, timeout=timeout):
            pass


def print_to_pdf_printer(qtbot, dialog, path) -> bytes:
    """Print from the print dialog to Qt's PDF printer (it stands in for paper); the bytes."""
    from PySide6.QtPrintSupport import QPrinter

    printer = QPrinter()
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    with qtbot.waitSignal(dialog.output_done, timeout=30_000):
        dialog.print_to(printer)
    return path.read_bytes()


def open_form(qtbot, win, size: tuple[int, int]):
    """A new intake form in the window resized to ``size`` (or its minimum), once shown."""
    form = win.workspace.new_intake()
    win.resize(*size)
    qtbot.waitUntil(lambda: form.isVisible() and win.width() == max(size[0], win.minimumSizeHint().width()))
    return form


def run_on_backend(qtbot, win, fn):
    """``fn(vault)`` on the window's worker, as the app runs a job; its result once idle."""
    out = {}
    with qtbot.waitSignal(win.backend.idle, timeout=20_000):
        win.backend.op(fn).success(lambda r: out.setdefault("r", r)).run()
    return out.get("r")
