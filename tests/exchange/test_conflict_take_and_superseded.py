"""Two findings of the diff review on conflicts: a conflict the server closed because a newer
version from the same laptop replaced it says so in words (not a catalog key, not "server"),
with links to the case and to the open conflict that took its place (#2); and taking the
incoming version moves the head, so a reviewed case is «Nuevo» again, as a new head from
ingest makes it (#3), on SQLite and on PostgreSQL. Every person is fictional (FICTICIA / DEMO)."""

from __future__ import annotations

import re

from sqlalchemy import text

from intake_app.server import review
from intake_app.server.auth import Principal

from .conftest import person
from .test_page_words import client_of
from .test_supervisor_day_lows import language_link

SUP = Principal(2, "sup.uno", "supervisor", None)


def superseded(cr) -> tuple[str, int, int]:
    """(case id, the conflict the server closed, the open one that replaced it): the laptop in
    conflict edits its own version again."""
    first, second = cr.laptop(), cr.laptop()
    case_id, = first.save([person(51)])
    second.heads[case_id] = first.heads[case_id]
    first.save([person(51, phone="+506 8888 1111")], [case_id])
    second.save([person(51, phone="+506 8888 2222")], [case_id])
    old = cr.count("conflicts")
    second.save([person(51, phone="+506 8888 3333")], [case_id])
    with cr.engine.connect() as conn:
        rows = conn.execute(text("SELECT id, status, resolution FROM conflicts ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [(old, "resolved", "superseded"), (old + 1, "open", None)]
    return case_id, old, old + 1


def test_a_superseded_conflict_says_a_newer_version_replaced_it(pair):
    cr, _ = pair
    case_id, old, new = superseded(cr)
    uno = client_of(cr)
    page = uno.get(f"/exchange/conflicts/{old}")
    assert page.status_code == 200
    alert = re.search(r'role="alert">(.*?)</p>', page.text, re.S).group(1)
    assert "una versión más nueva de la misma laptop" in alert and "Ahora no se cambió nada" in alert, alert
    assert "review.page" not in page.text and "server" not in alert and "{" not in alert
    assert "Conflicto ya resuelto" in page.text
    assert f'href="/exchange/conflicts/{new}" id="replacing"' in page.text
    assert f'href="/exchange/cases/{case_id}" id="back"' in page.text
    assert 'name="keep"' not in page.text  # no form to resolve what is closed

    late = uno.post(f"/exchange/conflicts/{old}/resolve", data={"keep": "incoming", "case_id": case_id})
    assert late.status_code == 409 and "una versión más nueva de la misma laptop" in late.text
    assert language_link(late.text) == f"/exchange/conflicts/{old}?lang=en"  # not the form's address
    assert cr.audit_actions().count("conflict_resolve") == 0

    en = uno.get(f"/exchange/conflicts/{old}?lang=en").text
    assert "a newer version from the same laptop" in en and "Nothing was changed now" in en
    assert f'href="/exchange/conflicts/{new}?lang=en" id="replacing"' in en
    assert "Open the conflict with the newer version" in en
    assert f'href="/exchange/cases/{case_id}?lang=en" id="back"' in en

    # once the replacing conflict is resolved too, the old one links to its case only
    assert uno.post(f"/exchange/conflicts/{new}/resolve", data={"keep": "head", "case_id": case_id}).status_code == 303
    page = uno.get(f"/exchange/conflicts/{old}").text
    assert 'id="replacing"' not in page and f'href="/exchange/cases/{case_id}" id="back"' in page
    # a conflict a supervisor resolved still says who and which version stayed
    page = uno.get(f"/exchange/conflicts/{new}").text
    assert "sup.uno lo resolvió el" in page and "mantuvo la versión que tenía el servidor" in page
    assert 'id="replacing"' not in page


def check_take_incoming_makes_it_new(cr) -> None:
    first, second = cr.laptop(), cr.laptop()
    case_id, = first.save([person(52)])
    second.heads[case_id] = first.heads[case_id]
    first.save([person(52, phone="+506 8888 1111")], [case_id])
    second.save([person(52, phone="+506 8888 2222")], [case_id])

    def state() -> tuple[str, str]:
        with cr.engine.connect() as conn:
            return tuple(conn.execute(text("SELECT review_state, head_revision_id FROM cases WHERE case_id = :c"),
                                      {"c": case_id}).one())

    with cr.engine.connect() as conn:
        kept = conn.execute(text("SELECT id FROM conflicts WHERE case_id = :c"), {"c": case_id}).scalar_one()
    assert review.mark_reviewed(cr.engine, SUP, case_id, state()[1]) == "reviewed"
    review.resolve_conflict(cr.engine, SUP, kept, "head")  # the head stays: the mark stands
    assert state() == ("reviewed", first.heads[case_id])

    second.save([person(52, phone="+506 8888 3333")], [case_id])  # queued again: «Nuevo» (ingest)
    assert state()[0] == "new"
    assert review.mark_reviewed(cr.engine, SUP, case_id, state()[1]) == "reviewed"
    with cr.engine.connect() as conn:
        taken = conn.execute(text("SELECT id FROM conflicts WHERE case_id = :c AND status = 'open'"),
                             {"c": case_id}).scalar_one()
    review.resolve_conflict(cr.engine, SUP, taken, "incoming")
    assert state() == ("new", second.heads[case_id])  # a new head nobody has marked: «Nuevo» again
    assert case_id in [r["case_id"] for r in review.list_incoming(cr.engine, SUP, "new")]
    assert review.mark_reviewed(cr.engine, SUP, case_id, second.heads[case_id]) == "reviewed"


def test_taking_the_incoming_version_makes_a_reviewed_case_new_again(pair):
    check_take_incoming_makes_it_new(pair[0])


def test_taking_the_incoming_version_makes_it_new_on_postgresql(make_on_pg):
    check_take_incoming_makes_it_new(make_on_pg("cr", "cr_eri"))
