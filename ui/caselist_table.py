"""The case list's table: its column widths, fitted to the screen, and its row heights.

The widths come from the fonts in use and sample texts (``column_widths``); on a narrow
screen the columns other than the post give up width (``fit_widths``) before the post goes
below a typical post name; a row whose indications need more than one line is as tall as
they need (``CaseTable.fit_rows``). The rows themselves are ``ui.caselist_model``'s.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QHeaderView, QStyle, QTableView

from .caselist_model import HEADERS, Column, flag_text, id_font
from .text import lang, tr

PAD = 24  # a column's room around its sample text: cell margins and the sort indicator
LEAST_PAD = 12  # the least room: the delegate's text margins and the grid line
HEADING_PAD = 16  # a heading's room: the sheet's 6 px padding each side and the border


def fit_widths(preferred: dict, least: dict, room: int) -> tuple[dict, bool]:
    """The widths of the columns other than the post, and whether the post can take the rest.

    With ``room`` for all, every column keeps its preferred width and the post stretches. If
    not, each other column gives up the same share of what it can spare (``preferred - least``)
    until the post has its least width; if even that is too little, all go to their least and
    the post keeps its least (the list then scrolls sideways rather than cut the post)."""
    others = [c for c in preferred if c != Column.POST]
    deficit = least[Column.POST] + sum(preferred[c] for c in others) - room
    if deficit <= 0:
        return {c: preferred[c] for c in others}, True
    spare = {c: preferred[c] - least[c] for c in others}
    total = sum(spare.values())
    if deficit > total:
        return {c: least[c] for c in others}, False
    # each gives up its share, rounded up, so the post keeps at least its least width
    return {c: preferred[c] - -(-spare[c] * deficit // total) for c in others}, True


class CaseTable(QTableView):
    """The list's table: the post column takes the spare width, and on a narrow screen the
    other columns shrink (``fit_widths``) before it goes below a typical post name. The
    indications never end in "…" (a flag would be hidden): a row whose indications need more
    than one line at the column's width is as tall as they need (``fit_rows``)."""

    def __init__(self) -> None:
        super().__init__()
        self.preferred: dict = {}
        self.least: dict = {}
        self._fitted = -1  # the viewport width last fitted: a user's own widths stay until it changes
        self._tall: set[int] = set()  # rows made taller for their indications
        self.setWordWrap(True)
        self.horizontalHeader().sectionResized.connect(
            lambda col, _old, _new: self.fit_rows() if col == Column.FLAGS else None)

    def setModel(self, model) -> None:
        super().setModel(model)
        model.modelReset.connect(self._reset_rows)
        model.dataChanged.connect(lambda *_: self.fit_rows())

    def _reset_rows(self) -> None:
        self._tall.clear()  # the header gave every row its default height again
        self.fit_rows()

    def fit_rows(self) -> None:
        model = self.model()
        if model is None:
            return
        margin = self.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, self) + 1
        room = max(1, self.columnWidth(Column.FLAGS) - 2 * margin)
        metrics = QFontMetrics(self.font())
        one = self.verticalHeader().defaultSectionSize()
        heights: dict[int, int] = {}  # by flags: a handful of texts for thousands of rows

        def height(flags: int) -> int:
            if flags not in heights:
                text = flag_text(flags)
                wrapped = metrics.boundingRect(QRect(0, 0, room, 10_000), Qt.TextFlag.TextWordWrap, text).height()
                heights[flags] = one if metrics.horizontalAdvance(text) <= room else one + wrapped - metrics.height()
            return heights[flags]

        tall = set()
        for row, r in model.loaded_rows():
            need = height(r.flags) if r is not None else one
            if need == one:
                continue
            tall.add(row)
            if self.rowHeight(row) != need:
                self.setRowHeight(row, need)
        for row in self._tall - tall:  # wide enough again (or no longer loaded): one line
            if row < model.rowCount():
                self.setRowHeight(row, one)
        self._tall = tall

    def set_widths(self, preferred: dict, least: dict) -> None:
        self.preferred, self.least = preferred, least
        self._fitted = -1
        self.fit_columns()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.fit_columns()

    def fit_columns(self) -> None:
        room = self.viewport().width()
        if not self.preferred or room == self._fitted:
            return
        self._fitted = room
        widths, stretch = fit_widths(self.preferred, self.least, room)
        for col, width in widths.items():
            self.setColumnWidth(col, width)
        header = self.horizontalHeader()
        if stretch:
            header.setSectionResizeMode(Column.POST, QHeaderView.ResizeMode.Stretch)
        else:
            header.setSectionResizeMode(Column.POST, QHeaderView.ResizeMode.Interactive)
            self.setColumnWidth(Column.POST, self.least[Column.POST])



def column_widths(table: QTableView, cb) -> tuple[dict, dict]:
    """Each column's preferred and least width, from the fonts in use (so a case id is
    never cut whatever the screen's scaling) and sample texts: the least shows a typical
    value and the whole heading; the post's is a typical post name."""
    metrics = table.fontMetrics()
    bold = QFont(table.horizontalHeader().font())
    bold.setWeight(QFont.Weight.DemiBold)  # the sheet's heading weight
    width, heading = metrics.horizontalAdvance, QFontMetrics(bold).horizontalAdvance
    case = QFontMetrics(id_font()).horizontalAdvance("0000-0000-0000") + PAD
    post = max(width(cb.vocab("border_posts").label("cr_paso_canoas", lang())) + PAD,
               heading(tr(HEADERS[Column.POST])) + HEADING_PAD)
    preferred, least = {Column.CASE: case, Column.POST: post}, {Column.CASE: case, Column.POST: post}
    flags = ", ".join(tr(k) for k in ("ui.flag.smuggling", "ui.flag.urgent"))
    sync = max((tr("sync." + k) for k in ("pending", "sent", "delivered")), key=len)
    # column: (the sample of its preferred width, a typical value)
    samples = {Column.DATE: ("00/00/0000", "00/00/0000"),
               Column.SEX: ("Masculino", cb.vocab("genders").label("female", lang())),
               Column.AGE: ("48 o más", max((t.label(lang()) for t in cb.vocab("age_bands").terms), key=width)),
               Column.NATIONALITY: ("Rep. Dominicana", "Venezuela"),
               Column.FLAGS: ("tráfico, urgente, menor", flags), Column.SYNC: (sync, tr("sync.pending"))}
    for col, (sample, typical) in samples.items():
        preferred[col] = max(width(sample), width(tr(HEADERS[col]))) + PAD
        least[col] = min(preferred[col], max(width(typical) + LEAST_PAD, heading(tr(HEADERS[col])) + HEADING_PAD))
    return preferred, least
