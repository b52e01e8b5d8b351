"""The case list: a table model over case rows fetched page by page from the worker.

``rowCount`` is the vault's count, so the scroll bar is true for 100,000 cases; a row
the view asks for and that is not loaded yet shows "…" while its page (200 rows) is
fetched; pages far from view are dropped. The search box asks the vault's full-text
search as you type (names and document numbers); rows never show a name. Each search is
audited once (``record_search``: the count, never the text), when its result has stayed
on screen for ``SETTLE_MS``, or sooner when a result is opened, the box is cleared or
the list is left (another page, the lock); the same text again is not recorded again.
"""

from __future__ import annotations

from collections import OrderedDict
from enum import IntEnum

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QFontDatabase, QFontMetrics
from PySide6.QtWidgets import (
    QApplication, QComboBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QPushButton, QStyle, QTableView,
    QVBoxLayout, QWidget,
)

from .caselist_keep import SEARCH_SHOWN, KeepPlace
from .text import lang, tr
from .widgets import heading, shortcut_tip

PAGE = 200
KEEP_PAGES = 40
SETTLE_MS = 2000  # a search result on screen this long is audited (typing on replaces it)
PAD = 24  # a column's room around its sample text: cell margins and the sort indicator
LEAST_PAD = 12  # the least room: the delegate's text margins and the grid line
HEADING_PAD = 16  # a heading's room: the sheet's 6 px padding each side and the border
FILTERS = ("", "pending", "review", "conflict")
FLAG_KEYS = ((1, "ui.flag.trafficking"), (2, "ui.flag.smuggling"), (8, "ui.flag.urgent"),
             (32, "ui.flag.unaccompanied"))


def flag_text(flags: int) -> str:
    """"trata, urgente, menor no acompañado": a case's indications, as the list shows them."""
    return ", ".join(tr(key) for bit, key in FLAG_KEYS if flags & bit)


def short_country(label: str) -> str:
    """"Venezuela, República Bolivariana de" → "Venezuela" (the list only; the record keeps the full name)."""
    return label.split(",")[0].split(" (")[0]


class Column(IntEnum):
    CASE = 0
    DATE = 1
    POST = 2
    SEX = 3
    AGE = 4
    NATIONALITY = 5
    FLAGS = 6
    SYNC = 7


HEADERS = {Column.CASE: "ui.col.case", Column.DATE: "ui.col.date", Column.POST: "ui.col.post",
           Column.SEX: "ui.col.sex", Column.AGE: "ui.col.age", Column.NATIONALITY: "ui.col.nationality",
           Column.FLAGS: "ui.col.flags", Column.SYNC: "ui.col.sync"}


def _fetch_page(filter_key: str, offset: int):
    def job(s):
        v = s.require()
        rows = v.list_cases(offset, PAGE, filter_key)
        return rows, purged_among(v, [r.case_id for r in rows])
    return job


def purged_among(vault, case_ids: list[str]) -> frozenset[str]:
    """The cases whose identity data was purged here (after delivery): marked in the list."""
    try:
        from intake_app.sync.purge import purged_among as among
    except ImportError:  # a build without sync
        return frozenset()
    return frozenset(among(vault, case_ids))


def _count(filter_key: str):
    def job(s):
        from intake_app.vault.cases import LIST_FILTERS

        where, args = LIST_FILTERS[filter_key]
        return s.require().count_cases(where, args)
    return job


class CaseTableModel(QAbstractTableModel):
    """Rows are ``intake_app.vault.cases.CaseRow``; never a name or a document."""

    loaded = Signal()  # a page or search result arrived (tests wait on this)

    def __init__(self, backend, codebook, parent=None) -> None:
        super().__init__(parent)
        self.backend, self.cb = backend, codebook
        self._filter = ""
        self._search = ""
        self._count = 0
        self._pages: OrderedDict[int, list] = OrderedDict()
        self._pending: set[int] = set()
        self._search_rows: list | None = None
        self.more = False  # the search matched more than SEARCH_SHOWN
        self._purged: set[str] = set()  # case ids shown as purged (identity data removed here)
        self._gen = 0
        self._unrecorded: tuple[str, int] | None = None  # the search on screen not audited yet: text, count
        self._recorded = ""  # the text last audited (a refresh of it is not a new search)
        self._settle = QTimer(self, singleShot=True, interval=SETTLE_MS, timeout=self.record_search)

    # --- what to show ---------------------------------------------------------
    def query(self) -> tuple[str, str]:
        return self._filter, self._search

    def set_filter(self, key: str) -> None:
        self._filter = key
        self.refresh()

    def set_search(self, text: str) -> None:
        self._search = text.strip()
        if not self._search:  # cleared: the search shown until now is recorded, and ends
            self.record_search()
            self._recorded = ""
        self.refresh()

    def record_search(self) -> None:
        """Audit the search on screen, once (the vault records its count, never its text)."""
        self._settle.stop()
        if self._unrecorded is not None:
            (self._recorded, n), self._unrecorded = self._unrecorded, None
            self.backend.op(lambda s: s.require().record_search(n)).quiet().failure(lambda e: None).run()

    def refresh(self) -> None:
        self._gen += 1
        gen = self._gen
        if self._search:
            text = self._search
            self.backend.op(lambda s: s.require().search(text, SEARCH_SHOWN + 1), self).quiet().success(
                lambda rows: self._search_done(gen, rows, text)).failure(lambda e: None).run()
        else:
            self.backend.op(_count(self._filter), self).quiet().success(
                lambda n: self._count_done(gen, n)).failure(lambda e: None).run()

    def clear(self) -> None:
        """Forget every row (on lock)."""
        self.record_search()
        self._gen += 1
        self.beginResetModel()
        self._pages.clear()
        self._pending.clear()
        self._search_rows = None
        self._count = 0
        self.endResetModel()

    def _search_done(self, gen: int, rows: list, text: str = "") -> None:
        if gen != self._gen:
            return
        self.more, rows = len(rows) > SEARCH_SHOWN, rows[:SEARCH_SHOWN]
        self._settle.stop()  # a new search on screen (not the one last audited): audited once it settles
        self._unrecorded = None if text == self._recorded else (text, len(rows))
        if self._unrecorded is not None:
            self._settle.start()
        self.beginResetModel()
        self._search_rows = rows
        self._pages.clear()
        self._pending.clear()
        self.endResetModel()
        self.loaded.emit()

    def _count_done(self, gen: int, n: int) -> None:
        if gen != self._gen:
            return
        self.beginResetModel()
        self._search_rows = None
        self._count = n
        self._pages.clear()
        self._purged.clear()
        self._pending.clear()
        self.endResetModel()
        self.loaded.emit()

    def _page_done(self, gen: int, page: int, result) -> None:
        self._pending.discard(page)
        if gen != self._gen:
            return
        rows, purged = result
        self._purged.difference_update(r.case_id for r in rows)
        self._purged.update(purged)
        self._pages[page] = rows
        while len(self._pages) > KEEP_PAGES:
            self._pages.popitem(last=False)
        first = page * PAGE
        last = min(first + PAGE, self._count) - 1
        if last >= first:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(Column) - 1))
        self.loaded.emit()

    # --- rows -----------------------------------------------------------------
    def row_at(self, row: int):
        if self._search_rows is not None:
            return self._search_rows[row] if 0 <= row < len(self._search_rows) else None
        page = row // PAGE
        rows = self._pages.get(page)
        if rows is None:
            if page not in self._pending:
                self._pending.add(page)
                gen = self._gen
                self.backend.op(_fetch_page(self._filter, page * PAGE), self).quiet().success(
                    lambda r: self._page_done(gen, page, r)).failure(lambda e: self._pending.discard(page)).run()
            return None
        self._pages.move_to_end(page)
        i = row - page * PAGE
        return rows[i] if i < len(rows) else None

    def loaded_rows(self):
        """(row number, row) of the rows at hand, none fetched."""
        if self._search_rows is not None:
            yield from enumerate(self._search_rows)
            return
        for page, rows in self._pages.items():
            yield from enumerate(rows, page * PAGE)

    def case_id(self, row: int) -> str | None:
        r = self.row_at(row)
        return r.case_id if r else None

    # --- Qt model -------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:
        if parent.isValid():
            return 0
        return len(self._search_rows) if self._search_rows is not None else self._count

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(Column)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return tr(HEADERS[Column(section)])
        return None

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        r = self.row_at(index.row())
        col = Column(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return "…" if r is None else self._text(r, col)
        if role == Qt.ItemDataRole.ForegroundRole and r is not None and col == Column.FLAGS and r.flags & 8:
            return QColor("#a61b1b")
        if role == Qt.ItemDataRole.FontRole and col == Column.CASE:
            return id_font()  # fixed width: ids line up and read aloud character by character
        if role == Qt.ItemDataRole.ToolTipRole and r is not None and col in SHRINKS:
            return self._text(r, col) or None  # the whole text of a cell a narrow screen shortens
        return None

    def _label(self, vocab: str, code: str | None) -> str:
        return self.cb.vocab(vocab).label(code, lang()) if code else ""

    def _text(self, r, col: Column) -> str:
        if col == Column.CASE:
            return r.case_id
        if col == Column.DATE:
            d = r.record_date or ""
            return f"{d[8:10]}/{d[5:7]}/{d[:4]}" if len(d) == 10 else d
        if col == Column.POST:
            return self._label("border_posts", r.border_post)
        if col == Column.SEX:
            return self._label("genders", r.gender)
        if col == Column.AGE:
            return self._label("age_bands", r.age_band)
        if col == Column.NATIONALITY:
            return short_country(self._label("countries", r.citizenship))
        if col == Column.FLAGS:
            return flag_text(r.flags)
        if col == Column.SYNC:
            text = tr("sync." + r.sync_state) if r.sync_state else ""
            if r.case_id in self._purged:  # first: the column may be too narrow for both (whole on hover)
                text = tr("ui.case.purged_short") + " · " + text
            if r.review_state:
                text += " · " + tr("ui.review." + r.review_state)
            return text
        return ""


def id_font() -> QFont:
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    font.setPointSizeF(QApplication.font().pointSizeF())
    return font


# the columns that give up width on a narrow screen (their texts end in "…", whole on hover);
# the case id never does, the date only down to its whole text
SHRINKS = (Column.POST, Column.SEX, Column.AGE, Column.NATIONALITY, Column.FLAGS, Column.SYNC)


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


class CaseListPage(QWidget):
    """The list with its search box and filter. Emits ``open_case(case_id)`` and ``new_intake``."""

    open_case = Signal(str)
    new_intake = Signal()

    def __init__(self, backend, codebook) -> None:
        super().__init__()
        self.model = CaseTableModel(backend, codebook, self)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(heading(tr("ui.cases.title")))
        top.addStretch(1)
        layout.addLayout(top)
        self.draft_banner = QPushButton()
        self.draft_banner.setObjectName("draft_banner")
        self.draft_banner.hide()
        layout.addWidget(self.draft_banner)
        bar = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setObjectName("search")
        self.search.setPlaceholderText(tr("ui.cases.search"))
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName(tr("ui.a11y.search"))
        self.search.setAccessibleDescription(tr("ui.cases.search"))
        self.search.setToolTip(shortcut_tip(tr("ui.a11y.search"), "Ctrl+F"))
        bar.addWidget(self.search, 3)
        show = QLabel(tr("ui.cases.show"))
        bar.addWidget(show)
        self.filter = QComboBox()
        self.filter.setObjectName("filter")
        self.filter.setAccessibleName(tr("ui.cases.show").rstrip(":"))
        show.setBuddy(self.filter)
        for key in FILTERS:
            self.filter.addItem(tr("ui.filter." + (key or "all")), key)
        bar.addWidget(self.filter, 1)
        layout.addLayout(bar)
        self.table = CaseTable()
        self.table.setObjectName("cases")
        self.table.setAccessibleName(tr("ui.cases.title"))
        self.table.setTabKeyNavigation(False)  # Tab leaves the table; the arrows move in it
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(30)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        self.table.set_widths(*self._widths(codebook))  # the spare width goes to the post
        self.table.activated.connect(lambda idx: self._open(idx.row()))
        layout.addWidget(self.table, 1)
        self.count = QLabel()
        self.count.setObjectName("muted")
        layout.addWidget(self.count)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(150)
        self._debounce.timeout.connect(lambda: self.model.set_search(self.search.text()))
        self.search.textChanged.connect(lambda _: self._debounce.start())
        self.filter.currentIndexChanged.connect(lambda _: self._filter_changed())
        self.keep = KeepPlace(self.table, self.model, self.count)  # the officer's case and scroll; the count line
        backend.cases_changed.connect(self.model.refresh)

    def _widths(self, cb) -> tuple[dict, dict]:
        """Each column's preferred and least width, from the fonts in use (so a case id is
        never cut whatever the screen's scaling) and sample texts: the least shows a typical
        value and the whole heading; the post's is a typical post name."""
        metrics = self.table.fontMetrics()
        bold = QFont(self.table.horizontalHeader().font())
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

    def _filter_changed(self) -> None:
        if self.search.text():
            self.search.clear()
        self.model.set_filter(self.filter.currentData())

    def _open(self, row: int) -> None:
        case_id = self.model.case_id(row)
        if case_id:
            self.model.record_search()  # a result acted on: its search first in the log
            self.open_case.emit(case_id)

    def hideEvent(self, event) -> None:
        self.model.record_search()  # left for another page, or locked: the search on screen is recorded
        super().hideEvent(event)
