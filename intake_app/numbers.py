"""Whole numbers as a person reads them: digits in groups of three, the way each language
writes them. One definition for the dashboard's pages and the desktop app's counts.

Spanish (Costa Rica and Panama alike): groups of thousands apart by a narrow no-break space
(U+202F), as the RAE's *Ortografía* (2010) and ISO 80000-1 / the SI recommend: neither a point
nor a comma, which one country reads as a decimal sign and the other as a thousands separator
(Costa Rica writes 1,5; Panama 1.5). A number of four digits is not grouped ("1234", as the RAE
writes it), except in a column beside numbers of five digits or more, where "1 234" keeps the
thousands under the thousands ("12 345"). English: a comma, from 1,000 on.

Only what a person reads is grouped; files and APIs that a program reads keep plain digits.
"""

from __future__ import annotations

THIN = "\u202f"  # narrow no-break space: never breaks a number across two lines
SEPARATOR = {"es": THIN, "en": ","}


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


__all__ = ["SEPARATOR", "THIN", "group"]


def runs(numbers) -> list[tuple[int, int]]:
    """Whole numbers as runs of consecutive ones, in order: 1, 2, 3, 7 → (1, 3), (7, 7)."""
    found: list[list[int]] = []
    for n in sorted(numbers):
        if found and n == found[-1][1] + 1:
            found[-1][1] = n
        else:
            found.append([n, n])
    return [(a, b) for a, b in found]


def runs_text(spans) -> str:
    """Runs as a person reads them: ``1–3, 7`` (an en dash in a run)."""
    return ", ".join(str(a) if a == b else f"{a}\u2013{b}" for a, b in spans)
