"""What a supervisor or an analyst reads on the exchange site when something is off: a row id
that is no number gets a page, not the API's JSON; a fresh server with no partner keys says
how to import them instead of "{recipient}"; an address typed by hand never shows a catalog
key; a QR that does not parse is worded without internal codes; an analyst's refusal names
the k = 11 HTCDS export and hides the supervisors' links; the period field takes the
dashboard's "T3 2026". All persons are fictional."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from intake_app.server.app import create_app
from intake_app.server.exchange.aggregate import parse_period

from .conftest import PASSWORD


def client_of(srv, user: str = "sup.uno") -> TestClient:
    client = TestClient(create_app(srv.settings, srv.keystore, srv.engine), follow_redirects=False)
    r = client.post("/exchange/login", data={"username": user, "password": PASSWORD, "next": "/exchange/"})
    assert r.status_code == 303, r.text
    return client


def test_a_row_id_that_is_no_number_gets_a_spanish_page(pair):
    cr, _ = pair
    uno = client_of(cr)
    for method, path, words in (("GET", "/exchange/conflicts/0", "No existe ese conflicto abierto"),
                                ("GET", "/exchange/conflicts/abc", "No existe ese conflicto abierto"),
                                ("POST", "/exchange/conflicts/abc/resolve", "No existe ese conflicto abierto"),
                                ("GET", "/exchange/received/abc", "No se encontró lo solicitado"),
                                ("GET", "/exchange/received/0", "No existe el registro recibido 0")):
        r = uno.request(method, path, data={"keep": "head"} if method == "POST" else None)
        assert r.status_code == 404, (path, r.status_code)
        assert r.headers["content-type"].startswith("text/html"), (path, r.text)
        assert words in r.text and "No se pudo" in r.text and 'action="/exchange/logout"' in r.text, path
    english = uno.get("/exchange/conflicts/abc?lang=en")
    assert english.status_code == 404
    assert "Could not be done" in english.text and "No such open conflict." in english.text
    assert '"code"' not in english.text


def test_no_partner_keys_yet_says_how_to_import_them(make):
    alone = make("solo", "cr_eri")  # trusts nobody: no recipient has keys here
    uno = client_of(alone)
    page = uno.get("/exchange/").text
    assert page.count('id="no-recipients') == 3  # once above the forms, and a line in each form
    assert "intake-server exchange keys import &lt;institución&gt;" in page and "docs/exchange.md" in page
    assert page.count("<button class=\"primary\" type=\"submit\" disabled>") == 2
    r = uno.post("/exchange/prepare", data={"recipient": "", "purpose": "services", "cases": "AAAA-BBBB-CCCC"})
    assert r.status_code == 303
    r = uno.get(r.headers["location"])
    assert 'id="error-target" role="alert"' in r.text
    assert "Elija un destinatario" in r.text and "{recipient}" not in r.text
    assert "To see whose keys are already imported" in uno.get("/exchange/?lang=en").text


def test_an_address_typed_by_hand_shows_no_catalog_key_or_placeholder(pair):
    cr, _ = pair
    uno = client_of(cr)
    page = uno.get("/exchange/?error=foo").text
    assert "error.foo" not in page and "La acción no se pudo hacer." in page
    page = uno.get("/exchange/?error=exchange_recipient_unknown").text
    assert "{recipient}" not in page and "El destinatario ? no está en el registro" in page
    assert "The action could not be done." in uno.get("/exchange/?error=nope&lang=en").text


def test_a_qr_that_does_not_parse_is_worded_without_codes(pair):
    cr, _ = pair
    uno = client_of(cr)
    for code, words in (("INTAKE1:ABC", "formato no reconocido"), ("ABCD", "debe tener 32 caracteres")):
        r = uno.post("/exchange/verify-print", data={"code": code})
        assert r.status_code == 303 and code not in r.headers["location"]
        r = uno.get(r.headers["location"])
        assert words in r.text, r.text
        for internal in ("(length)", "(qr_parts)", "(qr_encoding)", "(format)"):
            assert internal not in r.text
    english = uno.get(uno.post("/exchange/verify-print", data={"code": "ABCD", "lang": "en"}).headers["location"]).text
    assert "(length)" not in english and "32 characters" in english


def test_an_analyst_is_offered_the_k11_export_and_no_supervisor_links(pair):
    cr, _ = pair
    analyst = client_of(cr, "analista")
    for lang, words in (("es", "exportación HTCDS k-anónima (k\u00a0=\u00a011)"),
                        ("en", "k-anonymous HTCDS export (k\u00a0=\u00a011)")):
        page = analyst.get(f"/exchange/received?lang={lang}")
        assert page.status_code == 403 and words in page.text
        assert 'href="/exchange/htcds.csv?k=11"' in page.text and 'href="/exchange/htcds.json?k=11"' in page.text
        nav = page.text.split('<nav class="tools"')[1].split("</nav>")[0]
        for supervisors_only in ("/exchange/cases", "/exchange/received", "/exchange/verify-print", 'href="/exchange/'):
            assert supervisors_only not in nav, (lang, supervisors_only)
        assert 'action="/exchange/logout"' in nav  # the way out stays
    assert analyst.get("/exchange/htcds.json?k=11").status_code == 200
    nav = client_of(cr).get("/exchange/").text.split('<nav class="tools"')[1].split("</nav>")[0]
    assert "/exchange/cases" in nav and "/exchange/verify-print" in nav  # supervisors keep theirs
    assert "k\u00a0=\u00a011) de los casos de su institución" not in client_of(cr).get("/exchange/cases").text


@pytest.mark.parametrize("typed, first, last", [
    ("T3 2026", "2026-Q3", "2026-Q3"), ("q3 2026", "2026-Q3", "2026-Q3"), ("2026-T3", "2026-Q3", "2026-Q3"),
    ("T1 2026..T3 2026", "2026-Q1", "2026-Q3"), ("2026-Q1..2026-Q3", "2026-Q1", "2026-Q3"),
    ("2026", "2026-Q1", "2026-Q4"),
    ("T3\u00a02026", "2026-Q3", "2026-Q3"), ("T1\u00a02026..T3\u202f2026", "2026-Q1", "2026-Q3"),  # pasted from a page
])
def test_the_period_takes_the_dashboards_spelling(typed, first, last):
    assert parse_period(typed) == (first, last)


def test_the_period_field_and_its_error_ask_for_the_same_thing(pair):
    cr, _ = pair
    uno = client_of(cr)
    page = uno.get("/exchange/").text
    assert 'placeholder="T3 2026"' in page and "T3 2026" in page.split('name="period"')[0].rsplit("<label>", 1)[1]
    r = uno.post("/exchange/prepare", data={"recipient": "pa_uia", "purpose": "reporting", "period": "T3 2026"})
    assert "ok=prepared" in r.headers["location"], r.headers["location"]
    r = uno.post("/exchange/prepare", data={"recipient": "pa_uia", "purpose": "reporting", "period": "2026-13"})
    assert r.status_code == 303
    r = uno.get(r.headers["location"])
    assert "«2026-13» no es válido" in r.text and "T3 2026" in r.text and "AAAA-MM-DD" not in r.text
    shown = uno.get(uno.post("/exchange/prepare", data={"recipient": "pa_uia", "purpose": "reporting",
                                                        "period": "2026-13", "lang": "en"}).headers["location"]).text
    assert "Q3 2026" in shown and "YYYY-MM-DD" not in shown
