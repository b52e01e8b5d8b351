"""The two settings tabs that touch the keyring: *Oficiales* (add an officer; remove another
one, confirmed in ui/officer_remove.py) and *Mi frase de paso* (change mine). An unlocked
session is not enough for any of these: each asks for the signed-in officer's current
passphrase, which the core checks as the unlock does (``Vault.verify_passphrase``: Argon2id
on the worker, the unlock's failure count and delay, a wrong one audited). A wrong one
changes nothing and starts the unlock's countdown on the buttons. Enter in a field does the
tab's action. Passphrases go to the worker job only: never to a log, a message or the
settings file, and the fields are emptied on close. The signed-in officer is never offered
for removal (bold in the list, the button disabled with the reason); a removal left
unfinished shows under the list with a button that runs it again."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFormLayout, QHBoxLayout, QLineEdit, QListWidget, QListWidgetItem, QPushButton, QScrollArea, QVBoxLayout, QWidget,
)

from .countdown import Countdown
from .dialogs import open_dialog
from .officer_remove import RemoveOfficerDialog
from .problem_said import ProblemSaid
from .text import error_text, tr
from .widgets import heading, message_label, muted, show_message
from .wizard import MIN_PASSPHRASE, strength


def _field(name: str, password: bool = True) -> QLineEdit:
    edit = QLineEdit()
    edit.setAccessibleName(name)
    if password:
        edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit


class _KeyringTab(QWidget):
    """What both tabs share: the current passphrase field, the busy state, the failure path."""

    def __init__(self, backend, busy, countdown: Countdown) -> None:
        super().__init__()
        self.backend, self.busy, self.countdown = backend, busy, countdown
        self.current = _field(tr("ui.settings.current_passphrase"))
        self.current.setObjectName("current_passphrase")
        self.message = message_label()
        self.button: QPushButton
        self.said = ProblemSaid(self.message)

    def fields(self) -> list[QLineEdit]:
        raise NotImplementedError

    def problems(self) -> list[tuple[str, QLineEdit]]:
        """What is wrong with what is typed, what to fix first first: (message, its box)."""
        raise NotImplementedError

    def pending(self) -> bool:
        """Something typed that the tab's action would use, not yet done (the current
        passphrase alone is nothing to lose)."""
        return any(e.text() for e in self.fields() if e is not self.current)

    def forget(self) -> None:
        for e in self.fields():
            e.clear()
        self.said.say("")

    def say(self, text: str, kind: str = "error", box: QLineEdit | None = None, until: str = "fixed") -> None:
        """The tab's message, scrolled into view with the button under it once laid out; a
        problem also said with the box it concerns (``box``), until it is ``"fixed"`` (no longer
        among ``problems()``), its box ``"edited"``, or ``"retried"`` (a wrong passphrase, with
        its wait, as the unlock page keeps it), the keyboard there: ``ProblemSaid``."""
        boxes = (box,) if box is not None and kind == "error" else ()  # an answer that is no problem: not with a box
        self.said.say(text, kind, boxes, until if boxes else "retried", lambda: (text, box) in self.problems())
        QTimer.singleShot(0, self, self._reveal)  # with self as context: dropped if the tab is gone first

    def _reveal(self) -> None:
        area = self.parentWidget().parentWidget() if self.parentWidget() is not None else None
        if isinstance(area, QScrollArea):
            area.ensureWidgetVisible(self.button, 0, 8)

    def _checked(self) -> bool:
        """The first problem of what is typed said, with its box (the keyboard goes there);
        True when there is none."""
        found = self.problems()
        if found:
            text, box = found[0]
            self.say(text, box=box)
        return not found

    @staticmethod
    def _new_problems(passphrase: QLineEdit, repeat: QLineEdit) -> list[tuple[str, QLineEdit]]:
        found = []
        if len(passphrase.text()) < MIN_PASSPHRASE:
            found.append((tr("error.weak_passphrase", min_length=MIN_PASSPHRASE), passphrase))
        if passphrase.text() != repeat.text():
            found.append((tr("ui.wizard.mismatch"), repeat))
        return found

    def _current_problems(self) -> list[tuple[str, QLineEdit]]:
        return [] if self.current.text() else [(tr("ui.settings.current_missing"), self.current)]

    def _run(self, job, done) -> None:
        """``job(vault)`` after the current passphrase is checked, on the worker."""
        current = self.current.text()
        self.said.say("")
        self.setEnabled(False)
        self.busy.show()

        def checked(s):
            vault = s.require()
            vault.verify_passphrase(current)
            return job(vault)

        def ok(result) -> None:
            self._idle()
            self.forget()
            done(result)

        self.backend.op(checked, self).success(ok).failure(self._failed).run()

    def _idle(self) -> None:
        self.busy.hide()
        self.setEnabled(True)

    def _failed(self, err: BaseException) -> None:
        self._idle()
        if "retry_after" in getattr(err, "params", {}):  # the current passphrase: wrong, or too soon
            self.current.clear()
            box, until = self.current, "retried"
            self.countdown.start(err)
        else:
            box, until = self.fields()[0], "edited"
        self.say(error_text(err), box=box, until=until)

    def _submit_on_enter(self) -> None:
        """Enter in a field does the tab's action; a change in one may fix the problem said."""
        for e in self.fields():
            e.returnPressed.connect(self.submit)
            self.said.watch(e, e.textChanged)

    def submit(self) -> None:
        raise NotImplementedError

    def _ready(self) -> bool:
        return self.isEnabled() and self.button.isEnabled()  # not busy, not counting down


class OfficersTab(_KeyringTab):
    drafts_received = Signal()  # a removed officer's drafts passed to the signed-in officer

    def __init__(self, backend, busy, countdown: Countdown) -> None:
        super().__init__(backend, busy, countdown)
        layout = QVBoxLayout(self)
        layout.addWidget(heading(tr("ui.settings.officers"), 2))
        self.officer_list = QListWidget()
        self.officer_list.setAccessibleName(tr("ui.settings.officers"))
        self.officer_list.setMaximumHeight(self.officer_list.fontMetrics().height() * 4 + 12)  # a few: it scrolls
        layout.addWidget(self.officer_list)
        self._names: list[str] = []
        self._me = ""
        self.remove_dialog: RemoveOfficerDialog | None = None
        self._removals(layout)
        layout.addWidget(heading(tr("ui.settings.add_officer"), 2))
        form = QFormLayout()
        self.name = _field(tr("ui.wizard.officer_name"), password=False)
        self.name.setObjectName("new_officer_name")
        self.passphrase = _field(tr("ui.wizard.passphrase"))
        self.repeat = _field(tr("ui.wizard.passphrase_repeat"))
        form.addRow(tr("ui.wizard.officer_name"), self.name)
        form.addRow(tr("ui.wizard.passphrase"), self.passphrase)
        form.addRow(tr("ui.wizard.passphrase_repeat"), self.repeat)
        form.addRow(muted(tr("ui.settings.add_confirm")))
        form.addRow(tr("ui.settings.current_passphrase"), self.current)
        layout.addLayout(form)
        layout.addWidget(self.message)
        self.button = QPushButton(tr("ui.settings.add"))
        self.button.setObjectName("add_officer")
        self.button.clicked.connect(self.submit)
        countdown.add(self.button)
        layout.addWidget(self.button)
        layout.addStretch(1)
        self._submit_on_enter()

    def fields(self) -> list[QLineEdit]:
        return [self.name, self.passphrase, self.repeat, self.current]

    def problems(self) -> list[tuple[str, QLineEdit]]:
        missing = [] if self.name.text().strip() else [(tr("ui.wizard.name_missing"), self.name)]
        return missing + self._new_problems(self.passphrase, self.repeat) + self._current_problems()

    # --- the list and removal --------------------------------------------------------------
    def _removals(self, layout: QVBoxLayout) -> None:
        """Under the list: «Retirar a …» for the officer chosen in it (never the signed-in one),
        what it does, its message, and a way to finish each removal left unfinished."""
        row = QHBoxLayout()
        self.remove_button = QPushButton(tr("ui.officers.remove_choose"))
        self.remove_button.setObjectName("remove_officer")
        self.remove_button.setEnabled(False)
        self.remove_button.clicked.connect(self.ask_remove)
        row.addWidget(self.remove_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.remove_help = muted()
        layout.addWidget(self.remove_help)
        self.remove_message = message_label()
        layout.addWidget(self.remove_message)
        self.unfinished = QWidget()
        self.unfinished_layout = QVBoxLayout(self.unfinished)
        self.unfinished_layout.setContentsMargins(0, 0, 0, 0)
        self.unfinished.hide()
        layout.addWidget(self.unfinished)
        self.officer_list.currentItemChanged.connect(lambda *_: self._chosen())
        self.refresh()

    def refresh(self) -> None:
        """The officers, who is signed in and the unfinished removals, as the vault has them now."""
        def state(s):
            vault = s.require()
            return [o.name for o in vault.officers()], vault.officer.name, vault.unfinished_removals()

        self.backend.op(state, self).quiet().success(lambda r: self.show_officers(*r)).failure(lambda e: None).run()

    def show_officers(self, names: list[str], me: str | None = None, unfinished: list[str] | None = None) -> None:
        chosen = self.officer_list.currentItem().text() if self.officer_list.currentItem() is not None else ""
        self._names = list(names)
        self._me = self._me if me is None else me
        self.officer_list.clear()
        for name in names:
            item = QListWidgetItem(name)  # the name alone: the signed-in one is marked around it
            if name == self._me:
                font = item.font()
                font.setBold(True)
                item.setFont(font)
                item.setData(Qt.ItemDataRole.AccessibleTextRole, tr("ui.officers.you", name=name))
                item.setToolTip(tr("ui.officers.you_tip"))
            self.officer_list.addItem(item)
        keep = chosen if chosen in names else next((n for n in names if n != self._me), names[0] if names else "")
        if keep:
            self.officer_list.setCurrentRow(names.index(keep))
        self._chosen()
        if unfinished is not None:
            self._show_unfinished(unfinished)

    def _chosen(self) -> None:
        item = self.officer_list.currentItem()
        name = item.text() if item is not None else ""
        other = bool(name) and bool(self._me) and name != self._me
        self.remove_button.setText(tr("ui.officers.remove", name=name) if other else tr("ui.officers.remove_choose"))
        self.remove_button.setEnabled(other)
        help_text = tr("ui.officers.remove_help", name=self._me) if self._me else ""
        self.remove_help.setText(help_text)
        tip = "" if other else tr("ui.officers.remove_self") if name else help_text
        self.remove_button.setToolTip(tip)
        self.remove_button.setAccessibleDescription(tip or help_text)

    def _show_unfinished(self, names: list[str]) -> None:
        while self.unfinished_layout.count():
            w = self.unfinished_layout.takeAt(0).widget()
            if w is not None:
                w.deleteLater()
        for name in names:
            text = muted(tr("ui.officers.unfinished", name=name))
            text.setObjectName("error")
            button = QPushButton(tr("ui.officers.finish", name=name))
            button.setObjectName("finish_removal")
            button.setAccessibleDescription(text.text())
            button.clicked.connect(lambda _=False, n=name: self.ask_remove(n, finish=True))
            row = QWidget()
            line = QHBoxLayout(row)
            line.setContentsMargins(0, 0, 0, 0)
            line.addWidget(button)
            line.addStretch(1)
            self.unfinished_layout.addWidget(text)
            self.unfinished_layout.addWidget(row)
        self.unfinished.setVisible(bool(names))

    def ask_remove(self, name: str = "", finish: bool = False) -> None:
        """The confirmation for removing ``name`` (the officer chosen in the list)."""
        if not name:
            item = self.officer_list.currentItem()
            if item is None or not self.remove_button.isEnabled():
                return
            name = item.text()
        show_message(self.remove_message, "")
        dialog = RemoveOfficerDialog(self.backend, name, self.countdown, finish, self.window())
        dialog.removed.connect(self._removed)
        dialog.changed.connect(self.refresh)
        dialog.finished.connect(lambda _=0: self._closed(dialog))
        self.remove_dialog = dialog
        open_dialog(dialog)

    def _closed(self, dialog: RemoveOfficerDialog) -> None:
        if self.remove_dialog is dialog:
            self.remove_dialog = None
        dialog.deleteLater()  # the typed passphrase goes with it

    def _removed(self, removed) -> None:
        self.refresh()
        text = tr("ui.officers.removed", name=removed.name)
        if removed.drafts:
            text += "\n\n" + tr("ui.officers.drafts_handed_over", name=removed.name, count=removed.drafts)
        show_message(self.remove_message, text, "ok")
        if removed.drafts:
            self.drafts_received.emit()
        QTimer.singleShot(0, self, self._reveal_removed)
        self.officer_list.setFocus()

    def _reveal_removed(self) -> None:
        area = self.parentWidget().parentWidget() if self.parentWidget() is not None else None
        if isinstance(area, QScrollArea):
            area.ensureWidgetVisible(self.remove_message, 0, 8)

    def submit(self) -> None:
        if not self._ready() or not self._checked():
            return
        name = self.name.text().strip()
        passphrase = self.passphrase.text()

        def job(vault):
            vault.add_officer(name, passphrase)
            return [o.name for o in vault.officers()]

        def done(names) -> None:
            self.show_officers(names)
            self.say(tr("ui.settings.officer_added", name=name), "ok")
            self.name.setFocus()

        self._run(job, done)


class PassphraseTab(_KeyringTab):
    def __init__(self, backend, busy, countdown: Countdown) -> None:
        super().__init__(backend, busy, countdown)
        form = QFormLayout(self)
        self.new = _field(tr("ui.settings.new_passphrase"))
        self.new.setObjectName("new_passphrase")
        self.repeat = _field(tr("ui.wizard.passphrase_repeat"))
        self.hint = muted()
        self.new.textChanged.connect(
            lambda t: self.hint.setText(tr("ui.strength." + strength(t), min_length=MIN_PASSPHRASE) if t else ""))
        form.addRow(muted(tr("ui.settings.passphrase_text")))
        form.addRow(tr("ui.settings.current_passphrase"), self.current)
        form.addRow(tr("ui.settings.new_passphrase"), self.new)
        form.addRow("", self.hint)
        form.addRow(tr("ui.wizard.passphrase_repeat"), self.repeat)
        form.addRow(self.message)
        self.button = QPushButton(tr("ui.settings.change"))
        self.button.setObjectName("change_passphrase")
        self.button.clicked.connect(self.submit)
        countdown.add(self.button)
        form.addRow(self.button)
        self._submit_on_enter()

    def fields(self) -> list[QLineEdit]:
        return [self.current, self.new, self.repeat]

    def problems(self) -> list[tuple[str, QLineEdit]]:
        return self._current_problems() + self._new_problems(self.new, self.repeat)

    def submit(self) -> None:
        if not self._ready() or not self._checked():
            return
        new = self.new.text()

        def done(_) -> None:
            self.say(tr("ui.settings.changed"), "ok")
            self.current.setFocus()

        self._run(lambda vault: vault.change_passphrase(new), done)
