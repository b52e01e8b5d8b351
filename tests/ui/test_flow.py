"""The officer's day, end to end: first-run wizard → unlock → a whole intake with skip
logic → screening with reasons → save → list and search → lock and unlock with the
draft kept → wrong passphrase delay."""

from __future__ import annotations

import json

from tests.ui.uikit import OFFICER, PASSPHRASE, finish_wizard, wait_idle

from intake_app import i18n


def test_first_run_wizard_creates_the_vault_and_opens_the_workspace(qtbot, window, tmp_path):
    assert window.wizard_widget is not None
    # the officer page refuses a short or mismatched passphrase
    wiz = window.wizard_widget
    wiz.next()
    wiz.officer_page.name.setText(OFFICER)
    wiz.officer_page.passphrase.setText("corta")
    wiz.officer_page.repeat.setText("corta")
    wiz.next()
    assert wiz.currentPage() is wiz.officer_page
    assert "10" in wiz.officer_page.message.text()
    wiz.officer_page.passphrase.setText(PASSPHRASE)
    wiz.officer_page.repeat.setText(PASSPHRASE + "x")
    wiz.next()
    assert wiz.currentPage() is wiz.officer_page
    assert wiz.officer_page.message.text() == i18n.t("ui.wizard.mismatch", "es")
    wiz.back()
    finish_wizard(qtbot, window)
    assert window.workspace is not None
    assert (tmp_path / "data" / "vault.db").exists()
    settings = json.loads((tmp_path / "data" / "settings.json").read_text())
    assert set(settings) == {"language", "post", "auto_lock_minutes", "server_url"}  # nothing personal
    assert settings["post"] == "cr_paso_canoas"


def _lock(qtbot, win):
    with qtbot.waitSignal(win.locked, timeout=20_000):
        win.lock()
    assert win.workspace is None
    assert win.unlock_page is not None


def _unlock(qtbot, win, passphrase=PASSPHRASE):
    page = win.unlock_page
    page.passphrase.setText(passphrase)
    with qtbot.waitSignal(win.unlocked, timeout=20_000):
        page.button.click()
    wait_idle(qtbot, win)


def _set(form, **answers):
    for key, value in answers.items():
        form.rows[key].editor.set_value(value)
    form.refresh()


def _visible(form, key) -> bool:
    return not form.rows[key].isHidden()


def test_whole_intake_with_skip_logic_screening_save_list_and_search(qtbot, unlocked):
    win = unlocked
    _lock(qtbot, win)
    _unlock(qtbot, win)
    ws = win.workspace
    form = ws.new_intake()
    # consent first, and the post from the settings is proposed
    assert form.sections[0].key == "consent"
    assert form.rows["border_post"].editor.value() == "cr_paso_canoas"
    # skip logic, live
    assert not _visible(form, "consent_by")
    _set(form, consent_status="given")
    assert _visible(form, "consent_by") and not _visible(form, "legal_basis")
    _set(form, consent_by="guardian")
    assert _visible(form, "guardian_name")
    _set(form, consent_status="refused")
    assert not _visible(form, "consent_by") and not _visible(form, "guardian_name")  # hiding cascades
    assert _visible(form, "legal_basis")
    _set(form, consent_status="given", consent_by="guardian", guardian_name="Rosa FICTICIA Tutora",
         consent_purposes=["services", "reporting"], consent_recipients=["services"],
         consent_checklist=["purpose_explained", "data_use"])
    form._next()
    form._next()
    _set(form, given_names="Niña FICTICIA", surnames="Prueba DEMO", document_type="none")
    assert not _visible(form, "document_number")
    assert not _visible(form, "accompaniment")
    _set(form, birth_date="2012-05-01")  # a child: the accompaniment question appears
    assert _visible(form, "accompaniment") and not _visible(form, "age_estimate")
    _set(form, gender="female", citizenship="VE", accompaniment="unaccompanied", migration_status="irregular")
    _set(form, tr_acts=["recruitment"])  # half recorded: the panel says what is missing, never an indication
    assert any(line.startswith("Trata (incompleto)") for line in form.screening.partial)
    assert "Para valorar con la persona" in form.screening.toPlainText()
    _set(form, tr_purposes=["sexual_exploitation"])
    assert _visible(form, "tr_sex_exploitation") and _visible(form, "tr_recruitment_country")
    _set(form, tr_sex_exploitation=["prostitution"], tr_recruitment_country="VE", tr_exploitation_country="CR")
    # screening: trafficking flagged for a child without means; urgent for an unaccompanied child
    texts = [t for t, _ in form.screening.indications]
    assert i18n.t("screening.trafficking", "es") in texts
    assert i18n.t("screening.urgent", "es") in texts
    reasons = dict(form.screening.indications)[i18n.t("screening.trafficking", "es")]
    assert any(r.startswith("Acción") for r in reasons) and any("menor" in r.lower() for r in reasons)
    assert "pani" in form.screening.suggested
    form.screening.refer.emit("pani")
    assert form.raw_answers()["referrals"][0]["institution"] == "pani"
    # a required field left empty: the save is refused inline, next to the field
    form.request_save()
    assert form.rows["case_status"].problem.isVisible()
    assert i18n.t("rule.required", "es", field="Estado del caso") == form.rows["case_status"].problem.text()
    assert form.stack.currentIndex() == len(form.sections) - 1
    _set(form, case_status="active")
    with qtbot.waitSignal(ws.case_saved, timeout=20_000) as saved:
        form.request_save()
    case_id = saved.args[0]
    with qtbot.waitSignal(ws.case_shown, timeout=20_000):
        pass
    assert case_id not in win.windowTitle()
    assert "FICTICIA" not in win.windowTitle()
    # it appears in the list and in the search
    ws.show_list()
    model = ws.list_page.model
    with qtbot.waitSignal(model.loaded, timeout=20_000):
        model.refresh()
    assert model.rowCount() == 1
    if model.row_at(0) is None:  # the view may have fetched the page already
        with qtbot.waitSignal(model.loaded, timeout=20_000):
            pass
    assert model.case_id(0) == case_id
    with qtbot.waitSignal(model.loaded, timeout=20_000):
        ws.list_page.search.setText("prueba fict")
    assert model.rowCount() == 1 and model.case_id(0) == case_id
    with qtbot.waitSignal(model.loaded, timeout=20_000):
        ws.list_page.search.setText("nadie")
    assert model.rowCount() == 0
    # no draft is left once the case is saved
    with qtbot.waitSignal(win.backend.idle, timeout=20_000):
        ws.load_drafts()
    assert ws._drafts == []


def test_lock_hides_everything_and_unlock_restores_the_draft(qtbot, unlocked):
    win = unlocked
    form = win.workspace.new_intake()
    _set(form, consent_status="given", given_names="Ana FICTICIA")
    form.go(2)
    form.rows["surnames"].editor.set_value("Borrador DEMO")
    _lock(qtbot, win)
    # nothing personal is left in any widget of the window
    from PySide6.QtWidgets import QLineEdit

    assert all("FICTICIA" not in e.text() and "DEMO" not in e.text() for e in win.findChildren(QLineEdit))
    _unlock(qtbot, win)
    form = win.workspace.form
    assert form is not None and form.step == 2
    assert form.raw_answers()["given_names"] == "Ana FICTICIA"
    assert form.raw_answers()["surnames"] == "Borrador DEMO"


def test_ctrl_l_locks(qtbot, unlocked):
    from PySide6.QtCore import Qt

    win = unlocked
    win.activateWindow()
    with qtbot.waitSignal(win.locked, timeout=20_000):
        qtbot.keyClick(win, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)


def test_idle_minutes_lock(qtbot, unlocked):
    win = unlocked
    win.idle.set_minutes(0.001)  # 60 ms
    with qtbot.waitSignal(win.locked, timeout=20_000):
        win.idle.start()


def test_wrong_passphrase_shows_the_reason_and_a_growing_delay(qtbot, unlocked):
    win = unlocked
    _lock(qtbot, win)
    page = win.unlock_page
    page.passphrase.setText("no es la frase ficticia")
    with qtbot.waitSignal(win.backend.idle, timeout=20_000):
        page.button.click()
    assert "incorrecta" in page.message.text()
    assert not page.button.isEnabled()
    assert page.seconds_left >= 1
    with qtbot.waitSignal(page.countdown_finished, timeout=5_000):
        pass
    assert page.button.isEnabled()
    page.passphrase.setText("otra frase equivocada")
    with qtbot.waitSignal(win.backend.idle, timeout=20_000):
        page.button.click()
    assert "2" in page.message.text()  # second failure: a longer wait
    assert page.seconds_left >= 1
    with qtbot.waitSignal(page.countdown_finished, timeout=5_000):
        pass
    _unlock(qtbot, win)
    assert win.workspace is not None
