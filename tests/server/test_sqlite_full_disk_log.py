"""A full disk under the SQLite server's database is logged as such (SQLITE_FULL, worded in
both languages), not as a bare ``OperationalError`` like a lock or a damaged file, and never
with the error's own message. The disk is "full" by SQLite's ``max_page_count`` (no mount
needed). FICTIONAL data only."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import event

from intake_app.server.db import make_engine
from intake_app.server.errors import DatabaseUnavailable
from intake_app.server.ingest import Ingestor


@pytest.fixture
def db_url(tmp_path):
    return f"sqlite:///{tmp_path / 'server.sqlite3'}"


def test_a_full_disk_on_sqlite_is_named_in_the_log(srv, device_factory, caplog):
    dev = srv.enroll(device_factory())
    with srv.engine.connect() as conn:
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar_one()
    full = make_engine(srv.db_url)

    @event.listens_for(full, "connect")
    def _no_room(dbapi_conn, _record):
        dbapi_conn.execute(f"PRAGMA max_page_count = {pages}")  # not one page more: "database or disk is full"

    try:
        with caplog.at_level(logging.WARNING), pytest.raises(DatabaseUnavailable):
            Ingestor(full, srv.keystore).ingest(dev.bundle([dev.revision() for _ in range(200)]))
    finally:
        full.dispose()
    lines = [r.getMessage() for r in caplog.records if "database unavailable" in r.getMessage()]
    assert lines, caplog.text
    assert "SQLITE_FULL" in lines[0] and "disco lleno" in lines[0] and "disk full" in lines[0]
    assert "base de datos no disponible" in lines[0]
    assert "database or disk is full" not in caplog.text  # never the error's own message
    assert srv.count("revisions") == 0
