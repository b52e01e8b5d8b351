"""A consulate never gets a copy of an asylum seeker's or a refugee's record, for any purpose.

``refuse_if`` is the recipient's, not one profile's: before, it sat on the consulate's
"services" profile only, and the shared "reporting" and "research" profiles printed the whole
record (migration status, nationality, trafficking answers) for the person's consulate.
All data FICTIONAL."""

from __future__ import annotations

import pytest

from intake_app.codebook import load_codebook
from intake_app.codebook.sharing import PROTECTION_RISK, SharingPolicy, SharingProfile, sharing_policy
from intake_app.printing import PrintRefused, describe_print_error, prepare, render_summary
from intake_app.printing import errors as pe

EVERY = ("services", "reporting", "research", "prosecution")


def _asylum(sample, status="asylum_seeker"):
    rec = sample("intake-adult-woman")  # consent: services + reporting, recipients incl. the consulate
    rec.update(migration_status=status, consent_purposes=list(EVERY),
               consent_recipients=["services", "national_authorities", "consulate", "ngos", "iom", "unhcr"])
    return rec


def test_the_purposes_checked_are_every_consent_purpose():
    assert set(load_codebook().vocab("consent_purposes").codes) == set(EVERY)


@pytest.mark.parametrize("status", ["asylum_seeker", "refugee"])
@pytest.mark.parametrize("purpose", EVERY)
def test_the_consulate_gets_no_copy_of_an_asylum_seeker_for_any_purpose(vault, sample, status, purpose):
    case = vault.save_case(_asylum(sample, status)).case_id
    with pytest.raises(pe.PrintProtectionRisk) as info:
        render_summary(vault, case, copy="redacted", recipient="consulate", purpose=purpose)
    assert info.value.params == {"recipient": "consulate", "purpose": purpose, "reason": PROTECTION_RISK}
    assert "riesgo de protección" in describe_print_error(info.value, "es")
    refused = [e.detail for e in vault.audit.entries(case_id=case) if e.action == "case_print_refused"]
    assert [(d["recipient"], d["purpose"], d["reason"]) for d in refused] == [("consulate", purpose, PROTECTION_RISK)]
    assert not [e for e in vault.audit.entries(case_id=case) if e.action == "case_print"]


def test_the_same_person_with_a_regular_status_still_gets_the_consulate_copy_for_services(vault, sample):
    case = vault.save_case(_asylum(sample, "irregular")).case_id
    assert prepare(vault, case, copy="redacted", recipient="consulate").pdf.startswith(b"%PDF")
    for purpose in ("reporting", "research"):  # but never one person's record for statistics
        with pytest.raises(PrintRefused):
            prepare(vault, case, copy="redacted", recipient="consulate", purpose=purpose)


def test_a_new_profile_without_the_condition_cannot_reopen_the_consulate(sample):
    """refuse_if is a property of the recipient: a consulate profile added for another purpose,
    written without the condition, is blocked by the one on the services profile."""
    cb = load_codebook()
    shipped = sharing_policy(cb)
    extra = SharingProfile(recipient="consulate", purpose="prosecution", classes=frozenset({"none", "quasi"}))
    policy = SharingPolicy(cb, [*shipped.profiles, extra])
    assert policy.profile("consulate", "prosecution") is extra and extra.refuse_if is None
    content = _asylum(sample)
    decision = policy.decide(content, {}, "prosecution", institution="consulate")
    assert (decision.allowed, decision.reason) == (False, PROTECTION_RISK)
    assert policy.decide({**content, "migration_status": "irregular"}, {}, "prosecution",
                         institution="consulate").allowed
    assert policy.refuse_if("consulate") == ({"field": "migration_status", "in": ["asylum_seeker", "refugee"]},)
    assert policy.refuse_if("services", "inamu") == ()
