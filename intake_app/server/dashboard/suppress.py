"""Small-cell and complementary suppression (CTDC practice, k = 11).

A table is a set of cells (counts of persons) and the *lines* that tie them: each line
says ``sum(members) == total``, where the total is itself a shown cell (a row total, a
column total, a subtotal, a grand total). Then:

1. **primary**: every cell counting 1–10 persons is hidden and shown as ``<11``;
2. **complementary**: while a reader could still pin down a hidden cell — by subtracting
   visible cells from a total, by chaining such subtractions across rows and columns
   (interval reasoning, knowing that a ``<11`` cell holds 1–10 and any other hidden cell
   at least 11), or by solving the lines as a linear system — one more cell of a line
   through it is hidden (``x``): the smallest visible non-zero member, else the total.

Zero is shown as 0 (a hidden cell is never zero, and hiding zeros protects nothing).

Two tables of one page can be tied by counts neither shows: the sex/age groups and the
genders are the margins of a gender × sex/age cross table. Such cells are *unseen*: they
are in the lines (so a relation between the tables is part of the system), a reader knows
nothing of them but that they are 0 or more, they are never shown and never chosen as
complements, and the search for a complement follows the lines through them.
:func:`attack` is the reader's side of this, and the tests use it, plus their own
independent attacker, on every table of every view.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Hashable, Iterable, Mapping, Sequence

K = 11
PRIMARY = "primary"
COMPLEMENT = "complement"
UNSEEN = "unseen"  # a count no table shows, that ties the tables' lines (never returned by protect)
PRIMARY_MARK = "<11"
COMPLEMENT_MARK = "x"
UNBOUNDED = 10 ** 15

Line = tuple[Sequence[Hashable], Hashable]  # (members, total)


def bounds(values: Mapping[Hashable, int], lines: Sequence[Line],
           hidden: Mapping[Hashable, str]) -> tuple[dict, dict]:
    """What a reader can infer of each cell: [lo, hi] after propagating every line to a fixpoint."""
    lo, hi = {}, {}
    for key, value in values.items():
        kind = hidden.get(key)
        if kind == PRIMARY:
            lo[key], hi[key] = 1, K - 1
        elif kind == COMPLEMENT:
            lo[key], hi[key] = K, UNBOUNDED
        elif kind == UNSEEN:
            lo[key], hi[key] = 0, UNBOUNDED
        else:
            lo[key] = hi[key] = value
    for _ in range(1000):
        changed = False
        for members, total in lines:
            slo = sum(lo[m] for m in members)
            shi = sum(hi[m] for m in members)
            nl, nh = max(lo[total], slo), min(hi[total], shi)
            if (nl, nh) != (lo[total], hi[total]):
                lo[total], hi[total], changed = nl, nh, True
            for m in members:
                nl = max(lo[m], lo[total] - (shi - hi[m]))
                nh = min(hi[m], hi[total] - (slo - lo[m]))
                if (nl, nh) != (lo[m], hi[m]):
                    slo += nl - lo[m]
                    shi += nh - hi[m]
                    lo[m], hi[m], changed = nl, nh, True
        if not changed:
            break
    return lo, hi


def _reduced(rows: list[list[Fraction]]) -> list[list[Fraction]]:
    """The rows in reduced row echelon form (zero rows dropped)."""
    rows = [r[:] for r in rows if any(r)]
    rank = 0
    ncols = len(rows[0]) if rows else 0
    for col in range(ncols):
        if rank == len(rows):
            break
        pivot = next((i for i in range(rank, len(rows)) if rows[i][col] != 0), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        p = rows[rank][col]
        rows[rank] = [a / p for a in rows[rank]]
        for i in range(len(rows)):
            if i != rank and rows[i][col] != 0:
                f = rows[i][col]
                rows[i] = [a - f * b for a, b in zip(rows[i], rows[rank])]
        rank += 1
    return rows[:rank]


def determined(lines: Sequence[Line], hidden: Iterable[Hashable]) -> set:
    """Hidden cells whose value follows from the lines alone (linear algebra, no bounds): a
    cell is determined when its unit vector is in the row space, i.e. a row of the reduced
    echelon form has no other non-zero entry."""
    hidden = list(hidden)
    index = {k: i for i, k in enumerate(hidden)}
    matrix = []
    for members, total in lines:
        row = [Fraction(0)] * len(hidden)
        for m in members:
            if m in index:
                row[index[m]] += 1
        if total in index:
            row[index[total]] -= 1
        if any(row):
            matrix.append(row)
    out = set()
    for row in _reduced(matrix):
        nonzero = [i for i, a in enumerate(row) if a != 0]
        if len(nonzero) == 1:
            out.add(hidden[nonzero[0]])
    return out


def attack(values: Mapping[Hashable, int], lines: Sequence[Line], hidden: Mapping[Hashable, str]) -> set:
    """Hidden cells a reader can recover exactly (unseen cells are unknowns, not targets)."""
    lo, hi = bounds(values, lines, hidden)
    pinned = {k for k in hidden if lo[k] == hi[k]}
    return {k for k in pinned | determined(lines, hidden) if hidden[k] != UNSEEN}


class Withheld(Exception):
    """No choice of cells protects the table: it is not shown at all."""


def protect(values: Mapping[Hashable, int], lines: Sequence[Line] = (),
            public: Iterable[Hashable] = (), unseen: Iterable[Hashable] = ()) -> dict[Hashable, str]:
    """{cell: PRIMARY | COMPLEMENT} for the cells to hide.

    ``public`` cells (a grand total of persons, which other views show anyway) are never
    chosen as complements. ``unseen`` cells are never shown (see the module's text).
    Raises :class:`Withheld` when nothing else can protect the table.
    """
    public = {p for p in public if values.get(p, 0) >= K}
    unseen = set(unseen)
    hidden: dict[Hashable, str] = {k: PRIMARY for k, v in values.items() if 0 < v < K and k not in unseen}
    if not hidden:
        return hidden
    hidden.update({k: UNSEEN for k in unseen})
    through: dict[Hashable, list[Line]] = {}
    for line in lines:
        for cell in (*line[0], line[1]):
            through.setdefault(cell, []).append(line)
    order = {k: i for i, k in enumerate(values)}
    totals = {line[1] for line in lines}
    pinned = attack(values, lines, hidden)
    while pinned:
        # candidates: visible non-zero cells on a line through a recoverable cell (or through an
        # unseen cell on such a line); take the one that leaves the fewest recoverable cells,
        # then members before totals, then the smallest
        cands, seen, todo = set(), set(pinned), list(pinned)
        while todo:
            for members, total in through.get(todo.pop(), []):
                for cell in (*members, total):
                    if cell in unseen and cell not in seen:
                        seen.add(cell)
                        todo.append(cell)
                    elif cell not in hidden and values[cell] > 0 and cell not in public:
                        cands.add(cell)
        if not cands:
            raise Withheld()
        best = None
        for cell in cands:
            after = attack(values, lines, {**hidden, cell: COMPLEMENT})
            score = (len(after), cell in totals, values[cell], order[cell])
            if best is None or score < best[0]:
                best = (score, cell, after)
        hidden[best[1]] = COMPLEMENT
        pinned = best[2]
    return {k: kind for k, kind in hidden.items() if kind != UNSEEN}


def shown(value: int, kind: str | None) -> str:
    if kind == PRIMARY:
        return PRIMARY_MARK
    if kind == COMPLEMENT:
        return COMPLEMENT_MARK
    return str(value)
