"""The status bar keeps why sync went offline (a Wi-Fi sign-in page, an unconfirmed
revocation...): the service words the error just before it reports "offline", and the
"offline" used to wipe it at once. Back online, the old reason goes."""

from __future__ import annotations

from intake_app.i18n import t


def test_offline_keeps_the_reason_and_online_clears_it(qtbot, unlocked):
    status = unlocked.sync_status
    reason = t("error.sync_server_unreachable.web_page", "es")
    status.show_error(reason)
    status.set_state("offline", {"retry_in": 30})
    assert status.state.toolTip() == reason
    status.set_state("syncing")
    assert status.state.toolTip() == ""
    status.show_error(reason)
    status.set_state("idle")
    assert status.state.toolTip() == ""
