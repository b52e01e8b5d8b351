"""The wait after a wrong passphrase, on the buttons that would try again: "Espere N s"
until the core's delay (``retry_after`` of ``WrongPassphrase`` / ``UnlockThrottled``) has
passed, then the buttons' own text, enabled. The unlock page and the settings' keyring
tabs use it."""

from __future__ import annotations

import math

from PySide6.QtCore import QElapsedTimer, QObject, QTimer, Signal
from PySide6.QtWidgets import QPushButton

from .text import tr


class Countdown(QObject):
    finished = Signal()  # a wait that was counting has ended: trying is allowed again

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.buttons: dict[QPushButton, str] = {}  # button → its own text
        self._until = 0.0
        self._clock = QElapsedTimer()
        self._clock.start()
        self._tick = QTimer(self)
        self._tick.setInterval(250)
        self._tick.timeout.connect(self._update)

    def add(self, button: QPushButton) -> None:
        """Count on ``button`` too; it keeps room for the longest countdown it may show."""
        text = button.text()
        self.buttons[button] = text
        button.setText(tr("ui.unlock.wait", seconds=999))
        button.setMinimumWidth(max(button.sizeHint().width(), button.minimumWidth()))
        button.setText(text)

    @property
    def seconds_left(self) -> int:
        return max(0, math.ceil(self._until - self._clock.elapsed() / 1000))

    def start(self, err: BaseException) -> None:
        """After a failure: count the error's ``retry_after`` down (none: enable at once)."""
        wait = float(getattr(err, "params", {}).get("retry_after", 0) or 0)
        if wait > 0:
            self._until = self._clock.elapsed() / 1000 + wait
            self._tick.start()
        self._update()

    def restart(self, seconds: float) -> None:
        """Count ``seconds`` down from now instead of whatever was counting (0 or less: none,
        enable at once), as when the unlock page shows another officer's own wait."""
        self._until = self._clock.elapsed() / 1000 + max(0.0, seconds)
        if seconds > 0:
            self._tick.start()
        self._update()

    def _update(self) -> None:
        left = self.seconds_left
        for button, text in self.buttons.items():
            button.setText(tr("ui.unlock.wait", seconds=left) if left else text)
            button.setEnabled(not left)
        if not left and self._tick.isActive():
            self._tick.stop()
            self.finished.emit()
