"""Print a case summary: official copy, redacted copy for an institution or the copy the
person keeps; Spanish or English; a preview, then Qt's print dialog or "save PDF" where the
officer chooses. Every print and save is audited by the core, whichever the copy; the
preview is not (``prepare``): of the refusals, only a print or save attempt is audited.

The PDF is made by the core (``intake_app.printing``) on the worker and exists only in
memory; pages are drawn with PDFium (``pypdfium2``), also on the worker, from those bytes,
one page at a time: the preview draws a page when it comes into sight, and a print paints
each page before the next is drawn (a page at 200 dpi is about 12 MB: all of a 170-page
summary at once took 3 GB). "Print to file" in Qt's print dialog gets the summary's own PDF,
as «Guardar PDF» does (text kept, audited as a file), not page images. A copy the person's
consent does not cover is refused with the reason, and nothing is printed."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRect, Qt, Signal
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import (
    QComboBox, QDialog, QFormLayout, QFrame, QHBoxLayout, QPushButton, QScrollArea, QStyle,
    QVBoxLayout, QWidget,
)

from .file_dialogs import ask_save_path, inner_file_dialogs_forgotten
from .text import lang, tr
from .page_preview import PreviewArea
from .widgets import (
    ElidedComboBox, busy_bar, describe_problem, fit_window, free_area, heading, message_label, muted, show_message,
)

PERSON_LANGUAGES = ("es", "en")  # the document languages; Spanish when the person speaks neither
PREVIEW_SCALE = 1.1  # about 80 dpi: a whole page width on a laptop screen
PRINT_DPI = 200
MIN_CHARS = 12  # a choice box is never narrower than this many characters
SIDE_SHARE = 0.45  # the side panel takes at most this share of the screen's width; the rest is the preview
PREVIEW_ROOM = 740  # a page at PREVIEW_SCALE (A4: 655 px), its frame, the scroll bar and the margins


def page_sizes(pdf: bytes, scale: float) -> list[tuple[int, int]]:
    """(width, height) of each page rendered at ``scale``, as PDFium sizes them; on the worker."""
    import math

    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        sizes = []
        for i in range(len(doc)):
            page = doc[i]
            width, height = page.get_size()
            page.close()
            sizes.append((math.ceil(width * scale), math.ceil(height * scale)))
        return sizes
    finally:
        doc.close()


def render_page(pdf: bytes, index: int, scale: float) -> tuple:
    """(width, height, channels, stride, RGB(A) bytes) of one page; on the worker (PDFium is
    used from that one thread only), in memory only."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        page = doc[index]
        bitmap = page.render(scale=scale, rev_byteorder=True)  # RGB byte order
        channels = 4 if len(bitmap.mode) == 4 else 3
        out = (bitmap.width, bitmap.height, channels, bitmap.stride, bytes(bitmap.buffer))
        bitmap.close()
        page.close()
        return out
    finally:
        doc.close()


def pdf_file(printer) -> str | None:
    """The file a printer writes a PDF to ("Print to file" in Qt's print dialog), or None."""
    from PySide6.QtPrintSupport import QPrinter

    if isinstance(printer, QPrinter) and printer.outputFormat() == QPrinter.OutputFormat.PdfFormat:
        return printer.outputFileName() or None
    return None


def to_image(page) -> QImage:
    width, height, channels, stride, data = page
    fmt = QImage.Format.Format_RGBA8888 if channels == 4 else QImage.Format.Format_RGB888
    return QImage(data, width, height, stride, fmt).copy()


class PrintDialog(QDialog):
    preview_ready = Signal()
    refused = Signal(str)
    output_done = Signal(str)  # "printed" / "saved" (not "done": that name would hide QDialog.done(int))

    def __init__(self, backend, cb, record, parent=None) -> None:
        super().__init__(parent)
        self.backend, self.cb, self.record = backend, cb, record
        self.setWindowTitle(tr("ui.print.window"))
        self.pdf_pages: list[tuple[int, int]] = []  # the preview's page sizes (pixels at PREVIEW_SCALE)
        self._pdf = b""  # the preview's PDF, its pages drawn as they come into sight
        self._asked = 0
        root = QHBoxLayout(self)
        panel = QVBoxLayout()  # the choices and their help: they scroll when the screen is short
        panel.setContentsMargins(0, 0, 0, 0)
        panel.addWidget(heading(tr("ui.print.title"), 2))
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        self.copy = ElidedComboBox()  # "…" and a tooltip if a panel is ever too narrow: never a word cut in half
        self.copy.addItem(tr("ui.print.official"), "official")
        self.copy.addItem(tr("ui.print.redacted"), "redacted")
        self.copy.addItem(tr("ui.print.person"), "person")
        self.recipient = ElidedComboBox()
        for term in cb.vocab("institutions").terms:
            self.recipient.addItem(term.label(lang()), term.code)
        self.purpose = ElidedComboBox()
        from intake_app.printing.summary import redacted_purposes

        for term in redacted_purposes(cb):  # never statistics or research: one person's record
            self.purpose.addItem(term.label(lang()), term.code)
        self.language = QComboBox()
        self.language.addItem(tr("ui.lang.es"), "es")
        self.language.addItem(tr("ui.lang.en"), "en")
        self.language.setCurrentIndex(0 if lang() == "es" else 1)
        # named, not only labelled: Windows and macOS screen readers read a buddy label's combo by its value
        for combo, key in ((self.copy, "ui.print.copy"), (self.recipient, "ui.print.recipient"),
                           (self.purpose, "ui.print.purpose"), (self.language, "ui.print.language")):
            combo.setAccessibleName(tr(key))
            combo.setMinimumContentsLength(MIN_CHARS)  # the panel's width decides, not the longest name
        form.addRow(tr("ui.print.copy"), self.copy)
        form.addRow(tr("ui.print.recipient"), self.recipient)
        form.addRow(tr("ui.print.purpose"), self.purpose)
        form.addRow(tr("ui.print.language"), self.language)
        panel.addLayout(form)
        panel.addWidget(muted(tr("ui.print.help")))
        panel.addWidget(muted(tr("ui.print.person_help")))
        panel.addStretch(1)
        choices = QWidget()
        choices.setLayout(panel)
        self.choices = QScrollArea()
        self.choices.setObjectName("print_choices")
        self.choices.setWidgetResizable(True)
        self.choices.setFrameShape(QFrame.Shape.NoFrame)
        self.choices.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes to the choices themselves (scrolled into view)
        self.choices.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.choices.setWidget(choices)
        self.choices.setStyleSheet("QScrollArea#print_choices, QScrollArea#print_choices > QWidget > QWidget"
                                   " { background: transparent; }")
        side = QVBoxLayout()
        side.addWidget(self.choices, 1)
        self.busy = busy_bar()
        side.addWidget(self.busy)
        self.message = message_label()  # a refusal stays in sight, next to the buttons
        side.addWidget(self.message)
        self.print_button = QPushButton(tr("ui.print.print"))
        self.print_button.setObjectName("primary")
        self.save_button = QPushButton(tr("ui.print.save"))
        close = QPushButton(tr("ui.print.close"))
        for b in (self.print_button, self.save_button, close):
            side.addWidget(b)  # below the scrolling part: always on the screen
        self.side = QWidget()
        self.side.setObjectName("print_side")
        self.side.setLayout(side)
        root.addWidget(self.side)
        self.preview = PreviewArea()
        self.preview.setAccessibleName(tr("ui.print.preview_area"))
        root.addWidget(self.preview, 1)
        for combo in (self.copy, self.recipient, self.purpose, self.language):
            if combo is not self.copy:
                combo.currentIndexChanged.connect(lambda _: self.refresh())
            combo.view().setMinimumWidth(combo.view().sizeHintForColumn(0) + 32)  # the open list: whole names
        self.copy.currentIndexChanged.connect(lambda _: self._copy_changed())
        self.print_button.clicked.connect(self._print)
        self.save_button.clicked.connect(self._save)
        close.clicked.connect(self.reject)
        self.finished.connect(lambda _: self._empty())
        self.fit()
        self.refresh()

    def _empty(self) -> None:
        """Closed: the pages, the PDF and the record go now, not when Python's cyclic gc next
        runs (a closed preview is never shown again; a print or save already on the worker
        keeps what its job took, and still ends with its signal)."""
        self._asked += 1  # a preview still on its way is not shown
        self.preview.show_pages([])
        self.pdf_pages, self._pdf, self.record = [], b"", None

    def fit(self, available: QRect | None = None) -> None:
        """As large as a page and the choices need (1120×780 at the normal font), within the
        screen's free area (``available``; the screen's own when None); the side panel as
        wide as the longest copy name, at least 360 px, at most SIDE_SHARE of the screen."""
        available = free_area(self) if available is None else available
        self.ensurePolished()
        margins = self.side.layout().contentsMargins()
        bar = self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        want = margins.left() + margins.right() + bar + self.copy.sizeHint().width()  # the longest copy name
        side = max(360, min(want, int(available.width() * SIDE_SHARE)))
        self.side.setFixedWidth(side)
        fit_window(self, max(1120, side + PREVIEW_ROOM), 780, available, by_font=False)  # a page keeps its size

    def options(self) -> dict:
        redacted = self.copy.currentData() == "redacted"
        return {"copy": self.copy.currentData(), "recipient": self.recipient.currentData() if redacted else None,
                "lang": self.language.currentData(), "purpose": self.purpose.currentData()}

    def person_language(self) -> str:
        """The document language for the person's own copy: the one they speak, if the
        catalogs have it (primary language, then the interview's), else Spanish."""
        content = getattr(self.record, "content", None) or {}
        for key in ("primary_language", "interview_language"):
            if content.get(key) in PERSON_LANGUAGES:
                return content[key]
        return PERSON_LANGUAGES[0]

    def _copy_changed(self) -> None:
        if self.copy.currentData() == "person":
            self.language.blockSignals(True)
            self.language.setCurrentIndex(self.language.findData(self.person_language()))
            self.language.blockSignals(False)
        self.refresh()

    def _tell(self, text: str, concerned: tuple = (), kind: str = "error") -> None:
        """The message beside the buttons; a problem also in the description of the widgets
        it concerns (a refusal: the copy, recipient and purpose choices), so a screen reader
        says it with the one that has the keyboard; gone from them when the message goes."""
        show_message(self.message, text, kind)
        for widget in (self.copy, self.recipient, self.purpose, self.print_button, self.save_button):
            describe_problem(widget, text if widget in concerned else "")

    def _set_ready(self, ready: bool) -> None:
        self.print_button.setEnabled(ready)
        self.save_button.setEnabled(ready)

    # --- preview ------------------------------------------------------------------------
    def refresh(self) -> None:
        redacted = self.copy.currentData() == "redacted"
        self.recipient.setEnabled(redacted)
        self.purpose.setEnabled(redacted)
        self._set_ready(False)
        self.busy.show()
        case_id, opts = self.record.case_id, self.options()

        def job(s):
            from intake_app.printing import prepare

            result = prepare(s.require(), case_id, **opts)  # a preview: a refusal here is shown, not audited
            return result.pdf, page_sizes(result.pdf, PREVIEW_SCALE)

        self._asked += 1
        asked = self._asked

        def shown(result):
            if asked == self._asked:  # a newer choice is on its way: skip this one
                self._show_pages(*result)

        def refused(err):
            if asked == self._asked:
                self._refused(err)

        self.backend.op(job, self).success(shown).failure(refused).run()

    def _show_pages(self, pdf: bytes, sizes: list) -> None:
        """The pages, blank until drawn: the first at once (``preview_ready`` once it is
        shown), the others as they come into sight."""
        self._tell("")
        self._pdf, self.pdf_pages = pdf, sizes
        self.preview.show_pages(sizes, self._draw_page)
        if sizes:
            self.preview.draw(0)
        else:
            self.busy.hide()
            self.preview_ready.emit()

    def _draw_page(self, index: int) -> None:
        pdf = self._pdf

        def drawn(page):
            if pdf is not self._pdf:  # another copy or language is shown now
                return
            self.preview.set_page(index, to_image(page))
            if index == 0:
                self.busy.hide()
                self._set_ready(True)
                self.preview_ready.emit()

        def failed(err):
            if pdf is self._pdf:
                self._refused(err)

        self.backend.op(lambda s: render_page(pdf, index, PREVIEW_SCALE), self).quiet().success(drawn) \
            .failure(failed).run()

    def _refused(self, err: BaseException) -> None:
        from intake_app.printing import describe_print_error

        self.busy.hide()
        self._set_ready(False)
        self.preview.show_pages([])
        self.pdf_pages, self._pdf = [], b""
        text = describe_print_error(err, lang())
        self._tell(text, (self.copy, self.recipient, self.purpose))
        self.refused.emit(text)

    # --- print and save -----------------------------------------------------------------
    def _print(self) -> None:
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        with inner_file_dialogs_forgotten():  # "Print to file" has a browse button: Qt's file dialog
            dialog = QPrintDialog(printer, self)
            accepted = dialog.exec() == QDialog.DialogCode.Accepted
        if not accepted:
            return
        self.print_to(printer)

    def print_to(self, printer) -> None:
        """Render (audited as a print) on the worker, then paint the pages on ``printer`` one
        at a time. A PDF file as the printer ("Print to file") gets the summary's PDF itself."""
        path = pdf_file(printer)
        if path is not None:
            self.save_to(path)  # text kept, a few hundred KB, audited as a file
            return
        case_id, opts = self.record.case_id, self.options()
        self.busy.show()

        def job(s):
            from intake_app.printing import render_summary

            pdf = render_summary(s.require(), case_id, destination="printer", **opts)
            return pdf, len(page_sizes(pdf, 1))

        self.backend.op(job, self).success(lambda r: self._paint(printer, *r)).failure(self._refused).run()

    def _paint(self, printer, pdf: bytes, count: int) -> None:
        """Page n drawn on the worker, painted here, then page n + 1: one page image at a time."""
        painter = QPainter(printer)

        def ask(index: int) -> None:
            self.backend.op(lambda s: render_page(pdf, index, PRINT_DPI / 72), self) \
                .success(lambda page: paint(index, page)).failure(failed).run()

        def paint(index: int, page) -> None:
            try:
                if index:
                    printer.newPage()
                image = to_image(page)
                target = painter.viewport()
                size = image.size().scaled(target.size(), Qt.AspectRatioMode.KeepAspectRatio)
                painter.setViewport(target.x(), target.y(), size.width(), size.height())
                painter.setWindow(image.rect())
                painter.drawImage(0, 0, image)
                painter.setViewport(target)
            except Exception as err:  # noqa: BLE001 - said to the officer, and the painter is ended
                failed(err)
                return
            if index + 1 < count:
                ask(index + 1)
                return
            painter.end()
            self.busy.hide()
            self._tell(tr("ui.print.printed"), kind="ok")
            self.output_done.emit("printed")

        def failed(err: BaseException) -> None:
            from intake_app.printing import describe_print_error

            painter.end()
            self.busy.hide()
            self._tell(describe_print_error(err, lang()), (self.print_button,))

        ask(0)

    def _save(self) -> None:
        path = ask_save_path(self, tr("ui.print.save_title"), tr("ui.print.pdf_filter"),
                             f"{self.record.case_id}.pdf")  # the case id only: never a name
        if path:
            self.save_to(path)

    def save_to(self, path: str) -> None:
        case_id, opts = self.record.case_id, self.options()
        self.busy.show()

        def job(s):
            from intake_app.printing import print_summary

            print_summary(s.require(), case_id, path, **opts)

        def saved(_):
            self.busy.hide()
            self._tell(tr("ui.print.saved"), kind="ok")
            self.output_done.emit("saved")

        self.backend.op(job, self).success(saved).failure(lambda err: self._save_failed(err, path)).run()

    def _save_failed(self, err: BaseException, path: str) -> None:
        """The folder is missing or read-only: worded as the CLI words it (not "internal
        error", never the temporary name); the preview stays for another folder."""
        if not isinstance(err, OSError) or err.filename is None or Path(err.filename).parent != Path(path).parent:
            self._refused(err)
            return
        self.busy.hide()
        text = tr("print.cli.out_unwritable", path=path)
        self._tell(text, (self.save_button,))
        self.refused.emit(text)
