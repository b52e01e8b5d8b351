"""The aggregate package's content: the dashboard's own suppressed tables for a period.

Every view of the dashboard (intake_app/server/dashboard) is built for the period's
quarters, with small-cell and complementary suppression already applied there (CTDC's
k = 11), and only what a dashboard reader may see is copied: the table's id, title,
headers and the shown cell strings (numbers, ``<11``, ``x``). The raw counts and the
suppression bookkeeping a dashboard table keeps for its tests never leave. No case id,
no individual record: a period with fewer than 11 persons carries no table at all.
"""

from __future__ import annotations

import re

from sqlalchemy.engine import Connection

from .errors import AggregatePeriodInvalid

_QUARTER = r"[0-9]{4}-Q[1-4]"


def parse_period(period: str) -> tuple[str, str]:
    """``2026`` (its four quarters), ``2026-Q3``, or ``2026-Q1..2026-Q3`` → (first, last quarter)."""
    p = (period or "").strip()
    if re.fullmatch(r"[0-9]{4}", p):
        return f"{p}-Q1", f"{p}-Q4"
    if re.fullmatch(_QUARTER, p):
        return p, p
    a, sep, b = p.partition("..")
    if sep and re.fullmatch(_QUARTER, a) and re.fullmatch(_QUARTER, b) and a <= b:
        return a, b
    raise AggregatePeriodInvalid(period=p[:40])


def _table(table) -> dict:
    return {"id": table.id, "title": table.title, "row_header": table.row_header, "columns": list(table.columns),
            "note": table.note, "rows": [{"code": r.code, "label": r.label, "cells": list(r.cells), "total": r.total}
                                         for r in table.rows]}


def aggregate_tables(conn: Connection, spec: dict, lang: str = "es") -> dict:
    """{"period", "from", "to", "k", "too_few", "persons", "views": {view: [tables]}}."""
    from ..dashboard.filters import Filters
    from ..dashboard.suppress import K
    from ..dashboard.views import VIEWS, build

    f = Filters(period_from=spec["from"], period_to=spec["to"], lang=lang)
    views: dict[str, list] = {}
    too_few, persons = False, 0
    for view in VIEWS:
        result = build(conn, view, f)
        persons, too_few = result.persons, result.too_few
        if too_few:
            break
        views[view] = [_table(t) for t in result.tables]
    return {"period": spec["period"], "from": spec["from"], "to": spec["to"], "k": K, "too_few": too_few,
            "persons": None if too_few else persons, "views": {} if too_few else views}
