"""A peer's server lost or taken: `exchange keys remove` forgets its keys. Nothing more is
sealed to it, a package already sealed to it does not leave, nothing it signs is imported,
and the removal is audited. Trusting it again takes a key file verified in person, as the
first time. Every person is fictional."""

from __future__ import annotations

import io

import pytest

from intake_app.server.exchange import incoming, outgoing
from intake_app.server.exchange.errors import ExchangeError, RecipientHasNoKeys
from intake_app.server.exchange.registry import list_peers

from .conftest import person
from .test_cli_words import audit_params, cli, files  # noqa: F401  (files: a fixture)
from .test_refusals import referral


def test_a_removed_key_stops_sending_and_receiving(pair, files, capsys, monkeypatch):  # noqa: F811
    cr, pa = pair
    first, second = cr.laptop().save([person(61), person(62)])
    pkg = outgoing.prepare_referral(cr.engine, "pa_uia", "services", [first], actor="user:sup.uno")
    outgoing.approve(cr.engine, cr.keystore, pkg.package_id, approver="user:sup.dos", approver_role="supervisor")
    from_pa = referral(pa, pa.laptop().save([person(63)]), recipient="cr_eri")  # signed by the UIA, before

    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))  # asked first: "no" keeps it
    code, out = cli(capsys, files, cr, "exchange", "keys", "remove", "pa_uia")
    assert code == 0 and pa.fingerprint() in out and "se conserva" in out, out
    assert "pa_uia" in list_peers(cr.engine)

    code, out = cli(capsys, files, cr, "exchange", "keys", "remove", "pa_uia", "--yes")
    assert code == 0 and "retirada" in out and pa.fingerprint() in out, out
    assert "pa_uia" not in list_peers(cr.engine)
    assert audit_params(cr, "exchange_key_remove")[-1]["fingerprint"] == pa.fingerprint()

    with pytest.raises(RecipientHasNoKeys):  # the package sealed to the removed key does not leave
        outgoing.export(cr.engine, pkg.package_id, actor="user:sup.uno")
    refused = audit_params(cr, "exchange_export_refused")[-1]  # and the refusal is in the log
    assert refused["code"] == "exchange_recipient_no_keys" and refused["recipient"] == "pa_uia"
    with pytest.raises(ExchangeError):  # nothing is sealed to it any more
        new = outgoing.prepare_referral(cr.engine, "pa_uia", "services", [second], actor="user:sup.uno")
        outgoing.approve(cr.engine, cr.keystore, new.package_id, approver="user:sup.dos", approver_role="supervisor")
    with pytest.raises(ExchangeError):  # and nothing signed by it comes in
        incoming.import_package(cr.engine, cr.keystore, from_pa, actor="operator")

    code, out = cli(capsys, files, cr, "exchange", "keys", "remove", "pa_uia", "--yes")  # nothing left to remove
    assert code == 2 and "pa_uia" in out, out
