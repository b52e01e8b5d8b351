"""Every refusal is typed, says why, and stores nothing: no consent, no approval, wrong
approver; tampered, foreign (another recipient, another key, an unknown or impersonated
sender) and replayed packages."""

from __future__ import annotations

import secrets

import pytest

from intake_app.server.exchange import envelope, incoming, outgoing
from intake_app.server.exchange.errors import (
    ApproverNotSupervisor,
    CaseUnknown,
    ConsentDoesNotCover,
    KeyFingerprintMismatch,
    NotAPackage,
    PackageAlreadyReceived,
    PackageMalformed,
    PackageNotForUs,
    PackageTampered,
    PackageUnknownSender,
    PackageWrongState,
    PurposeNotAllowed,
    RecipientHasNoKeys,
    RefusedConsentRefused,
    RefusedPurposeNotCovered,
    RefusedRecipientNotCovered,
    SelfApproval,
    SenderCannotRefer,
    StatisticsAreAggregates,
    UnknownRecipient,
)
from intake_app.server.exchange.registry import import_peer_key

from .conftest import person


def referral(cr, case_ids, recipient="pa_uia", purpose="services") -> bytes:
    pkg = outgoing.prepare_referral(cr.engine, recipient, purpose, case_ids, actor="user:sup.uno")
    outgoing.approve(cr.engine, cr.keystore, pkg.package_id, approver="user:sup.dos", approver_role="supervisor")
    return outgoing.export(cr.engine, pkg.package_id, actor="user:sup.dos")


def nothing_stored(pa) -> None:
    assert pa.count("exchange_received") == 0 and pa.count("exchange_received_cases") == 0


@pytest.mark.parametrize("content, error, reason", [
    (dict(recipients=["services"]), RefusedRecipientNotCovered, "recipient_not_covered"),
    (dict(purposes=["reporting"]), RefusedPurposeNotCovered, "purpose_not_covered"),
    (dict(status="refused", legal_basis="legal_obligation"), RefusedConsentRefused, "consent_refused"),
])
def test_without_consent_the_referral_is_refused_with_its_reason(pair, content, error, reason):
    cr, pa = pair
    ok, bad = cr.laptop().save([person(1), person(2, **content)])
    with pytest.raises(error) as info:
        outgoing.prepare_referral(cr.engine, "pa_uia", "services", [ok, bad], actor="user:sup.uno")
    assert isinstance(info.value, ConsentDoesNotCover)
    assert info.value.params == {"case_id": bad, "recipient": "pa_uia", "purpose": "services", "reason": reason}
    assert cr.count("exchange_packages") == 0  # all or nothing
    assert "exchange_refused" in cr.audit_actions()


def test_a_legal_basis_the_profile_accepts_stands_in_for_consent(make):
    cr = make("cr", "cr_eri")
    case_id, = cr.laptop().save([person(3, status="not_possible", legal_basis="legal_obligation")])
    pkg = outgoing.prepare_referral(cr.engine, "cr_dgme", "services", [case_id], actor="user:sup.uno")
    assert outgoing.package_cases(cr.engine, pkg.package_id)[0]["basis"] == "legal_obligation"
    # the same legal basis does not open the other country (no such rule in its profile)
    with pytest.raises(ConsentDoesNotCover):
        outgoing.prepare_referral(cr.engine, "pa_uia", "services", [case_id], actor="user:sup.uno")


def test_registry_rules_unknown_cases_and_missing_keys(make):
    cr = make("cr", "cr_eri")
    case_id, = cr.laptop().save([person(4)])
    with pytest.raises(UnknownRecipient):
        outgoing.prepare_referral(cr.engine, "nadie", "services", [case_id], actor="operator")
    with pytest.raises(PurposeNotAllowed):
        outgoing.prepare_referral(cr.engine, "cr_pani", "prosecution", [case_id], actor="operator")
    with pytest.raises(CaseUnknown):
        outgoing.prepare_referral(cr.engine, "pa_uia", "services", ["no-existe"], actor="operator")
    pkg = outgoing.prepare_referral(cr.engine, "pa_uia", "services", [case_id], actor="user:sup.uno")
    with pytest.raises(RecipientHasNoKeys):  # keys never imported: nothing can be sealed
        outgoing.approve(cr.engine, cr.keystore, pkg.package_id, approver="user:sup.dos", approver_role="supervisor")
    with pytest.raises(KeyFingerprintMismatch):
        import_peer_key(cr.engine, "pa_uia", cr.key_file(), "AAAA-BBBB-CCCC-DDDD-EEEE", actor="operator")


def test_a_package_needs_another_supervisor_before_it_leaves(pair):
    cr, pa = pair
    case_id, = cr.laptop().save([person(5)])
    pkg = outgoing.prepare_referral(cr.engine, "pa_uia", "services", [case_id], actor="user:sup.uno")
    with pytest.raises(PackageWrongState):
        outgoing.export(cr.engine, pkg.package_id, actor="user:sup.uno")
    with pytest.raises(SelfApproval):
        outgoing.approve(cr.engine, cr.keystore, pkg.package_id, approver="user:sup.uno", approver_role="supervisor")
    with pytest.raises(ApproverNotSupervisor):
        outgoing.approve(cr.engine, cr.keystore, pkg.package_id, approver="user:analista", approver_role="analyst")
    outgoing.approve(cr.engine, cr.keystore, pkg.package_id, approver="user:sup.dos", approver_role="supervisor")
    with pytest.raises(PackageWrongState):
        outgoing.approve(cr.engine, cr.keystore, pkg.package_id, approver="user:sup.dos", approver_role="supervisor")
    assert outgoing.export(cr.engine, pkg.package_id, actor="user:sup.dos")
    assert outgoing.get_package(cr.engine, pkg.package_id).status == "sent"


def test_tampered_packages_are_refused_and_nothing_is_stored(pair):
    cr, pa = pair
    data = referral(cr, cr.laptop().save([person(6)]))
    for where in (len(data) // 2, 30, len(data) - 10):  # ciphertext, manifest, signature
        bad = bytearray(data)
        bad[where] ^= 0x01
        with pytest.raises((PackageTampered, PackageMalformed)) as info:
            incoming.import_package(pa.engine, pa.keystore, bytes(bad), actor="operator")
        if where == len(data) // 2:
            assert isinstance(info.value, PackageTampered) and info.value.params["sender"] == "cr_eri"
    with pytest.raises(PackageMalformed):
        incoming.import_package(pa.engine, pa.keystore, data[:-100], actor="operator")
    with pytest.raises(PackageMalformed) as info:  # damaged in transit: no sender to name ("?")
        incoming.import_package(pa.engine, pa.keystore, data + b"\x00", actor="operator")
    assert info.value.params == {"part": "trailing"}
    with pytest.raises(NotAPackage):
        incoming.import_package(pa.engine, pa.keystore, b"%PDF-1.7 no es un paquete", actor="operator")
    nothing_stored(pa)
    assert pa.audit_actions().count("exchange_import_refused") == 6


def test_foreign_packages_are_refused(pair, make):
    cr, pa = pair
    case_id, = cr.laptop().save([person(7, recipients=["other_country", "iom"])])
    # encrypted to another recipient: IOM's package arrives at the UIA
    iom = make("iom", "iom")
    cr.trust(iom)
    iom.trust(cr)
    data = referral(cr, [case_id], recipient="iom")
    with pytest.raises(PackageNotForUs) as info:
        incoming.import_package(pa.engine, pa.keystore, data, actor="operator")
    assert info.value.params["recipient"] == "iom"
    # addressed to the UIA but sealed to a key the UIA does not hold
    me = envelope.read_manifest(referral(cr, [case_id]))
    wrong_key = iom.keystore.keys().current.public
    fields = {k: v for k, v in me.to_wire().items() if k not in ("recipient_key_id", "payload_sha256")}
    forged, _ = envelope.seal({**fields, "package_id": "xp-" + "1" * 32, "cases": 1}, {"cases": []},
                              sender_keys=cr.keystore.keys().signing, recipient_hpke_public=wrong_key)
    with pytest.raises(PackageNotForUs):
        incoming.import_package(pa.engine, pa.keystore, forged, actor="operator")
    # signed by a sender whose keys the UIA never imported
    pani = make("pani", "cr_pani")
    pani.trust(pa)
    pani_case, = pani.laptop().save([person(8)])
    pkg = outgoing.prepare_referral(pani.engine, "pa_uia", "services", [pani_case], actor="user:sup.uno")
    outgoing.approve(pani.engine, pani.keystore, pkg.package_id, approver="user:sup.dos", approver_role="supervisor")
    with pytest.raises(PackageUnknownSender) as info:
        incoming.import_package(pa.engine, pa.keystore, outgoing.export(pani.engine, pkg.package_id, actor="x"),
                                actor="operator")
    assert info.value.params == {"sender": "cr_pani"}
    # an impostor that claims to be the ERI but signs with its own keys
    fake = envelope.seal({**fields, "package_id": "xp-" + "2" * 32, "cases": 0}, {"cases": []},
                         sender_keys=pani.keystore.keys().signing,
                         recipient_hpke_public=pa.keystore.keys().current.public)[0]
    with pytest.raises(PackageTampered):
        incoming.import_package(pa.engine, pa.keystore, fake, actor="operator")
    nothing_stored(pa)


def test_a_replayed_package_is_refused_and_stores_nothing_again(pair):
    cr, pa = pair
    data = referral(cr, cr.laptop().save([person(9), person(10)]))
    first = incoming.import_package(pa.engine, pa.keystore, data, actor="operator")
    assert first.cases == 2
    with pytest.raises(PackageAlreadyReceived) as info:
        incoming.import_package(pa.engine, pa.keystore, data, actor="operator")
    assert info.value.params["package_id"] == first.package_id
    assert pa.count("exchange_received") == 1 and pa.count("exchange_received_cases") == 2


def test_content_beyond_the_profile_or_the_codebook_is_refused(pair, make):
    """A sender whose software sends more than the agreement allows, or values the codebook
    does not know, is refused whole; nothing is stored."""
    from intake_app.errors import UnknownCodebookVersion
    from intake_app.server.exchange.errors import PackageInvalidContent

    cr, pa = pair
    fields = {"kind": "referral", "sender": "cr_eri", "recipient": "pa_uia", "purpose": "services",
              "created_at": "2026-11-23T10:00:00Z", "codebook_version": "1.0", "cases": 1}

    def send(content: dict, version: str = "1.0", listed=None, keys=None, **manifest):
        case = {"case_id": "caso-demo-1", "revision_id": "rev-demo-1", "codebook_version": version,
                "basis": "consent", "content": content}
        data, _ = envelope.seal({**fields, **manifest, "package_id": "xp-" + secrets.token_hex(16),
                                 "fields": sorted(listed if listed is not None else content)}, {"cases": [case]},
                                sender_keys=(keys or cr.keystore).keys().signing,
                                recipient_hpke_public=pa.keystore.keys().current.public)
        return incoming.import_package(pa.engine, pa.keystore, data, actor="operator")

    with pytest.raises(PackageInvalidContent) as info:
        send({"given_names": "Ana FICTICIA", "narrative": "Relato FICTICIO"})
    assert info.value.params["problems"] == ["narrative:not_in_profile"]
    with pytest.raises(PackageInvalidContent) as info:  # a field the manifest did not announce
        send({"given_names": "Ana FICTICIA", "gender": "female"}, listed=["given_names"])
    assert info.value.params["problems"] == ["gender:not_in_profile"]
    with pytest.raises(PackageInvalidContent) as info:
        send({"given_names": "Ana FICTICIA", "gender": "robot"})
    assert info.value.params["problems"] == ["gender:choice_unknown"]
    with pytest.raises(PackageInvalidContent) as info:
        send({"given_names": "Ana FICTICIA", "age_years": "veinte"})
    assert info.value.params["problems"] == ["age_years:type"]
    with pytest.raises(UnknownCodebookVersion):
        send({"given_names": "Ana FICTICIA"}, version="9.9")
    with pytest.raises(PackageInvalidContent) as info:  # "under consent" that the record says was refused
        send({"given_names": "Ana FICTICIA", "consent_status": "refused"})
    assert "consent_status:contradicts_basis" in info.value.params["problems"]
    # the registry's rules hold on this side too: records only for services or prosecution,
    with pytest.raises(StatisticsAreAggregates):
        send({"given_names": "Ana FICTICIA"}, purpose="reporting")
    # and only from an institution: a coalition (CONATT) sends aggregates only
    conatt = make("conatt", "cr_conatt")  # its own server: one key is trusted under one name only
    pa.trust(conatt)
    with pytest.raises(SenderCannotRefer) as info:
        send({"given_names": "Ana FICTICIA"}, sender="cr_conatt", keys=conatt.keystore)
    assert info.value.params == {"sender": "cr_conatt"}
    nothing_stored(pa)
    consented = {"consent_status": "given", "consent_recipients": ["other_country"], "consent_purposes": ["services"]}
    assert send({"given_names": "Ana FICTICIA", "gender": "female", **consented}).cases == 1  # the same, well-formed


def test_a_refusal_is_not_overridden_by_a_legal_obligation(pair):
    """Non-punishment: a person who said no is not sent to migration authorities 'by law';
    the same legal basis applies only when consent could not be obtained."""
    cr, _ = pair
    refused, not_possible = cr.laptop().save([person(61, status="refused", legal_basis="legal_obligation"),
                                               person(62, status="not_possible", legal_basis="legal_obligation")])
    with pytest.raises(RefusedConsentRefused):
        outgoing.prepare_referral(cr.engine, "cr_dgme", "services", [refused], actor="user:sup.uno")
    pkg = outgoing.prepare_referral(cr.engine, "cr_dgme", "services", [not_possible], actor="user:sup.uno")
    assert outgoing.package_cases(cr.engine, pkg.package_id)[0]["basis"] == "legal_obligation"


@pytest.mark.parametrize("recipient, purpose", [("pa_uia", "reporting"), ("iom", "research")])
def test_statistics_travel_as_aggregates_not_records(pair, recipient, purpose):
    cr, _ = pair
    case_id, = cr.laptop().save([person(63, recipients=["other_country", "iom"], purposes=["reporting", "research"])])
    with pytest.raises(StatisticsAreAggregates) as info:
        outgoing.prepare_referral(cr.engine, recipient, purpose, [case_id], actor="user:sup.uno")
    assert info.value.params == {"recipient": recipient, "purpose": purpose}
    assert cr.count("exchange_packages") == 0


def test_a_coalition_server_prepares_no_referral(make):
    conatt = make("conatt", "cr_conatt")
    case_id, = conatt.laptop().save([person(64)])
    with pytest.raises(SenderCannotRefer):
        outgoing.prepare_referral(conatt.engine, "pa_uia", "services", [case_id], actor="user:sup.uno")
    assert conatt.count("exchange_packages") == 0
