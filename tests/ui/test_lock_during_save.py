"""A lock (Ctrl+L, idle), a close or leaving the form while its save is still queued on
the busy worker: a stored case never comes back as a draft (nor as a form to save
twice), and a save that is refused or fails keeps the form as the draft.

The worker is held busy by a job waiting on an Event the test releases: no sleeps."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt

from intake_app import i18n
from intake_app.errors import FieldProblem, InvalidRecord
from ui.screenshots import SAMPLE, fill

from tests.ui.uikit import OFFICER, PASSPHRASE, run_on_backend, wait_idle


def _hold_worker(qtbot, win) -> threading.Event:
    """Queue a job that keeps the worker busy until the returned Event is set."""
    gate, started = threading.Event(), threading.Event()
    win.backend.op(lambda s: (started.set(), gate.wait(30))).quiet().run()
    qtbot.waitUntil(started.is_set, timeout=20_000)
    return gate


def _save_queued(qtbot, win, outcome: str) -> threading.Event:
    """A filled new intake whose Save went through the duplicate check and whose save job
    now waits behind a busy worker; returns the Event that frees the worker."""
    ws = win.workspace
    if outcome != "stored":
        def refuse(*args, **kwargs):
            if outcome == "refused":
                raise InvalidRecord([FieldProblem("surnames", "required")])
            raise OSError(28, "disk full")  # an untyped failure (disk full, I/O)
        run_on_backend(qtbot, win, lambda s: setattr(s.vault, "save_case", refuse))
    form = ws.new_intake()
    fill(form, SAMPLE)
    submitted = []
    save = ws._save
    ws._save = lambda *args: (save(*args), submitted.append(True))
    first = _hold_worker(qtbot, win)
    form.request_save()  # the duplicate check waits behind the first job
    second_started = threading.Event()
    second = threading.Event()
    win.backend.op(lambda s: (second_started.set(), second.wait(30))).quiet().run()
    first.set()  # the check runs, then the worker waits again; the save is queued behind it
    qtbot.waitUntil(lambda: bool(submitted) and second_started.is_set(), timeout=20_000)
    return second


def _vault_state(qtbot, win):
    return run_on_backend(qtbot, win, lambda s: (s.require().count_cases(),
                                                 [d[3].get("given_names") for d in s.require().load_drafts()]))


def _unlock(qtbot, win):
    up = win.unlock_page
    up.passphrase.setText(PASSPHRASE)
    with qtbot.waitSignal(win.unlocked, timeout=20_000):
        up.button.click()
    wait_idle(qtbot, win)
    return win.workspace


@pytest.mark.parametrize("outcome", ["stored", "refused", "failed"])
@pytest.mark.parametrize("how", ["ctrl_l", "idle"])
def test_a_lock_during_a_save(qtbot, unlocked, outcome, how):
    win = unlocked
    gate = _save_queued(qtbot, win, outcome)
    with qtbot.waitSignal(win.locked, timeout=20_000):
        if how == "ctrl_l":
            qtbot.keyClick(win.workspace.form, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
        else:
            win.idle.set_minutes(0.001)  # 60 ms
            win.idle.start()
        qtbot.waitUntil(lambda: win.workspace is None, timeout=20_000)
        gate.set()
    win.idle.set_minutes(5)  # not again right after the unlock
    ws = _unlock(qtbot, win)
    cases, drafts = _vault_state(qtbot, win)
    if outcome == "stored":
        qtbot.waitUntil(lambda: ws.case_view is not None and ws.case_view.isVisible(), timeout=20_000)
        assert (cases, drafts) == (1, [])
        assert ws.form is None  # nothing to save a second time
        assert ws.message.isVisible() and ws.case_view.record.case_id in ws.message.text()
    else:  # the form is back, with what was typed
        assert (cases, drafts) == (0, [SAMPLE["given_names"]])
        qtbot.waitUntil(lambda: ws.form is not None and ws.form.isVisible(), timeout=20_000)
        assert ws.form.raw_answers()["given_names"] == SAMPLE["given_names"]
        assert ws.message.isVisible() and ws.message.text() == i18n.t("ui.form.save_not_done")


@pytest.mark.parametrize("outcome", ["stored", "failed"])
def test_closing_the_window_during_a_save(qtbot, unlocked, outcome):
    win = unlocked
    gate = _save_queued(qtbot, win, outcome)
    shutdown = win.backend.shutdown

    def released(final=None):  # the place is read while the save still waits; then free the worker
        gate.set()
        shutdown(final)

    win.backend.shutdown = released
    win.close()
    from intake_app.vault import Vault

    vault = Vault.open(win.backend.home, OFFICER, PASSPHRASE)
    try:
        drafts = [d[3].get("given_names") for d in vault.load_drafts()]
        assert (vault.count_cases(), drafts) == ((1, []) if outcome == "stored" else (0, [SAMPLE["given_names"]]))
    finally:
        vault.close()


@pytest.mark.parametrize("outcome", ["stored", "failed"])
def test_a_language_switch_during_a_save(qtbot, unlocked, outcome):
    """The workspace is rebuilt in the new language while the save still waits."""
    win = unlocked
    gate = _save_queued(qtbot, win, outcome)
    try:
        win._prefs_changed(win.prefs.with_(language="en"))
        gate.set()
        ws = win.workspace
        wait_idle(qtbot, win)
        cases, drafts = _vault_state(qtbot, win)
        if outcome == "stored":
            assert (cases, drafts) == (1, [])
            qtbot.waitUntil(lambda: ws.case_view is not None and ws.case_view.isVisible(), timeout=20_000)
            assert ws.form is None
        else:
            assert (cases, drafts) == (0, [SAMPLE["given_names"]])
            qtbot.waitUntil(lambda: ws.form is not None and ws.form.isVisible(), timeout=20_000)
            assert ws.message.text() == i18n.t("ui.form.save_not_done", "en")
    finally:
        i18n.set_language("es")


@pytest.mark.parametrize("outcome", ["stored", "failed"])
def test_leaving_the_form_during_a_save(qtbot, unlocked, outcome):
    win = unlocked
    ws = win.workspace
    gate = _save_queued(qtbot, win, outcome)
    ws.show_list()  # "Casos" while the save waits
    gate.set()
    wait_idle(qtbot, win)
    cases, drafts = _vault_state(qtbot, win)
    assert (cases, drafts) == ((1, []) if outcome == "stored" else (0, [SAMPLE["given_names"]]))
    assert ws.form is None and ws.stack.currentWidget() is ws.list_page  # the officer stays where they went


def test_saving_twice_while_the_worker_is_busy(qtbot, unlocked):
    """A second Save (Ctrl+S) before the first came back is ignored: one case, no draft."""
    win = unlocked
    ws = win.workspace
    form = ws.new_intake()
    fill(form, SAMPLE)
    gate = _hold_worker(qtbot, win)
    form.request_save()  # the duplicate check waits behind the held job
    qtbot.keyClick(form, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)  # again, impatient
    with qtbot.waitSignal(ws.case_saved, timeout=20_000):
        gate.set()
    wait_idle(qtbot, win)
    assert _vault_state(qtbot, win) == (1, [])
    assert ws._saving is None
    qtbot.waitUntil(lambda: ws.case_view is not None and ws.case_view.isVisible(), timeout=20_000)
    assert ws.form is None


def test_a_lock_after_an_earlier_save_came_back(qtbot, unlocked):
    """Form A's save comes back while form B's save still waits: a lock then does not
    bring B back as a draft (A's callbacks leave B's save in flight)."""
    win = unlocked
    ws = win.workspace
    first = _hold_worker(qtbot, win)
    a = ws.new_intake()
    fill(a, SAMPLE)
    ws._save(a, a.answers(), "", [])  # queued behind the held job
    b = ws.new_intake()  # A is left while its save waits
    second_started, second = threading.Event(), threading.Event()
    win.backend.op(lambda s: (second_started.set(), second.wait(30))).quiet().run()
    fill(b, SAMPLE)
    ws._save(b, b.answers(), "", [])  # queued behind the second held job
    with qtbot.waitSignal(ws.case_saved, timeout=20_000):  # A's save came back
        first.set()
    qtbot.waitUntil(second_started.is_set, timeout=20_000)
    assert ws._saving is not None and ws._saving[0] is b
    with qtbot.waitSignal(win.locked, timeout=20_000):
        qtbot.keyClick(ws.form, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: win.workspace is None, timeout=20_000)
        second.set()
    win.idle.set_minutes(5)
    ws = _unlock(qtbot, win)
    assert _vault_state(qtbot, win) == (2, [])
