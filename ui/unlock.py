"""Unlock: choose the officer, type the passphrase. On a shared laptop no officer is
preselected when there are several (the next person may be a colleague, whose passphrase typed
against another officer's name would count as that officer's failure): the list says «Elija su
usuario…», the passphrase box says to choose first, and Enter (or «Desbloquear») with no choice
says so and sends nothing, so the core counts no failure. With exactly one officer, that one is
chosen. Who unlocked last is never written anywhere. The key derivation runs on the
worker with a busy bar; a wrong passphrase shows the reason, naming the officer tried, and
a countdown. The core counts failures and delays per officer, so the countdown and the
message are the officer's who failed: choosing another shows that one's own (none, or the
wait left from their own failure here). Refused because the server revoked this laptop, or
locked by a revocation (the window says so), the page offers «Reactivar este equipo…»
(``ui.reinstate``: a revocation made by mistake, undone by the office)."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox, QFrame, QHBoxLayout, QLabel, QLineEdit, QPushButton, QScrollArea, QVBoxLayout, QWidget,
)

from .countdown import Countdown
from .style import BASE_POINT_SIZE
from .text import error_text, tr
from .widgets import busy_bar, card, describe_problem, heading, message_label, muted, primary, show_message


class UnlockPage(QWidget):
    """Emits ``unlock_requested(officer, passphrase)``; the window runs the job and calls
    :meth:`failed` or :meth:`reset`. ``countdown_finished`` fires when trying is allowed again."""

    unlock_requested = Signal(str, str)
    language_chosen = Signal(str)
    reinstated = Signal()  # «Reactivar este equipo…» succeeded: the laptop is no longer revoked
    countdown_finished = Signal()

    def __init__(self, officers: list[str], hint: str = "", backend=None, *, chosen: str = "") -> None:
        """Among several officers nobody is preselected (not even the one who unlocked last),
        the only one always is; ``chosen``: the name a person chose on the page this one
        replaces (the same page in another language), kept."""
        super().__init__()
        self.backend = backend  # for «Reactivar este equipo…»; without it, not offered
        self.reinstate_dialog = None
        self.revoked_device = ""  # the device id the refusal named (said in the dialog)
        # a long refusal (a revoked laptop) on a small screen at a large font scrolls, never cut
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # no unnamed Tab stop: Tab goes to the fields (scrolled into view)
        body = QWidget()
        body.setAutoFillBackground(False)
        scroll.viewport().setAutoFillBackground(False)
        scroll.setWidget(body)
        page = QVBoxLayout(self)
        page.setContentsMargins(0, 0, 0, 0)
        page.addWidget(scroll)
        outer = QVBoxLayout(body)
        outer.setContentsMargins(11, 2, 11, 2)  # every line for the card on a 600 px screen
        outer.addStretch(1)
        box = card()
        box.setMinimumWidth(480)
        layout = QVBoxLayout(box)
        layout.setContentsMargins(32, 28, 32, 28)
        layout.setSpacing(10)
        layout.addWidget(heading(tr("ui.unlock.title")))
        layout.addWidget(muted(tr("ui.unlock.text")))
        officer_label = QLabel(tr("ui.unlock.officer"))
        layout.addWidget(officer_label)
        self.officer = QComboBox()
        self.officer.setObjectName("officer")
        self.officer.setAccessibleName(tr("ui.unlock.officer"))
        self.officer.setPlaceholderText(tr("ui.unlock.choose_officer"))  # shown while nobody is chosen
        officer_label.setBuddy(self.officer)
        self.officer.addItems(officers)
        self._choose(chosen)
        self._tried = ""  # the officer whose passphrase the last attempt sent
        self._waits: dict[str, float] = {}  # officer → end of the core's delay (time.monotonic())
        self._message_for = ""  # the officer whose failure the message says ("": none, or the laptop's)
        self._covered = ("", "error")  # the laptop's message (text, kind) that «choose first» covers
        self.officer.currentIndexChanged.connect(self._officer_changed)
        layout.addWidget(self.officer)
        passphrase_label = QLabel(tr("ui.unlock.passphrase"))
        layout.addWidget(passphrase_label)
        self.passphrase = QLineEdit()
        self.passphrase.setObjectName("passphrase")
        self.passphrase.setAccessibleName(tr("ui.unlock.passphrase"))
        self.passphrase.setAccessibleDescription(tr("ui.unlock.text"))
        passphrase_label.setBuddy(self.passphrase)
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.returnPressed.connect(self._submit)
        self._ask_choice()
        layout.addWidget(self.passphrase)
        if hint:
            layout.addWidget(muted(hint))
        self.busy = busy_bar()
        layout.addWidget(self.busy)
        self.message = message_label()
        layout.addWidget(self.message)
        self.reinstate: QPushButton | None = None  # «Reactivar este equipo…», made at a refusal as revoked
        self._offer = QHBoxLayout()
        self._offer.addStretch(1)
        layout.addLayout(self._offer)
        row = QHBoxLayout()
        for code, key in (("es", "ui.lang.es"), ("en", "ui.lang.en")):
            button = QPushButton(tr(key))
            button.setFlat(True)
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            button.clicked.connect(lambda _=False, c=code: self.language_chosen.emit(c))
            row.addWidget(button)
        row.addStretch(1)
        self.button = primary(tr("ui.unlock.button"))
        self.button.setObjectName("primary")
        self.button.clicked.connect(self._submit)
        self.countdown = Countdown(self)
        self.countdown.add(self.button)  # also: room for the countdown it may show
        self.countdown.finished.connect(self.countdown_finished)
        row.addWidget(self.button)
        layout.addLayout(row)
        center = QHBoxLayout()
        center.addStretch(1)
        center.addWidget(box, 10)  # as wide as its maximum allows; the stretches take the rest
        center.addStretch(1)
        outer.addLayout(center)
        outer.addStretch(2)
        # a calm width (wider with a larger system font: fewer lines for a long message), but
        # never narrower than its buttons
        scale = max(1.0, self.font().pointSizeF() / BASE_POINT_SIZE)
        box.setMaximumWidth(max(round(560 * scale), box.minimumSizeHint().width()))

    def say(self, text: str, kind: str = "error") -> None:
        """The page's message, and the same words first in the spoken description of the choice
        and the passphrase box (a screen reader hears it where the focus goes back to)."""
        show_message(self.message, text, kind)
        said = text if kind == "error" else ""  # a problem stays with the field until it goes; «reactivado» does not
        describe_problem(self.officer, said)
        describe_problem(self.passphrase, said, tr("ui.unlock.text"))

    def _choose(self, name: str) -> None:
        """``name`` chosen if listed; otherwise the only officer, or nobody among several."""
        index = self.officer.findText(name) if name else -1
        if index < 0 and self.officer.count() == 1:
            index = 0
        self.officer.setCurrentIndex(index)

    def _ask_choice(self) -> None:
        """The passphrase box says to choose a name first while nobody is chosen."""
        self.passphrase.setPlaceholderText("" if self.officer.currentIndex() >= 0
                                           else tr("ui.unlock.passphrase_choose_first"))

    def set_officers(self, names: list[str]) -> None:
        """The officers as the keyring has them now (one may have been added since the
        page was built); the one a person chose stays chosen. The only officer, chosen by the
        page, is not kept when others appear: nobody is preselected among several."""
        before = [self.officer.itemText(i) for i in range(self.officer.count())]
        if names == before:
            return
        chosen = self.officer.currentText() if len(before) > 1 else ""
        was = self.officer.currentText()
        self.officer.blockSignals(True)  # one change at most, said once below
        self.officer.clear()
        self.officer.addItems(names)
        self._choose(chosen)
        self.officer.blockSignals(False)
        if self.officer.currentText() != was:
            self._officer_changed()
        self._ask_choice()
        if self.officer.currentIndex() < 0 and self.passphrase.hasFocus() and not self.passphrase.text():
            self.officer.setFocus()  # the page was shown with the only officer chosen: the choice comes first now

    def _officer_changed(self, _index: int = 0) -> None:
        """Another officer chosen: their own wait (none, or what is left of theirs), and no
        other officer's failure on screen. The core still enforces each officer's delay."""
        self._ask_choice()
        if not self.busy.isHidden():  # an attempt runs (the list was read again): its answer decides
            return
        officer = self.officer.currentText()
        if officer and self.message.text() == tr("ui.unlock.choose_first"):  # chosen now: what it covered
            self.say(*self._covered)
        if self._message_for and self._message_for != officer:
            self.say("")
            self._message_for = ""
        self._count(self._waits.get(officer, 0.0) - time.monotonic())

    def _count(self, seconds: float) -> None:
        """The countdown from now: ``seconds`` (none when 0 or less: the button enabled)."""
        self.countdown.restart(seconds)

    def focus(self) -> None:
        """Where the officer starts: the passphrase, or the list while nobody is chosen."""
        (self.passphrase if self.officer.currentIndex() >= 0 else self.officer).setFocus()

    def _nobody_chosen(self) -> bool:
        """Nobody chosen: said (nothing is sent, so the core counts no failure), the list focused."""
        if self.officer.currentIndex() >= 0:
            return False
        text = tr("ui.unlock.choose_first")
        if self.message.text() != text:  # a revocation (the laptop's) comes back once a name is chosen
            laptop = not self._message_for and self.message.text()
            self._covered = (self.message.text(), self.message.objectName()) if laptop else ("", "error")
        self.say(text)
        self._message_for = ""  # no officer's failure on screen any more
        self.officer.setFocus()
        return True

    def _submit(self) -> None:
        if not self.button.isEnabled() or self._nobody_chosen() or not self.passphrase.text():
            return
        self.say("")
        if self.reinstate is not None:
            self.reinstate.hide()
        self.button.setEnabled(False)
        self.passphrase.setEnabled(False)
        self.officer.setEnabled(False)  # the answer is this officer's: the choice waits for it
        self.busy.show()
        self._tried = self.officer.currentText()
        self.unlock_requested.emit(self._tried, self.passphrase.text())

    def failed(self, err: BaseException) -> None:
        from intake_app.errors import UnlockThrottled, WrongPassphrase
        from intake_app.sync.errors import DeviceRevoked

        self.busy.hide()
        self.officer.setEnabled(True)
        self.passphrase.setEnabled(True)
        self.passphrase.clear()
        self.passphrase.setFocus()
        officer = self._tried or self.officer.currentText()
        params = getattr(err, "params", {})
        if isinstance(err, WrongPassphrase):  # named: a colleague may have chosen the wrong name
            text = tr("ui.unlock.wrong_passphrase", officer=officer, **params)
        elif isinstance(err, UnlockThrottled):
            text = tr("ui.unlock.throttled", officer=officer, **params)
        else:
            text = error_text(err)
        self.say(text)
        self._message_for = "" if isinstance(err, DeviceRevoked) else officer  # a revocation is the laptop's
        wait = float(params.get("retry_after", 0) or 0)
        if wait > 0:
            self._waits[officer] = time.monotonic() + wait
        self.countdown.start(err)
        if isinstance(err, DeviceRevoked):
            self.offer_reinstatement(err.params.get("device_id", ""))

    def offer_reinstatement(self, device_id: str = "") -> None:
        """«Reactivar este equipo…» shown (with a backend): an unlock refused as revoked, or
        the window locked by a revocation. ``device_id``: the laptop's, said in the dialog."""
        if device_id:
            self.revoked_device = device_id
        if self.backend is not None:
            self._offer_reinstatement()

    def _offer_reinstatement(self) -> None:
        if self.reinstate is None:  # made now, not hidden beforehand: nothing unused in the card
            self.reinstate = QPushButton(tr("ui.unlock.reinstate"))
            self.reinstate.setObjectName("reinstate")
            self.reinstate.setAccessibleName(tr("ui.unlock.reinstate"))
            self.reinstate.setAutoDefault(False)
            self.reinstate.clicked.connect(self.open_reinstate)
            self._offer.insertWidget(0, self.reinstate)
            QWidget.setTabOrder(self.passphrase, self.reinstate)  # right after the passphrase
        self.reinstate.show()

    def open_reinstate(self) -> None:
        """«Reactivar este equipo…»: the dialog, for the officer chosen here (nobody chosen:
        said, as at Enter)."""
        from .dialogs import open_dialog
        from .reinstate import ReinstateDialog

        old = self.reinstate_dialog
        if old is not None and old.busy:  # its job is still running: that one again
            open_dialog(old)
            return
        if self._nobody_chosen():
            return
        if old is not None:
            old.deleteLater()
        dialog = ReinstateDialog(self.backend, self.officer.currentText(), self.revoked_device, self)
        dialog.reinstated.connect(self._reinstated)
        self.reinstate_dialog = dialog
        open_dialog(dialog)

    def _reinstated(self, _lease: str) -> None:
        if self.reinstate is not None:
            self.reinstate.hide()
        self.say(tr("ui.unlock.reinstated"), "ok")
        self.passphrase.setFocus()
        self.reinstated.emit()

    @property
    def seconds_left(self) -> int:
        return self.countdown.seconds_left

    def reset(self) -> None:
        self.busy.hide()
        self.officer.setEnabled(True)
        self.passphrase.clear()
        self.passphrase.setEnabled(True)
        self.button.setEnabled(True)
