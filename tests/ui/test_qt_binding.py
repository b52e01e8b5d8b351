"""The Qt binding itself: PySide6 6.12.0's ``Signal.emit()`` returned ``True`` without
taking a reference to it, so each emit dropped one of Python's references to ``True``
(on Python 3.11, where ``True`` is not immortal). The app emits signals on every
keystroke, save and sync step, and every call of a method that returns nothing
(``setText``) dropped one to ``None`` the same way; after some thousands of them, the whole test suite, or
an officer's long working day, ended in "Fatal Python error: bool_dealloc" and an
abort. pyproject.toml keeps PySide6 below 6.12; this test tells whether a binding
version may be let in."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLabel

EMITS = 1_000  # enough to see; few enough that a faulty binding fails here rather than aborts


class _Emitter(QObject):
    plain = Signal()
    with_bool = Signal(bool)


def test_emitting_a_signal_leaves_the_references_to_true_and_false_alone():
    emitter = _Emitter()
    heard = []
    emitter.plain.connect(lambda: heard.append(1))
    emitter.with_bool.connect(lambda flag: None)
    true_before, false_before = sys.getrefcount(True), sys.getrefcount(False)
    for n in range(EMITS):
        emitter.plain.emit()
        emitter.with_bool.emit(n % 2 == 0)
    assert len(heard) == EMITS
    assert sys.getrefcount(True) >= true_before - 100, "each emit drops a reference to True"
    assert sys.getrefcount(False) >= false_before - 100, "each emit drops a reference to False"


def test_a_method_that_returns_nothing_leaves_the_references_to_none_alone(qapp):
    label = QLabel()
    before = sys.getrefcount(None)
    for n in range(EMITS):
        label.setText("FICTICIO" if n % 2 else "")
    assert sys.getrefcount(None) >= before - 100, "each call drops a reference to None"
