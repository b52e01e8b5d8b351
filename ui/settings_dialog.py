"""Officers and settings: add an officer, change my passphrase, auto-lock minutes,
language and border post. Key derivations run on the worker."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLineEdit, QListWidget, QPushButton, QSpinBox, QTabWidget,
    QVBoxLayout, QWidget,
)

from .prefs import Prefs
from .text import error_text, tr
from .widgets import busy_bar, heading, message_label, muted, show_message
from .wizard import MIN_PASSPHRASE, strength


def _password() -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit


class SettingsDialog(QDialog):
    prefs_changed = Signal(object)  # Prefs

    def __init__(self, backend, cb, prefs: Prefs, parent=None) -> None:
        super().__init__(parent)
        self.backend, self.prefs = backend, prefs
        self.setWindowTitle(tr("ui.settings.window"))
        self.resize(640, 520)
        layout = QVBoxLayout(self)
        self.tabs = QTabWidget()
        self.tabs.addTab(self._prefs_tab(cb), tr("ui.settings.tab_prefs"))
        self.tabs.addTab(self._officers_tab(), tr("ui.settings.tab_officers"))
        self.tabs.addTab(self._passphrase_tab(), tr("ui.settings.tab_passphrase"))
        layout.addWidget(self.tabs, 1)
        self.busy = busy_bar()
        layout.addWidget(self.busy)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        backend.op(lambda s: [o.name for o in s.require().officers()], self).success(self._officers_loaded) \
            .failure(lambda e: None).run()

    # --- preferences ----------------------------------------------------------
    def _prefs_tab(self, cb) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.language = QComboBox()
        self.language.addItem(tr("ui.lang.es"), "es")
        self.language.addItem(tr("ui.lang.en"), "en")
        self.language.setCurrentIndex(0 if self.prefs.language == "es" else 1)
        self.post = QComboBox()
        self.post.addItem(tr("ui.wizard.post_none"), "")
        for term in cb.vocab("border_posts").terms:
            self.post.addItem(term.label(self.prefs.language), term.code)
        self.post.setCurrentIndex(max(0, self.post.findData(self.prefs.post)))
        self.minutes = QSpinBox()
        self.minutes.setObjectName("auto_lock")
        self.minutes.setRange(1, 120)
        self.minutes.setValue(self.prefs.auto_lock_minutes)
        self.minutes.setSuffix(" " + tr("ui.settings.minutes"))
        self.language.setAccessibleName(tr("ui.settings.language"))
        self.post.setAccessibleName(tr("ui.settings.post"))
        form.addRow(tr("ui.settings.language"), self.language)
        form.addRow(tr("ui.settings.post"), self.post)
        form.addRow(tr("ui.settings.auto_lock"), self.minutes)
        form.addRow(muted(tr("ui.settings.auto_lock_help")))
        self.prefs_message = message_label()
        form.addRow(self.prefs_message)
        apply = QPushButton(tr("ui.settings.apply"))
        apply.setObjectName("apply_prefs")
        apply.clicked.connect(self._apply_prefs)
        form.addRow(apply)
        return page

    def _apply_prefs(self) -> None:
        prefs = self.prefs.with_(language=self.language.currentData(), post=self.post.currentData() or "",
                                 auto_lock_minutes=self.minutes.value())
        self.prefs = prefs
        self.prefs_changed.emit(prefs)
        show_message(self.prefs_message, tr("ui.settings.saved"), "ok")

    # --- officers ---------------------------------------------------------------
    def _officers_tab(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(heading(tr("ui.settings.officers"), 2))
        self.officer_list = QListWidget()
        self.officer_list.setAccessibleName(tr("ui.settings.officers"))
        self.officer_list.setMaximumHeight(140)
        layout.addWidget(self.officer_list)
        layout.addWidget(heading(tr("ui.settings.add_officer"), 2))
        form = QFormLayout()
        self.new_name = QLineEdit()
        self.new_pass = _password()
        self.new_repeat = _password()
        form.addRow(tr("ui.wizard.officer_name"), self.new_name)
        form.addRow(tr("ui.wizard.passphrase"), self.new_pass)
        form.addRow(tr("ui.wizard.passphrase_repeat"), self.new_repeat)
        layout.addLayout(form)
        self.officer_message = message_label()
        layout.addWidget(self.officer_message)
        add = QPushButton(tr("ui.settings.add"))
        add.clicked.connect(self._add_officer)
        layout.addWidget(add)
        layout.addStretch(1)
        return page

    def _officers_loaded(self, names: list[str]) -> None:
        self.officer_list.clear()
        self.officer_list.addItems(names)

    def _check_new(self, passphrase: str, repeat: str, label) -> bool:
        if len(passphrase) < MIN_PASSPHRASE:
            show_message(label, tr("error.weak_passphrase", min_length=MIN_PASSPHRASE))
            return False
        if passphrase != repeat:
            show_message(label, tr("ui.wizard.mismatch"))
            return False
        return True

    def _add_officer(self) -> None:
        name, passphrase = self.new_name.text().strip(), self.new_pass.text()
        if not name:
            show_message(self.officer_message, tr("ui.wizard.name_missing"))
            return
        if not self._check_new(passphrase, self.new_repeat.text(), self.officer_message):
            return
        self.busy.show()

        def done(names):
            self.busy.hide()
            self._officers_loaded(names)
            for e in (self.new_name, self.new_pass, self.new_repeat):
                e.clear()
            show_message(self.officer_message, tr("ui.settings.officer_added", name=name), "ok")

        def job(s):
            v = s.require()
            v.add_officer(name, passphrase)
            return [o.name for o in v.officers()]

        self.backend.op(job, self).success(done).failure(self._failed(self.officer_message)).run()

    # --- my passphrase ------------------------------------------------------------
    def _passphrase_tab(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.change_pass = _password()
        self.change_repeat = _password()
        self.change_hint = muted()
        self.change_pass.textChanged.connect(
            lambda t: self.change_hint.setText(tr("ui.strength." + strength(t), min_length=MIN_PASSPHRASE)))
        form.addRow(muted(tr("ui.settings.passphrase_text")))
        form.addRow(tr("ui.settings.new_passphrase"), self.change_pass)
        form.addRow("", self.change_hint)
        form.addRow(tr("ui.wizard.passphrase_repeat"), self.change_repeat)
        self.change_message = message_label()
        form.addRow(self.change_message)
        change = QPushButton(tr("ui.settings.change"))
        change.clicked.connect(self._change)
        form.addRow(change)
        return page

    def _change(self) -> None:
        passphrase = self.change_pass.text()
        if not self._check_new(passphrase, self.change_repeat.text(), self.change_message):
            return
        self.busy.show()

        def done(_):
            self.busy.hide()
            self.change_pass.clear()
            self.change_repeat.clear()
            show_message(self.change_message, tr("ui.settings.changed"), "ok")

        self.backend.op(lambda s: s.require().change_passphrase(passphrase), self).success(done) \
            .failure(self._failed(self.change_message)).run()

    def _failed(self, label):
        def show(err):
            self.busy.hide()
            show_message(label, error_text(err))
        return show
