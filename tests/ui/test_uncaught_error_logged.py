"""An error nobody caught (in a slot, a timer) goes through the privacy filter as its class
and the frames' file:line, never with its message or a value (which may quote what the
officer typed), nothing raw on stderr; with the window open, a worded message says so.
Fictional people only."""

from __future__ import annotations

import logging
import sys
import threading

import pytest
from PySide6.QtWidgets import QMessageBox

from intake_app import i18n
from intake_app.logsetup import PrivacyFilter

NAME = "Zuleimaficticia"


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.lines: list[str] = []
        self.addFilter(PrivacyFilter())

    def emit(self, record) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def hooked(qapp):
    from ui.app import install_excepthook

    handler = _Lines()
    logging.getLogger().addHandler(handler)
    before = sys.excepthook, threading.excepthook
    install_excepthook(qapp)
    yield handler.lines
    sys.excepthook, threading.excepthook = before
    logging.getLogger().removeHandler(handler)


def _fail(value: str) -> None:
    raise ValueError(f"fecha de {value}: 13/07/1991")


def test_an_uncaught_error_is_logged_without_values_and_worded(qtbot, unlocked, hooked, capfd):
    win = unlocked
    try:
        _fail(NAME)
    except ValueError:
        sys.excepthook(*sys.exc_info())  # what Python does with an error no one caught
    assert len(hooked) == 1
    line = hooked[0]
    assert "ValueError" in line and "test_uncaught_error_logged.py:" in line
    assert NAME not in line and "1991" not in line and "fecha" not in line
    box = None

    def shown():
        nonlocal box
        box = next((b for b in win.findChildren(QMessageBox) if b.isVisible()), None)
        return box is not None

    qtbot.waitUntil(shown, timeout=5_000)
    assert box.text() == i18n.t("ui.error.uncaught", "es")
    box.accept()
    err = capfd.readouterr().err
    assert NAME not in err and "Traceback" not in err


def test_an_error_in_a_thread_is_logged_too(qtbot, hooked, capfd):
    worker = threading.Thread(target=_fail, args=(NAME,))
    worker.start()
    worker.join()
    assert len(hooked) == 1 and "ValueError" in hooked[0] and NAME not in hooked[0]
    err = capfd.readouterr().err
    assert NAME not in err and "Traceback" not in err
