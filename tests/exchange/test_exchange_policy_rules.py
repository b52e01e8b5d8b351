"""The exchange follows the same two sharing rules as the printed copies (one policy):

- a recipient's ``refuse_if`` blocks it for every purpose (the registry has no consulate, so a
  consulate entry is made up here to reach the decision the referral path takes);
- fields that give a withheld field away are withheld with it: a referral to IOM carries
  neither who decided the victim status nor the accreditation date when it withholds the
  status, and a receiving server refuses a record that carries them.

All data FICTIONAL."""

from __future__ import annotations

import pytest

from intake_app.server.exchange import incoming, outgoing
from intake_app.server.exchange.registry import Recipient, load_registry

from .conftest import person

STATUS_DETAILS = ("status_decided_by", "accreditation_date")
CONSULATE = Recipient(key="x_consulado", es="Consulado (ficticio)", en="Consulate (fictional)", country="INT",
                      institution="consulate", purposes=("services", "prosecution", "reporting", "research"),
                      kinds=("referral",))


@pytest.mark.parametrize("purpose", ["services", "prosecution", "reporting", "research"])
def test_a_consulate_gets_no_record_of_an_asylum_seeker_for_any_purpose(purpose):
    content = person(70, recipients=["consulate"], purposes=["services", "prosecution", "reporting", "research"],
                     migration_status="asylum_seeker")
    decision, _ = outgoing.decide(CONSULATE, purpose, "CR", "1.0", content)
    assert (decision.allowed, decision.reason) == (False, "protection_risk")
    regular, _ = outgoing.decide(CONSULATE, "services", "CR", "1.0", {**content, "migration_status": "in_transit"})
    assert regular.allowed


def _accredited(n: int) -> dict:
    return person(n, recipients=["iom"], purposes=["services"], trafficking_status="actual",
                  status_decided_by="government_non_police", accreditation_date="2026-10-09")


def test_a_referral_to_iom_leaves_out_what_gives_the_victim_status_away():
    iom = load_registry().get("iom")
    content = _accredited(71)
    decision, derived = outgoing.decide(iom, "services", "CR", "1.0", content)
    assert decision.allowed
    sent = outgoing.minimized(decision, "1.0", content, derived)
    assert "given_names" in sent and "trafficking_status" not in sent
    assert not set(STATUS_DETAILS) & set(sent)
    listed = outgoing.profile_fields(iom, "services", "CR", "1.0")  # the manifest's list
    assert not (set(STATUS_DETAILS) | {"trafficking_status"}) & set(listed)
    # the ERI's own national authorities see the status, and so its details
    dgme = outgoing.profile_fields(load_registry().get("cr_dgme"), "services", "CR", "1.0")
    assert set(STATUS_DETAILS) <= set(dgme)


def test_the_receiving_side_refuses_a_record_that_carries_them():
    allowed = incoming._profile_fields("iom", "CR", "services", "1.0")
    assert "given_names" in allowed and not set(STATUS_DETAILS) & allowed
    record = {"given_names": "Ana FICTICIA", "accreditation_date": "2026-10-09"}
    # (a package that carries it is refused whole: exchange_package_invalid_content)
    assert incoming.check_content("1.0", record, allowed) == ["accreditation_date:not_in_profile"]
