"""The aggregate package's tables: counts over non-identifying case facts for a period,
with small cells suppressed. No individual record, no case id, ever.

Until the dashboard's suppressed tables are available to reuse, this module computes
its own one-way tables from ``case_facts`` (the same non-identifying source the
dashboard reads) with CTDC's threshold: a cell counting 1–10 persons is sent as
``None`` ("<11"); when the suppressed cells of a table add up to fewer than 11 (so the
total minus the visible cells would narrow them down), the smallest visible cells are
suppressed as well until they do (complementary suppression). A table whose total is
below 11 is sent with every cell and the total suppressed.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.engine import Connection

from ..models import CaseFactExploitation, CaseFacts
from .errors import AggregatePeriodInvalid

K = 11
facts_t, exploit_t = CaseFacts.__table__, CaseFactExploitation.__table__
DIMENSIONS = ("sex_age_group", "age_band", "gender", "citizenship", "post_country", "border_post", "quarter",
              "trafficking_status", "flag_trafficking", "flag_smuggling", "flag_aggravated_smuggling", "flag_urgent",
              "unaccompanied_minor", "cross_border", "exploitation_type")
_Q = re.compile(r"([0-9]{4})-Q([1-4])")


def parse_period(period: str) -> tuple[date, date]:
    """``2026``, ``2026-Q3`` or ``2026-01-01..2026-06-30`` → (first day, last day)."""
    try:
        if re.fullmatch(r"[0-9]{4}", period):
            y = int(period)
            return date(y, 1, 1), date(y, 12, 31)
        m = _Q.fullmatch(period)
        if m:
            y, q = int(m.group(1)), int(m.group(2))
            start = date(y, 3 * q - 2, 1)
            end = date(y + 1, 1, 1) if q == 4 else date(y, 3 * q + 1, 1)
            return start, date.fromordinal(end.toordinal() - 1)
        a, sep, b = period.partition("..")
        if sep:
            start, end = date.fromisoformat(a), date.fromisoformat(b)
            if start <= end:
                return start, end
    except ValueError:
        pass
    raise AggregatePeriodInvalid(period=period[:40])


def suppress(counts: dict[Any, int], k: int = K) -> tuple[dict[Any, int | None], int | None]:
    """(cells with small ones as None, total or None). See the module docstring."""
    total = sum(counts.values())
    if 0 < total < k:
        return {v: None for v in counts}, None
    hidden = {v for v, n in counts.items() if 0 < n < k}
    if hidden:
        visible = sorted((n, str(v), v) for v, n in counts.items() if v not in hidden and n > 0)
        while sum(counts[v] for v in hidden) < k and visible:
            hidden.add(visible.pop(0)[2])
    return {v: (None if v in hidden else n) for v, n in counts.items()}, total


def _counts(conn: Connection, dim: str, start: date, end: date) -> dict[Any, int]:
    in_period = and_(facts_t.c.record_date >= start, facts_t.c.record_date <= end)
    if dim == "exploitation_type":
        q = (select(exploit_t.c.exploitation_type, func.count())
             .join(facts_t, facts_t.c.case_id == exploit_t.c.case_id).where(in_period)
             .group_by(exploit_t.c.exploitation_type))
    else:
        col = facts_t.c[dim]
        q = select(col, func.count()).where(in_period).group_by(col)
    out: dict[Any, int] = {}
    for value, n in conn.execute(q):
        out["" if value is None else (str(value).lower() if isinstance(value, bool) else str(value))] = int(n)
    return out


def aggregate_tables(conn: Connection, spec: dict) -> dict:
    """{"period", "from", "to", "k", "persons", "tables": {dimension: {"cells": {...}, "total"}}}."""
    start, end = date.fromisoformat(spec["from"]), date.fromisoformat(spec["to"])
    persons = conn.execute(select(func.count()).select_from(facts_t).where(
        and_(facts_t.c.record_date >= start, facts_t.c.record_date <= end))).scalar_one()
    tables = {}
    for dim in DIMENSIONS:
        cells, total = suppress(_counts(conn, dim, start, end))
        tables[dim] = {"cells": {str(v): n for v, n in sorted(cells.items())}, "total": total}
    return {"period": spec["period"], "from": spec["from"], "to": spec["to"], "k": K,
            "persons": persons if persons >= K or persons == 0 else None, "tables": tables}
