"""The exchange pages against another site and a crafted address: an action (review, resolve,
sign-in) posted from elsewhere is refused with the exchange's own 403 page and not done; the
package inspect and import answers take only the bytes the import page's script sends
(415 otherwise: a plain HTML form cannot reach them) and carry the pages' headers; the success
box says only what this server wrote into the address (a package id, a small count), never a
sentence typed into it. One real server, fictional persons."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from intake_app.server.app import create_app

from .conftest import PASSWORD, person

CROSS = {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
SAME = {"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"}  # what Chromium sends from the page


@pytest.fixture
def cr(make):
    return make("cr", "cr_eri")


def client(srv, user: str | None = "sup.uno") -> TestClient:
    c = TestClient(create_app(srv.settings, srv.keystore, srv.engine), raise_server_exceptions=False,
                   follow_redirects=False)
    if user:
        r = c.post("/exchange/login", data={"username": user, "password": PASSWORD, "next": "/exchange/"})
        assert r.status_code == 303
    return c


def refused(r) -> bool:
    return (r.status_code == 403 and r.headers["content-type"].startswith("text/html")
            and "No autorizado" in r.text and "no vino de una página de este servidor" in r.text
            and "did not come from a page of this server" in r.text and r.headers["cache-control"] == "no-store")


def review_state(srv, case_id: str) -> str:
    from sqlalchemy import text

    with srv.engine.connect() as conn:
        return conn.execute(text("SELECT review_state FROM cases WHERE case_id = :c"), {"c": case_id}).scalar_one()


def test_an_action_posted_from_another_site_is_refused_and_not_done(cr):
    case_id, = cr.laptop().save([person(81)])
    uno = client(cr)
    before = review_state(cr, case_id)
    for headers in (CROSS, {"Origin": "https://evil.example"}, {"Origin": "null"}, {"Sec-Fetch-Site": "same-site"}):
        r = uno.post(f"/exchange/cases/{case_id}/review", data={}, headers=headers)
        assert refused(r), (headers, r.status_code)
        assert review_state(cr, case_id) == before
        assert refused(uno.post("/exchange/conflicts/1/resolve", data={"keep": "head", "case_id": case_id},
                                headers=headers))
    assert "case_review" not in cr.audit_actions()
    from sqlalchemy import text

    with cr.engine.connect() as conn:  # the version the page showed (its form sends it)
        head = conn.execute(text("SELECT head_revision_id FROM cases WHERE case_id = :c"), {"c": case_id}).scalar_one()
    r = uno.post(f"/exchange/cases/{case_id}/review", data={"revision": head}, headers=SAME)  # the page's own button
    assert r.status_code == 303 and "ok=reviewed" in r.headers["location"]
    assert review_state(cr, case_id) != before


def test_a_login_form_on_another_site_sets_no_cookie(cr):
    anon = client(cr, None)
    r = anon.post("/exchange/login", data={"username": "sup.uno", "password": PASSWORD, "next": "/exchange/"},
                  headers=CROSS)
    assert refused(r) and "set-cookie" not in r.headers
    assert "/exchange/logout" not in r.text  # the page names nobody
    ok = anon.post("/exchange/login", data={"username": "sup.uno", "password": PASSWORD, "next": "/exchange/"},
                   headers=SAME)
    assert ok.status_code == 303 and "intake_exchange=" in ok.headers["set-cookie"]


@pytest.mark.parametrize("path", ["/exchange/received/inspect", "/exchange/received/import"])
def test_inspect_and_import_take_only_the_scripts_bytes(cr, path):
    uno = client(cr)
    for ctype in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", None):
        headers = {"Content-Type": ctype} if ctype else {}
        r = uno.post(path + "?lang=en", content=b"not a package", headers=headers)
        assert r.status_code == 415, (ctype, r.status_code)
        body = r.json()
        assert body["ok"] is False and "application/octet-stream" in body["message"]
        assert r.headers["cache-control"] == "no-store" and r.headers["x-content-type-options"] == "nosniff"
    r = uno.post(path, content=b"not a package", headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 200 and r.json()["ok"] is False  # read, and refused for what it is
    assert r.headers["cache-control"] == "no-store" and r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer" and "content-security-policy" in r.headers
    assert cr.count("exchange_received") == 0


@pytest.mark.parametrize("query", [
    "ok=prepared&package=Llame%20al%20%2B506%208888%200000%20para%20desbloquear",
    "ok=prepared&package=Llame-al-506-8888-0000",  # one "word" is still not a package id
    "ok=approved&package=",
    "ok=approved",
    "ok=withdrawals&count=Llame%20al%20%2B506",
    "ok=withdrawals&count=-1",
    "ok=withdrawals&count=99999999999",
    "ok=withdrawals&count=1.5",
])
def test_the_success_box_never_words_typed_text(cr, query):
    uno = client(cr)
    for page in ("/exchange/", "/exchange/cases"):
        text = uno.get(f"{page}?{query}").text
        assert 'class="msg ok"' not in text, (page, query)
        assert "Llame" not in text and "99999999999" not in text


def test_the_success_box_words_what_the_server_wrote(cr):
    uno = client(cr)
    pid = "xp-" + "0123456789abcdef" * 2
    assert f"Paquete {pid} preparado" in uno.get(f"/exchange/?ok=prepared&package={pid}").text
    assert "Avisos de retiro preparados: 3." in uno.get("/exchange/cases?ok=withdrawals&count=3").text
    assert "Avisos de retiro preparados: 0." in uno.get("/exchange/?ok=withdrawals&count=0").text
    assert "Caso marcado como revisado" in uno.get("/exchange/cases?ok=reviewed&package=whatever").text
