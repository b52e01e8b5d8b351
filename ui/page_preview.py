"""The print dialog's preview: the pages one under the other, each at the size it was
rendered or, in a preview narrower than a page (a small or scaled screen), shrunk to its
width: a page is never cut on the right, and the officer only scrolls down.

A page is drawn only once it comes into sight (Qt paints only what is in the viewport, and a
page asks only once the layout has placed it there: while the pages are being laid out they
can all be painted at the top, and a busy laptop once drew 13 pages for one in sight), and
only the last KEEP pages drawn keep their images: a summary of 170 pages once held every page
as an image (over a gigabyte) and took a minute to show."""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QPoint, QRect, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap
from PySide6.QtWidgets import QScrollArea, QVBoxLayout, QWidget

MIN_WIDTH = 240  # narrower than this a page cannot be read: it scrolls sideways instead
KEEP = 6  # page images kept: those in sight and the last ones seen; the others are drawn again
PAPER, EDGE = QColor("white"), QColor("#9fb3c8")


class PageView(QWidget):
    """One page: white with a border until its image comes (``PreviewArea.set_page``)."""

    def __init__(self, area: "PreviewArea", index: int, size: tuple[int, int]) -> None:
        super().__init__()
        self.area, self.index, self.rendered = area, index, QSize(*size)
        self.pixmap: QPixmap | None = None
        self.set_width(size[0])

    def set_width(self, width: int) -> None:
        """The page at ``width`` pixels (its image shrunk, never widened), plus its border."""
        height = round(self.rendered.height() * width / self.rendered.width())
        self.setFixedSize(width + 2, height + 2)
        if self.pixmap is not None and self.pixmap.width() != width:
            self.area.scale(self)

    def page_width(self) -> int:
        return self.width() - 2

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), EDGE)
        inner = self.rect().adjusted(1, 1, -1, -1)
        if self.pixmap is None:
            painter.fillRect(inner, PAPER)
            painter.end()
            self.area.wanted(self.index)  # in sight: drawn now
            return
        painter.drawPixmap(inner.topLeft(), self.pixmap)
        painter.end()
        self.area.seen(self.index)


class PreviewArea(QScrollArea):
    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("preview")
        self.setWidgetResizable(True)
        self.setStyleSheet("QScrollArea#preview { background: #d9e2ec; }")
        self.box = QVBoxLayout()
        self.box.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        inner = QWidget()
        inner.setLayout(self.box)
        self.setWidget(inner)
        self._pages: list[PageView] = []
        self._images: dict[int, QImage] = {}  # the pages drawn, in the order last seen (at most KEEP)
        self._asked: set[int] = set()
        self._painted: set[int] = set()  # pages painted blank since the last look at what is in sight
        self._render: Callable[[int], None] | None = None

    def show_pages(self, sizes: list[tuple[int, int]], render: Callable[[int], None] | None = None) -> None:
        """Pages of these rendered sizes (none: an empty preview) instead of the ones shown.
        ``render(n)`` is asked for page n when it comes into sight; its image is handed back to
        ``set_page``."""
        while self.box.count():
            w = self.box.takeAt(0).widget()
            if w is not None:
                w.setParent(None)
                w.deleteLater()
        self._pages, self._images, self._asked, self._render = [], {}, set(), render
        self._painted.clear()
        for n, size in enumerate(sizes):
            page = PageView(self, n, size)
            self.box.addWidget(page)
            self._pages.append(page)
        self._fit()

    def set_page(self, index: int, image: QImage) -> None:
        """The image of page ``index``, asked for by ``render`` (a page no longer shown: ignored)."""
        if index not in self._asked:
            return
        self._asked.discard(index)
        self._images[index] = image
        self.scale(self._pages[index])
        self._pages[index].update()
        self._forget()

    def drawn(self) -> list[int]:
        """The pages whose images are held (tests)."""
        return sorted(self._images)

    def page_widths(self) -> list[int]:
        return [page.page_width() for page in self._pages]

    def draw(self, index: int) -> None:
        """Ask ``render`` for page ``index`` now (once until its image comes)."""
        if index in self._asked or self._render is None:
            return
        self._asked.add(index)
        self._render(index)

    def wanted(self, index: int) -> None:
        """Page ``index`` was painted blank: drawn if, once the events queued so far (the
        layout's among them) are handled, it is still in the viewport."""
        if not self._painted:
            QTimer.singleShot(0, self._draw_in_sight)
        self._painted.add(index)

    def _draw_in_sight(self) -> None:
        painted, self._painted = self._painted, set()
        sight = self.viewport().rect()
        for index in sorted(painted):
            page = self._pages[index] if index < len(self._pages) else None
            if page is not None and page.pixmap is None and page.isVisible() and \
                    QRect(page.mapTo(self.viewport(), QPoint(0, 0)), page.size()).intersects(sight):
                self.draw(index)

    def seen(self, index: int) -> None:
        """Page ``index`` painted: the last one seen, so the last to be forgotten."""
        if index in self._images:
            self._images[index] = self._images.pop(index)

    def scale(self, page: PageView) -> None:
        image = self._images.get(page.index)
        if image is None:
            page.pixmap = None
            return
        pixmap = QPixmap.fromImage(image)
        if page.page_width() < image.width():
            pixmap = pixmap.scaledToWidth(page.page_width(), Qt.TransformationMode.SmoothTransformation)
        page.pixmap = pixmap

    def _forget(self) -> None:
        """Only the KEEP pages seen last keep their images (drawn again if scrolled back to)."""
        while len(self._images) > KEEP:
            index = next(iter(self._images))
            del self._images[index]
            self._pages[index].pixmap = None

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        margins = self.box.contentsMargins()
        bar = self.verticalScrollBar().sizeHint().width()  # the bar may come with the pages: room for it
        room = max(MIN_WIDTH, self.viewport().width() - margins.left() - margins.right() - bar - 2)  # 2: the border
        for page in self._pages:
            width = min(page.rendered.width(), room)
            if page.page_width() != width:
                page.set_width(width)
