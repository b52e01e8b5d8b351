"""A disabled list box, text box or spin box looked exactly like an enabled one (the print
dialog's «Institución que la recibe» and «Propósito» for the official copy: same white,
same outline, same text colour #1f2933, same arrow), so the officer clicked and nothing
happened. Disabled fields are now greyed, without the arrow, their value still readable
(4.5:1). Fictional values."""

from __future__ import annotations

import re

import pytest
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QComboBox, QLineEdit, QSpinBox

from tests.contrast import contrast
from ui.style import SHEET


def _make(kind):
    if kind is QComboBox:
        w = QComboBox()
        w.addItem("Institución ficticia")
    elif kind is QSpinBox:
        w = QSpinBox()
        w.setValue(5)
    else:
        w = QLineEdit("Texto ficticio")
    w.resize(240, 36)
    return w


def _background(widget) -> QColor:
    """A pixel inside the outline, above the text."""
    image = widget.grab().toImage()
    return image.pixelColor(widget.width() // 2, 2)


@pytest.mark.parametrize("kind", [QComboBox, QLineEdit, QSpinBox], ids=lambda k: k.__name__)
def test_a_disabled_field_does_not_look_enabled(qtbot, styled, kind):
    enabled, disabled = _make(kind), _make(kind)
    for w in (enabled, disabled):
        qtbot.addWidget(w)
    disabled.setEnabled(False)
    for w in (enabled, disabled):
        w.show()
    qtbot.waitUntil(lambda: enabled.isVisible() and disabled.isVisible())
    assert enabled.grab().toImage() != disabled.grab().toImage()
    assert _background(enabled).name() == "#ffffff"
    assert _background(disabled).name() != "#ffffff", "the disabled field is as white as an enabled one"
    text = disabled.palette().color(disabled.foregroundRole())
    assert text.name() != enabled.palette().color(enabled.foregroundRole()).name()


def test_the_value_of_a_disabled_field_stays_readable():
    rule = SHEET[SHEET.index("QLineEdit:disabled"):]
    rule = rule[:rule.index("}")]
    colour = re.search(r"(?<!-)color:\s*(#[0-9a-fA-F]{6})", rule).group(1)
    background = re.search(r"background:\s*(#[0-9a-fA-F]{6})", rule).group(1)
    assert contrast(colour, background) >= 4.5
    assert "QComboBox:disabled" in rule and "QSpinBox:disabled" in rule and "QPlainTextEdit:disabled" in rule
