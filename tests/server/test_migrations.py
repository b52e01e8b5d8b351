"""Migrations: ``upgrade head`` gives the models' schema; each migration runs over data."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from sqlalchemy import text

from intake_app.server.db import make_engine
from intake_app.server.migrate import downgrade, schema_diff, upgrade

from .conftest import empty_pg
from .devicesim import SimDevice


def fresh_engine(db_url, pg_url_factory=None):
    return make_engine(db_url)


def test_upgrade_head_matches_the_models(srv):
    assert schema_diff(srv.engine) == []


def test_each_migration_with_data(db_url):
    engine = make_engine(db_url)
    try:
        if engine.dialect.name == "postgresql":
            downgrade(engine, "base")
        upgrade(engine, "0001")
        dev = SimDevice("lap-migr-001")
        rev = dev.revision()
        now = datetime.now(timezone.utc)
        with engine.begin() as conn:  # a server at schema 0001 with one stored case
            conn.execute(text("INSERT INTO devices (device_id, status, ed25519, mldsa65, fingerprint, post, request,"
                              " requested_at) VALUES ('lap-migr-001', 'active', :b, :b, 'FP', 'cr_sixaola', :b, :t)"),
                         {"b": b"x", "t": now})
            conn.execute(text("INSERT INTO bundles (device_id, sequence, bundle_hash, prev_hash, payload_sha256,"
                              " created_at, received_at, source, revision_count, audit_count, new_revisions)"
                              " VALUES ('lap-migr-001', 1, :h, :z, :h, '2026-11-23T00:00:00Z', :t, 'usb', 1, 0, 1)"),
                         {"h": b"h" * 32, "z": bytes(32), "t": now})
            conn.execute(text("INSERT INTO revisions (revision_id, case_id, parent_id, officer_id, device_id, bundle_id,"
                              " created_at, codebook_version, content_hash, content) VALUES (:r, :c, NULL, 'o',"
                              " 'lap-migr-001', 1, :ca, '1.0', :hh, :content)"),
                         {"r": rev["revision_id"], "c": rev["case_id"], "ca": rev["created_at"], "hh": rev["content_hash"],
                          "content": json.dumps(rev["content"])})
            conn.execute(text("INSERT INTO cases (case_id, head_revision_id, revision_count, open_conflicts,"
                              " review_state, first_received_at, updated_at) VALUES (:c, :r, 1, 0, 'new', :t, :t)"),
                         {"c": rev["case_id"], "r": rev["revision_id"], "t": now})
        upgrade(engine, "0006")  # 0002 backfills the case facts from the head revision
        with engine.begin() as conn:  # two outgoing packages at 0006: a supervisor's and the old CLI's
            conn.execute(text("INSERT INTO users (username, password_hash, role, institution, disabled, failed_logins,"
                              " created_at) VALUES ('sup.pani', 'x', 'supervisor', 'pani', :f, 0, :t)"),
                         {"f": False, "t": now})
            for pid, who in (("xp-1", "user:sup.pani"), ("xp-2", "operator")):
                conn.execute(text("INSERT INTO exchange_packages (package_id, kind, recipient_key, purpose, status,"
                                  " fields, spec, case_count, prepared_by, prepared_at) VALUES (:p, 'referral',"
                                  " 'cr_pani', 'services', 'prepared', '[]', '{}', 1, :w, :t)"),
                             {"p": pid, "w": who, "t": now})
        upgrade(engine)  # 0007: each package belongs to its preparer's institution
        with engine.connect() as conn:
            owners = dict(conn.execute(text("SELECT package_id, institution FROM exchange_packages")).all())
        assert owners == {"xp-1": "pani", "xp-2": None}
        with engine.connect() as conn:
            row = conn.execute(text("SELECT case_id, revision_id, border_post, quarter FROM case_facts")).one()
        assert row[:3] == (rev["case_id"], rev["revision_id"], rev["content"]["border_post"])
        assert row[3].startswith(rev["content"]["record_date"][:4] + "-Q")
        assert schema_diff(engine) == []
        downgrade(engine, "0001")  # and back: the data of 0001 survives
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM revisions")).scalar_one() == 1
        upgrade(engine)
    finally:
        if engine.dialect.name == "postgresql":
            empty_pg(db_url)
        engine.dispose()
