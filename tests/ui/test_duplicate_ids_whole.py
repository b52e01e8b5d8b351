"""In the duplicate comparison every candidate's case id is whole in its column heading, on
a line of its own, at the normal font and at 16 pt on a small screen: the headings were cut
on both sides (")aso 47VZ-71NA-RJ6E"), and the id is what the officer looks up. The columns
fill the width when there is room (three candidates at 16 pt on a 1024×600 screen included);
when there is not (ids of the widest letters), the table scrolls sideways rather than cut an
id. Fictional people only."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from PySide6.QtCore import QRect
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QWidget

from intake_app import i18n
from ui.text import set_language

IDS = ("47VZ-71NA-RJ6E", "EV90-6SGZ-1M4C", "7KQ3-MX2D-9FAP")
WIDEST = ("WWWW-MMMM-WWWW", "MMMM-WWWW-MMMM", "WWWW-WWWW-WWWW")  # the widest letters an id can have


SIZES = {"es-11pt-1366": ("es", 11.0, QRect(0, 0, 1366, 728)), "es-16pt-1024": ("es", 16.0, QRect(0, 0, 1024, 560)),
         "en-16pt-1024": ("en", 16.0, QRect(0, 0, 1024, 560))}


@pytest.fixture
def compare(qapp, qtbot, styled):
    """``compare(size, ids)``: the comparison with three candidates, as opened on that screen."""
    from intake_app.codebook import load_codebook
    from ui.duplicates import DuplicateDialog
    from ui.screenshots import SAMPLE

    before, font = i18n.language(), qapp.font()

    def open_(size: str, ids: tuple):
        lang, points, screen = SIZES[size]
        set_language(lang)
        bigger = qapp.font()
        bigger.setPointSizeF(points)
        qapp.setFont(bigger)
        record = SimpleNamespace(content={**SAMPLE, "record_date": "2026-01-05", "border_post": "cr_paso_canoas"})
        candidates = [(SimpleNamespace(case_id=i, reasons=("name", "nationality", "age_band")), record) for i in ids]
        dialog = DuplicateDialog(load_codebook(), {**SAMPLE, "record_date": "2026-02-01"}, candidates)
        qtbot.addWidget(dialog)
        dialog.resize(screen.width() - 16, screen.height() - 40)  # as fit_window opens it on that screen
        dialog.show()
        qtbot.waitExposed(dialog)
        return dialog.findChild(QWidget, "duplicates")

    yield open_
    qapp.setFont(font)
    set_language(before)


def _id_width(header, case_id: str) -> int:
    bold = QFont(header.font())
    bold.setWeight(QFont.Weight.DemiBold)  # the sheet's heading weight
    return QFontMetrics(bold).horizontalAdvance(case_id) + 4  # and at least 2 px a side


def _whole(table, ids) -> list[int]:
    header = table.horizontalHeader()
    for j, case_id in enumerate(ids, 2):
        text = table.horizontalHeaderItem(j).text()
        assert case_id in text.splitlines(), text  # a line of its own: never wrapped inside
        assert header.sectionSize(j) >= _id_width(header, case_id), (case_id, header.sectionSize(j))
    return [header.sectionSize(c) for c in range(table.columnCount())]


@pytest.mark.parametrize("size", SIZES)
def test_three_case_ids_are_whole_side_by_side(compare, size):
    table = compare(size, IDS)
    assert sum(_whole(table, IDS)) == table.viewport().width()  # the columns fill the width, nothing cut
    assert table.horizontalScrollBar().maximum() == 0


def test_the_widest_ids_stay_whole_and_the_table_scrolls(compare):
    table = compare("es-16pt-1024", WIDEST)
    assert sum(_whole(table, WIDEST)) > table.viewport().width()
    assert table.horizontalScrollBar().maximum() > 0  # it scrolls sideways, nothing is squeezed


def test_spread_keeps_each_need_and_shares_the_rest():
    from ui.duplicates import spread

    assert spread([50, 100, 200], 600) == [200, 200, 200]
    assert spread([50, 100, 300], 600) == [150, 150, 300]
    assert spread([50, 100, 300], 601) == [150, 151, 300]
    assert spread([250, 250, 250], 600) == [250, 250, 250]  # too little: each keeps its need
