"""Redacted copies show only what consent and the sharing profile allow; copies consent does
not cover are refused with the recipient and the reason; legal bases are recorded."""

from __future__ import annotations

import pytest

from intake_app.codebook import load_codebook
from intake_app.printing import describe_print_error, render_summary
from intake_app.printing import errors as pe
from intake_app.printing.summary import decide
from tests.printing.print_helpers import flat, pdf_text


def _refusals(vault, case_id):
    return [e for e in vault.audit.entries(case_id=case_id) if e.action == "case_print_refused"]


def test_shelter_copy_has_name_age_needs_language_never_the_narrative(vault, cases):
    text = flat(pdf_text(render_summary(vault, cases["intake-adult-woman"], copy="redacted", recipient="shelter")))
    for expected in ("Copia resumida para: Albergue", "Yelitza FICTICIA", "Muñoz Ejemplo", "Edad (años)", "28",
                     "No tiene dónde pasar la noche", "Idioma principal", "Español",
                     "Esta copia omite", "La copia oficial del puesto los conserva", "Recibido por (Albergue)"):
        assert expected in text, expected
    for withheld in ("Relato", "le retuvieron el pasaporte", "FICT-884213", "Número de documento", "07/03/1998",
                     "+506 8000 0000", "Explotación sexual", "Prostitución ajena", "Servidumbre por deudas",
                     "Venezuela", "Situación migratoria", "indicios de posible trata", "Referencias realizadas"):
        assert withheld not in text, withheld


def test_redacted_copy_has_none_of_the_withheld_fields(vault, cases, sample):
    """For every recipient the consent covers, no field the profile withholds shows its label."""
    cb = load_codebook()
    rec = vault.get_case(cases["intake-adult-woman"])  # a Costa Rican post: UIA (Panamá) is the other country
    for recipient in ("inamu", "pani", "health", "shelter", "consulate", "eri", "dgme"):
        decision = decide(cb, rec, recipient, "services")  # raises when not allowed
        text = flat(pdf_text(render_summary(vault, rec.case_id, copy="redacted", recipient=recipient)))
        for key in rec.content:
            f = cb.fields[key]
            if not decision.profile.allows(f):
                assert f.es not in text, (recipient, key)
        assert "le retuvieron el pasaporte" not in text  # the narrative goes to no one on paper


def test_printing_without_consent_for_the_recipient_is_refused(vault, cases):
    boy = cases["intake-unaccompanied-boy"]  # consent covers care services and the other country only
    with pytest.raises(pe.PrintRecipientNotCovered) as info:
        render_summary(vault, boy, copy="redacted", recipient="consulate")
    assert info.value.params == {"recipient": "consulate", "purpose": "services", "reason": "recipient_not_covered"}
    message = describe_print_error(info.value, "es")
    assert "Consulado del país de la persona" in message and "No se imprimió nada" in message
    with pytest.raises(pe.PrintRefused) as stats:  # one person's record is never for statistics
        render_summary(vault, boy, copy="redacted", recipient="pani", purpose="reporting")
    assert stats.value.code == "print_statistics_are_aggregates"
    with pytest.raises(pe.PrintNoProfile):  # no profile lets care services have data for prosecution
        render_summary(vault, boy, copy="redacted", recipient="pani", purpose="prosecution")
    refused = _refusals(vault, boy)
    assert [(e.detail["recipient"], e.detail["reason"]) for e in refused] == [
        ("consulate", "recipient_not_covered"), ("pani", "statistics_are_aggregates"), ("pani", "no_profile")]
    assert not [e for e in vault.audit.entries(case_id=boy) if e.action == "case_print"]


def test_consent_not_possible_is_refused_unless_the_legal_basis_covers_it(vault, cases):
    case = cases["intake-no-indications"]  # consent not possible, legal basis: legal obligation
    with pytest.raises(pe.PrintConsentNotPossible) as info:
        render_summary(vault, case, copy="redacted", recipient="inamu")
    assert info.value.params["recipient"] == "inamu"
    pdf = render_summary(vault, case, copy="redacted", recipient="dgme")  # migration: a legal obligation
    text = flat(pdf_text(pdf))
    assert "Sin consentimiento; base legal: Obligación legal" in text
    entry = [e for e in vault.audit.entries(case_id=case) if e.action == "case_print"][-1]
    assert entry.detail["basis"] == "legal_obligation" and entry.detail["recipient"] == "dgme"


def test_refused_consent_stands_and_vital_interest_when_consent_not_possible(vault, sample):
    rec = sample("intake-adult-woman")
    for key in ("consent_by", "consent_purposes", "consent_recipients"):
        rec.pop(key)
    rec["consent_status"] = "refused"
    case = vault.save_case(rec).case_id
    with pytest.raises(pe.PrintConsentRefused):
        render_summary(vault, case, copy="redacted", recipient="inamu")
    rec["legal_basis"] = "vital_interest"
    vault.save_case(rec, case_id=case)
    with pytest.raises(pe.PrintConsentRefused):
        render_summary(vault, case, copy="redacted", recipient="inamu")
    with pytest.raises(pe.PrintConsentRefused):  # a capable person's refusal stands, vital interest or not
        render_summary(vault, case, copy="redacted", recipient="health")
    rec["consent_status"] = "not_possible"  # e.g. unconscious: then vital interest lets health services see it
    vault.save_case(rec, case_id=case)
    text = flat(pdf_text(render_summary(vault, case, copy="redacted", recipient="health")))
    assert "base legal: Interés vital de la persona" in text
    assert [e.detail["basis"] for e in vault.audit.entries(case_id=case) if e.action == "case_print"] == [
        "vital_interest"]


def test_best_interest_of_the_child(vault, sample):
    rec = sample("intake-unaccompanied-boy")
    for key in ("consent_by", "consent_purposes", "consent_recipients"):
        rec.pop(key)
    rec.update(consent_status="not_possible", legal_basis="best_interest_child")
    case = vault.save_case(rec).case_id
    assert "Interés superior" in flat(pdf_text(render_summary(vault, case, copy="redacted", recipient="senniaf")))
    with pytest.raises(pe.PrintConsentNotPossible):
        render_summary(vault, case, copy="redacted", recipient="ngo")
    # a refusal (perhaps by a guardian who is part of the exploitation) does not stop child protection
    rec["consent_status"] = "refused"
    vault.save_case(rec, case_id=case)
    assert "Interés superior" in flat(pdf_text(render_summary(vault, case, copy="redacted", recipient="senniaf")))
    with pytest.raises(pe.PrintConsentRefused):
        render_summary(vault, case, copy="redacted", recipient="ngo")


def test_a_refugees_consulate_gets_nothing(vault, sample):
    rec = sample("intake-adult-woman")
    rec["migration_status"] = "asylum_seeker"
    case = vault.save_case(rec).case_id
    with pytest.raises(pe.PrintProtectionRisk):
        render_summary(vault, case, copy="redacted", recipient="consulate")


@pytest.mark.parametrize("kwargs, error", [
    ({"copy": "redacted"}, pe.PrintRecipientRequired),
    ({"copy": "redacted", "recipient": "nadie"}, pe.PrintRecipientUnknown),
    ({"copy": "official", "recipient": "inamu"}, pe.PrintRecipientNotForOfficial),
    ({"copy": "borrador"}, pe.PrintCopyUnknown),
    ({"lang": "fr"}, pe.PrintLanguageUnknown),
    ({"copy": "redacted", "recipient": "inamu", "purpose": "marketing"}, pe.PrintPurposeUnknown),
])
def test_bad_options_are_typed_errors(vault, cases, kwargs, error):
    with pytest.raises(error):
        render_summary(vault, cases["intake-adult-woman"], **kwargs)


def test_errors_carry_no_personal_data(vault, cases):
    with pytest.raises(pe.PrintError) as info:
        render_summary(vault, cases["intake-unaccompanied-boy"], copy="redacted", recipient="consulate")
    assert "FICTICIO" not in str(info.value) and "Pierre" not in repr(info.value.params)
