"""A large system font (1.5 × the app's 11 pt) on a 1366×768 screen: the unlock page, the
first screen an officer sees, kept its card at 560 px, so in Spanish "English (inglés)" and
"Desbloquear" were cut. Now the card is as wide as its buttons need, the unlock button has
room for its longest countdown, and at the normal size the card keeps its calm width.
Fictional officers."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QPushButton

from ui.text import set_language
from ui.unlock import UnlockPage

SCREEN = (1366, 768)


class _Throttled(Exception):
    params = {"retry_after": 300}


@pytest.fixture(params=["es", "en"])
def page(request, qtbot, qapp, styled):
    from intake_app import i18n

    before, font = i18n.language(), qapp.font()
    set_language(request.param)
    large = qapp.font()
    large.setPointSizeF(16.5)
    qapp.setFont(large)
    unlock = UnlockPage(["Oficial FICTICIA Uno", "Oficial FICTICIO Dos"], "Modo demostración (ficticio)")
    qtbot.addWidget(unlock)
    unlock.resize(*SCREEN)
    unlock.show()
    qtbot.waitExposed(unlock)
    yield unlock
    qapp.setFont(font)
    set_language(before)


def _whole(page: UnlockPage) -> None:
    card = page.button.parentWidget()
    screen = QRect(QPoint(0, 0), page.size())
    for button in card.findChildren(QPushButton):
        assert button.width() >= button.sizeHint().width(), f"{button.text()!r} is cut"
        assert card.rect().contains(button.geometry()), f"{button.text()!r} is outside the card"
    assert screen.contains(QRect(card.mapTo(page, QPoint(0, 0)), card.size())), "the card is off the screen"


def test_every_button_of_the_unlock_page_is_whole_with_a_large_font(qtbot, page):
    qtbot.waitUntil(lambda: _whole(page))


def test_the_countdown_fits_the_unlock_button(qtbot, page):
    page.failed(_Throttled())
    assert page.seconds_left > 99
    qtbot.waitUntil(lambda: _whole(page))


def test_at_the_normal_size_the_card_keeps_its_calm_width(qtbot, qapp, styled):
    unlock = UnlockPage(["Oficial FICTICIA Uno"])
    qtbot.addWidget(unlock)
    unlock.resize(*SCREEN)
    unlock.show()
    qtbot.waitExposed(unlock)
    assert unlock.button.parentWidget().width() <= 560


@pytest.mark.parametrize("size, expected", [(11, (17, 13)), (16.5, (25.5, 19.5))])
def test_headings_grow_with_the_font(qtbot, qapp, styled, size, expected):
    """Headings keep their share of the body text: 17 pt and 13 pt at the normal 11 pt (the
    look unchanged), and larger than the body at 16.5 pt (they stayed at 17 pt and 13 pt)."""
    from ui.widgets import heading

    font = qapp.font()
    bigger = qapp.font()
    bigger.setPointSizeF(size)
    qapp.setFont(bigger)
    try:
        labels = [heading("Título ficticio"), heading("Subtítulo ficticio", 2)]
        for label in labels:
            qtbot.addWidget(label)
            label.show()
            label.ensurePolished()
        assert tuple(label.font().pointSizeF() for label in labels) == expected
        assert labels[1].font().pointSizeF() > size
    finally:
        qapp.setFont(font)


@pytest.mark.parametrize("size", [11, 16.5])
def test_check_and_radio_indicators_grow_with_the_font(qtbot, qapp, styled, size):
    """The consent box and the yes/no choices: their indicator is as tall as a line of text
    at any size (Fusion draws it at 14 px whatever the font, a speck beside 16.5 pt text)."""
    from PySide6.QtGui import QFontMetrics
    from PySide6.QtWidgets import QCheckBox, QRadioButton, QStyle, QStyleOptionButton

    font = qapp.font()
    bigger = qapp.font()
    bigger.setPointSizeF(size)
    qapp.setFont(bigger)
    try:
        for kind, element in ((QCheckBox, QStyle.SubElement.SE_CheckBoxIndicator),
                              (QRadioButton, QStyle.SubElement.SE_RadioButtonIndicator)):
            box = kind("Consentimiento ficticio")
            qtbot.addWidget(box)
            box.show()
            box.ensurePolished()
            option = QStyleOptionButton()
            box.initStyleOption(option)
            indicator = box.style().subElementRect(element, option, box)
            line = QFontMetrics(box.font()).height()
            assert indicator.height() >= 0.8 * line, (kind.__name__, indicator.height(), line)
    finally:
        qapp.setFont(font)
