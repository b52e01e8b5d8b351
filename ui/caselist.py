"""The case list page: the search box, the filter and the list, with the count under it.

The search box asks the vault's full-text search as you type (names and document numbers);
rows never show a name. Each search is audited once, by the model (``record_search``: the
count, never the text), when its result has stayed on screen for ``SETTLE_MS``, or sooner
when a result is opened, the box is cleared or the list is left (another page, the lock).
The parts: the rows, ``ui.caselist_model``; the table's widths and row heights,
``ui.caselist_table``; the selection and scroll kept across refreshes, ``ui.caselist_keep``.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QPushButton, QTableView, QVBoxLayout, QWidget,
)

from .caselist_keep import SEARCH_SHOWN, KeepPlace  # noqa: F401  (SEARCH_SHOWN: re-exported)
from .caselist_model import (  # noqa: F401  (re-exported: the tests and the catalog test read them here)
    FLAG_KEYS, HEADERS, PAGE, CaseTableModel, Column, id_font, short_country,
)
from .caselist_table import CaseTable, column_widths, fit_widths  # noqa: F401  (fit_widths: re-exported)
from .text import tr
from .widgets import heading, shortcut_tip

FILTERS = ("", "pending", "review", "conflict")


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
        self.table.set_widths(*column_widths(self.table, codebook))  # the spare width goes to the post
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
