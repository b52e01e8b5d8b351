"""The case list across its refreshes (every save, every background sync cycle): the officer's
case stays the current, selected row and the list stays where it was scrolled; and the line
under the list, with its count grouped as each language writes numbers ("100 000 casos").

A refresh resets the model (the rows come again from the vault, page by page). Before it,
``KeepPlace`` notes the current row's case id, its row and the scroll position; after it, it
puts the current row and the scroll back at once (no jump), then, as the rows arrive, moves
the selection to wherever that case now is (a new case above it shifts it down by one). A
case no longer in the list (a filter it left) leaves its row number current. A new search or
another filter is not a refresh: its rows show from the top. Only ids are held, in memory."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QObject
from PySide6.QtWidgets import QAbstractItemView

from intake_app.numbers import group

from .text import lang, tr

SEARCH_SHOWN = 200  # a search shows its first matches; more are found by typing more
SELECT = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows


def count_text(rows: int, searching: bool, more: bool, shown: int) -> str:
    """"100 000 casos", "12 resultados", or, when a search matched more than it shows,
    "Se muestran los primeros 200; escriba más para acotar"."""
    if searching and more:
        return tr("ui.cases.found_more", shown=group(shown, lang()))
    return tr("ui.cases.found" if searching else "ui.cases.count", count=group(rows, lang()))


class KeepPlace(QObject):
    """Keeps ``table``'s current case and scroll across ``model``'s resets of the same query;
    writes the count line (``count``, a label) whenever rows arrive."""

    def __init__(self, table, model, count=None) -> None:
        super().__init__(table)
        self.table, self.model, self.count = table, model, count
        self._shown = model.query()  # the query of the rows on screen
        self._kept: tuple[str, int, int, bool, int, int] | None = None  # id, row, column, selected, scroll
        self._wanted: tuple[str, int] | None = None  # the case to find among the rows, and the row it had
        model.modelAboutToBeReset.connect(self._remember)
        model.modelReset.connect(self._restore)
        model.loaded.connect(self._settle)
        model.loaded.connect(self._show_count)

    def _show_count(self) -> None:
        if self.count is not None:
            m = self.model
            self.count.setText(count_text(m.rowCount(), m._search_rows is not None, m.more, SEARCH_SHOWN))

    def _loaded(self) -> dict:
        return dict(self.model.loaded_rows())  # never fetches: only the rows at hand

    def _remember(self) -> None:
        self._kept, self._wanted = None, None
        current = self.table.currentIndex()
        if self.model.query() != self._shown or not current.isValid():
            return  # a new search or filter starts at the top
        row = self._loaded().get(current.row())
        if row is None:
            return
        selected = self.table.selectionModel().isRowSelected(current.row())
        self._kept = (row.case_id, current.row(), current.column(), selected,
                      self.table.verticalScrollBar().value(), self.table.horizontalScrollBar().value())

    def _restore(self) -> None:
        if self.model.query() != self._shown:  # other rows: from their top
            self._shown = self.model.query()
            self.table.scrollToTop()
        kept, self._kept = self._kept, None
        if kept is None or not self.model.rowCount():
            return
        case_id, row, column, selected, down, across = kept
        row = min(row, self.model.rowCount() - 1)
        self.table.doItemsLayout()  # the scroll bars' new range, now (else the value is cut to 0)
        self._put(row, column, selected)
        self.table.verticalScrollBar().setValue(down)
        self.table.horizontalScrollBar().setValue(across)
        self._wanted = (case_id, row)
        self._settle()

    def _put(self, row: int, column: int, selected: bool) -> None:
        flags = SELECT if selected else QItemSelectionModel.SelectionFlag.NoUpdate
        self.table.selectionModel().setCurrentIndex(self.model.index(row, column), flags)

    def _settle(self) -> None:
        """Once the rows around the kept one are here: the case, wherever it now is."""
        if self._wanted is None:
            return
        case_id, row = self._wanted
        loaded = self._loaded()
        if row not in loaded:
            return  # its page is on its way (``loaded`` again)
        self._wanted = None
        found = next((n for n, r in loaded.items() if r is not None and r.case_id == case_id), None)
        if found is None:  # moved out of the rows at hand: no other case may stand selected in its place
            self.table.selectionModel().clear()
            return
        if found == row:
            return
        current = self.table.currentIndex()
        bar = self.table.verticalScrollBar()
        per_item = self.table.verticalScrollMode() == QAbstractItemView.ScrollMode.ScrollPerItem
        shift = found - row if per_item else self.table.rowViewportPosition(found) - self.table.rowViewportPosition(row)
        value = bar.value()
        self._put(found, max(current.column(), 0), self.table.selectionModel().isRowSelected(row))
        bar.setValue(value + shift)  # the case stays where it was on screen
