"""Dialogs over the window: opened window-modal with focus brought back where it was
when they close, and all closed and destroyed at a lock, before the unlock page shows
(a print preview left over the unlock page would show a name, a document and a QR)."""

from __future__ import annotations

import warnings

from PySide6.QtWidgets import QApplication, QDialog, QToolTip, QWidget


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


def close_all(keep: QWidget) -> None:
    """Close every visible top-level widget except ``keep``: dialogs are rejected (which
    also ends a nested ``exec()``, e.g. the print or file chooser) and destroyed;
    popups and tooltips are hidden."""
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
