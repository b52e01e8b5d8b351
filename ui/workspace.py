"""What an unlocked officer works in: the case list, the intake form and the case view.

Built fresh at every unlock and destroyed at every lock, so no widget keeps a
personal value while the vault is locked.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QPushButton, QStackedWidget, QVBoxLayout, QWidget

from .caselist import CaseListPage
from .caseview import CaseView, load_case
from .dialogs import open_dialog
from .drafts import DRAFT_STEP, DraftsDialog, draft_step
from .duplicates import BACK, LINK, DuplicateDialog
from .flow import FlowRow
from .form.intake import IntakeForm, ordered_sections
from .place import Place, Saving, keep_place, keep_step, own_draft
from .text import error_text, tr
from .widgets import enter_clicks, message_label, shortcut_tip, show_message


def _lease_messages() -> dict[str, str]:
    return {"expired": tr("ui.lease.blocked"), "expiring": tr("ui.lease.expiring_warning")}


def _defaults(cb, post: str) -> dict:
    out = {"record_date": date.today().isoformat(), "interview_language": "es"}
    term = cb.vocab("border_posts").get(post) if post else None
    if term is not None:
        out["border_post"] = post
        out["institution"] = "eri" if term.attrs.get("country") == "CR" else "uia"
    return out


class Workspace(QWidget):
    lock_requested = Signal()
    settings_requested = Signal()
    verify_requested = Signal()
    print_requested = Signal(object)  # CaseRecord
    case_saved = Signal(str)  # case id (tests wait on this)
    case_shown = Signal(str)
    intake_refused = Signal(str)  # why a new intake was not opened (lease_expired)

    def __init__(self, backend, cb, prefs, can_print: bool = False) -> None:
        super().__init__()
        self.backend, self.cb, self.prefs, self.can_print = backend, cb, prefs, can_print
        self.form: IntakeForm | None = None
        self.case_view: CaseView | None = None
        layout = QVBoxLayout(self)
        bar = FlowRow()  # wraps onto a second row rather than cutting a button on a narrow window
        self.cases_button = QPushButton(tr("ui.nav.cases"))
        self.new_button = QPushButton(tr("ui.nav.new"))
        self.new_button.setObjectName("primary")
        self.settings_button = QPushButton(tr("ui.nav.settings"))
        self.verify_button = QPushButton(tr("ui.nav.verify"))
        self.verify_button.setToolTip(tr("ui.verify.tip"))
        self.lock_button = QPushButton(tr("ui.nav.lock"))
        self.lock_button.setObjectName("lock")
        self._new_tip = shortcut_tip(tr("ui.nav.new"), "Ctrl+N")
        self.new_button.setToolTip(self._new_tip)
        self.cases_button.setToolTip(shortcut_tip(tr("ui.a11y.search"), "Ctrl+F"))
        for b in (self.cases_button, self.new_button):
            bar.addWidget(b)
        bar.addStretch()
        bar.addWidget(self.verify_button)
        bar.addWidget(self.settings_button)
        bar.addWidget(self.lock_button)
        layout.addLayout(bar)
        self.message = message_label()
        layout.addWidget(self.message)
        self.stack = QStackedWidget()
        self.list_page = CaseListPage(backend, cb)
        self.stack.addWidget(self.list_page)
        layout.addWidget(self.stack, 1)
        self.cases_button.clicked.connect(self.show_list)
        self.new_button.clicked.connect(lambda: self.new_intake())
        self.settings_button.clicked.connect(self.settings_requested.emit)
        self.verify_button.clicked.connect(self.verify_requested.emit)
        self.lock_button.clicked.connect(self.lock_requested.emit)
        self.list_page.new_intake.connect(lambda: self.new_intake())
        self.list_page.open_case.connect(self.open_case)
        self.list_page.draft_banner.clicked.connect(self.show_drafts)
        self._drafts: list = []
        self.drafts_dialog: DraftsDialog | None = None
        self.lease = "ok"
        self.duplicate_dialog: DuplicateDialog | None = None
        self._saving: tuple[IntakeForm, Saving] | None = None  # the form whose save is in flight
        self._checking: IntakeForm | None = None  # the form whose duplicate check is in flight
        enter_clicks(self)  # the bar, the drafts banner, the form (with «Hoy», «Quitar») and the case view
        self.list_page.model.refresh()
        self.load_drafts()

    # --- list and drafts ---------------------------------------------------------------
    def show_list(self) -> None:
        self._leave_form()
        self.stack.setCurrentWidget(self.list_page)
        self.list_page.search.setFocus(Qt.FocusReason.OtherFocusReason)
        self.load_drafts()

    def load_drafts(self) -> None:
        self.backend.op(lambda s: s.require().load_drafts(), self).quiet().success(self._drafts_loaded) \
            .failure(lambda e: None).run()

    def _drafts_loaded(self, drafts: list) -> None:
        self._drafts = drafts
        banner = self.list_page.draft_banner
        banner.setText(tr("ui.drafts.banner", count=len(drafts)))
        banner.setAccessibleName(banner.text().rstrip(" →"))
        banner.setVisible(bool(drafts))

    def show_drafts(self) -> DraftsDialog | None:
        """The officer's drafts (by last change and step, never by name): continue one, or
        discard one after a confirmation."""
        if not self._drafts:
            return None
        dialog = DraftsDialog(self.backend, self.cb, self._drafts, self)
        dialog.setObjectName("drafts_dialog")
        dialog.chosen.connect(self.continue_draft)
        dialog.discarded.connect(self.load_drafts)
        dialog.finished.connect(lambda _: setattr(self, "drafts_dialog", None))
        dialog.finished.connect(dialog.deleteLater)  # closed: not kept hidden (with its rows) until the lock
        self.drafts_dialog = dialog
        open_dialog(dialog)
        dialog.focus()
        return dialog

    def continue_draft(self, draft) -> None:
        """A draft from the list, on the step it was left on."""
        draft_id, case_id, _, content = draft
        content = {k: v for k, v in content.items() if k != DRAFT_STEP}
        self.open_draft(draft_id, case_id, content, draft_step(draft[3], len(ordered_sections(self.cb))))

    def restore(self, place: Place) -> None:
        """Back where ``place`` was taken (after this officer's unlock or a language switch):
        the form of the draft, read from the vault (the window kept no answer meanwhile),
        or, when a save was in flight then and stored the case, that case."""
        saving = place.saving
        if saving is not None and not saving.finished:  # still queued: decide once it has run
            self.backend.op(lambda s: None, self).quiet().success(lambda _: self.restore(place)).run()
        elif saving is not None and saving.case_id:
            self.open_case(saving.case_id)
            show_message(self.message, tr("ui.form.saved", case=saving.case_id), "ok")
        else:  # a save refused or failed meanwhile: the officer must not think the case is stored
            note = tr("ui.form.save_not_done") if saving is not None else ""
            self.backend.op(own_draft(place.draft_id), self).success(
                lambda draft: self._reopen(draft, place.step, note)).failure(self._error).run()

    def _reopen(self, draft, step: int, note: str) -> None:
        if draft is None:  # not kept (the vault refused the write at the lock): the list
            self.list_page.search.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        draft_id, case_id, content = draft
        self.open_draft(draft_id, case_id, content, step, note)

    def open_draft(self, draft_id: str, case_id: str | None, content: dict, step: int = 0, note: str = "") -> None:
        """The form of a draft on ``step``, with ``note`` (a problem) above it."""
        def opened(form: IntakeForm) -> None:
            self._open_form(form)
            form.go(step)
            if note:
                show_message(self.message, note)

        if case_id:
            # an edit in progress: the form needs the head revision it started from
            self.backend.op(lambda s: s.require().get_case(case_id), self).success(
                lambda rec: opened(IntakeForm(self.backend, self.cb, content, draft_id, case_id, rec.revision_id))) \
                .failure(self._error).run()
        else:
            opened(IntakeForm(self.backend, self.cb, content, draft_id))

    # --- forms ---------------------------------------------------------------------------
    def set_lease(self, lease: str) -> None:
        """ok / expiring / expired (``intake_app.sync.lease_state``), from the sync status."""
        self.lease = lease
        self.new_button.setToolTip(tr("ui.lease.blocked") if lease == "expired" else self._new_tip)
        # a lease message on show says the lease as it is now: reworded, or gone once renewed
        messages = _lease_messages()
        if not self.message.isHidden() and self.message.text() in messages.values():
            show_message(self.message, messages.get(lease, ""), "error" if lease == "expired" else "banner")

    def new_intake(self) -> IntakeForm | None:
        """A new intake, unless the device's lease has lapsed: then a message asks to
        sync first (existing cases stay open to view; drafts can still be finished)."""
        if self.lease == "expired":
            self.show_list()
            show_message(self.message, tr("ui.lease.blocked"))
            self.intake_refused.emit("lease_expired")
            return None
        form = IntakeForm(self.backend, self.cb, defaults=_defaults(self.cb, self.prefs.post))
        self._open_form(form)
        if self.lease == "expiring":
            show_message(self.message, tr("ui.lease.expiring_warning"), "banner")
        return form

    def _open_form(self, form: IntakeForm) -> None:
        self._leave_form()
        self.form = form
        form.save_requested.connect(self._check_duplicates)
        form.cancelled.connect(self.show_list)
        self.stack.addWidget(form)
        self.stack.setCurrentWidget(form)
        show_message(self.message, "")
        form.focus_step()  # now that it is on show (Ctrl+N, the button, a draft, an edit)

    def _leave_form(self) -> None:
        """Keep the form on show as a draft and drop it. While its save is in flight, the
        draft is written after the save, and only if the save did not store the case."""
        if self.form is None:
            return
        form = self.form
        if self._saving is not None and self._saving[0] is form:
            place = self._place_of(form)
            self.backend.op(lambda s: keep_place(s, place)).quiet().failure(lambda e: None).run()
        else:
            form.save_draft()  # queued first: the step is written beside what it stores
            self.backend.op(keep_step(form.draft_id, form.case_id, form.raw_answers(), form.step)).quiet() \
                .failure(lambda e: None).run()
        self._drop_form()

    def _drop_form(self) -> None:
        if self.form is not None:
            self.form.stop()
            self.stack.removeWidget(self.form)
            self.form.deleteLater()
            self.form = None

    def _check_duplicates(self, answers: dict) -> None:
        form = self.form
        if self._checking is form or (self._saving is not None and self._saving[0] is form):
            return  # Save pressed again before the first came back: that one goes on
        self._checking = form
        exclude = form.case_id

        def job(s):
            v = s.require()
            hints = v.find_duplicates(answers, exclude_case=exclude)
            return [(h, v.view_case(h.case_id)) for h in hints[:3]] + [(h, None) for h in hints[3:]]

        def failed(err):
            self._checked(form)
            self._error(err)

        self.backend.op(job, self).success(lambda c: self._decide(form, answers, c)).failure(failed).run()

    def _checked(self, form: IntakeForm) -> None:
        if self._checking is form:
            self._checking = None

    def _decide(self, form: IntakeForm, answers: dict, candidates: list) -> None:
        if not candidates:
            self._checked(form)
            self._save(form, answers, "", [])
            return
        dialog = DuplicateDialog(self.cb, answers, [c for c in candidates if c[1] is not None], self)
        dialog.setObjectName("duplicate_dialog")
        self.duplicate_dialog = dialog

        def decided(_):
            self._checked(form)
            self.duplicate_dialog = None
            dialog.deleteLater()
            if dialog.decision != BACK:
                self._save(form, answers, dialog.decision, [h.case_id for h, _ in candidates])

        dialog.finished.connect(decided)
        open_dialog(dialog)  # window-modal, without a nested event loop

    def _save(self, form: IntakeForm, answers: dict, decision: str, others: list[str]) -> None:
        draft_id, case_id, parent = form.draft_id, form.case_id, form.parent_revision
        form.stop()
        saving = Saving()
        self._saving = (form, saving)

        def job(s):
            try:
                v = s.require()
                result = v.save_case(answers, case_id, parent)
                saving.case_id = result.case_id  # stored: a lock queued behind must not bring the draft back
                action = "duplicate_link" if decision == LINK else "duplicate_dismiss" if decision else ""
                for other in others if action else []:
                    v.record(action, result.case_id, result.revision_id, other=other)
                v.delete_draft(draft_id)
                return result
            finally:
                saving.finished = True

        def done() -> None:  # only this save's own: another form's may be in flight now
            if self._saving is not None and self._saving[1] is saving:
                self._saving = None

        def saved(result):
            done()
            self.case_saved.emit(result.case_id)
            if self.form is not form:  # the officer went elsewhere meanwhile: stay there
                show_message(self.message, tr("ui.form.saved", case=result.case_id), "ok")
                return
            self._drop_form()
            self.open_case(result.case_id)
            text = tr("ui.form.saved", case=result.case_id)
            if result.duplicates and not decision:
                text += " " + tr("ui.form.saved_duplicates", count=len(result.duplicates))
            show_message(self.message, text, "ok")

        def failed(err):
            done()
            if self.form is form:  # still on show: editing goes on (else its draft was kept)
                form._autosave.start()
            self._error(err)

        self.backend.op(job, self).changes_cases().success(saved).failure(failed).run()

    # --- case view -------------------------------------------------------------------------
    def open_case(self, case_id: str) -> None:
        self.backend.op(load_case(case_id), self).success(self._show_case).failure(self._error).run()

    def _show_case(self, data: dict) -> None:
        if self.case_view is not None:
            self.stack.removeWidget(self.case_view)
            self.case_view.deleteLater()
        self.case_view = CaseView(self.cb, data, self.can_print)
        self.case_view.closed.connect(self.show_list)
        self.case_view.edit_requested.connect(self._edit)
        self.case_view.print_requested.connect(self.print_requested.emit)
        self.stack.addWidget(self.case_view)
        self.stack.setCurrentWidget(self.case_view)
        self.case_view.edit_button.setFocus(Qt.FocusReason.OtherFocusReason)  # its main action, not the status bar
        self.case_shown.emit(data["record"].case_id)

    def _edit(self, record) -> None:
        self._open_form(IntakeForm(self.backend, self.cb, record.content, None, record.case_id, record.revision_id))

    def _error(self, err: BaseException) -> None:
        show_message(self.message, error_text(err))

    # --- lock ------------------------------------------------------------------------------
    def place(self) -> dict:
        """Where the officer is, and the unsaved answers (taken before the widgets go, for
        ``keep_place`` to write as the draft); with ``saving`` when the form's save is in
        flight. The window remembers only its ids and step (``place.Places``)."""
        if self.form is not None and self.stack.currentWidget() is self.form:
            return self._place_of(self.form)
        return {}

    def _place_of(self, form: IntakeForm) -> dict:
        form.settle_typed()
        saving = self._saving[1] if self._saving is not None and self._saving[0] is form else None
        return {"draft_id": form.draft_id, "case_id": form.case_id, "step": form.step,
                "content": form.raw_answers(), "saving": saving}
