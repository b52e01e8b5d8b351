"""The audit page's list (/exchange/audit): the last check of the chain at the top (intact, or
where it broke, as ``intake-server audit verify`` says), the entries newest first, 50 a page, the
filters (action, actor, UTC days) that reach the address and the view's audit entry only as
codes, ids and dates, every value escaped, no personal data, Spanish first and English with
?lang=en. All persons are fictional (FICTICIA / DEMO)."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient
from sqlalchemy import text

from intake_app.server import audit
from intake_app.server.db import transaction

from .conftest import person
from .test_audit_page_roles import client, one, views  # noqa: F401  (one: a fixture)

ROW = re.compile(r'<tr role="row"><td role="cell" class="num">'
                 r'<span class="lbl" aria-hidden="true">[^<]*</span>(\d+)</td>')
CELL = r'<td role="cell" class="id"><span class="lbl" aria-hidden="true">[^<]*</span><code>([^<]*)</code></td>\s*'

NAME = "María FICTICIA Prueba"


def seqs(page: str) -> list[int]:
    return [int(n) for n in ROW.findall(page)]


def add(srv, n: int, actor: str = "user:demo.uno", action: str = "case_view", at: str | None = None,
        monkeypatch=None, **detail) -> None:
    if at is not None:
        monkeypatch.setattr(audit, "now_iso", lambda: at)
    with transaction(srv.engine) as conn:
        for i in range(n):
            audit.append(conn, actor, action, f"DEMO-{i:04d}-CASE", **detail)
    if at is not None:
        monkeypatch.undo()


def last_seq(srv) -> int:
    with srv.engine.connect() as conn:
        return conn.execute(text("SELECT max(seq) FROM audit_log")).scalar_one()


def link(page: str, name: str) -> str | None:
    found = re.search(rf'<a href="([^"]+)" id="{name}">', page)
    return html.unescape(found.group(1)) if found else None


def test_entries_newest_first_fifty_a_page(one):
    add(one, 120)
    c, _ = client(one, user="auditora.demo")
    top = last_seq(one)  # the view's own entry comes after what the page shows
    first = c.get("/exchange/audit").text
    assert seqs(first) == list(range(top, top - 50, -1))
    assert link(first, "newer") is None and link(first, "older") == f"/exchange/audit?page=1&top={top}"
    assert "Página 1, hasta 50 entradas" in first
    second = c.get(link(first, "older")).text  # each view adds an entry: the pages do not shift
    assert seqs(second) == list(range(top - 50, top - 100, -1)) and "Página 2," in second
    assert link(second, "newer") == "/exchange/audit" and link(second, "older") == f"/exchange/audit?page=2&top={top}"
    last = c.get(link(second, "older")).text
    assert seqs(last) == list(range(top - 100, 0, -1)) and link(last, "older") is None
    assert link(last, "newer") == f"/exchange/audit?page=1&top={top}"
    assert seqs(c.get(link(last, "newer")).text) == seqs(second)  # back: the same entries
    again = c.get("/exchange/audit").text  # the first page is always the newest
    assert seqs(again)[0] == last_seq(one) - 1 and seqs(again)[0] > top
    assert seqs(c.get(f"/exchange/audit?page=99&top={top}").text) == []
    assert "Ninguna entrada" in c.get(f"/exchange/audit?page=9&top={top}").text
    for odd in ("-1", "abc", "9" * 30):  # a page that is no number is the first
        assert seqs(c.get(f"/exchange/audit?page={odd}&top=5").text)[0] > top
    assert seqs(c.get("/exchange/audit?page=1&top=" + "9" * 30).text)  # a top that is no entry: the newest
    assert [v["page"] for v in views(one)][:4] == [0, 1, 2, 1] and views(one)[1]["top"] == top
    # in English the pager keeps the language, the language link the page
    en = c.get(f"/exchange/audit?page=1&top={top}&lang=en").text
    assert link(en, "older") == f"/exchange/audit?page=2&top={top}&lang=en" and "Older" in en and "Newer" in en
    assert f'href="/exchange/audit?page=1&amp;top={top}" lang="es">' in en


def test_the_filters_narrow_the_list_and_travel_as_codes_only(one, monkeypatch):
    add(one, 3, actor="user:sup.dos", action="case_review", at="2025-03-09T23:59:59.000000+00:00",
        monkeypatch=monkeypatch)
    add(one, 2, actor="user:sup.dos", action="case_review", at="2025-03-10T08:00:00.000000+00:00",
        monkeypatch=monkeypatch)
    add(one, 4, actor="device:lap-demo-1", action="bundle_ingest", at="2025-03-11T00:00:00.000000+00:00",
        monkeypatch=monkeypatch)
    c, _ = client(one, user="auditora.demo")
    page = c.get("/exchange/audit").text
    offered = re.findall(r'<option value="([a-z_]*)"', page)
    assert offered[0] == "" and offered[1:] == sorted(offered[1:])  # «Todas», then the actions present
    assert {"case_review", "bundle_ingest", "login", "user_add"} <= set(offered)

    def shown(location: str) -> list[str]:
        return re.findall(CELL + CELL, c.get(location).text)

    r = c.post("/exchange/audit/filter", data={"action": "case_review", "actor": "", "from": "", "to": ""})
    assert r.headers["location"] == "/exchange/audit?action=case_review"
    assert shown(r.headers["location"]) == [("user:sup.dos", "case_review")] * 5
    r = c.post("/exchange/audit/filter", data={"actor": "SUP.DOS", "from": "2025-03-10", "to": "2025-03-10"})
    assert r.headers["location"] == "/exchange/audit?actor=SUP.DOS&from=2025-03-10&to=2025-03-10"
    assert len(shown(r.headers["location"])) == 2  # part of the actor, any case; both days included
    page = c.get(r.headers["location"]).text
    assert 'value="SUP.DOS"' in page and 'value="2025-03-10"' in page and 'id="clear"' in page
    assert 'href="/exchange/audit?actor=SUP.DOS&amp;from=2025-03-10&amp;to=2025-03-10&amp;lang=en"' in page
    assert len(shown("/exchange/audit?from=2025-03-10")) >= 6 and len(shown("/exchange/audit?to=2025-03-10")) == 5
    assert shown("/exchange/audit?actor=lap-demo&action=bundle_ingest") == [("device:lap-demo-1", "bundle_ingest")] * 4
    assert shown("/exchange/audit?actor=sup_dos") == []  # _ is a letter here, not LIKE's wildcard
    # a name typed into the actor box: not applied, not in the address, not in the log
    r = c.post("/exchange/audit/filter", data={"actor": NAME, "action": "case_review", "from": "2025-13-40"})
    assert r.headers["location"] == "/exchange/audit?action=case_review&invalid=actor%2Cfrom"
    page = c.get(r.headers["location"]).text
    assert "El actor no se filtró" in page and "Una fecha no se filtró" in page and "FICTICIA" not in page
    assert 'id="f-actor" aria-invalid="true"' in page and 'id="f-from" aria-invalid="true"' in page
    assert c.get("/exchange/audit?actor=Mar%C3%ADa%20FICTICIA&action=<b>").text.count("no se filtró") == 2
    logged = [v for v in views(one) if v.get("invalid")]
    assert logged[0]["filters"] == {"action": "case_review"} and logged[0]["invalid"] == ["actor", "from"]
    assert views(one)[1]["filters"] == {"action": "case_review"}
    assert {"actor": "SUP.DOS", "from": "2025-03-10", "to": "2025-03-10"} in [v["filters"] for v in views(one)]
    assert len(c.get("/exchange/audit?actor=" + "a" * 81).text.split("El actor no se filtró")) == 2  # 80 at most
    with one.engine.connect() as conn:
        everything = " ".join(str(v) for row in conn.execute(text("SELECT * FROM audit_log")) for v in row)
    assert "FICTICIA" not in everything and "María" not in everything and "<b>" not in everything


def check(c, lang: str = "es", **form) -> tuple[str, str]:
    """Press «Comprobar la cadena ahora» on the page: (where it led, that page)."""
    page = c.get("/exchange/audit" + ("?lang=en" if lang == "en" else "")).text
    token = re.search(r'name="form_token" value="([^"]+)"', page).group(1)
    r = c.post("/exchange/audit/check", data={"lang": lang, "form_token": token, **form})
    assert r.status_code == 303, r.text
    return r.headers["location"], c.get(r.headers["location"]).text


def test_a_broken_chain_is_shown_where_it_breaks(one):
    """The button's check, as ``intake-server audit verify`` says it; each later view shows that
    check (as of its time), never a walk of its own."""
    c, _ = client(one, user="auditora.demo")
    where, page = check(c)
    count = last_seq(one) - 2  # the check's entry, then the next view's, come after what it walked
    assert where == f"/exchange/audit?checked={count + 1}"
    assert f"<strong>Cadena íntegra en ese momento: {count} entradas comprobadas, de la 1 a la {count}.</strong>" \
        in page and 'class="msg ok" id="chain"' in page
    with one.engine.begin() as conn:  # as tests/server/test_api.py tampers with a row
        actor = conn.execute(text("SELECT actor FROM audit_log WHERE seq = 2")).scalar_one()
        conn.execute(text("UPDATE audit_log SET actor = 'user:otro' WHERE seq = 2"))
    page = c.get("/exchange/audit").text  # no walk: still the last check's result, said to be of its time
    assert "Cadena íntegra en ese momento" in page and "Cadena rota" not in page
    _, page = check(c)
    for _ in range(2):  # still broken at the same entry on the next views, without walking again
        assert 'class="msg error" id="chain" role="alert"' in page and "Cadena íntegra" not in page
        assert "Cadena rota a partir de la entrada 2." in page
        assert "La bitácora del servidor no coincide a partir de la entrada 2" in page  # the CLI's own words
        assert seqs(page)[-1] == 1 and "user:otro" in page  # the entries are still listed
        page = c.get("/exchange/audit").text
    assert "Chain broken from entry 2 on." in c.get("/exchange/audit?lang=en").text
    assert all("chain" not in v for v in views(one))  # a view claims no check it did not make
    assert [v.get("check") for v in views(one)][-3:] == [count + 1 + 4] * 3  # the check each view showed
    with one.engine.begin() as conn:  # a removed entry: where the gap is
        conn.execute(text("UPDATE audit_log SET actor = :actor WHERE seq = 2"), {"actor": actor})
        conn.execute(text("DELETE FROM audit_log WHERE seq = 4"))
    assert "Cadena rota a partir de la entrada 4." in check(c)[1]


def test_no_personal_data_and_every_value_escaped(one):
    laptop = one.laptop()
    case_id, = laptop.save([person(81)])
    sup, _ = client(one, user="sup.uno")
    assert sup.get(f"/exchange/cases/{case_id}").status_code == 200  # a case view, audited
    sup.post("/exchange/cases/goto", data={"case": NAME})  # a name pasted into the «go to case» box
    sup.post("/exchange/verify-print", data={"code": NAME})  # and into the QR box
    TestClient(one.app).post("/exchange/login", data={"username": NAME, "password": "Pérez DEMO 1990"})
    with transaction(one.engine) as conn:  # a value the page must escape, however it got there
        audit.append(conn, "user:x<script>", "case_view", '"><img src=x onerror=alert(1)>', note="<b>&amp;</b>")
    with one.engine.begin() as conn:  # a tampered detail that is not even JSON
        conn.execute(text("UPDATE audit_log SET detail = '<i>no json' WHERE seq = 3"))
    c, _ = client(one, user="auditora.demo")
    page = "".join(c.get(f"/exchange/audit?page={n}").text for n in range(3))
    assert case_id in page and "case_view" in page and "print_check" in page and "login_failed" in page
    for personal in ("FICTICIA", "María", "Pérez", "DEMO-1000", "Relato", "8888", "La DEMO"):
        assert personal not in page, personal
    assert "<script>" not in page and "<img" not in page and "<b>" not in page and "<i>" not in page
    assert "user:x&lt;script&gt;" in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert html.unescape(page).count('{"note":"<b>&amp;</b>"}') == 1  # the detail as stored
    assert "&lt;i&gt;no json" in page


def test_spanish_first_english_with_lang_en(one):
    c, _ = client(one, user="auditora.demo")
    es = c.get("/exchange/audit").text
    assert '<html lang="es">' in es and "Filtrar las entradas" in es and "Fecha y hora" in es and "UTC" in es
    assert 'href="/exchange/audit?lang=en" lang="en">English</a>' in es and "Audit log" not in es
    en = c.get("/exchange/audit?lang=en&action=login").text
    assert '<html lang="en">' in en and "<h1>Server audit log</h1>" in en and "Filter the entries" in en
    assert "Date and time" in en and "Bitácora" not in en and 'id="nav-audit">Audit</a>' in en
    assert 'href="/exchange/audit?action=login" lang="es">Español</a>' in en
    assert '<input type="hidden" name="lang" value="en">' in en
    r = c.post("/exchange/audit/filter", data={"action": "login", "lang": "en"})
    assert r.headers["location"] == "/exchange/audit?lang=en&action=login"
    assert views(one)[-1]["lang"] == "en"
    # the times as the other pages write them: day/month/year, hour:minute UTC
    assert re.search(r'<time datetime="[0-9T:.+-]+">\d\d/\d\d/\d{4} \d\d:\d\d UTC</time>', es)
