"""Sync: this device's identity and lease, "Sync now" with the central server, USB
export of bundles and import of receipts (a folder chooser and a progress bar), the
enrollment over the network (``ui.enroll_online``, while not enrolled) or by USB
(request/response; a first response from a stick only with the server fingerprint the
administrator reads, ``ui.fingerprint``), the purge of identity data of delivered cases
(``ui.purge``), and after a fork-type refusal the way out of a cloned or restored laptop
(``ui.new_identity``). The core does the work (``intake_app.sync``), on the worker; this
dialog only asks and shows.

One job at a time: while one runs, the job buttons are disabled (also in a dialog opened
again meanwhile). A job whose dialog was closed before it ended still reaches the officer:
its result goes to the window's sync status (``SyncStatus.show_note``), and a revocation
still locks (``revoked``).

A problem is said under the USB group and with the box it concerns (``ui.problem_said``),
the keyboard there: a missing address with the address until typed; a missing border post
with the button pressed; a server fingerprint needed, or not the server's, with the
fingerprint until changed; a server not reached with the button and the address until the
address changes; any other refusal of a job with its button, until the next try."""

from __future__ import annotations

from dataclasses import dataclass

import shiboken6
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QDialog, QFormLayout, QFrame, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QProgressBar, QPushButton,
    QScrollArea, QVBoxLayout, QWidget,
)

from intake_app.timefmt import local_time_iso

from .enroll_online import EnrollOnlinePanel
from .file_dialogs import ask_folder
from .fingerprint import ServerFingerprintDialog
from .new_identity import NewIdentityPanel, is_fork
from .problem_said import ProblemSaid
from .purge import PurgePanel
from .text import error_text, tr
from .widgets import fit_window, heading, message_label, muted


@dataclass(frozen=True)
class Counts:
    """Cases, as the status bar and the list count them."""

    pending: int  # not sent yet (neither exported nor uploaded)
    waiting: int  # sent (on a stick or uploaded), waiting for a receipt
    purgeable: int  # delivered, identity data still here
    first_enrollment: bool  # no server keys pinned, not even from before a new identity


def identity_job(s):
    from intake_app.sync import identity
    from intake_app.sync.purge import purgeable_cases
    from intake_app.sync.state import previous_server_info

    v = s.require()
    ident = identity(v)
    counts = Counts(v.count_cases("WHERE sync_state = 'pending'"), v.count_cases("WHERE sync_state = 'sent'"),
                    len(purgeable_cases(v)), not ident.enrolled and previous_server_info(v) is None)
    return ident, counts


class SyncDialog(QDialog):
    finished_job = Signal(str)  # export/receipts/push/enroll_request/enroll_response/enroll_online/new_identity
    revoked = Signal()  # the server said (online or on the stick) that this device is revoked
    job_ended = Signal(str, str)  # (text, kind): a dialog opened again meanwhile shows it too

    def __init__(self, backend, prefs, parent=None, on_prefs=None, driver=None) -> None:
        super().__init__(parent)
        self.backend, self.prefs, self.on_prefs, self.driver = backend, prefs, on_prefs, driver
        self._pushing = False
        self._busy = False
        self._focus_before = None
        self._job_box: QWidget | None = None  # the button of the job running: its refusal is said with it
        self._ident = self._counts = None
        self.fingerprint_dialog: ServerFingerprintDialog | None = None
        self.setWindowTitle(tr("ui.syncdlg.window"))
        fit_window(self, 720, 640)  # never taller or wider than the screen: Cerrar stays on it
        outer = QVBoxLayout(self)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(0, 0, 0, 0)
        # a long refusal and the way out under it scroll rather than squash the buttons
        self.scroll = QScrollArea()
        self.scroll.setAccessibleName(tr("ui.syncdlg.title"))
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)  # a large system font
        self.scroll.setWidget(body)
        body.setAutoFillBackground(False)  # the dialog's own background, not the scroll area's
        self.scroll.viewport().setAutoFillBackground(False)
        outer.addWidget(self.scroll, 1)
        layout.addWidget(heading(tr("ui.syncdlg.title"), 2))
        self.identity = QLabel()
        self.identity.setWordWrap(True)
        layout.addWidget(self.identity)
        layout.addWidget(muted(tr("ui.syncdlg.lease_help")))

        online = QGroupBox(tr("ui.syncdlg.online"))
        form = QFormLayout(online)
        self.url = QLineEdit(prefs.server_url)
        self.url.setPlaceholderText("https://…")
        self.url.setAccessibleName(tr("ui.syncdlg.server"))  # its label's words: read by that name everywhere
        form.addRow(tr("ui.syncdlg.server"), self.url)
        self.enroll = EnrollOnlinePanel(backend)  # between the address and "Sync now": the Tab order
        self.enroll.hide()  # until the identity says "not enrolled"
        self.enroll.requested.connect(self.enroll_online)
        self.enroll.started.connect(lambda: self._start(self.enroll.button))
        self.enroll.pending.connect(self._enroll_pending)
        self.enroll.enrolled.connect(lambda r: self._ok("enroll_online", tr("ui.syncdlg.enrolled_now")))
        self.enroll.failed.connect(self._enroll_failed)
        form.addRow(self.enroll)
        self.push_button = QPushButton(tr("ui.sync.now"))
        form.addRow(self.push_button)
        layout.addWidget(online)

        usb = QGroupBox(tr("ui.syncdlg.usb"))
        box = QVBoxLayout(usb)
        box.addWidget(muted(tr("ui.syncdlg.usb_help")))
        row = QHBoxLayout()
        self.export_button = QPushButton(tr("ui.syncdlg.export"))
        self.receipts_button = QPushButton(tr("ui.syncdlg.receipts"))
        row.addWidget(self.export_button)
        row.addWidget(self.receipts_button)
        box.addLayout(row)
        row = QHBoxLayout()
        self.request_button = QPushButton(tr("ui.syncdlg.enroll_request"))
        self.response_button = QPushButton(tr("ui.syncdlg.enroll_response"))
        row.addWidget(self.request_button)
        row.addWidget(self.response_button)
        box.addLayout(row)
        layout.addWidget(usb)
        self.purge = PurgePanel(backend)
        self.purge.started.connect(lambda: self._start(self.purge.button))
        self.purge.done.connect(lambda text: self._ok("purge", text))
        self.purge.nothing.connect(lambda text: self._say(text, "banner"))
        self.purge.failed.connect(self._failed)
        layout.addWidget(self.purge)

        self.progress = QProgressBar()
        self.progress.hide()
        layout.addWidget(self.progress)
        self.message = message_label()
        layout.addWidget(self.message)
        self.said = ProblemSaid(self.message)
        self.said.watch(self.url, self.url.textChanged)
        self.said.watch(self.enroll.fingerprint, self.enroll.fingerprint.textChanged)
        self.new_identity = NewIdentityPanel(backend, driver, self)
        self.new_identity.started.connect(lambda: self._start(self.new_identity.button))
        self.new_identity.done.connect(self._identity_done)
        self.new_identity.failed.connect(self._failed)
        layout.addWidget(self.new_identity)
        layout.addStretch(1)
        close = QPushButton(tr("ui.print.close"))
        close.clicked.connect(self.reject)
        outer.addWidget(close)

        if driver is not None:
            driver.progress.connect(self._progress)
            driver.state_changed.connect(self._driver_state)
            driver.failed.connect(self._driver_failed)
            if driver.last_error is not None:  # the last background cycle met a fork: say so at once
                self._offer_new_identity(driver.last_error)
        self.push_button.clicked.connect(self.push)
        self.export_button.clicked.connect(lambda: self._folder(self.export_to))
        self.receipts_button.clicked.connect(lambda: self._folder(self.import_receipts))
        self.request_button.clicked.connect(lambda: self._folder(self.enroll_request))
        self.response_button.clicked.connect(lambda: self._folder(self.enroll_response))
        status = getattr(parent, "sync_status", None)
        if status is not None and hasattr(status, "show_note"):
            status.show_note("")  # what a closed dialog left there: the officer is here now
        previous = getattr(parent, "sync_dialog", None)
        if previous is not None and shiboken6.isValid(previous) and getattr(previous, "_busy", False):
            self._start()  # its job is still running: not a second one meanwhile
            previous.job_ended.connect(self._previous_ended)
        self.refresh()

    # --- identity and lease ---------------------------------------------------------------
    def refresh(self) -> None:
        self.backend.op(identity_job, self).quiet().success(self._show_identity).failure(self._failed).run()

    def _show_identity(self, result) -> None:
        ident, counts = result
        self._ident, self._counts = ident, counts
        lines = [tr("ui.syncdlg.device", device=ident.device_id, fingerprint=ident.fingerprint)]
        if ident.revoked:
            lines.append(tr("ui.syncdlg.revoked"))
        elif ident.enrolled:
            lines.append(tr("ui.syncdlg.enrolled", server=ident.server_fingerprint or "?"))
            until = local_time_iso(ident.lease_until) if ident.lease_until else "-"
            lines.append(tr("ui.lease." + ident.lease_state, until=until))
        else:
            lines.append(tr("ui.syncdlg.not_enrolled"))
        lines.append(tr("ui.syncdlg.cases", pending=counts.pending, waiting=counts.waiting))
        self.identity.setText("\n".join(lines))
        self.purge.set_count(counts.purgeable, allowed=not ident.revoked)
        self._apply_enabled()
        enroll = not ident.enrolled and not ident.revoked
        self.enroll.setVisible(enroll)  # after the buttons: the focus moves on to "Sync now"
        (self.enroll.button if enroll else self.push_button).setDefault(True)  # Enter in the address

    def _apply_enabled(self) -> None:
        """Job buttons: none while a job runs; the sync ones only on an enrolled laptop."""
        ident, idle = self._ident, not self._busy
        can_sync = idle and ident is not None and ident.enrolled and not ident.revoked
        for b in (self.push_button, self.export_button, self.receipts_button):
            b.setEnabled(can_sync)
        for w in (self.request_button, self.response_button, self.enroll.button, self.new_identity):
            w.setEnabled(idle)  # the fingerprint typed stays editable (and keeps the keyboard)
        self.purge.setEnabled(idle)
        self.purge.button.setEnabled(idle and self.purge.available)

    # --- jobs ---------------------------------------------------------------------------------
    def _folder(self, then) -> None:
        folder = ask_folder(self, tr("ui.syncdlg.choose_folder"))
        if folder:
            then(folder)

    def _start(self, box: QWidget | None = None) -> None:
        """A job starts (from ``box``, its button): the message before, and a problem said, go."""
        self.said.say("")
        self._job_box = box
        self.progress.setRange(0, 0)
        self.progress.show()
        self._focus_before = self.focusWidget()  # a disabled button gives the keyboard away
        self._busy = True
        self._apply_enabled()

    def _ok(self, kind: str, text: str) -> None:
        self._say(text, "ok")
        self.refresh()
        self.finished_job.emit(kind)

    def _say(self, text: str, kind: str = "error", boxes: tuple[QWidget, ...] | None = None,
             until: str = "retried", holds=None) -> None:
        """The message (under the USB group), scrolled into view once laid out; no busy bar,
        the job buttons back. A problem is also said with the boxes it concerns (``boxes``;
        unsaid, a job's error with its button), the keyboard there, until ``until``
        (``ProblemSaid``). Closed meanwhile: the window's sync status says it."""
        self.progress.hide()
        was_busy, self._busy = self._busy, False
        job, self._job_box = self._job_box, None
        if boxes is None:
            boxes = (job,) if kind == "error" and job is not None else ()
        self._apply_enabled()
        if boxes:
            self._focus_before = None  # the keyboard goes to the problem's box (below)
        self._give_focus_back()
        self.said.say(text, kind, boxes, until, holds)
        QTimer.singleShot(0, self, lambda: self.scroll.ensureWidgetVisible(self.message))
        if was_busy:
            self._report(text, kind)

    def _give_focus_back(self) -> None:
        w, self._focus_before = self._focus_before, None
        if w is not None and shiboken6.isValid(w) and w.isVisible() and w.isEnabled() and not w.hasFocus():
            w.setFocus(Qt.FocusReason.OtherFocusReason)

    def _report(self, text: str, kind: str) -> None:
        self.job_ended.emit(text, kind)
        if not self.isVisible():
            status = getattr(self.parentWidget(), "sync_status", None)
            if status is not None and hasattr(status, "show_note"):
                status.show_note(text, kind)

    def _previous_ended(self, text: str, kind: str) -> None:
        """The job of a dialog closed before it ended: said here too."""
        if self._busy:
            self._say(text, kind)
            self.refresh()

    def _failed(self, err: BaseException, text: str | None = None, boxes: tuple[QWidget, ...] | None = None,
                until: str = "retried") -> None:
        """A refusal in words; a server not reached also said with the address, until it changes."""
        from intake_app.sync.errors import ServerUnreachable

        if boxes is None and isinstance(err, ServerUnreachable) and self._job_box is not None:
            boxes, until = (self._job_box, self.url), "edited"
        self._say(text or error_text(err), boxes=boxes, until=until)
        self._show_new_identity(err)
        if getattr(err, "code", None) == "device_revoked":
            self.revoked.emit()

    def export_to(self, folder: str) -> None:
        self._start(self.export_button)

        def job(s):
            from intake_app.sync import export_to

            return export_to(s.require(), folder)

        def done(r) -> None:
            from intake_app.sync.usb import room_words

            lines = [tr("ui.syncdlg.exported", bundles=len(r.written), revisions=r.revisions),
                     tr("ui.syncdlg.exported_next", button=tr("ui.syncdlg.receipts"))]
            if r.room_short:  # the office would refuse a stick with no room for its receipts: before leaving
                lines.insert(0, room_words(r))
            self._say("\n".join(lines), "banner" if r.room_short else "ok")
            self.refresh()
            self.finished_job.emit("export")

        self.backend.op(job, self).changes_cases().success(done).failure(self._failed).run()

    def _identity_done(self, done) -> None:
        """The new identity is taken: the panel shows its facts (the fingerprint to read to the
        administrator); the enrollment request, which the officer uses next, is the default."""
        self.progress.hide()
        self._busy = False
        self._focus_before = self._job_box = None  # the next step gets the keyboard (below)
        self._apply_enabled()
        self.said.say("")  # the panel says it (new id, fingerprint, enroll again)
        self._report(self.new_identity.result.text(), "banner")
        self.request_button.setObjectName("primary")  # the next step
        self.request_button.style().unpolish(self.request_button)
        self.request_button.style().polish(self.request_button)
        self.request_button.setFocus()
        QTimer.singleShot(0, self, lambda: self.scroll.ensureWidgetVisible(self.new_identity.result))
        self.refresh()
        self.finished_job.emit("new_identity")

    def import_receipts(self, folder: str) -> None:
        self._start(self.receipts_button)

        def job(s):
            from intake_app.sync import import_receipts
            from intake_app.sync.purge import purgeable_cases

            v = s.require()
            before = v.count_cases("WHERE sync_state = 'delivered'")
            report = import_receipts(v, folder)
            return report, v.count_cases("WHERE sync_state = 'delivered'") - before, len(purgeable_cases(v))

        def done(result):
            from intake_app.sync.usb import waiting_words

            r, cases, purgeable = result
            lines = [tr("ui.syncdlg.receipts_done", delivered=len(r.delivered), already=len(r.already),
                        refused=len(r.refused))]
            if cases or r.revisions:
                lines.append(tr("ui.syncdlg.receipts_cases", cases=cases, revisions=r.revisions))
            lines += waiting_words(r, export=tr("ui.syncdlg.export"))  # the command line's words
            lines += [f"• {name}: {error_text(err)}" for name, err in r.refused[:5]]
            if purgeable:  # after what still waits: an offer, never before a refusal
                lines.append(tr("ui.syncdlg.receipts_next", count=purgeable, button=tr("ui.purge.button")))
            for _name, err in r.refused:
                self._show_new_identity(err)
            trouble = r.refused or r.unstored or r.damaged  # refused here or at the office: not green
            self._say("\n".join(lines), "error" if trouble else "banner" if r.waiting else "ok")
            self.refresh()
            self.finished_job.emit("receipts")

        self.backend.op(job, self).changes_cases().success(done).failure(self._failed).run()

    def enroll_request(self, folder: str) -> None:
        post = self.prefs.post
        if not post:
            self._say(tr("ui.syncdlg.need_post"), boxes=(self.request_button,))  # chosen in the settings
            return
        self._start(self.request_button)

        def job(s):
            from intake_app.sync import write_enrollment_request

            return write_enrollment_request(s.require(), folder, post)

        self.backend.op(job, self).success(lambda p: self._ok("enroll_request", tr("ui.syncdlg.request_written"))) \
            .failure(self._failed).run()

    def enroll_response(self, folder: str, server_fingerprint: str | None = None) -> None:
        """The response on the stick. The first one (nothing pinned) is accepted only from the
        server whose fingerprint the administrator reads: asked first, compared by the core
        (another server's response is refused with words and changes nothing). Once pinned
        (enrolled, or before a new identity), the core accepts only those keys anyway."""
        first = self._counts is None or self._counts.first_enrollment
        if server_fingerprint is None and first:
            dialog = ServerFingerprintDialog(self, self.enroll.fingerprint.text())
            dialog.confirmed.connect(lambda text: self.enroll_response(folder, text))
            dialog.finished.connect(dialog.deleteLater)
            self.fingerprint_dialog = dialog
            dialog.open()
            return
        self._start(self.response_button)

        def job(s):
            from intake_app.sync import import_enrollment_response

            return import_enrollment_response(s.require(), folder, server_fingerprint)

        self.backend.op(job, self).success(lambda r: self._ok("enroll_response", tr("ui.syncdlg.enrolled_now"))) \
            .failure(self._failed).run()

    def _server_url(self) -> str:
        """The address typed, kept for the background sync; "" (and says so) when empty."""
        url = self.url.text().strip()
        if not url:
            self._say(tr("ui.syncdlg.need_server"), boxes=(self.url,), until="fixed",
                      holds=lambda: not self.url.text().strip())
        elif self.on_prefs and url != self.prefs.server_url:
            self.prefs = self.prefs.with_(server_url=url)
            self.on_prefs(self.prefs)
        return url

    def enroll_online(self) -> None:
        """«Inscribir por la red»: the request goes (or the approved response comes) on the panel's thread."""
        url = self._server_url()
        if not url:
            return
        if not self.prefs.post:
            self._say(tr("ui.syncdlg.need_post"), boxes=(self.enroll.button,))
            return
        self.enroll.run(url, self.prefs.post)

    def _enroll_pending(self, p) -> None:
        self._say(tr("ui.syncdlg.enroll_pending", device=p.device_id, fingerprint=p.fingerprint,
                     button=tr("ui.syncdlg.enroll_online")), "banner")

    def _enroll_failed(self, err: BaseException) -> None:
        text, code, fingerprint = None, getattr(err, "code", None), self.enroll.fingerprint
        if code in ("sync_server_unreachable", "sync_server_busy"):
            # the error's own words say it is retried: nothing retries an enrollment by itself
            text = tr("ui.syncdlg.enroll_unreachable", button=tr("ui.syncdlg.enroll_online"))
        elif code == "sync_server_fingerprint_required":  # approved: the expected next step, not an error
            self._say(tr("ui.syncdlg.fingerprint_needed", button=tr("ui.syncdlg.enroll_online")), "banner",
                      (fingerprint,), "fixed", lambda: not fingerprint.text().strip())  # the field right above
            return
        elif code == "server_key_untrusted" and err.params.get("reason") == "fingerprint":
            self._failed(err, boxes=(fingerprint,), until="edited")
            return
        self._failed(err, text)

    def push(self) -> None:
        """"Sync now": the background sync (``SyncDriver``) runs a cycle at once, on its own
        thread; the vault steps go to the worker. The result comes back by signal."""
        url = self._server_url()
        if not url:
            return
        self._start(self.push_button)
        self._pushing = True
        self._delivered = 0
        self.driver.start(url)

    def _progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def _driver_state(self, state: str, info) -> None:
        if not self._pushing or state in ("syncing", "stopped"):
            return
        if state == "error" and (info or {}).get("code") != "internal":
            return  # the typed error follows (``failed``): _driver_failed words it
        self._pushing = False
        if state == "idle":
            self._ok("push", tr("ui.syncdlg.synced"))
        elif state == "offline":  # with the address too, until it changes
            self._say(tr("ui.syncdlg.offline_retry"), boxes=(self.push_button, self.url), until="edited")
        elif state == "revoked":
            self._say(tr("ui.syncdlg.revoked"))
            self.revoked.emit()
        elif state == "error":  # a bug in the cycle: no typed error comes
            self._say(tr("error.internal"))

    def _driver_failed(self, err: BaseException) -> None:
        if self._pushing:
            self._pushing = False
            self._failed(err)
        else:  # a background cycle: only the refusal that never clears by itself is worth saying here
            self._offer_new_identity(err)

    def _offer_new_identity(self, err: BaseException) -> None:
        if is_fork(err):
            self.said.say(error_text(err))
            self._show_new_identity(err)
            self.refresh()

    def _show_new_identity(self, err: BaseException) -> None:
        if self.new_identity.offer(err):  # scrolled into view once the layout has made room for it
            QTimer.singleShot(0, self, lambda: self.scroll.ensureWidgetVisible(self.new_identity))
