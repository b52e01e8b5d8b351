"""A dialog's message line whose problem is also said with the boxes it concerns: first in
each box's accessible description (``describe_problem``: a screen reader says it where the
keyboard is, also when the officer tabs back), the box's own help after it, the keyboard on
the first box; gone from both once it no longer holds. Used by the first-run wizard's pages,
the officers tabs, the sync dialog, «Reactivar este equipo…» and «Retirar a …»."""

from __future__ import annotations

from collections.abc import Callable

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from .widgets import describe_problem, show_message


class ProblemSaid:
    """``say`` shows a message; a problem (``boxes`` given) is said with those boxes until:
    ``"retried"``, the next message (the dialog's next try: a wrong passphrase and its wait
    stay while it is retyped, as the unlock page keeps them); ``"edited"``, one of its boxes
    changed; ``"fixed"``, a watched box changed and ``holds()`` is false (no ``holds``: as
    ``"edited"``). ``watch`` a box whose change may end a problem. A box's help is
    ``help_of(box)`` when given (help that changes: ``describe`` the box again), else the
    description it had when first said with a problem."""

    def __init__(self, message: QLabel, help_of: Callable[[QWidget], str] | None = None) -> None:
        self.message = message
        self.boxes: tuple[QWidget, ...] = ()  # the boxes the problem shown is said with
        self._text, self._until, self._holds = "", "retried", None
        self._help_of = help_of
        self._help: dict[QWidget, str] = {}

    def say(self, text: str, kind: str = "error", boxes: tuple[QWidget, ...] = (), until: str = "retried",
            holds: Callable[[], bool] | None = None) -> None:
        """``text`` on the message line ("": none); with ``boxes``, also said with them, the
        keyboard on the first unless it is on one of them already; ``holds()``: the problem
        still holds (for ``"fixed"``). The boxes said with before say nothing more."""
        show_message(self.message, text, kind)
        before, self.boxes = self.boxes, (tuple(boxes) if text else ())
        self._text, self._until, self._holds = (text, until, holds) if text else ("", "retried", None)
        for box in dict.fromkeys(before + self.boxes):
            if shiboken6.isValid(box):
                self.describe(box)
        if self.boxes and self.boxes[0].window().focusWidget() not in self.boxes:
            self.boxes[0].setFocus(Qt.FocusReason.OtherFocusReason)

    def describe(self, box: QWidget) -> None:
        """What a screen reader says about ``box``: the problem, if said with it, then its help."""
        help_text = self._help_of(box) if self._help_of else self._help.setdefault(box, box.accessibleDescription())
        describe_problem(box, self._text if box in self.boxes else "", help_text)

    def watch(self, box: QWidget, signal) -> None:
        """``signal`` says ``box`` changed (a line's ``textChanged``)."""
        signal.connect(lambda *_: self._changed(box))

    def _changed(self, box: QWidget) -> None:
        if self._until == "fixed" and self._holds is not None:
            if not self._holds():  # a change in another box may fix it (the repeat made equal)
                self.say("")
        elif self._until != "retried" and box in self.boxes:
            self.say("")
