"""A URL that points at an empty database (the wrong one): ``migrate`` used to fill it with
an empty schema and ``serve`` then started a server with no users and no devices, its audit
log "intact: 0 entries". Both now refuse a database that holds no server (no schema, or no
user), saying the URL is probably wrong and that ``init`` makes a new server; a raw "none"
is never shown. A server's own database still migrates and serves. Fictional data only."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, inspect

from intake_app.server.db import make_engine
from intake_app.server.migrate import upgrade
from tests.pg import temp_databases

from .test_backup import cli
from .test_cli_migrate_serve_rotate import home  # noqa: F401  (a fixture: an initialized server home)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request, tmp_path):
    if request.param == "sqlite":
        path = tmp_path / "otra.sqlite3"
        path.touch()
        yield f"sqlite:///{path}"
        return
    with temp_databases("intake_emptydb_test") as (url,):
        yield url


def tables(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        return inspect(engine).get_table_names()
    finally:
        engine.dispose()


def said_no_server(err: str) -> bool:
    return "holds no server" in err and "probably points at the wrong database" in err and "init" in err


@pytest.mark.parametrize("command", [["migrate"], ["serve", "--port", "1"], ["user", "list"], ["audit", "verify"]])
def test_an_empty_database_is_refused_as_the_wrong_one(home, tmp_path, capsys, empty_url, command):
    assert cli(home, empty_url, tmp_path, *command) == 2
    err = capsys.readouterr().err
    assert said_no_server(err), err
    assert "none" not in err and "Run \"intake-server init\" or" not in err
    assert tables(empty_url) == []  # migrate wrote no schema into it


def test_a_schema_without_users_is_no_server_either(home, tmp_path, capsys, empty_url):
    engine = make_engine(empty_url)
    upgrade(engine)  # what the old migrate left behind
    engine.dispose()
    for command in (["migrate"], ["serve", "--port", "1"]):
        assert cli(home, empty_url, tmp_path, *command) == 2
        assert said_no_server(capsys.readouterr().err)


def test_the_servers_own_database_still_migrates(home, tmp_path, capsys):
    assert cli(home, None, tmp_path, "migrate") == 0
    assert "Database schema up to date" in capsys.readouterr().out
    assert cli(home, None, tmp_path, "audit", "verify") == 0
