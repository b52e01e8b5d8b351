"""Desktop app fixtures: a real MainWindow over a real vault in a temporary folder.

Everything waits on signals (qtbot.waitSignal), never on sleeps. Test people are
fictional and say so."""

from __future__ import annotations

import pytest

from tests.sync.conftest import real_server  # noqa: F401 (a fixture, shared)
from tests.ui.uikit import finish_wizard, wait_idle


@pytest.fixture
def window(qtbot, tmp_path):
    from ui.mainwindow import MainWindow

    win = MainWindow(tmp_path / "data", language="es")
    win.resize(1280, 820)  # the suite's laptop screen (the offscreen one is 800×800: the window fits it)
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.ready, timeout=20_000):
        win.show()
    yield win
    win.backend.shutdown()


@pytest.fixture
def unlocked(qtbot, window):
    finish_wizard(qtbot, window)
    wait_idle(qtbot, window)
    return window


@pytest.fixture
def styled(qapp):
    """The app's own look (ui.style: larger padding, as the officer sees it); the suite runs
    without it."""
    from ui import style

    sheet, font, name = qapp.styleSheet(), qapp.font(), qapp.style().name()
    style.apply(qapp)
    yield
    qapp.setStyleSheet(sheet)
    qapp.setFont(font)
    qapp.setStyle(name)


@pytest.fixture(params=["es", "en"])
def styled_window(request, qtbot, tmp_path, styled):
    """The main window with the app's look, in Spanish and in English (as ui.app does with
    --lang: the status bar is built in it), past the first-run wizard, idle."""
    from intake_app import i18n
    from ui.mainwindow import MainWindow
    from ui.text import set_language

    before = i18n.language()
    set_language(request.param)
    window = MainWindow(tmp_path / "data", language=request.param)
    window.resize(1280, 820)  # as the window fixture
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.ready, timeout=20_000):
        window.show()
    finish_wizard(qtbot, window)
    wait_idle(qtbot, window)
    yield window
    window.backend.shutdown()
    set_language(before)


@pytest.fixture
def server(real_server):
    """The real central server on loopback (tests/sync/conftest.py), for the sync dialog."""
    return real_server
