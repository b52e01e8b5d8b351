"""A refused form of the supervisors' site answers with a redirect (303) that carries codes
and the ids of cases held only, and the page it leads to words the refusal (privacy review): the
cases box of «Nueva remisión», the period of «Nuevo paquete agregado» and the code box of
«Verificar impreso». Before, each refusal answered the POST itself with the page re-rendered
as typed (422), and the browser keeps such a page's POST body and form state in its profile.
A 12-digit document number has a case id's shape once dashed: only a case the server holds
for the supervisor's institution is an id the address keeps. The canary typed is fictional."""

from __future__ import annotations

import logging
import re
from urllib.parse import parse_qs, urlparse

from sqlalchemy import text

from .conftest import person
from .test_page_words import client_of

CANARY = "Canario Ficticio ZX9988776"
WORDS = ("Canario", "Ficticio", "ZX9988776")


def _clean(location: str) -> dict[str, list[str]]:
    """The redirect's query, once it is clear that no word of the canary is in it."""
    assert not any(w.lower() in location.lower() for w in WORDS), location
    assert " " not in location and "+" not in location and "%20" not in location, location  # no sentence
    return parse_qs(urlparse(location).query)


def _audit_text(srv) -> str:
    with srv.engine.connect() as conn:
        return " ".join(str(v) for row in conn.execute(text("SELECT * FROM audit_log")) for v in row)


def test_a_refused_referral_redirects_with_the_held_ids_only(pair, caplog):
    cr, _ = pair
    real, = cr.laptop().save([person(96)])
    loose = real.replace("-", "").lower()  # as typed from a phone call: kept in its stored form
    caplog.set_level(logging.DEBUG)
    uno = client_of(cr)
    r = uno.post("/exchange/prepare", data={"lang": "es", "target": "pa_uia:services",
                                            "cases": f"{loose}\nZZZZ-ZZZZ-ZZZZ, {CANARY}; {real}"})
    assert r.status_code == 303, r.text
    query = _clean(r.headers["location"])
    assert urlparse(r.headers["location"]).path == "/exchange/"
    assert query["error"] == ["exchange_case_unknown"] and query["case_id"] == ["?"]  # no case: not kept
    assert query["box"] == ["cases"] and query["ids"] == [real]  # once, in its stored form
    assert query["left_out"] == ["4"] and query["target"] == ["pa_uia:services"]

    page = uno.get(r.headers["location"])
    assert page.status_code == 200 and not any(w in page.text for w in WORDS)
    box = re.search(r'<textarea name="cases"[^>]*>(.*?)</textarea>', page.text, re.S)
    assert box.group(1) == real  # the supervisor retypes nothing but the typo
    attrs = box.group(0).split(">")[0]
    assert 'autocomplete="off"' in attrs and 'aria-invalid="true"' in attrs and "autofocus" in attrs
    error = re.search(r'id="error-cases" role="alert">([^<]*)</p>', page.text).group(1)
    assert "No hay un caso ? en este servidor" in error
    assert 'role="status"' not in page.text  # said once, at its field
    assert "se quitó lo demás: 4 elementos" in page.text  # and that the rest was not kept
    assert 'selected>' in page.text.split('value="pa_uia:services"')[1][:20]  # the choice kept too
    english = uno.get(r.headers["location"] + "&lang=en").text
    assert "the rest was removed: 4 items" in english and "ZZZZ-ZZZZ-ZZZZ" not in english
    assert cr.count("exchange_packages") == 0
    assert "Canario" not in _audit_text(cr) and "Canario" not in caplog.text


def test_a_refusal_about_a_typed_word_names_no_word(pair):
    """The refused "case" is the canary's first word: the message says «?», never the word."""
    cr, _ = pair
    uno = client_of(cr)
    r = uno.post("/exchange/prepare", data={"target": "pa_uia:services", "cases": CANARY})
    query = _clean(r.headers["location"])
    assert r.status_code == 303 and query["case_id"] == ["?"] and "ids" not in query
    page = uno.get(r.headers["location"]).text
    assert "No hay un caso ? en este servidor" in page and not any(w in page for w in WORDS)
    for alone in WORDS:  # a word alone, or a document number, is no case id either
        r = uno.post("/exchange/prepare", data={"target": "pa_uia:services", "cases": alone})
        assert _clean(r.headers["location"])["case_id"] == ["?"]


DOCUMENT = "155800000012"  # a fictional 12-digit residence document number (DIMEX-like)


def test_a_document_number_is_no_case_id_in_the_address_or_the_audit(pair):
    """Pasted into the cases box, a 12-digit document number reads as 1558-0000-0012: no case
    this server holds, so neither the address nor the permanent audit log keeps it; a case
    held beside it stays in the box, one of another institution does not."""
    cr, _ = pair
    real, = cr.laptop().save([person(97)])
    uno = client_of(cr)
    r = uno.post("/exchange/prepare", data={"lang": "es", "target": "pa_uia:services", "cases": DOCUMENT})
    assert r.status_code == 303 and "1558" not in r.headers["location"], r.headers["location"]
    query = _clean(r.headers["location"])
    assert query["case_id"] == ["?"] and "ids" not in query and query["left_out"] == ["1"]
    page = uno.get(r.headers["location"]).text
    assert "No hay un caso ? en este servidor" in page and "1558" not in page
    with cr.engine.connect() as conn:
        target, = conn.execute(text("SELECT target FROM audit_log WHERE action = 'access_refused'"
                                    " ORDER BY seq DESC")).first()
    assert target is None and "1558-0000-0012" not in _audit_text(cr) and DOCUMENT not in _audit_text(cr)

    r = uno.post("/exchange/prepare", data={"target": "pa_uia:services", "cases": f"{DOCUMENT}\n{real}"})
    query = _clean(r.headers["location"])
    assert "1558" not in r.headers["location"] and query["ids"] == [real] and query["case_id"] == ["?"]
    assert re.search(r'<textarea name="cases"[^>]*>(.*?)</textarea>', uno.get(r.headers["location"]).text,
                     re.S).group(1) == real

    from intake_app.server.auth import add_user

    from .conftest import PASSWORD

    add_user(cr.engine, cr.settings, "sup.pani", PASSWORD, "supervisor", "pani", actor="test")
    r = client_of(cr, "sup.pani").post("/exchange/prepare", data={"target": "pa_uia:services", "cases": real})
    query = _clean(r.headers["location"])  # a case of another institution: the supervisor's scope is theirs
    assert "ids" not in query and query["case_id"] == ["?"] and real not in r.headers["location"]


def test_a_refused_period_redirects_without_what_was_typed(pair):
    cr, _ = pair
    uno = client_of(cr)
    r = uno.post("/exchange/prepare", data={"recipient": "pa_uia", "purpose": "reporting", "period": CANARY})
    assert r.status_code == 303
    query = _clean(r.headers["location"])
    assert query["box"] == ["period"] and query["recipient"] == ["pa_uia"] and query["period"] == ["?"]
    page = uno.get(r.headers["location"]).text
    field = re.search(r'<input name="period"[^>]*>', page).group(0)
    assert 'value=""' in field and 'aria-invalid="true"' in field and 'autocomplete="off"' in field
    assert "El período «?» no es válido" in re.search(r'id="error-period" role="alert">([^<]*)<', page).group(1)
    assert not any(w in page for w in WORDS)
    # a word alone, or a document number, is no period either: left out as well
    for alone in WORDS:
        r = uno.post("/exchange/prepare", data={"recipient": "pa_uia", "purpose": "reporting", "period": alone})
        assert r.status_code == 303 and _clean(r.headers["location"])["period"] == ["?"]
    # a period written in the dashboard's spelling is a code: kept in its code spelling
    r = uno.post("/exchange/prepare", data={"recipient": "zz_nadie", "purpose": "reporting", "period": "T1 2020"})
    assert r.status_code == 303 and _clean(r.headers["location"])["period"] == ["2020-Q1"]
    assert 'value="2020-Q1"' in uno.get(r.headers["location"]).text


def test_a_refused_print_code_redirects_and_the_page_words_it(pair):
    cr, _ = pair
    uno = client_of(cr)
    for lang, words in (("es", "El código de verificación no es válido"), ("en", "The verification code is not valid")):
        r = uno.post("/exchange/verify-print", data={"code": CANARY, "lang": lang})
        assert r.status_code == 303, r.text
        query = _clean(r.headers["location"])
        assert urlparse(r.headers["location"]).path == "/exchange/verify-print"
        assert query["error"] == ["print_code_malformed"] and set(query) <= {"error", "problem", "lang"}
        page = uno.get(r.headers["location"])
        assert page.status_code == 200 and not any(w in page.text for w in WORDS)
        result = re.search(r'<p class="msg error" role="alert" id="print-result">([^<]*)</p>', page.text).group(1)
        assert words in result, result
        assert 'autocomplete="off"' in re.search(r'<input id="code"[^>]*>', page.text).group(0)
    assert "Canario" not in _audit_text(cr)


def test_addresses_typed_by_hand_show_codes_and_ids_only(pair):
    cr, _ = pair
    uno = client_of(cr)
    page = uno.get("/exchange/?error=exchange_case_unknown&case_id=Ana%20P&box=cases&ids=Canario,AAAA-BBBB-CCCC,"
                   "a%20b&left_out=muchos&target=Llame%20al%20506").text
    box = re.search(r'<textarea name="cases"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    assert box == "AAAA-BBBB-CCCC" and "Canario" not in page and "Llame" not in page
    assert "No hay un caso ? en este servidor" in page and 'id="cases-left-out"' not in page
    period = uno.get("/exchange/?error=exchange_period_invalid&box=period&period=ZX9988776").text
    assert 'value=""' in re.search(r'<input name="period"[^>]*>', period).group(0)  # no period's shape
    no_error = uno.get("/exchange/?box=cases&ids=AAAA-BBBB-CCCC").text  # no refusal: no field marked, box empty
    assert 'id="error-cases"' not in no_error and "AAAA-BBBB-CCCC" not in no_error
    shown = uno.get("/exchange/verify-print?error=print_needs_qr&case=Ana%20P%C3%A9rez").text
    assert "El código escrito del caso ? solo puede comprobarlo" in shown and "Ana" not in shown
    assert "solo puede comprobarlo el equipo" in uno.get("/exchange/verify-print?error=print_needs_qr"
                                                         "&case=AAAA-BBBB-CCCC").text
