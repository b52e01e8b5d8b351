"""The HTTP API: every endpoint refuses the wrong role; limits (413, 415); sessions that
expire; lockout; errors that carry no personal data and no stack trace."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from intake_app.server.auth import ROLES

from .conftest import ADMIN_PASSWORD, PASSWORD

SAMPLE_BODIES = {
    "/api/v1/users": {"username": "nuevo.demo", "password": "clave-ficticia-larga-2", "role": "analyst"},
    "/api/v1/conflicts/{conflict_id}/resolve": {"keep": "head"},
    "/api/v1/devices/{device_id}/approve": {"fingerprint": "ABCD-EF01-FICTICIA"},
}


def login(client, username: str, password: str = PASSWORD) -> dict:
    r = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def all_routes(routes):
    for route in routes:
        inner = getattr(route, "original_router", None)  # FastAPI wraps included routers
        if inner is not None:
            yield from all_routes(inner.routes)
        else:
            yield route


def role_routes(app):
    for route in all_routes(app.routes):
        dependant = getattr(route, "dependant", None)
        if dependant is None:
            continue
        allowed = next((getattr(d.call, "allowed", None) for d in dependant.dependencies
                        if getattr(d.call, "allowed", None)), None)
        if allowed:
            for method in route.methods:
                yield method, route.path, allowed


def fill(path: str) -> str:
    return re.sub(r"\{[a-z_]+\}", lambda m: "1" if m.group(0) == "{conflict_id}" else "DEMO-0000-0000", path)


@pytest.fixture
def api(srv):
    client = srv.client()
    headers = {}
    for role in ROLES:
        srv.add_user(f"{role}.demo", role, "eri" if role == "supervisor" else None)
        headers[role] = login(client, f"{role}.demo")
    return client, headers


def test_every_endpoint_refuses_the_wrong_role(srv, api):
    client, headers = api
    routes = list(role_routes(client.app))
    assert len(routes) >= 15
    checked = 0
    for method, path, allowed in routes:
        for role in ROLES:
            r = client.request(method, fill(path), headers=headers[role],
                               params={"view": "age"} if path.endswith("/aggregates") else None,
                               json=SAMPLE_BODIES.get(path))
            if role in allowed:
                assert not (r.status_code == 403 and r.json()["code"] == "role_forbidden"), (method, path, role)
            else:
                assert r.status_code == 403 and r.json()["code"] == "role_forbidden", (method, path, role, r.text)
                checked += 1
        # and nobody without a session
        r = client.request(method, fill(path), json=SAMPLE_BODIES.get(path))
        assert r.status_code == 401 and r.json()["code"] == "not_authenticated"
    assert checked >= 40


def test_session_expires_and_logout_ends_it(srv, api):
    client, headers = api
    assert client.get("/api/v1/auth/me", headers=headers["analyst"]).status_code == 200
    with srv.engine.begin() as conn:
        conn.execute(text("UPDATE sessions SET idle_until = :t"), {"t": datetime.now(timezone.utc) - timedelta(seconds=1)})
    r = client.get("/api/v1/auth/me", headers=headers["analyst"])
    assert r.status_code == 401 and r.json() == {"code": "session_expired", "params": {}}
    h = login(client, "auditor.demo")
    assert client.post("/api/v1/auth/logout", headers=h).status_code == 200
    assert client.get("/api/v1/auth/me", headers=h).json()["code"] == "session_expired"


def test_lockout_after_repeated_failures(srv, api):
    client, _ = api
    for _ in range(srv.settings.lockout_failures - 1):
        r = client.post("/api/v1/auth/login", json={"username": "analyst.demo", "password": "mala-clave-demo"})
        assert r.json()["code"] == "login_failed"
    r = client.post("/api/v1/auth/login", json={"username": "analyst.demo", "password": "mala-clave-demo"})
    # locked now, but the answer is a wrong password's: a distinct one told that the name exists
    locked = client.post("/api/v1/auth/login", json={"username": "analyst.demo", "password": PASSWORD})
    assert locked.status_code == 401  # even the right password, until the lock ends
    for _ in range(srv.settings.lockout_failures + 1):
        nobody = client.post("/api/v1/auth/login", json={"username": "nadie.demo", "password": "x"})
    for answer in (r, locked, nobody):
        assert (answer.status_code, answer.content) == (401, b'{"code":"login_failed","params":{}}')
    with srv.engine.connect() as conn:
        assert conn.execute(text("SELECT locked_until FROM users WHERE username = 'analyst.demo'")).scalar_one()
        failed = conn.execute(text("SELECT count(*) FROM audit_log WHERE actor = 'user:analyst.demo'"
                                   " AND action = 'login_failed'")).scalar_one()
    # every try while locked is audited, a right password and a wrong one alike (the same work)
    client.post("/api/v1/auth/login", json={"username": "analyst.demo", "password": "otra-mala-demo"})
    with srv.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_log WHERE actor = 'user:analyst.demo'"
                                 " AND action = 'login_failed'")).scalar_one() == failed + 1
    assert failed == srv.settings.lockout_failures + 1  # the five, and the right password while locked

    # anyone can lock an account on purpose: the administrator lifts it, or sets a new password
    from .test_cli import cli

    assert cli(srv, srv.home.parent, "user", "list") == 0
    assert cli(srv, srv.home.parent, "user", "unlock", "analyst.demo") == 0
    r = client.post("/api/v1/auth/login", json={"username": "analyst.demo", "password": PASSWORD})
    assert r.status_code == 200
    from intake_app.server.auth import set_password

    set_password(srv.engine, srv.settings, "analyst.demo", "otra-clave-ficticia-77", actor="test")
    assert client.get("/api/v1/auth/me", headers={"Authorization": "Bearer " + r.json()["token"]}).status_code == 401
    assert client.post("/api/v1/auth/login", json={"username": "analyst.demo", "password": PASSWORD}).status_code == 401


def test_odd_user_names_are_a_failed_login_or_refused(srv, api):
    """A name no user can have (a NUL byte, spaces, accents) is simply a failed login, never
    a database error; and no such user can be created."""
    from intake_app.server.auth import add_user
    from intake_app.server.errors import InvalidUsername

    client, _ = api
    for name in ("ana\x00demo", "María José", "a" * 65):
        r = client.post("/api/v1/auth/login", json={"username": name[:64], "password": "x"})
        assert r.status_code in (401, 422) and r.json()["code"] in ("login_failed", "request_malformed"), name
    r = client.post("/api/v1/auth/login", json={"username": "ana\x00demo", "password": "x"})
    assert r.status_code == 401 and r.json() == {"code": "login_failed", "params": {}}
    with pytest.raises(InvalidUsername):
        add_user(srv.engine, srv.settings, "María José", PASSWORD, "analyst")
    from intake_app.server.errors import WeakPassword

    for weak, reason in ((" " * 14, "blank"), ("weak.two1234567", "username")):
        with pytest.raises(WeakPassword) as info:
            add_user(srv.engine, srv.settings, "weak.two", weak, "analyst")
        assert info.value.params["reason"] == reason


def test_disabled_user_is_refused(srv, api):
    client, headers = api
    assert client.post("/api/v1/users/analyst.demo/disable", headers=headers["administrator"]).status_code == 200
    assert client.get("/api/v1/auth/me", headers=headers["analyst"]).json()["code"] == "session_expired"
    # the right password answers as a wrong one: a distinct answer told that it was right
    right = client.post("/api/v1/auth/login", json={"username": "analyst.demo", "password": PASSWORD})
    assert (right.status_code, right.content) == (401, b'{"code":"login_failed","params":{}}')


def test_the_last_active_administrator_cannot_disable_themselves(srv, api):
    client, headers = api
    from intake_app.server.auth import list_users

    others = [u["username"] for u in list_users(srv.engine)
              if u["role"] == "administrator" and not u["disabled"] and u["username"] != "administrator.demo"]
    for name in others:  # the signed-in administrator.demo is left the only one
        assert client.post(f"/api/v1/users/{name}/disable", headers=headers["administrator"]).status_code == 200
    r = client.post("/api/v1/users/administrator.demo/disable", headers=headers["administrator"])
    assert r.status_code == 409 and r.json()["code"] == "last_administrator"
    assert client.get("/api/v1/auth/me", headers=headers["administrator"]).status_code == 200  # still signed in


def test_upload_limits_and_content_type(srv, device_factory):
    srv.settings = type(srv.settings)(**{**srv.settings.__dict__, "max_upload_bytes": 1000})
    client = srv.client()
    r = client.post("/api/v1/bundles", content=b"x" * 1001, headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 413 and r.json() == {"code": "upload_too_large", "params": {"limit": 1000}}
    r = client.post("/api/v1/bundles", content=b"x", headers={"Content-Type": "application/json"})
    assert r.status_code == 415 and r.json()["code"] == "unsupported_content_type"
    r = client.post("/api/v1/bundles", content=b"not a bundle", headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 400 and r.json() == {"code": "bundle_not_a_bundle", "params": {}}


def test_no_page_loads_a_script_from_outside(srv):
    """Swagger UI's /docs and /redoc pulled their JavaScript from a CDN on the supervisors' origin."""
    client = srv.client()
    for path in ("/docs", "/redoc", "/docs/oauth2-redirect"):
        assert client.get(path).status_code == 404
    assert client.get("/openapi.json").json()["info"]["title"] == "Intake central server"


def test_every_body_is_bounded_before_it_is_read(srv):
    """Sign-in forms and JSON bodies were read whole into memory before being cut: a few
    anonymous requests of hundreds of megabytes could exhaust the server."""
    client = srv.client()
    big = b"username=a&password=" + b"x" * (2 * 1024 * 1024)
    r = client.post("/exchange/login", content=big, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413 and r.json()["code"] == "upload_too_large"

    def chunks():  # no Content-Length: refused while it streams, after 1 MiB
        for _ in range(64):
            yield b"x" * 65536

    for path, ctype in (("/dashboard/login", "application/x-www-form-urlencoded"),
                        ("/api/v1/auth/login", "application/json")):
        r = client.post(path, content=chunks(), headers={"Content-Type": ctype})
        assert r.status_code == 413, (path, r.status_code)
        assert "x" * 100 not in r.text
    r = client.post("/exchange/login", content=b"username=a&password=b",
                    headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 401  # a normal form still works


def test_errors_never_echo_personal_data(srv, api, device_factory):
    client, headers = api
    secret = "María DEMO Pérez FICTICIA 1985-03-02"
    r = client.post("/api/v1/users", headers=headers["administrator"],
                    json={"username": secret, "password": secret, "role": "analyst"})
    assert r.status_code == 400 and "María" not in r.text and "1985" not in r.text
    dev = srv.enroll(device_factory())
    rev = dev.revision()
    rev["content"]["given_names"] = secret
    rev["content"]["birth_date"] = "1985-13-45"
    from intake_app.vault.cases import revision_hash

    rev["content_hash"] = revision_hash(rev["case_id"], rev["parent_id"], "1.0", rev["content"])
    r = client.post("/api/v1/bundles", content=dev.bundle([rev]), headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "bundle_revision_invalid" and "birth_date:type_date" in body["params"]["problems"]
    assert "María" not in r.text and "1985" not in r.text and "Traceback" not in r.text


def test_unexpected_error_is_a_bare_500(srv, monkeypatch):
    client = srv.client()

    def boom(*a, **k):
        raise RuntimeError("María DEMO secret detail")

    monkeypatch.setattr(client.app.state.ingestor, "ingest", boom)
    r = client.post("/api/v1/bundles", content=b"x", headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 500 and r.json() == {"code": "internal", "params": {}}
    # Starlette answers a 500 outside every middleware: the handler sets the baseline headers itself
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["cache-control"] == "no-store" and r.headers["referrer-policy"] == "no-referrer"


def test_supervisor_sees_own_institution_reviews_and_resolves_conflicts(srv, api, device_factory):
    client, headers = api
    a, b = srv.enroll(device_factory()), srv.enroll(device_factory())
    ing = srv.ingestor()
    base = a.revision()
    base["content"]["institution"] = "eri"
    from intake_app.vault.cases import revision_hash

    base["content_hash"] = revision_hash(base["case_id"], None, "1.0", base["content"])
    ing.ingest(a.bundle([base]))
    # both laptops edit the same revision: the second is kept and queued as a conflict
    b.heads[base["case_id"]] = base["revision_id"]
    edit_a = a.revision(base["case_id"], content=dict(base["content"], case_status="follow_up"))
    edit_b = b.revision(base["case_id"], content=dict(base["content"], case_status="closed"))
    assert ing.ingest(a.bundle([edit_a])).conflicts == 0
    assert ing.ingest(b.bundle([edit_b])).conflicts == 1
    cases = client.get("/api/v1/cases", headers=headers["supervisor"]).json()
    assert [c["case_id"] for c in cases] == [base["case_id"]] and cases[0]["open_conflicts"] == 1
    conflicts = client.get("/api/v1/conflicts", headers=headers["supervisor"]).json()
    assert [(c["head_revision_id"], c["revision_id"]) for c in conflicts] == [(edit_a["revision_id"], edit_b["revision_id"])]
    view = client.get(f"/api/v1/cases/{base['case_id']}", headers=headers["supervisor"]).json()
    assert view["head_revision_id"] == edit_a["revision_id"] and len(view["history"]) == 3
    srv.add_user("sup.uia", "supervisor", "uia")  # another institution: the conflict is not there for them
    h = login(client, "sup.uia")
    other = client.post(f"/api/v1/conflicts/{conflicts[0]['id']}/resolve", json={"keep": "head"}, headers=h)
    missing = client.post("/api/v1/conflicts/999999/resolve", json={"keep": "head"}, headers=h)
    assert other.status_code == missing.status_code == 404 and other.json() == missing.json()
    r = client.post(f"/api/v1/conflicts/{conflicts[0]['id']}/resolve", json={"keep": "incoming"},
                    headers=headers["supervisor"])
    assert r.status_code == 200
    view = client.get(f"/api/v1/cases/{base['case_id']}", headers=headers["supervisor"]).json()
    assert view["head_revision_id"] == edit_b["revision_id"] and view["open_conflicts"] == 0
    with srv.engine.connect() as conn:
        assert conn.execute(text("SELECT case_status FROM case_facts")).scalar_one() == "closed"
    # a supervisor of another institution sees nothing of it
    assert client.get("/api/v1/cases", headers=h).json() == []
    assert client.get(f"/api/v1/cases/{base['case_id']}", headers=h).status_code == 404


def test_analyst_aggregates_are_the_dashboards_suppressed_views(srv, api, device_factory):
    """Free grouping (by=gender, then by=gender,citizenship) let two answers be subtracted to
    reveal a hidden cell; the API now serves the dashboard's own views and suppression."""
    client, headers = api
    dev = srv.enroll(device_factory())
    srv.ingestor().ingest(dev.new_bundle(30)[0])
    today = date.today()
    every = {"from": f"{today.year - 4}-Q1", "to": f"{today.year}-Q{(today.month - 1) // 3 + 1}"}
    r = client.get("/api/v1/aggregates", params={"view": "nationality", **every}, headers=headers["analyst"])
    assert r.status_code == 200
    body = r.json()
    assert body["k"] == 11 and body["persons"] == 30 and not body["too_few"]
    cells = [c for t in body["tables"] for row in t["rows"] for c in row["cells"]]
    assert cells and all(c in ("<11", "x", "—") or int(c) == 0 or int(c) >= 11 for c in cells)
    for bad in ({"view": "given_names"}, {"by": "gender,citizenship"}, {"view": "sex", "country": "XX"}):
        r = client.get("/api/v1/aggregates", params=bad, headers=headers["analyst"])
        assert r.status_code == 400, bad
    few = client.get("/api/v1/aggregates", params={"view": "sex", "post": "pa_paso_canoas", **every},
                     headers=headers["analyst"])
    assert few.json()["too_few"] is True and few.json()["tables"] == []


def test_auditor_verifies_the_server_audit_chain(srv, api):
    client, headers = api
    r = client.get("/api/v1/audit/verify", headers=headers["auditor"])
    assert r.status_code == 200 and r.json()["entries"] >= 5
    entries = client.get("/api/v1/audit", headers=headers["auditor"]).json()
    assert {"server_init", "user_add", "login"} <= {e["action"] for e in entries}
    with srv.engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET actor = 'user:otro' WHERE seq = 2"))
    r = client.get("/api/v1/audit/verify", headers=headers["auditor"])
    assert r.status_code == 400 and r.json() == {"code": "server_audit_broken", "params": {"seq": 2, "reason": "hash"}}


def test_numbers_too_large_for_a_row_id_are_malformed_not_a_crash(srv, api):
    client, headers = api
    r = client.post("/api/v1/conflicts/" + "9" * 30 + "/resolve", json={"keep": "head"}, headers=headers["supervisor"])
    assert r.status_code == 400 and r.json()["code"] == "request_malformed"


def test_error_bodies_never_echo_typed_text(srv, api):
    """A name pasted where an id goes comes back as "?", never as itself (ids and codes
    pass unchanged)."""
    client, headers = api
    for path in ("/api/v1/enroll/Zorblax FICTICIA", "/api/v1/devices/Zorblax FICTICIA 1987-03-14/status",
                 "/api/v1/devices/" + "Zorblax" * 40 + "/receipts"):
        r = client.get(path)
        assert r.status_code in (401, 403, 404) and "Zorblax" not in r.text, (path, r.text)
        assert r.json()["params"].get("device_id") in (None, "?")
    r = client.get("/api/v1/devices/lap-demo-404/status")
    assert r.json()["params"]["device_id"] == "lap-demo-404"
    r = client.post("/api/v1/users", json={"username": "ana.demo", "password": PASSWORD * 2, "role": "Zorblax jefa"},
                    headers=headers["administrator"])
    assert r.status_code == 400 and "Zorblax" not in r.text


def test_api_answers_are_never_cached(srv, api):
    client, headers = api
    for path, role in (("/api/v1/cases", "supervisor"), ("/api/v1/conflicts", "supervisor"),
                       ("/api/v1/auth/me", "analyst")):
        r = client.get(path, headers=headers[role])
        assert r.status_code == 200 and r.headers["cache-control"] == "no-store", path
    assert client.get("/api/v1/cases").headers["cache-control"] == "no-store"  # refusals too
