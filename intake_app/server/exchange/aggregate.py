"""The aggregate package's content: the dashboard's own suppressed tables, quarter by quarter.

Every view of the dashboard (intake_app/server/dashboard) is built for **each quarter of the
period on its own**, with small-cell and complementary suppression already applied there
(CTDC's k = 11), and only what a dashboard reader may see is copied: the table's id, title,
headers and the shown cell strings (numbers, ``<11``, ``x``). The raw counts and the
suppression bookkeeping a dashboard table keeps for its tests never leave. No case id, no
individual record: a quarter with fewer than 11 persons carries no table at all.

Only closed quarters (by the server's clock, UTC): the figures of the quarter still running
change with every new case, so two packages of it would difference to the cases in between.
The figures are the preparer's institution's cases (the dashboard's own institution filter),
or every institution's when the package has none (national scope).

Why quarters and never a total over several: two packages for overlapping periods (2026-Q3,
then 2026-Q3..2026-Q4) could be subtracted from each other to give exactly the quarter that
was withheld as too small. A quarter's block is the same in every package that holds it, so
there is nothing to subtract.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone

from sqlalchemy.engine import Connection

from ..dashboard.filters import MAX_QUARTERS  # one limit for the dashboard and the exchange
from .errors import AggregatePeriodInvalid, AggregatePeriodNotClosed

_QUARTER = r"[0-9]{4}-Q[1-4]"


# a space may be a no-break one: "T3 2026" copied from the dashboard's page
_SPELLINGS = (re.compile("([0-9]{4})[\\s\u00a0\u202f]*-?[\\s\u00a0\u202f]*[QT]([1-4])", re.ASCII),  # 2026-Q3, 2026 T3
              re.compile("[QT]([1-4])[\\s\u00a0\u202f]*-?[\\s\u00a0\u202f]*([0-9]{4})", re.ASCII))  # T3 2026, Q3 2026


def normalize_period(period: str) -> str:
    """A period in its one code spelling: a quarter as the dashboard writes it ("T3 2026",
    "Q3 2026") or as "2026-T3" becomes "2026-Q3", in each end of a range; anything else is
    left as typed (parse_period refuses it)."""
    ends = []
    for end in (period or "").strip().upper().split(".."):
        end = end.strip()
        m = _SPELLINGS[0].fullmatch(end)
        n = _SPELLINGS[1].fullmatch(end)
        ends.append(f"{m[1]}-Q{m[2]}" if m else f"{n[2]}-Q{n[1]}" if n else end)
    return "..".join(ends)


def parse_period(period: str) -> tuple[str, str]:
    """``2026`` (its four quarters), ``2026-Q3``, or ``2026-Q1..2026-Q3`` → (first, last quarter);
    a quarter may be written as the dashboard writes it (``T3 2026``, ``Q3 2026``)."""
    p = normalize_period(period)
    if re.fullmatch(r"[0-9]{4}", p):
        return f"{p}-Q1", f"{p}-Q4"
    if re.fullmatch(_QUARTER, p):
        return p, p
    a, sep, b = p.partition("..")
    if sep and re.fullmatch(_QUARTER, a) and re.fullmatch(_QUARTER, b) and a <= b \
            and len(quarters_between(a, b)) <= MAX_QUARTERS:
        return a, b
    raise AggregatePeriodInvalid(period=(period or "").strip()[:40])


def current_quarter(today: date | None = None) -> str:
    """The quarter running now, by the server's clock in UTC."""
    today = today or datetime.now(timezone.utc).date()
    return f"{today.year}-Q{(today.month - 1) // 3 + 1}"


def check_closed(period: str, last: str, today: date | None = None) -> None:
    """Refuse a period that reaches the running quarter or a later one."""
    now = current_quarter(today)
    if last >= now:
        y, q = int(now[:4]), int(now[-1])
        closed = f"{y - 1}-Q4" if q == 1 else f"{y}-Q{q - 1}"
        raise AggregatePeriodNotClosed(period=(period or "").strip()[:40], current=now, last_closed=closed)


def quarters_between(first: str, last: str) -> list[str]:
    out, (y, q) = [], (int(first[:4]), int(first[-1]))
    while f"{y}-Q{q}" <= last:
        out.append(f"{y}-Q{q}")
        y, q = (y + 1, 1) if q == 4 else (y, q + 1)
    return out


def table_dict(table) -> dict:
    """What a dashboard reader sees of a table: ids, labels and the shown cell strings."""
    return {"id": table.id, "title": table.title, "row_header": table.row_header, "columns": list(table.columns),
            "note": table.note, "rows": [{"code": r.code, "label": r.label, "cells": list(r.cells), "total": r.total}
                                         for r in table.rows]}


def _quarter(conn: Connection, quarter: str, lang: str, institution: str | None = None) -> dict:
    """{"quarter", "too_few", "persons", "views": {view: [tables]}} for one quarter."""
    from ..dashboard.filters import Filters
    from ..dashboard.views import VIEWS, build

    f = Filters(period_from=quarter, period_to=quarter, institution=institution, lang=lang)
    views: dict[str, list] = {}
    for view in VIEWS:
        result = build(conn, view, f)
        if result.too_few:
            return {"quarter": quarter, "too_few": True, "persons": None, "views": {}}
        views[view] = [table_dict(t) for t in result.tables]
    return {"quarter": quarter, "too_few": False, "persons": result.persons, "views": views}


def aggregate_tables(conn: Connection, spec: dict, lang: str = "es", institution: str | None = None) -> dict:
    """{"period", "from", "to", "k", "quarters": [one block per quarter]}; ``institution``: the
    cases registered by that institution only (None: all, national scope)."""
    from ..dashboard.suppress import K

    return {"period": spec["period"], "from": spec["from"], "to": spec["to"], "k": K,
            "quarters": [_quarter(conn, q, lang, institution) for q in quarters_between(spec["from"], spec["to"])]}
