"""Every page of the supervisor's site (exchange, incoming cases, conflicts) checks the role
on the server: each other role is refused with 403 on every route, and a visitor without a
session is sent to the sign-in page. The routes are read from the app itself, so a page
added later is checked too."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from intake_app.server.app import create_app
from intake_app.server.audit import READERS
from intake_app.server.auth import ROLES, add_user
from intake_app.server.exchange.web import ALLOWED_ROLES

from tests.server.test_api import all_routes

from .conftest import PASSWORD

OPEN = {"/exchange/login", "/exchange/logout", "/exchange/static/exchange.js"}
ALSO = {"/exchange/htcds.csv": ("analyst",)}  # the HTCDS export holds no identity field: analysts too
ONLY = {"/exchange/audit": READERS, "/exchange/audit/filter": READERS,  # the audit page: not the supervisors'
        "/exchange/audit/check": READERS}
LANDING = {("GET", "/exchange/", "auditor")}  # an auditor's /exchange/ is a way to their audit page


def allowed(path: str) -> tuple[str, ...]:
    return ONLY.get(path, ALLOWED_ROLES + ALSO.get(path, ()))


def page_routes(app):
    for route in all_routes(app.routes):
        path = getattr(route, "path", "")
        if path.startswith("/exchange") and path not in OPEN:
            for method in sorted(route.methods - {"HEAD"}):
                yield method, re.sub(r"\{([a-z_]+)\}", lambda m: "DEMO-0000-0000" if m.group(1) == "case_id"
                                     else {"package_id": "xp-0", "fmt": "csv"}.get(m.group(1), "1"), path)


def test_every_supervisor_page_refuses_other_roles(pair):
    cr, _ = pair
    for role in ROLES:
        add_user(cr.engine, cr.settings, f"{role}.pagina", PASSWORD, role, actor="test")
    app = create_app(cr.settings, cr.keystore, cr.engine)
    routes = list(page_routes(app))
    assert len(routes) >= 15 and ("GET", "/exchange/cases") in routes and \
        ("POST", "/exchange/conflicts/1/resolve") in routes
    refused = 0
    for role in ROLES:
        client = TestClient(app, follow_redirects=False)
        r = client.post("/exchange/login", data={"username": f"{role}.pagina", "password": PASSWORD,
                                                 "next": "/exchange/"})
        assert r.status_code == 303, (role, r.text)
        for method, path in routes:
            r = client.request(method, path)
            if (method, path, role) in LANDING:
                assert r.status_code == 303 and r.headers["location"] == "/exchange/audit", (method, path, role)
            elif role in allowed(path):
                assert r.status_code != 403, (method, path, role)
            else:
                assert r.status_code == 403, (method, path, role, r.status_code)
                refused += 1
    anonymous = TestClient(app, follow_redirects=False)
    for method, path in routes:
        r = anonymous.request(method, path)
        assert r.status_code == 303 and r.headers["location"].startswith("/exchange/login"), (method, path)
    assert refused == sum(len(ROLES) - len(allowed(path)) for _, path in routes) - len(LANDING)


def test_numbers_too_large_for_a_row_id_are_refused_not_a_crash(pair):
    """A 30-digit id overflowed SQLite's integer inside the query: a 500 and a traceback in
    the log. It is now refused as malformed before the database is asked."""
    cr, _ = pair
    client = TestClient(create_app(cr.settings, cr.keystore, cr.engine), follow_redirects=False,
                        raise_server_exceptions=False)
    r = client.post("/exchange/login", data={"username": "sup.uno", "password": PASSWORD, "next": "/exchange/"})
    assert r.status_code == 303
    huge = "9" * 30
    for method, path in (("GET", f"/exchange/conflicts/{huge}"), ("POST", f"/exchange/conflicts/{huge}/resolve"),
                         ("GET", f"/exchange/received/{huge}"), ("GET", f"/exchange/cases?page={huge}"),
                         ("GET", "/exchange/cases?page=-3")):
        r = client.request(method, path)
        assert r.status_code < 500, (method, path, r.status_code)
        assert huge not in r.text


def test_error_addresses_hold_codes_and_ids_only(pair):
    """An exchange error is worded on the next page from its address; a name pasted into the
    cases box must not travel in that address (browser history, proxy logs)."""
    cr, _ = pair
    client = TestClient(create_app(cr.settings, cr.keystore, cr.engine), follow_redirects=False)
    assert client.post("/exchange/login", data={"username": "sup.uno", "password": PASSWORD,
                                                "next": "/exchange/"}).status_code == 303
    r = client.post("/exchange/prepare", data={"recipient": "pa_uia", "purpose": "services",
                                               "cases": "Zorblax FICTICIA"})
    assert r.status_code == 303  # POST, redirect, GET: codes and ids only (test_refusal_no_echo.py)
    assert "Zorblax" not in r.headers["location"] and "FICTICIA" not in r.headers["location"]
    assert "Zorblax" not in client.get(r.headers["location"]).text  # nor in the page it leads to


def test_signing_in_keeps_the_language_and_refusals_read_well(pair):
    """Signing in on an English page stays in English; a refused role reads its role as a
    word and can still sign out; a case that does not exist is 'could not be done', not
    'not allowed'."""
    cr, _ = pair
    app = create_app(cr.settings, cr.keystore, cr.engine)
    client = TestClient(app, follow_redirects=False)
    r = client.post("/exchange/login", data={"username": "analista", "password": PASSWORD, "next": "/exchange/",
                                             "lang": "en"})
    assert r.status_code == 303 and r.headers["location"] == "/exchange/?lang=en"
    page = client.get(r.headers["location"])
    assert page.status_code == 403
    assert "Your role (analyst) does not allow this action; it needs: supervisor." in page.text
    assert 'action="/exchange/logout"' in page.text  # signed in: the way out is there
    sup = TestClient(app, follow_redirects=False)
    sup.post("/exchange/login", data={"username": "sup.uno", "password": PASSWORD, "next": "/exchange/"})
    missing = sup.get("/exchange/cases/AAAA-BBBB-CCCC")
    assert missing.status_code == 404 and "No se pudo" in missing.text and "No autorizado" not in missing.text
    dash = TestClient(app, follow_redirects=False)
    r = dash.post("/dashboard/login", data={"username": "analista", "password": PASSWORD, "next": "/dashboard/",
                                            "lang": "en"})
    assert r.status_code == 303 and r.headers["location"] == "/dashboard/?lang=en"
