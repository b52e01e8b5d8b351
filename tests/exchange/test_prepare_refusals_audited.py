"""A refused preparation is in the audit log (second exchange review, #4): a case of another
institution or none such as ``access_refused`` (role, reason, attempt ``package_prepare``, the
id of a case the server holds at most: never a typed id of no case, e.g. a 12-digit
document number), a recipient, purpose or kind the registry does not allow as
``exchange_prepare_refused`` with its code; never a typed text that is no id or code. From
the functions, the command line and the page. All persons are fictional."""

from __future__ import annotations

import pytest

from intake_app.server.auth import add_user
from intake_app.server.exchange import outgoing
from intake_app.server.exchange.errors import CaseUnknown, PurposeNotAllowed, StatisticsAreAggregates, UnknownRecipient

from .conftest import PASSWORD, person
from .test_access_audit import all_audit_text, refusals
from .test_cli_words import audit_params, cli, files  # noqa: F401  (files: a fixture)
from .test_page_words import client_of

NOBODY = "ZZZZ-ZZZZ-ZZZZ"  # a case id's shape, no case
DOCUMENT = "1558-0000-0012"  # a fictional 12-digit document number, dashed: a case id's shape, no case


def test_a_case_of_another_institution_or_none_is_audited_at_prepare(pair):
    cr, _ = pair
    add_user(cr.engine, cr.settings, "sup.pani", PASSWORD, "supervisor", "pani", actor="test")
    case_id, = cr.laptop().save([person(95)])  # registered by the ERI
    for typed, reason, target in ((case_id, "other_institution", case_id), (NOBODY, "not_found", None),
                                  (DOCUMENT, "not_found", None), ("María FICTICIA", "not_found", None)):
        with pytest.raises(CaseUnknown):
            outgoing.prepare_referral(cr.engine, "pa_uia", "services", [typed], actor="user:sup.pani",
                                      institution="pani")
        assert refusals(cr)[-1] == {"actor": "user:sup.pani", "target": target, "role": "supervisor",
                                    "reason": reason, "attempt": "package_prepare"}
    assert "FICTICIA" not in all_audit_text(cr) and cr.count("exchange_packages") == 0
    assert DOCUMENT not in all_audit_text(cr) and NOBODY not in all_audit_text(cr)


def test_what_the_registry_refuses_is_audited_at_prepare(pair, files, capsys):  # noqa: F811
    cr, _ = pair
    case_id, = cr.laptop().save([person(96)])
    for recipient, purpose, error, logged in (
            ("pa_uia", "research", PurposeNotAllowed, ("pa_uia", "research")),
            ("pa_uia", "reporting", StatisticsAreAggregates, ("pa_uia", "reporting")),
            ("María FICTICIA", "services", UnknownRecipient, (None, "services"))):
        with pytest.raises(error):
            outgoing.prepare_referral(cr.engine, recipient, purpose, [case_id], actor="user:sup.uno")
        assert audit_params(cr, "exchange_prepare_refused")[-1] == {
            "role": "supervisor", "code": error.code, "kind": "referral", "recipient": logged[0], "purpose": logged[1]}

    # the command line (the reviewer's referral for statistics), with the signed-in supervisor's role
    code, out = cli(capsys, files, cr, "exchange", "prepare", "--recipient", "pa_uia", "--purpose", "reporting",
                    "--case", case_id, "--supervisor", "sup.uno")
    assert code == 2 and "cifras agregadas" in out, out
    assert audit_params(cr, "exchange_prepare_refused")[-1]["code"] == "exchange_statistics_are_aggregates"
    # an aggregate for a recipient that takes none
    with pytest.raises(UnknownRecipient):
        outgoing.prepare_aggregate(cr.engine, "zz_nadie", "2020-Q1", actor="user:sup.uno")
    assert audit_params(cr, "exchange_prepare_refused")[-1]["kind"] == "aggregate"

    # the page: a case id typed for another institution, one that is no id, and a document number
    add_user(cr.engine, cr.settings, "sup.pani", PASSWORD, "supervisor", "pani", actor="test")
    pani = client_of(cr, "sup.pani")
    for typed, target in ((case_id, case_id), ("Relato FICTICIO", None), ("155800000012", None)):
        r = pani.post("/exchange/prepare", data={"target": "pa_uia:services", "cases": typed})
        assert r.status_code == 303 and "FICTICI" not in r.headers["location"], r.text
        assert "1558" not in r.headers["location"] and case_id not in r.headers["location"]
        assert refusals(cr)[-1]["target"] == target and refusals(cr)[-1]["attempt"] == "package_prepare"
    assert "FICTICI" not in all_audit_text(cr) and "1558-0000-0012" not in all_audit_text(cr)
    assert cr.count("exchange_packages") == 0
