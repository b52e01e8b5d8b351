"""The dashboard's views: each turns rollup counts into suppressed tables with charts.

Labels come from the codebook (vocabulary and field labels); the dashboard's own words
(titles, notes) from the catalog ``resources/i18n/dashboard.<lang>.json``. A view whose
filters leave fewer than 11 persons in the period shows nothing but that fact.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Callable

from sqlalchemy.engine import Connection

from ...codebook import Codebook, load_codebook
from ...i18n import t
from . import queries
from .collect import MAX_DAYS, MEASURES
from .filters import Filters, Period, quarter_label, resolve_period
from .suppress import K
from .tables import TOTAL, VALUE, Table, columns_add_up, crosstab, grouped, partition, protect_linked

VIEWS = ("overview", "sex", "age", "nationality", "exploitation", "control", "recruiter", "flow", "posts",
         "quarters", "referrals", "accreditation", "smuggling")
DAY_BANDS = ((0, 7), (8, 14), (15, 30), (31, 90), (91, MAX_DAYS))
NBSP = "\u00a0"  # between a number and its unit ("+23 %", "7 días"): the unit never wraps alone


@dataclass
class Ctx:
    conn: Connection
    f: Filters
    period: Period
    cb: Codebook
    lang: str

    def t(self, key: str, **params) -> str:
        return t(key, self.lang, **params)

    def vlabel(self, vocab: str, code: str) -> str:
        if code == "":
            return self.t("dashboard.unknown")
        return self.cb.vocab(vocab).label(code, self.lang)

    def flabel(self, key: str) -> str:
        return self.cb.field(key).label(self.lang)

    def counts(self, dim: str, by: str | None = None) -> dict:
        return queries.counts(self.conn, dim, self.f, self.period.quarters, by)


@dataclass
class ViewResult:
    view: str
    period: Period
    persons: int
    too_few: bool
    tables: list[Table] = field(default_factory=list)
    kpis: list[dict] = field(default_factory=list)
    quarters: list[str] = field(default_factory=list)
    withheld: list[tuple[str, str]] = field(default_factory=list)  # (id, title) of tables nothing could protect
    now_quarter: str = ""  # the server's current quarter
    later: int = 0  # persons dated after it, every case (said on the page; in no default figure)


def measure_label(ctx: Ctx, code: str) -> str:
    if code == "persons":
        return ctx.t("dashboard.measure.persons")
    if code == "accredited":
        return ctx.vlabel("trafficking_statuses", "actual")
    derived = {"trafficking": "flag_trafficking", "smuggling": "flag_smuggling", "urgent": "flag_urgent",
               "unaccompanied": "unaccompanied_minor"}[code]
    return ctx.flabel(derived)


def _vocab_items(ctx: Ctx, vocab: str, counts: dict, *, with_unknown: bool = True,
                 codes: list[str] | None = None) -> list[tuple[str, str, int]]:
    codes = codes if codes is not None else ctx.cb.vocab(vocab).codes
    items = [(c, ctx.vlabel(vocab, c), counts.get(c, 0)) for c in codes]
    if with_unknown and counts.get("", 0):
        items.append(("", ctx.t("dashboard.unknown"), counts[""]))
    return items


def _by_count(items: list[tuple[str, str, int]]) -> list[tuple[str, str, int]]:
    """Largest first; small counts (which will be hidden) after, by label, so order tells nothing."""
    big = sorted((i for i in items if i[2] >= K), key=lambda i: (-i[2], i[1]))
    small = sorted((i for i in items if i[2] < K), key=lambda i: i[1])
    return big + small


# --- the views ----------------------------------------------------------------------
def view_overview(ctx: Ctx, now: dict, before: dict) -> list[Table]:
    cols = [("cur", ctx.t("dashboard.period.current")), ("prev", ctx.t("dashboard.period.previous"))]
    rows = [(m, measure_label(ctx, m)) for m in MEASURES]
    cell = {}
    for m in MEASURES:
        cell[(m, "cur")], cell[(m, "prev")] = now.get(m, 0), before.get(m, 0)
    from .tables import Grid

    grid = Grid(rows, cols, cell, [])  # the measures overlap: no line adds up
    table = grid.protect("overview", ctx.t("dashboard.view.overview"), ctx.t("dashboard.col.measure"),
                         chart="grouped")
    table.columns.append(ctx.t("dashboard.col.change"))
    table.chart_cols = [0, 1]
    for r in table.rows:
        cur, prev = r.cells
        r.cells.append(f"{(int(cur) - int(prev)) * 100 / int(prev):+.0f}{NBSP}%"
                       if cur.isdigit() and prev.isdigit() and int(prev) > 0 else "—")
    return [table]


# which sex/age groups a gender can fall in (codebook.derive: the age is required, so a female or
# male person is a woman/girl or man/boy; non-conforming, unknown, and a code not in the codebook
# (gender "" here) are "other / unknown"; no gender at all, no group (""))
GENDER_GROUPS = {"female": ("woman", "girl"), "trans_female": ("woman", "girl"), "male": ("man", "boy"),
                 "trans_male": ("man", "boy"), "": ("other_unknown", "")}


def view_sex(ctx: Ctx) -> list[Table]:
    """The two tables are the margins of one gender × sex/age cross table (women + girls =
    female + trans female, …), which is not shown: they are protected together, with its
    cells as unseen counts, so that neither table gives away a hidden cell of the other."""
    persons = ctx.counts("m", "sex_age_group")
    groups = {code: n for (m, code), n in persons.items() if m == "persons"}
    total = ctx.t("dashboard.total")
    a = partition(_vocab_items(ctx, "sex_age_groups", groups), total)
    b = partition(_vocab_items(ctx, "genders", ctx.counts("gender")), total)
    sags = {r for r, _ in a.rows if r != TOTAL}
    genders = {r for r, _ in b.rows if r != TOTAL}
    pairs = {(g, s) for g in genders for s in GENDER_GROUPS.get(g, ("other_unknown",)) if s in sags}
    cross = ctx.counts("gender", "sex_age_group")
    pairs |= {pair for pair, n in cross.items() if n}  # e.g. an age not recorded
    unseen = {("~", pair): cross.get(pair, 0) for pair in pairs}
    links = [([("~", p) for p in sorted(pairs) if p[1] == s], (0, (s, VALUE))) for s in sorted(sags)]
    links += [([("~", p) for p in sorted(pairs) if p[0] == g], (1, (g, VALUE))) for g in sorted(genders)]
    # and each block's sum as one unseen count (women + girls = female + trans female = F), which
    # interval reasoning over the cells alone misses: 15 women + "x" girls = 16 female + "<11"
    # trans female gives girls 11 and trans female 10
    block = {p: {p} for p in pairs}
    for p in sorted(pairs):
        for q in sorted(pairs):
            if (p[0] == q[0] or p[1] == q[1]) and block[p] is not block[q]:
                block[p] |= block[q]
                for r in block[q]:
                    block[r] = block[p]
    for i, members in enumerate({id(b): b for b in block.values()}.values()):
        unseen[("~", ("block", i))] = sum(unseen[("~", p)] for p in members)
        links.append(([(0, (s, VALUE)) for s in sorted({p[1] for p in members})], ("~", ("block", i))))
        links.append(([(1, (g, VALUE)) for g in sorted({p[0] for p in members})], ("~", ("block", i))))
    return protect_linked([(a, dict(id="sex_age_group", title=ctx.flabel("sex_age_group"),
                                    row_header=ctx.flabel("sex_age_group"))),
                           (b, dict(id="gender", title=ctx.flabel("gender"), row_header=ctx.flabel("gender")))],
                          unseen, links)


def view_age(ctx: Ctx) -> list[Table]:
    persons = ctx.counts("m", "age_band")
    bands = {code: n for (m, code), n in persons.items() if m == "persons"}
    return [partition(_vocab_items(ctx, "age_bands", bands), ctx.t("dashboard.total")).protect(
        "age_band", ctx.flabel("age_band"), ctx.flabel("age_band"))]


def view_nationality(ctx: Ctx) -> list[Table]:
    counts = ctx.counts("nat")
    items = _by_count([(c, ctx.vlabel("countries", c), n) for c, n in counts.items() if n])
    return [partition(items, ctx.t("dashboard.total")).protect(
        "citizenship", ctx.flabel("citizenship"), ctx.flabel("citizenship"))]


def _victims(ctx: Ctx, *more: str) -> str:
    """The population of the views that count victims only (collect.is_victim), said on the page."""
    return " ".join(ctx.t(k) for k in ("dashboard.note.victims", *more))


def _multi(ctx: Ctx, dim: str, vocab: str, field_key: str, table_id: str) -> list[Table]:
    counts = ctx.counts(dim)
    anyone = ctx.counts("m").get("any_" + dim, 0)
    items = _vocab_items(ctx, vocab, counts, with_unknown=False,
                         codes=[c for c in ctx.cb.vocab(vocab).codes if counts.get(c)])
    return [partition(items, ctx.t("dashboard.total.any"), total=anyone).protect(
        table_id, ctx.flabel(field_key), ctx.flabel(field_key), note=_victims(ctx, "dashboard.note.multi"))]


def view_exploitation(ctx: Ctx) -> list[Table]:
    return _multi(ctx, "expl", "exploitation_types", "tr_purposes", "exploitation")


def view_control(ctx: Ctx) -> list[Table]:
    return _multi(ctx, "ctrl", "control_methods", "tr_control_methods", "control")


def view_recruiter(ctx: Ctx) -> list[Table]:
    counts = ctx.counts("rel")
    return [partition(_vocab_items(ctx, "relationships", counts, with_unknown=False),
                      ctx.t("dashboard.total.recorded")).protect(
        "recruiter", ctx.flabel("tr_relationship"), ctx.flabel("tr_relationship"), note=_victims(ctx))]


def view_flow(ctx: Ctx) -> list[Table]:
    flows = ctx.counts("flow")
    items = [(c, ctx.t("dashboard.flow." + c), flows.get(c, 0)) for c in ("domestic", "cross_border")]
    a = partition(items, ctx.t("dashboard.total.recorded")).protect(
        "flow", ctx.flabel("cross_border"), ctx.flabel("cross_border"), note=_victims(ctx))
    countries = ctx.counts("xcty")
    items = _by_count([(c, ctx.vlabel("countries", c), n) for c, n in countries.items() if n])
    b = partition(items, ctx.t("dashboard.total.recorded")).protect(
        "exploitation_country", ctx.flabel("tr_exploitation_country"), ctx.flabel("tr_exploitation_country"),
        note=_victims(ctx))
    return [a, b]


def view_posts(ctx: Ctx) -> list[Table]:
    persons = ctx.counts("m", "border_post")
    by_post = {code: n for (m, code), n in persons.items() if m == "persons"}
    vocab = ctx.cb.vocab("border_posts")
    groups = []
    for country in ("CR", "PA"):
        if ctx.f.country and ctx.f.country != country:
            continue
        posts = [p for p in vocab.terms if p.attrs["country"] == country and (not ctx.f.post or p.code == ctx.f.post)]
        if not posts:
            continue
        items = [(p.code, p.label(ctx.lang), by_post.get(p.code, 0)) for p in posts]
        groups.append((f"__{country}", ctx.t("dashboard.subtotal", name=ctx.vlabel("countries", country)), items))
    grid = grouped(groups, ctx.t("dashboard.total"))
    for p in vocab.terms:
        grid.subs[p.code] = ctx.t("dashboard.province." + p.attrs["province"])
    return [grid.protect("border_post", ctx.flabel("border_post"), ctx.flabel("border_post"),
                         sub_header=ctx.t("dashboard.col.province"))]


def view_quarters(ctx: Ctx) -> list[Table]:
    counts = ctx.counts("m", "quarter")
    cols = [(m, measure_label(ctx, m)) for m in ("persons", "trafficking", "accredited", "smuggling")]
    rows = [(q, quarter_label(q, ctx.lang)) for q in ctx.period.quarters]
    cell = {(q, m): n for (m, q), n in counts.items()}
    return [columns_add_up(rows, cols, cell, ctx.t("dashboard.total")).protect(
        "quarters", ctx.t("dashboard.view.quarters"), ctx.t("dashboard.col.quarter"), chart="line")]


def view_referrals(ctx: Ctx) -> list[Table]:
    counts = ctx.counts("ref")
    cell, insts = {}, set()
    for code, n in counts.items():
        inst, outcome = code.split("|", 1)
        cell[(inst, outcome)] = n
        if n:
            insts.add(inst)
    rows = [(c, ctx.vlabel("institutions", c)) for c in ctx.cb.vocab("institutions").codes if c in insts]
    cols = [(c, ctx.vlabel("referral_outcomes", c)) for c in ctx.cb.vocab("referral_outcomes").codes]
    if not rows:
        return []
    return [crosstab(rows, cols, cell, ctx.t("dashboard.total"), ctx.t("dashboard.total")).protect(
        "referrals", ctx.t("dashboard.view.referrals"), ctx.cb.field("referrals").subfields[0].label(ctx.lang),
        chart="grouped", note=ctx.t("dashboard.note.referrals"))]


def median_days(hist: dict[int, int]) -> float | None:
    n = sum(hist.values())
    if not n:
        return None
    seq = sorted(hist.items())
    def nth(k: int) -> int:
        acc = 0
        for d, c in seq:
            acc += c
            if acc > k:
                return d
        return seq[-1][0]
    return nth((n - 1) // 2) if n % 2 else (nth(n // 2 - 1) + nth(n // 2)) / 2


def view_accreditation(ctx: Ctx) -> tuple[list[Table], list[dict]]:
    hist = {int(c): n for c, n in ctx.counts("days").items() if c.isdigit() and n}
    items = []
    for lo, hi in DAY_BANDS:
        label = ctx.t("dashboard.days.band", low=lo, high=hi) if hi < MAX_DAYS else ctx.t("dashboard.days.over",
                                                                                          low=lo)
        items.append((f"{lo}-{hi}", label, sum(n for d, n in hist.items() if lo <= d <= hi)))
    table = partition(items, ctx.t("dashboard.total.recorded")).protect(
        "days", ctx.t("dashboard.days.title"), ctx.t("dashboard.days.header"), note=ctx.t("dashboard.note.days"))
    total = sum(hist.values())
    # the median says where the middle persons fall: with the bands' counts in view it tells
    # nothing more, but beside a hidden band it can pin it (0–7 "<11", 8–14 "<11", total 12,
    # median 7.5: six and six), so it is shown only when no band is hidden
    median = median_days(hist) if total >= K and not table.hidden and not table.withheld else None
    why = "dashboard.days.median_hidden" if total < K else "dashboard.days.median_hidden_bands"
    kpi = {"label": ctx.t("dashboard.days.median"),
           "value": ctx.t("dashboard.days.value", days=f"{median:g}") if median is not None else None,
           "hidden": ctx.t(why, k=K)}
    return [table], [kpi]


def view_smuggling(ctx: Ctx) -> list[Table]:
    counts = ctx.counts("smug", "sex_age_group")
    cell = {(sag, code): n for (code, sag), n in counts.items()}
    rows = [(c, ctx.vlabel("sex_age_groups", c)) for c in ctx.cb.vocab("sex_age_groups").codes]
    if any(sag == "" and n for (sag, _), n in cell.items()):
        rows.append(("", ctx.t("dashboard.unknown")))
    cols = [("aggravated", ctx.flabel("flag_aggravated_smuggling")), ("simple", ctx.t("dashboard.smuggling.simple"))]
    return [crosstab(rows, cols, cell, ctx.t("dashboard.total"), ctx.t("dashboard.total")).protect(
        "smuggling", ctx.t("dashboard.view.smuggling"), ctx.flabel("sex_age_group"), chart="grouped")]


BUILDERS: dict[str, Callable] = {
    "sex": view_sex, "age": view_age, "nationality": view_nationality, "exploitation": view_exploitation,
    "control": view_control, "recruiter": view_recruiter, "flow": view_flow, "posts": view_posts,
    "quarters": view_quarters, "referrals": view_referrals, "smuggling": view_smuggling,
}


def today_quarter(today: date | None = None) -> str:
    """The quarter running now, by the server's clock in UTC (as the exchange's closed quarters)."""
    today = today or datetime.now(timezone.utc).date()
    return f"{today.year}-Q{(today.month - 1) // 3 + 1}"


def build(conn: Connection, view: str, f: Filters, today: date | None = None) -> ViewResult:
    cb = load_codebook()
    now_q = today_quarter(today)
    # quarters after the current one (a laptop's clock ahead) are offered in no list
    available = [q for q in queries.available_quarters(conn) if q <= now_q]
    later = queries.persons_after(conn, now_q)
    period = resolve_period(f, available, now_q)
    ctx = Ctx(conn, f, period, cb, f.lang)
    now, before = queries.measures(conn, f, period.quarters, period.previous)
    persons = now.get("persons", 0)
    result = ViewResult(view, period, persons, persons < K, quarters=available, now_quarter=now_q, later=later)
    if result.too_few:
        return result
    if view == "overview":
        result.tables = view_overview(ctx, now, before)
    elif view == "accreditation":
        result.tables, result.kpis = view_accreditation(ctx)
    else:
        result.tables = BUILDERS[view](ctx)
    for tb in result.tables:
        tb.lang = f.lang  # the page groups the counts this language's way (numbers.py)
    if view == "overview":  # the key figures written as the table beside them writes them
        result.kpis = [{"label": r.label, "value": c[0], "previous": c[1], "change": c[2]}
                       for r, c in result.tables[0].shown_rows()]
    result.withheld = [(tb.id, tb.title) for tb in result.tables if tb.withheld]
    result.tables = [tb for tb in result.tables if not tb.withheld]
    return result
