"""A case marked reviewed is marked for the version the supervisor read (supervisor review #1,
#9): a new version arriving later makes it «Nuevo» again (a new head, or a new version queued
as a conflict against it), on SQLite and on PostgreSQL; the review form carries the version
its page showed, and if another arrived in between nothing is marked and the page shows the
new one and says so; the same mark sent twice writes one audit entry (#8). Real server on
loopback; every person is fictional (FICTICIA / DEMO)."""

from __future__ import annotations

import re

import pytest

from . import conftest
from .conftest import person
from .test_pages import serving, signed_in
from tests.pg import temp_databases


@pytest.fixture(params=["sqlite", "postgresql"])
def cr(request, tmp_path, monkeypatch):
    if request.param == "sqlite":
        srv = conftest.make_server(tmp_path, "cr", "cr_eri")
        yield srv
        srv.engine.dispose()
        return
    with temp_databases("intake_review_test") as (url,):
        real = conftest.init_server
        monkeypatch.setattr(conftest, "init_server", lambda home, db_url=None, **kw: real(home, db_url=url, **kw))
        srv = conftest.make_server(tmp_path, "cr", "cr_eri")
        assert srv.engine.dialect.name == "postgresql"
        yield srv
        srv.engine.dispose()


def state(srv, case_id: str) -> str:
    return srv.count("cases", f"WHERE case_id = '{case_id}' AND review_state = 'reviewed'") and "reviewed" or "new"


def shown_revision(page: str) -> str:
    return re.search(r'name="revision" value="([0-9a-f]+)"', page).group(1)


def test_a_new_version_makes_a_reviewed_case_new_again(cr):
    first = cr.laptop()
    case_id, other = first.save([person(91), person(92)])
    with serving(cr) as url:
        uno = signed_in(url, "sup.uno")

        def mark() -> None:
            for cid in (case_id, other):
                seen = shown_revision(uno.get(f"/exchange/cases/{cid}").text)
                r = uno.post(f"/exchange/cases/{cid}/review", data={"revision": seen})
                assert r.status_code == 303 and "ok=reviewed" in r.headers["location"]
                assert state(cr, cid) == "reviewed"

        mark()
        first.save([person(91, needs_interpreter=True)], [case_id])  # a new head: the supervisor has not read it
        assert state(cr, case_id) == "new" and state(cr, other) == "reviewed"  # the other case is untouched
        assert case_id in uno.get("/exchange/cases").text  # back under «Nuevos»

        mark()
        second = cr.laptop()  # a laptop that edits the version before the head: a conflict is queued
        second.heads[case_id] = first.heads[case_id]
        first.save([person(91, phone="+506 8888 1111")], [case_id])
        mark()
        second.save([person(91, phone="+506 8888 2222")], [case_id])
        assert cr.count("conflicts", f"WHERE case_id = '{case_id}' AND status = 'open'") == 1
        assert state(cr, case_id) == "new" and state(cr, other) == "reviewed"


def test_the_review_is_of_the_version_the_page_showed(cr):
    laptop = cr.laptop()
    case_id, = laptop.save([person(93)])
    with serving(cr) as url:
        uno = signed_in(url, "sup.uno")
        seen = shown_revision(uno.get(f"/exchange/cases/{case_id}").text)
        laptop.save([person(93, phone="+506 8888 3333")], [case_id])  # arrives while the page is open

        r = uno.post(f"/exchange/cases/{case_id}/review", data={"lang": "es", "revision": seen})
        assert r.status_code == 303 and r.headers["location"] == f"/exchange/cases/{case_id}?notice=changed"
        assert state(cr, case_id) == "new" and "case_review" not in cr.audit_actions()  # nothing written
        page = uno.get(r.headers["location"]).text
        assert "recibió una versión nueva después de que usted lo abrió" in page
        assert "+506 8888 3333" in page and shown_revision(page) != seen  # the new version, to read
        assert "Marcar como revisado" in page
        en = uno.post(f"/exchange/cases/{case_id}/review", data={"lang": "en", "revision": seen})
        assert "received a new version after you opened it" in uno.get(en.headers["location"]).text
        # a form with no version (made by hand, or an old page) marks nothing either
        assert "notice=changed" in uno.post(f"/exchange/cases/{case_id}/review", data={}).headers["location"]
        assert state(cr, case_id) == "new"


def test_the_same_mark_sent_twice_is_written_once(cr):
    case_id, = cr.laptop().save([person(94)])
    with serving(cr) as url:
        uno = signed_in(url, "sup.uno")
        now = shown_revision(uno.get(f"/exchange/cases/{case_id}").text)
        for _ in range(2):  # sent twice (a double click, Back and again): done once
            r = uno.post(f"/exchange/cases/{case_id}/review", data={"revision": now})
            assert r.status_code == 303 and "ok=reviewed" in r.headers["location"]
        assert state(cr, case_id) == "reviewed"
        assert cr.audit_actions().count("case_review") == 1
        dos = signed_in(url, "sup.dos")  # another supervisor marking the same version: no second entry
        assert "ok=reviewed" in dos.post(f"/exchange/cases/{case_id}/review",
                                         data={"revision": now}).headers["location"]
        assert cr.audit_actions().count("case_review") == 1
