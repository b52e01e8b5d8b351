"""The print dialog draws pages one at a time: the preview only the pages in sight (and keeps
a few), a print each page before the next is drawn; "Print to file" gets the summary's own PDF.
A summary of 170 pages once became 170 page images at 200 dpi before the first was painted
(about 3 GB), the preview took a minute, and a print to a PDF file gave 10 MB of page
images without text, audited as a print on paper. FICTIONAL case."""

from __future__ import annotations

import io
import weakref

from PySide6.QtGui import QPageSize, QPdfWriter
from pypdf import PdfReader

import ui.page_preview as page_preview
import ui.printing as printing

from tests.ui.test_print_person_dialog import _print_entries, _saved_case
from tests.ui.uikit import print_to_pdf_printer, wait_idle

LINES = 600  # a narrative of short lines: about 12 pages


def _long_case(qtbot, win, sample) -> str:
    content = sample("intake-adult-woman")
    content["narrative"] = "".join(f"Línea ficticia {n:04d}\n" for n in range(LINES))
    return _saved_case(qtbot, win, content)


def _open(qtbot, win, case_id, monkeypatch, rendered: list):
    real = getattr(printing, "render_page", None)

    def counted(pdf, index, scale):
        rendered.append((index, scale))
        return real(pdf, index, scale)

    monkeypatch.setattr(printing, "render_page", counted, raising=False)
    ws = win.workspace
    with qtbot.waitSignal(ws.case_shown, timeout=20_000):
        ws.open_case(case_id)
    ws.case_view.print_button.click()
    dialog = win.print_dialog
    with qtbot.waitSignal(dialog.preview_ready, timeout=60_000):
        pass
    wait_idle(qtbot, win)
    return dialog


def test_the_preview_draws_the_pages_in_sight_and_keeps_a_few(qtbot, unlocked, sample, monkeypatch):
    win = unlocked
    rendered: list = []
    dialog = _open(qtbot, win, _long_case(qtbot, win, sample), monkeypatch, rendered)
    preview = dialog.preview
    pages = len(dialog.pdf_pages)
    assert pages >= 10 and len(preview.page_widths()) == pages
    assert 1 <= len(rendered) <= 3 and preview.drawn()[0] == 0  # the first page, not all of them
    bar = preview.verticalScrollBar()
    bar.setValue(bar.maximum())  # straight to the last page: those between are not drawn
    qtbot.waitUntil(lambda: pages - 1 in preview.drawn(), timeout=20_000)
    wait_idle(qtbot, win)
    assert len(rendered) <= 6
    for page in preview._pages:  # page by page from the top: only KEEP images are held
        bar.setValue(page.y())
        qtbot.waitUntil(lambda: page.index in preview.drawn(), timeout=20_000)
        assert len(preview.drawn()) <= page_preview.KEEP
    wait_idle(qtbot, win)


class _Paper(QPdfWriter):
    """A printer that is not a PDF file (Qt's PDF writer standing in for paper): its pages are
    painted. Says when each new page starts."""

    def __init__(self, path, events: list) -> None:
        super().__init__(str(path))
        self.events = events
        self.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
        self.setResolution(150)

    def newPage(self) -> bool:
        self.events.append("page")
        return super().newPage()


def test_a_print_paints_each_page_before_drawing_the_next(qtbot, unlocked, sample, monkeypatch, tmp_path):
    win = unlocked
    rendered: list = []
    case_id = _long_case(qtbot, win, sample)
    dialog = _open(qtbot, win, case_id, monkeypatch, rendered)
    pages = len(dialog.pdf_pages)
    events: list = []
    images: list = []
    real_image = printing.to_image

    def tracked(page):
        image = real_image(page)
        events.append("image")
        images.append(weakref.ref(image))
        return image

    def render(pdf, index, scale):
        alive = sum(ref() is not None for ref in images)
        events.append(("render", index, alive))
        return real(pdf, index, scale)

    real = printing.render_page
    monkeypatch.setattr(printing, "render_page", render)
    monkeypatch.setattr(printing, "to_image", tracked)
    paper = _Paper(tmp_path / "papel.pdf", events)
    with qtbot.waitSignal(dialog.output_done, timeout=120_000):
        dialog.print_to(paper)
    del paper  # ends the writer's file
    wait_idle(qtbot, win)
    drawn = [e for e in events if isinstance(e, tuple)]
    assert [e[1] for e in drawn] == list(range(pages))
    # each page drawn on the worker, then painted (a new page, its image), then the next drawn
    expected: list = []
    for e in drawn:
        expected += [e, "image"] if e[1] == 0 else [e, "page", "image"]
    assert events == expected
    assert max(alive for _, _, alive in drawn) <= 1  # at most the page just painted is still held
    assert len(PdfReader(str(tmp_path / "papel.pdf")).pages) == pages
    assert [d["destination"] for d in _print_entries(qtbot, win, case_id)] == ["printer"]


def test_print_to_a_pdf_file_writes_the_summary_itself(qtbot, unlocked, sample, monkeypatch, tmp_path):
    win = unlocked
    rendered: list = []
    case_id = _long_case(qtbot, win, sample)
    dialog = _open(qtbot, win, case_id, monkeypatch, rendered)
    rendered.clear()
    data = print_to_pdf_printer(qtbot, dialog, tmp_path / "impreso.pdf")
    wait_idle(qtbot, win)
    assert rendered == []  # no page images
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == len(dialog.pdf_pages) and len(data) < 1_000_000
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert case_id in text and f"Línea ficticia {LINES - 1:04d}" in text  # the text, not pictures of it
    assert (tmp_path / "impreso.pdf").stat().st_mode & 0o777 == 0o600
    assert [d["destination"] for d in _print_entries(qtbot, win, case_id)] == ["file"]
