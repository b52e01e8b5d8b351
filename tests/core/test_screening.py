"""Screening flags follow the Palermo and Smuggling Protocol rules and explain themselves."""

from __future__ import annotations

import json

from hypothesis import given, settings, strategies as st

from intake_app import i18n
from intake_app.codebook import derive, load_codebook
from intake_app.screening import describe, screen, suggested_referrals

CB = load_codebook()
BASE = {"record_date": "2026-01-05", "border_post": "cr_paso_canoas", "gender": "female", "citizenship": "VE"}
subset = lambda vocab: st.lists(st.sampled_from(CB.vocab(vocab).codes), unique=True, max_size=4)  # noqa: E731


@settings(max_examples=400, deadline=None)
@given(acts=subset("acts"), means=subset("means"), purposes=subset("exploitation_types"),
       control=subset("control_methods"), ilo=subset("ilo_indicators"), age=st.integers(0, 90),
       irregular=st.booleans(), paid=st.booleans(), endangered=st.booleans(), citizenship=st.sampled_from(["CR", "VE"]))
def test_flags_follow_the_protocols(acts, means, purposes, control, ilo, age, irregular, paid, endangered,
                                    citizenship):
    rec = {**BASE, "age_estimate": age, "citizenship": citizenship, "tr_acts": acts, "tr_means": means,
           "tr_purposes": purposes, "tr_control_methods": control, "tr_ilo_indicators": ilo,
           "sm_irregular_entry": irregular, "sm_paid_facilitator": paid, "sm_life_endangered": endangered}
    result = screen(CB, rec)
    from intake_app.screening import CONTROL_AS_MEANS, ILO_AS_MEANS

    any_means = bool(means) or any(c in CONTROL_AS_MEANS for c in control) or any(i in ILO_AS_MEANS for i in ilo)
    expected = bool(acts) and bool(purposes) and (any_means or age < 18)
    assert result.raised("trafficking") == expected
    smuggled = irregular and paid and citizenship != "CR"
    assert result.raised("smuggling") == smuggled
    assert result.raised("aggravated_smuggling") == (smuggled and endangered)
    # the flags are independent: both can hold
    if expected and smuggled:
        assert result.summary == "both"
    # every raised flag says why, with answers that were really given
    for flag in result.flags.values():
        if flag.raised:
            assert flag.reasons
            for r in flag.reasons:
                if r.field in rec and isinstance(rec[r.field], list):
                    assert set(r.values) <= set(rec[r.field])
        else:
            assert flag.key in ("aggravated_smuggling", "urgent") or flag.missing


def test_minor_needs_no_means():
    rec = {**BASE, "age_estimate": 15, "tr_acts": ["recruitment"], "tr_purposes": ["forced_begging"]}
    result = screen(CB, rec)
    assert result.raised("trafficking")
    assert ("minor", (True,)) in [(r.field, r.values) for r in result.flags["trafficking"].reasons]
    adult = screen(CB, {**rec, "age_estimate": 30})
    assert not adult.raised("trafficking") and adult.flags["trafficking"].missing == ("means",)


def test_means_recorded_as_ilo_indicators_or_control_methods_count():
    """An adult recruited for forced labour, deceived and held by a debt: the officer ticked
    the ILO indicators, not the means list; the indication is raised and says why. Isolation
    or overtime alone describe the exploitation, not a means."""
    rec = {**BASE, "age_estimate": 30, "tr_acts": ["recruitment"], "tr_purposes": ["forced_labour"]}
    deceived = screen(CB, {**rec, "tr_ilo_indicators": ["deception", "debt_bondage", "excessive_overtime"]})
    assert deceived.raised("trafficking")
    assert ("tr_ilo_indicators", ("deception", "debt_bondage")) in [
        (r.field, r.values) for r in deceived.flags["trafficking"].reasons]
    assert not screen(CB, {**rec, "tr_ilo_indicators": ["isolation", "excessive_overtime"]}).raised("trafficking")
    assert screen(CB, {**rec, "tr_control_methods": ["psychological_abuse"]}).raised("trafficking")
    lines = dict(describe(CB, deceived, "es"))[i18n.t("screening.trafficking", "es")]
    assert any("Engaño" in line and "Servidumbre por deudas" in line for line in lines)


def test_an_indication_half_recorded_is_named_as_missing_information_not_as_an_indication():
    """An adult stopped in transit: act and means recorded, the purpose not yet: no
    indication, but the officer is told what is missing (act, means, purpose in that order)."""
    from intake_app.screening import describe_partial

    rec = {**BASE, "age_estimate": 30, "tr_acts": ["transport"], "tr_means": ["deception"],
           "sm_irregular_entry": True}
    result = screen(CB, rec)
    assert not result.raised("trafficking") and describe(CB, result, "es") == []
    es, en = describe_partial(result, "es"), describe_partial(result, "en")
    assert len(es) == len(en) == 2  # trafficking, and smuggling (entry recorded, the payment not)
    assert es[0].startswith("Trata (incompleto): registrado acción") and "sin registrar: fin de explotación" in es[0]
    assert es[0].index("acción") < es[0].index("medios") and "no es un indicio" in es[0]
    assert "not recorded: purpose of exploitation" in en[0]
    assert describe_partial(screen(CB, BASE), "es") == []  # nothing recorded: nothing to say
    assert describe_partial(screen(CB, {**BASE, "age_estimate": 12}), "es") == []  # a foreign child, nothing else
    national = {**BASE, "citizenship": "CR", "age_estimate": 30, "sm_irregular_entry": True,
                "sm_paid_facilitator": True}  # at a Costa Rican post: not smuggled into their own country
    assert describe_partial(screen(CB, national), "es") == []
    assert not [line for line in describe_partial(screen(CB, {**rec, "tr_purposes": ["forced_labour"]}), "es")
                if line.startswith("Trata")]  # raised: an indication, not missing information


def test_an_estimated_age_just_over_18_asks_to_treat_the_person_as_a_child_if_in_doubt():
    from intake_app.screening import describe_partial

    for age, shown in ((17, False), (18, True), (20, True), (21, False)):
        rec = {**BASE, "age_estimate": age}
        lines = describe_partial(screen(CB, rec), "es", rec)
        assert any("presunción de minoría" in line for line in lines) is shown, age
    born = {**BASE, "birth_date": "2007-06-01"}  # 18 by a recorded birth date: no doubt to raise
    assert describe_partial(screen(CB, born), "es", born) == []
    assert "presumption of minority" in describe_partial(screen(CB, {**BASE, "age_estimate": 19}), "en",
                                                         {**BASE, "age_estimate": 19})[0]


def test_urgent_and_ilo(sample):
    rec = sample("intake-unaccompanied-boy")
    d = derive(CB, rec)
    assert d["flag_urgent"] and d["unaccompanied_minor"]
    woman = sample("intake-adult-woman")
    assert derive(CB, woman)["ilo_count"] == 4


def test_worded_as_indications_never_verdicts(sample):
    verdicts = ["es víctima", "es una víctima", "is a victim", "culpable", "guilty", "confirmad", "confirmed"]
    for lang in ("es", "en"):
        lines = describe(CB, screen(CB, sample("intake-adult-woman")), lang)
        assert len(lines) >= 4
        text = json.dumps(lines, ensure_ascii=False).lower() + i18n.t("screening.disclaimer", lang).lower()
        for word in verdicts:
            assert word not in text, (lang, word)
        # reasons are labels, never codes
        assert "sexual_exploitation" not in text


def test_referral_suggestions_come_from_the_codebook(sample):
    boy = sample("intake-unaccompanied-boy")
    assert "senniaf" in suggested_referrals(CB, boy, derive(CB, boy))
    woman = sample("intake-adult-woman")
    s = suggested_referrals(CB, woman, derive(CB, woman))
    assert "inamu" in s and "shelter" in s and "consulate" in s and "pani" not in s


def test_reason_lines_read_well_after_a_question_label():
    """A field whose label is a question is followed by its answer, not by "?:"."""
    from intake_app.codebook import load_codebook
    from intake_app.screening import describe, screen

    cb = load_codebook()
    content = {"tr_acts": ["recruitment"], "tr_means": ["deception"], "tr_purposes": ["forced_labour"]}
    for lang in ("es", "en"):
        lines = [line for _, reasons in describe(cb, screen(cb, content), lang) for line in reasons]
        assert lines and not any("?:" in line for line in lines), lines
        assert any(cb.field("tr_acts").label(lang).endswith("?") and line.startswith(cb.field("tr_acts").label(lang))
                   for line in lines)
