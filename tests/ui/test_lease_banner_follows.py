"""The lease message above the case list follows the lease: after a sync renewed it, the
red «…venció. Sincronice primero…» stayed while the status bar said «En línea» and «Nuevo
registro» worked again; and «…vence pronto» stayed after the lease had lapsed. Each status
refresh now rewords the lease message on show, or clears it; other messages stay.
FICTIONAL data."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from intake_app import i18n
from tests.ui.uikit import wait_idle


@pytest.fixture(scope="module")
def server_keys():
    from intake_app.bundle import ServerKeys

    return ServerKeys.generate()


def _lease(qtbot, win, server_keys, days_left: float) -> None:
    """Enrolled, with the lease ``days_left`` from now (negative: lapsed), as a sync leaves it;
    back once the status refresh has handed the lease to the workspace."""
    from intake_app.sync import state
    from tests.sync.helpers import enroll

    def job(s):
        v = s.require()
        if not state.is_enrolled(v):
            enroll(v, server_keys)
        state.set_lease(v, state.iso(datetime.now(timezone.utc) + timedelta(days=days_left)))

    with qtbot.waitSignal(win.sync_status.status_known, timeout=20_000):
        win.backend.op(job).changes_cases().run()
    wait_idle(qtbot, win)


def test_a_renewed_lease_clears_the_lapsed_message(qtbot, unlocked, server_keys):
    win = unlocked
    ws = win.workspace
    _lease(qtbot, win, server_keys, -1)
    assert ws.new_intake() is None
    assert not ws.message.isHidden() and ws.message.text() == i18n.t("ui.lease.blocked", "es")
    _lease(qtbot, win, server_keys, 30)  # a sync renewed it
    qtbot.waitUntil(lambda: ws.message.isHidden())
    assert ws.new_button.toolTip() != i18n.t("ui.lease.blocked", "es")


def test_a_lapsed_lease_rewords_the_expiring_warning(qtbot, unlocked, server_keys):
    win = unlocked
    ws = win.workspace
    _lease(qtbot, win, server_keys, 3)
    assert ws.new_intake() is not None
    assert ws.message.text() == i18n.t("ui.lease.expiring_warning", "es")
    assert ws.message.objectName() == "banner"
    _lease(qtbot, win, server_keys, -1)  # lapsed while the form is open
    qtbot.waitUntil(lambda: ws.message.text() == i18n.t("ui.lease.blocked", "es"))
    assert ws.message.objectName() == "error" and not ws.message.isHidden()
    _lease(qtbot, win, server_keys, 3)  # and back: the warning, not the block
    qtbot.waitUntil(lambda: ws.message.text() == i18n.t("ui.lease.expiring_warning", "es"))
    assert ws.message.objectName() == "banner"
    ws.show_list()
    wait_idle(qtbot, win)


def test_another_message_is_left_alone(qtbot, unlocked, server_keys):
    from ui.widgets import show_message

    win = unlocked
    ws = win.workspace
    _lease(qtbot, win, server_keys, -1)
    saved = i18n.t("ui.form.saved", "es", case="ABCD-EFGH-JKLM")
    show_message(ws.message, saved, "ok")
    _lease(qtbot, win, server_keys, 30)
    assert ws.message.text() == saved and not ws.message.isHidden()
