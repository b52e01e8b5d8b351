"""A save while the network monitor says "no network" asks the background sync for one
attempt, but does not lift that pause nor reset the backoff (only the monitor does); and a
server or proxy that answered 5xx/429 is worded as such in the status area, not "offline"."""

from __future__ import annotations

from intake_app.i18n import t


class _Service:
    """Records what the driver asks of the core service."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def sync_now(self) -> None:
        self.calls.append(("sync_now",))

    def network_changed(self, online: bool) -> None:
        self.calls.append(("network_changed", online))

    def stop(self, timeout=None) -> None:
        pass


def test_a_save_while_offline_does_not_lift_the_pause(qtbot, unlocked):
    driver = unlocked.sync_driver
    driver.stop()
    fake = _Service()
    driver.service = fake
    try:
        driver._set("offline", {"retry_in": None})  # the platform said there is no network
        unlocked._cases_changed()  # a save
        driver.sync_now()  # the officer asked
        assert fake.calls == [("sync_now",), ("sync_now",)]
    finally:
        driver.service = None


def test_a_busy_server_has_its_own_words(qtbot, unlocked):
    status = unlocked.sync_status
    status.set_state("offline", {"retry_in": 12.4, "reason": "busy"})
    assert status.state.text() == t("ui.sync.state_busy_retry", "es", seconds=12)
    assert "no puede atender" in status.state.text()
    status.set_state("offline", {"retry_in": None, "reason": "busy"})
    assert status.state.text() == t("ui.sync.state_busy", "es")
    status.set_state("offline", {"retry_in": 12, "reason": "connect"})
    assert status.state.text() == t("ui.sync.state_retry", "es", seconds=12)
