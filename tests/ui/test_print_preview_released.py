"""A closed print preview is released, with its pages and the case record: a signal named
``done`` on the dialog hid QDialog's own ``done(int)``, which Qt calls at every close (Esc,
«Cerrar»), and PySide then held each dialog for ever (about 7 MB a preview, a name and a QR
in its page images, still in memory after the lock). Fictional people only."""

from __future__ import annotations

import gc
import weakref

from PySide6.QtCore import Qt

from ui.printing import PrintDialog

from tests.ui.test_print_sync import _open_print, _saved_case
from tests.ui.uikit import wait_idle


def _released(refs) -> bool:
    gc.collect()
    return all(ref() is None for ref in refs)


def test_closed_previews_are_released_and_none_survives_the_lock(qtbot, unlocked, sample):
    win = unlocked
    case_id = _saved_case(qtbot, win, sample)
    assert "done" not in PrintDialog.__dict__  # QDialog.done(int) stays Qt's own
    refs = []
    for n in range(4):
        dialog = _open_print(qtbot, win, case_id)
        assert dialog.pdf_pages
        refs.append(weakref.ref(dialog))
        with qtbot.waitSignal(dialog.finished, timeout=5_000):
            if n % 2:
                qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # Esc
            else:
                dialog.reject()  # «Cerrar»
        del dialog
    wait_idle(qtbot, win)
    # each preview opened let the closed one before it go: all but the last are released
    qtbot.waitUntil(lambda: _released(refs[:-1]), timeout=10_000)
    with qtbot.waitSignal(win.locked, timeout=20_000):
        win.lock()
    qtbot.waitUntil(lambda: _released(refs), timeout=10_000)  # and the lock lets the last one go
    assert not [o for o in gc.get_objects() if isinstance(o, PrintDialog)]
    wait_idle(qtbot, win)
