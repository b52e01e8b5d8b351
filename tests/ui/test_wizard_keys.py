"""The first-run wizard by keyboard: Enter in a field goes on to the next page (and
creates the vault on the last one), also after the focus has passed over "Siguiente";
going back to the language page and choosing the other language keeps what was typed."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.ui.uikit import OFFICER, PASSPHRASE


def test_enter_goes_on_after_the_focus_passed_over_next(qtbot, window):
    wiz = window.wizard_widget
    next_button = wiz.button(wiz.WizardButton.NextButton)
    next_button.setFocus()
    qtbot.keyClick(next_button, Qt.Key.Key_Space)  # Siguiente pressed with the keyboard
    assert wiz.currentPage() is wiz.officer_page
    page = wiz.officer_page
    page.name.setFocus()
    qtbot.keyClicks(page.name, OFFICER)
    qtbot.keyClick(page.name, Qt.Key.Key_Tab)  # on to the passphrase, as the officer does
    qtbot.keyClicks(QApplication.focusWidget(), PASSPHRASE)
    page.repeat.setFocus()
    qtbot.keyClicks(page.repeat, PASSPHRASE)
    qtbot.keyClick(page.repeat, Qt.Key.Key_Return)
    assert wiz.currentPage() is wiz.post_page
    post = wiz.post_page.post
    post.setFocus()
    post.setCurrentIndex(post.findData("cr_paso_canoas"))
    qtbot.keyClick(post, Qt.Key.Key_Enter, Qt.KeyboardModifier.KeypadModifier)
    assert wiz.currentPage() is wiz.device_page
    enroll = wiz.device_page.enroll
    enroll.setFocus()
    with qtbot.waitSignal(window.unlocked, timeout=20_000):  # Enter on the last page: Create
        qtbot.keyClick(enroll, Qt.Key.Key_Return)


def test_enter_on_a_page_with_a_problem_stays(qtbot, window):
    wiz = window.wizard_widget
    wiz.next()
    page = wiz.officer_page
    page.name.setFocus()
    qtbot.keyClick(page.name, Qt.Key.Key_Return)  # no name yet
    assert wiz.currentPage() is page and page.message.text()


def test_a_focused_button_takes_enter_itself(qtbot, window):
    wiz = window.wizard_widget
    wiz.next()
    back = wiz.button(wiz.WizardButton.BackButton)
    back.setFocus()
    qtbot.keyClick(back, Qt.Key.Key_Return)
    assert wiz.currentPage() is wiz.language_page


def test_another_language_keeps_what_was_typed(qtbot, window):
    from intake_app import i18n

    wiz = window.wizard_widget
    wiz.next()
    page = wiz.officer_page
    page.name.setText(OFFICER)
    page.passphrase.setText(PASSPHRASE)
    page.repeat.setText(PASSPHRASE)
    wiz.next()
    post = wiz.post_page.post
    post.setCurrentIndex(post.findData("cr_paso_canoas"))
    wiz.back()
    wiz.back()
    assert wiz.currentPage() is wiz.language_page
    english = [b for b in wiz.language_page.group.buttons() if b.property("code") == "en"][0]
    english.setFocus()
    try:
        english.click()
        new = window.wizard_widget
        assert new is not wiz and i18n.language() == "en"
        assert new.currentPage() is new.language_page
        assert QApplication.focusWidget() in new.language_page.group.buttons()  # the keyboard stays there
        page = new.officer_page
        assert (page.name.text(), page.passphrase.text(), page.repeat.text()) == (OFFICER, PASSPHRASE, PASSPHRASE)
        assert new.post_page.post.currentData() == "cr_paso_canoas"
        new.next()
        assert new.currentPage() is page
    finally:
        i18n.set_language("es")


def test_a_data_folder_that_cannot_be_written_to(qtbot, tmp_path):
    """Said as such, naming the folder, on the page where the officer is; once the folder
    is fixed, "Crear la bóveda" again creates it."""
    from ui.mainwindow import MainWindow

    from tests.ui.uikit import wizard_to_device_page

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder's parent should be\n")
    home = blocker / "data"
    win = MainWindow(home, language="es")
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.ready, timeout=20_000):
        win.show()
    try:
        wiz = wizard_to_device_page(win)
        finish = wiz.button(wiz.WizardButton.FinishButton)
        finish.click()
        qtbot.waitUntil(lambda: wiz.isEnabled(), timeout=20_000)
        assert wiz.currentPage() is wiz.device_page  # not sent back to retype what was right
        text = wiz.device_page.message.text()
        assert str(home) in text and "escribir" in text and "error interno" not in text
        assert wiz.device_page.message.isVisible()
        assert wiz.officer_page.passphrase.text() == PASSPHRASE
        blocker.unlink()  # support fixes the folder
        with qtbot.waitSignal(win.unlocked, timeout=20_000):
            finish.click()
    finally:
        win.backend.shutdown()
