"""Counts as a person reads them on the dashboard's pages: digits in groups of three
(``intake_app.numbers.group``, shared with the desktop app: Spanish "12 345" with a narrow
no-break space and "1234" whole, English "12,345"), in cells, columns and axes.

Only the pages (tables, charts, key figures) are grouped; the cells of a
:class:`~.tables.Table`, the CSV files and the API keep plain digits, which a program reads.
Marks of suppression (``<11``, ``x``), empty cells and words pass through unchanged.
"""

from __future__ import annotations

import re
from typing import Iterable

from intake_app.numbers import SEPARATOR, THIN, group  # the grouping itself: shared with the desktop app

_NUMBER = re.compile(r"([+\-\u2212]?)(\d+)(\D.*)?", re.DOTALL)  # "+235 %": sign, digits, the rest


def cell(text: str, lang: str, *, in_column: bool = False) -> str:
    """A table cell as the page shows it: a number (with its sign and unit, "+1234 %") grouped;
    anything else (``<11``, ``x``, "—", "") unchanged."""
    m = _NUMBER.fullmatch(text)
    if not m:
        return text
    sign, digits, rest = m.group(1), m.group(2), m.group(3) or ""
    return sign + group(digits, lang, in_column=in_column) + rest


def _wide(text: str) -> bool:
    m = _NUMBER.fullmatch(text)
    return bool(m) and len(m.group(2)) >= 5


def column(cells: Iterable[str], lang: str) -> list[str]:
    """The cells of one column (or the labels of one axis), grouped alike: in Spanish, four-digit
    numbers are grouped too when the column has one of five digits or more."""
    cells = list(cells)
    in_column = any(_wide(c) for c in cells)
    return [cell(c, lang, in_column=in_column) for c in cells]


__all__ = ["SEPARATOR", "THIN", "cell", "column", "group"]
