"""``intake-server db move`` failing **after** its copy was committed (the chain's check on the
target, Ctrl-C, writing ``server.json``): the message says the truth (the copy is complete in
the new database, ``server.json`` did not change, run the same command again), and the same
command then finishes the move: it recognises the complete copy of this server's database by
its audit chain and only switches ``server.json``, writing nothing into either database.
Before, such a failure said «No se guardó nada incompleto; intente de nuevo», and the retry
was refused because the target was no longer empty. A copy the source has moved on from is
still refused. Real PostgreSQL and SQLite databases; every person is fictional."""

from __future__ import annotations

import errno
import json

import pytest
from sqlalchemy import text

from intake_app.server import audit, db_move
from intake_app.server.config import CONFIG_NAME, Settings, load_settings
from intake_app.server.db import make_engine, transaction
from tests.pg import temp_databases

from .test_db_move import dump, run, small_server


@pytest.fixture
def pg_target():
    with temp_databases("intake_dbmove_after") as (url,):
        yield url


def _fail_after_commit(monkeypatch, exc: BaseException) -> None:
    """The step right after the commit (the chain's check on the target) fails once."""
    real = audit.verify

    def failing(engine, *args, **kwargs):
        monkeypatch.setattr(db_move.audit, "verify", real)
        raise exc

    monkeypatch.setattr(db_move.audit, "verify", failing)


def _entries(url: str) -> int:
    engine = make_engine(url)
    try:
        return audit.verify(engine)
    finally:
        engine.dispose()


def test_a_failure_after_the_commit_says_so_and_the_same_command_finishes(tmp_path, pg_target, monkeypatch,
                                                                          capsys):
    settings = small_server(tmp_path)
    config = (settings.home / CONFIG_NAME).read_bytes()
    source = _entries(settings.db_url)
    _fail_after_commit(monkeypatch, RuntimeError("corte de prueba"))
    assert run(settings.home, tmp_path, "db", "move", "--to", pg_target) == 2  # worded, not an internal error
    err = capsys.readouterr().err
    assert "The copy is complete in the new database " + pg_target in err, err
    assert "server.json did not change and still names the old database" in err
    assert f'run the same command again ("intake-server db move --to {pg_target}")' in err
    assert "Nothing incomplete was saved" not in err and "corte de prueba" not in err
    assert (settings.home / CONFIG_NAME).read_bytes() == config
    assert _entries(pg_target) == source + 1  # the copy and its db_move entry are there

    target = make_engine(pg_target)
    try:
        before = dump(target)
    finally:
        target.dispose()
    assert run(settings.home, tmp_path, "db", "move", "--to", pg_target) == 0
    out = capsys.readouterr()
    assert "The complete copy was already in the new database" in out.out and "server.json now points to" in out.out
    assert "Database copied" not in out.out, out  # this run copied nothing: it does not say it did
    assert json.loads((settings.home / CONFIG_NAME).read_text(encoding="utf-8"))["db_url"] == pg_target
    target = make_engine(pg_target)
    try:
        assert dump(target) == before  # only server.json changed: no second copy, no second db_move entry
    finally:
        target.dispose()
    assert run(settings.home, tmp_path, "audit", "verify") == 0  # through server.json, now the new database
    assert run(settings.home, tmp_path, "db", "move", "--to", pg_target) == 2  # and once more: already done
    assert "is the database the server already uses" in capsys.readouterr().err


def test_ctrl_c_after_the_commit_says_what_is_where(tmp_path, monkeypatch, capsys):
    settings = small_server(tmp_path)
    config = (settings.home / CONFIG_NAME).read_bytes()
    new = tmp_path / "nueva.sqlite3"
    _fail_after_commit(monkeypatch, KeyboardInterrupt())
    assert run(settings.home, tmp_path, "db", "move", "--to", f"sqlite:///{new}") == 130
    err = capsys.readouterr().err
    assert f"Cancelled after copying: the new database sqlite:///{new} holds the complete copy" in err, err
    assert "run the same command again" in err
    assert new.exists() and (settings.home / CONFIG_NAME).read_bytes() == config  # the copy kept, not removed
    assert run(settings.home, tmp_path, "db", "move", "--to", f"sqlite:///{new}") == 0
    assert load_settings(settings.home).db_url == f"sqlite:///{new}"


def test_a_failure_writing_server_json_is_finished_by_the_same_command(tmp_path, pg_target, monkeypatch, capsys):
    """The last step, ``server.json`` itself (a full disk): its message says run the command
    again, and that now finishes the move."""
    settings = small_server(tmp_path)
    config = (settings.home / CONFIG_NAME).read_bytes()
    real = Settings.save

    def full(self):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Settings, "save", full)
    assert run(settings.home, tmp_path, "db", "move", "--to", pg_target) == 2
    err = capsys.readouterr().err
    assert "no space left on the disk" in err and "The copy is complete in the new database" in err
    assert (settings.home / CONFIG_NAME).read_bytes() == config
    monkeypatch.setattr(Settings, "save", real)
    assert run(settings.home, tmp_path, "db", "move", "--to", pg_target) == 0
    assert "The complete copy was already in the new database" in capsys.readouterr().out
    assert load_settings(settings.home).db_url == pg_target


def test_a_copy_the_source_moved_on_from_is_refused(tmp_path, pg_target, monkeypatch, capsys):
    """The old server started again after the failed move (it audits what it does): the copy
    is behind, so the target is refused as not empty, and server.json stays."""
    settings = small_server(tmp_path)
    config = (settings.home / CONFIG_NAME).read_bytes()
    _fail_after_commit(monkeypatch, RuntimeError("corte de prueba"))
    assert run(settings.home, tmp_path, "db", "move", "--to", pg_target) == 2
    source = make_engine(settings.db_url)
    try:
        with transaction(source) as conn:
            audit.append(conn, "user:admin", "login")
    finally:
        source.dispose()
    capsys.readouterr()
    assert run(settings.home, tmp_path, "db", "move", "--to", pg_target) == 2
    assert "is not empty (table" in capsys.readouterr().err
    assert (settings.home / CONFIG_NAME).read_bytes() == config


def test_a_copy_the_source_changed_without_an_audit_entry_is_refused(tmp_path, pg_target, monkeypatch, capsys):
    """The old server started again after the failed move and renewed a laptop's lease: that
    writes ``devices.last_contact_at`` and no audit entry, and every count stays. The copy
    lacks the change, so it is no complete copy: refused as not empty, server.json stays."""
    from datetime import datetime, timezone

    from intake_app.server.models import Device

    settings = small_server(tmp_path)
    config = (settings.home / CONFIG_NAME).read_bytes()
    _fail_after_commit(monkeypatch, RuntimeError("corte de prueba"))
    assert run(settings.home, tmp_path, "db", "move", "--to", pg_target) == 2
    source = make_engine(settings.db_url)
    try:
        head = audit.verify(source)
        with transaction(source) as conn:
            renewed = conn.execute(Device.__table__.update().values(
                last_contact_at=datetime(2031, 1, 2, 3, 4, 5, tzinfo=timezone.utc)))
            assert renewed.rowcount == 1
        assert audit.verify(source) == head  # no audit entry for it
    finally:
        source.dispose()
    capsys.readouterr()
    assert run(settings.home, tmp_path, "db", "move", "--to", pg_target) == 2
    out = capsys.readouterr()
    assert "is not empty (table" in out.err and "Database copied" not in out.out, out
    assert (settings.home / CONFIG_NAME).read_bytes() == config


def test_a_copy_written_to_since_is_refused(tmp_path, pg_target, monkeypatch, capsys):
    """A server started on the new database by hand (INTAKE_SERVER_DB) wrote there: its entries
    follow the db_move entry, so this is no longer just the copy."""
    settings = small_server(tmp_path)
    _fail_after_commit(monkeypatch, RuntimeError("corte de prueba"))
    assert run(settings.home, tmp_path, "db", "move", "--to", pg_target) == 2
    target = make_engine(pg_target)
    try:
        with transaction(target) as conn:
            audit.append(conn, "user:admin", "login")
    finally:
        target.dispose()
    capsys.readouterr()
    assert run(settings.home, tmp_path, "db", "move", "--to", pg_target) == 2
    assert "is not empty (table" in capsys.readouterr().err
    assert load_settings(settings.home).db_url != pg_target


def test_a_copy_missing_rows_is_refused(tmp_path, pg_target, monkeypatch):
    """Rows removed from the copy by hand (its chain intact): not the complete copy."""
    settings = small_server(tmp_path)
    _fail_after_commit(monkeypatch, RuntimeError("corte de prueba"))
    assert run(settings.home, tmp_path, "db", "move", "--to", pg_target) == 2
    target = make_engine(pg_target)
    try:
        with transaction(target) as conn:
            assert conn.execute(text("DELETE FROM dash_delta")).rowcount > 0  # the dashboard's unfolded changes
        with pytest.raises(db_move.DbMoveTargetNotEmpty):
            db_move.move_database(settings.db_url, pg_target)
    finally:
        target.dispose()
