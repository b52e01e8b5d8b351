"""The language saved in the officer's preferences (no --lang) words the whole window at
launch, as --lang does: the title, the status bar and what the workspace shows. Test data
is fictional."""

from __future__ import annotations

import pytest

from tests.ui.uikit import OFFICER, PASSPHRASE, wait_idle

from intake_app import i18n


@pytest.fixture
def saved(request, qtbot, tmp_path):
    """A vault whose settings say ``request.param``; the app starts in the other language
    (as it does with no --lang when the default differs from what the officer chose)."""
    from intake_app.vault import Vault
    from ui import prefs as prefs_mod
    from ui.mainwindow import MainWindow
    from ui.text import set_language

    home = tmp_path / "data"
    Vault.create(home, OFFICER, PASSPHRASE).close()
    prefs_mod.save(home, prefs_mod.Prefs(language=request.param, post="cr_paso_canoas"))
    before = i18n.language()
    set_language("es" if request.param == "en" else "en")
    win = MainWindow(home)  # no --lang
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.ready, timeout=20_000):
        win.show()
    yield request.param, win
    win.backend.shutdown()
    set_language(before)


def _unlock(qtbot, win):
    page = win.unlock_page
    assert page is not None
    page.passphrase.setText(PASSPHRASE)
    with qtbot.waitSignal(win.unlocked, timeout=20_000):
        page.button.click()
    wait_idle(qtbot, win)


@pytest.mark.parametrize("saved", ["en", "es"], indirect=True)
def test_the_saved_language_words_the_title_and_the_status_bar_at_launch(qtbot, saved):
    code, win = saved
    assert win.windowTitle() == i18n.t("ui.app.title", code)  # already on the unlock page
    _unlock(qtbot, win)
    assert i18n.language() == code
    assert win.windowTitle() == i18n.t("ui.app.title", code)
    status = win.sync_status
    assert status.sync_now.text() == i18n.t("ui.sync.open", code)
    assert status.sync_now.toolTip() == i18n.t("ui.sync.open_tip", code)
    assert status.state.text() == i18n.t("ui.sync.state_offline", code)
    qtbot.waitUntil(lambda: status.pending.text() == i18n.t("ui.sync.pending", code, count=0))
    assert win.workspace.new_button.text() == i18n.t("ui.nav.new", code)
    assert win.officer_label.text() == i18n.t("ui.status.officer", code, name=OFFICER)
    # the background sync's errors reach the status now shown, not the one it replaced
    from intake_app.errors import VaultBusy

    win.sync_driver.failed.emit(VaultBusy())
    assert status.state.toolTip() == i18n.describe_error(VaultBusy())
    assert status.state.toolTip()


def test_the_demo_tag_and_the_app_name_follow_the_saved_language(qtbot, tmp_path):
    from PySide6.QtWidgets import QApplication, QLabel

    from ui import prefs as prefs_mod
    from ui.mainwindow import MainWindow
    from ui.text import set_language

    home = tmp_path / "data"
    prefs_mod.save(home, prefs_mod.Prefs(language="en"))
    app = QApplication.instance()
    before, name = i18n.language(), app.applicationDisplayName()
    set_language("es")
    win = MainWindow(home, demo={"officer": OFFICER, "passphrase": PASSPHRASE, "cases": 3})
    qtbot.addWidget(win)
    try:
        with qtbot.waitSignal(win.unlocked, timeout=20_000):
            win.show()
        wait_idle(qtbot, win)
        assert win.statusBar().findChild(QLabel, "demo").text() == i18n.t("ui.demo.tag", "en")
        assert app.applicationDisplayName() == i18n.t("ui.app.title", "en")
    finally:
        win.backend.shutdown()
        set_language(before)
        app.setApplicationDisplayName(name)
