"""Migration 0010 and its table ``form_tokens``: the used one-time tokens of the supervisors'
page forms leave ``sessions`` (where they were ended rows keyed ``form:``) for a table of
their own, and back on downgrade; at each new form the rows used over a day ago go. On
SQLite and PostgreSQL. No person's data: user names are fictional (``ficticia``)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

from sqlalchemy import inspect, select, text

from intake_app.server import auth
from intake_app.server.db import make_engine
from intake_app.server.exchange.outgoing_web import _forget_post, first_post
from intake_app.server.migrate import downgrade, schema_diff, upgrade
from intake_app.server.models import FormToken, UserSession

from .conftest import empty_pg

tokens_t, sessions_t = FormToken.__table__, UserSession.__table__
AT = datetime(2026, 11, 20, 14, 30, 5, tzinfo=timezone.utc)
SESSION = "a" * 64
FORM = "form:" + "b" * 59  # a used form token as versions before 0010 kept it


def _sessions(engine) -> dict:
    with engine.connect() as conn:
        return {r.token_hash: tuple(r)[1:] for r in conn.execute(select(sessions_t))}


def test_0010_moves_the_used_form_tokens_out_of_sessions_and_back(db_url):
    engine = make_engine(db_url)
    try:
        if engine.dialect.name == "postgresql":
            downgrade(engine, "base")
        upgrade(engine, "0009")
        with engine.begin() as conn:  # a server at 0009: one session, one used form token
            conn.execute(text("INSERT INTO users (username, password_hash, role, institution, disabled,"
                              " failed_logins, created_at) VALUES ('sup.ficticia', 'x', 'supervisor', 'pani', :f, 0,"
                              " :t)").bindparams(t=AT), {"f": False})
            uid = conn.execute(text("SELECT id FROM users")).scalar_one()
            conn.execute(sessions_t.insert(), [
                {"token_hash": SESSION, "user_id": uid, "created_at": AT, "expires_at": AT + timedelta(hours=10),
                 "idle_until": AT + timedelta(minutes=30), "ended": False},
                {"token_hash": FORM, "user_id": uid, "created_at": AT, "expires_at": AT, "idle_until": AT,
                 "ended": True}])
        before = _sessions(engine)

        upgrade(engine, "0010")
        with engine.connect() as conn:
            moved = [tuple(r) for r in conn.execute(select(tokens_t))]
        assert moved == [("b" * 59, uid, AT)]  # the prefix dropped, the time of use kept
        assert _sessions(engine) == {SESSION: before[SESSION]}  # the session untouched
        upgrade(engine)
        assert schema_diff(engine) == []

        downgrade(engine, "0009")  # and back: the form token is an ended row of sessions again
        assert _sessions(engine) == before
        assert "form_tokens" not in inspect(engine).get_table_names()
        upgrade(engine)
    finally:
        if engine.dialect.name == "postgresql":
            empty_pg(db_url)
        engine.dispose()


def _form_tokens(engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(select(tokens_t.c.token_hash)).scalars())


def test_a_used_form_token_is_kept_a_day_and_removed_at_a_later_form(srv):
    srv.add_user("sup.limpieza.ficticia", "supervisor")
    with srv.engine.connect() as conn:
        uid = conn.execute(text("SELECT id FROM users WHERE username = 'sup.limpieza.ficticia'")).scalar_one()
    who = SimpleNamespace(user_id=uid)
    now = auth.utcnow()
    with srv.engine.begin() as conn:  # one token used two days ago, one two hours ago
        conn.execute(tokens_t.insert(), [{"token_hash": "c" * 59, "user_id": uid, "used_at": now - timedelta(days=2)},
                                         {"token_hash": "d" * 59, "user_id": uid, "used_at": now - timedelta(hours=2)}])

    key = first_post(srv.engine, who, {"form_token": "token-de-prueba-1"})
    assert key and len(key) == 59 and ":" not in key
    assert _form_tokens(srv.engine) == {"d" * 59, key}  # the old one went with this form; today's stay
    assert first_post(srv.engine, who, {"form_token": "token-de-prueba-1"}) is None  # sent twice: done once
    assert first_post(srv.engine, who, {}) == ""  # a script's POST, without a token: not compared
    assert srv.count("sessions") == 0  # nothing of it in the sessions table

    _forget_post(srv.engine, key)  # a refused form: sent again, it is looked at again
    assert first_post(srv.engine, who, {"form_token": "token-de-prueba-1"}) == key
