"""The screening panel's share of a 1024×768 screen, with the app's look, in Spanish and
English: the layout shared the shortfall evenly, so the steps column kept 212 px (230 in
English) and the panel got 220 px, its least, wrapping its text into a tall narrow strip.
Now the steps column gives up its width first, down to its least, and the panel is at
least PANEL_AT_1024 px, while the form still fits (no sideways scrolling, the widest step
whole); at 1280 px the column and the panel are as wide as before. Fictional data."""

from __future__ import annotations

import pytest

from tests.ui.uikit import open_form
from ui.form.screening_panel import WIDTH

PANEL_AT_1024 = 240  # 244 px in Spanish, 286 in English


@pytest.fixture
def win(styled_window):
    return styled_window


def test_the_panel_takes_the_steps_columns_spare_width_at_1024(qtbot, win):
    form = open_form(qtbot, win, (1024, 768))
    assert win.minimumSizeHint().width() <= 1024
    column = form.steps.parentWidget()
    qtbot.waitUntil(lambda: column.width() == column.minimumSizeHint().width())
    qtbot.waitUntil(lambda: form.screening.width() >= PANEL_AT_1024)
    form.go(form.section_of["tr_means"])  # the widest step: its check boxes do not wrap
    page = form.stack.currentWidget()
    qtbot.waitUntil(lambda: page.isVisible() and page.widget().width() <= page.viewport().width())
    assert page.viewport().width() >= page.widget().minimumSizeHint().width()
    assert form.screening.document().indentWidth() <= 20  # Qt's 40 px took a sixth of the panel


@pytest.mark.parametrize("size", [(1280, 820), (1920, 1080)])
def test_a_bigger_screen_keeps_the_steps_column_and_the_panel(qtbot, win, size):
    form = open_form(qtbot, win, size)
    steps = form.steps
    qtbot.waitUntil(lambda: form.screening.width() >= WIDTH and steps.width() >= steps.sizeHint().width())


def test_back_and_forth_between_1024_and_1280(qtbot, win):
    form = open_form(qtbot, win, (1024, 768))
    qtbot.waitUntil(lambda: form.screening.width() >= PANEL_AT_1024)
    win.resize(1280, 820)
    qtbot.waitUntil(lambda: form.screening.width() >= WIDTH and form.steps.width() >= form.steps.sizeHint().width())
    win.resize(1024, 768)
    qtbot.waitUntil(lambda: form.screening.width() >= PANEL_AT_1024
                    and form.steps.parentWidget().width() == form.steps.parentWidget().minimumSizeHint().width())
