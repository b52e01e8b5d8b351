"""What a screen reader says: every focusable widget of the intake form, the unlock
page and the case list has a name (the question it answers); problems are described."""

from __future__ import annotations

import sys

from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QAbstractButton, QCheckBox, QComboBox, QTabBar, QWidget

from intake_app import i18n


def _focusable(root: QWidget) -> list[QWidget]:
    found = [w for w in [root, *root.findChildren(QWidget)]
             if w.focusPolicy() & Qt.FocusPolicy.TabFocus and w.focusProxy() is None and w.isEnabled()]
    return [w for w in found if w.window() is root.window()]  # not the lists a combo box pops up


def _spoken(widget: QWidget) -> str:
    iface = QAccessible.queryAccessibleInterface(widget)
    return iface.text(QAccessible.Text.Name) if iface else ""


def test_every_form_editor_is_named_by_its_question(qtbot, unlocked):
    ws = unlocked.workspace
    form = ws.new_intake()
    form.rows["referrals"].editor.add()  # a referral line: its sub-fields too
    unnamed, checked = [], 0
    for step in range(len(form.sections)):
        form.go(step)
        for key, row in form.rows.items():
            if form.section_of[key] != step:
                continue
            label = row.fdef.label("es")
            for w in _focusable(row.editor):
                checked += 1
                name = w.accessibleName()
                # what is read; on Linux Qt reads a combo box's value as its name and the
                # question through the label relation (Windows and macOS read accessibleName)
                spoken = name if isinstance(w, QComboBox) and sys.platform.startswith("linux") else _spoken(w)
                if label not in name or spoken != name:
                    unnamed.append((key, type(w).__name__, name))
                if isinstance(w, QCheckBox):
                    assert name == f"{label}: {w.text()}"
            assert row.label.buddy() is row.editor.focusProxy() or row.label.buddy() is row.editor
    assert unnamed == [], unnamed
    assert checked > 53
    # the referral line: "Referencias 1: Institución", and its remove button
    item = form.rows["referrals"].editor.items[0]
    sub = next(s for s in form.rows["referrals"].fdef.subfields if s.key == "institution")
    assert item.editors["institution"].combo.accessibleName() == \
        f"{form.rows['referrals'].fdef.label('es')} 1: {sub.label('es')}"
    assert item.remove.accessibleName().endswith(": Quitar")


def test_problem_and_help_are_in_the_description(qtbot, unlocked):
    form = unlocked.workspace.new_intake()
    row = form.rows["given_names"]
    edit = row.editor.edit
    assert edit.accessibleName() == row.fdef.label("es")
    row.set_problem("Nombres: es obligatorio.")
    assert edit.accessibleDescription().startswith("Nombres: es obligatorio.")
    row.set_problem("")
    assert "obligatorio" not in edit.accessibleDescription().split(".")[0] or not row.required
    date = form.rows["record_date"].editor
    assert "DD/MM/AAAA" in date.edit.accessibleDescription()


def test_unlock_page_and_case_list_are_named(qtbot, unlocked):
    win = unlocked
    page = win.workspace.list_page
    assert page.search.accessibleName() and page.filter.accessibleName() and page.table.accessibleName()
    with qtbot.waitSignal(win.locked, timeout=20_000):
        win.lock()
    up = win.unlock_page
    assert up.passphrase.accessibleName() == i18n.t("ui.unlock.passphrase", "es")
    assert up.officer.accessibleName() == i18n.t("ui.unlock.officer", "es")


def test_suggested_referral_links_name_the_institution(qtbot, unlocked, sample):
    form = unlocked.workspace.new_intake()
    for key, value in sample("intake-adult-woman").items():
        if key in form.rows:
            form.rows[key].editor.set_value(value)
    form.rows["referrals"].editor.set_value(None)
    form.refresh()
    panel = form.screening
    assert panel.suggested
    html = panel.toHtml()
    vocab = form.cb.vocab("institutions")
    assert [c for c in panel.suggested if c not in panel.refused]  # the sample's consent covers services
    for code in (c for c in panel.suggested if c not in panel.refused):
        name = vocab.label(code, "es")
        anchor = html.split(f'href="refer:{code}"', 1)[1].split("</a>", 1)[0]
        assert name in anchor.replace("&amp;", "&")
    assert panel.accessibleName()
    buttons = [b for b in form.findChildren(QAbstractButton) if b.isVisibleTo(form)]
    assert all(b.text() or b.accessibleName() for b in buttons)


def test_every_tab_stop_outside_the_form_is_named(qtbot, unlocked, sample):
    """The print dialog, the settings, the case view, the form's steps and the sync dialog:
    every widget Tab reaches has a name of its own (a combo box with only a buddy label is
    read by its value on Windows and macOS)."""
    from tests.ui.test_print_sync import _open_print, _saved_case

    win = unlocked
    form = win.workspace.new_intake()
    editors = _editors(form)
    unnamed = [n for n, w in zip(_nameless(form, keep=True), _focusable(form)) if n and w not in editors]
    win.workspace.show_list()
    dialog = _open_print(qtbot, win, _saved_case(qtbot, win, sample))
    for root in (dialog, win.workspace.case_view):
        unnamed += _nameless(root)
    dialog.reject()
    win.open_settings()
    qtbot.waitUntil(lambda: win.settings_dialog.isVisible())
    unnamed += _nameless(win.settings_dialog)
    win.settings_dialog.reject()
    win.open_sync()
    unnamed += _nameless(win.sync_dialog)
    win.sync_dialog.reject()
    assert unnamed == [], repr(unnamed)


def _editors(form) -> set:
    return {w for row in form.rows.values() for w in _focusable(row.editor)}


def _nameless(root, keep: bool = False) -> list:
    """Tab stops a screen reader names by their value or not at all: no accessible name, and
    (but for a combo box, read by its value) no buddy label either. Buttons say their text;
    a tab bar's tabs are named by their titles."""
    found = [(type(w).__name__, w.objectName())
             if not isinstance(w, (QAbstractButton, QTabBar)) and not w.accessibleName()
             and (isinstance(w, QComboBox) or not _spoken(w)) else None for w in _focusable(root)]
    return found if keep else [n for n in found if n]
