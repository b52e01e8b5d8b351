"""A withdrawal of consent always reaches what was sent (diff review #1): a withdrawal notice
goes under the server's current registry name, and the recipient withdraws only the records
it received from the sender the notice names. So while records sent under the current name
could still have to be withdrawn, or referrals sealed under it wait to be sent,
``exchange identity NEW`` is refused even with ``--yes``, in words that say why and what to
do; once every such record is withdrawn and no sealed referral waits, the change is the
operator's to confirm again. Real servers (SQLite, and the rule again on PostgreSQL). Every
person is fictional (FICTICIA / DEMO)."""

from __future__ import annotations

import pytest

from intake_app.server.exchange import incoming, outgoing
from intake_app.server.exchange.errors import (
    IdentityChangeNeedsConfirmation,
    IdentityChangeStrandsWithdrawals,
    ReceivedCaseWithdrawn,
)
from intake_app.server.exchange.registry import self_entry, set_self_key

from .conftest import person
from .test_cli_words import cli, files  # noqa: F401  (files: a fixture)
from .test_refusals import referral


def withdraw_consent(cr, laptop, case_id: str, n: int) -> None:
    """The person withdraws consent for the other country; the notice goes and PA imports it."""
    laptop.save([person(n, recipients=["services"])], [case_id])
    notices = outgoing.prepare_withdrawals(cr.engine, cr.keystore, actor="operator")
    assert [(n.recipient_key, n.case_count) for n in notices] == [("pa_uia", 1)]
    return notices[0]


def refused_params(cr, new: str = "cr_dgme") -> dict:
    with pytest.raises(IdentityChangeStrandsWithdrawals) as info:
        set_self_key(cr.engine, new, actor="operator", confirmed=True)
    assert self_entry(cr.engine).key == "cr_eri"
    return info.value.params


def test_the_identity_stays_while_a_withdrawal_could_still_have_to_reach_a_record(pair, files, capsys):  # noqa: F811
    cr, pa = pair
    laptop = cr.laptop()
    case_id, = laptop.save([person(12)])
    incoming.import_package(pa.engine, pa.keystore, referral(cr, [case_id]), actor="operator")

    # the reviewer's step: the operator renames the server with --yes; refused, whatever is confirmed
    assert refused_params(cr) == {"old": "cr_eri", "new": "cr_dgme", "cases": 1, "sealed": 0}
    for lang, words in (("es", ("envió como «cr_eri» 1 registro", "ni siquiera con --yes", "No se cambió nada",
                                "«cr_dgme»", "servidor aparte")),
                        ("en", ("As “cr_eri” this server sent 1 record", "not even with --yes", "Nothing was changed",
                                "“cr_dgme”", "separate server"))):
        code, out = cli(capsys, files, cr, "exchange", "identity", "cr_dgme", "--yes", lang=lang)
        assert code == 2 and all(w in out for w in words), out
        assert "{" not in out and "error.exchange" not in out, out
    assert self_entry(cr.engine).key == "cr_eri"

    # so the person's withdrawal goes as the ERI, and PA withdraws the record it received from the ERI
    notice = withdraw_consent(cr, laptop, case_id, 12)
    assert refused_params(cr)["cases"] == 1  # prepared, not sent: it still counts
    result = incoming.import_package(pa.engine, pa.keystore, outgoing.export(cr.engine, notice.package_id,
                                                                               actor="operator"), actor="operator")
    assert (result.sender, result.withdrawn) == ("cr_eri", 1)
    (record,) = incoming.list_received_cases(pa.engine, include_withdrawn=True)
    assert record["withdrawn"] and record["sender_key"] == "cr_eri"
    with pytest.raises(ReceivedCaseWithdrawn):
        incoming.open_received_case(pa.engine, record["id"], actor="user:sup.uno")

    # a referral sealed as the ERI and not sent yet holds the name too, until it is cancelled
    other, = laptop.save([person(13)])
    pkg = outgoing.prepare_referral(cr.engine, "pa_uia", "services", [other], actor="user:sup.uno")
    outgoing.approve(cr.engine, cr.keystore, pkg.package_id, approver="user:sup.dos", approver_role="supervisor")
    assert refused_params(cr) == {"old": "cr_eri", "new": "cr_dgme", "cases": 0, "sealed": 1}
    outgoing.cancel(cr.engine, pkg.package_id, actor="user:sup.uno")

    # nothing left to withdraw: the change is the operator's to confirm, as before
    with pytest.raises(IdentityChangeNeedsConfirmation) as info:
        set_self_key(cr.engine, "cr_dgme", actor="operator")
    assert type(info.value) is IdentityChangeNeedsConfirmation
    code, out = cli(capsys, files, cr, "exchange", "identity", "cr_dgme", "--yes")
    assert code == 0 and "cr_dgme" in out, out
    assert self_entry(cr.engine).key == "cr_dgme"


def test_a_consent_given_again_and_sent_again_holds_the_name_again(pair):
    """A notice covers what was sent before it: the same case sent again after the person
    consented again is a record a withdrawal could reach again."""
    cr, pa = pair
    laptop = cr.laptop()
    case_id, = laptop.save([person(14)])
    incoming.import_package(pa.engine, pa.keystore, referral(cr, [case_id]), actor="operator")
    notice = withdraw_consent(cr, laptop, case_id, 14)
    incoming.import_package(pa.engine, pa.keystore, outgoing.export(cr.engine, notice.package_id, actor="operator"),
                            actor="operator")
    laptop.save([person(14)], [case_id])  # consents again
    incoming.import_package(pa.engine, pa.keystore, referral(cr, [case_id]), actor="operator")
    assert refused_params(cr, "cr_pani")["cases"] == 1


def test_the_identity_stays_on_postgresql(pg_pair):
    cr, pa = pg_pair
    laptop = cr.laptop()
    case_id, = laptop.save([person(15)])
    incoming.import_package(pa.engine, pa.keystore, referral(cr, [case_id]), actor="operator")
    assert refused_params(cr)["cases"] == 1
    notice = withdraw_consent(cr, laptop, case_id, 15)
    outgoing.export(cr.engine, notice.package_id, actor="operator")
    set_self_key(cr.engine, "cr_dgme", actor="operator", confirmed=True)
    assert self_entry(cr.engine).key == "cr_dgme"
