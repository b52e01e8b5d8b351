"""The form's column of steps and the scroll area of one step, sized for a 1024 px screen
as well as a wide one."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRect, QSize, Qt
from PySide6.QtWidgets import QListWidget, QScrollArea

WIDTH, MIN_WIDTH = 230, 170  # the list's width at 1280 px; its labels wrap narrower (fit)


class StepList(QListWidget):
    """The form's steps, each as tall as its wrapped label at the list's present width (Qt
    measured a label once, at whatever width the list had then, and cut it later:
    "6. Tráfico ilícito de …")."""

    PAD_X, PAD_Y = 20, 18  # the item padding of the style sheet (#steps::item), both sides

    def minimumSizeHint(self) -> QSize:
        """170 px, or more when its longest word needs it (a larger font): a word is never cut
        ("1. Consentimie")."""
        self.ensurePolished()  # the style sheet's border and padding are in the frame width
        metrics = self.fontMetrics()
        word = max((metrics.horizontalAdvance(w) for i in range(self.count()) for w in self.item(i).text().split()),
                   default=0)
        chrome = 2 * self.frameWidth() + self.verticalScrollBar().sizeHint().width()
        return QSize(max(MIN_WIDTH, word + self.PAD_X + chrome), super().minimumSizeHint().height())

    def fit(self) -> None:
        width = max(60, self.viewport().width() - self.PAD_X)
        metrics = self.fontMetrics()
        for i in range(self.count()):
            item = self.item(i)
            box = metrics.boundingRect(QRect(0, 0, width, 10_000), Qt.TextFlag.TextWordWrap, item.text())
            item.setSizeHint(QSize(width, box.height() + self.PAD_Y))

    def sizeHint(self) -> QSize:  # as wide as it was at 1280 px; narrower on a smaller screen
        return QSize(max(WIDTH, self.minimumSizeHint().width()), super().sizeHint().height())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.fit()


class StepScroll(QScrollArea):
    """A step's scroll area: it scrolls up and down only, so it asks for the width its
    widest field needs (shown or not yet: skip logic may show it later) plus the scroll
    bar; the splitter then never squeezes a step into cutting its check boxes (they wrap: a
    check box asks for its longest word), nor a referral line added later."""

    def setWidget(self, widget) -> None:
        super().setWidget(widget)
        widget.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:
        if watched is self.widget() and event.type() == QEvent.Type.LayoutRequest:
            self.updateGeometry()  # a field shown or a line added may need more width than before
        return super().eventFilter(watched, event)

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        return QSize(max(hint.width(), self._widest(lambda w: w.minimumSizeHint().width())), hint.height())

    def comfort_width(self) -> int:
        """The width the step takes where there is room: its check boxes on one line
        (``Editor.comfort_width``); they wrap only when the window is too narrow for that."""
        def comfort(widget) -> int:
            least = widget.minimumSizeHint().width()
            editor = getattr(widget, "editor", None)
            if editor is None or widget.layout() is None:
                return least
            margins = widget.layout().contentsMargins()
            return max(least, editor.comfort_width() + margins.left() + margins.right())

        return max(self.minimumSizeHint().width(), self._widest(comfort))

    def _widest(self, width_of) -> int:
        """The widest field by ``width_of``, with the page's margins, the frame and the scroll bar."""
        page = self.widget()
        if page is None or page.layout() is None:
            return 0
        layout = page.layout()
        margins = layout.contentsMargins()
        widest = max((width_of(item.widget()) for item in map(layout.itemAt, range(layout.count()))
                      if item.widget() is not None), default=0)
        extra = 2 * self.frameWidth() + self.verticalScrollBar().sizeHint().width()
        return widest + margins.left() + margins.right() + extra
