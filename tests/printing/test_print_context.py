"""Copies that travel with the person reveal no trafficking context to whoever sees them; the
official copy's signature line names who gave consent; redacted copies say who opens them."""

from __future__ import annotations

import pytest

from intake_app.codebook import load_codebook
from intake_app.codebook.sharing import sharing_policy
from intake_app.printing import render_summary
from tests.printing.print_helpers import between, flat, pdf_text

CONTEXT_FIELDS = ("institution", "consent_purposes", "consent_recipients")


def _text(vault, case_id, **kwargs) -> str:
    return flat(pdf_text(render_summary(vault, case_id, **kwargs)))


def test_shelter_ngo_and_consulate_profiles_withhold_the_context_fields():
    cb = load_codebook()
    policy = sharing_policy(cb)
    for profile in (policy.profile("services", "services", "shelter"), policy.profile("ngos", "services"),
                    policy.profile("consulate", "services")):
        for key in CONTEXT_FIELDS:
            assert not profile.allows(cb.field(key)), (profile.name, key)
    assert policy.profile("services", "services", "inamu").allows(cb.field("institution"))


def test_shelter_ngo_and_consulate_copies_do_not_reveal_the_trafficking_context(vault, sample):
    rec = sample("intake-adult-woman")
    rec.update(border_post="pa_paso_canoas", institution="uia", citizenship="CO",
               consent_purposes=["services", "prosecution"], consent_recipients=["consulate", "ngos", "services"])
    case = vault.save_case(rec).case_id
    for recipient in ("shelter", "ngo", "consulate"):
        text = _text(vault, case, copy="redacted", recipient=recipient)
        for leak in ("Institución que registra", "UIA", "Víctimas", "Trata", "Propósitos autorizados",
                     "Investigación penal", "Con quién se pueden compartir"):
            assert leak not in text, (recipient, leak)
        assert "Yelitza FICTICIA" in text  # the copy still says who the person is


@pytest.mark.parametrize("change, expected, not_expected", [
    ({}, "Firma de la persona entrevistada", "madre, padre"),
    ({"border_post": "cr_paso_canoas", "institution": "eri"}, "autoridad de protección de la niñez (PANI)",
     "madre, padre"),
    ({"border_post": "pa_darien_lajas_blancas"}, "autoridad de protección de la niñez (SENNIAF)", "madre, padre"),
    ({"consent_by": "guardian", "guardian_name": "Tutora FICTICIA"}, "Firma de la madre, padre o tutor(a)",
     "autoridad de protección"),
])
def test_official_signature_caption_follows_who_gave_consent(vault, sample, change, expected, not_expected):
    rec = sample("intake-adult-woman") if not change else {**sample("intake-unaccompanied-boy"), **change}
    case = vault.save_case(rec).case_id
    signatures = between(_text(vault, case), "Firmas", "Página")
    assert expected in signatures and not_expected not in signatures


def test_official_signature_caption_in_english(vault, sample):
    case = vault.save_case(sample("intake-unaccompanied-boy")).case_id  # child protection, Panama
    text = _text(vault, case, lang="en")
    assert "child-protection authority (SENNIAF)" in between(text, "Signatures", "Page")


def test_redacted_copy_says_who_opens_the_sealed_envelope(vault, cases):
    case = cases["intake-adult-woman"]
    spanish = _text(vault, case, copy="redacted", recipient="inamu")
    handover = "Entregar en sobre cerrado a: INAMU – Instituto Nacional de las Mujeres"
    assert spanish.index("Copia resumida para") < spanish.index(handover) < spanish.index("Destinatario")
    english = _text(vault, case, copy="redacted", recipient="inamu", lang="en")
    assert "Hand over in a sealed envelope to: INAMU – National Women's Institute" in english
    assert "sobre cerrado" not in _text(vault, case)
