"""«Retirar a …»: the officers tab's confirmation for removing another officer
(``Vault.remove_officer``, docs/vault.md "Keyring format 2 and officer removal"; the CLI's
``intake officer remove``). It says what happens, Spanish first: the officer no longer opens
this laptop's vault, not even with an old copy of the keyring; the other officers keep their
passphrases; copies of the vault made before still open with the old keys. The signed-in
officer's passphrase is asked again and checked by the core as the unlock does
(``verify_passphrase``: a wrong one removes nothing and starts the unlock's wait, here and on
the tab's buttons). The removal re-keys the vault on the worker; a refusal is said in the
core error's words (another program with the vault open: close it and try again). The same
dialog finishes a removal an earlier run left unfinished (``finish=True``): remove again.
A problem is said under the text and with the passphrase box (``ui.problem_said``), the
keyboard there: a missing passphrase until typed; a refusal after the check (a wrong
passphrase and its wait, the vault open elsewhere) until the next try, as the tab does.

Signals: ``removed(name)`` after success; ``changed`` after a failure (the tab reads the
officers again: a removal may now be unfinished, or the officer gone). The passphrase goes to
the worker job only and the field is emptied after every try; nothing typed or named is
logged."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QDialog, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget,
)

from intake_app.errors import OfficerRemoveUnfinished

from .countdown import Countdown
from .problem_said import ProblemSaid
from .text import error_text, tr
from .widgets import body_scroll, busy_bar, fit_window, heading, message_label, muted


def remove_job(name: str, passphrase: str):
    """A worker job: the signed-in officer's passphrase checked, then ``name`` removed."""
    def job(s):
        vault = s.require()
        vault.verify_passphrase(passphrase)
        return vault.remove_officer(name)
    return job


def refusal_text(err: BaseException) -> str:
    """A removal that did not happen, in words: the core's own, but for another program with
    the vault open, which from here is a terminal command or another window of this app."""
    from intake_app.errors import VaultOpenElsewhere

    if isinstance(err, VaultOpenElsewhere):
        return tr("ui.officers.open_elsewhere")
    return error_text(err)


class RemoveOfficerDialog(QDialog):
    removed = Signal(object)  # officers.RemovedOfficer
    changed = Signal()

    def __init__(self, backend, name: str, shared: Countdown | None = None, finish: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.backend, self.name, self.shared = backend, name, shared
        self.busy = False
        self.setWindowTitle(tr("ui.officers.title"))
        fit_window(self, 620, 420)  # never larger than the screen: the buttons stay on it
        outer = QVBoxLayout(self)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(0, 0, 0, 0)
        self.scroll = body_scroll(body)  # a large font scrolls the text; the buttons stay
        self.scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        outer.addWidget(self.scroll, 1)

        question = tr("ui.officers.finish_question" if finish else "ui.officers.question", name=name)
        layout.addWidget(heading(question, 2))
        effects = tr("ui.officers.effects", name=name)
        self.effects = QLabel(effects)
        self.effects.setWordWrap(True)
        self.effects.setTextFormat(Qt.TextFormat.PlainText)
        self.effects.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.effects)
        label = QLabel(tr("ui.officers.confirm"))
        label.setWordWrap(True)
        self.passphrase = QLineEdit()
        self.passphrase.setObjectName("remove_passphrase")
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName(tr("ui.settings.current_passphrase"))
        self.passphrase.setAccessibleDescription(question + "\n" + effects + "\n" + tr("ui.officers.confirm"))
        label.setBuddy(self.passphrase)
        layout.addWidget(label)
        layout.addWidget(self.passphrase)
        self.progress = busy_bar()
        self.progress.setAccessibleName(tr("ui.officers.working"))
        self.working = muted(tr("ui.officers.working"))
        self.working.hide()
        layout.addWidget(self.progress)
        layout.addWidget(self.working)
        self.message = message_label()
        self.message.setAccessibleName(tr("ui.officers.title"))
        layout.addWidget(self.message)
        self.said = ProblemSaid(self.message)
        self.said.watch(self.passphrase, self.passphrase.textChanged)
        layout.addStretch(1)

        self.button = QPushButton(tr("ui.officers.finish_button" if finish else "ui.officers.remove_button",
                                     name=name))
        self.button.setObjectName("remove_officer_confirm")
        self.button.setAccessibleName(self.button.text())
        self.button.setAccessibleDescription(question)
        self.button.setAutoDefault(False)  # Enter in the field removes (returnPressed): no second default
        self.cancel = QPushButton(tr("ui.officers.cancel"))
        self.cancel.setObjectName("remove_officer_cancel")
        self.cancel.setAccessibleName(self.cancel.text())
        self.cancel.setAutoDefault(False)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.cancel)
        row.addWidget(self.button)
        outer.addLayout(row)

        self.countdown = Countdown(self)  # the unlock's wait after a wrong passphrase, on this button
        self.countdown.add(self.button)
        if shared is not None and shared.seconds_left:  # a wait already counting on the tab
            self.countdown.restart(shared.seconds_left)
        self.button.clicked.connect(self.submit)
        self.passphrase.returnPressed.connect(self.submit)
        self.cancel.clicked.connect(self.reject)
        self.passphrase.setFocus(Qt.FocusReason.OtherFocusReason)

    def submit(self) -> None:
        if self.busy or not self.button.isEnabled():
            return
        passphrase = self.passphrase.text()
        if not passphrase:
            self._say(tr("ui.settings.current_missing"), "fixed")
            return
        self._busy(True)
        self.backend.op(remove_job(self.name, passphrase), self).success(self._done).failure(self._failed).run()

    def _busy(self, on: bool) -> None:
        self.busy = on
        self.said.say("")
        for w in (self.passphrase, self.button, self.cancel):
            w.setEnabled(not on)
        self.progress.setVisible(on)
        self.working.setVisible(on)

    def _done(self, removed) -> None:
        self._busy(False)
        self.passphrase.clear()
        self.accept()
        self.removed.emit(removed)

    def _failed(self, err: BaseException) -> None:
        self._busy(False)
        self.passphrase.clear()
        text = refusal_text(err)
        self._say(text)
        if "retry_after" in getattr(err, "params", {}):  # the passphrase: wrong, or too soon
            self.countdown.start(err)
            if self.shared is not None:
                self.shared.start(err)
        self.changed.emit()
        name = self.name
        if isinstance(err, OfficerRemoveUnfinished):  # its words say so already
            return
        self.backend.op(lambda s: name in s.require().unfinished_removals(), self).quiet() \
            .success(lambda unfinished: unfinished and self._say(text + "\n\n" + tr("ui.officers.unfinished_after",
                                                                                      name=name))) \
            .failure(lambda e: None).run()

    def _say(self, text: str, until: str = "retried") -> None:
        """The message, scrolled into view once laid out; said with the passphrase box, the
        keyboard there, until typed (``"fixed"``) or the next try (``ProblemSaid``)."""
        self.said.say(text, "error", (self.passphrase,), until, lambda: not self.passphrase.text())
        QTimer.singleShot(0, self, lambda: self.scroll.ensureWidgetVisible(self.message))

    # --- not closed while the re-key runs (a lock still closes it: close_all rejects) ------
    def keyPressEvent(self, event) -> None:
        if self.busy and event.key() == Qt.Key.Key_Escape:
            event.accept()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event) -> None:
        if self.busy:
            event.ignore()
            return
        super().closeEvent(event)
