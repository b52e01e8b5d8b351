"""«Reactivar este equipo…»: a laptop revoked by mistake, made active again from the desktop,
against the REAL central server on 127.0.0.1 (``tests.sync.conftest.LoopbackServer``).

The laptop is enrolled, the office revokes it (the wrong id), the background sync meets the
signed "revoked" and the window locks; the unlock page refuses as revoked and offers the
dialog. While the server still says revoked, or the stick holds an old status, the dialog
says so and the vault still refuses; once the office reinstates it (``devices.reinstate``,
and for a stick the status ``intake-server device reinstate --dir`` writes, through the same
functions), the dialog reactivates the laptop and the officer unlocks normally. Everything
waits on signals. FICTIONAL data only."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QWidget

from intake_app import i18n
from tests.sync.conftest import free_port
from tests.ui.uikit import PASSPHRASE, run_on_backend, wait_idle

REVOKED_ID = "3f2a9c0d1e4b4f6a8b7c6d5e4f3a2b1c"  # a fictional device id, for the layout tests


def _enroll(qtbot, win, server) -> str:
    def job(s):
        server.enroll(s.require())
        return s.require().device_id

    return run_on_backend(qtbot, win, job)


def _revoked_and_locked(qtbot, win, server, device_id: str | None = None) -> str:
    """(Enrolled,) the office revokes this laptop; "Sincronizar ahora" meets the signed word:
    the window locks."""
    device_id = device_id or _enroll(qtbot, win, server)
    server.revoke(device_id)
    win.open_sync()
    dialog = win.sync_dialog
    wait_idle(qtbot, win)
    dialog.url.setText(server.url)  # kept in the preferences: the reinstatement dialog offers it
    with qtbot.waitSignal(win.locked, timeout=30_000):
        dialog.push()
    wait_idle(qtbot, win)
    assert win.workspace is None
    assert win.unlock_page.message.text() == i18n.t("ui.syncdlg.revoked", "es")
    return device_id


def _unlock(qtbot, win, passphrase: str = PASSPHRASE) -> None:
    page = win.unlock_page
    page.passphrase.setText(passphrase)
    with qtbot.waitSignal(win.backend.idle, timeout=20_000):
        qtbot.keyClick(page.passphrase, Qt.Key.Key_Return)


def _refused_as_revoked(qtbot, win, device_id: str):
    _unlock(qtbot, win)
    page = win.unlock_page
    assert win.workspace is None  # the vault refuses to open
    assert page.message.text() == i18n.t("error.device_revoked", "es", device_id=device_id)
    assert page.reinstate.isVisible() and page.reinstate.text() == "Reactivar este equipo…"
    assert page.passphrase.text() == ""  # emptied at the refusal, as after every failed unlock
    return page


def _open_dialog(qtbot, win):
    page = win.unlock_page
    page.reinstate.click()
    dialog = page.reinstate_dialog
    qtbot.waitUntil(dialog.isVisible)
    wait_idle(qtbot, win)  # the saved server address
    return dialog


def _online(qtbot, dialog, signal, passphrase: str = PASSPHRASE):
    dialog.passphrase.setText(passphrase)
    with qtbot.waitSignal(signal, timeout=30_000) as got:
        qtbot.keyClick(dialog.passphrase, Qt.Key.Key_Return)  # Enter: «Reactivar por la red»
    return got.args[0] if got.args else None


def _office_writes_status(server, device_id: str, stick) -> None:
    """What ``intake-server device reinstate ID --dir STICK`` writes (server/cli_device.py)."""
    from intake_app.server import devices
    from intake_app.server.usb import write_on_stick, write_status

    data = devices.status_bytes(server.engine, server.keystore, device_id, lease_days=server.settings.lease_days,
                                contact=False)
    write_on_stick(write_status, stick, device_id, data)


def _unlocks_normally(qtbot, win) -> None:
    page = win.unlock_page
    assert page.message.text() == "Equipo reactivado; desbloquee para continuar."
    assert page.message.objectName() == "ok" and not page.reinstate.isVisible()
    page.passphrase.setText(PASSPHRASE)
    with qtbot.waitSignal(win.unlocked, timeout=20_000):
        qtbot.keyClick(page.passphrase, Qt.Key.Key_Return)
    actions = run_on_backend(qtbot, win, lambda s: [e.action for e in s.require().audit.entries()])
    assert "device_reinstated" in actions


def test_reactivated_over_the_network_after_the_office_reinstates(qtbot, unlocked, server):
    from intake_app.server import devices

    win = unlocked
    device_id = _revoked_and_locked(qtbot, win, server)
    _refused_as_revoked(qtbot, win, device_id)
    dialog = _open_dialog(qtbot, win)
    assert dialog.url.text() == server.url  # the saved preferences' address
    assert dialog.passphrase.hasFocus()

    # the server still says revoked: said, and nothing changes
    err = _online(qtbot, dialog, dialog.failed)
    assert type(err).__name__ == "DeviceRevoked"
    assert dialog.message.text() == i18n.t("ui.reinstate.still_revoked", "es", device_id=device_id)
    assert dialog.isVisible() and dialog.passphrase.text() == "" and dialog.progress.isHidden()
    # an address nobody answers: said, nothing changes
    dialog.url.setText(f"http://127.0.0.1:{free_port()}")
    _online(qtbot, dialog, dialog.failed)
    assert dialog.message.text() == i18n.t("ui.reinstate.unreachable", "es")
    dialog.reject()
    _refused_as_revoked(qtbot, win, device_id)  # the vault still refuses

    devices.reinstate(server.engine, device_id, actor="test")  # the office undoes its mistake
    dialog = _open_dialog(qtbot, win)
    assert dialog.url.text() == server.url
    assert _online(qtbot, dialog, dialog.reinstated) == "ok"
    assert not dialog.isVisible()
    _unlocks_normally(qtbot, win)


def test_reactivated_from_the_stick_the_office_wrote(qtbot, unlocked, server, tmp_path, monkeypatch):
    from intake_app.server import devices

    win = unlocked
    device_id = _revoked_and_locked(qtbot, win, server)
    _refused_as_revoked(qtbot, win, device_id)
    stick = tmp_path / "stick"
    stick.mkdir()
    devices.reinstate(server.engine, device_id, actor="test")
    _office_writes_status(server, device_id, stick)
    dialog = _open_dialog(qtbot, win)
    chosen = []
    monkeypatch.setattr("ui.reinstate.ask_folder", lambda parent, title: chosen.append(title) or str(stick))
    dialog.passphrase.setText(PASSPHRASE)
    with qtbot.waitSignal(dialog.reinstated, timeout=30_000):
        dialog.usb_button.click()  # the app's own folder chooser, then the stick's status
    assert chosen == [i18n.t("ui.syncdlg.choose_folder", "es")]
    _unlocks_normally(qtbot, win)


def test_an_old_status_on_the_stick_is_said_and_changes_nothing(qtbot, unlocked, server, tmp_path):
    """An empty stick, then a stick holding this laptop's status from before the revocation
    (an earlier sync left it): each is said; the vault still refuses."""
    win = unlocked
    device_id = _enroll(qtbot, win, server)
    stick, empty = tmp_path / "stick", tmp_path / "empty"
    stick.mkdir()
    empty.mkdir()
    _office_writes_status(server, device_id, stick)  # 'active', from before the revocation
    _revoked_and_locked(qtbot, win, server, device_id)
    _refused_as_revoked(qtbot, win, device_id)
    dialog = _open_dialog(qtbot, win)
    for folder, words in ((empty, i18n.t("error.sync_no_status", "es", device_id=device_id)),
                          (stick, i18n.t("error.sync_reinstate_old_status", "es", device_id=device_id))):
        dialog.passphrase.setText(PASSPHRASE)
        with qtbot.waitSignal(dialog.failed, timeout=30_000):
            dialog.reinstate_from_stick(str(folder))
        assert dialog.message.text() == words
        assert dialog.passphrase.text() == "" and dialog.usb_button.isEnabled()
    assert f"intake-server device reinstate {device_id} --dir" in dialog.message.text()
    dialog.reject()
    _refused_as_revoked(qtbot, win, device_id)


def test_a_wrong_passphrase_is_said_and_waited_for(qtbot, unlocked):
    """The dialog counts the core's wait down on its buttons, as the unlock page does."""
    from intake_app.sync.errors import DeviceRevoked

    win = unlocked
    with qtbot.waitSignal(win.locked, timeout=20_000):
        win.lock()
    page = win.unlock_page
    page.failed(DeviceRevoked(device_id=REVOKED_ID))
    dialog = _open_dialog(qtbot, win)
    dialog.url.setText(f"http://127.0.0.1:{free_port()}")
    err = _online(qtbot, dialog, dialog.failed, "frase equivocada ficticia")
    assert err.code == "wrong_passphrase"
    assert dialog.message.text().startswith("Frase de paso incorrecta")
    assert not dialog.online_button.isEnabled() and not dialog.usb_button.isEnabled()
    with qtbot.waitSignal(dialog.countdown.finished, timeout=10_000):
        pass
    assert dialog.online_button.isEnabled() and dialog.usb_button.isEnabled()
    # nothing typed: said, nothing started
    dialog.online_button.click()
    assert dialog.message.text() == i18n.t("ui.reinstate.need_passphrase", "es") and not dialog.busy


# --- what a screen reader says, the keyboard, a 1024×600 screen at 16.5 pt ------------------------
SCREEN = QRect(0, 0, 1024, 600)


def _focusable(root: QWidget) -> list[QWidget]:
    found = [w for w in [root, *root.findChildren(QWidget)]
             if w.focusPolicy() & Qt.FocusPolicy.TabFocus and w.focusProxy() is None and w.isEnabled()
             and w.isVisibleTo(root)]
    return [w for w in found if w.window() is root.window()]


def _spoken(widget: QWidget) -> str:
    iface = QAccessible.queryAccessibleInterface(widget)
    return iface.text(QAccessible.Text.Name) if iface else ""


@pytest.fixture
def large_font(qapp, styled):
    font = qapp.font()
    large = qapp.font()
    large.setPointSizeF(16.5)
    qapp.setFont(large)
    yield
    qapp.setFont(font)


def _box(widget, root) -> QRect:
    return QRect(widget.mapTo(root, QPoint(0, 0)), widget.size())


def test_the_offer_and_the_dialog_fit_1024x600_at_16_5_pt(qtbot, large_font, styled_window, monkeypatch):
    from intake_app.sync.errors import DeviceRevoked
    from ui import widgets

    monkeypatch.setattr(widgets, "free_area", lambda window: SCREEN)
    win = styled_window
    assert win.font().pointSizeF() == 16.5
    with qtbot.waitSignal(win.locked, timeout=20_000):
        win.lock()
    win.resize(SCREEN.width(), SCREEN.height())
    qtbot.waitUntil(lambda: win.width() == SCREEN.width())
    page = win.unlock_page
    page.failed(DeviceRevoked(device_id=REVOKED_ID))
    root = win.centralWidget()

    def page_fits():  # the whole refusal, the offer and the unlock button on the screen, no scrolling
        for w in (page.message, page.reinstate, page.button):
            assert root.rect().contains(_box(w, root)), w.objectName()
            assert w.visibleRegion().boundingRect() == w.rect(), w.objectName()
        assert page.message.height() >= page.message.heightForWidth(page.message.width())

    qtbot.waitUntil(page_fits)
    assert page.reinstate.accessibleName() == i18n.t("ui.unlock.reinstate")
    page.passphrase.setFocus()
    qtbot.keyClick(page.passphrase, Qt.Key.Key_Tab)  # the offer comes right after the passphrase
    assert page.reinstate.hasFocus()
    qtbot.keyClick(page.reinstate, Qt.Key.Key_Space)
    dialog = page.reinstate_dialog
    qtbot.waitUntil(dialog.isVisible)
    wait_idle(qtbot, win)
    assert dialog.width() <= SCREEN.width() and dialog.height() <= SCREEN.height() - widgets.TITLE_ROOM

    def dialog_fits():
        assert dialog.scroll.horizontalScrollBar().maximum() == 0, "the dialog scrolls sideways"
        for w in (dialog.passphrase, dialog.url, dialog.online_button, dialog.usb_button, dialog.close_button):
            assert w.visibleRegion().boundingRect() == w.rect(), w.accessibleName()
            assert w.width() >= w.minimumSizeHint().width(), w.accessibleName()

    qtbot.waitUntil(dialog_fits)
    unnamed = [type(w).__name__ for w in _focusable(dialog) if not _spoken(w)]
    assert unnamed == []
    # the keyboard: passphrase → address → «Reactivar por la red» → the stick → Cerrar
    assert dialog.passphrase.hasFocus()
    order = []
    for _ in range(5):
        order.append(dialog.focusWidget())
        qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Tab)
    assert order == [dialog.passphrase, dialog.url, dialog.online_button, dialog.usb_button, dialog.close_button]
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_once_reactivated_a_language_switch_does_not_say_revoked_again(qtbot, unlocked, server):
    """The window remembers a revocation lock to say it on a page rebuilt in another language;
    a successful «Reactivar…» ends that (the review found "revoked" said again)."""
    from intake_app.server import devices
    from ui.text import set_language

    win = unlocked
    device_id = _revoked_and_locked(qtbot, win, server)
    devices.reinstate(server.engine, device_id, actor="test")
    dialog = _open_dialog(qtbot, win)
    _online(qtbot, dialog, dialog.reinstated)
    before = i18n.language()
    try:
        win.unlock_page.language_chosen.emit("en")
        page = win.unlock_page
        assert page.message.text() != i18n.t("ui.syncdlg.revoked", "en")
        assert page.reinstate is None or not page.reinstate.isVisible()
        page.passphrase.setText(PASSPHRASE)
        with qtbot.waitSignal(win.unlocked, timeout=20_000):
            qtbot.keyClick(page.passphrase, Qt.Key.Key_Return)
    finally:
        set_language(before)
