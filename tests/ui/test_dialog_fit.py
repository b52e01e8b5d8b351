"""The verify, print and duplicate dialogs on a 1366×768 laptop, at the normal 11 pt and at
a 1.5× font (16.5 pt), in Spanish and English, and the print dialog on the 911×512 logical
screen of a 1.5 scale factor: no text clipped or drawn over another, every button on the
screen and whole, the comparison of a possible duplicate readable by keyboard.
Fictional case ids and people."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QWidget

from ui.text import set_language, tr

LAPTOP = QRect(0, 0, 1366, 728)  # 1366×768 less a 40 px taskbar
SCALED = QRect(0, 0, 911, 512)  # the same screen at QT_SCALE_FACTOR=1.5


@pytest.fixture(params=[("es", 11), ("es", 16.5), ("en", 11), ("en", 16.5)], ids=lambda p: f"{p[0]}-{p[1]}pt")
def look(request, qapp, styled):
    """The app's look in a language at a font size; both put back afterwards."""
    from intake_app import i18n

    lang, size = request.param
    before, font = i18n.language(), qapp.font()
    set_language(lang)
    bigger = qapp.font()
    bigger.setPointSizeF(size)
    qapp.setFont(bigger)
    yield request.param
    qapp.setFont(font)
    set_language(before)


def box(widget: QWidget, root: QWidget) -> QRect:
    return QRect(widget.mapTo(root, QPoint(0, 0)), widget.size())


def whole_text(label: QLabel) -> None:
    """A wrapped label has the height its text needs at its width."""
    assert label.height() >= label.heightForWidth(label.width()), f"{label.text()[:40]!r} is clipped"


def buttons_whole(dialog: QWidget, buttons) -> None:
    for button in buttons:
        assert button.isVisible(), button.text()
        assert dialog.rect().contains(box(button, dialog)), f"{button.text()!r} is outside the dialog"
        assert button.width() >= button.sizeHint().width(), f"{button.text()!r} is cut"
        assert button.height() >= button.minimumSizeHint().height(), f"{button.text()!r} is squeezed"


# --- verify a print (finding: the help text clipped at 16.5 pt) ---------------------------

def test_the_verify_dialog_never_clips_its_text(qtbot, look):
    from intake_app.printing import describe_print_error
    from intake_app.printing.errors import PrintCodeInvalid
    from ui.verify_dialog import VerifyPrintDialog

    dialog = VerifyPrintDialog(backend=None)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    helptext = next(w for w in dialog.findChildren(QLabel) if w.text() == tr("ui.verify.help"))
    label = next(w for w in dialog.findChildren(QLabel) if w.buddy() is dialog.code)

    def fits():
        whole_text(helptext)
        assert box(helptext, dialog).bottom() < box(label, dialog).top(), "the help runs under the field's label"
        buttons_whole(dialog, dialog.findChildren(QPushButton))

    qtbot.waitUntil(fits)
    dialog._refused(PrintCodeInvalid(case="ABCD-EFGH-JKMN"))  # the longest answer
    assert dialog.result.text() == describe_print_error(PrintCodeInvalid(case="ABCD-EFGH-JKMN"))

    def answer_fits():
        fits()
        whole_text(dialog.result)
        assert box(dialog.result, dialog).bottom() < min(box(b, dialog).top() for b in dialog.findChildren(QPushButton)
                                                         if b is not dialog.check_button)

    qtbot.waitUntil(answer_fits)
    assert dialog.height() <= LAPTOP.height() - 48


# --- a possible duplicate (finding: rows hidden under a scroll bar, the table out of Tab's reach)

def _duplicate_dialog(qtbot):
    from types import SimpleNamespace

    from intake_app.codebook import load_codebook
    from ui.duplicates import DuplicateDialog
    from ui.screenshots import SAMPLE

    hint = SimpleNamespace(case_id="FICT-0000-0001", reasons=("document", "name", "birth_date", "nationality",
                                                              "age_band"))
    record = SimpleNamespace(content={**SAMPLE, "record_date": "2026-01-05", "border_post": "cr_paso_canoas"})
    dialog = DuplicateDialog(load_codebook(), {**SAMPLE, "record_date": "2026-02-01"}, [(hint, record)])
    qtbot.addWidget(dialog)
    dialog.resize(980, 560)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def _rows_sized_to_their_columns(table) -> None:
    for row in range(table.rowCount()):
        want = max(table.sizeHintForRow(row), table.verticalHeader().sectionSizeHint(row))
        assert table.rowHeight(row) == want, f"row {row} is {table.rowHeight(row)} px, its text needs {want}"


def test_every_row_of_a_duplicate_comparison_is_read_by_keyboard(qtbot, look):
    from PySide6.QtCore import Qt

    from ui.duplicates import BACK

    dialog = _duplicate_dialog(qtbot)
    table = dialog.findChild(QWidget, "duplicates")
    assert table.focusPolicy() & Qt.FocusPolicy.TabFocus and not table.tabKeyNavigation()
    assert table.accessibleName() == tr("ui.dup.compare")
    qtbot.waitUntil(lambda: _rows_sized_to_their_columns(table))
    buttons_whole(dialog, dialog.findChildren(QPushButton))
    back = next(b for b in dialog.findChildren(QPushButton) if b.text() == tr("ui.dup.back"))
    assert back.isDefault()
    dialog.activateWindow()
    back.setFocus()
    qtbot.waitUntil(back.hasFocus)
    qtbot.keyClick(back, Qt.Key.Key_Backtab)  # the table is the Tab stop before the buttons
    qtbot.waitUntil(table.hasFocus)
    assert table.currentIndex().isValid()
    seen = set()
    for _ in range(table.rowCount()):
        current = table.currentIndex()
        assert table.viewport().rect().contains(table.visualRect(current)), f"row {current.row()} is out of sight"
        seen.add(current.row())
        qtbot.keyClick(table, Qt.Key.Key_Down)
    assert seen == set(range(table.rowCount()))
    qtbot.keyClick(table, Qt.Key.Key_Tab)  # and Tab leaves it
    qtbot.waitUntil(lambda: not table.hasFocus())
    table.setFocus()
    qtbot.waitUntil(table.hasFocus)
    with qtbot.waitSignal(dialog.finished, timeout=5_000):
        qtbot.keyClick(table, Qt.Key.Key_Return)  # Enter: the default, back to the form
    assert dialog.decision == BACK


def test_esc_in_the_comparison_goes_back_to_the_form(qtbot, styled):
    from PySide6.QtCore import Qt

    from ui.duplicates import BACK

    dialog = _duplicate_dialog(qtbot)
    table = dialog.findChild(QWidget, "duplicates")
    dialog.activateWindow()
    table.setFocus()
    qtbot.waitUntil(table.hasFocus)
    with qtbot.waitSignal(dialog.rejected, timeout=5_000):
        qtbot.keyClick(table, Qt.Key.Key_Escape)
    assert dialog.decision == BACK


# --- print (finding: 1120×780 on a 768 px screen, labels over the boxes, copy names cut) -----

class _Idle:
    """A worker that never answers: the preview is not needed to lay the panel out."""

    def op(self, *args, **kwargs):
        return self

    def success(self, *args):
        return self

    def failure(self, *args):
        return self

    def run(self):
        return self


def _print_dialog(qtbot, area: QRect):
    from types import SimpleNamespace

    from intake_app.codebook import load_codebook
    from ui.printing import PrintDialog

    dialog = PrintDialog(_Idle(), load_codebook(), SimpleNamespace(case_id="FICT-0000-0001", content={}))
    qtbot.addWidget(dialog)
    dialog.fit(area)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def _no_label_over_a_box(dialog) -> None:
    form = dialog.copy.parentWidget()
    boxes = [dialog.copy, dialog.recipient, dialog.purpose, dialog.language]
    labels = [w for w in form.findChildren(QLabel) if w.parentWidget() is form and w.isVisible()]
    for label in labels:
        for combo in boxes:
            assert not label.geometry().intersects(combo.geometry()), f"{label.text()!r} is drawn over a box"
        if label.wordWrap():
            whole_text(label)


def _print_fits(dialog, area: QRect, whole_copy: bool = True) -> None:
    assert dialog.width() <= area.width() and dialog.height() <= area.height() - 40, "taller or wider than the screen"
    buttons_whole(dialog, [dialog.print_button, dialog.save_button,
                           next(b for b in dialog.findChildren(QPushButton) if b.text() == tr("ui.print.close"))])
    _no_label_over_a_box(dialog)
    if whole_copy:  # every kind of copy is read whole in the closed box
        assert dialog.copy.width() >= dialog.copy.sizeHint().width(), "the copy's name is cut"


@pytest.mark.parametrize("area", [LAPTOP, SCALED], ids=["1366x768", "911x512"])
def test_the_print_dialog_fits_the_screen(qtbot, look, area):
    if area == SCALED and look[1] > 11:
        pytest.skip("a 1.5 scale already makes 11 pt as large as 16.5 pt")
    dialog = _print_dialog(qtbot, area)
    qtbot.waitUntil(lambda: _print_fits(dialog, area))
    from intake_app.printing.errors import PrintRecipientNotCovered

    dialog._refused(PrintRecipientNotCovered(recipient="iom"))  # a long refusal, beside the buttons

    def answered():
        _print_fits(dialog, area)
        whole_text(dialog.message)

    qtbot.waitUntil(answered)
    assert dialog.message.isVisible()


def test_tab_brings_each_print_choice_into_sight(qtbot, styled):
    from PySide6.QtCore import Qt

    dialog = _print_dialog(qtbot, SCALED)
    dialog.copy.setCurrentIndex(dialog.copy.findData("redacted"))
    dialog.activateWindow()
    dialog.copy.setFocus()
    qtbot.waitUntil(dialog.copy.hasFocus)
    view = dialog.choices.viewport()
    for combo in (dialog.recipient, dialog.purpose, dialog.language):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        qtbot.waitUntil(combo.hasFocus)
        qtbot.waitUntil(lambda: view.rect().contains(box(combo, view)))
