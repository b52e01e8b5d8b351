"""Officers and settings: add an officer, change my passphrase (both in officers_tab.py,
each confirmed with the current passphrase), auto-lock minutes, language and border post.
Key derivations run on the worker. Esc, Cerrar or the window's close ask before discarding
an officer or a passphrase typed but not yet applied, or a language, post or auto-lock changed
but not applied (then "Aplicar y cerrar" too); a lock closes the dialog without asking.
The app's version and the codebook's are on a quiet line beside Cerrar, where support asks
an officer to look (selectable, to copy into a message)."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox, QDialog, QDialogButtonBox, QFormLayout, QFrame, QHBoxLayout, QLabel, QMessageBox, QPushButton,
    QScrollArea, QSpinBox, QTabWidget, QVBoxLayout, QWidget,
)

from intake_app import __version__

from .countdown import Countdown
from .officers_tab import OfficersTab, PassphraseTab
from .prefs import Prefs
from .text import tr
from .style import BASE_POINT_SIZE
from .widgets import busy_bar, fit_window, message_label, muted, show_message

SIZE = (680, 680)  # at the normal font (the officers' tab needs about 600 with a message shown)


class _Scrolled(QScrollArea):
    """A tab's page that scrolls up and down when a message or a large font makes it taller
    than the dialog (rather than squeezing wrapped lines over each other); as wide as the page
    needs, never scrolled sideways."""

    def __init__(self, page: QWidget) -> None:
        super().__init__()
        self.setWidget(page)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes to the fields; it follows them into view
        self.viewport().setAutoFillBackground(False)  # the tab's own background, as before
        page.setAutoFillBackground(False)

    def _width(self, hint: QSize) -> int:
        return hint.width() + self.verticalScrollBar().sizeHint().width()

    def minimumSizeHint(self) -> QSize:
        return QSize(self._width(self.widget().minimumSizeHint()), super().minimumSizeHint().height())

    def sizeHint(self) -> QSize:
        hint = self.widget().sizeHint()
        return QSize(self._width(hint), hint.height())


def version_line(cb) -> QLabel:
    """«Versión 0.1.0 · libro de códigos 1.0»: what support asks for; selectable, no Tab stop."""
    label = muted(tr("ui.settings.version", version=__version__, codebook=cb.version))
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class SettingsDialog(QDialog):
    prefs_changed = Signal(object)  # Prefs

    def __init__(self, backend, cb, prefs: Prefs, parent=None) -> None:
        super().__init__(parent)
        self.backend, self.prefs = backend, prefs
        self.setWindowTitle(tr("ui.settings.window"))
        layout = QVBoxLayout(self)
        self.busy = busy_bar()
        self.countdown = Countdown(self)
        self.officers = OfficersTab(backend, self.busy, self.countdown)
        self.passphrase = PassphraseTab(backend, self.busy, self.countdown)
        self.tabs = QTabWidget()
        self.tabs.tabBar().setAccessibleName(tr("ui.a11y.settings_tabs"))  # the Tab stop a screen reader announces
        for page, key in ((self._prefs_tab(cb), "ui.settings.tab_prefs"), (self.officers, "ui.settings.tab_officers"),
                          (self.passphrase, "ui.settings.tab_passphrase")):
            self.tabs.addTab(_Scrolled(page), tr(key))  # a message or a large font never squeezes a line
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.busy)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close_asked)
        bottom = QHBoxLayout()
        bottom.addWidget(version_line(cb), 1)
        bottom.addWidget(buttons)
        layout.addLayout(bottom)
        self.discard_box: QMessageBox | None = None
        self.fit()
        backend.op(lambda s: [o.name for o in s.require().officers()], self) \
            .success(self.officers.show_officers).failure(lambda e: None).run()

    def fit(self) -> None:
        """Every tab whole (the officers' list, what a removal does, the fields, a two-line
        message and «Agregar»): 680×680 at the normal font, larger with a larger font or when
        the content asks for more; never larger than the screen's free area (the tabs scroll)."""
        scale = max(1.0, self.font().pointSizeF() / BASE_POINT_SIZE)
        hint = self.sizeHint()
        fit_window(self, max(round(SIZE[0] * scale), hint.width()), max(round(SIZE[1] * scale), hint.height()),
                   by_font=False)

    def show_tab(self, page: QWidget) -> None:
        self.tabs.setCurrentWidget(page.parentWidget().parentWidget())  # page ▸ viewport ▸ scroll area

    # --- preferences ----------------------------------------------------------
    def _prefs_tab(self, cb) -> QWidget:
        page = self.prefs_page = QWidget()
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
        self.minutes.setAccessibleName(tr("ui.settings.auto_lock"))  # read with its unit, not as a bare number
        self.minutes.setAccessibleDescription(tr("ui.settings.auto_lock_help"))
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

    # --- closing with something typed -----------------------------------------------------
    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Escape and not event.modifiers():
            event.accept()
            self.close_asked()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event) -> None:  # the window's own close button, Alt+F4
        if self._pending():
            event.ignore()
            self.close_asked()
            return
        self._forget()
        super().closeEvent(event)

    def _prefs_pending(self) -> bool:
        """A language, post or auto-lock chosen and not applied."""
        return (self.language.currentData(), self.post.currentData() or "", self.minutes.value()) != \
            (self.prefs.language, self.prefs.post or "", self.prefs.auto_lock_minutes)

    def _pending(self) -> list[QWidget]:
        tabs = [tab for tab in (self.officers, self.passphrase) if tab.pending()]
        return ([self.prefs_page] if self._prefs_pending() else []) + tabs

    def close_asked(self) -> None:
        """Esc, Cerrar: close, unless an officer or a passphrase is typed, or a preference
        changed, and not applied; then ask (default: keep editing; preferences alone can also
        be applied from the question). ``reject()`` itself never asks: a lock closes the
        dialog with it (ui/dialogs.close_all)."""
        pending = self._pending()
        if not pending:
            self._forget()
            self.reject()
            return
        if self.discard_box is not None:
            return
        lines = [tr("ui.settings.discard_prefs") if tab is self.prefs_page else tr("ui.settings.discard_officer")
                 if tab is self.officers else tr("ui.settings.discard_passphrase") for tab in pending]
        box = QMessageBox(QMessageBox.Icon.Question, tr("ui.settings.discard_title"),
                          "\n".join(lines), QMessageBox.StandardButton.NoButton, self)
        only_prefs = pending == [self.prefs_page]  # "apply" would not say what it did with a typed officer
        box.setInformativeText(tr("ui.settings.apply_question" if only_prefs else "ui.settings.discard_question"))
        apply = None
        if only_prefs:
            apply = box.addButton(tr("ui.settings.apply_close"), QMessageBox.ButtonRole.AcceptRole)
            apply.setObjectName("apply_close")
        keep = box.addButton(tr("ui.settings.keep_editing"), QMessageBox.ButtonRole.RejectRole)
        discard = box.addButton(tr("ui.settings.discard"), QMessageBox.ButtonRole.DestructiveRole)
        discard.setObjectName("discard")
        box.setDefaultButton(keep)
        box.setEscapeButton(keep)
        box.finished.connect(lambda _=0: self._discard_answered(
            "apply" if apply is not None and box.clickedButton() is apply
            else "discard" if box.clickedButton() is discard else "keep", pending[0]))
        self.discard_box = box
        box.open()

    def _discard_answered(self, answer: str, tab) -> None:
        self.discard_box = None
        if answer in ("apply", "discard"):
            self._forget()
            self.reject()  # first: a new language then rebuilds the window, not this dialog
            if answer == "apply":
                self._apply_prefs()
            return
        self.show_tab(tab)
        if tab is self.prefs_page:
            self.language.setFocus()
        else:
            next((e for e in tab.fields() if e.text()), tab.fields()[0]).setFocus()

    def _forget(self) -> None:
        """Closed by the officer: nothing typed stays in the fields (the dialog object lives on
        until the next one replaces it; a lock destroys it)."""
        self.officers.forget()
        self.passphrase.forget()
