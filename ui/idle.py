"""Auto-lock and Ctrl+L: an application-wide event filter that restarts a timer on every
key press, click or mouse move; when it runs out, ``timed_out`` fires. Ctrl+L, wherever
the focus is (a window-modal dialog included: Qt does not deliver the main window's
shortcuts, not even application shortcuts, to a window a modal dialog blocks), fires
``lock_pressed``. One filter for both: it sees every event of the application."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence

ACTIVITY = {QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove, QEvent.Type.Wheel,
            QEvent.Type.TouchBegin}
LOCK_KEY = QKeySequence("Ctrl+L")
KEY_PRESS = QEvent.Type.KeyPress


class IdleWatch(QObject):
    timed_out = Signal()
    lock_pressed = Signal()

    def __init__(self, minutes: int, parent=None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.timed_out.emit)
        self.set_minutes(minutes)

    def set_minutes(self, minutes: float) -> None:
        self._timer.setInterval(max(1, int(minutes * 60_000)))

    def start(self) -> None:
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def eventFilter(self, obj, event) -> bool:
        kind = event.type()
        if kind in ACTIVITY:
            if self._timer.isActive():
                self._timer.start()
            if kind == KEY_PRESS and event.key() == Qt.Key.Key_L and not event.isAutoRepeat() \
                    and QKeySequence(event.keyCombination()) == LOCK_KEY:
                self.lock_pressed.emit()
                return True  # consumed: not offered again to the parents a key event bubbles up to
        return False

