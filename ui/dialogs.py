"""Dialogs over the window: opened window-modal with focus brought back where it was
when they close, and all closed and destroyed at a lock, before the unlock page shows
(a print preview left over the unlock page would show a name, a document and a QR).
What the app put on the clipboard goes at a lock and a close too (``ClipboardWatch``)."""

from __future__ import annotations

import warnings
from typing import Callable

import shiboken6
from PySide6.QtCore import QObject
from PySide6.QtGui import QClipboard, QGuiApplication
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QComboBox, QDialog, QLineEdit, QToolTip, QWidget


def open_dialog(dialog: QDialog) -> QDialog:
    """``dialog.open()`` (window-modal, no nested event loop); when it closes, the focus
    goes back to the widget that had it, if that widget still exists and can take it."""
    before = QApplication.focusWidget()
    if before is not None:
        def restore(_=None, w=before) -> None:
            try:
                if w.isVisible() and w.isEnabled():
                    w.window().activateWindow()
                    w.setFocus()
            except RuntimeError:  # deleted meanwhile (a lock, a rebuilt workspace)
                pass
        dialog.finished.connect(restore)
    dialog.open()
    return dialog


def carry_typed(old: QDialog, new: QDialog) -> None:
    """``new``, built by the same code as ``old`` (in another language), gets the text
    typed in ``old``'s fields and its current tab; ``old`` is hidden and destroyed. Fields
    disabled in ``old`` (a tab whose job is on the worker, e.g. an officer being added) are
    not carried: that job goes on with their text, and typing it again would repeat it."""
    def fields(dialog: QDialog) -> list[QLineEdit]:  # not the boxes inside spin and combo boxes
        return [e for e in dialog.findChildren(QLineEdit)
                if not isinstance(e.parentWidget(), (QAbstractSpinBox, QComboBox))]

    for before, after in zip(fields(old), fields(new)):
        if before.isEnabled():
            after.setText(before.text())
    tabs, new_tabs = getattr(old, "tabs", None), getattr(new, "tabs", None)
    if tabs is not None and new_tabs is not None:
        new_tabs.setCurrentIndex(tabs.currentIndex())
    old.hide()  # not finished: no focus given back to a widget of the old workspace
    old.deleteLater()


def let_go(dialog: QDialog | None, busy: Callable[[QDialog], bool] | None = None, *ended: str) -> None:
    """A closed dialog that a new one replaces is destroyed: hidden, it would keep what it
    showed (a print preview's pages with a name and a QR) until the next lock. One whose job
    still runs (``busy(dialog)``) goes when it ends (any of its signals named in ``ended``)."""
    if dialog is None or not shiboken6.isValid(dialog) or dialog.isVisible():
        return
    if busy is not None and busy(dialog):
        for name in ended:
            getattr(dialog, name).connect(lambda *_: dialog.deleteLater())
    else:
        dialog.deleteLater()


def open_replacing(owner: QWidget, attr: str, dialog: QDialog,
                   busy: Callable[[QDialog], bool] | None = None, *ended: str) -> QDialog:
    """Open ``dialog`` as ``owner.<attr>``, the window's one dialog of its kind (kept for
    tests and relabelling); the closed one it replaces is let go (see ``let_go``)."""
    previous = getattr(owner, attr, None)
    setattr(owner, attr, dialog)
    let_go(previous, busy, *ended)
    return open_dialog(dialog)


def close_all(keep: QWidget) -> None:
    """Close every visible top-level widget except ``keep``: dialogs are rejected (which
    also ends a nested ``exec()``, e.g. the print or file chooser) and destroyed;
    popups and tooltips are hidden. The dialogs of ``keep`` closed before (hidden, not
    deleted: a print preview closed with Cerrar still holds its pages) are destroyed too."""
    QToolTip.hideText()
    popup = QApplication.activePopupWidget()
    while popup is not None:
        popup.close()
        if QApplication.activePopupWidget() is popup:
            popup.hide()
        popup = QApplication.activePopupWidget()
    for _ in range(5):  # closing one may reveal (or end the loop of) another
        shown = [w for w in QApplication.topLevelWidgets() if w is not keep and w.isVisible()]
        if not shown:
            break
        for w in shown:
            if isinstance(w, QDialog):
                with warnings.catch_warnings():  # a dialog with nothing connected warns, harmlessly
                    warnings.simplefilter("ignore", RuntimeWarning)
                    try:
                        w.finished.disconnect()  # no focus restore, no follow-up on a dialog closed by a lock
                    except (RuntimeError, TypeError):
                        pass
                w.reject()
                w.hide()
                w.deleteLater()
            else:
                w.hide()
    for w in keep.findChildren(QDialog):  # closed earlier: hidden, with what they showed
        if w.isWindow() and not w.isVisible():  # (not a wizard embedded as a page)
            w.deleteLater()


OWNERSHIP_PLATFORMS = ("xcb", "windows", "wayland")  # Qt reports clipboard ownership there


class ClipboardWatch(QObject):
    """Knows what this app put on the clipboard (and, on X11, the selection), so that a
    lock or a close can take it off: a name or a document number copied from a field
    must not be there to paste for whoever uses the laptop next. Something another
    program put there is left alone.

    The app's own is what the platform says this app owns (X11, Windows, Wayland), or
    else (macOS, offscreen) the text that arrived while a window of the app was active."""

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self._ours: dict[QClipboard.Mode, str] = {}
        QApplication.clipboard().changed.connect(self._changed)

    def _modes(self) -> list[QClipboard.Mode]:
        clipboard = QApplication.clipboard()
        return [QClipboard.Mode.Clipboard] + ([QClipboard.Mode.Selection] if clipboard.supportsSelection() else [])

    @staticmethod
    def _owned(mode: QClipboard.Mode) -> bool:
        clipboard = QApplication.clipboard()
        return clipboard.ownsSelection() if mode == QClipboard.Mode.Selection else clipboard.ownsClipboard()

    @staticmethod
    def _ownership_known() -> bool:
        """Whether the platform tells what this app owns (then only that counts: another
        program's text copied while our window was active stays)."""
        return QGuiApplication.platformName() in OWNERSHIP_PLATFORMS

    def _changed(self, mode: QClipboard.Mode) -> None:
        known = self._ownership_known()
        if self._owned(mode) or not known and QApplication.activeWindow() is not None:
            self._ours[mode] = QApplication.clipboard().text(mode)
        else:
            self._ours.pop(mode, None)

    def forget(self) -> None:
        """Clear what the app owns on the clipboard (at a lock, at a close)."""
        clipboard = QApplication.clipboard()
        known = self._ownership_known()
        for mode in self._modes():
            ours = self._ours.pop(mode, "")
            if self._owned(mode) or not known and ours and clipboard.text(mode) == ours:
                clipboard.clear(mode)
