"""The print preview on a small screen: pages shrink to the preview's width (never cut on
the right) and keep their rendered size where there is room. Fictional case."""

from __future__ import annotations

from PySide6.QtCore import QRect

from tests.ui.test_print_sync import _open_print, _saved_case


def test_pages_fit_a_narrow_preview_and_keep_their_size_in_a_wide_one(qtbot, unlocked, sample):
    win = unlocked
    dialog = _open_print(qtbot, win, _saved_case(qtbot, win, sample))
    rendered = dialog.pdf_pages[0][0]
    preview = dialog.preview

    dialog.fit(QRect(0, 0, 800, 600))  # a small laptop screen (the 1366 one at 1.75 scale)
    qtbot.waitUntil(lambda: preview.viewport().width() < rendered)
    qtbot.waitUntil(lambda: max(preview.page_widths()) <= preview.viewport().width())
    assert preview.horizontalScrollBar().maximum() == 0  # nothing to scroll sideways
    assert min(preview.page_widths()) > 240  # smaller, still a page

    dialog.fit(QRect(0, 0, 1920, 1080))
    qtbot.waitUntil(lambda: preview.page_widths() == [p[0] for p in dialog.pdf_pages])  # room: as rendered
