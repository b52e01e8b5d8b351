"""Counts as a person reads them on the dashboard's pages: digits in groups of three.

Spanish (Costa Rica and Panama alike): groups of thousands apart by a narrow no-break space
(U+202F), as the RAE's *Ortografía* (2010) and ISO 80000-1 / the SI recommend: neither a point
nor a comma, which one country reads as a decimal sign and the other as a thousands separator
(Costa Rica writes 1,5; Panama 1.5). A number of four digits is not grouped ("1234", as the RAE
writes it), except in a column beside numbers of five digits or more, where "1 234" keeps the
thousands under the thousands ("12 345"). English: a comma, from 1,000 on.

Only the pages (tables, charts, key figures) are grouped; the cells of a
:class:`~.tables.Table`, the CSV files and the API keep plain digits, which a program reads.
Marks of suppression (``<11``, ``x``), empty cells and words pass through unchanged.
"""

from __future__ import annotations

import re
from typing import Iterable

THIN = "\u202f"  # narrow no-break space: never breaks a number across two lines
SEPARATOR = {"es": THIN, "en": ","}
_NUMBER = re.compile(r"([+\-\u2212]?)(\d+)(\D.*)?", re.DOTALL)  # "+235 %": sign, digits, the rest


def group(n: int | str, lang: str, *, in_column: bool = False) -> str:
    """``n`` (a whole number, or a string of digits) with its thousands grouped for ``lang``.
    In Spanish a four-digit number is left whole unless ``in_column`` (beside numbers of five
    digits or more)."""
    digits = str(abs(int(n)))
    sign = "-" if int(n) < 0 else ""
    sep = SEPARATOR.get(lang, SEPARATOR["es"])
    if len(digits) < 4 or (len(digits) == 4 and sep == THIN and not in_column):
        return sign + digits
    head = len(digits) % 3 or 3
    parts = [digits[:head]] + [digits[i:i + 3] for i in range(head, len(digits), 3)]
    return sign + sep.join(parts)


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
