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
from .duplicates import BACK, LINK, DuplicateDialog
from .flow import FlowRow
from .form.intake import IntakeForm
from .text import error_text, tr
from .widgets import message_label, shortcut_tip, show_message


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
        self.list_page.draft_banner.clicked.connect(self._continue_draft)
        self._drafts: list = []
        self.lease = "ok"
        self.duplicate_dialog: DuplicateDialog | None = None
        self.list_page.model.refresh()
        self.load_drafts()

    # --- list and drafts ---------------------------------------------------------------
    def show_list(self) -> None:
        if self.form is not None:
            self.form.save_draft()
            self._drop_form()
        self.stack.setCurrentWidget(self.list_page)
        self.list_page.search.setFocus(Qt.FocusReason.OtherFocusReason)
        self.load_drafts()

    def load_drafts(self) -> None:
        self.backend.op(lambda s: s.require().load_drafts(), self).quiet().success(self._drafts_loaded) \
            .failure(lambda e: None).run()

    def _drafts_loaded(self, drafts: list) -> None:
        self._drafts = drafts
        banner = self.list_page.draft_banner
        banner.setText(tr("ui.cases.drafts", count=len(drafts)))
        banner.setVisible(bool(drafts))

    def _continue_draft(self) -> None:
        if self._drafts:
            draft_id, case_id, _, content = self._drafts[0]
            self.open_draft(draft_id, case_id, content)

    def open_draft(self, draft_id: str, case_id: str | None, content: dict, step: int = 0) -> None:
        if case_id:
            # an edit in progress: the form needs the head revision it started from
            def loaded(rec):
                self._open_form(IntakeForm(self.backend, self.cb, content, draft_id, case_id, rec.revision_id))
                self.form.go(step)
            self.backend.op(lambda s: s.require().get_case(case_id), self).success(loaded).failure(self._error).run()
        else:
            self._open_form(IntakeForm(self.backend, self.cb, content, draft_id))
            self.form.go(step)

    # --- forms ---------------------------------------------------------------------------
    def set_lease(self, lease: str) -> None:
        """ok / expiring / expired (``intake_app.sync.lease_state``), from the sync status."""
        self.lease = lease
        self.new_button.setToolTip(tr("ui.lease.blocked") if lease == "expired" else self._new_tip)

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
        if self.form is not None:
            self.form.save_draft()
            self._drop_form()
        self.form = form
        form.save_requested.connect(self._check_duplicates)
        form.cancelled.connect(self.show_list)
        self.stack.addWidget(form)
        self.stack.setCurrentWidget(form)
        show_message(self.message, "")
        form.focus_step()  # now that it is on show (Ctrl+N, the button, a draft, an edit)

    def _drop_form(self) -> None:
        if self.form is not None:
            self.form.stop()
            self.stack.removeWidget(self.form)
            self.form.deleteLater()
            self.form = None

    def _check_duplicates(self, answers: dict) -> None:
        form = self.form
        exclude = form.case_id

        def job(s):
            v = s.require()
            hints = v.find_duplicates(answers, exclude_case=exclude)
            return [(h, v.view_case(h.case_id)) for h in hints[:3]] + [(h, None) for h in hints[3:]]

        self.backend.op(job, self).success(lambda c: self._decide(form, answers, c)).failure(self._error).run()

    def _decide(self, form: IntakeForm, answers: dict, candidates: list) -> None:
        if not candidates:
            self._save(form, answers, "", [])
            return
        dialog = DuplicateDialog(self.cb, answers, [c for c in candidates if c[1] is not None], self)
        dialog.setObjectName("duplicate_dialog")
        self.duplicate_dialog = dialog

        def decided(_):
            self.duplicate_dialog = None
            dialog.deleteLater()
            if dialog.decision != BACK:
                self._save(form, answers, dialog.decision, [h.case_id for h, _ in candidates])

        dialog.finished.connect(decided)
        open_dialog(dialog)  # window-modal, without a nested event loop

    def _save(self, form: IntakeForm, answers: dict, decision: str, others: list[str]) -> None:
        draft_id, case_id, parent = form.draft_id, form.case_id, form.parent_revision
        form.stop()

        def job(s):
            v = s.require()
            result = v.save_case(answers, case_id, parent)
            action = "duplicate_link" if decision == LINK else "duplicate_dismiss" if decision else ""
            for other in others if action else []:
                v.record(action, result.case_id, result.revision_id, other=other)
            v.delete_draft(draft_id)
            return result

        def saved(result):
            self._drop_form()
            self.case_saved.emit(result.case_id)
            self.open_case(result.case_id)
            text = tr("ui.form.saved", case=result.case_id)
            if result.duplicates and not decision:
                text += " " + tr("ui.form.saved_duplicates", count=len(result.duplicates))
            show_message(self.message, text, "ok")

        def failed(err):
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
        """Where the officer is, and the unsaved answers (taken before the widgets go)."""
        if self.form is not None and self.stack.currentWidget() is self.form:
            self.form.settle_typed()
            return {"draft_id": self.form.draft_id, "case_id": self.form.case_id, "step": self.form.step,
                    "content": self.form.raw_answers()}
        return {}
