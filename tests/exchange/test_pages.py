"""The supervisor's pages on two real servers (uvicorn on 127.0.0.1, free ports): sign in,
prepare, approve as another supervisor, download, read the manifest and import at the
other server, open the received record. Wrong roles are refused; every step is audited."""

from __future__ import annotations

import re

import httpx

from intake_app.server.app import create_app
from tests.loopback import serve

from .conftest import PASSWORD, person


def serving(srv):
    return serve(create_app(srv.settings, srv.keystore, srv.engine))


def signed_in(base: str, user: str) -> httpx.Client:
    client = httpx.Client(base_url=base, follow_redirects=False, timeout=30)
    r = client.post("/exchange/login", data={"username": user, "password": PASSWORD, "next": "/exchange/"})
    assert r.status_code == 303, r.text
    return client


def test_supervisor_pages_end_to_end(pair):
    cr, pa = pair
    case_id, = cr.laptop().save([person(21)])
    with serving(cr) as cr_url, serving(pa) as pa_url:
        anon = httpx.get(cr_url + "/exchange/", follow_redirects=False)
        assert anon.status_code == 303 and anon.headers["location"].startswith("/exchange/login")
        analyst = signed_in(cr_url, "analista")
        assert analyst.get("/exchange/").status_code == 403
        export = analyst.get("/exchange/htcds.csv?k=11")  # analysts may take the HTCDS export
        assert export.status_code == 200 and export.text.startswith("cas_DateOfIdentification,")
        assert "FICTICIA" not in export.text
        plain = analyst.get("/exchange/htcds.csv")  # never record-level rows with exact dates for analysts
        assert plain.status_code == 200 and 'filename="htcds-k11.csv"' in plain.headers["content-disposition"]

        uno, dos = signed_in(cr_url, "sup.uno"), signed_in(cr_url, "sup.dos")
        page = uno.get("/exchange/")
        assert page.status_code == 200 and "Paquetes salientes" in page.text and "pa_uia" in page.text
        referral_form = page.text.split('name="target" required>')[1].split("</select>")[0]
        assert 'value="pa_uia:services"' in referral_form and ':reporting"' not in referral_form
        r = uno.post("/exchange/prepare", data={"target": "pa_uia:services", "cases": case_id})
        assert r.status_code == 303 and "ok=prepared" in r.headers["location"]
        package_id = r.headers["location"].split("package=")[1].split("&")[0]
        assert package_id in uno.get(r.headers["location"]).text

        r = uno.post(f"/exchange/packages/{package_id}/approve", data={})  # who prepared cannot approve
        assert "error=exchange_self_approval" in r.headers["location"]
        assert "no puede aprobarlo" in uno.get(r.headers["location"]).text
        r = dos.post(f"/exchange/packages/{package_id}/approve", data={"lang": "en"})
        assert "ok=approved" in r.headers["location"]
        assert "approved, encrypted and signed" in dos.get(r.headers["location"]).text
        data = dos.post(f"/exchange/packages/{package_id}/file", data={})
        assert data.status_code == 200 and data.headers["content-type"] == "application/octet-stream"
        assert b"FICTICIA" not in data.content

        pa_sup = signed_in(pa_url, "sup.uno")
        assert pa_sup.get("/exchange/received").status_code == 200
        assert pa_sup.get("/exchange/static/exchange.js").status_code == 200
        octet = {"Content-Type": "application/octet-stream"}
        m = pa_sup.post("/exchange/received/inspect", content=data.content, headers=octet).json()
        assert m["ok"] and m["manifest"]["sender"] == "cr_eri" and m["manifest"]["cases"] == 1
        assert pa.count("exchange_received") == 0  # reading the manifest stores nothing
        r = pa_sup.post("/exchange/received/import", content=data.content, headers=octet).json()
        assert r["ok"], r
        again = pa_sup.post("/exchange/received/import", content=data.content, headers=octet).json()
        assert not again["ok"] and "repetición" in again["message"]
        assert re.search(r"ya se recibió el \d\d/\d\d/\d{4} \d\d:\d\d UTC", again["message"]), again  # not ISO
        page = pa_sup.get("/exchange/received")
        assert case_id in page.text and "FICTICIA" not in page.text  # the list shows no content
        record_id = page.text.split("/exchange/received/")[1].split('"')[0].split("?")[0]
        rec = pa_sup.get(f"/exchange/received/{record_id}?lang=en")
        assert rec.status_code == 200 and "María21 FICTICIA" in rec.text
        assert "DEMO-100021" not in rec.text  # the document number is not in the profile

    assert {"exchange_prepared", "exchange_approved", "exchange_sent", "htcds_export"} <= set(cr.audit_actions())
    assert {"exchange_received", "exchange_opened", "exchange_import_refused"} <= set(pa.audit_actions())


def test_packages_page_says_which_withdrawals_wait(pair):
    """A consent withdrawn after sending is shown on the supervisor's page until its notice
    is prepared; the page names counts only, never the person."""
    from .test_refusals import referral

    cr, _ = pair
    laptop = cr.laptop()
    case_id, = laptop.save([person(31)])
    referral(cr, [case_id])
    with serving(cr) as cr_url:
        uno = signed_in(cr_url, "sup.uno")
        assert "No hay retiros de consentimiento pendientes" in uno.get("/exchange/").text
        # a sentence typed into the address is never worded into the page's own error box
        page = uno.get("/exchange/?error=upload_too_large&limit=Llame al 8888 para desbloquear").text
        assert "Llame al" not in page
        assert "900" in uno.get("/exchange/?error=upload_too_large&limit=900").text

        laptop.save([person(31, recipients=["services"])], [case_id])  # withdrawn for the other country
        page = uno.get("/exchange/").text
        assert "Casos con consentimiento retirado que esperan aviso: 1 (instituciones a avisar: 1)" in page
        assert "FICTICIA" not in page and case_id not in page.split('id="withdrawals-due"')[1].split("</p>")[0]
        assert "Cases with consent withdrawn, waiting for a notice: 1 (institutions to notify: 1)" in uno.get("/exchange/?lang=en").text

        r = uno.post("/exchange/withdrawals", data={})
        assert r.status_code == 303 and "ok=withdrawals" in r.headers["location"] and "count=1" in r.headers["location"]
        page = uno.get(r.headers["location"]).text
        assert "Avisos de retiro preparados: 1" in page and "No hay retiros de consentimiento pendientes" in page
