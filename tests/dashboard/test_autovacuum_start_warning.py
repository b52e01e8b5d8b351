"""``intake-server serve`` says once, in the log (Spanish, then English), when PostgreSQL runs
with ``autovacuum`` off: the dashboard's fold empties ``dash_delta`` with DELETE, and its dead
rows are then never reclaimed (docs/server.md §4). The server starts either way. A real
server database on SQLite and PostgreSQL; uvicorn itself is not started. Since autovacuum is a
server-wide setting a test may not change, PostgreSQL's answer to ``SHOW autovacuum`` is
rewritten on its way (the query still goes to the database)."""

from __future__ import annotations

import logging
from contextlib import contextmanager

from click.testing import CliRunner
from sqlalchemy import event
from sqlalchemy.engine import Engine

from intake_app import i18n
from intake_app.logsetup import PrivacyFilter
from intake_app.server.cli import main
from intake_app.server.cli_setup import warn_autovacuum_off
from intake_app.server.db import make_engine

LOGGER = "intake_app.server.cli_setup"


@contextmanager
def autovacuum_says(value: str):
    """Every engine's ``SHOW autovacuum`` answers ``value`` (sent as ``SELECT 'value'``)."""
    seen = []

    def rewrite(conn, cursor, statement, parameters, context, executemany):
        if statement.strip().lower() == "show autovacuum":
            seen.append(statement)
            return f"SELECT '{value}'", parameters
        return statement, parameters

    event.listen(Engine, "before_cursor_execute", rewrite, retval=True)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", rewrite)


def warnings_of(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == LOGGER and "autovacuum" in r.getMessage()]


def test_the_check_warns_only_when_postgresql_runs_without_autovacuum(dash, caplog):
    caplog.set_level(logging.WARNING, logger=LOGGER)
    engine = make_engine(dash.settings.db_url)
    try:
        for value in ("on", "off"):
            caplog.clear()
            with autovacuum_says(value) as seen:
                warn_autovacuum_off(engine)
            if dash.kind == "sqlite":
                assert seen == [] and warnings_of(caplog) == []  # nothing to ask
                continue
            assert len(seen) == 1
            found = warnings_of(caplog)
            assert len(found) == (1 if value == "off" else 0)
        if dash.kind == "postgresql":
            message = found[0].getMessage()
            assert message.index("autovacuum está desactivado") < message.index(" / autovacuum is off")
            assert "dash_delta" in message and "docs/server.md §4" in message
            assert PrivacyFilter().filter(found[0]) and found[0].getMessage() == message  # written as is
    finally:
        engine.dispose()


def test_serve_warns_once_at_start(dash, tmp_path, monkeypatch, caplog):
    import uvicorn

    caplog.set_level(logging.WARNING, logger=LOGGER)
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: None)
    monkeypatch.setattr("intake_app.server.cli_setup.check_port", lambda host, port: None)
    for name in ("INTAKE_SERVER_KEY", "INTAKE_SERVER_HOME", "INTAKE_SERVER_DB", "FORWARDED_ALLOW_IPS"):
        monkeypatch.setenv(name, "x")  # serve sets them for its workers: undone after the test
        monkeypatch.delenv(name)
    pp = tmp_path / "pp.txt"
    pp.write_text("frase del operador ficticia\n", encoding="utf-8")
    with autovacuum_says("off"):
        try:
            with CliRunner().isolation() as (_out, err, _):
                code = main(["--home", str(dash.home), "--db", dash.settings.db_url, "--passphrase-file", str(pp),
                             "serve", "--workers", "2"])
        finally:
            i18n.set_language("es")
    assert code == 0, err.getvalue().decode()
    assert len(warnings_of(caplog)) == (1 if dash.kind == "postgresql" else 0)
