"""The window: a start page, the first-run wizard, the unlock page and the workspace,
the sync status always visible at the bottom, auto-lock and Ctrl+L.

The window title never names a person or a case."""

from __future__ import annotations

import gc
import logging

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QSizePolicy, QStackedWidget, QWidget

from intake_app.timefmt import local_time_iso

from . import prefs as prefs_mod
from .dialogs import ClipboardWatch, carry_typed, close_all, open_replacing
from .idle import IdleWatch
from .place import Places, keep_place
from .sync_service import SyncDriver
from .sync_status import SyncStatus
from .text import error_text, set_language, tr
from .unlock import UnlockPage
from .startup import StartPage, officer_names_job, printing_available, startup_job
from .widgets import busy_bar, centered, enter_clicks, fit_window, show_message
from .worker import Backend


def forget_destroyed() -> None:
    """The widgets deleted at a lock are destroyed now, then Python's cyclic gc runs: what
    their Python side held in reference cycles (a record, a PDF, page images, a name typed)
    goes at the lock, not whenever Python next runs a full collection (a quiet laptop
    rarely does)."""
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()


log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    unlocked = Signal()  # the workspace is shown (tests wait on this)
    locked = Signal()  # the unlock page is shown after a lock
    ready = Signal()  # startup finished: wizard or unlock shown
    enroll_request_done = Signal(bool)  # the wizard's enrollment request was written (or failed)

    def __init__(self, home, demo: dict | None = None, language: str | None = None) -> None:
        super().__init__()
        self.forced_language = language
        self.setWindowTitle(tr("ui.app.title"))
        fit_window(self, 1280, 820, by_font=False)  # smaller on a smaller screen: Save and the status bar in view
        self.backend = Backend(home, self)
        self.demo = demo
        self.cb = None
        self.prefs = prefs_mod.Prefs()
        self.officers: list[str] = []
        self.last_officer = ""
        self.workspace = None
        self.wizard = None
        self.unlock_page: UnlockPage | None = None
        self.revoked: str | None = None  # locked by a revocation: this laptop's id ("" until the lock's job says)
        self.places = Places()  # per officer, where each was at their lock: ids and step only
        self.pages = QStackedWidget()
        self.setCentralWidget(self.pages)
        self.start_page = StartPage()
        self.pages.addWidget(self.start_page)

        self.sync_driver = SyncDriver(self.backend, self)
        self.sync_driver.cycle_done.connect(self._sync_cycle_done)
        self.sync_driver.receipt.connect(lambda seq: self.sync_status.refresh())
        self.sync_driver.state_changed.connect(lambda state, info: state == "revoked" and self._revoked())
        self.backend.cases_changed.connect(self._cases_changed)
        self._sync_refreshing = False
        self.lease = "ok"
        self.sync_status = self._make_sync_status()
        # the sync status wraps onto a second line on a narrow window: the bar must take the
        # height it then needs (statusBar() makes it Fixed, which kept one line and cut the rest)
        self.statusBar().setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.statusBar().addWidget(self.sync_status)
        enter_clicks(self)  # Enter presses «Sincronizar…» and the unlock page's buttons too (the workspace has its own)
        self.officer_label = QLabel()
        self.statusBar().addPermanentWidget(self.officer_label)
        self.demo_tag: QLabel | None = None
        if demo is not None:
            self.demo_tag = QLabel(tr("ui.demo.tag"))
            self.demo_tag.setObjectName("demo")
            self.statusBar().addPermanentWidget(self.demo_tag)
        self.busy = busy_bar()
        self.busy.setMaximumWidth(120)
        self.statusBar().addPermanentWidget(self.busy)
        self.backend.busy_changed.connect(self.busy.setVisible)
        self.backend.failed.connect(lambda err: self.statusBar().showMessage(error_text(err), 10_000))

        self.idle = IdleWatch(self.prefs.auto_lock_minutes, self)
        self.idle.timed_out.connect(self.lock)
        self.idle.lock_pressed.connect(self.lock)  # Ctrl+L, also while a window-modal dialog is open
        QApplication.instance().installEventFilter(self.idle)
        self.clipboard = ClipboardWatch(self)  # what the app copied goes at a lock and a close
        QShortcut(QKeySequence("Ctrl+N"), self, activated=self._new_intake)
        QShortcut(QKeySequence("Ctrl+F"), self, activated=self._focus_search)

        self.backend.op(startup_job(demo)).success(self._started).failure(self._fatal).run()

    # --- pages ---------------------------------------------------------------------------
    def _replace(self, attr: str, widget: QWidget | None) -> None:
        old = getattr(self, attr)
        if old is not None:
            self.pages.removeWidget(old)
            old.deleteLater()
        setattr(self, attr, widget)
        if widget is not None:
            self.pages.addWidget(widget)
            self.pages.setCurrentWidget(widget)

    def _fatal(self, err: BaseException) -> None:
        self.start_page.fail(error_text(err))

    def _started(self, result) -> None:
        self.cb, self.prefs, self.officers, opened = result
        if self.forced_language:
            self.prefs = self.prefs.with_(language=self.forced_language)
        set_language(self.prefs.language)
        self._retitle()  # built before the preferences were read: reword in their language
        self.idle.set_minutes(self.prefs.auto_lock_minutes)
        if opened:
            self.last_officer = self.officers[0]
            self._show_workspace()
        elif self.officers:
            self.show_unlock()
        else:
            self.show_wizard()
        self.ready.emit()

    def show_wizard(self) -> None:
        from .wizard import SetupWizard

        posts = [(t.code, t.label(self.prefs.language)) for t in self.cb.vocab("border_posts").terms]
        wizard = SetupWizard(posts, self.prefs.language, self.prefs.post)
        wizard.language_chosen.connect(self._wizard_language)
        wizard.completed.connect(self._create_vault)
        self._replace("wizard", centered(wizard, 860))
        self.wizard_widget = wizard

    def _wizard_language(self, code: str) -> None:
        typed = self.wizard_widget.typed()  # the officer may have come back from later pages
        self.prefs = self.prefs.with_(language=code)
        set_language(code)
        self._retitle()
        self.show_wizard()
        self.wizard_widget.carry(typed)

    def _create_vault(self, officer: str, passphrase: str, post: str) -> None:
        from .wizard import HomeUnwritable, RequestWritten, create_job

        self.prefs = self.prefs.with_(post=post)
        wizard = self.wizard_widget
        job = create_job(officer, passphrase, self.prefs, wizard.device_page.request_folder())
        wizard.setEnabled(False)

        def failed(err):
            wizard.setEnabled(True)
            if isinstance(err, HomeUnwritable):  # retyping the passphrase cannot help: stay
                wizard.fail(tr("ui.wizard.home_unwritable", folder=str(self.backend.home)), officer_page=False)
            else:
                wizard.fail(error_text(err))

        def created(result):
            name, request = result
            self.officers, self.last_officer = [name], name
            self._replace("wizard", None)
            self._show_workspace()
            written = isinstance(request, RequestWritten)
            if written:
                show_message(self.workspace.message, tr("ui.wizard.enroll_written_fp", fingerprint=request.fingerprint),
                             "ok")
            elif request is not None:
                show_message(self.workspace.message, tr("ui.wizard.enroll_failed", reason=error_text(request)))
            if request is not None:
                self.enroll_request_done.emit(written)

        self.backend.op(job).success(created).failure(failed).run()

    def show_unlock(self, chosen: str = "") -> None:
        """The unlock page; ``chosen``: the name a person chose on the page it replaces."""
        hint = tr("ui.demo.unlock_hint", passphrase=self.demo["passphrase"]) if self.demo else ""
        page = UnlockPage(self.officers, hint, self.backend, chosen=chosen)
        page.unlock_requested.connect(self._unlock)
        page.language_chosen.connect(self._unlock_language)
        page.reinstated.connect(self._reinstated)
        self._replace("unlock_page", page)
        if self.revoked is not None:  # said at once, and again on a page rebuilt in another language
            page.say(tr("ui.syncdlg.revoked"))
            page.offer_reinstatement(self.revoked)
        page.focus()
        # the officers as the keyring has them now: one added in the settings since startup
        # must be able to sign in after a lock
        self.backend.op(officer_names_job, page).quiet().success(self._officers_known).failure(lambda e: None).run()

    def _reinstated(self) -> None:
        """Reactivated from the unlock page: not said again on a rebuilt page, nor by the
        status bar (the background sync is stopped while locked)."""
        self.revoked = None
        self.sync_status.set_state("stopped")

    def _officers_known(self, names: list[str]) -> None:
        self.officers = names
        if self.unlock_page is not None:
            self.unlock_page.set_officers(names)

    def _unlock_language(self, code: str) -> None:
        self._save_prefs(self.prefs.with_(language=code))
        self._retitle()
        self.show_unlock(self.unlock_page.officer.currentText() if self.unlock_page is not None else "")

    def _unlock(self, officer: str, passphrase: str) -> None:
        page = self.unlock_page

        def opened(result):
            o, failed = result
            self.last_officer = o.name
            self._show_workspace()
            if failed:  # tries with this officer's passphrase since the last unlock: said, as the CLI says it
                show_message(self.workspace.message, tr("cli.unlock_failures", count=failed[0],
                                                        at=local_time_iso(failed[1])), "banner")

        self.backend.op(lambda s: s.open(officer, passphrase)).success(opened).failure(page.failed).run()

    def _show_workspace(self) -> None:
        from .workspace import Workspace

        ws = Workspace(self.backend, self.cb, self.prefs, can_print=printing_available())
        ws.lock_requested.connect(self.lock)
        ws.settings_requested.connect(self.open_settings)
        ws.verify_requested.connect(self.open_verify)
        ws.print_requested.connect(self.print_case)
        ws.set_lease(self.lease)
        self.revoked = None  # unlocked: not revoked (any more)
        self._replace("unlock_page", None)
        self._replace("workspace", ws)
        self.officer_label.setText(tr("ui.status.officer", name=self.last_officer))
        self.sync_status.refresh()
        self.idle.start()
        place = self.places.take(self.last_officer)  # never the place another officer left
        if place is not None:
            ws.restore(place)  # the draft (read from the vault), or the case its save in flight stored
        else:
            ws.list_page.search.setFocus(Qt.FocusReason.OtherFocusReason)
        self.unlocked.emit()

    # --- lock ------------------------------------------------------------------------------
    def _revoked(self) -> None:
        """The server revoked this laptop: lock now. The vault refuses to open again; the
        unlock page says why and offers «Reactivar este equipo…» at once."""
        dialog = getattr(self, "sync_dialog", None)
        if dialog is not None and dialog.isVisible():
            dialog.close()
        self.revoked = self.revoked or ""
        self.lock()
        if self.unlock_page is not None:
            self.unlock_page.say(tr("ui.syncdlg.revoked"))
            self.unlock_page.offer_reinstatement(self.revoked)

    def lock(self) -> None:
        """Hide every personal field at once, keep the draft, then close the vault. Every
        dialog goes first (print preview, sync, settings, duplicates: they show case data)."""
        if self.workspace is None:
            return
        self.idle.stop()
        try:  # a dialog that fails to close must not keep the form on screen
            close_all(keep=self)
            self.clipboard.forget()
        except Exception as exc:
            log.error("closing the dialogs at a lock failed (%s)", type(exc).__name__)
        for attr in ("print_dialog", "sync_dialog", "settings_dialog", "verify_dialog"):
            setattr(self, attr, None)
        place = self._read_place()  # the answers: written as this officer's draft below, not kept here
        self.places.keep(self.last_officer, place)
        self._replace("workspace", None)  # widgets with personal values go now
        self.officer_label.clear()
        self.sync_driver.stop()
        self.sync_status.show_locked()
        self.backend.generation += 1  # late results of the unlocked session are dropped (not the unlock page's)
        self.show_unlock()
        self.activateWindow()

        def job(s):  # after a save still in flight: keep_place knows whether it stored the case
            vault = s.vault
            try:
                keep_place(s, place)
            finally:  # a draft the disk refused must not leave the vault open
                s.close()
            return vault.device_id if vault is not None else ""  # closed: the id it read (no secret)

        self.backend.op(job).quiet().success(self._locked).failure(lambda e: self._locked(None)).run()

    def _read_place(self) -> dict:
        """``Workspace.place()``, which never stops a lock or a close: when reading the form
        fails, the answers that can be read, field by field (the one that fails is left out),
        else none (the draft autosaved last stays). Only the error's class is logged."""
        ws = self.workspace
        if ws is None:
            return {}
        try:
            return ws.place()
        except Exception as exc:
            log.error("reading the form failed (%s): the draft is kept without it", type(exc).__name__)
        try:
            form = ws.form
            if form is None or ws.stack.currentWidget() is not form:
                return {}
            content = {}
            for key, row in form.rows.items():
                try:
                    value = row.editor.value()
                except Exception as exc:
                    log.error("a field could not be read (%s): left out of the draft", type(exc).__name__)
                    continue
                if value is not None:
                    content[key] = value
            saving = getattr(ws, "_saving", None)
            return {"draft_id": form.draft_id, "case_id": form.case_id, "step": form.step, "content": content,
                    "saving": saving[1] if saving is not None and saving[0] is form else None}
        except Exception as exc:
            log.error("the form could not be read at all (%s)", type(exc).__name__)
            return {}

    def _locked(self, device_id: str | None) -> None:
        """The vault is closed (``device_id`` None: closing it failed)."""
        if device_id is not None and self.revoked is not None and self.unlock_page is not None:
            self.revoked = device_id  # «Reactivar…» names the laptop
            self.unlock_page.offer_reinstatement(device_id)
        forget_destroyed()
        self.locked.emit()

    # --- settings ---------------------------------------------------------------------------
    def open_settings(self) -> None:
        from .settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.backend, self.cb, self.prefs, self)
        dialog.prefs_changed.connect(self._prefs_changed)
        dialog.officers.drafts_received.connect(self._drafts_received)
        open_replacing(self, "settings_dialog", dialog)  # the closed one is not kept alive (hidden) beside it

    def _drafts_received(self) -> None:
        """A removed officer's drafts are the signed-in officer's now: the case list's banner says so."""
        if self.workspace is not None:
            self.workspace.load_drafts()

    def open_verify(self) -> None:
        """Check a printed summary's code on this laptop (the one that printed it)."""
        from .verify_dialog import VerifyPrintDialog

        open_replacing(self, "verify_dialog", VerifyPrintDialog(self.backend, self))

    def _prefs_changed(self, prefs) -> None:
        relabel = prefs.language != self.prefs.language
        self._save_prefs(prefs)
        if relabel and self.workspace is not None:  # rebuild in the new language, same place
            place = self._read_place()
            if place:  # the draft is written first, then read back by the rebuilt workspace
                self.backend.op(lambda s: keep_place(s, place)).quiet().run()
            self.places.keep(self.last_officer, place)
            self._retitle()
            self._show_workspace()
            self._relabel_settings()

    def _relabel_settings(self) -> None:
        """After a language switch from the settings dialog: the same dialog in the new
        language, with what was typed in it, opened over the rebuilt workspace."""
        old = getattr(self, "settings_dialog", None)
        if old is None or not shiboken6.isValid(old) or not old.isVisible():
            return
        self.workspace.settings_button.setFocus()  # where the keyboard goes back when it closes
        self.open_settings()
        new = self.settings_dialog
        carry_typed(old, new)
        show_message(new.prefs_message, tr("ui.settings.saved"), "ok")
        new.language.setFocus()

    def _save_prefs(self, prefs) -> None:
        self.prefs = prefs
        set_language(prefs.language)
        self.idle.set_minutes(prefs.auto_lock_minutes)
        self.backend.op(lambda s: prefs_mod.save(s.home, prefs)).quiet().failure(lambda e: None).run()

    def _retitle(self) -> None:
        """Reword what the window built once and keeps across pages (the title, the start
        page, the status bar) in the current language; the pages themselves are rebuilt."""
        title = tr("ui.app.title")
        self.setWindowTitle(title)
        QApplication.instance().setApplicationDisplayName(title)  # some platforms add it to the title
        self.start_page.retitle()
        if self.demo_tag is not None:
            self.demo_tag.setText(tr("ui.demo.tag"))
        old = self.sync_status
        self.sync_status = self._make_sync_status()
        self.statusBar().removeWidget(old)
        old.deleteLater()
        self.statusBar().insertWidget(0, self.sync_status)
        self.sync_status.show()

    # --- background sync ----------------------------------------------------------------------
    def _make_sync_status(self) -> SyncStatus:
        status = SyncStatus(self.backend)
        status.sync_now.clicked.connect(self.open_sync)
        status.status_known.connect(self._sync_known)
        self.sync_driver.state_changed.connect(status.set_state)
        self.sync_driver.failed.connect(status.show_failure)  # a method: let go when the status is replaced
        if self.revoked is not None and self.workspace is None:  # rebuilt in another language while revoked
            status.set_state("revoked")
        else:
            status.set_state(self.sync_driver.state, self.sync_driver.info)
        return status

    def _sync_known(self, pending: int, lease: str, enrolled: bool) -> None:
        """After each status refresh: the lease gates new intakes; an enrolled device with
        a server address syncs in the background."""
        self.lease = lease
        if self.workspace is not None:
            self.workspace.set_lease(lease)
            if enrolled and self.prefs.server_url and not self.sync_driver.running():
                self.sync_driver.start(self.prefs.server_url)

    def _cases_changed(self) -> None:
        if not self._sync_refreshing:  # a save: send it soon (not our own refresh below)
            self.sync_driver.sync_now()

    def _sync_cycle_done(self) -> None:
        self._sync_refreshing = True
        try:
            self.backend.cases_changed.emit()  # lists and counts show the new sync states
        finally:
            self._sync_refreshing = False

    def open_sync(self) -> None:
        from .sync_dialog import SyncDialog

        if self.workspace is None:
            return
        dialog = SyncDialog(self.backend, self.prefs, self, on_prefs=self._save_prefs, driver=self.sync_driver)
        dialog.finished_job.connect(lambda kind: self.sync_status.refresh())
        dialog.revoked.connect(self._revoked)
        # one whose job still runs goes when that job ends (its end reaches the new one too)
        open_replacing(self, "sync_dialog", dialog, lambda d: d._busy, "job_ended")

    # --- printing ---------------------------------------------------------------------------
    def print_case(self, record) -> None:
        from .printing import PrintDialog

        dialog = PrintDialog(self.backend, self.cb, record, self)
        # a closed preview keeps its pages (a name, a QR): it goes, once a print it started is painted
        open_replacing(self, "print_dialog", dialog, lambda d: not d.busy.isHidden(), "output_done", "refused",
                       "preview_ready")

    # --- shortcuts ----------------------------------------------------------------------------
    def _new_intake(self) -> None:
        if self.workspace is not None:
            self.workspace.new_intake()

    def _focus_search(self) -> None:
        if self.workspace is not None:
            self.workspace.show_list()
            self.workspace.list_page.search.setFocus()

    def closeEvent(self, event) -> None:
        place = self._read_place()  # never raises: the worker below must stop, whatever the form holds
        try:
            self.clipboard.forget()
            self.sync_driver.stop()
        finally:
            if place:  # the jobs queued run first (a save in flight included), then this one
                self.backend.shutdown(lambda s: keep_place(s, place))
            else:
                self.backend.shutdown()
            super().closeEvent(event)

