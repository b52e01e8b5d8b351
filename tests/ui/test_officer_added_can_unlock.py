"""An officer added in the settings can sign in after a lock, without restarting the app:
the unlock page lists the officers as the keyring has them when it is shown."""

from __future__ import annotations

from PySide6.QtCore import Qt

from intake_app import i18n
from tests.ui.uikit import OFFICER, PASSPHRASE, wait_idle

SECOND = "segunda.ficticia"
SECOND_PASSPHRASE = "otra frase ficticia de prueba"


def _officers(page) -> list[str]:
    return [page.officer.itemText(i) for i in range(page.officer.count())]


def test_an_officer_added_in_the_settings_can_unlock_after_a_lock(qtbot, unlocked):
    win = unlocked
    win.open_settings()
    dialog = win.settings_dialog
    qtbot.waitUntil(dialog.isVisible)
    wait_idle(qtbot, win)
    tab = dialog.officers
    dialog.show_tab(tab)
    tab.name.setText(SECOND)
    tab.passphrase.setText(SECOND_PASSPHRASE)
    tab.repeat.setText(SECOND_PASSPHRASE)
    tab.current.setText(PASSPHRASE)
    tab.submit()
    wait_idle(qtbot, win)
    assert tab.message.text() == i18n.t("ui.settings.officer_added", name=SECOND)
    dialog.close()

    with qtbot.waitSignal(win.locked, timeout=20_000):
        win.lock()
    wait_idle(qtbot, win)
    page = win.unlock_page
    assert sorted(_officers(page)) == sorted([OFFICER, SECOND])
    assert page.officer.currentIndex() == -1  # several officers: nobody chosen (tests/ui/test_unlock_no_preselect.py)

    page.officer.setCurrentIndex(_officers(page).index(SECOND))
    page.passphrase.setFocus()
    qtbot.keyClicks(page.passphrase, SECOND_PASSPHRASE)
    with qtbot.waitSignal(win.unlocked, timeout=20_000):
        qtbot.keyClick(page.passphrase, Qt.Key.Key_Return)
    assert win.workspace is not None
    assert win.officer_label.text() == i18n.t("ui.status.officer", name=SECOND)

    # and the list stays current at the next lock too (both listed, nobody chosen)
    with qtbot.waitSignal(win.locked, timeout=20_000):
        win.lock()
    wait_idle(qtbot, win)
    assert sorted(_officers(win.unlock_page)) == sorted([OFFICER, SECOND])
    assert win.unlock_page.officer.currentIndex() == -1
