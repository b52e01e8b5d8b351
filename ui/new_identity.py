"""«Identidad nueva…» in the sync dialog: the desktop app's way out for a cloned or restored
laptop whose bundles the server refuses as forks (what ``intake sync new-identity`` does
for the CLI; docs/sync.md, "A cloned or restored laptop: new identity").

The button shows only after a fork-type refusal (:func:`is_fork`): the server refused an
upload ``bundle_fork``, or a receipt names a bundle this laptop built otherwise
(``sync_receipt_bundle_mismatch``) or never built (``receipt_unknown_revisions``). It asks
first with the CLI's own words (default No), then runs
:func:`intake_app.sync.new_identity.new_identity` on the vault worker. The background sync
drops the old chain's queued uploads and stops (its queue is keyed by sequence, and the new
chain starts again at 1); it starts again by itself once the new identity is enrolled,
which the dialog's enrollment buttons do."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMessageBox, QPushButton, QVBoxLayout, QWidget

from .text import tr
from .widgets import muted

FORK_CODES = frozenset({"sync_receipt_bundle_mismatch", "receipt_unknown_revisions"})


def is_fork(err) -> bool:
    """A refusal that never clears by itself: this laptop's bundle chain forked from the
    one the server holds under its id."""
    code = getattr(err, "code", None)
    if code in FORK_CODES:
        return True
    return code == "sync_server_refused" and (getattr(err, "params", None) or {}).get("reason") == "bundle_fork"


def _facts_job(s):
    from intake_app.sync.new_identity import undelivered_revisions

    v = s.require()
    return v.device_id, undelivered_revisions(v)


def _new_identity_job(s):
    from intake_app.sync.new_identity import new_identity

    return new_identity(s.require())


class NewIdentityPanel(QWidget):
    """Hidden until :meth:`offer` gets a fork-type error (the dialog passes it the errors of
    its jobs and of the background sync); after the new identity it shows what was done and
    the enrollment to do (``result``); hidden again after a cycle that ends well. Signals:
    ``started`` when the officer said yes (the dialog shows its busy bar),
    ``done(NewIdentity)`` after it, ``failed(err)``."""

    started = Signal()
    done = Signal(object)
    failed = Signal(object)

    def __init__(self, backend, driver=None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.backend, self.driver = backend, driver
        self.confirm_box: QMessageBox | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.help = muted(tr("ui.syncdlg.new_identity_help"))
        layout.addWidget(self.help)
        row = QHBoxLayout()
        self.button = QPushButton(tr("ui.syncdlg.new_identity"))
        self.button.setObjectName("new_identity")
        self.button.clicked.connect(self.ask)
        row.addWidget(self.button)
        row.addStretch(1)
        layout.addLayout(row)
        # what was done and what comes next (named "banner" before its first polish: its padding)
        self.result = QLabel()
        self.result.setObjectName("banner")
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.result)
        self._offering(True)
        self.hide()
        if driver is not None:
            driver.state_changed.connect(self._driver_state)

    def _offering(self, offering: bool) -> None:
        self.help.setVisible(offering)
        self.button.setVisible(offering)
        self.result.setVisible(not offering)

    def offer(self, err) -> bool:
        """Show the way out when ``err`` is a fork-type refusal."""
        if not is_fork(err):
            return False
        self.button.setEnabled(True)
        self._offering(True)
        self.show()
        return True

    def _driver_state(self, state: str, info) -> None:
        if state == "idle":  # a cycle ended well: whatever it was, it cleared
            self.hide()

    # --- ask, then do -------------------------------------------------------------------
    def ask(self) -> None:
        self.button.setEnabled(False)
        self.backend.op(_facts_job, self).success(self._confirm).failure(self._failed).run()

    def _confirm(self, facts) -> None:
        device, revisions = facts
        box = QMessageBox(QMessageBox.Icon.Warning, tr("ui.syncdlg.new_identity_title"),
                          tr("sync_cli.new_identity_confirm", device=device, revisions=revisions),
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self.window())
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.setEscapeButton(QMessageBox.StandardButton.No)
        box.finished.connect(lambda _r, b=box: self._answered(b.clickedButton()))
        self.confirm_box = box
        box.open()  # window-modal, no nested event loop

    def _answered(self, clicked) -> None:
        box, self.confirm_box = self.confirm_box, None
        if box is not None:
            box.deleteLater()
        if clicked is None or box is None or box.standardButton(clicked) != QMessageBox.StandardButton.Yes:
            self.button.setEnabled(True)
            return
        if self.driver is not None:
            self.driver.reset()  # no upload of the old chain while the identity changes
        self.started.emit()
        self.backend.op(_new_identity_job, self).changes_cases().success(self._done).failure(self._failed).run()

    def _done(self, done) -> None:
        if self.driver is not None:
            self.driver.reset()  # a cycle started meanwhile may have queued the old chain
        self.result.setText(tr("ui.syncdlg.new_identity_done", device=done.device_id, old_device=done.old_device_id,
                               fingerprint=done.fingerprint, revisions=done.undelivered_revisions,
                               online=tr("ui.syncdlg.enroll_online"), request=tr("ui.syncdlg.enroll_request"),
                               response=tr("ui.syncdlg.enroll_response")))
        self._offering(False)
        self.done.emit(done)

    def _failed(self, err) -> None:
        self.button.setEnabled(True)
        self.failed.emit(err)
