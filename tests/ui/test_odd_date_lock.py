"""A date typed with a long run of digits (a held key: "13000000000/07/1991") is a date
the form words as invalid, not an error: Python says OverflowError for it, which the date
parser let through, and then the lock left the form (and the name) on screen, stopped the
idle timer, and closing the window crashed and lost the draft. And whatever fails while the
form is read, a lock and a close still happen, with what of the draft can be kept; the log
says the error's class only, never a value. Fictional people only."""

from __future__ import annotations

import logging

import pytest

from intake_app import i18n
from intake_app.logsetup import PrivacyFilter
from ui.form.dates import parse_date
from ui.screenshots import fill

from tests.ui.test_lock_officer_place import _drafts, _lock, _unlock_as
from tests.ui.uikit import OFFICER, PASSPHRASE, wait_idle

ODD = "13000000000/07/1991"
NAME = "Ximenaficticia"


@pytest.mark.parametrize("typed", [ODD, "01/13000000000/1991", "1991-07-13000000000", "1991-13000000000-01"])
def test_a_part_too_large_is_an_invalid_date_not_an_error(typed):
    assert parse_date(typed) == typed  # as typed: the codebook check words it


class _Lines(logging.Handler):
    """The log lines as the privacy filter lets them through."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.lines: list[str] = []
        self.addFilter(PrivacyFilter())

    def emit(self, record) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def log_lines():
    handler = _Lines()
    logging.getLogger().addHandler(handler)
    yield handler.lines
    logging.getLogger().removeHandler(handler)


def _form_with_odd_date(qtbot, win):
    form = win.workspace.new_intake()
    fill(form, {"given_names": NAME, "surnames": "Quiroprueba"})
    form.go(2)
    form.rows["birth_date"].editor.edit.setText(ODD)  # every change refreshes the form: no error
    return form


def test_the_odd_date_is_worded_and_the_lock_hides_the_form_and_keeps_the_draft(qtbot, unlocked):
    win = unlocked
    form = _form_with_odd_date(qtbot, win)
    form.request_save()  # checks everything: the problem is said under the field
    label = form.rows["birth_date"].fdef.label("es")
    assert form.rows["birth_date"].problem.text() == i18n.t("ui.form.date_problem", "es", field=label)
    _lock(qtbot, win, form.rows["birth_date"].editor.edit)
    assert win.workspace is None and win.unlock_page is not None and win.unlock_page.isVisible()
    ws = _reopened(qtbot, win)
    assert ws.form.rows["given_names"].editor.value() == NAME
    assert ws.form.rows["birth_date"].editor.edit.text() == ODD  # back as typed, still to correct
    assert win.idle._timer.isActive()  # auto-lock watches again


def test_a_lock_happens_even_when_reading_the_form_fails(qtbot, unlocked, log_lines, monkeypatch):
    win = unlocked
    form = win.workspace.new_intake()
    fill(form, {"given_names": NAME, "surnames": "Quiroprueba"})
    form.go(1)
    editor = form.rows["surnames"].editor
    monkeypatch.setattr(editor, "value", lambda: (_ for _ in ()).throw(ValueError(f"{NAME} 12/07/1991")))
    _lock(qtbot, win, form)
    assert win.workspace is None and win.unlock_page.isVisible()
    assert log_lines and all("ValueError" in line and NAME not in line and "1991" not in line for line in log_lines)
    # the draft keeps what could be read (the name), without the field that failed
    ws = _reopened(qtbot, win)
    assert ws.form.rows["given_names"].editor.value() == NAME
    assert ws.form.rows["surnames"].editor.value() is None
    assert [given for _, who, given in _drafts(qtbot, win) if who == OFFICER] == [NAME]


def _reopened(qtbot, win):
    """Unlocked again by the same officer: the workspace, with the draft's form open."""
    ws = _unlock_as(qtbot, win, OFFICER, PASSPHRASE)
    qtbot.waitUntil(lambda: ws.form is not None and ws.form.isVisible(), timeout=20_000)
    return ws


def test_a_close_shuts_the_worker_down_even_when_reading_the_form_fails(qtbot, unlocked, log_lines, monkeypatch):
    win = unlocked
    form = win.workspace.new_intake()
    fill(form, {"given_names": NAME})
    monkeypatch.setattr(win.workspace, "place", lambda: (_ for _ in ()).throw(OverflowError(NAME)))
    wait_idle(qtbot, win)
    win.close()
    qtbot.waitUntil(lambda: not win.backend._thread.isRunning(), timeout=20_000)
    assert not win.isVisible()
    assert log_lines and all("OverflowError" in line and NAME not in line for line in log_lines)
