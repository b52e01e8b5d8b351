"""The copy for the person: neutral, only their name, the case id and code, the referrals to
services and their rights; verifiable and audited like the other copies."""

from __future__ import annotations

import re

import pytest

from intake_app.printing import PrintError, prepare, print_summary, render_summary, verify_print
from intake_app.printing import errors as pe
from tests.printing.print_helpers import flat, pdf_pages, pdf_text

SCREENING_WORDS = {
    "es": ("trata", "indicio", "víctima", "victima", "tráfico", "explotación", "evaluación", "confidencial"),
    "en": ("traffick", "indication", "indicator", "victim", "smuggl", "exploitation", "screening", "confidential"),
}


@pytest.fixture
def woman(vault, sample):
    rec = sample("intake-adult-woman")  # every indication raised, a narrative, a document number
    rec["referrals"] = [*rec["referrals"], {"institution": "oij", "date": "2026-10-15", "outcome": "pending"},
                        {"institution": "uia", "date": "2026-10-15", "outcome": "pending"}]
    return vault.save_case(rec).case_id


@pytest.mark.parametrize("lang", ["es", "en"])
def test_person_copy_is_neutral_and_shows_only_name_case_referrals_and_rights(vault, woman, lang):
    result = prepare(vault, woman, copy="person", lang=lang)
    text = flat(pdf_text(result.pdf))
    lower = text.lower()
    for word in SCREENING_WORDS[lang]:
        assert word not in lower, word
    for withheld in ("le retuvieron el pasaporte", "Relato", "Account", "FICT-884213", "07/03/1998",
                     "+506 8000 0000", "Venezuela", "Paso Canoas", "oficial.prueba", "ERI", "Femenino", "Female",
                     "OIJ", "UIA", "Instituto Nacional"):
        assert withheld not in text, withheld
    assert "Yelitza FICTICIA Muñoz Ejemplo" in text and woman in text
    assert result.code in text.replace(" ", "") or result.code in text
    assert "INAMU" in text and "14/10/2026" in text
    assert ("Albergue" if lang == "es" else "Shelter") in text
    if lang == "es":
        for expected in ("Constancia de atención", "Copia para la persona", "Sus derechos", "derecho de acceso",
                         "retirar su consentimiento", "DOCUMENTO PERSONAL"):
            assert expected in text, expected
    else:
        for expected in ("Record of assistance", "Copy for the person", "Your rights", "right of access",
                         "withdraw your consent", "PERSONAL DOCUMENT"):
            assert expected in text, expected
    for page in pdf_pages(result.pdf):
        assert woman in page and re.search(r"(Página|Page) \d+ (de|of) \d+", page)


def test_person_copy_without_referrals_says_so(vault, sample):
    rec = sample("intake-adult-woman")
    rec.pop("referrals")
    text = flat(pdf_text(prepare(vault, vault.save_case(rec).case_id, copy="person").pdf))
    assert "Esta copia no anota referencias." in text


def test_person_copy_is_verified_and_audited(vault, woman, tmp_path):
    pdf = render_summary(vault, woman, copy="person", lang="es")
    result = print_summary(vault, woman, tmp_path / "persona.pdf", copy="person", lang="en")
    assert pdf.startswith(b"%PDF") and result.basis is None and result.recipient is None
    check = verify_print(vault, result.code)
    assert (check.case_id, check.copy, check.recipient) == (woman, "person", None)
    official = prepare(vault, woman, copy="official").code
    assert official != result.code and verify_print(vault, official).copy == "official"
    prints = [e.detail for e in vault.audit.entries(case_id=woman) if e.action == "case_print"]
    assert [(d["copy"], d["lang"], d["recipient"], d["purpose"], d["destination"]) for d in prints] == [
        ("person", "es", None, None, "printer"), ("person", "en", None, None, "file")]


def test_person_copy_takes_no_recipient(vault, woman):
    with pytest.raises(pe.PrintRecipientNotForPerson) as info:
        render_summary(vault, woman, copy="person", recipient="inamu")
    assert isinstance(info.value, PrintError)
    assert not [e for e in vault.audit.entries(case_id=woman) if e.action == "case_print"]
