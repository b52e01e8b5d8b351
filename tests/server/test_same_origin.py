"""The server's pages act only on requests from their own pages: a form or script of another
site (CSRF, login CSRF) is refused with the area's worded 403 page (Spanish first, English
second), whatever the session; requests without browser headers (curl, devices) and /api are
not concerned. The session cookie lives for the browser session only and is deleted with the
flags it was set with. Every answer carries the baseline headers (nosniff, no referrer; no
cache for /api and the pages). Fictional users only."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from .conftest import ADMIN_PASSWORD

FORM = {"username": "admin", "password": ADMIN_PASSWORD, "next": "/dashboard/"}
CROSS = {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
REFUSED_ES, REFUSED_EN = "no vino de una página de este servidor", "did not come from a page of this server"


@pytest.fixture
def web(srv):
    return TestClient(srv.app(), raise_server_exceptions=False, follow_redirects=False)


def behind_proxy(srv, scheme: str = "https") -> TestClient:
    """The app as `intake-server serve` runs it behind its TLS proxy (uvicorn's proxy headers)."""
    app = ProxyHeadersMiddleware(srv.app(), trusted_hosts="*")
    return TestClient(app, base_url=f"{scheme}://intake.example", raise_server_exceptions=False,
                      follow_redirects=False)


def refused(r) -> bool:
    return (r.status_code == 403 and r.headers["content-type"].startswith("text/html")
            and REFUSED_ES in r.text and REFUSED_EN in r.text
            and r.text.index(REFUSED_ES) < r.text.index(REFUSED_EN) and "set-cookie" not in r.headers)


@pytest.mark.parametrize("headers", [
    CROSS,
    {"Sec-Fetch-Site": "same-site"},  # a sibling host (another app on the same domain) is another origin
    {"Origin": "https://evil.example"},  # an older browser: no Sec-Fetch-Site, the Origin decides
    {"Origin": "null"},  # a sandboxed frame or a data: page
    {"Origin": "http://testserver.evil.example"},
    {"Origin": "http://testserver:8080"},
])
def test_a_login_form_on_another_site_does_not_sign_the_browser_in(web, headers):
    r = web.post("/dashboard/login", data=FORM, headers=headers)
    assert refused(r), (r.status_code, r.headers)
    assert r.headers["cache-control"] == "no-store" and "frame-ancestors 'none'" in r.headers[
        "content-security-policy"]
    assert "/dashboard/logout" not in r.text  # nobody is named signed in
    r = web.post("/dashboard/logout", headers=headers)
    assert refused(r)


@pytest.mark.parametrize("headers", [
    {},  # curl, scripts, the tests: no browser headers
    {"Sec-Fetch-Site": "same-origin", "Origin": "http://testserver"},  # the page's own form
    {"Sec-Fetch-Site": "none"},  # typed or bookmarked by the person
    {"Origin": "http://testserver"},
    {"Origin": "http://TestServer:80"},  # the same origin, written otherwise
])
def test_the_pages_own_forms_pass(web, headers):
    r = web.post("/dashboard/login", data=FORM, headers=headers)
    assert r.status_code == 303 and r.headers["location"] == "/dashboard/"
    assert "intake_dashboard=" in r.headers["set-cookie"]


def test_behind_the_tls_proxy_the_origin_is_the_https_one(srv):
    client = behind_proxy(srv)
    ok = client.post("/dashboard/login", data=FORM,
                     headers={"Origin": "https://intake.example", "X-Forwarded-Proto": "https"})
    assert ok.status_code == 303, ok.text
    # the same host over plain http is another origin
    plain = client.post("/dashboard/login", data=FORM,
                        headers={"Origin": "http://intake.example", "X-Forwarded-Proto": "https"})
    assert refused(plain)
    english = client.post("/exchange/login?lang=en", data=FORM, headers={**CROSS, "X-Forwarded-Proto": "https"})
    assert refused(english) and '<html lang="en">' in english.text


def test_the_api_is_not_concerned(srv, web):
    """Devices and API clients send bearer tokens and signatures, never cookies: the check
    stays off /api (their answers do get the baseline headers)."""
    r = web.post("/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}, headers=CROSS)
    assert r.status_code == 200 and r.json()["token"]
    assert r.headers["cache-control"] == "no-store"
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["referrer-policy"] == "no-referrer"


def test_every_answer_has_the_baseline_headers(web):
    for path in ("/openapi.json", "/nothing-here", "/exchange/no-such-page/x", "/dashboard/static/none.js",
                 "/api/v1/no-such-call"):
        r = web.get(path)
        assert r.headers.get("x-content-type-options") == "nosniff", path
        assert r.headers.get("referrer-policy") == "no-referrer", path
    for path in ("/exchange/no-such-page/x", "/dashboard/static/none.js", "/api/v1/no-such-call"):
        assert web.get(path).headers.get("cache-control") == "no-store", path
    js = web.get("/dashboard/static/dashboard.js")  # a header a route set itself is kept
    assert js.headers["cache-control"] == "no-cache"


def test_the_session_cookie_ends_with_the_browser_and_is_deleted_with_its_flags(srv):
    client = behind_proxy(srv)
    r = client.post("/dashboard/login", data=FORM, headers={"X-Forwarded-Proto": "https"})
    cookie = r.headers["set-cookie"].lower()
    assert r.status_code == 303 and cookie.startswith("intake_dashboard=")
    assert "max-age" not in cookie and "expires" not in cookie  # gone when the browser closes
    assert {"httponly", "samesite=strict", "secure", "path=/dashboard"} <= {p.strip() for p in cookie.split(";")}
    out = client.post("/dashboard/logout", headers={"X-Forwarded-Proto": "https"})
    gone = out.headers["set-cookie"].lower()
    assert gone.startswith('intake_dashboard=""') and "max-age=0" in gone
    assert {"httponly", "samesite=strict", "secure", "path=/dashboard"} <= {p.strip() for p in gone.split(";")}
