"""What a soak of the server found in ingest: a scan of every revision per bundle on SQLite,
a COPY bound to collide (and its ERROR in PostgreSQL's log) for every edit of a case, and
dashboard deltas never folded by a server that restarts often.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest
from sqlalchemy import event, select, text

from intake_app.server import ingest, pgcopy
from intake_app.server.dashboard import rollup
from intake_app.server.errors import RevisionConflictingCopy
from intake_app.server.facts import facts_of
from intake_app.vault.cases import revision_hash

_FULL_SCAN = re.compile(r"\bSCAN (TABLE )?revisions\b")


def _edit(dev, rev: dict) -> dict:
    """A new head of the case of ``rev`` (other fictional answers)."""
    flip = {"female": "male"}
    return dev.revision(rev["case_id"], content=dict(rev["content"],
                                                     gender=flip.get(rev["content"]["gender"], "female")))


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_sqlite_ingest_finds_its_revisions_by_key_never_by_a_scan(srv, device_factory):
    """Every statement of a bundle (new cases, edits, a revision held already) is planned
    without a full scan of ``revisions``: the table grows with every bundle, and the scan
    would run under SQLite's write lock."""
    dev = srv.enroll(device_factory())
    ing = srv.ingestor()
    first = [dev.revision() for _ in range(10)]
    ing.ingest(dev.bundle(first))
    seen: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters[0] if executemany else parameters))

    event.listen(srv.engine, "before_cursor_execute", record)
    try:
        result = ing.ingest(dev.bundle([first[0]] + [_edit(dev, r) for r in first[1:5]]
                                       + [dev.revision() for _ in range(5)]))
    finally:
        event.remove(srv.engine, "before_cursor_execute", record)
    assert (result.revisions, result.new_revisions) == (10, 9)  # first[0] was held already
    assert any("revisions" in s for s, _ in seen)
    raw = srv.engine.raw_connection()
    try:
        scans = []
        for statement, params in seen:
            if not statement.lstrip().upper().startswith(("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")):
                continue
            plan = [row[-1] for row in raw.cursor().execute("EXPLAIN QUERY PLAN " + statement, params or ())]
            scans += [(statement, line) for line in plan if _FULL_SCAN.search(line)]
    finally:
        raw.close()
    assert scans == []


def test_a_revision_held_already_with_other_content_is_refused_whole(srv, device_factory):
    dev = srv.enroll(device_factory())
    ing = srv.ingestor()
    first = [dev.revision() for _ in range(3)]
    ing.ingest(dev.bundle(first))
    other = dict(first[1]["content"], gender="male" if first[1]["content"]["gender"] != "male" else "female")
    forged = dict(first[1], content=other,
                  content_hash=revision_hash(first[1]["case_id"], first[1]["parent_id"], "1.0", other))
    before = srv.count("revisions"), srv.count("bundles")
    with pytest.raises(RevisionConflictingCopy):  # (the device's chain does not move on)
        ing.ingest(dev.bundle([dev.revision(), forged], sequence=dev.sequence + 1, prev_hash=dev.prev_hash))
    assert (srv.count("revisions"), srv.count("bundles")) == before
    result = ing.ingest(dev.bundle([first[1], dev.revision()]))  # the very same revision again: fine
    assert (result.revisions, result.new_revisions) == (2, 1) and srv.count("revisions") == before[0] + 1


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_pg_edits_of_existing_cases_copy_nothing_bound_to_collide(srv, device_factory, monkeypatch):
    """New cases take the straight COPY; edits of cases (with new ones among them) go to the
    upsert at once: no COPY that fails (a UniqueViolation in PostgreSQL's log), same rows."""
    collided: Counter = Counter()
    copied: Counter = Counter()
    real = pgcopy.copy_fresh

    def counting(cur, table, columns, rows):
        ok = real(cur, table, columns, rows)
        (copied if ok else collided)[table] += 1
        return ok

    monkeypatch.setattr(pgcopy, "copy_fresh", counting)
    dev = srv.enroll(device_factory())
    ing = srv.ingestor()
    first = [dev.revision() for _ in range(10)]
    ing.ingest(dev.bundle(first))
    assert copied["case_facts"] == 1 and not collided
    edits = [_edit(dev, r) for r in first[:6]] + [dev.revision() for _ in range(2)]
    ing.ingest(dev.bundle(edits))
    last = [_edit(dev, edits[0]), _edit(dev, first[7])]
    ing.ingest(dev.bundle(last))
    assert collided == Counter()
    sent = {r["revision_id"]: r for r in [*first, *edits, *last]}
    with srv.engine.connect() as conn:
        heads = dict(conn.execute(text("SELECT case_id, head_revision_id FROM cases")).all())
        stored = {r["case_id"]: dict(r) for r in conn.execute(text("SELECT * FROM case_facts")).mappings()}
        kinds = sorted(tuple(r) for r in conn.execute(
            text("SELECT case_id, exploitation_type FROM case_fact_exploitation")).all())
    assert len(heads) == 12 and set(stored) == set(heads)
    expected_kinds = []
    for case_id, head_id in heads.items():
        rev = sent[head_id]
        row, k = facts_of(case_id, head_id, rev["codebook_version"], rev["content"])
        assert {**stored[case_id], "updated_at": None} == {**row, "updated_at": None}
        expected_kinds += [(x["case_id"], x["exploitation_type"]) for x in k]
    assert kinds == sorted(expected_kinds)
    rollup.fold(srv.engine)
    with srv.engine.connect() as conn:
        truth = rollup.counts_from_cases(conn.execute(select(rollup.case_t)).mappings())
        folded = Counter({tuple(r[:-1]): r[-1] for r in conn.execute(select(rollup.rollup_t)) if r[-1]})
    assert folded == Counter({cell: n for cell, n in truth.items() if n})


def test_a_restarted_server_folds_the_deltas_earlier_processes_left(srv, device_factory, monkeypatch):
    """Each process used to count only the deltas it appended itself: a server restarted
    before reaching FOLD_AFTER never folded, and the views slowed as the deltas piled up."""
    monkeypatch.setattr(ingest, "FOLD_AFTER", 10**9)
    dev = srv.enroll(device_factory())
    for _ in range(2):  # two short-lived processes, each below the mark
        srv.ingestor().ingest(dev.bundle([dev.revision() for _ in range(10)]))
    left = srv.count("dash_delta")
    assert left > 0 and srv.count("dash_rollup") == 0
    monkeypatch.setattr(ingest, "FOLD_AFTER", left + 1)  # reached only with the next bundle's deltas
    ing = srv.ingestor()  # a restart
    ing.ingest(dev.bundle([dev.revision()]))
    assert srv.count("dash_delta") == 0 and srv.count("dash_rollup") > 0
    ing.ingest(dev.bundle([dev.revision()]))  # counted in memory from here on: below the mark again
    assert 0 < srv.count("dash_delta") < left
    with srv.engine.connect() as conn:
        truth = rollup.counts_from_cases(conn.execute(select(rollup.case_t)).mappings())
    rollup.fold(srv.engine)
    with srv.engine.connect() as conn:
        folded = Counter({tuple(r[:-1]): r[-1] for r in conn.execute(select(rollup.rollup_t)) if r[-1]})
    assert folded == Counter({cell: n for cell, n in truth.items() if n})


def test_the_first_bundle_of_a_process_reads_the_waiting_deltas_once(srv, device_factory, monkeypatch):
    """The count that starts a process is read once, and reads at most FOLD_AFTER rows."""
    monkeypatch.setattr(ingest, "FOLD_AFTER", 10**9)
    dev = srv.enroll(device_factory())
    srv.ingestor().ingest(dev.bundle([dev.revision() for _ in range(5)]))
    monkeypatch.setattr(ingest, "FOLD_AFTER", 3)
    reads: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if "dash_delta" in statement and statement.lstrip().upper().startswith("SELECT"):
            reads.append(statement)

    event.listen(srv.engine, "before_cursor_execute", record)
    try:
        ing = srv.ingestor()
        monkeypatch.setattr(rollup, "fold", lambda engine: 0)  # count only: nothing folds here
        ing.ingest(dev.bundle([dev.revision()]))
        ing.ingest(dev.bundle([dev.revision()]))
    finally:
        event.remove(srv.engine, "before_cursor_execute", record)
    assert len(reads) == 1 and "LIMIT" in reads[0].upper()
