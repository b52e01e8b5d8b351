"""Corrections made in place to the released codebook 1.0 (docs/codebook.md, "Corrections to 1.0"):
referral suggestions, HTCDS mappings and the wording of the screening's partial note. None of
them changes what a record means (tests/core/test_codebook_released.py)."""

from __future__ import annotations

import pycountry
import pytest

from intake_app import i18n
from intake_app.codebook import derive, load_codebook
from intake_app.screening import describe_partial, screen, suggested_referrals

CB = load_codebook("1.0")
# a fictional adult at a Costa Rican post, foreign national, nothing else recorded
BASE = {"record_date": "2026-01-05", "border_post": "cr_paso_canoas", "gender": "male", "citizenship": "VE",
        "age_estimate": 30}
TRAFFICKED = {"tr_acts": ["recruitment"], "tr_means": ["deception"], "tr_purposes": ["forced_labour"]}


def suggested(rec: dict) -> list[str]:
    return suggested_referrals(CB, rec, derive(CB, rec))


@pytest.mark.parametrize("status", ["asylum_seeker", "refugee"])
def test_no_consulate_for_asylum_seekers_and_refugees(status):
    """Non-refoulement: the consulate's sharing profile refuses them, and it is not suggested either."""
    assert "consulate" in suggested({**BASE, "migration_status": "in_transit"})
    assert "consulate" in suggested(BASE)  # status not recorded: a foreign national
    rec = {**BASE, "migration_status": status}
    assert "consulate" not in suggested(rec)
    assert "unhcr" in suggested(rec)


@pytest.mark.parametrize("post, country_unit, other_unit", [("cr_paso_canoas", "eri", "uia"),
                                                            ("pa_paso_canoas", "uia", "eri"),
                                                            ("pa_darien_lajas_blancas", "uia", "eri")])
def test_eri_or_uia_suggested_when_the_trafficking_indication_is_raised(post, country_unit, other_unit):
    """The indication says "corresponde valorar la referencia al ERI (Costa Rica) o a la UIA (Panamá)":
    the post's country's unit is suggested with it, and never without it."""
    rec = {**BASE, "border_post": post}
    assert country_unit not in suggested(rec) and other_unit not in suggested(rec)
    half = {**rec, "tr_acts": ["recruitment"], "tr_means": ["deception"]}  # no purpose: no indication
    assert country_unit not in suggested(half)
    flagged = {**rec, **TRAFFICKED}
    assert screen(CB, flagged).raised("trafficking")
    assert country_unit in suggested(flagged) and other_unit not in suggested(flagged)
    child = {**rec, "age_estimate": 12, "tr_acts": ["recruitment"], "tr_purposes": ["forced_begging"]}
    assert country_unit in suggested(child)  # a child: no means needed


def test_ngabere_exports_as_iso_639_3_gym():
    term = CB.vocab("languages").get("ngb")
    assert term.es == "Ngäbere"
    language = pycountry.languages.get(alpha_3=term.htcds)
    assert language is not None and language.name == "Ngäbere", term.htcds  # ngb is Northern Ngbandi


def test_forced_criminal_activity_has_its_own_htcds_value():
    vocab = CB.vocab("exploitation_types")
    assert vocab.get("forced_criminal_activity").htcds == "ForcedCriminalActivity"
    assert [t.code for t in vocab.terms if t.htcds == "Other"] == ["other"]


def test_case_status_is_htcds_cas_status():
    assert CB.fields["case_status"].htcds == {"field": "cas_Status"}
    assert CB.vocab("case_statuses").htcds == "cas_Status"


@pytest.mark.parametrize("answers", [{"sm_irregular_entry": True, "sm_paid_facilitator": False},
                                     {"sm_irregular_entry": False, "sm_paid_facilitator": True}])
def test_an_explicit_no_is_an_answer_not_missing_information(answers):
    """A "No" (no payment to anyone; a regular entry) rules the smuggling indication out: the
    partial note does not call it "sin registrar" nor ask about the rest."""
    rec = {**BASE, **answers}
    result = screen(CB, rec)
    assert not result.raised("smuggling")
    for lang in ("es", "en"):
        lines = describe_partial(result, lang, rec)
        prefix = i18n.t("screening.partial.smuggling", lang).split("(")[0]
        assert not [line for line in lines if line.startswith(prefix)], lines


def test_a_missing_answer_is_still_named_as_missing():
    rec = {**BASE, "sm_irregular_entry": True}  # the payment not asked yet
    lines = describe_partial(screen(CB, rec), "es", rec)
    assert any(line.startswith("Tráfico ilícito (incompleto)") and "sin registrar: pago o beneficio" in line
               for line in lines), lines
