"""The officer's drafts: every one can be reached from the case list (not only the newest),
on the step it was left on, and one can be discarded after a confirmation that says its
data cannot be recovered. The list shows when and where, never a name."""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from intake_app import i18n
from tests.ui.uikit import run_on_backend, wait_idle


def _draft(qtbot, win, step: int, **answers) -> str:
    """A new intake with ``answers``, left on ``step`` for the case list; its draft id."""
    ws = win.workspace
    form = ws.new_intake()
    for key, value in answers.items():
        form.rows[key].editor.set_value(value)
    form.refresh()
    form.go(step)
    draft_id = form.draft_id
    ws.show_list()
    wait_idle(qtbot, win)
    return draft_id


def _drafts(qtbot, win) -> list:
    return run_on_backend(qtbot, win, lambda s: s.require().load_drafts())


def _rows(dialog) -> list[list[str]]:
    table = dialog.table
    return [[table.item(r, c).text() for c in range(table.columnCount())] for r in range(table.rowCount())]


def _open_list(qtbot, win):
    ws = win.workspace
    banner = ws.list_page.draft_banner
    qtbot.waitUntil(banner.isVisible)
    qtbot.mouseClick(banner, Qt.MouseButton.LeftButton)
    dialog = ws.drafts_dialog
    qtbot.waitUntil(dialog.isVisible)
    qtbot.waitUntil(dialog.table.hasFocus)  # the keyboard is on the list at once
    return dialog


def _confirm_box(qtbot, dialog) -> QMessageBox:
    qtbot.waitUntil(lambda: dialog.confirm_box is not None and dialog.confirm_box.isVisible())
    return dialog.confirm_box


def test_any_draft_reopens_on_its_step_and_one_can_be_discarded(qtbot, unlocked):
    win = unlocked
    ws = win.workspace
    first = _draft(qtbot, win, 2, consent_status="given", given_names="Ana FICTICIA")
    second = _draft(qtbot, win, 4, consent_status="given", given_names="Beto FICTICIO")
    assert {d[0] for d in _drafts(qtbot, win)} == {first, second}
    banner = ws.list_page.draft_banner
    assert banner.text() == i18n.t("ui.drafts.banner", count=2)

    dialog = _open_list(qtbot, win)
    rows = _rows(dialog)
    assert len(rows) == 2
    assert not any("FICTICI" in text or "Ana" in text or "Beto" in text for row in rows for text in row)
    sections = dialog.sections
    # newest first: the second draft, left on step 5; then the first, on step 3
    assert rows[0][1] == i18n.t("ui.drafts.step_of", step=5, steps=len(sections), section=sections[4].label("es"))
    assert rows[1][1] == i18n.t("ui.drafts.step_of", step=3, steps=len(sections), section=sections[2].label("es"))
    assert rows[0][2] == rows[1][2] == i18n.t("ui.drafts.new")

    # the older one, by the keyboard: ↓ then Enter
    qtbot.keyClick(dialog.table, Qt.Key.Key_Down)
    qtbot.keyClick(dialog.table, Qt.Key.Key_Return)
    wait_idle(qtbot, win)
    assert not shiboken6.isValid(dialog) or not dialog.isVisible()  # closed: destroyed
    form = ws.form
    assert form is not None and form.draft_id == first
    assert form.rows["given_names"].editor.value() == "Ana FICTICIA"
    assert form.step == 2  # where it was left, not step 1
    assert "_step" not in form.raw_answers()

    # back to the list; discard the newer one with Supr, asked first
    ws.show_list()
    wait_idle(qtbot, win)
    dialog = _open_list(qtbot, win)
    assert dialog.current() == 0
    qtbot.keyClick(dialog.table, Qt.Key.Key_Delete)
    box = _confirm_box(qtbot, dialog)
    assert i18n.t("ui.drafts.discard_warning") in box.informativeText()
    assert "no se podrán recuperar" in box.informativeText()
    assert box.defaultButton() is box.escapeButton()  # Enter and Esc keep it
    qtbot.keyClick(box, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: dialog.confirm_box is None)
    qtbot.waitUntil(dialog.table.hasFocus)
    wait_idle(qtbot, win)
    assert {d[0] for d in _drafts(qtbot, win)} == {first, second}  # kept

    qtbot.mouseClick(dialog.discard_button, Qt.MouseButton.LeftButton)
    box = _confirm_box(qtbot, dialog)
    with qtbot.waitSignal(dialog.discarded, timeout=20_000):
        box.findChild(type(dialog.discard_button), "confirm_discard").click()
    wait_idle(qtbot, win)
    assert [d[0] for d in _drafts(qtbot, win)] == [first]
    assert dialog.isVisible() and len(_rows(dialog)) == 1
    assert dialog.message.text() == i18n.t("ui.drafts.discarded")
    assert banner.text() == i18n.t("ui.drafts.banner", count=1)
    qtbot.waitUntil(dialog.table.hasFocus)  # the keyboard is back on the list

    # the last one too: the list closes and the banner goes
    dialog.table.selectRow(0)
    qtbot.keyClick(dialog.table, Qt.Key.Key_Delete)
    box = _confirm_box(qtbot, dialog)
    with qtbot.waitSignal(dialog.discarded, timeout=20_000):
        box.findChild(type(dialog.discard_button), "confirm_discard").click()
    wait_idle(qtbot, win)
    assert _drafts(qtbot, win) == []
    assert not shiboken6.isValid(dialog) or not dialog.isVisible()  # closed: destroyed
    qtbot.waitUntil(lambda: not banner.isVisible())


def test_a_lock_closes_the_list_and_its_question(qtbot, unlocked):
    win = unlocked
    draft_id = _draft(qtbot, win, 1, consent_status="given", given_names="Ana FICTICIA")
    dialog = _open_list(qtbot, win)
    qtbot.keyClick(dialog.table, Qt.Key.Key_Delete)
    _confirm_box(qtbot, dialog)
    with qtbot.waitSignal(win.locked, timeout=20_000):
        win.lock()
    assert [w for w in QApplication.topLevelWidgets() if w is not win and w.isVisible()] == []
    page = win.unlock_page
    page.passphrase.setText("frase ficticia de la prueba")
    with qtbot.waitSignal(win.unlocked, timeout=20_000):
        page._submit()
    wait_idle(qtbot, win)
    assert [d[0] for d in _drafts(qtbot, win)] == [draft_id]  # nothing was discarded


def test_an_edit_draft_names_its_case_and_says_the_case_stays(qtbot, unlocked):
    win = unlocked
    ws = win.workspace
    draft = ("d" * 32, "7KQ3-MX2D-9FAP", "2026-03-12T10:00:00+00:00", {"_step": 1, "given_names": "Ana FICTICIA"})
    from ui.drafts import DraftsDialog

    dialog = DraftsDialog(win.backend, win.cb, [draft], ws)
    qtbot.addWidget(dialog)
    row = _rows(dialog)[0]
    assert row[2] == i18n.t("ui.drafts.edit", case="7KQ3-MX2D-9FAP")
    assert row[0].startswith("12/03/2026 ")
    assert "Ana" not in " ".join(row)
    dialog.show()
    dialog.ask_discard()
    box = _confirm_box(qtbot, dialog)
    assert i18n.t("ui.drafts.discard_case_kept", case="7KQ3-MX2D-9FAP") in box.informativeText()
    box.reject()


def test_the_autosave_keeps_the_step_too(qtbot, unlocked):
    """The periodic autosave (what is left after a crash) stores the step beside the answers."""
    from ui.form.intake import DRAFT_STEP

    win = unlocked
    form = win.workspace.new_intake()
    form.rows["given_names"].editor.set_value("Cora FICTICIA")
    form.refresh()
    form.go(3)
    form._dirty = True
    with qtbot.waitSignal(form.draft_saved, timeout=20_000):
        form.save_draft()
    [(_, _, _, content)] = [d for d in _drafts(qtbot, win) if d[0] == form.draft_id]
    assert content[DRAFT_STEP] == 3
