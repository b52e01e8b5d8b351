"""``restore`` and ``db move`` into a PostgreSQL database the URL's role may not create
tables in (made by ``createdb`` as postgres without ``-O``): refused before anything is
written (and, for ``restore``, before the passphrase is asked) in words that name the fix
(``ALTER DATABASE … OWNER TO``, ``createdb -O``, ``GRANT CREATE``), never as "pg_restore
could not…" or an internal error. pg_restore's own text, which can quote a row, is never
shown: a known cause is worded. A restore that fails leaves no home behind. Fictional data
only (DEMO names)."""

from __future__ import annotations

import os
import secrets as tokens
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from intake_app import i18n
from intake_app.server import restore as restore_mod
from intake_app.server.config import CONFIG_NAME
from intake_app.server.errors import BackupFailed
from intake_app.server.setup import init_server
from tests.pg import ADMIN_URL, empty_server_db, temp_databases

from .conftest import ADMIN_PASSWORD, FAST_KDF, KEY_PASSPHRASE
from .test_backup import cli, fill
from .test_cli_words import run
from .test_empty_database_refused import tables


@pytest.fixture
def db_url(pg_url):  # the backed-up server: PostgreSQL only
    empty_server_db(pg_url)
    return pg_url


@contextmanager
def role_and_database():
    """A login role of its own and an empty database owned by postgres (not by it)."""
    role = f"intake_test_role_{os.getpid()}_{tokens.token_hex(3)}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE ROLE "{role}" LOGIN'))
    try:
        with temp_databases("intake_privs_test") as (url,):
            yield role, url, url.replace("postgres@", f"{role}@", 1)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        admin.dispose()




def give(url: str, role: str) -> None:
    """What the refusal tells the operator to do: the role owns the database."""
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'ALTER DATABASE "{url.rsplit("/", 1)[1]}" OWNER TO "{role}"'))
    admin.dispose()


def test_restore_into_a_database_of_another_role_is_refused_before_the_passphrase(srv, device_factory, tmp_path):
    fill(srv, device_factory, 3)
    backup = tmp_path / "copia"
    assert cli(srv.home, None, tmp_path, "backup", str(backup)) == 0
    with role_and_database() as (role, admin_url, url):
        home = tmp_path / "srv-nuevo"
        code, out, err = run("--home", home, "--db", url, "restore", backup, input="")  # no passphrase given
        assert code == 2, err
        database = url.rsplit("/", 1)[1]
        assert f"El usuario de PostgreSQL «{role}» no puede crear tablas" in err, err
        assert f"ALTER DATABASE {database} OWNER TO {role};" in err and f"createdb -O {role} {database}" in err
        assert f"GRANT CREATE ON SCHEMA public TO {role};" in err
        assert "pg_restore" not in err and "Frase de paso" not in err and "Cancelado" not in err
        assert not home.exists() and tables(admin_url) == []
        give(admin_url, role)  # as the message says: then it restores
        assert cli(home, url, tmp_path, "restore", str(backup)) == 0
        assert "revisions" in tables(admin_url)


def test_a_pg_restore_failure_is_worded_without_its_text_and_leaves_no_home(srv, tmp_path, monkeypatch):
    """Past the check (a cause it does not foresee), pg_restore's refusal: the known cause in
    words, the statement it quotes never; the home this restore made is gone again."""
    backup = tmp_path / "copia"
    assert cli(srv.home, None, tmp_path, "backup", str(backup)) == 0
    monkeypatch.setattr(restore_mod, "_check_pg_target", lambda url: None)
    with role_and_database() as (role, admin_url, url):
        home = tmp_path / "srv-nuevo"
        with pytest.raises(BackupFailed) as failed:
            restore_mod.restore(backup, home, url, KEY_PASSPHRASE)
        assert failed.value.params["reason"] == "pg_restore_permission"
        said = i18n.describe_error(failed.value, "es")
        assert f"createdb -O {role} {url.rsplit('/', 1)[1]}" in said, said
        assert "CREATE TABLE" not in said and "Command was" not in said and "ERROR" not in said
        assert not home.exists()


def test_db_move_into_a_database_of_another_role_is_refused_in_words(tmp_path):
    home = tmp_path / "srv"
    init_server(home, db_url=None, passphrase=KEY_PASSPHRASE, admin_username="admin",
                admin_password=ADMIN_PASSWORD, kdf=FAST_KDF)
    config = (home / CONFIG_NAME).read_bytes()
    with role_and_database() as (role, admin_url, url):
        code, out, err = run("--lang", "en", "--home", home, "db", "move", "--to", url)
        assert code == 2, err
        assert f'The PostgreSQL role “{role}” cannot create tables' in err and "internal error" not in err, err
        assert tables(admin_url) == [] and (home / CONFIG_NAME).read_bytes() == config
        give(admin_url, role)
        code, out, err = run("--lang", "en", "--home", home, "db", "move", "--to", url)
        assert code == 0, err
        assert "users" in tables(admin_url)


def test_the_guide_creates_the_restore_database_with_its_owner():
    guide = (Path(__file__).resolve().parents[2] / "docs" / "server.md").read_text(encoding="utf-8")
    for line in guide.splitlines():
        if "createdb" in line:
            assert "-O" in line, line
