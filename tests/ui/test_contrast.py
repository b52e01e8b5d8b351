"""WCAG 1.4.11: what shows where a control is (the outline of a button, a text box, a list
box, a spin box) and the focus ring need 3:1 against what surrounds them: a card's white,
the window's grey and the status bar's blue-grey. The outlines were #9fb3c8, 2.15:1 on
white and 2.01:1 on the window. Text needs 4.5:1 (WCAG 1.4.3)."""

from __future__ import annotations

import re

import pytest

from tests.contrast import contrast as ratio
from ui.style import SHEET

BACKGROUNDS = {"card": "#ffffff", "window": "#f6f7f9", "status bar": "#e9eef5", "hover": "#eef2f7"}
CONTROLS = ("QPushButton {", "QLineEdit, QPlainTextEdit, QComboBox, QSpinBox {")
FOCUS = ("QPushButton:focus", "QLineEdit:focus", "QCheckBox:focus", "QListWidget:focus", "QTabBar::tab:focus",
         "QListWidget#steps:focus")


def _rule(selector: str) -> str:
    start = SHEET.index(selector)
    return SHEET[start:SHEET.index("}", start)]


def _border(selector: str) -> str:
    found = re.search(r"border:\s*\d+px solid (#[0-9a-fA-F]{6})", _rule(selector))
    assert found, f"{selector} has no solid border"
    return found.group(1)


def test_the_ratio_is_the_wcag_one():
    assert round(ratio("#000000", "#ffffff"), 2) == 21.0
    assert round(ratio("#9fb3c8", "#ffffff"), 2) == 2.15


@pytest.mark.parametrize("selector", CONTROLS + FOCUS)
def test_outlines_and_focus_rings_reach_3_to_1_on_every_background(selector):
    colour = _border(selector)
    for where, background in BACKGROUNDS.items():
        assert ratio(colour, background) >= 3.0, f"{selector} {colour} on the {where} {background}"


def test_text_reaches_4_5_to_1():
    enabled = re.sub(r"[^{}]*:disabled[^{}]*\{[^}]*\}", "", SHEET)  # WCAG exempts disabled controls
    text = re.findall(r"(?<!-)color:\s*(#[0-9a-fA-F]{6})", enabled)
    assert len(text) >= 5
    for colour in set(text) - {"#ffffff"}:  # white is the primary button's text, on its blue below
        for where in ("card", "window"):
            assert ratio(colour, BACKGROUNDS[where]) >= 4.5, f"text {colour} on the {where}"
    assert ratio("#ffffff", "#2b6cb0") >= 4.5
