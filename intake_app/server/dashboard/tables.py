"""Tables as the dashboard shows them: counts, the lines that tie them, suppression applied.

A :class:`Grid` is the raw counts (cells keyed by (row, column)) and its lines; ``protect``
hides what must be hidden and gives a :class:`Table` that holds only the strings a reader
may see (numbers, ``<11``, ``x``). Charts and CSV files are drawn from the Table, never
from the Grid, so they cannot show more than the table does. Its cells keep plain digits (the
CSV files and the API); the page groups them (``shown_rows``, ``numbers``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

from . import numbers
from .suppress import COMPLEMENT, PRIMARY, Withheld, protect, shown

TOTAL = "__total__"
VALUE = "n"


@dataclass
class Row:
    code: str
    label: str
    cells: list[str]
    total: bool = False
    sub: str = ""  # a second label column (e.g. the province of a post)


@dataclass
class Table:
    id: str
    title: str
    row_header: str
    columns: list[str]
    rows: list[Row]
    chart: str = "bar"  # bar, grouped, line
    sub_header: str = ""
    note: str = ""
    hidden: dict = field(default_factory=dict)  # (row, col) -> PRIMARY | COMPLEMENT, for tests
    raw: dict = field(default_factory=dict)  # (row, col) -> count; never rendered (tests only)
    lines: list = field(default_factory=list)
    chart_cols: list[int] | None = None  # the columns drawn (None: all but a total column)
    withheld: bool = False  # no suppression pattern protects it: neither table nor chart is shown
    lang: str = "es"  # the page's language: how its counts are grouped on screen (numbers.py)

    def value_rows(self) -> list[Row]:
        return [r for r in self.rows if not r.total]

    def shown_rows(self) -> list[tuple[Row, list[str]]]:
        """Each row with its cells as the page writes them: counts grouped column by column
        (``numbers.column``), marks and words unchanged. ``cells`` keep plain digits."""
        cols = [numbers.column([r.cells[j] if j < len(r.cells) else "" for r in self.rows], self.lang)
                for j in range(max((len(r.cells) for r in self.rows), default=0))]
        return [(r, [cols[j][i] for j in range(len(r.cells))]) for i, r in enumerate(self.rows)]


@dataclass
class Grid:
    rows: list[tuple[str, str]]  # (code, label) in display order, totals included
    cols: list[tuple[str, str]]
    values: dict  # (row, col) -> int
    lines: list  # [(members, total)]
    total_rows: set = field(default_factory=set)
    subs: dict = field(default_factory=dict)

    def grand(self) -> list:
        return [k for k in self.values if k[0] == TOTAL and (len(self.cols) == 1 or k[1] == TOTAL)]

    def protect(self, id: str, title: str, row_header: str, *, chart: str = "bar", sub_header: str = "",
                note: str = "") -> Table:
        try:
            hidden = protect(self.values, self.lines, public=self.grand())
        except Withheld:
            return self.table(None, id, title, row_header, chart=chart, sub_header=sub_header, note=note)
        return self.table(hidden, id, title, row_header, chart=chart, sub_header=sub_header, note=note)

    def table(self, hidden: dict | None, id: str, title: str, row_header: str, *, chart: str = "bar",
              sub_header: str = "", note: str = "") -> Table:
        """The Table as shown with these cells hidden (None: withheld, nothing shown)."""
        if hidden is None:
            return Table(id, title, row_header, [label for _, label in self.cols], [], chart, sub_header, note,
                         {k: COMPLEMENT for k in self.values}, dict(self.values), list(self.lines), [], True)
        rows = []
        for code, label in self.rows:
            cells = [shown(self.values[(code, c)], hidden.get((code, c))) if (code, c) in self.values else ""
                     for c, _ in self.cols]
            rows.append(Row(code, label, cells, code in self.total_rows, self.subs.get(code, "")))
        chart_cols = [i for i, (c, _) in enumerate(self.cols) if c != TOTAL]
        return Table(id, title, row_header, [label for _, label in self.cols], rows, chart, sub_header, note,
                     hidden, dict(self.values), list(self.lines), chart_cols)


def protect_linked(parts: Sequence[tuple[Grid, dict]], unseen: dict, links: Sequence) -> list[Table]:
    """Tables of one page protected as one system: ``parts`` are (grid, Grid.table's arguments);
    ``unseen`` counts no table shows, keyed ``("~", anything)``; ``links`` lines over
    ``(part index, cell)`` and unseen keys. No hidden cell of any table can then be worked out
    from all of them together (and the unseen counts); a table alone is also safe."""
    values, lines, public = dict(unseen), [], []
    for i, (grid, _) in enumerate(parts):
        values.update({(i, k): v for k, v in grid.values.items()})
        lines += [([(i, m) for m in members], (i, total)) for members, total in grid.lines]
        public += [(i, k) for k in grid.grand()]
    try:
        hidden = protect(values, [*lines, *links], public=public, unseen=unseen)
    except Withheld:
        return [grid.table(None, **kw) for grid, kw in parts]
    return [grid.table({k: kind for (j, k), kind in hidden.items() if j == i}, **kw)
            for i, (grid, kw) in enumerate(parts)]


def partition(items: Sequence[tuple[str, str, int]], total_label: str, total: int | None = None,
              col: tuple[str, str] = (VALUE, "")) -> Grid:
    """One column; the rows add up to the total row (or, for multi-valued answers, the total is
    the persons with any value, and the rows are treated as if they added up: stricter)."""
    rows = [(code, label) for code, label, _ in items] + [(TOTAL, total_label)]
    values = {(code, col[0]): n for code, _, n in items}
    values[(TOTAL, col[0])] = sum(n for _, _, n in items) if total is None else total
    members = [(code, col[0]) for code, _, _ in items]
    return Grid(rows, [col], values, [(members, (TOTAL, col[0]))], {TOTAL})


def crosstab(rows: Sequence[tuple[str, str]], cols: Sequence[tuple[str, str]], cell: dict,
             row_total_label: str, col_total_label: str) -> Grid:
    """Rows × columns with a total column, a total row and the grand total."""
    values = {}
    for r, _ in rows:
        for c, _ in cols:
            values[(r, c)] = cell.get((r, c), 0)
        values[(r, TOTAL)] = sum(values[(r, c)] for c, _ in cols)
    for c, _ in (*cols, (TOTAL, "")):
        values[(TOTAL, c)] = sum(values[(r, c)] for r, _ in rows)
    lines = [([(r, c) for c, _ in cols], (r, TOTAL)) for r, _ in rows]
    lines += [([(r, c) for r, _ in rows], (TOTAL, c)) for c, _ in cols]
    lines.append(([(r, TOTAL) for r, _ in rows], (TOTAL, TOTAL)))
    lines.append(([(TOTAL, c) for c, _ in cols], (TOTAL, TOTAL)))
    return Grid([*rows, (TOTAL, row_total_label)], [*cols, (TOTAL, col_total_label)], values, lines, {TOTAL})


def columns_add_up(rows: Sequence[tuple[str, str]], cols: Sequence[tuple[str, str]], cell: dict,
                   total_label: str) -> Grid:
    """Each column adds up over the rows (e.g. quarters); the columns overlap (no row totals)."""
    values = {}
    for c, _ in cols:
        for r, _ in rows:
            values[(r, c)] = cell.get((r, c), 0)
        values[(TOTAL, c)] = sum(values[(r, c)] for r, _ in rows)
    lines = [([(r, c) for r, _ in rows], (TOTAL, c)) for c, _ in cols]
    return Grid([*rows, (TOTAL, total_label)], list(cols), values, lines, {TOTAL})


def grouped(groups: Sequence[tuple[str, str, Sequence[tuple[str, str, int]]]], total_label: str,
            col: tuple[str, str] = (VALUE, "")) -> Grid:
    """Rows in groups, each with a subtotal row (code ``<group>``), and a grand total."""
    rows, values, lines, totals, subs = [], {}, [], {TOTAL}, {}
    for gcode, glabel, items in groups:
        members = []
        for code, label, n in items:
            rows.append((code, label))
            values[(code, col[0])] = n
            members.append((code, col[0]))
        rows.append((gcode, glabel))
        totals.add(gcode)
        values[(gcode, col[0])] = sum(n for _, _, n in items)
        lines.append((members, (gcode, col[0])))
    rows.append((TOTAL, total_label))
    values[(TOTAL, col[0])] = sum(values[(g, col[0])] for g, _, _ in groups)
    lines.append(([(g, col[0]) for g, _, _ in groups], (TOTAL, col[0])))
    return Grid(rows, [col], values, lines, totals, subs)


__all__ = ["Grid", "Row", "Table", "TOTAL", "VALUE", "PRIMARY", "COMPLEMENT", "partition", "crosstab",
           "columns_add_up", "grouped", "protect_linked"]
