"""A wrong address under /exchange or /dashboard answers a page in words (Spanish first),
signed in or not; /api keeps its JSON. ``GET /`` is a small page that leads to both sites.
An analyst refused on the supervisors' site reads the HTCDS offer by its scope (a national
analyst gets every institution's cases) and finds the way to the dashboard."""

from __future__ import annotations

from fastapi.testclient import TestClient

from intake_app.server.app import create_app
from intake_app.server.auth import add_user

from .conftest import PASSWORD


def signed_in(app, area: str, user: str) -> TestClient:
    client = TestClient(app, follow_redirects=False)
    assert client.post(f"/{area}/login", data={"username": user, "password": PASSWORD,
                                               "next": f"/{area}/"}).status_code == 303
    return client


def test_wrong_addresses_under_the_pages_answer_a_page(pair):
    cr, _ = pair
    app = create_app(cr.settings, cr.keystore, cr.engine)
    anonymous = TestClient(app, follow_redirects=False)
    sup = signed_in(app, "exchange", "sup.uno")
    ana = signed_in(app, "dashboard", "analista")
    for client, path in ((anonymous, "/exchange/nope"), (sup, "/exchange/nope"), (sup, "/exchange/cases/a/b/c"),
                         (anonymous, "/exchange/static/otro.js"), (anonymous, "/dashboard/a/b"),
                         (ana, "/dashboard/a/b"), (ana, "/dashboard/static/otro.css")):
        r = client.get(path)
        assert r.status_code == 404, path
        assert r.headers["content-type"].startswith("text/html"), path
        assert "No hay ninguna página en esta dirección" in r.text, path
        assert r.headers["content-security-policy"].startswith("default-src 'self'"), path
        en = client.get(path + "?lang=en")
        assert en.status_code == 404 and "There is no page at this address" in en.text, path
    page = sup.get("/exchange/nope")
    assert 'action="/exchange/logout"' in page.text and 'href="/exchange/"' in page.text  # who, and the way back
    assert 'href="/dashboard/"' in ana.get("/dashboard/a/b").text
    wrong_method = sup.get("/exchange/prepare")  # an action's address opened in the browser
    assert wrong_method.status_code == 405 and "text/html" in wrong_method.headers["content-type"]
    assert "POST" in wrong_method.headers["allow"]
    # the API stays JSON, also behind a page's address (a laptop given /dashboard/ as its
    # server's address words the JSON: "check the server's address")
    for client in (anonymous, sup):
        for path in ("/api/v1/nope", "/dashboard/api/v1/bundles", "/exchange/api/v1/enroll/lap-demo-1"):
            r = client.get(path)
            assert r.status_code == 404 and r.json() == {"code": "not_found", "params": {}}, path


def test_the_root_leads_to_both_sites(pair):
    cr, _ = pair
    client = TestClient(create_app(cr.settings, cr.keystore, cr.engine), follow_redirects=False)
    es, en = client.get("/"), client.get("/?lang=en")
    assert es.status_code == en.status_code == 200 and es.headers["content-type"].startswith("text/html")
    assert '<html lang="es">' in es.text and "Servidor central" in es.text and "Tablero nacional de datos" in es.text
    assert 'href="/dashboard/"' in es.text and 'href="/exchange/"' in es.text and 'href="/?lang=en"' in es.text
    assert '<html lang="en">' in en.text and 'href="/dashboard/?lang=en"' in en.text and \
        'href="/exchange/?lang=en"' in en.text
    assert es.headers["content-security-policy"].startswith("default-src 'self'")
    assert 'aria-label="Idioma"' in es.text and 'aria-label="Language"' in en.text  # not the exchange's nav
    assert "/" not in client.get("/openapi.json").json()["paths"]


def test_the_analysts_refusal_words_the_export_by_scope(pair):
    cr, _ = pair
    add_user(cr.engine, cr.settings, "analista.eri", PASSWORD, "analyst", "eri", actor="test")
    app = create_app(cr.settings, cr.keystore, cr.engine)
    national = signed_in(app, "exchange", "analista").get("/exchange/")
    assert national.status_code == 403
    assert "de los casos de todas las instituciones" in national.text and "su institución" not in national.text
    assert 'href="/dashboard/"' in national.text
    english = signed_in(app, "exchange", "analista").get("/exchange/?lang=en")
    assert "of the cases of every institution" in english.text and 'href="/dashboard/?lang=en"' in english.text
    eri = signed_in(app, "exchange", "analista.eri").get("/exchange/")
    assert eri.status_code == 403 and "de los casos de su institución" in eri.text
    assert "todas las instituciones" not in eri.text and 'href="/dashboard/"' in eri.text


BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def test_a_mistyped_address_elsewhere_answers_a_browser_a_page(pair):
    """"/dashbord" typed in a browser: the page in words with the way to the start, not
    the API's JSON; /api and programs (Accept */* or JSON) keep the JSON."""
    cr, _ = pair
    client = TestClient(create_app(cr.settings, cr.keystore, cr.engine), follow_redirects=False)
    for path in ("/dashbord", "/exchang/cases", "/nope"):
        r = client.get(path, headers=BROWSER)
        assert r.status_code == 404, path
        assert r.headers["content-type"].startswith("text/html"), path
        assert '<html lang="es">' in r.text and "No hay ninguna página en esta dirección" in r.text, path
        assert 'href="/"' in r.text and "Ir a la página de inicio del servidor" in r.text, path
        assert r.headers["content-security-policy"].startswith("default-src 'self'"), path
        assert "not_found" not in r.text, path
        en = client.get(path + "?lang=en", headers=BROWSER)
        assert en.status_code == 404 and '<html lang="en">' in en.text, path
        assert "There is no page at this address" in en.text and 'href="/?lang=en"' in en.text, path
    for path, headers in (("/api/v1/nope", BROWSER), ("/dashbord", {}), ("/dashbord", {"Accept": "*/*"}),
                          ("/dashbord", {"Accept": "application/json"}),
                          ("/dashbord", {"Accept": "application/json, text/html;q=0.5"})):
        r = client.get(path, headers=headers)
        assert r.status_code == 404 and r.json() == {"code": "not_found", "params": {}}, (path, headers)
