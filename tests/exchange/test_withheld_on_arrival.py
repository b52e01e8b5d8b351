"""Mixed versions: a sender not yet updated still lists and sends the fields that are now
withheld with the victim status (who decided it, the accreditation date) to IOM / UNHCR. An
updated receiving server imports the package and drops those fields on arrival (not stored,
audited by their count only); any other field outside the profile still refuses the package.

All data FICTIONAL (FICTICIA / DEMO)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from sqlalchemy import text

from intake_app.codebook.sharing import SharingPolicy, sharing_policy
from intake_app.server.exchange import incoming, outgoing
from intake_app.server.exchange.errors import PackageInvalidContent

from .conftest import person

STATUS_DETAILS = {"status_decided_by", "accreditation_date"}


@pytest.fixture
def old_sender(monkeypatch):
    """The sender's policy as it was before ``withheld_with`` (nothing withheld with a field)."""
    def old_policy(cb=None):
        real = sharing_policy(cb)
        return SharingPolicy(real.codebook, [replace(p, withheld_with=frozenset()) for p in real.profiles])
    monkeypatch.setattr(outgoing, "sharing_policy", old_policy)


@pytest.fixture
def cr_iom(make):
    cr, iom = make("cr", "cr_eri"), make("iom", "iom")
    cr.trust(iom)
    iom.trust(cr)
    return cr, iom


def _accredited(n: int) -> dict:
    return person(n, recipients=["iom"], purposes=["services"], trafficking_status="actual",
                  status_decided_by="government_non_police", accreditation_date="2026-10-09")


def _package(cr, case_ids) -> bytes:
    pkg = outgoing.prepare_referral(cr.engine, "iom", "services", case_ids, actor="user:sup.uno")
    outgoing.approve(cr.engine, cr.keystore, pkg.package_id, approver="user:sup.dos", approver_role="supervisor")
    return outgoing.export(cr.engine, pkg.package_id, actor="user:sup.dos")


def _stored(server) -> list[dict]:
    with server.engine.connect() as conn:
        rows = conn.execute(text("SELECT content FROM exchange_received_cases ORDER BY id")).scalars().all()
    return [r if isinstance(r, dict) else json.loads(r) for r in rows]


def _audit(server, action: str) -> list[str]:
    with server.engine.connect() as conn:
        return list(conn.execute(text("SELECT detail FROM audit_log WHERE action = :a ORDER BY seq"),
                                 {"a": action}).scalars())


def test_an_old_senders_package_is_imported_without_the_withheld_fields(cr_iom, old_sender):
    cr, iom = cr_iom
    ids = cr.laptop().save([_accredited(81), _accredited(82)])
    data = _package(cr, ids)
    assert STATUS_DETAILS <= set(incoming.inspect(data).fields)  # the old sender lists them
    result = incoming.import_package(iom.engine, iom.keystore, data, actor="operator")
    assert result.cases == 2 and result.dropped == 4
    stored = _stored(iom)
    assert len(stored) == 2
    for content in stored:
        assert not STATUS_DETAILS & set(content)
        assert content["given_names"].endswith("FICTICIA") and "trafficking_status" not in content
    detail, = _audit(iom, "exchange_received")
    assert json.loads(detail)["withheld_dropped"] == 4
    assert "2026-10-09" not in detail and "government_non_police" not in detail  # a count, never values


def test_a_truly_foreign_field_still_refuses_the_package(cr_iom, old_sender, monkeypatch):
    cr, iom = cr_iom
    ids = cr.laptop().save([_accredited(83)])
    real = outgoing.minimized

    def leaky(decision, version, content, derived):  # a sender that adds the withheld status itself
        return {**real(decision, version, content, derived), "trafficking_status": content["trafficking_status"]}
    monkeypatch.setattr(outgoing, "minimized", leaky)
    real_fields = outgoing.profile_fields
    monkeypatch.setattr(outgoing, "profile_fields", lambda *a: sorted({*real_fields(*a), "trafficking_status"}))
    data = _package(cr, ids)
    with pytest.raises(PackageInvalidContent) as info:
        incoming.import_package(iom.engine, iom.keystore, data, actor="operator")
    assert "trafficking_status:not_in_profile" in info.value.params["problems"]
    assert iom.count("exchange_received") == 0 and iom.count("exchange_received_cases") == 0
