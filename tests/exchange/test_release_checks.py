"""What an outgoing package may still carry when it is approved and sent: the cleartext
manifest lists the profile's fields, never which ones a case answered; a case edited since
preparation stops the package (prepare again); bytes sealed to a replaced recipient key do
not leave; a package can be cancelled from the command line; the audit log names the
package's cases by a digest and keeps a refused self-approval. Every person is fictional."""

from __future__ import annotations

import io

import pytest

from intake_app.i18n import describe_error
from intake_app.server.exchange import envelope, incoming, outgoing
from intake_app.server.exchange.errors import CaseChangedSincePrepared, PackageSealedToOldKey, \
    PackageWrongState, SelfApproval
from intake_app.server.exchange.manifest_words import manifest_rows
from intake_app.server.exchange.registry import import_peer_key, load_registry
from intake_app.server.exchange.release_checks import cases_digest

from .conftest import person
from .test_cli_words import audit_params, cli, files  # noqa: F401  (files: a fixture)
from .test_page_words import client_of
from .test_refusals import referral

SENSITIVE = dict(tr_purposes=["sexual_exploitation"], tr_sex_exploitation=["prostitution"], tr_labour_industry=None,
                 pn_pregnant=True)


def prepared(cr, case_ids):
    return outgoing.prepare_referral(cr.engine, "pa_uia", "services", case_ids, actor="user:sup.uno")


def approved(cr, case_ids):
    pkg = prepared(cr, case_ids)
    outgoing.approve(cr.engine, cr.keystore, pkg.package_id, approver="user:sup.dos", approver_role="supervisor")
    return pkg


# --- the manifest does not tell what a case answered ---------------------------------------------
def test_the_manifest_lists_the_profiles_fields_not_the_answered_ones(pair):
    cr, pa = pair
    plain, sensitive = cr.laptop().save([person(51), person(52, **SENSITIVE)])
    one, other = referral(cr, [plain]), referral(cr, [sensitive])
    m_one, m_other = envelope.read_manifest(one), envelope.read_manifest(other)
    expected = outgoing.profile_fields(load_registry().get("pa_uia"), "services", "CR", "1.0")
    assert list(m_one.fields) == list(m_other.fields) == expected  # the same whatever was answered
    assert manifest_rows(m_one, "en")["fields"] == manifest_rows(m_other, "en")["fields"]
    for data in (one, other):  # and the recipient still takes them
        assert incoming.import_package(pa.engine, pa.keystore, data, actor="operator").cases == 1


# --- a case edited since preparation -------------------------------------------------------------
def test_a_case_edited_after_preparation_is_not_approved(pair):
    cr, _ = pair
    laptop = cr.laptop()
    case, = laptop.save([person(53)])
    pkg = prepared(cr, [case])
    laptop.save([person(53, purposes=["services"])], [case])  # consent given again, narrower
    with pytest.raises(CaseChangedSincePrepared) as info:
        outgoing.approve(cr.engine, cr.keystore, pkg.package_id, approver="user:sup.dos", approver_role="supervisor")
    words = describe_error(info.value, "es")
    assert case in words and "cambió después de preparar" in words and f"exchange cancel {pkg.package_id}" in words
    assert "prepare again" not in words and "prepare a new one" in describe_error(info.value, "en")
    assert outgoing.get_package(cr.engine, pkg.package_id).status == "prepared"
    assert audit_params(cr, "exchange_approve_refused")[-1] == {"code": "exchange_case_changed", "case_id": case}


def test_a_case_edited_after_approval_does_not_leave(pair):
    cr, _ = pair
    laptop = cr.laptop()
    case, = laptop.save([person(54)])
    pkg = approved(cr, [case])
    laptop.save([person(54, purposes=["services"])], [case])  # still covered, but not what was sealed
    with pytest.raises(CaseChangedSincePrepared):
        outgoing.export(cr.engine, pkg.package_id, actor="user:sup.dos")
    assert outgoing.get_package(cr.engine, pkg.package_id).status == "approved"
    assert audit_params(cr, "exchange_refused")[-1] == {"recipient": "pa_uia", "purpose": "services",
                                                        "reason": "case_changed", "package_id": pkg.package_id}
    assert "exchange_sent" not in cr.audit_actions()


def test_the_approval_page_words_a_changed_case(pair):
    cr, _ = pair
    laptop = cr.laptop()
    case, = laptop.save([person(55)])
    pkg = prepared(cr, [case])
    laptop.save([person(55, phone="+506 8888 0001")], [case])
    r = client_of(cr, "sup.dos").post(f"/exchange/packages/{pkg.package_id}/approve", data={})
    assert "error=exchange_case_changed" in r.headers["location"]
    page = client_of(cr, "sup.dos").get(r.headers["location"]).text
    assert f"El caso {case} cambió después de preparar el paquete {pkg.package_id}" in page


# --- a replaced recipient key ---------------------------------------------------------------------
def test_a_package_sealed_to_a_replaced_key_does_not_leave(pair, make):
    cr, _ = pair
    case, = cr.laptop().save([person(56)])
    pkg = approved(cr, [case])
    new_pa = make("pa_new", "pa_uia")  # the UIA's server with its new keys, verified in person
    new_pa.trust(cr)
    import_peer_key(cr.engine, "pa_uia", new_pa.key_file(), new_pa.fingerprint(), actor="test", replace=True)
    with pytest.raises(PackageSealedToOldKey) as info:
        outgoing.export(cr.engine, pkg.package_id, actor="user:sup.dos")
    assert "ya no es la actual" in describe_error(info.value, "es")
    assert outgoing.get_package(cr.engine, pkg.package_id).status == "approved"
    assert audit_params(cr, "exchange_export_refused")[-1]["code"] == "exchange_package_old_key"
    outgoing.cancel(cr.engine, pkg.package_id, actor="user:sup.dos")  # prepared again: sealed to the new key
    data = referral(cr, [case])
    assert incoming.import_package(new_pa.engine, new_pa.keystore, data, actor="operator").cases == 1


# --- cancel from the command line -----------------------------------------------------------------
def test_a_package_is_cancelled_from_the_command_line(pair, files, capsys, monkeypatch):  # noqa: F811
    cr, _ = pair
    case, = cr.laptop().save([person(57)])
    pkg = approved(cr, [case])
    base = ["exchange", "cancel", pkg.package_id, "--supervisor", "sup.uno"]
    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
    code, out = cli(capsys, files, cr, *base)
    assert code == 0 and "¿Anular el paquete" in out and "No se anuló" in out, out
    assert outgoing.get_package(cr.engine, pkg.package_id).status == "approved"
    monkeypatch.setattr("sys.stdin", io.StringIO("s\n"))
    code, out = cli(capsys, files, cr, *base)
    assert code == 0 and f"Paquete {pkg.package_id} anulado" in out, out
    with cr.engine.connect() as conn:
        data = conn.exec_driver_sql("SELECT data, status FROM exchange_packages WHERE package_id = ?",
                                    (pkg.package_id,)).one()
    assert tuple(data) == (None, "cancelled")
    assert audit_params(cr, "exchange_cancelled") == [{"kind": "referral", "recipient": "pa_uia", "was": "approved"}]
    with pytest.raises(PackageWrongState):
        outgoing.export(cr.engine, pkg.package_id, actor="user:sup.dos")

    sent = referral(cr, [case])  # a package already sent cannot be taken back by cancelling
    code, out = cli(capsys, files, cr, "exchange", "cancel", envelope.read_manifest(sent).package_id, "--supervisor",
                    "sup.uno", "--yes")
    assert code == 2 and "ya se envió" in out, out
    code, out = cli(capsys, files, cr, "exchange", "cancel", pkg.package_id, "--supervisor", "analista", "--yes")
    assert code != 0 and cr.count("exchange_packages", "WHERE status = 'cancelled'") == 1


# --- audit -------------------------------------------------------------------------------------------
def test_the_audit_names_the_cases_by_digest_and_keeps_a_refused_self_approval(pair):
    cr, _ = pair
    laptop = cr.laptop()
    cases = laptop.save([person(58), person(59)])
    pkg = prepared(cr, cases)
    with pytest.raises(SelfApproval):
        outgoing.approve(cr.engine, cr.keystore, pkg.package_id, approver="user:sup.uno", approver_role="supervisor")
    assert audit_params(cr, "exchange_approve_refused") == [{"code": "exchange_self_approval"}]
    outgoing.approve(cr.engine, cr.keystore, pkg.package_id, approver="user:sup.dos", approver_role="supervisor")
    digest = cases_digest((c["case_id"], c["revision_id"]) for c in outgoing.package_cases(cr.engine, pkg.package_id))
    assert digest == cases_digest(zip(cases, [laptop.heads[c] for c in cases]))
    prepared_entry, = audit_params(cr, "exchange_prepared")
    approved_entry, = audit_params(cr, "exchange_approved")
    assert prepared_entry["cases"] == approved_entry["cases"] == 2
    assert prepared_entry["cases_sha256"] == approved_entry["cases_sha256"] == digest
