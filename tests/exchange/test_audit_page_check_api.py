"""The chain check recorded wherever it is asked for, and asked for safely: ``GET
/api/v1/audit/verify`` records its check as the page's button does (``audit_verify``, ``via``
``api``); on a real server on loopback, a walk holds no write lock (sign-ins, ingests and page
views go on meanwhile), and two auditors pressing at once are both walked, one after the other,
and both recorded. All users are fictional."""

from __future__ import annotations

import re
import sqlite3
import sys
import threading
import time

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from intake_app.server import audit
from tests.loopback import serve

from .conftest import PASSWORD
from .test_audit_page_check import box, checks
from .test_audit_page_list import add, last_seq
from .test_audit_page_roles import client, one  # noqa: F401  (one: a fixture)


def bearer(app, user: str) -> dict:
    token = TestClient(app).post("/api/v1/auth/login", json={"username": user, "password": PASSWORD}).json()["token"]
    return {"Authorization": "Bearer " + token}


def test_the_api_records_its_check_as_the_page_does(one):
    api, auditor = TestClient(one.app), bearer(one.app, "auditora.demo")
    walked = last_seq(one)
    r = api.get("/api/v1/audit/verify", headers=auditor)
    assert r.status_code == 200 and r.json() == {"status": "ok", "entries": walked}
    assert checks(one) == [{"entry": walked + 1, "actor": "user:auditora.demo", "target": None, "via": "api",
                            "result": "intact", "entries": walked}]
    for user in ("sup.uno", "analista"):  # refused: nothing walked, nothing recorded as a check
        assert api.get("/api/v1/audit/verify", headers=bearer(one.app, user)).status_code == 403
    assert len(checks(one)) == 1
    with one.engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET actor = 'user:otro' WHERE seq = 2"))
    admin = bearer(one.app, "admin")
    named = last_seq(one)
    r = api.get("/api/v1/audit/verify", headers=admin)
    assert r.status_code == 400 and r.json() == {"code": "server_audit_broken", "params": {"seq": 2, "reason": "hash"}}
    assert checks(one)[-1] == {"entry": named + 1, "actor": "user:admin", "target": None, "via": "api",
                               "result": "broken", "seq": 2, "reason": "hash", "entries": named}
    c, _ = client(one, user="auditora.demo")  # the page shows the API's check, as an alarm
    shown = box(c.get("/exchange/audit").text)
    assert 'role="alert"' in shown and "Cadena rota a partir de la entrada 2." in shown and "por user:admin" in shown


@pytest.fixture
def paused(monkeypatch):
    """The first walk stops after its first batch is read (its connection closed), until ``go``
    is set; every walk's (start, end) is kept."""
    here, go, spans = threading.Event(), threading.Event(), []
    real_hash, real_verify = audit.entry_hash, audit.verify

    def entry_hash(*args):
        if sys._getframe(1).f_code.co_name == "verify" and not here.is_set():
            here.set()
            assert go.wait(30), "the test never let the walk go on"
        return real_hash(*args)

    def verify(engine, *args, **kwargs):
        start = time.monotonic()
        try:
            return real_verify(engine, *args, **kwargs)
        finally:
            spans.append((start, time.monotonic()))

    monkeypatch.setattr(audit, "entry_hash", entry_hash)
    monkeypatch.setattr(audit, "verify", verify)
    return here, go, spans


def signed_in(url: str, user: str) -> httpx.Client:
    c = httpx.Client(base_url=url, follow_redirects=False, timeout=60)
    assert c.post("/exchange/login", data={"username": user, "password": PASSWORD, "next": "/exchange/"}) \
        .status_code == 303
    return c


def press(c: httpx.Client, out: list) -> None:
    token = re.search(r'name="form_token" value="([^"]+)"', c.get("/exchange/audit").text).group(1)
    out.append(c.post("/exchange/audit/check", data={"lang": "es", "form_token": token}))


def test_a_walk_holds_no_write_lock_and_two_at_once_are_both_recorded(one, paused):
    here, go, spans = paused
    add(one, 30)
    db = one.engine.url.database
    with serve(one.app) as url:
        auditor, admin, sup = signed_in(url, "auditora.demo"), signed_in(url, "admin"), signed_in(url, "sup.uno")
        first, second = [], []
        a = threading.Thread(target=press, args=(auditor, first))
        a.start()
        try:
            assert here.wait(30)  # the first walk is under way
            raw = sqlite3.connect(db, timeout=1)  # a writer takes the lock at once: the walk holds none
            raw.execute("BEGIN IMMEDIATE")
            raw.execute("ROLLBACK")
            raw.close()
            page = auditor.get("/exchange/audit")  # a view is not held up by a walk either
            assert page.status_code == 200 and "no se ha comprobado" in page.text
            assert sup.post("/exchange/logout").status_code == 303  # nor is any other write (it is audited)
            b = threading.Thread(target=press, args=(admin, second))
            b.start()
            deadline = time.monotonic() + 30  # the second press has passed its token: it waits its turn
            while one.count("form_tokens") < 2 and time.monotonic() < deadline:
                time.sleep(0.02)
            time.sleep(0.2)  # from its token to the lock the handler does not wait on anything
            assert second == [] and len(spans) == 0
        finally:
            go.set()
            a.join(60)
        b.join(60)
    assert first[0].status_code == second[0].status_code == 303
    made = checks(one)
    assert [(c["actor"], c["via"], c["result"]) for c in made] == [("user:auditora.demo", "page", "intact"),
                                                                  ("user:admin", "page", "intact")]
    assert first[0].headers["location"] == f"/exchange/audit?checked={made[0]['entry']}"
    assert second[0].headers["location"] == f"/exchange/audit?checked={made[1]['entry']}"
    assert made[1]["entries"] > made[0]["entries"]  # the second walked what was written meanwhile too
    assert len(spans) == 2 and spans[0][1] <= spans[1][0]  # one walk at a time, not two at once
