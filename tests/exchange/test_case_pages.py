"""The supervisor's incoming cases and conflicts, on a real server (uvicorn on 127.0.0.1):
the list shows no identity field and only the supervisor's institution; opening a case
shows the labelled record and the screening indications and is audited; marking it
reviewed moves it between the tabs; a conflict between two devices is shown side by side
and resolved either way without deleting anything. All persons are fictional."""

from __future__ import annotations

import re

from sqlalchemy import text

from intake_app.server.auth import add_user

from .conftest import PASSWORD, person
from .test_pages import serving, signed_in


def conflicted(cr) -> tuple[str, str]:
    """A case two laptops edited from the same version: (case id, the incoming revision)."""
    first, second = cr.laptop(), cr.laptop()
    case_id, = first.save([person(51)])
    second.heads[case_id] = first.heads[case_id]  # the second laptop got the case at this version
    first.save([person(51, phone="+506 8888 1111")], [case_id])
    second.save([person(51, phone="+506 8888 2222", migration_status="irregular")], [case_id])
    return case_id, second.heads[case_id]


def test_incoming_cases_review_and_scope(pair):
    cr, _ = pair
    add_user(cr.engine, cr.settings, "sup.pani", PASSWORD, "supervisor", "pani", actor="test")
    case_id, = cr.laptop().save([person(41)])
    with serving(cr) as url:
        uno = signed_in(url, "sup.uno")
        page = uno.get("/exchange/cases")
        assert page.status_code == 200 and case_id in page.text
        assert "Casos sin revisar" in page.text and "Paso Canoas" in page.text
        assert "FICTICIA" not in page.text and "DEMO-" not in page.text  # the list names nobody

        typed = case_id.lower().replace("-", " ")  # as a person may type it
        go = uno.post("/exchange/cases/goto", data={"case": typed})
        assert go.status_code == 303 and go.headers["location"] == f"/exchange/cases/{case_id}"
        wrong = uno.post("/exchange/cases/goto", data={"case": "María41 FICTICIA"})  # a name in the box
        assert wrong.status_code == 303 and "FICTICIA" not in wrong.headers["location"]
        assert "no es un número de caso" in uno.get(wrong.headers["location"]).text
        case = uno.get(f"/exchange/cases/{case_id}")
        assert case.status_code == 200
        assert "María41 FICTICIA" in case.text and "DEMO-100041" in case.text
        assert "Indicios de la evaluación inicial" in case.text and "Marcar como revisado" in case.text
        assert " UTC</td>" in case.text  # the history's times as the pages write times
        assert "Case " + case_id in uno.get(f"/exchange/cases/{case_id}?lang=en").text

        head = re.search(r'name="revision" value="([0-9a-f]+)"', case.text).group(1)  # the version read
        r = uno.post(f"/exchange/cases/{case_id}/review", data={"revision": head})
        assert r.status_code == 303 and "ok=reviewed" in r.headers["location"]
        assert "Caso marcado como revisado" in uno.get(r.headers["location"]).text
        assert case_id not in uno.get("/exchange/cases").text
        reviewed = uno.get("/exchange/cases?state=reviewed&page=0").text
        assert case_id in reviewed
        # each page says what it is in the browser's tab; the language link keeps the tab the person is on
        assert "<title>Casos entrantes · " in reviewed
        assert 'href="?state=reviewed&amp;lang=en"' in reviewed
        assert 'href="?state=all&amp;page=2&amp;lang=es"' in uno.get("/exchange/cases?state=all&page=2&lang=en").text
        assert f"<title>Caso {case_id} · " in uno.get(f"/exchange/cases/{case_id}").text

        other = signed_in(url, "sup.pani")  # another institution's supervisor sees none of it
        assert case_id not in other.get("/exchange/cases?state=all").text
        assert other.get(f"/exchange/cases/{case_id}").status_code == 404
        assert other.post(f"/exchange/cases/{case_id}/review", data={}).status_code == 404

        analyst = signed_in(url, "analista")  # analysts never reach identity
        assert analyst.get("/exchange/cases").status_code == 403
        assert analyst.get(f"/exchange/cases/{case_id}").status_code == 403
    actions = cr.audit_actions()
    assert actions.count("case_view") == 4 and "case_review" in actions  # four openings, each logged


def test_conflict_side_by_side_and_resolved(pair):
    cr, _ = pair
    case_id, incoming = conflicted(cr)
    with cr.engine.connect() as conn:
        conflict_id = conn.execute(text("SELECT id FROM conflicts WHERE case_id = :c"), {"c": case_id}).scalar_one()
    with serving(cr) as url:
        uno = signed_in(url, "sup.uno")
        page = uno.get("/exchange/cases?state=all").text
        assert "Conflictos abiertos: 1" in page and "Abiertos: 1" in page
        assert f"/exchange/conflicts/{conflict_id}" in uno.get(f"/exchange/cases/{case_id}").text

        versions = uno.get(f"/exchange/conflicts/{conflict_id}").text
        differ = versions.split("Respuestas que difieren: ")[1].split("</table>")[0]
        assert differ.startswith("2") and "+506 8888 1111" in differ and "+506 8888 2222" in differ
        assert "María51 FICTICIA" not in differ  # the same in both: not among the differences

        r = uno.post(f"/exchange/conflicts/{conflict_id}/resolve",
                     data={"keep": "incoming", "case_id": case_id, "lang": "en"})
        assert r.status_code == 303 and "ok=resolved" in r.headers["location"]
        assert "Conflict resolved" in uno.get(r.headers["location"]).text
        assert "Conflictos abiertos" not in uno.get("/exchange/cases?state=all").text
        again = uno.post(f"/exchange/conflicts/{conflict_id}/resolve", data={"keep": "head", "case_id": case_id})
        assert again.status_code == 409 and "Conflicto ya resuelto" in again.text  # resolved once, and said so
    with cr.engine.connect() as conn:
        head = conn.execute(text("SELECT head_revision_id FROM cases WHERE case_id = :c"), {"c": case_id}).scalar_one()
        kept = conn.execute(text("SELECT count(*) FROM revisions WHERE case_id = :c"), {"c": case_id}).scalar_one()
    assert head == incoming and kept == 3  # nothing deleted
    assert "conflict_resolve" in cr.audit_actions()
