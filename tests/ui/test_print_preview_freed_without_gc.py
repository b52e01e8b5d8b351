"""A closed print preview does not wait for Python's occasional full collection to let a
person's data go: with the cyclic gc off (a quiet laptop rarely runs it), a preview closed
with «Cerrar» and then the lock leave no dialog and no string with the person's name
(no reference cycle holds the dialog, its record, its PDF or its page images, and the lock
collects what its deleted widgets leave). Fictional people only."""

from __future__ import annotations

import gc
import weakref

from PySide6.QtCore import QCoreApplication, QEvent

from ui.printing import PrintDialog

from tests.ui.test_print_sync import _open_print
from tests.ui.uikit import wait_idle

CANARY = "Ficticiaprueba Canarioz"  # a fictional name, found nowhere else


def _holders() -> list:
    """The containers the cyclic gc tracks (dicts, lists, tuples) holding a string with the
    canary name (this module's own globals aside)."""
    def has(value) -> bool:
        return isinstance(value, str) and CANARY in value

    found = []
    for o in gc.get_objects():
        if isinstance(o, dict) and o is not globals() and any(has(v) for v in o.values()):
            found.append(o)
        elif isinstance(o, (list, tuple)) and any(has(v) for v in o):
            found.append(o)
    return found


def test_closed_preview_freed_at_the_lock_without_a_full_gc(qtbot, unlocked, sample):
    win = unlocked
    content = sample("intake-adult-woman")
    content["given_names"] = CANARY
    result = {}
    with qtbot.waitSignal(win.backend.cases_changed, timeout=20_000):
        win.backend.op(lambda s: s.require().save_case(content)).changes_cases() \
            .success(lambda r: result.setdefault("id", r.case_id)).run()
    del content
    gc.collect()
    gc.disable()
    try:
        dialog = _open_print(qtbot, win, result["id"])
        assert dialog.pdf_pages and dialog.preview.drawn()
        ref = weakref.ref(dialog)
        with qtbot.waitSignal(dialog.finished, timeout=5_000):
            dialog.reject()  # «Cerrar»
        del dialog
        wait_idle(qtbot, win)
        with qtbot.waitSignal(win.locked, timeout=20_000):
            win.lock()
        wait_idle(qtbot, win)
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        qtbot.wait(50)
        assert ref() is None
        assert not [o for o in gc.get_objects() if isinstance(o, PrintDialog)]
        assert not _holders()
    finally:
        gc.enable()


def test_closed_preview_is_emptied_and_its_replacement_frees_it_without_a_full_gc(qtbot, unlocked, sample):
    win = unlocked
    content = sample("intake-adult-woman")
    result = {}
    with qtbot.waitSignal(win.backend.cases_changed, timeout=20_000):
        win.backend.op(lambda s: s.require().save_case(content)).changes_cases() \
            .success(lambda r: result.setdefault("id", r.case_id)).run()
    gc.collect()
    gc.disable()
    try:
        dialog = _open_print(qtbot, win, result["id"])
        assert dialog.preview.drawn()
        ref = weakref.ref(dialog)
        with qtbot.waitSignal(dialog.finished, timeout=5_000):
            dialog.reject()  # «Cerrar»: hidden, kept until the next preview or the lock
        assert dialog.record is None and dialog._pdf == b"" and dialog.pdf_pages == []
        assert dialog.preview.drawn() == [] and dialog.preview.page_widths() == []
        del dialog
        wait_idle(qtbot, win)
        second = _open_print(qtbot, win, result["id"])  # lets the closed one go
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        qtbot.wait(50)
        assert ref() is None  # no reference cycle keeps it for the cyclic gc
        with qtbot.waitSignal(second.finished, timeout=5_000):
            second.reject()
        wait_idle(qtbot, win)
    finally:
        gc.enable()
