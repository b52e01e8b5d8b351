"""The first-run wizard's problems are said with the box they concern: shown under the
boxes, and first in that box's accessible description (what a screen reader says after its
name), the keyboard on it; once the officer fixes it, gone from both and the box's own
help back (no stale problem spoken). The same for a refusal of the vault's creation, and in
English. Fictional data."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from intake_app import i18n
from tests.ui.uikit import OFFICER, PASSPHRASE, wizard_to_device_page

SHORT = "corta"  # fewer than 10 characters


def _next(page) -> None:
    """«Siguiente» with the keyboard: Enter in the page's first box."""
    page.name.setFocus()
    QTest.keyClick(page.name, Qt.Key.Key_Return)


def test_the_officer_page_says_each_problem_with_its_box(qtbot, window):
    wiz = window.wizard_widget
    wiz.next()
    page = wiz.officer_page
    advice = i18n.t("ui.wizard.passphrase_advice", "es")
    assert page.passphrase.accessibleDescription() == advice and not page.name.accessibleDescription()

    _next(page)  # no name
    missing = i18n.t("ui.wizard.name_missing", "es")
    assert wiz.currentPage() is page and page.message.text() == missing
    assert page.name.accessibleDescription() == missing and page.name.hasFocus()
    page.name.setText(OFFICER)  # fixed: gone from the box and from under it
    assert page.name.accessibleDescription() == "" and page.message.isHidden()

    page.passphrase.setText(SHORT)
    _next(page)
    weak = i18n.t("error.weak_passphrase", "es", min_length=10)
    hint = page.hint.text()
    assert page.passphrase.accessibleDescription() == weak + " " + hint and page.passphrase.hasFocus()
    assert not page.name.accessibleDescription() and not page.repeat.accessibleDescription()
    page.passphrase.setText(SHORT + "x")  # still too short: still said, with the hint as it is now
    assert page.passphrase.accessibleDescription() == weak + " " + page.hint.text() and page.message.isVisible()
    page.passphrase.setText(PASSPHRASE)
    assert page.passphrase.accessibleDescription() == page.hint.text() != ""
    assert page.message.isHidden()

    page.repeat.setText(PASSPHRASE + "!")
    _next(page)
    mismatch = i18n.t("ui.wizard.mismatch", "es")
    assert page.repeat.accessibleDescription() == mismatch and page.repeat.hasFocus()
    assert page.passphrase.accessibleDescription() == page.hint.text()
    page.repeat.setText(PASSPHRASE)
    assert page.repeat.accessibleDescription() == "" and page.message.isHidden()
    _next(page)
    assert wiz.currentPage() is wiz.post_page


def test_another_problem_does_not_keep_the_fixed_one(qtbot, window):
    """The name typed, the passphrase still short: the name's problem goes all the same (the
    next one is said at the next «Siguiente»)."""
    wiz = window.wizard_widget
    wiz.next()
    page = wiz.officer_page
    page.passphrase.setText(SHORT)
    _next(page)
    page.name.setText(OFFICER)
    assert not page.name.accessibleDescription() and page.message.isHidden()
    assert page.passphrase.accessibleDescription() == page.hint.text()
    _next(page)
    assert page.passphrase.accessibleDescription().startswith(i18n.t("error.weak_passphrase", "es", min_length=10))


def test_the_enrollment_request_says_its_problems_with_its_boxes(qtbot, window, tmp_path):
    wiz = wizard_to_device_page(window, post="")
    page = wiz.device_page
    finish = wiz.button(wiz.WizardButton.FinishButton)
    page.enroll.setChecked(True)
    finish.click()  # no folder chosen
    no_folder = i18n.t("ui.wizard.enroll_no_folder", "es")
    assert page.message.text() == no_folder
    assert page.choose.accessibleDescription() == no_folder == page.folder.accessibleDescription()
    assert page.choose.hasFocus()
    page.folder.setText(str(tmp_path))  # as «Elegir carpeta…» does
    assert not page.choose.accessibleDescription() and not page.folder.accessibleDescription()
    assert page.message.isHidden()

    finish.click()  # no border post
    no_post = i18n.t("ui.wizard.enroll_no_post", "es")
    post = wiz.post_page.post
    assert page.enroll.accessibleDescription() == no_post == post.accessibleDescription()
    assert page.enroll.hasFocus()
    page.enroll.setChecked(False)  # no request: nothing to fix
    assert not page.enroll.accessibleDescription() and not post.accessibleDescription() and page.message.isHidden()
    page.enroll.setChecked(True)
    finish.click()
    assert post.accessibleDescription() == no_post
    post.setCurrentIndex(post.findData("cr_paso_canoas"))
    assert not post.accessibleDescription() and not page.enroll.accessibleDescription() and page.message.isHidden()


def test_a_refused_creation_is_said_with_the_boxes(qtbot, window):
    """A refusal of the core (the name or the passphrase): said with both on the officer page,
    gone once either is retyped; a data folder that cannot be written to: said with «Crear»."""
    wiz = wizard_to_device_page(window)
    refusal = i18n.t("error.weak_passphrase", "es", min_length=10)  # as the core words one
    wiz.fail(refusal)
    page = wiz.officer_page
    assert wiz.currentPage() is page and page.message.text() == refusal
    assert page.name.accessibleDescription() == refusal and page.name.hasFocus()
    assert page.passphrase.accessibleDescription() == refusal + " " + page.hint.text()
    page.passphrase.setText(PASSPHRASE + " otra")
    assert not page.name.accessibleDescription() and page.passphrase.accessibleDescription() == page.hint.text()
    assert page.message.isHidden()

    page.repeat.setText(PASSPHRASE + " otra")
    wiz.next()
    wiz.next()
    finish = wiz.button(wiz.WizardButton.FinishButton)
    unwritable = i18n.t("ui.wizard.home_unwritable", "es", folder="/carpeta/ficticia")
    wiz.fail(unwritable, officer_page=False)
    assert wiz.currentPage() is wiz.device_page and finish.accessibleDescription() == unwritable
    assert finish.hasFocus()
    wiz.device_page.enroll.setChecked(True)  # not what was wrong: still said
    wiz.device_page.enroll.setChecked(False)
    assert finish.accessibleDescription() == unwritable
    with qtbot.waitSignal(window.unlocked, timeout=20_000):  # pressed again: checked again
        finish.click()
    assert not finish.accessibleDescription()


def test_said_in_english(qtbot, window):
    wiz = window.wizard_widget
    english = [b for b in wiz.language_page.group.buttons() if b.property("code") == "en"][0]
    try:
        english.click()
        wiz = window.wizard_widget
        wiz.next()
        page = wiz.officer_page
        page.name.setText(OFFICER)
        page.passphrase.setText(PASSPHRASE)
        page.repeat.setText(PASSPHRASE[:-1])
        _next(page)
        mismatch = i18n.t("ui.wizard.mismatch", "en")
        assert page.repeat.accessibleDescription() == mismatch == "The two passphrases do not match."
        assert QApplication.focusWidget() is page.repeat
    finally:
        i18n.set_language("es")


def test_a_name_the_core_refuses_then_fixed(qtbot, window):
    """Through the real creation: a name with two spaces in a row (the core refuses it) sends
    the officer back to the officer page, said with the name box; fixed, «Siguiente» goes on
    (it did nothing: the later pages were still counted as visited) and the vault is created."""
    wiz = wizard_to_device_page(window)
    page = wiz.officer_page
    page.name.setText("oficial  ficticia")  # as typed on the officer page, then Create
    finish = wiz.button(wiz.WizardButton.FinishButton)
    finish.click()
    qtbot.waitUntil(lambda: wiz.isEnabled() and wiz.currentPage() is page, timeout=20_000)
    refusal = i18n.t("error.officer_name_invalid.spaces", "es")
    assert page.message.text() == refusal == page.name.accessibleDescription()
    page.name.setText(OFFICER)
    assert not page.name.accessibleDescription() and page.passphrase.accessibleDescription() == page.hint.text()
    wiz.next()
    assert wiz.currentPage() is wiz.post_page
    wiz.next()
    with qtbot.waitSignal(window.unlocked, timeout=20_000):
        finish.click()
