"""Known fictional data gives known figures in every view, on SQLite and PostgreSQL;
suppression holds in every table; filters that leave fewer than 11 persons show only that."""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import date

import pytest
from sqlalchemy import event

from intake_app.codebook import load_codebook
from intake_app.demo import fictional_intakes
from intake_app.server.dashboard import rollup, routes, views
from intake_app.server.dashboard.filters import Filters
from intake_app.server.dashboard.suppress import attack, shown
from intake_app.server.facts import facts_of

from .attacker import subtraction
from .conftest import TODAY, people
from .data import known


def build(dash, view, **filters):
    with dash.engine.connect() as conn:
        return views.build(conn, view, Filters(**filters), today=TODAY)


def table(result, table_id):
    return {r.label: r.cells for r in next(t for t in result.tables if t.id == table_id).rows}


def nonzero(cells: dict) -> dict:
    return {k: v for k, v in cells.items() if any(c not in ("0", "—") for c in v)}


def assert_protected(result):
    for tb in result.tables:
        pub = {k: shown(v, tb.hidden.get(k)) for k, v in tb.raw.items()}
        assert subtraction(pub, tb.lines) == {}, tb.id
        assert attack(tb.raw, tb.lines, tb.hidden) == set(), tb.id
        for k, v in tb.raw.items():
            if 0 < v < 11:
                assert pub[k] == "<11", (tb.id, k)


def test_known_figures_in_every_view(dash):
    dash.load(known())
    r = build(dash, "overview")
    assert r.period.quarters == ["2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1"]
    assert table(r, "overview") == {
        "Personas entrevistadas": ["67", "0", "—"], "Indicios de posible trata": ["12", "0", "—"],
        "Víctima acreditada (ERI) / identificada (UIA)": ["12", "0", "—"],
        "Indicios de tráfico ilícito de migrantes": ["15", "0", "—"],
        "Necesidades urgentes de protección": ["0", "0", "—"], "Persona menor no acompañada o separada": ["0", "0", "—"]}
    r = build(dash, "sex")
    # women + girls = female (35): the girls' complement is the women, not the boys (test_sex_linked.py)
    assert table(r, "sex_age_group") == {"Mujeres": ["x"], "Hombres": ["20"], "Niñas": ["<11"], "Niños": ["12"],
                                         "Otro / sin dato": ["0"], "Total": ["67"]}
    assert nonzero(table(r, "gender")) == {"Femenino": ["35"], "Masculino": ["32"], "Total": ["67"]}
    assert nonzero(table(build(dash, "age"), "age_band")) == {"9–17": ["17"], "30–38": ["50"], "Total": ["67"]}
    assert table(build(dash, "nationality"), "citizenship") == {
        "Venezuela": ["35"], "Colombia": ["20"], "Haití": ["12"], "Total": ["67"]}
    assert table(build(dash, "exploitation"), "exploitation") == {
        "Explotación sexual": ["12"], "Personas con al menos una respuesta": ["12"]}
    assert table(build(dash, "control"), "control") == {
        "Servidumbre por deudas": ["12"], "Retención de documentos": ["12"], "Personas con al menos una respuesta": ["12"]}
    assert nonzero(table(build(dash, "recruiter"), "recruiter")) == {"Persona conocida": ["12"],
                                                                      "Total con dato registrado": ["12"]}
    r = build(dash, "flow")
    assert nonzero(table(r, "flow")) == {"Transfronterizo": ["12"], "Total con dato registrado": ["12"]}
    assert table(r, "exploitation_country") == {"Costa Rica": ["12"], "Total con dato registrado": ["12"]}
    assert nonzero(table(build(dash, "posts"), "border_post")) == {
        "Peñas Blancas (CR)": ["20"], "Paso Canoas (CR)": ["30"], "Subtotal Costa Rica": ["50"],
        "Paso Canoas (PA)": ["<11"], "Lajas Blancas, Darién (PA)": ["x"], "Subtotal Panamá": ["17"], "Total": ["67"]}
    assert table(build(dash, "quarters"), "quarters") == {
        "T2\u00a02025": ["0"] * 4, "T3\u00a02025": ["0"] * 4, "T4\u00a02025": ["0"] * 4,  # never broken on a page
        "T1\u00a02026": ["67", "12", "12", "15"],
        "Total": ["67", "12", "12", "15"]}
    assert table(build(dash, "referrals"), "referrals") == {
        "INAMU – Instituto Nacional de las Mujeres": ["0", "12", "0", "0", "0", "12"],
        "Total": ["0", "12", "0", "0", "0", "12"]}
    r = build(dash, "accreditation")
    assert r.kpis[0]["value"] == "5\u00a0días"
    pa = build(dash, "accreditation", country="PA")  # 17 persons, none accredited: a sentence, not "<11" days
    assert pa.kpis[0]["value"] is None and pa.kpis[0]["hidden"].startswith("No se muestra: menos de 11")
    assert nonzero(table(r, "days")) == {"0 a 7\u00a0días": ["12"], "Total con dato registrado": ["12"]}
    assert nonzero(table(build(dash, "smuggling"), "smuggling")) == {"Hombres": ["<11", "x", "15"],
                                                                      "Total": ["<11", "x", "15"]}
    r = build(dash, "sex", lang="en")
    assert table(r, "sex_age_group")["Girls"] == ["<11"]
    for view in views.VIEWS:
        assert_protected(build(dash, view))


def test_filters_narrow_and_too_few_show_only_that(dash):
    dash.load(known())
    r = build(dash, "sex", country="PA")
    assert r.persons == 17
    assert table(r, "sex_age_group") == {"Mujeres": ["0"], "Hombres": ["0"], "Niñas": ["<11"], "Niños": ["x"],
                                         "Otro / sin dato": ["0"], "Total": ["17"]}
    for f in ({"sex": "girl"}, {"post": "pa_paso_canoas"}, {"country": "PA", "sex": "girl"},
              {"period_from": "2024-Q1", "period_to": "2024-Q4"}, {"post": "cr_sixaola"}):
        for view in views.VIEWS:
            r = build(dash, view, **f)
            assert r.too_few and r.tables == [] and r.kpis == [], (view, f)
    r = build(dash, "sex", sex="boy")
    assert r.persons == 12 and table(r, "sex_age_group")["Niños"] == ["12"]


def _expected_from_contents(contents, ids):
    """Independent counts straight from the fictional records (server's facts_of + the answers)."""
    cb = load_codebook()
    exp = {k: Counter() for k in ("sex", "nat", "post", "expl", "ctrl", "ref", "smug", "quarter")}
    days = []
    for cid, c in zip(ids, contents):
        f, _ = facts_of(cid, "r", "1.0", c)
        if f["quarter"] not in ("2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"):
            continue
        if f["quarter"] == "2025-Q4":
            continue
        exp["sex"][f["sex_age_group"] or ""] += 1
        exp["nat"][f["citizenship"]] += 1
        exp["post"][f["border_post"]] += 1
        exp["quarter"][f["quarter"]] += 1
        status = c.get("trafficking_status")
        victim = (f["flag_trafficking"] or status == "actual") and status != "not_a_victim"
        for p in set(c.get("tr_purposes", [])) if victim else ():  # forms and means: victims only
            exp["expl"][p] += 1
        for m in set(c.get("tr_control_methods", [])) if victim else ():
            exp["ctrl"][m] += 1
        for pair in {(x["institution"], x["outcome"]) for x in c.get("referrals", [])}:
            exp["ref"][pair] += 1
        if f["flag_smuggling"]:
            exp["smug"][(f["sex_age_group"] or "", f["flag_aggravated_smuggling"])] += 1
        if c.get("trafficking_status") == "actual":
            days.append((date.fromisoformat(c["accreditation_date"]) - date.fromisoformat(c["record_date"])).days)
    return exp, days, cb


def test_demo_data_matches_independent_counts(dash):
    contents = list(fictional_intakes(1500, seed=11, today=TODAY))
    ids = dash.load(contents)
    exp, days, cb = _expected_from_contents(contents, ids)
    period = {"period_from": "2026-Q1", "period_to": "2026-Q4"}
    raw = lambda tb, code, col="n": tb.raw.get((code, col), 0)  # noqa: E731
    r = build(dash, "sex", **period)
    assert r.persons == sum(exp["quarter"].values())
    tb = r.tables[0]
    for code in cb.vocab("sex_age_groups").codes:
        assert raw(tb, code) == exp["sex"][code]
    tb = build(dash, "nationality", **period).tables[0]
    assert {k[0]: v for k, v in tb.raw.items() if k[0] != "__total__"} == dict(exp["nat"])
    tb = build(dash, "posts", **period).tables[0]
    for post, n in exp["post"].items():
        assert raw(tb, post) == n
    tb = build(dash, "exploitation", **period).tables[0]
    assert {k[0]: v for k, v in tb.raw.items() if k[0] != "__total__"} == dict(exp["expl"])
    tb = build(dash, "control", **period).tables[0]
    assert {k[0]: v for k, v in tb.raw.items() if k[0] != "__total__"} == dict(exp["ctrl"])
    tb = build(dash, "referrals", **period).tables[0]
    assert {k: v for k, v in tb.raw.items() if "__total__" not in k and v} == dict(exp["ref"])
    tb = build(dash, "smuggling", **period).tables[0]
    for (sag, aggravated), n in exp["smug"].items():
        assert raw(tb, sag, "aggravated" if aggravated else "simple") == n
    tb = build(dash, "quarters", **period).tables[0]
    for q, n in exp["quarter"].items():
        assert raw(tb, q, "persons") == n
    r = build(dash, "accreditation", **period)
    if len(days) >= 11 and not r.tables[0].hidden:  # beside a hidden band the median is not shown
        assert r.kpis[0]["value"] == f"{statistics.median(days):g}\u00a0días"
    else:
        assert r.kpis[0]["value"] is None
    for view in views.VIEWS:
        assert_protected(build(dash, view, **period))
        assert_protected(build(dash, view, country="CR", **period))


def test_updates_move_cases_between_cells_and_match_a_rebuild(dash):
    ids = dash.load(people(20, "woman", nat="VE") + people(15, "man", nat="CO"))
    # the same cases get new heads: 5 women were recorded with the wrong nationality
    heads = people(5, "woman", nat="EC")
    from datetime import datetime, timezone
    import uuid

    from intake_app.server.db import transaction
    from intake_app.server.ingest import write_facts

    with transaction(dash.engine) as conn:
        write_facts(conn, [{"case_id": cid, "revision_id": uuid.uuid4().hex, "codebook_version": "1.0", "content": c}
                           for cid, c in zip(ids[:5], heads)], datetime.now(timezone.utc))
    tb = build(dash, "nationality").tables[0]
    assert {k[0]: v for k, v in tb.raw.items()} == {"VE": 15, "CO": 15, "EC": 5, "__total__": 35}
    assert rollup.fold(dash.engine) > 0  # the deltas the writes appended, folded into the counts
    assert {k[0]: v for k, v in build(dash, "nationality").tables[0].raw.items()} == \
        {"VE": 15, "CO": 15, "EC": 5, "__total__": 35}  # the same figures, now from the folded counts
    with dash.engine.connect() as conn:
        before = sorted(map(tuple, conn.execute(rollup.rollup_t.select().where(rollup.rollup_t.c.n != 0))))
    with dash.engine.begin() as conn:
        rollup.rebuild(conn)
    with dash.engine.connect() as conn:
        after = sorted(map(tuple, conn.execute(rollup.rollup_t.select())))
    assert before == after


def test_dashboard_never_reads_identity(dash):
    """Every statement the dashboard sends reads its rollup, the session, or writes the audit log."""
    dash.load(known())
    client = dash.client("analyst")
    seen = []
    event.listen(dash.engine, "before_cursor_execute", lambda *a: seen.append(a[2].lower()))
    for view in views.VIEWS:
        assert client.get(f"/dashboard/{view}?country=CR").status_code == 200
    assert client.get("/dashboard/sex/gender.csv").status_code == 200
    assert seen
    for sql in seen:
        assert "revisions" not in sql and "content" not in sql and "case_facts" not in sql and "cases" not in sql
        assert "given_names" not in sql and "narrative" not in sql


def test_bad_filters_are_refused_with_their_name(dash):
    dash.load(known())
    client = dash.client("analyst")
    r = client.get("/dashboard/sex?from=2026-Q3&to=2026-Q1")  # a period chosen backwards: said so plainly
    assert r.status_code == 400 and "termina antes de empezar" in r.text
    for q, param in (("country=XX", "country"), ("post=nowhere", "post"), ("from=2026-Q5", "from"),
                     ("sex=female", "sex"), ("age=7", "age"),
                     ("lang=fr", "lang"), ("institution=" + "a" * 100, "institution")):
        r = client.get(f"/dashboard/sex?{q}")
        assert r.status_code == 400 and f"«{param}»" in r.text, q
        r = client.get(f"/dashboard/sex/gender.csv?{q}")  # a CSV link's error is the worded page, not JSON
        assert r.status_code == 400 and r.headers["content-type"].startswith("text/html") and f"«{param}»" in r.text
    assert client.get("/dashboard/nope").status_code == 404
    r = client.get("/dashboard/sex/nope.csv")
    assert r.status_code == 404 and "La vista «sex» no tiene esa tabla" in r.text


@pytest.mark.parametrize("view", ["sex", "posts", "smuggling", "referrals"])
def test_csv_is_the_table_as_shown_with_filters_and_note(dash, view):
    dash.load(known())
    client = dash.client("analyst")
    r = build(dash, view)
    tb = r.tables[0]
    resp = client.get(f"/dashboard/{view}/{tb.id}.csv")
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/csv")
    text = resp.content.decode("utf-8-sig")
    assert "Filtros,Periodo T2 2025 a T1 2026" in text and "k = 11" in text  # quarters as a person reads them
    assert "\u00a0" not in text and "\u202f" not in text  # ordinary spaces: a spreadsheet matches them
    body = text.split("\r\n\r\n", 1)[1]
    import csv
    import io

    rows = list(csv.reader(io.StringIO(body)))
    shown_rows = {row[0]: row[-len(tb.columns):] for row in rows[1:] if row}
    plain = routes.PLAIN_SPACES
    assert shown_rows == {row.label.translate(plain): [c.translate(plain) for c in row.cells] for row in tb.rows}
    resp = client.get(f"/dashboard/{view}/{tb.id}.csv?country=PA&sex=girl&lang=en")
    text = resp.content.decode("utf-8-sig")
    assert "Fewer than 11 persons" in text and "Filters,Period" in text and "Girls" in text


def test_a_quarter_reads_as_a_person_writes_it():
    from intake_app.server.dashboard.filters import quarter_label

    assert quarter_label("2026-Q3", "es") == "T3\u00a02026" and quarter_label("2026-Q3", "en") == "Q3\u00a02026"
    assert quarter_label("2026-Q3", "es", space=" ") == "T3 2026"  # a terminal's
    assert quarter_label("no-es-trimestre", "es") == "no-es-trimestre"  # never invents one
