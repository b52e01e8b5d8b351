"""Forms of exploitation, means of control, relationship to the recruiter and flow count
victims (UNODC / SDG 16.2.2 count detected victims by form and flow): possible victims (the
screening's indication) and victims accredited/identified, never a person the ERI/UIA decided
is not a victim, nor a person without the indication. Migration 0009 recounts stored cases."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone

from sqlalchemy import text

from intake_app.server.dashboard import rollup, views
from intake_app.server.dashboard.filters import Filters
from intake_app.server.db import make_engine
from intake_app.server.migrate import downgrade, schema_diff, upgrade

from .conftest import TODAY, people, person
from .data import TRAFFICKED

NOT_A_VICTIM = dict(tr_acts=["recruitment"], tr_means=["deception"], tr_purposes=["forced_labour"],
                    tr_control_methods=["debt_bondage"], tr_relationship="family", tr_exploitation_country="CR",
                    trafficking_status="not_a_victim", status_decided_by="government_non_police")
NO_INDICATION = dict(tr_acts=["recruitment"], tr_purposes=["sexual_exploitation"], tr_exploitation_country="PA")
POSSIBLE = dict(tr_acts=["recruitment"], tr_means=["deception"], tr_purposes=["forced_labour"],
                tr_relationship="unacquainted", tr_exploitation_country="PA")


def raw(dash, view, table_id=None):
    with dash.engine.connect() as conn:
        r = views.build(conn, view, Filters(), today=TODAY)
    tb = next(t for t in r.tables if table_id is None or t.id == table_id)
    return {k[0]: v for k, v in tb.raw.items() if v}, tb


def test_only_victims_are_counted_by_form_means_recruiter_and_flow(dash):
    dash.load(people(15, "woman", **NOT_A_VICTIM) + people(12, "woman", **NO_INDICATION)
              + people(12, "woman", **TRAFFICKED) + people(11, "man", nat="CO", **POSSIBLE) + people(10, "man"))
    counts, tb = raw(dash, "exploitation")
    assert counts == {"sexual_exploitation": 12, "forced_labour": 11, "__total__": 23}
    assert tb.note.startswith("Víctimas: personas con indicios de posible trata o acreditadas")
    assert raw(dash, "control")[0] == {"debt_bondage": 12, "withholds_documents": 12, "__total__": 12}
    assert raw(dash, "recruiter")[0] == {"acquainted": 12, "unacquainted": 11, "__total__": 23}
    assert raw(dash, "flow", "flow")[0] == {"cross_border": 23, "__total__": 23}
    assert raw(dash, "flow", "exploitation_country")[0] == {"CR": 12, "PA": 11, "__total__": 23}
    client = dash.client("analyst")
    page = client.get("/dashboard/exploitation").text
    assert "Víctimas: personas con indicios de posible trata o acreditadas" in page
    assert "Victims: persons with indicators" in client.get("/dashboard/flow?lang=en").text


def _store_case(conn, content: dict, now) -> str:
    rid, cid = uuid.uuid4().hex, uuid.uuid4().hex
    conn.execute(text("INSERT INTO revisions (revision_id, case_id, parent_id, officer_id, device_id, bundle_id,"
                      " created_at, codebook_version, content_hash, content) VALUES (:r, :c, NULL, 'o',"
                      " 'lap-migr-009', 1, :t, '1.0', :h, :content)"),
                 {"r": rid, "c": cid, "t": now.isoformat(), "h": "0" * 64, "content": json.dumps(content)})
    conn.execute(text("INSERT INTO cases (case_id, head_revision_id, revision_count, open_conflicts,"
                      " review_state, first_received_at, updated_at) VALUES (:c, :r, 1, 0, 'new', :t, :t)"),
                 {"c": cid, "r": rid, "t": now})
    return cid


def test_migration_0009_recounts_stored_cases(db_url):
    engine = make_engine(db_url)
    try:
        if engine.dialect.name == "postgresql":
            downgrade(engine, "base")
        upgrade(engine, "0001")
        now = datetime.now(timezone.utc)
        with engine.begin() as conn:  # a server at 0001 with a not-a-victim case and a possible victim
            conn.execute(text("INSERT INTO devices (device_id, status, ed25519, mldsa65, fingerprint, post, request,"
                              " requested_at) VALUES ('lap-migr-009', 'active', :b, :b, 'FP', 'cr_sixaola', :b, :t)"),
                         {"b": b"x", "t": now})
            conn.execute(text("INSERT INTO bundles (device_id, sequence, bundle_hash, prev_hash, payload_sha256,"
                              " created_at, received_at, source, revision_count, audit_count, new_revisions)"
                              " VALUES ('lap-migr-009', 1, :h, :z, :h, '2026-11-23T00:00:00Z', :t, 'usb', 2, 0, 2)"),
                         {"h": b"h" * 32, "z": bytes(32), "t": now})
            not_victim = _store_case(conn, person("woman", **NOT_A_VICTIM), now)
            possible = _store_case(conn, person("man", **POSSIBLE), now)
        upgrade(engine, "0008")
        with engine.begin() as conn:  # what the version before 0009 stored for the first case
            cells = json.loads(conn.execute(text("SELECT cells FROM dash_case WHERE case_id = :c"),
                                            {"c": not_victim}).scalar_one())
            old = cells + [["m", "any_expl"], ["expl", "forced_labour"], ["m", "any_ctrl"], ["ctrl", "debt_bondage"],
                           ["rel", "family"], ["flow", "cross_border"], ["xcty", "CR"]]
            conn.execute(text("UPDATE dash_case SET cells = :j WHERE case_id = :c"),
                         {"j": json.dumps(old), "c": not_victim})
            rollup.rebuild(conn)
            assert conn.execute(text("SELECT sum(n) FROM dash_rollup WHERE dim = 'expl'")).scalar_one() == 2
        upgrade(engine)  # 0009
        with engine.connect() as conn:
            expl = conn.execute(text("SELECT code, sum(n) FROM dash_rollup WHERE dim = 'expl' GROUP BY code")).all()
            assert [tuple(r) for r in expl] == [("forced_labour", 1)]
            rel = conn.execute(text("SELECT code, sum(n) FROM dash_rollup WHERE dim = 'rel' GROUP BY code")).all()
            assert [tuple(r) for r in rel] == [("unacquainted", 1)]
            cells = dict(conn.execute(text("SELECT case_id, cells FROM dash_case")).all())
            assert {tuple(c) for c in json.loads(cells[not_victim])}.isdisjoint(
                {("expl", "forced_labour"), ("rel", "family"), ("xcty", "CR"), ("m", "any_expl")})
            assert ("xcty", "PA") in {tuple(c) for c in json.loads(cells[possible])}
            persons = conn.execute(text("SELECT sum(n) FROM dash_rollup WHERE dim = 'm' AND code = 'persons'"))
            assert persons.scalar_one() == 2
            before = sorted(map(tuple, conn.execute(rollup.rollup_t.select())))
        with engine.begin() as conn:  # the same counts as a rebuild from the recomputed cells
            rollup.rebuild(conn)
        with engine.connect() as conn:
            assert sorted(map(tuple, conn.execute(rollup.rollup_t.select()))) == before
        assert schema_diff(engine) == []
        downgrade(engine, "0008")
        upgrade(engine)
    finally:
        if engine.dialect.name == "postgresql":
            downgrade(engine, "base")
            upgrade(engine)
        engine.dispose()


def test_a_person_who_refused_reporting_consent_is_counted(dash):
    """CONATT's decision (docs/exchange.md §6, docs/dashboard.md): the counts ignore consent."""
    dash.load(people(11, "woman", consent_purposes=["services"]) + people(12, "man"))
    with dash.engine.connect() as conn:
        r = views.build(conn, "sex", Filters(), today=TODAY)
    assert r.persons == 23
    assert {k[0]: v for k, v in r.tables[0].raw.items() if v} == {"woman": 11, "man": 12, "__total__": 23}
