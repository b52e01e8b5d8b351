"""What the paper says about consent follows what happened: the person's rights, the official
copy's second signature line, the withheld-data notice; and a preview the consent does not cover
leaves no audit entry (only a print or save attempt does). FICTIONAL data."""

from __future__ import annotations

import re

import pytest

from intake_app.printing import prepare, print_summary, render_summary
from intake_app.printing import errors as pe
from tests.printing.print_helpers import between, flat, pdf_text

NO_CONSENT_KEYS = ("consent_by", "consent_purposes", "consent_recipients", "consent_checklist")


def _without_consent(rec: dict, consent_status: str, **extra) -> dict:
    rec = {k: v for k, v in rec.items() if k not in NO_CONSENT_KEYS}
    return {**rec, "consent_status": consent_status, **extra}


def _text(vault, rec: dict, lang: str = "es", **kwargs) -> str:
    return flat(pdf_text(prepare(vault, vault.save_case(rec).case_id, lang=lang, **kwargs).pdf))


@pytest.mark.parametrize("change, expected, lang", [
    ({"consent_status": "refused"}, "No se dio consentimiento para compartir sus datos. Puede darlo más adelante, si así lo decide.",
     "es"),
    ({"consent_status": "refused"}, "Consent to share your data was not given. You can give it later, if you so decide.", "en"),
    ({"consent_status": "not_possible", "legal_basis": "vital_interest"},
     "No fue posible pedir el consentimiento durante la atención. Puede darlo o negarlo más adelante.", "es"),
    ({"consent_status": "not_possible", "legal_basis": "vital_interest"},
     "It was not possible to ask for your consent during the assistance. You can give or refuse it later.", "en"),
])
def test_the_person_is_not_told_to_withdraw_a_consent_never_given(vault, sample, change, expected, lang):
    rec = _without_consent(sample("intake-adult-woman"), **change)
    rights = between(_text(vault, rec, lang, copy="person"), "Sus derechos" if lang == "es" else "Your rights",
                     "Firma" if lang == "es" else "Signature")
    assert expected in rights
    assert not re.search(r"retirar|withdraw", rights)


def test_a_refused_child_is_not_told_to_withdraw_either(vault, sample):
    rec = _without_consent(sample("intake-unaccompanied-boy"), "refused", legal_basis="best_interest_child")
    rights = between(_text(vault, rec, copy="person"), "Sus derechos", "Firma")
    assert "No se dio consentimiento" in rights and "retirar" not in rights


def test_consent_given_can_be_withdrawn_by_whoever_gave_it(vault, sample):
    own = between(_text(vault, sample("intake-adult-woman"), copy="person"), "Sus derechos", "Firma")
    assert "Puede retirar su consentimiento en cualquier momento" in own
    child = between(_text(vault, sample("intake-unaccompanied-boy"), copy="person"), "Sus derechos", "Firma")
    assert "Quien dio el consentimiento por usted puede retirarlo en cualquier momento" in child
    assert "Puede retirar su consentimiento" not in child


def test_the_second_signature_without_consent_says_it_gives_none(vault, sample):
    refused = _text(vault, _without_consent(sample("intake-adult-woman"), "refused"))
    signatures = between(refused, "Firmas", "Página")
    assert "Firma de la persona entrevistada (constancia de la entrevista; no otorga consentimiento)" in signatures
    english = _text(vault, _without_consent(sample("intake-adult-woman"), "refused"), "en")
    assert "(record of the interview; gives no consent)" in between(english, "Signatures", "Page")
    child = _text(vault, _without_consent(sample("intake-unaccompanied-boy"), "refused",
                                          legal_basis="best_interest_child"))
    assert "o de su madre, padre o tutor(a) (constancia de la entrevista; no otorga consentimiento)" in child


def test_no_second_signature_line_when_consent_could_not_be_asked(vault, sample):
    text = _text(vault, _without_consent(sample("intake-adult-woman"), "not_possible", legal_basis="vital_interest"))
    signature = text[text.rindex("Firma de la persona funcionaria") - 200:]
    assert "Firmas" not in signature and "persona entrevistada" not in signature
    assert "Firma Firma de la persona funcionaria" in text  # the one-line heading, "Firma"
    given = _text(vault, sample("intake-adult-woman"))
    assert "Firmas" in given and "Firma de la persona entrevistada" in given


def test_the_withheld_notice_says_some_when_the_copy_shows_some_of_a_kind(vault, sample):
    case = vault.save_case(sample("intake-adult-woman")).case_id
    inamu = flat(pdf_text(prepare(vault, case, copy="redacted", recipient="inamu").pdf))
    assert "Yelitza FICTICIA" in inamu  # a direct identifier shown ...
    assert "no incluyen: algunos identificadores directos;" in inamu  # ... so not "the direct identifiers"
    english = flat(pdf_text(prepare(vault, case, copy="redacted", recipient="inamu", lang="en").pdf))
    assert "do not include: some direct identifiers;" in english
    # none shown: the whole kind left out (no profile for one person's copy leaves out every direct
    # identifier; the statistics profile, never printed for one person, does)
    from intake_app.codebook import load_codebook
    from intake_app.codebook.sharing import sharing_policy
    from intake_app.printing import framing

    cb = load_codebook()
    stats = sharing_policy(cb).profile("national_authorities", "reporting")
    notice = framing.withheld_notice(cb, stats, lambda key: stats.allows(cb.field(key)), "DGME", "es")
    assert "no incluyen: identificadores directos;" in notice


def test_a_refused_preview_leaves_no_audit_entry_a_refused_print_does(vault, sample, tmp_path):
    case = vault.save_case(sample("intake-adult-woman")).case_id  # no consent for IOM

    def refusals():
        return [e.detail["recipient"] for e in vault.audit.entries(case_id=case) if e.action == "case_print_refused"]

    for recipient in ("iom", "unhcr", "ngo"):  # the officer browsing recipients in the preview
        with pytest.raises(pe.PrintRecipientNotCovered):
            prepare(vault, case, copy="redacted", recipient=recipient)
    assert refusals() == []
    with pytest.raises(pe.PrintRecipientNotCovered):
        render_summary(vault, case, copy="redacted", recipient="iom")
    with pytest.raises(pe.PrintRecipientNotCovered):
        print_summary(vault, case, tmp_path / "x.pdf", copy="redacted", recipient="ngo")
    assert refusals() == ["iom", "ngo"] and not (tmp_path / "x.pdf").exists()
