"""Ingest's fast and careful write paths, and the dashboard deltas it appends.

The common bundle (new revisions of new cases) is COPYed straight into its tables; every
other situation (a case another transaction creates at the same moment, a case that moves
between dashboard cells, a fold running elsewhere) must end in the same stored state.
"""

from __future__ import annotations

import threading
import time
from collections import Counter

import psycopg
import pytest
from sqlalchemy import select, text

from intake_app.server import ingest
from intake_app.server.dashboard import rollup


def _rollup(engine) -> Counter:
    """dash_rollup as {cell: n}, zero cells left out."""
    with engine.connect() as conn:
        rows = conn.execute(select(rollup.rollup_t)).all()
    return Counter({tuple(r[:-1]): r[-1] for r in rows if r[-1]})


def _truth(engine) -> Counter:
    """The counts recomputed from every case's current contribution (dash_case)."""
    with engine.connect() as conn:
        total = rollup.counts_from_cases(conn.execute(select(rollup.case_t)).mappings())
    return Counter({k: v for k, v in total.items() if v})


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def test_deltas_fold_to_the_counts_of_the_current_heads(srv, device_factory, monkeypatch):
    """New cases, then new heads for some of them (they move between cells), folded after
    every bundle: the rollup equals a recount, and nothing is left unfolded."""
    monkeypatch.setattr(ingest, "FOLD_AFTER", 1)
    dev = srv.enroll(device_factory())
    ing = srv.ingestor()
    revs = [dev.revision() for _ in range(30)]
    ing.ingest(dev.bundle(revs))
    assert srv.count("dash_delta") == 0  # folded right after the bundle
    flip = {"female": "male"}  # anything else becomes "female": the cases change cells
    moved = [dev.revision(r["case_id"], content=dict(r["content"], gender=flip.get(r["content"]["gender"], "female")))
             for r in revs[:12]]
    ing.ingest(dev.bundle(moved))
    assert srv.count("dash_delta") == 0
    assert _rollup(srv.engine) == _truth(srv.engine)
    assert sum(n for cell, n in _rollup(srv.engine).items() if cell[0] == "m" and cell[-1] == "persons") == 30


def test_unfolded_deltas_count_as_much_as_folded_ones(srv, device_factory, monkeypatch):
    from intake_app.server.dashboard import queries

    monkeypatch.setattr(ingest, "FOLD_AFTER", 10**9)  # never folds by itself
    dev = srv.enroll(device_factory())
    srv.ingestor().ingest(dev.bundle([dev.revision() for _ in range(25)]))
    assert srv.count("dash_delta") > 0 and srv.count("dash_rollup") == 0
    with srv.engine.connect() as conn:
        quarters = queries.available_quarters(conn)
        before = {q: queries.counts(conn, "m", _all(), [q]) for q in quarters}
    assert sum(v.get("persons", 0) for v in before.values()) == 25
    assert rollup.fold(srv.engine) > 0
    assert srv.count("dash_delta") == 0
    with srv.engine.connect() as conn:
        assert queries.available_quarters(conn) == quarters
        assert {q: queries.counts(conn, "m", _all(), [q]) for q in quarters} == before


def _all():
    from intake_app.server.dashboard.filters import Filters

    return Filters()


def test_a_case_created_at_the_same_moment_is_found_and_locked(srv, device_factory, monkeypatch):
    """Another transaction creates the bundle's case after ingest looked for it: the insert
    waits for it, sees the case, and the bundle is stored again on top of that head."""
    if srv.kind != "postgresql":
        pytest.skip("a concurrent writer needs PostgreSQL")
    dev = srv.enroll(device_factory())
    first = dev.revision()
    second = dev.revision(first["case_id"], content=dict(first["content"], case_status="closed"))
    data = dev.bundle([second])  # revises a case the server has not seen yet
    attempts = []
    real = ingest.Ingestor._store_once
    monkeypatch.setattr(ingest.Ingestor, "_store_once", lambda self, *a: attempts.append(1) or real(self, *a))
    with psycopg.connect(_libpq(srv.db_url)) as other:  # the other writer: the case, head = first revision
        other.execute("INSERT INTO cases (case_id, head_revision_id, revision_count, open_conflicts, review_state,"
                      " first_received_at, updated_at) VALUES (%s, %s, 1, 0, 'new', now(), now())",
                      (first["case_id"], first["revision_id"]))
        ingesting = BlockedIngest(srv, data)  # its INSERT of the case waits for our uncommitted row
        other.commit()
        result = ingesting.finish()
    assert result["r"].status == "stored" and result["r"].conflicts == 0
    assert len(attempts) == 2  # the first attempt rolled back, the second locked the case
    with srv.engine.connect() as conn:
        row = conn.execute(text("SELECT head_revision_id, revision_count FROM cases")).one()
        facts = conn.execute(text("SELECT revision_id, case_status FROM case_facts")).one()
    assert row == (second["revision_id"], 2)
    assert facts == (second["revision_id"], "closed")


class BlockedIngest:
    """``srv.ingestor().ingest(data)`` on a thread, started and returned once its database
    session waits on a lock the test holds; ``finish()`` joins it. Its result or error
    lands in ``outcome`` ("r" or "err")."""

    def __init__(self, srv, data: bytes) -> None:
        self.outcome: dict = {}

        def run():
            try:
                self.outcome["r"] = srv.ingestor().ingest(data)
            except Exception as exc:  # noqa: BLE001 - the test looks at what came out
                self.outcome["err"] = exc

        self.worker = threading.Thread(target=run)
        self.worker.start()
        deadline = time.monotonic() + 30
        while not _waiting_on_a_lock(srv.db_url):
            assert time.monotonic() < deadline and self.worker.is_alive(), self.outcome
            time.sleep(0.02)

    def finish(self) -> dict:
        self.worker.join(30)
        return self.outcome


def _waiting_on_a_lock(url: str) -> bool:
    with psycopg.connect(_libpq(url), autocommit=True) as conn:
        return conn.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'intake-server'"
                            " AND wait_event_type = 'Lock'").fetchone()[0] > 0


def test_one_fold_at_a_time_and_none_lost(srv, device_factory, monkeypatch):
    """A fold that finds another one running leaves the deltas to it; they are all counted."""
    if srv.kind != "postgresql":
        pytest.skip("the fold lock is PostgreSQL's")
    monkeypatch.setattr(ingest, "FOLD_AFTER", 10**9)
    dev = srv.enroll(device_factory())
    srv.ingestor().ingest(dev.bundle([dev.revision() for _ in range(20)]))
    pending = srv.count("dash_delta")
    with psycopg.connect(_libpq(srv.db_url)) as other:  # "another fold" holds the lock
        other.execute("SELECT pg_advisory_xact_lock(%s)", (rollup.FOLD_LOCK,))
        assert rollup.fold(srv.engine) == 0
        assert srv.count("dash_delta") == pending
    assert rollup.fold(srv.engine) > 0
    assert srv.count("dash_delta") == 0
    assert _rollup(srv.engine) == _truth(srv.engine)


def test_fold_failure_keeps_the_deltas_and_ingest_goes_on(srv, device_factory, monkeypatch, caplog):
    """A fold that fails (database trouble after the bundle's commit) loses nothing: the
    receipt stands, the deltas stay and are counted, and a later fold takes them."""
    from sqlalchemy.exc import OperationalError

    monkeypatch.setattr(ingest, "FOLD_AFTER", 1)

    def broken(engine):
        raise OperationalError("fold", {}, Exception("gone"))

    monkeypatch.setattr(rollup, "fold", broken)
    dev = srv.enroll(device_factory())
    result = srv.ingestor().ingest(dev.bundle([dev.revision() for _ in range(5)]))
    assert result.status == "stored" and srv.count("revisions") == 5
    assert srv.count("dash_delta") > 0
    assert "dashboard fold postponed" in caplog.text
    monkeypatch.undo()
    rollup.fold(srv.engine)
    assert _rollup(srv.engine) == _truth(srv.engine)


def test_downgrade_below_the_deltas_folds_them_first(srv, device_factory, monkeypatch):
    from intake_app.server.migrate import downgrade, upgrade

    monkeypatch.setattr(ingest, "FOLD_AFTER", 10**9)
    dev = srv.enroll(device_factory())
    srv.ingestor().ingest(dev.bundle([dev.revision() for _ in range(15)]))
    assert srv.count("dash_delta") > 0
    truth = _truth(srv.engine)
    downgrade(srv.engine, "0005")
    try:
        assert _rollup(srv.engine) == truth
    finally:
        upgrade(srv.engine)
    assert srv.count("dash_delta") == 0


def test_database_lost_during_a_copy_is_database_unavailable(srv, device_factory):
    """The connection dies while ingest's COPY waits (rows travel through psycopg directly,
    not through SQLAlchemy): the device gets the same clear, retryable error, nothing is
    half-stored, and the same bundle goes in later."""
    from intake_app.server.errors import DatabaseUnavailable

    if srv.kind != "postgresql":
        pytest.skip("terminates a PostgreSQL backend")
    dev = srv.enroll(device_factory())
    data, _ = dev.new_bundle(5)
    with psycopg.connect(_libpq(srv.db_url)) as other:
        other.execute("LOCK TABLE revisions IN ACCESS EXCLUSIVE MODE")  # the COPY into revisions waits here
        ingesting = BlockedIngest(srv, data)
        with psycopg.connect(_libpq(srv.db_url), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'intake-server'"
                          " AND wait_event_type = 'Lock'")
        outcome = ingesting.finish()
        other.rollback()
    assert isinstance(outcome.get("err"), DatabaseUnavailable), outcome
    assert srv.count("bundles") == 0 and srv.count("revisions") == 0
    assert srv.ingestor().ingest(data).new_revisions == 5


def test_a_deadlock_inside_ingest_is_server_busy_and_the_retry_stores_it(srv, device_factory):
    """Ingest waits for a case another transaction is creating, which then waits for the
    device row ingest holds: PostgreSQL breaks the deadlock by aborting ingest (its check
    runs first). The device hears "busy, retry" (503), nothing is half-stored, and the
    resend goes in."""
    from intake_app.server.errors import ServerBusy

    if srv.kind != "postgresql":
        pytest.skip("a deadlock needs PostgreSQL")
    dev = srv.enroll(device_factory())
    rev = dev.revision()
    data = dev.bundle([rev])
    with psycopg.connect(_libpq(srv.db_url)) as other:
        other.execute("SET deadlock_timeout = '20s'")  # so ingest's backend is the one that finds the cycle
        other.execute("INSERT INTO cases (case_id, head_revision_id, revision_count, open_conflicts, review_state,"
                      " first_received_at, updated_at) VALUES (%s, NULL, 0, 0, 'new', now(), now())", (rev["case_id"],))
        ingesting = BlockedIngest(srv, data)  # its INSERT of the case waits for ours
        other.execute("UPDATE devices SET last_contact_at = now() WHERE device_id = %s", (dev.device_id,))
        outcome = ingesting.finish()
        other.rollback()
    assert isinstance(outcome.get("err"), ServerBusy), outcome
    assert srv.count("bundles") == 0 and srv.count("revisions") == 0
    assert srv.ingestor().ingest(data).new_revisions == 1
