"""Sign-in and sign-out in the audit log, and what a failed sign-in tells.

* A disabled account answers exactly as a wrong password (status, body, the Argon2 check
  run), the right password too, and each try is audited (``login_failed``, disabled).
* A name no account has is audited as ``anonymous`` with ``unknown_user``, and nothing of
  what was typed (it may be a password typed into the name box).
* Signing out (API, dashboard, supervisors' pages) is audited once per session; a made-up
  token or cookie writes nothing.
On SQLite and PostgreSQL. Every name is fictional."""

from __future__ import annotations

import json

from sqlalchemy import text

from intake_app.server import auth

from .conftest import PASSWORD

WRONG_BODY = b'{"code":"login_failed","params":{}}'


def entries(srv, action: str) -> list[tuple[str, str | None, dict]]:
    with srv.engine.connect() as conn:
        return [(r.actor, r.target, json.loads(r.detail)) for r in conn.execute(
            text("SELECT actor, target, detail FROM audit_log WHERE action = :a ORDER BY seq"), {"a": action})]


def audit_text(srv) -> str:
    with srv.engine.connect() as conn:
        return "\n".join(f"{r.actor} {r.action} {r.target} {r.detail}"
                         for r in conn.execute(text("SELECT actor, action, target, detail FROM audit_log")))


class CountingHasher:
    """The real hasher, counting its verify calls (the Argon2 work a try costs)."""

    def __init__(self, real):
        self.real, self.verified = real, 0

    def __getattr__(self, name):
        return getattr(self.real, name)

    def verify(self, *args):
        self.verified += 1
        return self.real.verify(*args)


def test_a_disabled_account_answers_as_a_wrong_password_and_is_audited(srv, monkeypatch):
    srv.add_user("ana.deshabilitada", "analyst")
    auth.set_disabled(srv.engine, "ana.deshabilitada", actor="test")
    hasher = CountingHasher(auth._hasher())
    monkeypatch.setattr(auth, "_hasher", lambda: hasher)
    client = srv.client()
    answers = []
    for password in (PASSWORD, "otra-clave-mala-1"):
        r = client.post("/api/v1/auth/login", json={"username": "ana.deshabilitada", "password": password})
        answers.append((r.status_code, r.content))
    assert answers == [(401, WRONG_BODY)] * 2
    assert hasher.verified == 2  # the password is checked either way: the time tells nothing
    pages = []
    for area in ("exchange", "dashboard"):
        for password in (PASSWORD, "otra-clave-mala-1"):
            r = client.post(f"/{area}/login", data={"username": "ana.deshabilitada", "password": password,
                                                    "next": f"/{area}/"}, follow_redirects=False)
            pages.append((r.status_code, r.text))
        assert pages[-2] == pages[-1] and pages[-1][0] == 401
        assert "Usuario o contraseña incorrectos" in pages[-1][1] and "deshabilitada." not in pages[-1][1]
    failed = entries(srv, "login_failed")
    assert len(failed) == 6
    assert all(e == ("user:ana.deshabilitada", "ana.deshabilitada", {"disabled": True, "locked": False})
               for e in failed)
    assert not [e for e in entries(srv, "login") if e[1] == "ana.deshabilitada"]
    with srv.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id"
                                 " WHERE u.username = 'ana.deshabilitada'")).scalar_one() == 0
    auth.set_disabled(srv.engine, "ana.deshabilitada", False, actor="test")  # enabled again: she gets in
    assert client.post("/api/v1/auth/login", json={"username": "ana.deshabilitada",
                                                   "password": PASSWORD}).status_code == 200


def test_a_failed_sign_in_with_an_unknown_name_is_audited_without_the_name(srv):
    client = srv.client()
    typed = ("clave-pegada-en-usuario-1", "Zorblax FICTICIA", "nadie.demo")
    for name in typed:
        r = client.post("/api/v1/auth/login", json={"username": name, "password": "x"})
        assert (r.status_code, r.content) == (401, WRONG_BODY)
    r = client.post("/exchange/login", data={"username": "otra.nadie", "password": "x"}, follow_redirects=False)
    assert r.status_code == 401
    assert entries(srv, "login_failed") == [("anonymous", None, {"unknown_user": True})] * 4
    logged = audit_text(srv)
    for text_typed in (*typed, "otra.nadie", "Zorblax"):
        assert text_typed not in logged


def test_signing_out_is_audited_once_per_session(srv):
    srv.add_user("ana.salida", "analyst")
    srv.add_user("sup.salida", "supervisor")
    client = srv.client()
    token = client.post("/api/v1/auth/login", json={"username": "ana.salida", "password": PASSWORD}).json()["token"]
    assert client.post("/api/v1/auth/logout", headers={"Authorization": "Bearer " + token}).status_code == 200
    assert client.post("/api/v1/auth/logout", headers={"Authorization": "Bearer " + token}).status_code == 401
    for area, user in (("dashboard", "ana.salida"), ("exchange", "sup.salida")):
        web = srv.client()
        r = web.post(f"/{area}/login", data={"username": user, "password": PASSWORD, "next": f"/{area}/"},
                     follow_redirects=False)
        assert r.status_code == 303
        cookie = dict(web.cookies)
        assert web.post(f"/{area}/logout", follow_redirects=False).status_code == 303
        again = srv.client()  # the same cookie sent again, and a made-up one: nothing more
        again.cookies.update(cookie)
        assert again.post(f"/{area}/logout", follow_redirects=False).status_code == 303
        made_up = srv.client()
        made_up.cookies.set(next(iter(cookie)), "inventada")
        assert made_up.post(f"/{area}/logout", follow_redirects=False).status_code == 303
    assert entries(srv, "logout") == [("user:ana.salida", "ana.salida", {}), ("user:ana.salida", "ana.salida", {}),
                                      ("user:sup.salida", "sup.salida", {})]


def test_a_sign_in_clears_session_rows_no_one_can_use_any_more(srv):
    """Sessions a day past their absolute end, and used form tokens a day after use, go;
    a session still running and a token used today stay."""
    from datetime import timedelta

    from intake_app.server.models import UserSession

    srv.add_user("ana.limpieza", "analyst")
    now = auth.utcnow()
    old, recent = now - timedelta(days=2), now - timedelta(hours=2)
    rows = {"a" * 64: (old, old + timedelta(hours=10), True), "form:" + "b" * 59: (old, old, True),
            "form:" + "c" * 59: (recent, recent, True), "d" * 64: (recent, now + timedelta(hours=8), False)}
    with srv.engine.begin() as conn:
        uid = conn.execute(text("SELECT id FROM users WHERE username = 'ana.limpieza'")).scalar()
        for key, (created, expires, ended) in rows.items():
            conn.execute(UserSession.__table__.insert().values(token_hash=key, user_id=uid, created_at=created,
                                                               expires_at=expires, idle_until=expires, ended=ended))
    auth.login(srv.engine, srv.settings, "ana.limpieza", PASSWORD)
    with srv.engine.connect() as conn:
        left = {r[0] for r in conn.execute(text("SELECT token_hash FROM sessions"))}
    assert "a" * 64 not in left and "form:" + "b" * 59 not in left
    assert {"form:" + "c" * 59, "d" * 64} <= left and len(left) == 3  # and the new session
