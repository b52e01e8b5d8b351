"""The warning before the idle timeout (WCAG 2.2.1), on the server's side: a signed-in page
carries the idle length from the settings and the hidden warning (Spanish first, English with
?lang=en); the sign-in page and a refused role's page do not. ``POST <area>/session`` gives
the session one more full idle length, only for the area's roles, only from the area's own
pages; ``GET <area>/session`` says how long is left and moves nothing. Fictional users only."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text, update

from intake_app.server.app import create_app
from intake_app.server.auth import sessions_t, token_hash

from .conftest import PASSWORD

CROSS = {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}


def client(srv, settings=None) -> TestClient:
    return TestClient(create_app(settings or srv.settings, srv.keystore, srv.engine), raise_server_exceptions=False,
                      follow_redirects=False)


def sign_in(c: TestClient, area: str, user: str) -> str:
    r = c.post(f"/{area}/login", data={"username": user, "password": PASSWORD, "next": f"/{area}/"})
    assert r.status_code == 303, r.text
    return c.cookies.get(f"intake_{area}")


def idle_until(srv, token: str) -> datetime:
    with srv.engine.connect() as conn:
        return conn.execute(select(sessions_t.c.idle_until).where(sessions_t.c.token_hash == token_hash(token))) \
            .scalar_one()


def set_idle_until(srv, token: str, when: datetime) -> None:
    with srv.engine.begin() as conn:
        conn.execute(update(sessions_t).where(sessions_t.c.token_hash == token_hash(token)).values(idle_until=when))


def now() -> datetime:
    return datetime.now(timezone.utc)


@pytest.fixture
def users(srv):
    srv.add_user("ana.ficticia", "analyst")
    srv.add_user("sup.ficticia", "supervisor", "eri")
    srv.add_user("aud.ficticia", "auditor")
    return srv


def test_a_signed_in_page_carries_the_idle_length_and_the_hidden_warning(users):
    c = client(users, replace(users.settings, session_idle_minutes=45))
    assert "data-idle" not in c.get("/dashboard/login").text
    sign_in(c, "dashboard", "ana.ficticia")
    es = c.get("/dashboard/").text
    assert 'data-idle-seconds="2700" data-idle-area="/dashboard"' in es  # from the settings, not 30
    assert '<script src="/dashboard/static/idle.js" defer></script>' in es
    assert 'role="alertdialog"' in es and 'aria-modal="true"' in es and "<dialog id=\"idle-warning\"" in es
    assert "45 minutos sin actividad" in es and "Seguir trabajando" in es and "Keep working" not in es
    en = c.get("/dashboard/?lang=en").text
    assert "45 minutes without activity" in en and "Keep working" in en and "Seguir trabajando" not in en
    js = c.get("/dashboard/static/idle.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")

    sup = client(users)
    sign_in(sup, "exchange", "sup.ficticia")
    page = sup.get("/exchange/cases").text
    assert 'data-idle-seconds="1800" data-idle-area="/exchange"' in page and "Seguir trabajando" in page
    assert "Keep working" in sup.get("/exchange/cases?lang=en").text
    assert 'data-idle-area="/exchange"' in sup.get("/exchange/no-such-page").text  # the 404 page too
    assert "data-idle" not in sup.get("/exchange/login").text


def test_a_refused_role_gets_no_warning(users):
    c = client(users)
    sign_in(c, "dashboard", "aud.ficticia")
    page = c.get("/dashboard/")
    assert page.status_code == 403 and "data-idle" not in page.text and "idle-warning" not in page.text
    analyst = client(users)
    sign_in(analyst, "exchange", "ana.ficticia")
    page = analyst.get("/exchange/")
    assert page.status_code == 403 and "data-idle" not in page.text


@pytest.mark.parametrize("area, user", [("dashboard", "ana.ficticia"), ("exchange", "sup.ficticia")])
def test_keep_working_gives_one_more_full_idle_length(users, area, user):
    c = client(users)
    token = sign_in(c, area, user)
    set_idle_until(users, token, now() + timedelta(seconds=50))  # the warning is on screen
    left = c.get(f"/{area}/session")
    assert left.status_code == 200 and 40 <= left.json()["remaining"] <= 50
    assert idle_until(users, token) <= now() + timedelta(seconds=50)  # asking moved nothing
    assert left.headers["cache-control"] == "no-store"
    r = c.post(f"/{area}/session", headers={"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"})
    assert r.status_code == 200 and 1790 <= r.json()["remaining"] <= 1800
    assert idle_until(users, token) >= now() + timedelta(minutes=29, seconds=50)
    assert c.get({"dashboard": "/dashboard/", "exchange": "/exchange/cases"}[area]).status_code == 200  # signed in


@pytest.mark.parametrize("area, user", [("dashboard", "ana.ficticia"), ("exchange", "sup.ficticia")])
def test_no_session_or_one_that_ran_out_is_not_extended(users, area, user):
    anonymous = client(users)
    for method in ("get", "post"):  # as every page of the area: the way to the sign-in page
        r = getattr(anonymous, method)(f"/{area}/session")
        assert r.status_code == 303 and r.headers["location"] == f"/{area}/login"
    c = client(users)
    token = sign_in(c, area, user)
    past = now() - timedelta(seconds=5)
    set_idle_until(users, token, past)
    assert c.post(f"/{area}/session").status_code == 303
    assert c.get(f"/{area}/session").status_code == 303
    assert abs(idle_until(users, token) - past) < timedelta(seconds=1)  # not brought back to life
    # the sign-in page, where the script then goes, says the session ended
    assert "Su sesión expiró" in c.get(f"/{area}/login").text
    ended = client(users)
    token = sign_in(ended, area, user)
    ended.post(f"/{area}/logout")
    ended.cookies.set(f"intake_{area}", token, path=f"/{area}")
    assert ended.post(f"/{area}/session").status_code == 303


@pytest.mark.parametrize("area, user", [("dashboard", "aud.ficticia"), ("exchange", "ana.ficticia"),
                                        ("exchange", "aud.ficticia")])
def test_a_role_the_area_refuses_cannot_keep_a_session_there(users, area, user):
    c = client(users)
    token = sign_in(c, area, user)
    before = now() + timedelta(seconds=50)
    set_idle_until(users, token, before)
    for method in ("post", "get"):
        r = getattr(c, method)(f"/{area}/session")
        assert r.status_code == 403 and r.json() == {"remaining": 0, "code": "role_forbidden"}
    assert abs(idle_until(users, token) - before) < timedelta(seconds=1)
    with users.engine.connect() as conn:
        refused = conn.execute(text("SELECT count(*) FROM audit_log WHERE action = 'access_refused'")).scalar_one()
    assert refused >= 2


@pytest.mark.parametrize("area, user", [("dashboard", "ana.ficticia"), ("exchange", "sup.ficticia")])
@pytest.mark.parametrize("headers", [CROSS, {"Sec-Fetch-Site": "same-site"}, {"Origin": "https://evil.example"},
                                     {"Origin": "null"}])
def test_another_site_cannot_keep_the_session_alive(users, area, user, headers):
    c = client(users)
    token = sign_in(c, area, user)
    before = now() + timedelta(seconds=50)
    set_idle_until(users, token, before)
    r = c.post(f"/{area}/session", headers=headers)
    assert r.status_code == 403 and "no vino de una página de este servidor" in r.text
    assert abs(idle_until(users, token) - before) < timedelta(seconds=1)
    own = c.post(f"/{area}/session", headers={"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"})
    assert own.status_code == 200 and idle_until(users, token) > before  # the page's own request does


def test_less_than_a_second_left_is_still_time_left(users):
    """Rounded up: a page told "0" went to the sign-in page while the session was still open
    there, and that page then greeted the person as if they had never been signed in."""
    c = client(users)
    token = sign_in(c, "dashboard", "ana.ficticia")
    set_idle_until(users, token, now() + timedelta(seconds=0.8))
    r = c.get("/dashboard/session")
    assert r.status_code == 200 and r.json()["remaining"] == 1
