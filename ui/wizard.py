"""First run: language, the first officer (passphrase twice, strength hint), the
border post, and the device identity, with the optional offline enrollment request
written to a folder the officer chooses. The vault itself (and the request) is
created by the worker."""

from __future__ import annotations

import errno
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup, QCheckBox, QComboBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton,
    QRadioButton, QVBoxLayout, QWidget, QWizard, QWizardPage,
)

from . import prefs as prefs_mod
from .file_dialogs import ask_folder
from .problem_said import ProblemSaid
from .text import tr
from .widgets import message_label, muted

MIN_PASSPHRASE = 10  # the core's rule (intake_app.vault.store.MIN_PASSPHRASE), checked again there
FULL_DISK = (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC), errno.EROFS)  # a full or read-only disk
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RequestWritten:
    """The enrollment request is on the stick; the fingerprint to read to the supervisor."""

    fingerprint: str


class HomeUnwritable(Exception):
    """The vault could not be created because its data folder cannot be written to."""


def _writable(home) -> bool:
    try:
        Path(home).mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=home):
            return True
    except OSError:
        return False


def create_job(officer: str, passphrase: str, prefs, request_folder: str):
    """Worker job of the wizard's last step: the vault, the preferences, and the optional
    enrollment request; returns ``(officer, request)`` (None, ``RequestWritten`` or the request's error)."""
    def job(s):
        from intake_app.errors import IntakeError

        try:
            s.create(officer, passphrase)
        except Exception as exc:
            full = isinstance(exc, OSError) and exc.errno in FULL_DISK
            if not isinstance(exc, IntakeError) and (full or not _writable(s.home)):
                raise HomeUnwritable() from exc
            raise
        try:  # the vault exists now: settings it could not write must not make the wizard retry it
            prefs_mod.save(s.home, prefs)
        except OSError as exc:
            log.warning("settings not saved: %s", type(exc).__name__)
        if request_folder:  # a failure here is only reported
            from intake_app.sync import write_enrollment_request

            try:
                write_enrollment_request(s.vault, request_folder, prefs.post)
            except (IntakeError, OSError) as exc:
                return officer, exc
            return officer, RequestWritten(s.vault.device_keys().public().fingerprint())
        return officer, None
    return job


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


Problem = tuple[str, tuple[QWidget, ...]]  # a message, and the boxes it concerns (the keyboard goes to the first)


class _ProblemPage(QWizardPage):
    """A page whose problem shows under its boxes and is said with the boxes it concerns, each
    box's own help (``help_of``) after it (``ProblemSaid``), until it is fixed (no longer among
    ``problems()``), or, the core's refusal, one of its boxes changes."""

    def __init__(self) -> None:
        super().__init__()
        self.message = message_label()
        self.said = ProblemSaid(self.message, self.help_of)

    def problems(self) -> list[Problem]:
        """What is wrong now, what to fix first first."""
        return []

    def help_of(self, widget: QWidget) -> str:
        return ""

    def say(self, text: str, widgets: tuple[QWidget, ...] = (), refusal: bool = False) -> None:
        problem = (text, tuple(widgets))
        self.said.say(text, "error", widgets, "edited" if refusal else "fixed", lambda: problem in self.problems())
        if text and widgets:  # the first box, also when the keyboard is on another one
            widgets[0].setFocus(Qt.FocusReason.OtherFocusReason)

    def validatePage(self) -> bool:
        problems = self.problems()
        self.say(*(problems[0] if problems else ("",)))
        return not problems


class _OfficerPage(_ProblemPage):
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
        # named as labelled: a box is read by its name, not on every platform by its label
        for edit, key in ((self.name, "ui.wizard.officer_name"), (self.passphrase, "ui.wizard.passphrase"),
                          (self.repeat, "ui.wizard.passphrase_repeat")):
            edit.setAccessibleName(tr(key))
        self.hint = muted()
        form.addRow(tr("ui.wizard.officer_name"), self.name)
        form.addRow(tr("ui.wizard.passphrase"), self.passphrase)
        form.addRow("", self.hint)
        form.addRow(tr("ui.wizard.passphrase_repeat"), self.repeat)
        form.addRow(self.message)
        self.passphrase.textChanged.connect(self._update_hint)
        for edit in (self.name, self.passphrase, self.repeat):
            self.said.watch(edit, edit.textChanged)
        self._update_hint("")

    def _update_hint(self, text: str) -> None:
        level = strength(text)
        self.hint.setText(tr("ui.strength." + level, min_length=MIN_PASSPHRASE) if text else
                          tr("ui.wizard.passphrase_advice"))
        self.said.describe(self.passphrase)  # the hint under it, said with it (after a problem)

    def help_of(self, widget: QWidget) -> str:
        return self.hint.text() if widget is self.passphrase else ""

    def problems(self) -> list[Problem]:
        found = []
        if not self.name.text().strip():
            found.append((tr("ui.wizard.name_missing"), (self.name,)))
        if len(self.passphrase.text()) < MIN_PASSPHRASE:
            found.append((tr("error.weak_passphrase", min_length=MIN_PASSPHRASE), (self.passphrase,)))
        if self.passphrase.text() != self.repeat.text():
            found.append((tr("ui.wizard.mismatch"), (self.repeat,)))
        return found


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
        label = QLabel(tr("ui.wizard.post"))
        label.setBuddy(self.post)
        # Windows and macOS read a combo box by its value: its question is its name
        self.post.setAccessibleName(tr("ui.wizard.post").rstrip(" :"))
        layout.addWidget(label)
        layout.addWidget(self.post)
        layout.addStretch(1)


class _DevicePage(_ProblemPage):
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
        layout.addWidget(self.message)
        layout.addStretch(1)
        self.enroll.toggled.connect(self._toggled)
        self.choose.clicked.connect(self._choose)
        self._toggled(False)
        post = wizard.post_page.post
        for widget, signal in ((self.enroll, self.enroll.toggled), (self.folder, self.folder.textChanged),
                               (post, post.currentIndexChanged)):
            self.said.watch(widget, signal)

    def _toggled(self, on: bool) -> None:
        for w in (self.folder, self.choose, self.enroll_help):
            w.setEnabled(on)

    def _choose(self) -> None:
        folder = ask_folder(self, tr("ui.syncdlg.choose_folder"))
        if folder:
            self.folder.setText(folder)

    def request_folder(self) -> str:
        return self.folder.text() if self.enroll.isChecked() else ""

    def problems(self) -> list[Problem]:
        """No folder: said with «Elegir carpeta…» and the folder box; no border post: with the
        option and the post's list (on the step before)."""
        if not self.enroll.isChecked():
            return []
        found = []
        if not self.folder.text():
            found.append((tr("ui.wizard.enroll_no_folder"), (self.choose, self.folder)))
        post = self.wizard_.post_page.post
        if not post.currentData():
            found.append((tr("ui.wizard.enroll_no_post"), (self.enroll, post)))
        return found


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

    def keyPressEvent(self, event) -> None:
        """Enter in a field goes on: Next, or Create on the last page. A dialog would press
        its default button; embedded as the window's page, the wizard lost that default for
        good once the focus had passed over Next (Tab, or Space on it). A focused button
        takes Enter itself and never gets here."""
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            for which in (QWizard.WizardButton.FinishButton, QWizard.WizardButton.NextButton):
                button = self.button(which)
                if button.isVisible() and button.isEnabled():
                    button.click()
                    return
        super().keyPressEvent(event)

    def reject(self) -> None:
        """Esc: nothing. The wizard is the window's page, not a dialog; hiding it left a
        blank window with no way back."""

    def accept(self) -> None:  # Finish: hand over; the wizard stays until the vault exists
        if not self.device_page.validatePage():
            return
        self.completed.emit(self.officer_page.name.text().strip(), self.officer_page.passphrase.text(),
                            self.post_page.post.currentData() or "")

    def typed(self) -> dict:
        """What the officer has entered so far (``carry`` puts it into a wizard rebuilt in
        another language)."""
        o, d = self.officer_page, self.device_page
        return {"name": o.name.text(), "passphrase": o.passphrase.text(), "repeat": o.repeat.text(),
                "post": self.post_page.post.currentData(), "enroll": d.enroll.isChecked(), "folder": d.folder.text()}

    def carry(self, typed: dict) -> None:
        o, d = self.officer_page, self.device_page
        for edit, key in ((o.name, "name"), (o.passphrase, "passphrase"), (o.repeat, "repeat"), (d.folder, "folder")):
            edit.setText(typed[key])
        self.post_page.post.setCurrentIndex(max(0, self.post_page.post.findData(typed["post"])))
        d.enroll.setChecked(typed["enroll"])
        checked = self.language_page.group.checkedButton()
        if checked is not None:  # the keyboard stays on the language just chosen
            checked.setFocus(Qt.FocusReason.OtherFocusReason)

    def fail(self, text: str, officer_page: bool = True) -> None:
        """Show a problem of the vault's creation: on the officer page (a name or passphrase
        the core refused: said with both boxes until either is retyped), or where the officer
        is (a data folder that cannot be written to: said with «Crear la bóveda» until pressed
        again)."""
        if officer_page:
            while self.currentId() > 1:  # step by step: setCurrentId(1) kept the later pages as
                self.back()              # visited, and «Siguiente» then did nothing ("already met")
            page = self.officer_page
            page.say(text, (page.name, page.passphrase), refusal=True)
            return
        page = self.currentPage()
        if page is self.device_page:
            page.say(text, (self.button(QWizard.WizardButton.FinishButton),), refusal=True)
        else:
            self.officer_page.say(text)
