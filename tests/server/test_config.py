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
