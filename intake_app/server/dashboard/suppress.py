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
:func:`attack` is the reader's side of this, and the tests use it, plus their own
independent attacker, on every table of every view.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Hashable, Iterable, Mapping, Sequence

K = 11
PRIMARY = "primary"
COMPLEMENT = "complement"
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


def _rank(rows: list[list[Fraction]]) -> int:
    rows = [r[:] for r in rows if any(r)]
    rank, col = 0, 0
    ncols = len(rows[0]) if rows else 0
    while rank < len(rows) and col < ncols:
        pivot = next((i for i in range(rank, len(rows)) if rows[i][col] != 0), None)
        if pivot is None:
            col += 1
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        p = rows[rank][col]
        for i in range(len(rows)):
            if i != rank and rows[i][col] != 0:
                f = rows[i][col] / p
                rows[i] = [a - f * b for a, b in zip(rows[i], rows[rank])]
        rank += 1
        col += 1
    return rank


def determined(lines: Sequence[Line], hidden: Iterable[Hashable]) -> set:
    """Hidden cells whose value follows from the lines alone (linear algebra, no bounds)."""
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
    if not matrix:
        return set()
    full = _rank(matrix)
    out = set()
    for k, i in index.items():
        if _rank([r[:i] + r[i + 1:] for r in matrix]) < full:
            out.add(k)
    return out


def attack(values: Mapping[Hashable, int], lines: Sequence[Line], hidden: Mapping[Hashable, str]) -> set:
    """Hidden cells a reader can recover exactly."""
    lo, hi = bounds(values, lines, hidden)
    pinned = {k for k in hidden if lo[k] == hi[k]}
    return pinned | determined(lines, hidden)


class Withheld(Exception):
    """No choice of cells protects the table: it is not shown at all."""


def protect(values: Mapping[Hashable, int], lines: Sequence[Line] = (),
            public: Iterable[Hashable] = ()) -> dict[Hashable, str]:
    """{cell: PRIMARY | COMPLEMENT} for the cells to hide.

    ``public`` cells (a grand total of persons, which other views show anyway) are never
    chosen as complements. Raises :class:`Withheld` when nothing else can protect the table.
    """
    public = {p for p in public if values.get(p, 0) >= K}
    hidden: dict[Hashable, str] = {k: PRIMARY for k, v in values.items() if 0 < v < K}
    if not hidden:
        return hidden
    through: dict[Hashable, list[Line]] = {}
    for line in lines:
        for cell in (*line[0], line[1]):
            through.setdefault(cell, []).append(line)
    order = {k: i for i, k in enumerate(values)}
    totals = {line[1] for line in lines}
    pinned = attack(values, lines, hidden)
    while pinned:
        # candidates: visible non-zero cells on a line through a recoverable cell; take the one
        # that leaves the fewest recoverable cells, then members before totals, then the smallest
        cands = {cell for p in pinned for members, total in through.get(p, [])
                 for cell in (*members, total) if cell not in hidden and values[cell] > 0 and cell not in public}
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
    return hidden


def shown(value: int, kind: str | None) -> str:
    if kind == PRIMARY:
        return PRIMARY_MARK
    if kind == COMPLEMENT:
        return COMPLEMENT_MARK
    return str(value)
