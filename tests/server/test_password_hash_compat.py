"""Server passwords are hashed with ``cryptography``'s Argon2id (the project's only crypto
library), and the hashes argon2-cffi stored before still open: the literals below were made
by argon2-cffi 25.1 (``PasswordHasher(...).hash``) for fictional passwords. A stored string
that cannot be read is a wrong password after the same work, never a server error."""

from __future__ import annotations

import ast
import logging
import re
from pathlib import Path

import pytest
from sqlalchemy import text

from intake_app.server import auth
from intake_app.server.auth import PasswordHasher

from .conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
# argon2-cffi PasswordHasher(time_cost=2, memory_cost=65536, parallelism=1): the server's cost
STORED = "$argon2id$v=19$m=65536,t=2,p=1$qn5EPt3iNRF5Ps+YrUM2bw$k4bRauJiZS3s+0/PD2MV3HbG1NjuRBeuTGm38BHD1aU"
# the same, for a password with letters beyond ASCII
STORED_NON_ASCII = "$argon2id$v=19$m=65536,t=2,p=1$4GuahTaYLnhK9jl88YgFKQ$No5/5JaGEg2duPJHM/5xQDO5dbpWK74HhIZSSO9FI1w"
# argon2-cffi's own defaults (t=3, four lanes) and the test suite's tiny cost
STORED_DEFAULTS = "$argon2id$v=19$m=65536,t=3,p=4$KgDJp5R49Ei70prZD0nmXA$OdwYoNMnJRqp2NeExVnifzlab9GBd9VAaWOAgmFyyhY"
STORED_FAST = "$argon2id$v=19$m=64,t=1,p=1$vKwQT9anfwVnT40ETQPvlg$6NxDGF9LpVRBYmQjvzGiIlmLq3i/ipX7Gbz19Mx+Sbw"
UNREADABLE = ["", "no-es-un-hash", STORED.replace("argon2id", "argon2i"), STORED.replace("v=19", "v=16"),
              STORED[:-42], STORED.replace("m=65536", "m=1"), STORED.replace("p=1", "p=0"),
              STORED.replace("t=2", "t=99999999999"), STORED.replace("$qn5E", "$!n5E")]


def test_no_module_of_the_code_imports_argon2_cffi():
    for package in ("intake_app", "ui"):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                    [node.module or ""] if isinstance(node, ast.ImportFrom) else []
                assert not any(n.partition(".")[0] == "argon2" for n in names), path


@pytest.mark.parametrize(("stored", "password"), [(STORED, PASSWORD), (STORED_NON_ASCII, "contraseña-ficticia-ñandú"),
                                                  (STORED_DEFAULTS, PASSWORD), (STORED_FAST, PASSWORD)])
def test_hashes_argon2_cffi_stored_still_verify(stored, password):
    hasher = PasswordHasher(time_cost=2, memory_cost=65536, parallelism=1)
    assert hasher.verify(stored, password) is True
    assert hasher.verify(stored, password + "x") is False
    assert hasher.verify(stored, password.upper()) is False


def test_new_hashes_keep_the_cost_and_the_shape():
    made = auth.PasswordHasher(time_cost=2, memory_cost=65536, parallelism=1).hash(PASSWORD)
    assert re.fullmatch(r"\$argon2id\$v=19\$m=65536,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}", made), made
    assert auth.PasswordHasher(2, 65536, 1).verify(made, PASSWORD) is True
    assert auth.PasswordHasher(2, 65536, 1).verify(made, "otra-clave-ficticia-1") is False


def test_the_server_cost_is_as_before(monkeypatch):
    monkeypatch.delenv("INTAKE_TEST_FAST_KDF", raising=False)
    hasher = auth._hasher()
    assert (hasher.time_cost, hasher.memory_cost, hasher.parallelism) == (2, 65536, 1)


@pytest.mark.parametrize("stored", UNREADABLE)
def test_an_unreadable_stored_hash_is_a_wrong_password_after_the_same_work(stored, monkeypatch, caplog):
    checked = []
    real = auth._stored
    monkeypatch.setattr(auth, "_stored", lambda h: checked.append(h) or real(h))
    assert PasswordHasher(1, 64, 1).verify(stored, PASSWORD) is False
    assert checked[-1] == auth._dummy_hash()  # an Argon2id check was still made
    assert "no es una cadena PHC de Argon2id" in caplog.text and "not an Argon2id PHC string" in caplog.text
    assert PASSWORD not in caplog.text


def test_the_dummy_password_never_opens_an_unreadable_hash():
    assert PasswordHasher(1, 64, 1).verify("roto", "intake-dummy-password") is False


@pytest.mark.parametrize("password", ["\ud800", "\x00", "ñ" * 500])
def test_odd_passwords_are_wrong_not_errors(password):
    assert PasswordHasher(1, 64, 1).verify(STORED_FAST, password) is False


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_user_whose_hash_argon2_cffi_stored_signs_in(srv):
    """End to end: a users row as the server wrote it with argon2-cffi, signed into through the API."""
    srv.add_user("ana.ficticia", "analyst")
    with srv.engine.begin() as conn:
        conn.execute(text("UPDATE users SET password_hash = :h WHERE username = 'ana.ficticia'"), {"h": STORED})
    client = srv.client()
    assert client.post("/api/v1/auth/login", json={"username": "ana.ficticia", "password": PASSWORD}).status_code == 200
    wrong = client.post("/api/v1/auth/login", json={"username": "ana.ficticia", "password": "mala-clave-ficticia"})
    assert wrong.status_code == 401


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("stored", ["", "no-es-un-hash", STORED.replace("argon2id", "argon2i")])
def test_a_damaged_stored_hash_answers_401_not_500(srv, stored):
    srv.add_user("ana.ficticia", "analyst")
    with srv.engine.begin() as conn:
        conn.execute(text("UPDATE users SET password_hash = :h WHERE username = 'ana.ficticia'"), {"h": stored})
    client = srv.client()
    wrong = client.post("/api/v1/auth/login", json={"username": "ana.ficticia", "password": PASSWORD})
    unknown = client.post("/api/v1/auth/login", json={"username": "nadie.ficticio", "password": PASSWORD})
    assert (wrong.status_code, wrong.content) == (unknown.status_code, unknown.content) == (401, unknown.content)


def test_the_fast_test_cost_is_said_in_a_warning_spanish_first(monkeypatch, caplog):
    monkeypatch.setenv("INTAKE_TEST_FAST_KDF", "1")
    monkeypatch.setattr(auth, "_fast_warned", False)
    with caplog.at_level(logging.WARNING):
        hasher = auth._hasher()
        auth._hasher()
    assert (hasher.time_cost, hasher.memory_cost) == (1, 64)
    said = [r.getMessage() for r in caplog.records if "INTAKE_TEST_FAST_KDF" in r.getMessage()]
    assert len(said) == 1, said  # once per process
    spanish, english = said[0].split(" / ")
    assert "solo para pruebas" in spanish and "tests only" in english


@pytest.mark.parametrize("fast", ["1", None])
def test_intake_server_says_at_start_that_the_test_cost_is_on(tmp_path, fast):
    """Any ``intake-server`` command (``serve`` included), before it does anything: ``migrate``
    hashes no password, and the warning is there all the same."""
    import os
    import subprocess
    import sys

    from intake_app.server.setup import init_server

    from .conftest import ADMIN_PASSWORD, FAST_KDF, KEY_PASSPHRASE

    home = tmp_path / "srv"
    init_server(home, db_url=None, passphrase=KEY_PASSPHRASE, admin_username="admin", admin_password=ADMIN_PASSWORD,
                kdf=FAST_KDF)
    env = {k: v for k, v in os.environ.items() if k not in ("INTAKE_TEST_FAST_KDF", "INTAKE_LOG")}
    env.update(PYTHONPATH=str(ROOT), **({"INTAKE_TEST_FAST_KDF": fast} if fast else {}))
    done = subprocess.run([sys.executable, "-c", "import sys; from intake_app.entry import server; sys.exit(server())",
                           "--home", str(home), "migrate"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    warned = [line for line in done.stderr.splitlines() if "INTAKE_TEST_FAST_KDF" in line]
    if fast:
        assert len(warned) == 1 and "WARNING" in warned[0], done.stderr
        assert warned[0].index("solo para pruebas") < warned[0].index("tests only")
    else:
        assert warned == []
