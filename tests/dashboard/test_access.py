"""Who may see the dashboard (checked on the server for every page and file), and the
audit entry each view and download leaves."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from intake_app.server import audit

from .data import known

PAGES = ["/dashboard/", "/dashboard/sex", "/dashboard/posts?country=CR", "/dashboard/sex/sex_age_group.csv",
         "/dashboard/overview/overview.csv"]


@pytest.mark.parametrize("role", ["analyst", "supervisor", "administrator"])
def test_allowed_roles_see_figures(dash, role):
    dash.load(known())
    client = dash.client(role)
    for page in PAGES:
        r = client.get(page, follow_redirects=False)
        assert r.status_code == 200, (role, page)
    page = client.get("/dashboard/sex").text
    assert "67" in page
    words = {"analyst": "analista", "supervisor": "supervisor(a)", "administrator": "administrador(a)"}
    assert f"-demo · {words[role]}</span>" in page  # the same role word as the command line and the errors


def test_auditor_is_refused_everywhere(dash):
    dash.load(known())
    client = dash.client("auditor")
    for page in PAGES:
        r = client.get(page, follow_redirects=False)
        assert r.status_code == 403, page
        assert "67" not in r.text and "Mujeres" not in r.text
        assert "auditor" in r.text  # the message names the role it lacks


def test_anonymous_and_bad_sessions_are_sent_to_sign_in(dash):
    dash.load(known())
    client = dash.client(None)
    for page in PAGES:
        r = client.get(page, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/dashboard/login?next="), page
    client.cookies.set("intake_dashboard", "not-a-real-session", path="/dashboard")
    assert client.get("/dashboard/sex", follow_redirects=False).status_code == 303
    r = client.get("/dashboard/sex", headers={"authorization": "Bearer nope"}, follow_redirects=False)
    assert r.status_code == 303


def test_wrong_password_and_logout(dash):
    client = dash.client(None)
    dash.add_user("ana-demo", "analyst")
    r = client.post("/dashboard/login", content="username=ana-demo&password=mal&next=/dashboard/",
                    headers={"content-type": "application/x-www-form-urlencoded"}, follow_redirects=False)
    assert r.status_code == 401 and "Usuario o contraseña incorrectos" in r.text
    client = dash.client("analyst")
    assert client.get("/dashboard/sex", follow_redirects=False).status_code == 200
    client.post("/dashboard/logout", follow_redirects=False)
    assert client.get("/dashboard/sex", follow_redirects=False).status_code == 303


def test_open_redirect_is_refused(dash):
    client = dash.client(None)
    dash.add_user("ana-demo", "analyst")
    r = client.post("/dashboard/login", content="username=ana-demo&password=clave-ficticia-larga-1&next=//evil.example/",
                    headers={"content-type": "application/x-www-form-urlencoded"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/dashboard/"


def test_every_view_and_download_is_audited(dash):
    dash.load(known())
    client = dash.client("analyst")
    with dash.engine.connect() as conn:
        start = conn.execute(text("SELECT max(seq) FROM audit_log")).scalar_one()
    client.get("/dashboard/posts?country=PA&lang=en")
    client.get("/dashboard/sex/gender.csv?sex=girl")
    client.get("/dashboard/")
    with dash.engine.connect() as conn:
        entries = audit.recent(conn, after_seq=start)
    got = [(e["actor"], e["action"], e["target"], e["detail"]["filters"]) for e in entries]
    assert got == [("user:analyst-demo", "dashboard_view", "posts", {"country": "PA"}),
                   ("user:analyst-demo", "dashboard_export", "sex/gender", {"sex": "girl"}),
                   ("user:analyst-demo", "dashboard_view", "overview", {})]
    assert entries[1]["detail"]["too_few"] is True
    assert audit.verify(dash.engine) >= 3
    # the audit detail holds filter codes only, never a figure
    assert all("67" not in json.dumps(e["detail"]) for e in entries)


def test_pages_forbid_outside_resources(dash):
    dash.load(known())
    client = dash.client("analyst")
    r = client.get("/dashboard/sex")
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "http" not in csp
    assert "http://" not in r.text and "https://" not in r.text
    js = client.get("/dashboard/static/plotly.min.js")
    assert js.status_code == 200 and len(js.content) > 1_000_000
    assert client.get("/dashboard/static/dashboard.js").status_code == 200
    assert client.get("/dashboard/static/../models.py").status_code in (404, 400)


def test_typed_table_names_never_reach_a_header_or_the_audit_log(dash):
    """A CSV's table name that is not a table id (spaces, quotes, line breaks, capitals,
    dates, too long) is refused before anything: with fewer than 11 persons no table is
    built to check it against, and it would otherwise go into a header and the audit log."""
    from .conftest import person

    dash.load([person() for _ in range(3)])
    client = dash.client("analyst")
    for typed in ("Zorblax%0D%0ASet-Cookie:x=1", "zorblax%22;x=1", "Zorblax FICTICIA 1987-03-14", "x" * 60):
        r = client.get(f"/dashboard/overview/{typed}.csv")
        assert r.status_code == 404 and "content-disposition" not in r.headers
        assert "orblax" not in r.text and "x=1" not in r.text
    assert client.get("/dashboard/overview/overview.csv").status_code == 200
    with dash.engine.connect() as conn:
        targets = [t for (t,) in conn.execute(text("SELECT target FROM audit_log WHERE action = 'dashboard_export'"))]
    assert targets == ["overview/overview"]
