"""Refused access by a signed-in user is audited (``access_refused``): a role that may not
use a route (API, dashboard, supervisors' pages) and a supervisor reaching for another
institution's case or conflict (API and pages alike). The entries name the route's
template or the attempt, the role and the reason, a case id at most: never a name, never
the typed path. A visitor without a session writes nothing. All persons are fictional."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy import text

from intake_app.server.app import create_app
from intake_app.server.auth import add_user

from .conftest import PASSWORD, person
from .test_case_pages import conflicted


def refusals(server) -> list[dict]:
    with server.engine.connect() as conn:
        rows = conn.execute(text("SELECT actor, target, detail FROM audit_log WHERE action = 'access_refused'"
                                 " ORDER BY seq")).all()
    return [{"actor": r.actor, "target": r.target, **json.loads(r.detail)} for r in rows]


def all_audit_text(server) -> str:
    with server.engine.connect() as conn:
        return "\n".join(f"{r.actor} {r.action} {r.target} {r.detail}"
                         for r in conn.execute(text("SELECT actor, action, target, detail FROM audit_log")))


def token(client: TestClient, user: str) -> dict:
    r = client.post("/api/v1/auth/login", json={"username": user, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": "Bearer " + r.json()["token"]}


def page_client(app, area: str, user: str) -> TestClient:
    client = TestClient(app, follow_redirects=False)
    r = client.post(f"/{area}/login", data={"username": user, "password": PASSWORD, "next": f"/{area}/"})
    assert r.status_code == 303, r.text
    return client


def test_a_role_refused_is_audited_by_route_template_and_anonymous_is_not(pair):
    cr, _ = pair
    add_user(cr.engine, cr.settings, "auditor.demo", PASSWORD, "auditor", actor="test")
    case_id, = cr.laptop().save([person(61)])
    app = create_app(cr.settings, cr.keystore, cr.engine)
    api = TestClient(app)
    ana = token(api, "analista")
    assert api.get(f"/api/v1/cases/{case_id}", headers=ana).status_code == 403
    assert api.get("/api/v1/users", headers=ana).status_code == 403
    assert api.post("/api/v1/users/Mar%C3%ADa%20FICTICIA/disable", headers=ana).status_code == 403
    assert page_client(app, "exchange", "analista").get(f"/exchange/cases/{case_id}").status_code == 403
    assert page_client(app, "dashboard", "auditor.demo").get("/dashboard/nationality").status_code == 403
    before = len(refusals(cr))
    anonymous = TestClient(app, follow_redirects=False)  # no session: nothing written, however many
    for _ in range(3):
        assert anonymous.get(f"/api/v1/cases/{case_id}").status_code == 401
        assert anonymous.get("/api/v1/users", headers={"Authorization": "Bearer made-up"}).status_code == 401
        assert anonymous.get(f"/exchange/cases/{case_id}").status_code == 303
    assert len(refusals(cr)) == before == 5
    got = refusals(cr)
    assert got[0] == {"actor": "user:analista", "target": None, "role": "analyst", "reason": "wrong_role",
                      "route": "/api/v1/cases/{case_id}", "method": "GET"}
    assert got[1]["route"] == "/api/v1/users" and got[1]["reason"] == "wrong_role"
    assert got[2]["route"] == "/api/v1/users/{username}/disable" and got[2]["method"] == "POST"
    assert got[3] == {"actor": "user:analista", "target": None, "role": "analyst", "reason": "wrong_role",
                      "route": "/exchange/cases/{case_id}", "method": "GET"}
    assert got[4] == {"actor": "user:auditor.demo", "target": None, "role": "auditor", "reason": "wrong_role",
                      "route": "/dashboard/{view}", "method": "GET"}
    logged = all_audit_text(cr)
    for typed in ("FICTICIA", "María", "Mar%C3%ADa"):  # the typed path is not kept
        assert typed not in logged


def test_another_institutions_case_and_conflict_are_refused_and_audited(pair):
    """A supervisor of the ERI reaching for the PANI's case and conflict: the answer is a
    missing one's (API 404, page 404), and each try is audited with the case id."""
    cr, _ = pair
    add_user(cr.engine, cr.settings, "sup.eri", PASSWORD, "supervisor", "eri", actor="test")
    other, = cr.laptop().save([person(62, institution="pani")])
    conflict_case, _ = conflicted(cr)  # the ERI's own conflict (person() is the ERI's)
    with cr.engine.begin() as conn:  # made the PANI's: the conflict is another institution's
        conn.execute(text("UPDATE case_facts SET institution = 'pani' WHERE case_id = :c"), {"c": conflict_case})
        conflict_id = conn.execute(text("SELECT id FROM conflicts WHERE case_id = :c"),
                                   {"c": conflict_case}).scalar_one()
    app = create_app(cr.settings, cr.keystore, cr.engine)
    api = TestClient(app)
    eri = token(api, "sup.eri")
    refused = api.get(f"/api/v1/cases/{other}", headers=eri)
    missing = api.get("/api/v1/cases/ZZZZ-ZZZZ-ZZZZ", headers=eri)
    assert (refused.status_code, refused.content) == (missing.status_code, missing.content) == \
        (404, b'{"code":"not_found","params":{}}')
    assert api.post(f"/api/v1/cases/{other}/review", headers=eri).status_code == 404
    r = api.post(f"/api/v1/conflicts/{conflict_id}/resolve", headers=eri, json={"keep": "incoming"})
    assert (r.status_code, r.json()["code"]) == (404, "conflict_not_found")
    assert api.post("/api/v1/conflicts/999999/resolve", headers=eri, json={"keep": "head"}).status_code == 404
    pages = page_client(app, "exchange", "sup.eri")
    assert pages.get(f"/exchange/cases/{other}").status_code == 404
    assert pages.get(f"/exchange/conflicts/{conflict_id}").status_code == 404
    base = {"actor": "user:sup.eri", "role": "supervisor"}
    assert refusals(cr) == [
        {**base, "target": other, "reason": "other_institution", "attempt": "case_view"},
        {**base, "target": "ZZZZ-ZZZZ-ZZZZ", "reason": "not_found", "attempt": "case_view"},
        {**base, "target": other, "reason": "other_institution", "attempt": "case_review"},
        {**base, "target": conflict_case, "reason": "other_institution", "attempt": "conflict_resolve",
         "conflict": conflict_id},
        {**base, "target": None, "reason": "not_found", "attempt": "conflict_resolve", "conflict": 999999},
        {**base, "target": other, "reason": "other_institution", "attempt": "case_view"},
        {**base, "target": conflict_case, "reason": "other_institution", "attempt": "conflict_view",
         "conflict": conflict_id},
    ]
    with cr.engine.connect() as conn:  # nothing of the refused actions happened
        assert conn.execute(text("SELECT review_state FROM cases WHERE case_id = :c"), {"c": other}).scalar_one() \
            == "new"
        assert conn.execute(text("SELECT status FROM conflicts WHERE id = :i"), {"i": conflict_id}).scalar_one() \
            == "open"
    # a typed path that is no case id is not written into the log
    assert api.get("/api/v1/cases/Mar%C3%ADa%20FICTICIA", headers=eri).status_code == 404
    assert refusals(cr)[-1]["target"] is None and "FICTICIA" not in all_audit_text(cr)
    # the national coordinator (no institution) sees it: nothing refused, the view audited as ever
    national = token(api, "sup.uno")
    count = len(refusals(cr))
    assert api.get(f"/api/v1/cases/{other}", headers=national).status_code == 200
    assert len(refusals(cr)) == count
