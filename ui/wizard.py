"""First run: language, the first officer (passphrase twice, strength hint), the
border post, and the device identity, with the optional offline enrollment request
written to a folder the officer chooses. The vault itself (and the request) is
created by the worker."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup, QCheckBox, QComboBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton,
    QRadioButton, QVBoxLayout, QWizard, QWizardPage,
)

from .file_dialogs import ask_folder
from .text import tr
from .widgets import message_label, muted, show_message

MIN_PASSPHRASE = 10  # the core's rule (intake_app.vault.store.MIN_PASSPHRASE), checked again there


def strength(passphrase: str) -> str:
    """weak / fair / good: a hint only; the core enforces the minimum length."""
    words = len(passphrase.split())
    kinds = sum(bool(k) for k in (any(c.islower() for c in passphrase), any(c.isupper() for c in passphrase),
                                  any(c.isdigit() for c in passphrase), any(not c.isalnum() for c in passphrase)))
    if len(passphrase) < MIN_PASSPHRASE:
        return "weak"
    if len(passphrase) >= 20 and words >= 3 or len(passphrase) >= 16 and kinds >= 3:
        return "good"
    return "fair"


class _LanguagePage(QWizardPage):
    def __init__(self, wizard: "SetupWizard", current: str) -> None:
        super().__init__()
        self.setTitle(tr("ui.wizard.welcome_title"))
        self.setSubTitle(tr("ui.wizard.welcome_text"))
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(tr("ui.wizard.language")))
        self.group = QButtonGroup(self)
        for code, key in (("es", "ui.lang.es"), ("en", "ui.lang.en")):
            button = QRadioButton(tr(key))
            button.setProperty("code", code)
            button.setChecked(code == current)
            self.group.addButton(button)
            layout.addWidget(button)
        self.group.buttonClicked.connect(lambda b: wizard.language_chosen.emit(b.property("code")))
        layout.addStretch(1)


class _OfficerPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle(tr("ui.wizard.officer_title"))
        self.setSubTitle(tr("ui.wizard.officer_text", min_length=MIN_PASSPHRASE))
        form = QFormLayout(self)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.name = QLineEdit()
        self.name.setObjectName("officer_name")
        self.passphrase = QLineEdit()
        self.passphrase.setObjectName("passphrase")
        self.repeat = QLineEdit()
        self.repeat.setObjectName("passphrase_repeat")
        for edit in (self.passphrase, self.repeat):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.hint = muted()
        self.message = message_label()
        form.addRow(tr("ui.wizard.officer_name"), self.name)
        form.addRow(tr("ui.wizard.passphrase"), self.passphrase)
        form.addRow("", self.hint)
        form.addRow(tr("ui.wizard.passphrase_repeat"), self.repeat)
        form.addRow(self.message)
        self.passphrase.textChanged.connect(self._update_hint)
        self._update_hint("")

    def _update_hint(self, text: str) -> None:
        level = strength(text)
        self.hint.setText(tr("ui.strength." + level, min_length=MIN_PASSPHRASE) if text else
                          tr("ui.wizard.passphrase_advice"))

    def validatePage(self) -> bool:
        if not self.name.text().strip():
            show_message(self.message, tr("ui.wizard.name_missing"))
            return False
        if len(self.passphrase.text()) < MIN_PASSPHRASE:
            show_message(self.message, tr("error.weak_passphrase", min_length=MIN_PASSPHRASE))
            return False
        if self.passphrase.text() != self.repeat.text():
            show_message(self.message, tr("ui.wizard.mismatch"))
            return False
        show_message(self.message, "")
        return True


class _PostPage(QWizardPage):
    def __init__(self, posts: list[tuple[str, str]], current: str) -> None:
        super().__init__()
        self.setTitle(tr("ui.wizard.post_title"))
        self.setSubTitle(tr("ui.wizard.post_text"))
        layout = QVBoxLayout(self)
        self.post = QComboBox()
        self.post.setObjectName("post")
        self.post.addItem(tr("ui.wizard.post_none"), "")
        for code, label in posts:
            self.post.addItem(label, code)
        if current:
            self.post.setCurrentIndex(max(0, self.post.findData(current)))
        layout.addWidget(QLabel(tr("ui.wizard.post")))
        layout.addWidget(self.post)
        layout.addStretch(1)


class _DevicePage(QWizardPage):
    """The device identity, and optionally the offline enrollment request: written to a
    folder the officer chooses (a USB stick) right after the vault is created."""

    def __init__(self, wizard: "SetupWizard") -> None:
        super().__init__()
        self.wizard_ = wizard
        self.setTitle(tr("ui.wizard.device_title"))
        self.setSubTitle(tr("ui.wizard.device_subtitle"))  # the same header band as the other pages
        layout = QVBoxLayout(self)
        text = QLabel(tr("ui.wizard.device_text"))
        text.setWordWrap(True)
        text.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(text)
        self.enroll = QCheckBox(tr("ui.wizard.enroll_now"))
        self.enroll.setObjectName("enroll_now")
        layout.addWidget(self.enroll)
        row = QHBoxLayout()
        self.folder = QLineEdit()
        self.folder.setReadOnly(True)
        self.folder.setPlaceholderText(tr("ui.wizard.enroll_folder"))
        self.choose = QPushButton(tr("ui.wizard.enroll_choose"))
        row.addWidget(self.folder, 1)
        row.addWidget(self.choose)
        layout.addLayout(row)
        self.enroll_help = muted(tr("ui.wizard.enroll_help"))
        layout.addWidget(self.enroll_help)
        self.message = message_label()
        layout.addWidget(self.message)
        layout.addStretch(1)
        self.enroll.toggled.connect(self._toggled)
        self.choose.clicked.connect(self._choose)
        self._toggled(False)

    def _toggled(self, on: bool) -> None:
        for w in (self.folder, self.choose, self.enroll_help):
            w.setEnabled(on)

    def _choose(self) -> None:
        folder = ask_folder(self, tr("ui.syncdlg.choose_folder"))
        if folder:
            self.folder.setText(folder)

    def request_folder(self) -> str:
        return self.folder.text() if self.enroll.isChecked() else ""

    def validatePage(self) -> bool:
        if self.enroll.isChecked():
            if not self.folder.text():
                show_message(self.message, tr("ui.wizard.enroll_no_folder"))
                return False
            if not self.wizard_.post_page.post.currentData():
                show_message(self.message, tr("ui.wizard.enroll_no_post"))
                return False
        show_message(self.message, "")
        return True


class SetupWizard(QWizard):
    """Emits ``completed(officer, passphrase, post)``; ``language_chosen(code)`` rebuilds it."""

    completed = Signal(str, str, str)
    language_chosen = Signal(str)

    def __init__(self, posts: list[tuple[str, str]], language: str, post: str = "") -> None:
        super().__init__()
        self.setWindowFlags(Qt.WindowType.Widget)
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoCancelButton, True)
        self.setButtonText(QWizard.WizardButton.FinishButton, tr("ui.wizard.create"))
        self.language_page = _LanguagePage(self, language)
        self.officer_page = _OfficerPage()
        self.post_page = _PostPage(posts, post)
        self.device_page = _DevicePage(self)
        for page in (self.language_page, self.officer_page, self.post_page, self.device_page):
            self.addPage(page)

    def reject(self) -> None:
        """Esc: nothing. The wizard is the window's page, not a dialog; hiding it left a
        blank window with no way back."""

    def accept(self) -> None:  # Finish: hand over; the wizard stays until the vault exists
        if not self.device_page.validatePage():
            return
        self.completed.emit(self.officer_page.name.text().strip(), self.officer_page.passphrase.text(),
                            self.post_page.post.currentData() or "")

    def fail(self, text: str) -> None:
        self.setCurrentId(1)
        show_message(self.officer_page.message, text)
