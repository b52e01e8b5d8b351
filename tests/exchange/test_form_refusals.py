"""The exchange forms after the web review (M3, L1, L6) and the CLI review (L4): a refused
form comes back (a redirect: POST, redirect, GET) with the ids of its cases held and codes and
its reason next to the field, and nothing else typed (never in an address, a log, the audit or
a page that answers a POST; test_refusal_no_echo.py); a form sent twice is done once,
whichever server process gets each copy; the 403 for administrators and auditors says where
their work is and how to sign out, and the 404 sends them to the server's home page; case
ids are taken in any case, with or without dashes, on the page and in ``intake-server
exchange prepare``. Real servers on loopback and a headless Chromium. Every person is
fictional (FICTICIA / DEMO)."""

from __future__ import annotations

import html
import logging
import re
import shutil
import time
from urllib.parse import urlparse

import httpx
import pytest

from intake_app.server.auth import add_user

from .conftest import PASSWORD, person
from .test_pages import serving, signed_in
from .test_referral_cli import run

TOKEN = re.compile(r'name="form_token" value="([^"]+)"')


def _loose(case_id: str) -> str:
    """A case id as a person types it from a phone call: lower case, no dashes."""
    return case_id.replace("-", "").lower()


def _referral_token(page: str) -> str:
    return TOKEN.search(page.split('action="/exchange/prepare"')[1]).group(1)


def test_a_refused_referral_comes_back_with_its_ids_and_the_reason_at_its_field(pair, caplog):
    cr, _ = pair
    ids = cr.laptop().save([person(n) for n in range(81, 84)])
    typed = f"{ids[0]}\nZZZZ-ZZZZ-ZZZZ {_loose(ids[1])}, {ids[2]} Zorblax <b>FICTICIA</b>"
    caplog.set_level(logging.DEBUG)
    with serving(cr) as url:
        uno = signed_in(url, "sup.uno")
        page = uno.get("/exchange/").text
        sent = {"lang": "es", "target": "pa_uia:services", "cases": typed, "form_token": _referral_token(page)}
        r = uno.post("/exchange/prepare", data=sent)
        assert r.status_code == 303 and "Zorblax" not in r.headers["location"]  # codes and ids only
        assert "FICTICIA" not in r.headers["location"]
        # the same copy sent again (a reload that resubmits, a lost answer): looked at again, not "already sent"
        again = uno.post("/exchange/prepare", data=sent)
        assert again.status_code == 303 and "ok=repeated" not in again.headers["location"]
        r = uno.get(r.headers["location"])
        box = re.search(r'<textarea name="cases"[^>]*>(.*?)</textarea>', r.text, re.S)
        # every case held, in its stored form: the supervisor retypes the typo, nothing else (an id
        # of no case is not kept: a 12-digit document number has a case id's shape too)
        assert html.unescape(box.group(1)) == "\n".join([ids[0], ids[1], ids[2]])
        assert "Zorblax" not in r.text and "FICTICIA" not in r.text  # the words that are no id: not kept
        attrs = box.group(0).split(">")[0]
        assert 'aria-invalid="true"' in attrs and 'aria-describedby="error-cases"' in attrs and "autofocus" in attrs
        error = re.search(r'<p class="msg error field-error" id="error-cases" role="alert">([^<]*)</p>', r.text)
        assert error and "No hay un caso ? en este servidor" in error.group(1), r.text
        assert "ZZZZ-ZZZZ-ZZZZ" not in r.text
        assert 'selected>' in r.text.split('value="pa_uia:services"')[1][:20]  # the choice kept too
        assert 'role="status"' not in r.text  # the reason is said once, at its field
        assert cr.count("exchange_packages") == 0
        en = uno.post("/exchange/prepare", data={"lang": "en", "target": "pa_uia:services", "cases": typed})
        en = uno.get(en.headers["location"])
        assert 'id="error-cases" role="alert"' in en.text and 'lang="en"' in en.text
    with cr.engine.connect() as conn:
        from sqlalchemy import text

        audit = " ".join(str(v) for row in conn.execute(text("SELECT * FROM audit_log")) for v in row)
    assert "Zorblax" not in audit and "Zorblax" not in caplog.text


def test_a_refused_period_keeps_a_code_and_names_it(pair):
    """A period with a period's shape stays in the field and the reason, in its code spelling;
    anything else ("trimestre 9": perhaps anything) is not kept (test_refusal_no_echo.py)."""
    cr, _ = pair
    with serving(cr) as url:
        uno = signed_in(url, "sup.uno")
        for lang, words in (("es", "El período «2026-Q5» no es válido"),
                            ("en", "The period “2026-Q5” is not valid")):
            r = uno.post("/exchange/prepare", data={"lang": lang, "recipient": "pa_uia", "purpose": "reporting",
                                                    "period": "2026-q5"})
            assert r.status_code == 303, r.status_code
            r = uno.get(r.headers["location"])
            field = re.search(r'<input name="period"[^>]*>', r.text).group(0)
            assert 'value="2026-Q5"' in field and 'aria-invalid="true"' in field
            assert 'aria-describedby="error-period"' in field
            error = re.search(r'id="error-period" role="alert">([^<]*)<', r.text).group(1)
            assert words in html.unescape(error), error
            assert "«?»" not in error


def test_case_ids_are_taken_in_any_case_without_dashes_on_the_page(pair):
    cr, _ = pair
    ids = cr.laptop().save([person(85), person(86)])
    with serving(cr) as url:
        uno = signed_in(url, "sup.uno")
        r = uno.post("/exchange/prepare", data={"target": "pa_uia:services",
                                                "cases": f"{_loose(ids[0])} {ids[1].lower()}"})
        assert r.status_code == 303 and "ok=prepared" in r.headers["location"], r.text
    with cr.engine.connect() as conn:
        from sqlalchemy import text

        got = set(conn.execute(text("SELECT case_id FROM exchange_package_cases")).scalars())
    assert got == set(ids)


def test_the_server_cli_takes_case_ids_in_any_case_without_dashes(pair, tmp_path, capsys):
    from .conftest import KEY_PASSPHRASE

    cr, _ = pair
    case_id, = cr.laptop().save([person(87)])
    files = {"pass": tmp_path / "pass.txt", "pw": tmp_path / "pw.txt"}
    files["pass"].write_text(KEY_PASSPHRASE + "\n", encoding="utf-8")
    files["pw"].write_text(PASSWORD + "\n", encoding="utf-8")
    code, out = run(capsys, cr.home, "exchange", "prepare", "--recipient", "pa_uia", "--purpose", "services",
                    "--case", _loose(case_id), "--supervisor", "sup.uno", files=files)
    assert code == 0, out
    assert cr.count("exchange_package_cases", f"WHERE case_id = '{case_id}'") == 1


def test_the_same_form_sent_twice_is_done_once_across_server_processes(pair):
    """Two servers on one database (two processes behind a proxy): the second copy of a form
    is answered with the list and a notice, never a second package, approval or notice."""
    cr, _ = pair
    case_id, = cr.laptop().save([person(88)])
    with serving(cr) as one_url, serving(cr) as other_url:
        uno = signed_in(one_url, "sup.uno")
        other = httpx.Client(base_url=other_url, cookies=uno.cookies, follow_redirects=False, timeout=30)
        form = {"lang": "es", "target": "pa_uia:services", "cases": case_id,
                "form_token": _referral_token(uno.get("/exchange/").text)}
        first = uno.post("/exchange/prepare", data=form)
        second = other.post("/exchange/prepare", data=form)
        again = uno.post("/exchange/prepare", data=form)
        assert first.status_code == 303 and "ok=prepared" in first.headers["location"]
        assert cr.count("exchange_packages") == 1
        for r in (second, again):
            assert r.status_code == 303 and r.headers["location"] == "/exchange/?ok=repeated"
        shown = uno.get(second.headers["location"]).text
        assert "ya se había enviado" in shown and "no se hizo otra vez" in shown
        assert "already been sent" in uno.get("/exchange/?ok=repeated&lang=en").text
        # a new rendering of the page is a new form: that one is done (and refused for the case's own reason)
        fresh = uno.post("/exchange/prepare", data={**form, "form_token": _referral_token(uno.get("/exchange/").text)})
        assert fresh.status_code in (303, 422) and "ok=repeated" not in fresh.headers.get("location", "")

        dos = signed_in(one_url, "sup.dos")
        page = dos.get("/exchange/").text
        approve = re.search(r'action="(/exchange/packages/[^"]+/approve)"[^>]*>\s*<input type="hidden" name="lang" '
                            r'value="es">\s*<input type="hidden" name="form_token" value="([^"]+)"', page)
        data = {"lang": "es", "form_token": approve.group(2)}
        assert "ok=approved" in dos.post(approve.group(1), data=data).headers["location"]
        assert dos.post(approve.group(1), data=data).headers["location"] == "/exchange/?ok=repeated"
        assert cr.audit_actions().count("exchange_approved") == 1
        assert "exchange_approve_refused" not in cr.audit_actions()  # not a wrong-state refusal either


def test_administrators_and_auditors_are_told_where_their_work_is(pair):
    cr, _ = pair
    add_user(cr.engine, cr.settings, "admin.pagina", PASSWORD, "administrator", actor="test")
    add_user(cr.engine, cr.settings, "auditor.pagina", PASSWORD, "auditor", actor="test")
    with serving(cr) as url:
        for user, lang, words, link in (
                ("admin.pagina", "es", ("administrador(a)", "intake-server user list", "/api/v1/users"),
                 'href="/dashboard/"'),
                ("admin.pagina", "en", ("administrator role", "intake-server device list"), 'href="/dashboard/?lang=en"'),
                ("auditor.pagina", "es", ("auditor(a)", "GET /api/v1/audit", "/api/v1/audit/verify"), 'href="/"'),
                ("auditor.pagina", "en", ("auditor role", "GET /api/v1/audit"), 'href="/?lang=en"')):
            client = signed_in(url, user)
            # an auditor's /exchange/ is the audit page (test_audit_page_roles.py): refused on another page
            r = client.get(f"/exchange/{'received' if user.startswith('auditor') else ''}?lang={lang}")
            assert r.status_code == 403
            said = re.search(r'<p class="msg error" role="alert">([^<]*)</p>', r.text).group(1)
            assert "((" not in said and "))" not in said, said  # «(administrador(a))» is gone
            assert all(w in r.text for w in words), (user, lang)
            assert link in r.text and 'id="elsewhere"' in r.text
            body = r.text.split('<main id="content"')[1]
            assert 'id="switch-account"' in body and 'action="/exchange/logout"' in body  # a way out in the page
            missing = client.get(f"/exchange/nada-aqui?lang={lang}")
            assert missing.status_code == 404
            back = re.search(r'<a href="([^"]*)" id="back">', missing.text).group(1)
            assert back == ("/" if lang == "es" else "/?lang=en")  # /exchange/ would only refuse them
            assert client.get(back).status_code == 200
        analyst = signed_in(url, "analista").get("/exchange/nada-aqui")
        assert re.search(r'<a href="/" id="back">', analyst.text)
        sup = signed_in(url, "sup.uno").get("/exchange/nada-aqui")
        assert re.search(r'<a href="/exchange/" id="back">', sup.text)
        anon = httpx.get(url + "/exchange/nada-aqui")
        assert re.search(r'<a href="/exchange/" id="back">', anon.text)


browser = pytest.mark.skipif(not (shutil.which("/usr/bin/chromium") and shutil.which("/usr/bin/chromedriver")),
                             reason="Debian chromium and chromium-driver are needed")


@browser
def test_in_a_browser_a_typo_among_ids_keeps_the_others_and_points_at_the_field(pair, tmp_path):
    pytest.importorskip("selenium")
    from selenium.webdriver.common.by import By

    from tests.dashboard.live import chromium

    from .test_browser_pages import _sign_in, _until

    cr, _ = pair
    ids = cr.laptop().save([person(n) for n in range(91, 94)])
    typed = "\n".join([ids[0], "ZZZZ-ZZZZ-ZZZZ", _loose(ids[1]), ids[2]])
    with serving(cr) as url:
        driver = chromium(tmp_path / "profile", width=1280, height=900)
        try:
            _sign_in(driver, url, "/exchange/")
            box = driver.find_element(By.NAME, "cases")
            box.send_keys(typed)
            box.find_element(By.XPATH, "ancestor::form//button[@type='submit']").click()
            assert _until(lambda: driver.find_elements(By.ID, "error-cases"))
            box = driver.find_element(By.NAME, "cases")
            assert box.get_property("value") == "\n".join([ids[0], ids[1], ids[2]])  # the 3 cases held
            assert box.get_attribute("aria-invalid") == "true"
            described = driver.find_element(By.ID, box.get_attribute("aria-describedby"))
            assert "No hay un caso ?" in described.text and described.get_attribute("role") == "alert"
            assert driver.switch_to.active_element == box  # focus on the field, not on <body>
            assert urlparse(driver.current_url).path == "/exchange/"  # POST, redirect, GET
            # the button of a form being sent is disabled (its navigation held back here to look)
            disabled = driver.execute_script(
                "var f = document.querySelector('form[action=\"/exchange/prepare\"]');"
                "f.addEventListener('submit', function (e) { e.preventDefault(); });"
                "f.requestSubmit(); var b = f.querySelector('button[type=submit]');"
                "return new Promise(function (ok) { setTimeout(function () { ok(b.disabled); }, 50); });")
            assert disabled is True
            time.sleep(0.1)
        finally:
            driver.quit()
