"""A lock with a form open, then ANOTHER officer signs in on the same window: they start on
the case list, never in the first officer's form (nor on the case its save stored), and
the draft stays the first officer's, who gets it back at their own next unlock. While the
window is locked it keeps only ids and the step, never an answer: the answers come back
from the vault. Fictional people only."""

from __future__ import annotations

import gc

from PySide6.QtCore import Qt

from intake_app import i18n
from ui.screenshots import fill

from tests.ui.test_lock_during_save import _save_queued
from tests.ui.uikit import OFFICER, PASSPHRASE, run_on_backend, wait_idle

SECOND = "segunda.ficticia"
SECOND_PASSPHRASE = "otra frase ficticia de prueba"
NAME, DOCUMENT = "Zuleimaficticia", "ZQ7788123FIC"


def _with_second_officer(qtbot, win):
    run_on_backend(qtbot, win, lambda s: s.require().add_officer(SECOND, SECOND_PASSPHRASE))


def _unlock_as(qtbot, win, officer: str, passphrase: str):
    page = win.unlock_page
    qtbot.waitUntil(lambda: page.officer.findText(officer) >= 0, timeout=20_000)
    page.officer.setCurrentIndex(page.officer.findText(officer))
    page.passphrase.setFocus()
    qtbot.keyClicks(page.passphrase, passphrase)
    with qtbot.waitSignal(win.unlocked, timeout=20_000):
        qtbot.keyClick(page.passphrase, Qt.Key.Key_Return)
    wait_idle(qtbot, win)
    return win.workspace


def _lock(qtbot, win, widget) -> None:
    with qtbot.waitSignal(win.locked, timeout=20_000):
        qtbot.keyClick(widget, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    wait_idle(qtbot, win)


def _answers_alive() -> list:
    """Python dicts still holding the fictional person's name or document as a value (a
    dict of strings only is not tracked by the collector itself: its holders are)."""
    gc.collect()
    found = []
    for holder in gc.get_objects():
        for o in [holder, *gc.get_referents(holder)]:
            if isinstance(o, dict) and "__name__" not in o and any(  # not a module's globals
                    isinstance(v, str) and v in (NAME, DOCUMENT) for v in list(o.values())):
                found.append(o)
    return found


def _drafts(qtbot, win) -> list:
    """Every draft in the vault, whoever's: (draft id, owner's login name, given names)."""
    def job(s):
        import json

        rows = s.require().conn.execute(
            "SELECT d.draft_id, o.name, d.content FROM drafts d JOIN officers o USING (officer_id)").fetchall()
        return [(d, who, json.loads(content).get("given_names")) for d, who, content in rows]
    return run_on_backend(qtbot, win, job)


def test_another_officer_starts_on_the_list_and_the_draft_stays_the_first_officers(qtbot, unlocked):
    win = unlocked
    _with_second_officer(qtbot, win)
    form = win.workspace.new_intake()
    fill(form, {"given_names": NAME, "surnames": "Quiroprueba", "document_number": DOCUMENT})
    form.go(2)
    draft_id = form.draft_id
    _lock(qtbot, win, form)
    assert _answers_alive() == []  # the window keeps ids and the step only while locked

    ws = _unlock_as(qtbot, win, SECOND, SECOND_PASSPHRASE)
    assert win.officer_label.text() == i18n.t("ui.status.officer", name=SECOND)
    assert ws.form is None and ws.stack.currentWidget() is ws.list_page
    assert not ws.list_page.draft_banner.isVisible()  # the first officer's draft is not the second's
    assert _drafts(qtbot, win) == [(draft_id, OFFICER, NAME)]

    ws.new_intake()  # the second officer's own work is their own draft
    ws.form.rows["given_names"].editor.set_value("Propia Ficticia")
    with qtbot.waitSignal(ws.form.draft_saved, timeout=20_000):
        ws.form.save_draft()
    _lock(qtbot, win, ws.form)

    ws = _unlock_as(qtbot, win, OFFICER, PASSPHRASE)  # back where the first officer left it
    qtbot.waitUntil(lambda: ws.form is not None and ws.form.isVisible(), timeout=20_000)
    assert ws.form.draft_id == draft_id and ws.form.step == 2
    assert ws.form.raw_answers()["given_names"] == NAME
    assert sorted(d[1] for d in _drafts(qtbot, win)) == sorted([OFFICER, SECOND])


def test_a_save_stored_during_the_lock_is_not_shown_to_another_officer(qtbot, unlocked):
    win = unlocked
    _with_second_officer(qtbot, win)
    gate = _save_queued(qtbot, win, "stored")
    with qtbot.waitSignal(win.locked, timeout=20_000):
        qtbot.keyClick(win.workspace.form, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: win.workspace is None, timeout=20_000)
        gate.set()
    ws = _unlock_as(qtbot, win, SECOND, SECOND_PASSPHRASE)
    assert ws.case_view is None and ws.form is None and ws.stack.currentWidget() is ws.list_page

    def views(s):
        v = s.require()
        second = next(o.id for o in v.officers() if o.name == SECOND)
        return [e for e in v.audit.entries() if e.action == "case_view" and e.officer_id == second]
    assert run_on_backend(qtbot, win, views) == []  # no view of the first officer's case as the second's

    _lock(qtbot, win, ws.list_page.search)
    ws = _unlock_as(qtbot, win, OFFICER, PASSPHRASE)  # the first officer lands on the stored case
    qtbot.waitUntil(lambda: ws.case_view is not None and ws.case_view.isVisible(), timeout=20_000)
    assert ws.form is None and ws.case_view.record.case_id in ws.message.text()
