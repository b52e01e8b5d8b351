"""The smaller findings of a supervisor's day (supervisor review #3, #5–#11): the sign-in
pages' language link keeps where the person was going; signing out in another tab is not
called an expired session; a conflict already resolved says by whom and which version
stayed; a conflict names its two laptops by their post; the case id is each row's link and
the open-conflicts banner lists those cases; a few words. Real server on loopback; every
person is fictional (FICTICIA / DEMO)."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from urllib.parse import parse_qs, quote, urlparse

import httpx

from intake_app.server.auth import add_user

from .conftest import PASSWORD, person
from .test_case_pages import conflicted
from .test_pages import serving, signed_in

ROOT = Path(__file__).resolve().parents[2]


def language_link(page: str) -> str:
    """The href of the header's other-language link (the one with a lang attribute)."""
    found = re.search(r'<a (?:class="lang" )?href="([^"]*)"[^>]*\blang="(?:en|es)"', page)
    return html.unescape(found.group(1))


def test_the_sign_in_pages_language_link_keeps_next_and_its_notice(pair):
    cr, _ = pair
    case_id, = cr.laptop().save([person(95)])
    nxt = f"/exchange/cases/{case_id}?notice=expired"
    with serving(cr) as url:
        anon = httpx.Client(base_url=url, follow_redirects=False, timeout=30)
        link = language_link(anon.get(f"/exchange/login?next={quote(nxt)}").text)
        assert parse_qs(urlparse(link).query) == {"next": [nxt], "lang": ["en"]}
        english = anon.get("/exchange/login" + link).text
        assert 'name="lang" value="en"' in english and f'name="next" value="{html.escape(nxt)}"' in english
        r = anon.post("/exchange/login", data={"username": "sup.uno", "password": PASSWORD, "next": nxt,
                                               "lang": "en"})
        # (no old cookie in this browser: signed out, not run out, #10)
        assert r.status_code == 303 and r.headers["location"] == nxt.replace("expired", "signed_out") + "&lang=en"
        assert "the last action was not done" in anon.get(r.headers["location"]).text
        # back to Spanish from an English address: the page comes in Spanish
        back = language_link(httpx.get(url + f"/exchange/login?next={quote(nxt + '&lang=en')}&lang=en").text)
        r = httpx.post(url + "/exchange/login" + back.split("?")[0],
                       data={"username": "sup.uno", "password": PASSWORD, "lang": "es",
                             "next": parse_qs(urlparse(back).query)["next"][0]})
        assert r.headers["location"] == nxt.replace("expired", "signed_out")
        for evil in ("https://evil.example/x", "//evil.example", "/dashboard/"):  # never another site
            link = language_link(httpx.get(url + f"/exchange/login?next={quote(evil)}").text)
            assert "evil" not in link and link == "?lang=en"

        for target in ("/dashboard/sex?country=CR", "https://evil.example/"):  # the dashboard's sign-in too
            link = language_link(httpx.get(url + f"/dashboard/login?next={quote(target)}").text)
            if target.startswith("/"):
                assert parse_qs(urlparse(link).query) == {"next": [target], "lang": ["en"]}
            else:
                assert link == "/dashboard/login?lang=en"


def test_signed_out_in_another_tab_is_not_called_expired(pair):
    cr, _ = pair
    case_id, = cr.laptop().save([person(96)])
    with serving(cr) as url:
        tab = signed_in(url, "sup.uno")
        assert tab.get(f"/exchange/cases/{case_id}").status_code == 200
        tab.post("/exchange/logout")  # the other tab signs out: the browser drops the cookie for both
        tab.cookies.clear()
        r = tab.post(f"/exchange/cases/{case_id}/review", data={"revision": "x"})
        login = tab.get(r.headers["location"])
        assert "session-expired" not in login.text and "expiró" not in login.text  # nothing ran out
        nxt = parse_qs(urlparse(r.headers["location"]).query)["next"][0]
        back = tab.post("/exchange/login", data={"username": "sup.uno", "password": PASSWORD, "next": nxt})
        assert back.headers["location"] == f"/exchange/cases/{case_id}?notice=signed_out"
        page = tab.get(back.headers["location"]).text
        assert "La sesión se había cerrado (quizá en otra pestaña), así que la última acción no se hizo" in page
        assert "expirado" not in page
        assert "You had been signed out" in tab.get(back.headers["location"] + "&lang=en").text


def test_an_already_resolved_conflict_says_by_whom_and_which_version_stayed(pair):
    cr, _ = pair
    case_id, _ = conflicted(cr)
    conflict_id = cr.count("conflicts")
    with serving(cr) as url:
        uno, dos = signed_in(url, "sup.uno"), signed_in(url, "sup.dos")
        opened = dos.get(f"/exchange/conflicts/{conflict_id}").text  # open in the second supervisor's tab
        assert "Equipo de Paso Canoas" in opened and "Oficial oficial.demo" in opened  # #11: laptops by post
        r = uno.post(f"/exchange/conflicts/{conflict_id}/resolve", data={"keep": "incoming", "case_id": case_id})
        assert r.status_code == 303
        late = dos.post(f"/exchange/conflicts/{conflict_id}/resolve", data={"keep": "head", "case_id": case_id})
        assert late.status_code == 409
        assert language_link(late.text) == f"/exchange/conflicts/{conflict_id}?lang=en"  # not the form's address
        for page in (late.text, dos.get(f"/exchange/conflicts/{conflict_id}").text):
            assert "Conflicto ya resuelto" in page and "No existe ese conflicto" not in page
            assert "sup.uno lo resolvió el" in page and "tomó la versión entrante" in page
            assert f'href="/exchange/cases/{case_id}"' in page and "Ahora no se cambió nada" in page
        en = dos.get(f"/exchange/conflicts/{conflict_id}?lang=en")
        assert en.status_code == 200 and "sup.uno resolved it on" in en.text and "took the incoming version" in en.text
        assert f'href="/exchange/cases/{case_id}?lang=en"' in en.text
        assert cr.audit_actions().count("conflict_resolve") == 1


def test_the_case_id_is_the_link_and_the_banner_lists_the_conflicted_cases(pair):
    cr, _ = pair
    plain, = cr.laptop().save([person(97)])
    disputed, _ = conflicted(cr)
    with serving(cr) as url:
        uno = signed_in(url, "sup.uno")
        page = uno.get("/exchange/cases?state=all").text
        for cid in (plain, disputed):
            assert re.search(rf'<td><a href="/exchange/cases/{cid}" aria-label="Abrir el caso {cid}">'
                             rf'<code>{cid}</code></a></td>', page)
        assert ">Abrir</a>" not in page  # one link per row, the first cell
        banner = page.split('id="conflicts-due"')[1].split("</p>")[0]
        link = html.unescape(re.search(r'href="([^"]+)"', banner).group(1))
        only = uno.get(link).text
        assert disputed in only and plain not in only and "Casos con un conflicto abierto" in only
        assert "conflicts=open" in language_link(only)
        assert "Show the cases with a conflict" in uno.get("/exchange/cases?lang=en").text
        # the list's title and its note are two sentences, not «Casos sin revisarSin nombres»
        listed = uno.get("/exchange/cases").text
        assert '<span class="table-title" id="cases-title">Casos sin revisar</span>\n  <span class="note"' in listed
        assert 'aria-labelledby="cases-title" aria-describedby="cases-note"' in listed


def test_words_of_the_review(pair):
    cr, _ = pair
    es = {}
    for name in ("exchange.es.json", "sync.es.json", "dashboard.es.json"):
        es.update(json.loads((ROOT / "resources" / "i18n" / name).read_text(encoding="utf-8")))
    for key in ("exchange.page.elsewhere_auditor", "sync_cli.exported_nothing_new"):
        assert "la bitácora" in es[key], key
    assert not [k for k, v in es.items() if "el bitácora" in v.lower()]
    # the auditor's note points to the guide's section that has it
    assert "sección 12, «The auditor»" in es["exchange.page.elsewhere_auditor"]
    guide = (ROOT / "docs" / "server.md").read_text(encoding="utf-8")
    assert "**The auditor**" in guide.split("## 12.")[1]
    add_user(cr.engine, cr.settings, "auditora", PASSWORD, "auditor", actor="test")
    with serving(cr) as url:
        aud = httpx.Client(base_url=url, follow_redirects=False, timeout=30)
        aud.post("/dashboard/login", data={"username": "auditora", "password": PASSWORD, "next": "/dashboard/"})
        refused = aud.get("/dashboard/")
        assert refused.status_code == 403 and "(auditor(a))" not in refused.text
        assert "El tablero no es para el rol con el que entró: auditor(a)." in refused.text
        assert "The dashboard is not for the role you signed in with: auditor." in aud.get("/dashboard/?lang=en").text
