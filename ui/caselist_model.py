"""The case list's model: a table model over case rows fetched page by page from the worker.

``rowCount`` is the vault's count, so the scroll bar is true for 100,000 cases; a row
the view asks for and that is not loaded yet shows "…" while its page (200 rows) is
fetched; pages far from view are dropped. The search asks the vault's full-text search
(names and document numbers); rows never show a name. Each search is audited once
(``record_search``: the count, never the text), when its result has stayed on screen for
``SETTLE_MS``, or sooner when a result is opened, the box is cleared or the list is left
(another page, the lock); the same text again is not recorded again. The page with its
search box and filter is ``ui.caselist``; the table's column widths and row heights,
``ui.caselist_table``.
"""

from __future__ import annotations

from collections import OrderedDict
from enum import IntEnum

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from . import caselist_keep
from .text import lang, tr

PAGE = 200
KEEP_PAGES = 40
SETTLE_MS = 2000  # a search result on screen this long is audited (typing on replaces it)
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
            text, limit = self._search, caselist_keep.SEARCH_SHOWN + 1  # one more: whether there are more
            self.backend.op(lambda s: s.require().search(text, limit), self).quiet().success(
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
        shown = caselist_keep.SEARCH_SHOWN  # read here: one number for the model and the count line
        self.more, rows = len(rows) > shown, rows[:shown]
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
