"""``server.json`` never holds a database password, whichever command writes it (init,
restore, a settings change): psycopg reads PGPASSWORD or ~/.pgpass instead."""

from __future__ import annotations

import json

from intake_app.server.config import Settings, load_settings


def test_server_json_never_holds_the_database_password(tmp_path):
    url = "postgresql+psycopg://intake:clave-ficticia-db@127.0.0.1:5432/intake"
    settings = Settings(home=tmp_path / "home", db_url=url)
    settings.save()
    text = (tmp_path / "home" / "server.json").read_text(encoding="utf-8")
    assert "clave-ficticia-db" not in text
    assert json.loads(text)["db_url"] == "postgresql+psycopg://intake@127.0.0.1:5432/intake"
    assert settings.db_url == url  # the running process keeps what it was given
    assert load_settings(tmp_path / "home", url).db_url == url  # --db / INTAKE_SERVER_DB at each start
    plain = Settings(home=tmp_path / "h2", db_url=f"sqlite:///{tmp_path / 'h2' / 'server.sqlite3'}")
    plain.save()
    assert json.loads((tmp_path / "h2" / "server.json").read_text())["db_url"] == "sqlite:///server.sqlite3"
    assert load_settings(tmp_path / "h2").db_url == plain.db_url  # inside the home: kept relative to it


def test_a_password_in_the_query_string_is_never_kept_or_shown(tmp_path):
    """libpq also takes ``?password=``: it was printed, saved in server.json and written
    into the (append-only) audit log by ``db move``."""
    from intake_app.server.db import redact_url

    url = "postgresql+psycopg://intake@127.0.0.1:5432/intake?password=clave-ficticia-db&sslmode=disable"
    settings = Settings(home=tmp_path / "home", db_url=url)
    settings.save()
    text = (tmp_path / "home" / "server.json").read_text(encoding="utf-8")
    assert "clave-ficticia-db" not in text and "sslmode=disable" in text
    assert "clave-ficticia-db" not in redact_url(url) and "sslmode=disable" in redact_url(url)
    assert "clave-ficticia-db" not in redact_url("postgresql+psycopg://intake:clave-ficticia-db@h/intake")


def test_a_relative_sqlite_path_is_where_the_file_was_made(tmp_path, monkeypatch):
    """``--db sqlite:///NAME`` makes the file in the working folder; server.json must then
    name that file, not one of the same name inside the home (it served an empty one)."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    Settings(home=tmp_path / "home", db_url="sqlite:///ficticio.sqlite3").save()
    assert load_settings(tmp_path / "home").db_url == f"sqlite:///{work / 'ficticio.sqlite3'}"
    monkeypatch.chdir(tmp_path / "home")  # run from inside the home: kept relative to it
    Settings(home=tmp_path / "home", db_url="sqlite:///dentro.sqlite3").save()
    assert json.loads((tmp_path / "home" / "server.json").read_text())["db_url"] == "sqlite:///dentro.sqlite3"
    monkeypatch.chdir(tmp_path)
    assert load_settings(tmp_path / "home").db_url == f"sqlite:///{tmp_path / 'home' / 'dentro.sqlite3'}"
