"""The print dialog's preview: the rendered pages one under the other, each at the size it
was rendered or, in a preview narrower than a page (a small or scaled screen), shrunk to its
width: a page is never cut on the right, and the officer only scrolls down."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

MIN_WIDTH = 240  # narrower than this a page cannot be read: it scrolls sideways instead


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
        self._shown: list[tuple[QLabel, QImage]] = []

    def show_pages(self, images: list[QImage]) -> None:
        """These pages instead of the ones shown (none: an empty preview)."""
        while self.box.count():
            w = self.box.takeAt(0).widget()
            if w is not None:
                w.setParent(None)
                w.deleteLater()
        self._shown = []
        for image in images:
            label = QLabel()
            label.setStyleSheet("background: white; border: 1px solid #9fb3c8;")
            self.box.addWidget(label)
            self._shown.append((label, image))
        self._fit()

    def page_widths(self) -> list[int]:
        return [label.pixmap().width() for label, _ in self._shown]

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        margins = self.box.contentsMargins()
        bar = self.verticalScrollBar().sizeHint().width()  # the bar may come with the pages: room for it
        room = max(MIN_WIDTH, self.viewport().width() - margins.left() - margins.right() - bar - 2)  # 2: the border
        for label, image in self._shown:
            width = min(image.width(), room)
            current = label.pixmap()
            if current is not None and not current.isNull() and current.width() == width:
                continue
            pixmap = QPixmap.fromImage(image)
            if width < image.width():
                pixmap = pixmap.scaledToWidth(width, Qt.TransformationMode.SmoothTransformation)
            label.setPixmap(pixmap)
