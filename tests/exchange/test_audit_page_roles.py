"""The audit page (/exchange/audit) and who reaches it: the roles the API's /api/v1/audit
allows (auditor, administrator), the others refused as every page refuses them (403 page,
``access_refused``); an auditor lands there after signing in, and at /exchange/; the header
links it for those roles only; the dashboard's 403 for an auditor points to it; the received
and verify-print pages word a sign-out in another tab. All users are fictional."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from intake_app.server import audit
from intake_app.server.app import create_app
from intake_app.server.auth import add_user

from .conftest import PASSWORD, make_server
from .test_access_audit import refusals

ROLES = {"auditora.demo": "auditor", "admin": "administrator", "sup.uno": "supervisor", "analista": "analyst"}


@pytest.fixture
def one(tmp_path):
    srv = make_server(tmp_path, "cr", "cr_eri")
    add_user(srv.engine, srv.settings, "auditora.demo", PASSWORD, "auditor", actor="test")
    srv.app = create_app(srv.settings, srv.keystore, srv.engine)
    return srv


def client(srv, area: str = "exchange", user: str | None = None, nxt: str | None = None,
           lang: str = "es") -> tuple[TestClient, str]:
    """(a client signed in to ``area`` as ``user``, where the sign-in sent it)."""
    c = TestClient(srv.app, follow_redirects=False)
    if user is None:
        return c, ""
    r = c.post(f"/{area}/login", data={"username": user, "password": PASSWORD, "next": nxt or f"/{area}/",
                                             "lang": lang})
    assert r.status_code == 303, r.text
    return c, r.headers["location"]


def views(srv) -> list[dict]:
    with srv.engine.connect() as conn:
        rows = conn.execute(text("SELECT actor, detail FROM audit_log WHERE action = 'audit_view' ORDER BY seq")).all()
    return [{"actor": r.actor, **json.loads(r.detail)} for r in rows]


def test_the_page_and_the_api_let_in_the_same_roles(one):
    """One list (``audit.READERS``) for ``/api/v1/audit`` and the page."""
    assert audit.READERS == ("auditor", "administrator")
    api = TestClient(one.app)
    for user, role in ROLES.items():
        token = api.post("/api/v1/auth/login", json={"username": user, "password": PASSWORD}).json()["token"]
        api_status = api.get("/api/v1/audit", headers={"Authorization": "Bearer " + token}).status_code
        c, _ = client(one, user=user)
        page_status = c.get("/exchange/audit").status_code
        assert (api_status, page_status) == ((200, 200) if role in audit.READERS else (403, 403)), user


@pytest.mark.parametrize("user", ["auditora.demo", "admin"])
def test_an_auditor_and_an_administrator_read_the_page(one, user):
    c, _ = client(one, user=user)
    r = c.get("/exchange/audit")
    assert r.status_code == 200, r.text
    assert "<h1>Bitácora de auditoría del servidor</h1>" in r.text and 'id="chain"' in r.text
    assert r.headers["content-security-policy"].startswith("default-src 'self'")
    assert r.headers["cache-control"] == "no-store" and r.headers["x-frame-options"] == "DENY"
    assert 'id="nav-audit"' in r.text and 'href="/exchange/audit"' in r.text  # the header links it
    assert refusals(one) == []
    # no chain=: a view no longer walks the chain (the last check recorded is shown: none yet)
    assert views(one) == [{"actor": f"user:{user}", "filters": {}, "page": 0, "lang": "es"}]
    # the filter form too
    f = c.post("/exchange/audit/filter", data={"action": "login", "lang": "es"})
    assert f.status_code == 303 and f.headers["location"] == "/exchange/audit?action=login"


@pytest.mark.parametrize("user", ["sup.uno", "analista"])
def test_a_supervisor_and_an_analyst_are_refused_and_audited(one, user):
    c, _ = client(one, user=user)
    before = len(refusals(one))
    r = c.get("/exchange/audit")
    assert r.status_code == 403 and "No autorizado" in r.text and "Cadena" not in r.text
    assert "se requiere: auditor(a), administrador(a)" in r.text  # the roles that may, in words
    assert 'action="/exchange/logout"' in r.text.split('<main id="content"')[1]  # a way to switch account
    assert 'id="nav-audit"' not in r.text
    f = c.post("/exchange/audit/filter", data={"actor": "user:sup.uno"})
    assert f.status_code == 403
    role = ROLES[user]
    base = {"actor": f"user:{user}", "target": None, "role": role, "reason": "wrong_role"}
    assert refusals(one)[before:] == [{**base, "route": "/exchange/audit", "method": "GET"},
                                      {**base, "route": "/exchange/audit/filter", "method": "POST"}]
    assert views(one) == []
    if role == "supervisor":  # their own pages do not link it either
        assert 'id="nav-audit"' not in c.get("/exchange/cases").text


def test_without_a_session_the_page_asks_to_sign_in_and_writes_nothing(one):
    c, _ = client(one)
    r = c.get("/exchange/audit?action=login&lang=en")
    assert r.status_code == 303 and r.headers["location"].startswith("/exchange/login?lang=en&next=%2Fexchange%2Faudit")
    r = c.post("/exchange/audit/filter", data={"actor": "user:x"})
    assert r.status_code == 303 and "next=%2Fexchange%2Faudit%3Fnotice%3Dexpired" in r.headers["location"]
    assert refusals(one) == [] and views(one) == []


def test_an_auditor_lands_on_the_audit_page(one):
    c, landed = client(one, user="auditora.demo")
    assert landed == "/exchange/audit"  # not «No autorizado»
    _, landed_en = client(one, user="auditora.demo", lang="en")
    assert landed_en == "/exchange/audit?lang=en"
    for path, where in (("/exchange/", "/exchange/audit"), ("/exchange/?lang=en", "/exchange/audit?lang=en")):
        r = c.get(path)  # the site's address (the home page's link): the same place, not a 403
        assert r.status_code == 303 and r.headers["location"] == where
    assert refusals(one) == []  # their landing is no refusal
    # a supervisors' page is still refused, and says where their page is
    r = c.get("/exchange/received")
    assert r.status_code == 403 and 'id="to-audit"' in r.text and 'href="/exchange/audit"' in r.text
    assert "página «Auditoría»" in r.text and "GET /api/v1/audit" in r.text
    assert 'href="/exchange/audit?lang=en" id="to-audit"' in c.get("/exchange/received?lang=en").text
    # an administrator still reads what the site is for, with the audit page among their links
    admin, landed = client(one, user="admin")
    assert landed == "/exchange/"
    r = admin.get("/exchange/")
    assert r.status_code == 403 and 'id="to-audit"' in r.text and 'id="nav-audit"' in r.text


def test_the_dashboards_refusal_points_an_auditor_to_the_audit_page(one):
    c, _ = client(one, "dashboard", "auditora.demo")
    for lang, words, href in (("es", "su página es la bitácora de auditoría", "/exchange/audit"),
                              ("en", "your page is the audit log", "/exchange/audit?lang=en")):
        r = c.get("/dashboard/" + ("?lang=en" if lang == "en" else ""))
        assert r.status_code == 403 and words in r.text
        assert f'<a href="{href}">' in r.text.split('id="to-audit"')[1].split("</p>")[0]
    admin, _ = client(one, "dashboard", "sup.uno")
    assert 'id="to-audit"' not in admin.get("/dashboard/").text  # only an auditor is refused there with it


@pytest.mark.parametrize("path", ["/exchange/received", "/exchange/verify-print"])
def test_a_sign_out_in_another_tab_is_worded_on_the_received_and_verify_print_pages(one, path):
    """An action sent after signing out elsewhere: after signing in again, the page says it was not done."""
    c, landed = client(one, user="sup.uno", nxt=f"{path}?notice=expired")  # no old cookie: signed out
    assert landed == f"{path}?notice=signed_out"
    r = c.get(landed)
    assert r.status_code == 200 and "La sesión se había cerrado (quizá en otra pestaña)" in r.text
    assert "You had been signed out" in c.get(landed + "&lang=en").text
