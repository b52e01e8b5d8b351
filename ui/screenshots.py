"""``make screenshots``: drive every screen offscreen, in Spanish and in English, and
write PNGs to docs/screenshots/. All data is fictional (DEMO / FICTICIO)."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("INTAKE_TEST_FAST_KDF", "1")  # screenshots only: tiny key derivation

from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
PASSPHRASE = "frase ficticia de capturas"
SIZE = (1280, 820)


def wait_idle(win, timeout_ms: int = 20_000) -> None:
    """Process events until no worker job is in flight."""
    app = QApplication.instance()
    for _ in range(5):
        app.processEvents()
    if win.backend.in_flight():
        loop = QEventLoop()
        win.backend.idle.connect(loop.quit)
        QTimer.singleShot(timeout_ms, loop.quit)
        loop.exec()
        win.backend.idle.disconnect(loop.quit)
    for _ in range(5):
        app.processEvents()


def wait_signal(signal, timeout_ms: int = 20_000) -> None:
    loop = QEventLoop()
    signal.connect(loop.quit)
    timer = QTimer()
    timer.setSingleShot(True)
    timer.timeout.connect(loop.quit)
    timer.start(timeout_ms)
    loop.exec()
    if not timer.isActive():
        print("timed out waiting for a signal at line", sys._getframe(1).f_lineno, file=sys.stderr)
    timer.stop()
    signal.disconnect(loop.quit)


class Shooter:
    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.n = 0

    def shot(self, widget: QWidget, name: str) -> Path:
        QApplication.instance().processEvents()
        self.n += 1
        path = OUT / f"{self.lang}-{self.n:02d}-{name}.png"
        widget.grab().save(str(path))
        return path


def fill(form, answers: dict) -> None:
    for key, value in answers.items():
        form.rows[key].editor.set_value(value)
    form.refresh()


SAMPLE = {
    "consent_checklist": ["purpose_explained", "data_use", "right_of_access", "retention_period", "right_to_withdraw"],
    "consent_status": "given", "consent_by": "self", "consent_purposes": ["services", "reporting"],
    "consent_recipients": ["services", "national_authorities"],
    "given_names": "Ana FICTICIA", "surnames": "Pérez DEMO", "document_type": "passport",
    "document_number": "DEMO-4455667", "birth_date": "1999-04-02", "gender": "female", "citizenship": "VE",
    "primary_language": "es", "migration_status": "irregular",
    "tr_acts": ["recruitment", "transportation"], "tr_means": ["deception"], "tr_purposes": ["forced_labour"],
    "tr_labour_industry": "i", "tr_ilo_indicators": ["deception", "withholding_wages"],
    "sm_irregular_entry": True, "sm_paid_facilitator": True, "pn_no_shelter": True, "case_status": "active",
}


def run(lang: str) -> list[Path]:
    from intake_app import i18n

    from .mainwindow import MainWindow
    from .text import install_qt_translations

    i18n.set_language(lang)
    install_qt_translations(lang)
    shots = Shooter(lang)
    paths = []
    home = Path(tempfile.mkdtemp(prefix="intake-shots-"))
    win = MainWindow(home / "data", language=lang)
    win.resize(*SIZE)
    win.show()
    try:
        paths.append(shots.shot(win, "start"))
        wait_idle(win)
        wiz = win.wizard_widget
        paths.append(shots.shot(win, "wizard-language"))
        wiz.next()
        page = wiz.officer_page
        page.name.setText("oficial.ficticia")
        page.passphrase.setText(PASSPHRASE)
        page.repeat.setText(PASSPHRASE)
        paths.append(shots.shot(win, "wizard-officer"))
        wiz.next()
        wiz.post_page.post.setCurrentIndex(wiz.post_page.post.findData("cr_paso_canoas"))
        paths.append(shots.shot(win, "wizard-post"))
        wiz.next()
        paths.append(shots.shot(win, "wizard-device"))
        wiz.accept()
        wait_signal(win.unlocked)
        wait_idle(win)
        paths.append(shots.shot(win, "cases-empty"))
        # fictional cases, saved by the worker like every write
        from intake_app.demo import fictional_intakes

        win.backend.op(lambda s: s.require().save_cases_bulk(fictional_intakes(400, 7, win.cb))) \
            .changes_cases().run()
        wait_idle(win)
        wait_idle(win)
        ws = win.workspace
        paths.append(shots.shot(win, "cases"))
        ws.list_page.search.setText("rodri")
        wait_signal(ws.list_page.model.loaded)
        wait_idle(win)
        paths.append(shots.shot(win, "cases-search"))
        ws.list_page.search.clear()
        wait_idle(win)
        ws.list_page.filter.setCurrentIndex(1)
        wait_idle(win)
        ws.list_page.filter.setCurrentIndex(0)
        wait_idle(win)

        form = ws.new_intake()
        wait_idle(win)
        paths.append(shots.shot(win, "form-consent-empty"))
        fill(form, {k: SAMPLE[k] for k in ("consent_checklist", "consent_status", "consent_by", "consent_purposes",
                                           "consent_recipients")})
        paths.append(shots.shot(win, "form-consent"))
        form.go(2)
        fill(form, {k: SAMPLE[k] for k in ("given_names", "surnames", "document_type", "document_number")})
        form.rows["phone"].editor.set_value("12")
        form.touched.add("phone")
        form.refresh()
        paths.append(shots.shot(win, "form-identity-problem"))
        form.rows["phone"].editor.set_value(None)
        fill(form, SAMPLE)
        form.go(4)
        paths.append(shots.shot(win, "form-trafficking-screening"))
        form.go(len(form.sections) - 1)
        paths.append(shots.shot(win, "form-referrals"))
        form.rows["case_status"].editor.set_value(None)
        form.request_save()
        paths.append(shots.shot(win, "form-required"))
        form.rows["case_status"].editor.set_value("active")
        form.refresh()
        form.request_save()
        wait_signal(ws.case_saved)
        wait_idle(win)
        shown_case = ws.case_view.record.case_id
        paths.append(shots.shot(win, "case-record"))
        # the same person again: the duplicate hint
        form = ws.new_intake()
        fill(form, SAMPLE)
        form.request_save()
        wait_idle(win)
        dialog = ws.duplicate_dialog
        if dialog is not None:
            dialog.resize(1100, 620)
            paths.append(shots.shot(dialog, "duplicates"))
            dialog._decide("link")
            wait_signal(ws.case_saved)
            wait_idle(win)
        view = ws.case_view
        ws._edit(view.record)
        ws.form.rows["pn_medical_urgent"].editor.set_value(True)
        ws.form.refresh()
        ws.form.request_save()
        wait_idle(win)
        if ws.duplicate_dialog is not None:  # otherwise the saved case is shown already
            ws.duplicate_dialog._decide("dismiss")
            wait_signal(ws.case_shown)
        wait_idle(win)
        tabs = ws.case_view.findChild(QWidget, "case_tabs")
        tabs.setCurrentIndex(1)
        paths.append(shots.shot(win, "case-history"))
        tabs.setCurrentIndex(2)
        paths.append(shots.shot(win, "case-audit"))
        tabs.setCurrentIndex(0)
        if ws.case_view.print_button.isEnabled():
            ws.case_view.print_button.click()
            wait_signal(win.print_dialog.preview_ready)
            wait_idle(win)
            paths.append(shots.shot(win.print_dialog, "print-preview"))
            dlg = win.print_dialog
            dlg.copy.setCurrentIndex(dlg.copy.findData("redacted"))
            dlg.recipient.setCurrentIndex(dlg.recipient.findData("iom"))
            wait_idle(win)
            paths.append(shots.shot(dlg, "print-refused"))
            dlg.close()
        win.open_sync()
        wait_idle(win)
        paths.append(shots.shot(win.sync_dialog, "sync"))
        win.sync_dialog.close()
        ws.show_list()
        wait_idle(win)

        win.open_settings()
        wait_idle(win)
        dlg = win.settings_dialog
        for i, name in enumerate(("settings-prefs", "settings-officers", "settings-passphrase")):
            dlg.tabs.setCurrentIndex(i)
            paths.append(shots.shot(dlg, name))
        dlg.close()

        form = ws.new_intake()
        fill(form, {k: SAMPLE[k] for k in ("consent_status", "consent_by", "given_names")})
        form.go(2)
        win.lock()
        wait_signal(win.locked)
        paths.append(shots.shot(win, "locked"))
        win.unlock_page.passphrase.setText("frase equivocada ficticia")
        win.unlock_page._submit()
        wait_idle(win)
        paths.append(shots.shot(win, "unlock-wrong"))
        wait_signal(win.unlock_page.countdown_finished, 5000)
        win.unlock_page.passphrase.setText(PASSPHRASE)
        win.unlock_page._submit()
        wait_signal(win.unlocked)
        wait_idle(win)
        paths.append(shots.shot(win, "unlocked-draft-restored"))

        from intake_app.printing import print_summary

        printed = []
        win.backend.op(lambda s: print_summary(s.require(), shown_case, home / "verificar.pdf")) \
            .success(printed.append).run()
        wait_idle(win)
        win.open_verify()
        dlg = win.verify_dialog
        dlg.code.setText(printed[0].code)
        dlg.check()
        wait_idle(win)
        paths.append(shots.shot(dlg, "verify-print"))
        dlg.close()

        win.backend.op(lambda s: s.require().add_officer("segundo.demo", PASSPHRASE)).run()  # last: no renumbering
        wait_idle(win)
        win.open_settings()
        wait_idle(win)
        dlg, tab = win.settings_dialog, win.settings_dialog.officers
        dlg.show_tab(tab)
        tab.officer_list.setCurrentRow(next(i for i in range(tab.officer_list.count())
                                            if tab.officer_list.item(i).text() == "segundo.demo"))
        tab.ask_remove()
        paths.append(shots.shot(tab.remove_dialog, "officer-remove"))
        tab.remove_dialog.reject()
        dlg.close()
    finally:
        win.close()
        win.deleteLater()
        QApplication.instance().processEvents()
        shutil.rmtree(home, ignore_errors=True)
    return paths


def main() -> int:
    from . import style

    app = QApplication.instance() or QApplication(sys.argv[:1])
    style.apply(app)
    OUT.mkdir(parents=True, exist_ok=True)
    for old in [*OUT.glob("es-*.png"), *OUT.glob("en-*.png")]:  # the dashboard keeps its own shots here
        old.unlink()
    written = []
    for lang in ("es", "en"):
        written += run(lang)
    for p in written:
        print(p.relative_to(OUT.parent.parent))
    return 0


if __name__ == "__main__":
    sys.exit(main())
