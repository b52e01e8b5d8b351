"""Small shared widgets: headings, a busy bar, a message line."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRect, Qt
from PySide6.QtWidgets import (
    QApplication, QComboBox, QFrame, QLabel, QProgressBar, QPushButton, QScrollArea, QStyle, QStyleOptionComboBox,
    QStylePainter, QWidget,
)


def heading(text: str, level: int = 1) -> QLabel:
    label = QLabel(text)
    label.setObjectName("heading" if level == 1 else "subheading")
    label.setWordWrap(True)
    return label


def muted(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setObjectName("muted")
    label.setWordWrap(True)
    return label


def message_label() -> QLabel:
    """A line for errors and confirmations: hidden when empty."""
    label = QLabel()
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.hide()
    return label


def show_message(label: QLabel, text: str, kind: str = "error") -> None:
    label.setObjectName("error" if kind == "error" else "ok" if kind == "ok" else "banner")
    label.style().unpolish(label)  # re-polish with the new object name
    label.style().polish(label)
    # a polish alone keeps the old padding (contents margins): the style-change event sets it
    QApplication.sendEvent(label, QEvent(QEvent.Type.StyleChange))
    label.setText(text)
    label.setVisible(bool(text))


def busy_bar(parent: QWidget | None = None) -> QProgressBar:
    bar = QProgressBar(parent)
    bar.setRange(0, 0)  # indeterminate
    bar.setTextVisible(False)
    bar.setMaximumHeight(8)
    bar.hide()
    return bar


def primary(text: str) -> QPushButton:
    button = QPushButton(text)
    button.setObjectName("primary")
    button.setDefault(True)
    return button


class _EnterClicks(QObject):
    """Enter on a push button inside ``area`` presses it: each button there, once it has
    the keyboard, gets this filter, which sees the keys sent to that button itself (not a
    key another widget left unused while the keyboard moved on to a button)."""

    def __init__(self, area: QWidget) -> None:
        super().__init__(area)
        self.area = area
        QApplication.instance().focusChanged.connect(self._focused)  # undone with this object
        self._focused(None, QApplication.focusWidget())

    def _focused(self, _old, new) -> None:
        if isinstance(new, QPushButton) and (new is self.area or self.area.isAncestorOf(new)):
            new.installEventFilter(self)  # once: installed again, Qt keeps one

    def eventFilter(self, button, event) -> bool:
        if event.type() != QEvent.Type.KeyPress or event.key() not in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            return False
        if event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier or not button.hasFocus():
            return False
        if not event.isAutoRepeat():  # a held key presses once
            button.click()
        return True


def enter_clicks(area: QWidget) -> None:
    """Enter presses the push button that has the keyboard, as Space does, in ``area`` (a
    button, or a page, also for buttons added to it later): Qt does so only in a dialog (and
    for a default button), so outside one Enter on «Editar», «Imprimir», «Hoy» or «Quitar»
    did nothing. In a dialog: on its buttons that are not "auto default", Enter went on to
    the dialog's default button instead."""
    _EnterClicks(area)


def describe_problem(widget: QWidget, problem: str, help_text: str = "") -> None:
    """What a screen reader says about ``widget`` after its name: the problem first, then the
    help, as the intake form's fields carry theirs (``FieldRow._speak``); with no problem,
    the help alone again. For a message on screen that belongs to a widget with the
    keyboard: shown beside it, it was not spoken with it."""
    widget.setAccessibleDescription(" ".join(part for part in (problem, help_text) if part))


def shortcut_tip(action: str, keys: str) -> str:
    """"Nuevo registro (Ctrl+N)": a tooltip that teaches the key."""
    from PySide6.QtGui import QKeySequence

    from .text import tr

    return tr("ui.shortcut.tip", action=action, keys=QKeySequence(keys).toString(QKeySequence.SequenceFormat.PortableText))


TITLE_ROOM = 48  # a window manager's title bar and borders: not known before the window shows
SIDE_ROOM = 16


def free_area(window: QWidget) -> QRect:
    """The free part of the screen ``window`` opens on (without a taskbar)."""
    return (window.parentWidget() or window).screen().availableGeometry()


def fit_window(window: QWidget, width: int, height: int, available: QRect | None = None, *,
               by_font: bool = True) -> None:
    """Open ``window`` at width×height (given for the normal 11 pt; larger with a larger
    font when ``by_font``), or smaller on a smaller screen (a 1366×768 laptop with a
    taskbar, or 911×512 at a 1.5 scale): never opened taller or wider than the screen it opens
    on (a page with a larger minimum size still grows it: the intake form needs at most 886 px,
    its check boxes wrapped).
    ``available``: that screen's free area (``free_area`` when None)."""
    from .style import BASE_POINT_SIZE

    available = free_area(window) if available is None else available
    scale = max(1.0, window.font().pointSizeF() / BASE_POINT_SIZE) if by_font else 1.0
    window.resize(max(1, min(round(width * scale), available.width() - SIDE_ROOM)),
                  max(1, min(round(height * scale), available.height() - TITLE_ROOM)))


class _TallEnough(QObject):
    def eventFilter(self, window, event) -> bool:
        if event.type() in (QEvent.Type.Resize, QEvent.Type.LayoutRequest, QEvent.Type.Show):
            layout = window.layout()
            if layout is not None and layout.hasHeightForWidth():
                need = layout.totalHeightForWidth(window.width())
                if need != window.minimumHeight():
                    window.setMinimumHeight(need)  # a shorter window grows to it
        return False


def keep_tall_enough(window: QWidget) -> None:
    """A window with wrapped text is never shorter than that text needs at its width (Qt's
    own minimum for a window takes a wrapped label's height at a guessed width: at a larger
    font the last line of a help text went under the next label). Also after a longer
    message shows."""
    window.installEventFilter(_TallEnough(window))


def card() -> QFrame:
    frame = QFrame()
    frame.setObjectName("card")
    return frame


class ElidedComboBox(QComboBox):
    """A list whose closed box ends a long choice with "…" instead of cutting a letter in
    half; the whole text is in the tooltip and in the open list."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.currentTextChanged.connect(self.setToolTip)

    def paintEvent(self, event) -> None:
        painter = QStylePainter(self)
        opt = QStyleOptionComboBox()
        self.initStyleOption(opt)
        painter.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, opt)
        field = self.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, opt, QStyle.SubControl.SC_ComboBoxEditField,
                                            self)
        opt.currentText = self.fontMetrics().elidedText(opt.currentText, Qt.TextElideMode.ElideRight,
                                                        max(0, field.width() - 8))
        painter.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, opt)


def centered(widget: QWidget, width: int) -> QWidget:
    """``widget`` in the middle of a row, at most ``width`` wide (the first-run wizard)."""
    from PySide6.QtWidgets import QHBoxLayout

    holder = QWidget()
    row = QHBoxLayout(holder)
    row.addStretch(1)
    widget.setMaximumWidth(width)
    widget.setMinimumWidth(min(width, 640))
    row.addWidget(widget, 10)
    row.addStretch(1)
    return holder


def body_scroll(body: QWidget) -> QScrollArea:
    """A dialog's text in a frameless scroll area that only scrolls up and down, drawn on the
    dialog's own background: at a large font the text scrolls and the buttons below it stay."""
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    scroll.setWidget(body)
    body.setAutoFillBackground(False)
    scroll.viewport().setAutoFillBackground(False)
    return scroll
