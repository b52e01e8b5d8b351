"""The audit page's chain check on request: a view (first page, page turns, filters) never walks
the chain, it shows the last check the log recorded (``audit_verify``: when, by whom, intact or
where it broke, how many entries) as of its time, and says what was written since was not
checked; «Comprobar la cadena ahora» (a POST, with the site's one-time token and same-origin
guard) walks it, records it and shows it. Other roles are refused. All users are fictional."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from intake_app.server import audit

from .test_access_audit import refusals
from .test_audit_page_list import add, check, last_seq, link, seqs
from .test_audit_page_roles import client, one, views  # noqa: F401  (one: a fixture)


def checks(srv) -> list[dict]:
    with srv.engine.connect() as conn:
        rows = conn.execute(text("SELECT seq, actor, target, detail FROM audit_log WHERE action = 'audit_verify'"
                                 " ORDER BY seq")).all()
    return [{"entry": r.seq, "actor": r.actor, "target": r.target, **json.loads(r.detail)} for r in rows]


def box(page: str) -> str:
    return re.search(r'<div class="msg [a-z]+" id="chain".*?</div>', page, re.S).group(0)


@pytest.fixture
def no_walk(monkeypatch):
    """Every walk of the chain counted: a view must make none."""
    walks = []
    real = audit.verify

    def counted(engine, *args, **kwargs):
        walks.append(1)
        return real(engine, *args, **kwargs)

    monkeypatch.setattr(audit, "verify", counted)
    return walks


def test_a_view_never_walks_the_chain(one, no_walk):
    add(one, 120)
    c, _ = client(one, user="auditora.demo")
    first = c.get("/exchange/audit").text
    assert 'class="msg hint" id="chain" role="status"' in first  # no check yet, and it says so
    assert "La cadena no se ha comprobado: ninguna comprobación consta en la bitácora." in box(first)
    assert "Cadena íntegra" not in first and "Cadena rota" not in first
    second = c.get(link(first, "older")).text  # a page turn
    assert seqs(second) and c.get(link(second, "older")).status_code == 200
    assert c.post("/exchange/audit/filter", data={"action": "case_view"}).status_code == 303
    assert c.get("/exchange/audit?action=case_view&actor=demo.uno&from=2020-01-01").status_code == 200
    assert "The chain has not been checked" in c.get("/exchange/audit?lang=en").text
    assert no_walk == [] and checks(one) == []
    assert len(views(one)) == 5 and all("chain" not in v and "check" not in v for v in views(one))


def test_the_button_walks_records_and_shows_the_check(one, no_walk):
    add(one, 60)
    c, _ = client(one, user="auditora.demo")
    top = last_seq(one)
    page = c.get(f"/exchange/audit?action=case_view&page=1&top={top}").text
    form = page.split('action="/exchange/audit/check"')[1].split("</form>")[0]
    assert 'name="form_token"' in form and 'name="action" value="case_view"' in form  # the view is kept
    assert 'name="page" value="1"' in form and f'name="top" value="{top}"' in form
    assert 'id="check-now"' in form and "Comprobar la cadena ahora" in form
    token = re.search(r'name="form_token" value="([^"]+)"', form).group(1)
    r = c.post("/exchange/audit/check", data={"lang": "es", "form_token": token, "action": "case_view",
                                              "page": "1", "top": str(top)})
    walked = last_seq(one) - 1  # everything up to the check's own entry
    assert r.status_code == 303 and no_walk == [1]
    assert r.headers["location"] == f"/exchange/audit?action=case_view&page=1&top={top}&checked={walked + 1}"
    assert checks(one) == [{"entry": walked + 1, "actor": "user:auditora.demo", "target": None, "via": "page",
                            "result": "intact", "entries": walked}]
    page = c.get(r.headers["location"]).text
    shown = box(page)
    assert 'class="msg ok" id="chain" role="status"' in shown
    assert re.search(r"Comprobación hecha ahora: \d\d/\d\d/\d{4} \d\d:\d\d UTC, por user:auditora\.demo "
                     rf"\(entrada {walked + 1}\)\.", shown)
    assert f"Cadena íntegra en ese momento: {walked} entradas comprobadas, de la 1 a la {walked}." in shown
    assert f"lo escrito después (desde la entrada {walked + 1}: 1 entrada) no se comprobó" in shown
    assert len(seqs(page)) == 10 and max(seqs(page)) < top  # the same page of the list (60 case_view, 50 a page)
    assert views(one)[-1]["check"] == walked + 1 and views(one)[-1]["filters"] == {"action": "case_view"}
    # another reader sees it as the last check recorded, by whom, with what came since
    admin, _ = client(one, user="admin")
    since = last_seq(one) - walked
    other = box(admin.get("/exchange/audit?lang=en").text)
    assert "Last check recorded: " in other and "by user:auditora.demo" in other and "Check just made" not in other
    assert f"Chain intact as of that time: {walked} entries checked, 1 to {walked}." in other
    assert f"what was written since (from entry {walked + 1} on: {since} entries) was not checked" in other
    assert no_walk == [1]  # those views walked nothing


def test_a_broken_check_is_as_prominent_as_an_alarm_and_then_says_it_is_of_its_time(one):
    c, _ = client(one, user="auditora.demo")
    with one.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq = 3"))
    named = last_seq(one) + 1  # the page's own view, before the check
    _, page = check(c, lang="en")
    shown = box(page)
    assert 'class="msg error" id="chain" role="alert"' in shown and "<strong>Chain broken from entry 3 on.</strong>" \
        in shown
    assert "Check just made:" in shown and f"with {named} entries in the log" in shown
    assert checks(one) == [{"entry": named + 1, "actor": "user:auditora.demo", "target": None, "via": "page",
                            "result": "broken", "seq": 3, "reason": "missing", "entries": named}]


def test_a_check_entry_that_cannot_be_read_is_an_alarm_too(one):
    c, _ = client(one, user="auditora.demo")
    check(c)
    seq = checks(one)[-1]["entry"]
    for detail in ("<i>no json", '{"result":"intact","entries":"<b>"}', '{"result":"broken","seq":0}', "[1]"):
        with one.engine.begin() as conn:
            conn.execute(text("UPDATE audit_log SET detail = :d WHERE seq = :s"), {"d": detail, "s": seq})
        shown = box(c.get("/exchange/audit").text)
        assert 'class="msg error" id="chain" role="alert"' in shown, detail
        assert f"La última comprobación registrada (entrada {seq}) no se puede leer" in shown
        assert "<b>" not in shown and "<i>" not in shown


def test_a_double_submit_walks_once(one, no_walk):
    c, _ = client(one, user="auditora.demo")
    page = c.get("/exchange/audit?lang=en").text
    token = re.search(r'name="form_token" value="([^"]+)"', page).group(1)
    first = c.post("/exchange/audit/check", data={"lang": "en", "form_token": token})
    again = c.post("/exchange/audit/check", data={"lang": "en", "form_token": token, "actor": "sup.uno"})
    assert first.status_code == again.status_code == 303
    assert again.headers["location"] == "/exchange/audit?lang=en&actor=sup.uno&checked=repeated"
    assert no_walk == [1] and len(checks(one)) == 1
    page = c.get(again.headers["location"]).text
    assert "The button was pressed more than once: the chain was checked once." in page
    assert "Last check recorded" in box(page)  # the one check, not called «just made» by this address
    assert '<script src="/exchange/static/exchange.js"></script>' in page  # it disables a sent button
    # a script's POST (no token) is not compared; a new rendered form is a new check
    assert c.post("/exchange/audit/check", data={}).status_code == 303 and len(checks(one)) == 2
    check(c)
    assert len(checks(one)) == 3 and no_walk == [1, 1, 1]


@pytest.mark.parametrize("user", ["sup.uno", "analista"])
def test_other_roles_are_refused_the_check_and_audited(one, user, no_walk):
    c, _ = client(one, user=user)
    before = len(refusals(one))
    r = c.post("/exchange/audit/check", data={"lang": "es", "form_token": "x" * 32})
    assert r.status_code == 403 and "No autorizado" in r.text and "Cadena" not in r.text
    role = {"sup.uno": "supervisor", "analista": "analyst"}[user]
    assert refusals(one)[before:] == [{"actor": f"user:{user}", "target": None, "role": role, "reason": "wrong_role",
                                       "route": "/exchange/audit/check", "method": "POST"}]
    assert no_walk == [] and checks(one) == []


def test_without_a_session_or_from_another_site_nothing_is_walked(one, no_walk):
    anonymous, _ = client(one)
    r = anonymous.post("/exchange/audit/check", data={"lang": "en"})
    assert r.status_code == 303 and r.headers["location"].startswith("/exchange/login?lang=en&next=")
    assert "notice%3Dexpired" in r.headers["location"]  # after signing in: it says it was not done
    c, landed = client(one, user="auditora.demo", nxt="/exchange/?notice=expired")  # no old cookie here
    assert landed == "/exchange/audit?notice=signed_out"  # their page, which says the check was not made
    assert "La sesión se había cerrado (quizá en otra pestaña)" in c.get(landed).text
    for headers in ({"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://evil.example"}):
        r = c.post("/exchange/audit/check", data={"lang": "es"}, headers=headers)  # another site's form
        assert r.status_code == 403
    assert no_walk == [] and checks(one) == []
    assert TestClient(one.app).get("/exchange/audit/check").status_code in (404, 405)  # a POST only


def test_a_view_reads_only_what_was_appended_since_the_last(one):
    """The action list and the last check come from the entries appended since the previous
    view (a range of entry numbers), never from a scan of the whole log on every view."""
    from sqlalchemy import event

    add(one, 40)
    c, _ = client(one, user="auditora.demo")
    check(c)
    add(one, 5, action="case_review")
    said = []

    def seen(conn, cursor, statement, *args):
        said.append(" ".join(statement.split()))

    event.listen(one.engine, "before_cursor_execute", seen)
    try:
        page = c.get("/exchange/audit").text
    finally:
        event.remove(one.engine, "before_cursor_execute", seen)
    reads = [s for s in said if s.startswith("SELECT") and "FROM audit_log" in s]
    assert reads and all("LIMIT" in s or "audit_log.seq >" in s or "audit_log.seq =" in s for s in reads), reads
    assert '<option value="case_review">' in page  # what came since is there
    assert "Última comprobación registrada" in box(page) or "Comprobación hecha ahora" in box(page)


ALARM = 'class="msg error" id="chain" role="alert"'


def unreadable(page: str, seq: int) -> bool:
    shown = box(page)
    return ALARM in shown and f"La última comprobación registrada (entrada {seq}) no se puede leer" in shown \
        and "Cadena íntegra" not in shown


def test_a_removed_check_is_an_alarm_and_a_cut_log_is_looked_at_again(one):
    """The newest check's entry deleted (or changed) while the log did not get shorter: the
    page says so, it does not show the check before it as the last one."""
    c, _ = client(one, user="auditora.demo")
    check(c)
    older = checks(one)[-1]["entry"]
    check(c)
    newer = checks(one)[-1]["entry"]
    assert f"(entrada {newer})" in box(c.get("/exchange/audit").text)
    with one.engine.begin() as conn:  # the newest check's entry deleted: not the one before in its place
        conn.execute(text("DELETE FROM audit_log WHERE seq = :s"), {"s": newer})
    page = c.get("/exchange/audit").text
    assert unreadable(page, newer) and f"(entrada {older})" not in box(page)
    with one.engine.begin() as conn:  # the one before changed too: still the alarm
        conn.execute(text("UPDATE audit_log SET action = 'login' WHERE seq = :s"), {"s": older})
    assert unreadable(c.get("/exchange/audit").text, newer)
    with one.engine.begin() as conn:  # the log cut shorter than the page had read (head too)
        conn.execute(text("DELETE FROM audit_log WHERE seq > 3"))
        conn.execute(text("UPDATE audit_head SET seq = 3"))
    page = c.get("/exchange/audit").text
    assert "La cadena no se ha comprobado" in box(page) and '<option value="audit_view">' not in page


def test_a_check_pressed_after_the_session_ended_leads_back_to_the_audit_page():
    """Signed in again after the session ran out under the button, an administrator lands on
    the audit page, not on /exchange/ (a refusal page for their role)."""
    from intake_app.server.exchange import web

    assert web.action_page("/exchange/audit/check") == "/exchange/audit"
    assert web.action_page("/exchange/audit/filter") == "/exchange/audit"


def _forget_views() -> None:
    """A server started afresh: no view of this log seen before."""
    audit._tails.clear()


def test_a_broken_check_rewritten_as_intact_is_an_alarm(one):
    """An UPDATE of the check's detail to «intact» (its hash not recomputed): the page does not
    say «Cadena íntegra», it says the check cannot be read; in a fresh server too."""
    c, _ = client(one, user="auditora.demo")
    with one.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq = 3"))
    check(c)
    seq = checks(one)[-1]["entry"]
    assert checks(one)[-1]["result"] == "broken"
    with one.engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET detail = :d WHERE seq = :s"),
                     {"d": json.dumps({"entries": seq - 1, "result": "intact", "via": "page"}), "s": seq})
    assert unreadable(c.get("/exchange/audit").text, seq)
    _forget_views()
    assert unreadable(c.get("/exchange/audit").text, seq)


def test_a_rewritten_check_with_its_hash_recomputed_no_longer_links_and_is_an_alarm(one):
    c, _ = client(one, user="auditora.demo")
    check(c)
    seq = checks(one)[-1]["entry"]
    c.get("/exchange/audit")  # an entry after the check (the view's own)
    with one.engine.begin() as conn:
        r = conn.execute(text("SELECT * FROM audit_log WHERE seq = :s"), {"s": seq}).mappings().one()
        detail = json.dumps({"entries": 999, "result": "intact", "via": "page"})
        rehashed = audit.entry_hash(r["prev_hash"], seq, r["at"], r["actor"], r["action"], r["target"], detail)
        conn.execute(text("UPDATE audit_log SET detail = :d, hash = :h WHERE seq = :s"),
                     {"d": detail, "h": rehashed, "s": seq})
    page = c.get("/exchange/audit").text
    assert unreadable(page, seq) and "999" not in box(page)


def test_a_deleted_check_is_an_alarm_in_a_fresh_server_too(one):
    """The newest check deleted before any view of a server started afresh: the check before
    it is found, but an entry is missing between it and the head."""
    c, _ = client(one, user="auditora.demo")
    check(c)
    older = checks(one)[-1]["entry"]
    check(c)
    newer = checks(one)[-1]["entry"]
    with one.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq = :s"), {"s": newer})
    _forget_views()
    page = c.get("/exchange/audit").text
    assert unreadable(page, older) and "Cadena íntegra" not in page
