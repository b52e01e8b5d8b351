"""A row of buttons that wraps onto more rows when the window is narrow (the form's
"Cerrar (se guarda el borrador) · ← Anterior · Siguiente → · Guardar caso" needed 644 px
in one row; a 1024 px screen has no room for that beside the steps and the screening panel).

Like a ``QHBoxLayout`` with one ``addStretch``: what comes before the stretch sits at the
left, what comes after it at the right. When they do not share a row, the right part takes
the next row (at the right), kept together while it fits; only a part wider than the whole
row wraps button by button. The keyboard's order is the order the buttons were added in."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QLayout, QLayoutItem, QSizePolicy, QStyle, QWidget


class FlowRow(QLayout):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._split: int | None = None  # index of the first item after the stretch

    # --- building -------------------------------------------------------------------------
    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def addStretch(self) -> None:
        self._split = len(self._items)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        if not 0 <= index < len(self._items):
            return None
        if self._split is not None and index < self._split:
            self._split -= 1
        return self._items.pop(index)

    # --- sizes ------------------------------------------------------------------------------
    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._place(QRect(0, 0, width, 0), move=False)

    def sizeHint(self) -> QSize:
        shown = [i for i in self._items if not i.isEmpty()]
        width = sum(i.sizeHint().width() for i in shown) + self._gap() * max(0, len(shown) - 1)
        height = max((i.sizeHint().height() for i in shown), default=0)
        return self._with_margins(QSize(width, height))

    def minimumSize(self) -> QSize:
        """The widest button: every button keeps its whole text."""
        shown = [i for i in self._items if not i.isEmpty()]
        width = max((i.sizeHint().width() for i in shown), default=0)
        height = max((i.sizeHint().height() for i in shown), default=0)
        return self._with_margins(QSize(width, height))

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._place(rect, move=True)

    # --- placing ----------------------------------------------------------------------------
    def _gap(self) -> int:
        if self.spacing() >= 0:
            return self.spacing()
        parent = self.parentWidget()
        style = parent.style() if parent is not None else None
        if style is None:
            return 6
        gap = style.layoutSpacing(QSizePolicy.ControlType.PushButton, QSizePolicy.ControlType.PushButton,
                                  Qt.Orientation.Horizontal)
        return gap if gap >= 0 else style.pixelMetric(QStyle.PixelMetric.PM_LayoutHorizontalSpacing)

    def _with_margins(self, size: QSize) -> QSize:
        m = self.contentsMargins()
        return size + QSize(m.left() + m.right(), m.top() + m.bottom())

    def _rows(self, width: int) -> list[tuple[list[QLayoutItem], list[QLayoutItem]]]:
        """Rows of (left items, right items)."""
        split = len(self._items) if self._split is None else self._split
        left = [i for i in self._items[:split] if not i.isEmpty()]
        right = [i for i in self._items[split:] if not i.isEmpty()]
        rows = [(chunk, []) for chunk in self._pack(left, width)]
        if not right:
            return rows or [([], [])]
        gap = self._gap()
        together = self._width(right)
        if rows and self._width(rows[-1][0]) + gap + together <= width:
            rows[-1] = (rows[-1][0], right)
        elif together <= width:
            rows.append(([], right))
        else:
            rows.extend(([], chunk) for chunk in self._pack(right, width))
        return rows

    def _width(self, items: list[QLayoutItem]) -> int:
        return sum(i.sizeHint().width() for i in items) + self._gap() * max(0, len(items) - 1)

    def _pack(self, items: list[QLayoutItem], width: int) -> list[list[QLayoutItem]]:
        rows: list[list[QLayoutItem]] = []
        for item in items:
            if rows and self._width(rows[-1] + [item]) <= width:
                rows[-1].append(item)
            else:
                rows.append([item])
        return rows

    def _place(self, rect: QRect, move: bool) -> int:
        m = self.contentsMargins()
        area = rect.adjusted(m.left(), m.top(), -m.right(), -m.bottom())
        gap, y = self._gap(), area.y()
        rows = self._rows(area.width())
        for left, right in rows:
            height = max((i.sizeHint().height() for i in left + right), default=0)
            if move:
                x = area.x()
                for item in left:
                    x = self._put(item, x, y, area.width(), height) + gap
                x = area.right() + 1 - self._width(right)
                for item in right:
                    x = self._put(item, max(area.x(), x), y, area.width(), height) + gap
            y += height + gap
        return y - gap - area.y() + m.top() + m.bottom() if rows else m.top() + m.bottom()

    @staticmethod
    def _put(item: QLayoutItem, x: int, y: int, room: int, height: int) -> int:
        size = item.sizeHint()
        width = min(size.width(), room)
        item.setGeometry(QRect(QPoint(x, y + (height - size.height()) // 2), QSize(width, size.height())))
        return x + width
