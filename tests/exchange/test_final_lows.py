"""Small holes of the exchange's audit, closed: ``exchange cancel`` on another institution's
package is audited as the pages are; an analyst landing on ``/exchange/`` (the page that offers
their HTCDS downloads) writes nothing, every other refused route still does; a missing
conflict costs the same queries as another institution's; the id patterns have one home.
All persons are fictional."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import event, text

from intake_app.server import review
from intake_app.server.app import create_app
from intake_app.server.auth import Principal, add_user
from intake_app.server.errors import ConflictNotFound
from intake_app.server.exchange import outgoing, packages, web

from .conftest import PASSWORD, person
from .test_access_audit import page_client, refusals
from .test_case_pages import conflicted
from .test_cli_words import cli, files  # noqa: F401  (files: a fixture)

SERVER = Path(review.__file__).resolve().parent
MISSING = "xp-" + "0" * 32  # a package id as the server makes them, that no package has


# --- 1. exchange cancel from the command line ---------------------------------------------------------
def test_cancelling_another_institutions_package_from_the_command_line_is_audited(pair, files, capsys):  # noqa: F811
    cr, _ = pair
    add_user(cr.engine, cr.settings, "sup.pani", PASSWORD, "supervisor", "pani", actor="test")
    case_id, = cr.laptop().save([person(93)])
    pid = outgoing.prepare_referral(cr.engine, "pa_uia", "services", [case_id], actor="user:sup.uno",
                                    institution="eri").package_id
    outputs = []
    for package_id in (pid, MISSING):
        code, out = cli(capsys, files, cr, "exchange", "cancel", package_id, "--supervisor", "sup.pani", "--yes")
        assert code != 0, out
        outputs.append(out.replace(package_id, "ID"))
    assert outputs[0] == outputs[1]  # another institution's package answers as a missing one
    assert outgoing.get_package(cr.engine, pid).status == "prepared"  # untouched
    base = {"actor": "user:sup.pani", "role": "supervisor", "attempt": "package_cancel"}
    assert refusals(cr) == [{**base, "target": pid, "reason": "other_institution"},
                            {**base, "target": MISSING, "reason": "not_found"}]


# --- 2. an analyst's landing page ---------------------------------------------------------------------
def test_an_analysts_landing_page_is_not_audited_other_refused_routes_are(pair):
    cr, _ = pair
    app = create_app(cr.settings, cr.keystore, cr.engine)
    analyst = page_client(app, "exchange", "analista")
    for _ in range(3):  # where they land after signing in: the page offers their HTCDS downloads
        r = analyst.get("/exchange/")
        assert r.status_code == 403 and "/exchange/htcds.csv?k=11" in r.text
    assert analyst.get("/exchange/?lang=en").status_code == 403
    assert refusals(cr) == []
    assert analyst.get("/exchange/received").status_code == 403
    assert analyst.get("/exchange/cases").status_code == 403
    assert analyst.post("/exchange/withdrawals", data={}).status_code == 403
    base = {"actor": "user:analista", "target": None, "role": "analyst", "reason": "wrong_role"}
    assert refusals(cr) == [{**base, "route": "/exchange/received", "method": "GET"},
                            {**base, "route": "/exchange/cases", "method": "GET"},
                            {**base, "route": "/exchange/withdrawals", "method": "POST"}]
    # another role refused on the supervisors' list is still audited there (an auditor is sent
    # on to the audit page, their landing: test_audit_page_roles.py)
    assert page_client(app, "exchange", "admin").get("/exchange/").status_code == 403
    assert refusals(cr)[-1] == {**base, "actor": "user:admin", "role": "administrator", "route": "/exchange/",
                                "method": "GET"}


# --- 3. the same queries for a missing conflict as for another institution's -------------------------
def _statements(engine, call) -> list[str]:
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        try:
            call()
        except ConflictNotFound:
            pass
        else:
            raise AssertionError("the conflict was not refused")
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen


def test_a_missing_conflict_runs_the_same_queries_as_another_institutions(pair):
    cr, _ = pair
    conflict_case, _ = conflicted(cr)
    with cr.engine.begin() as conn:  # the PANI's conflict, reached for by an ERI supervisor
        conn.execute(text("UPDATE case_facts SET institution = 'pani' WHERE case_id = :c"), {"c": conflict_case})
        conflict_id = conn.execute(text("SELECT id FROM conflicts WHERE case_id = :c"),
                                   {"c": conflict_case}).scalar_one()
    eri = Principal(user_id=0, username="sup.eri", role="supervisor", institution="eri")
    for call in (lambda cid: review.conflict_versions(cr.engine, eri, cid),
                 lambda cid: review.resolve_conflict(cr.engine, eri, cid, "head")):
        theirs = _statements(cr.engine, lambda: call(conflict_id))
        missing = _statements(cr.engine, lambda: call(999999))
        assert theirs == missing
    reasons = [r["reason"] for r in refusals(cr)]
    assert reasons == ["other_institution", "not_found"] * 2  # the answer and the audit unchanged


# --- 4. one pattern for each id -----------------------------------------------------------------------
def test_the_id_patterns_have_one_home():
    """Written once, where the case's and the package's rules live; the pages import them."""
    homes = {r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}": {"review.py"}, r"xp-[0-9a-f]{32}": {"packages.py"}}
    for pattern, home in homes.items():
        assert {p.name for p in SERVER.rglob("*.py") if pattern in p.read_text(encoding="utf-8")} == home, pattern
    assert web.CASE_ID is review.CASE_ID and web.PACKAGE_ID is packages.PACKAGE_ID
    assert web.action_page("/exchange/cases/7KQ3-MX2D-9FAP/review") == "/exchange/cases/7KQ3-MX2D-9FAP"
