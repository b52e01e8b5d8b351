"""The dashboard fold on PostgreSQL 15+ is one MERGE (older servers keep ``INSERT … ON
CONFLICT``): from the same deltas over the same counts, both leave exactly the same
``dash_rollup`` (new cells, cells moved up and down, cells that net to zero) and report the
same number of cells touched; and a fold still waits for nothing else writing the counts."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from intake_app.server import ingest
from intake_app.server.dashboard import rollup

from .test_ingest_paths import _rollup, _truth


def _rows(engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text("SELECT * FROM dash_rollup ORDER BY dim, quarter, border_post,"
                                                    " institution, sex_age_group, age_band, code"))]


def _deltas(srv, device_factory) -> None:
    """Counts folded from 40 new cases, then unfolded deltas that move 15 of them between
    cells (and add 10 more): every kind of change a fold meets."""
    dev = srv.enroll(device_factory())
    ing = srv.ingestor()
    revs = [dev.revision() for _ in range(40)]
    ing.ingest(dev.bundle(revs))
    assert rollup.fold(srv.engine) > 0
    flip = {"female": "male"}
    moved = [dev.revision(r["case_id"], content=dict(r["content"], gender=flip.get(r["content"]["gender"], "female"),
                                                     case_status="closed"))
             for r in revs[:15]]
    ing.ingest(dev.bundle(moved + [dev.revision() for _ in range(10)]))
    assert srv.count("dash_delta") > 0


def test_merge_and_on_conflict_fold_alike(srv, device_factory, monkeypatch):
    if srv.kind != "postgresql":
        pytest.skip("the fold's SQL is PostgreSQL's")
    monkeypatch.setattr(ingest, "FOLD_AFTER", 10**9)
    _deltas(srv, device_factory)
    with srv.engine.begin() as conn:  # keep the state both folds start from
        conn.execute(text("CREATE TABLE keep_delta AS SELECT * FROM dash_delta"))
        conn.execute(text("CREATE TABLE keep_rollup AS SELECT * FROM dash_rollup"))
    try:
        touched = {}
        rows = {}
        for way, since in (("merge", rollup.MERGE_FROM), ("on_conflict", 10**9)):
            monkeypatch.setattr(rollup, "MERGE_FROM", since)
            with srv.engine.begin() as conn:
                conn.execute(text("DELETE FROM dash_delta"))
                conn.execute(text("DELETE FROM dash_rollup"))
                conn.execute(text("INSERT INTO dash_delta SELECT * FROM keep_delta"))
                conn.execute(text("INSERT INTO dash_rollup SELECT * FROM keep_rollup"))
            touched[way] = rollup.fold(srv.engine)
            rows[way] = _rows(srv.engine)
            assert srv.count("dash_delta") == 0
            assert _rollup(srv.engine) == _truth(srv.engine)
    finally:
        with srv.engine.begin() as conn:
            conn.execute(text("DROP TABLE keep_delta, keep_rollup"))
    assert rows["merge"] == rows["on_conflict"]
    assert any(n == 0 for *_, n in rows["merge"])  # a cell emptied by the moves stays, at zero, as before
    assert touched["merge"] == touched["on_conflict"] > 0


def test_the_fold_is_merge_from_postgresql_15(srv, device_factory, monkeypatch):
    """From PostgreSQL 15 on (the development and CI server) the MERGE is what runs."""
    if srv.kind != "postgresql":
        pytest.skip("the fold's SQL is PostgreSQL's")
    monkeypatch.setattr(ingest, "FOLD_AFTER", 10**9)
    seen: list[str] = []
    real = rollup._merge
    monkeypatch.setattr(rollup, "_merge", lambda *a: seen.append("merge") or real(*a))
    _deltas(srv, device_factory)
    rollup.fold(srv.engine)
    with srv.engine.connect() as conn:
        version = conn.connection.driver_connection.info.server_version
    assert seen == (["merge", "merge"] if version >= 150000 else [])
    assert _rollup(srv.engine) == _truth(srv.engine)
