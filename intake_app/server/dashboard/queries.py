"""Aggregate queries: every one a ``GROUP BY`` over a primary-key range of ``dash_rollup``,
together with the deltas ingest appended and that are not folded in yet (``dash_delta``),
so a figure is exact the moment its bundle is committed.

Nothing here reads ``revisions``, ``cases`` or ``case_facts``: the dashboard's requests
touch only its own rollup (a test records every statement a view sends).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Sequence

from sqlalchemy import and_, func, select, union_all
from sqlalchemy.engine import Connection

from .filters import Filters
from .models import ROLLUP_COLUMNS, DashRollup, dash_delta

rollup_t = DashRollup.__table__
# the counts: folded and not yet folded (PostgreSQL pushes the filters into both parts)
cells_t = union_all(select(*(rollup_t.c[c] for c in ROLLUP_COLUMNS)),
                    select(*(dash_delta.c[c] for c in ROLLUP_COLUMNS))).subquery("cells")
BY_COLUMNS = ("quarter", "border_post", "institution", "sex_age_group", "age_band")


def _where(dim: str | Sequence[str], f: Filters, first: str, last: str):
    c = cells_t.c
    conds = [c.dim == dim if isinstance(dim, str) else c.dim.in_(list(dim)), c.quarter >= first, c.quarter <= last]
    posts = f.posts()
    if posts is not None:
        conds.append(c.border_post.in_(posts) if posts else c.border_post == "\x00")
    if f.institution:
        conds.append(c.institution == f.institution)
    if f.sex:
        conds.append(c.sex_age_group == f.sex)
    if f.age:
        conds.append(c.age_band == f.age)
    return and_(*conds)


def counts(conn: Connection, dim: str, f: Filters, quarters: Sequence[str], by: str | None = None) -> dict:
    """{code: n} or, with ``by``, {(code, by_value): n}, over the quarters (a contiguous run)."""
    c = cells_t.c
    cols = [c.code] + ([c[by]] if by else [])
    stmt = select(*cols, func.sum(c.n)).where(_where(dim, f, quarters[0], quarters[-1])).group_by(*cols)
    out = {}
    for row in conn.execute(stmt):
        n = int(row[-1] or 0)
        out[row[0] if not by else (row[0], row[1])] = n
    return out


def measures(conn: Connection, f: Filters, quarters: Sequence[str], previous: Sequence[str]) -> tuple[dict, dict]:
    """The overview measures for the period and the previous one, in one statement."""
    c = cells_t.c
    first, last = previous[0], quarters[-1]
    current = c.quarter >= quarters[0]
    stmt = (select(c.code, current.label("cur"), func.sum(c.n)).where(_where("m", f, first, last))
            .group_by(c.code, current))
    now, before = defaultdict(int), defaultdict(int)
    for code, cur, n in conn.execute(stmt):
        (now if cur else before)[code] += int(n or 0)
    return dict(now), dict(before)


def available_quarters(conn: Connection) -> list[str]:
    c = cells_t.c
    rows = conn.execute(select(c.quarter).where(c.dim == "m", c.quarter != "").group_by(c.quarter)
                        .having(func.sum(c.n) > 0).order_by(c.quarter)).scalars().all()
    return list(rows)


def persons_after(conn: Connection, quarter: str) -> int:
    """Persons dated after ``quarter`` (the server's current one), every case, no filter: a
    laptop whose clock ran ahead. No default view counts them; the page says how many."""
    c = cells_t.c
    n = conn.execute(select(func.sum(c.n)).where(c.dim == "m", c.code == "persons", c.quarter > quarter)).scalar()
    return int(n or 0)
