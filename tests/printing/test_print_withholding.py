"""What a redacted copy leaves out must not show through: no count of withheld indications, no
partial reasons that mislead, no page-header line the profile withholds, never an officer's
user name."""

from __future__ import annotations

import re

import pytest

from intake_app.printing import PrintRefused, prepare, render_summary
from tests.printing.print_helpers import between, flat, pdf_text

SCREENING_ES, SIGNATURES_ES = "Indicios de la evaluación inicial", "Firmas"


def _text(vault, case_id, **kwargs) -> str:
    return flat(pdf_text(render_summary(vault, case_id, **kwargs)))


def _no_screening_answers(rec: dict) -> dict:
    """The FICTIONAL record without any answer that raises an indication."""
    return {k: v for k, v in rec.items() if not k.startswith(("tr_", "sm_", "pn_")) and k != "narrative"}


def test_notice_and_screening_section_do_not_depend_on_the_indications(vault, sample):
    woman = sample("intake-adult-woman")  # trafficking, smuggling, aggravated smuggling, urgent, ILO
    plain = _no_screening_answers(woman)  # no indication at all
    smuggled = {**plain, "sm_irregular_entry": True, "sm_paid_facilitator": True, "sm_life_endangered": True}
    ids = [vault.save_case(r).case_id for r in (woman, plain, smuggled)]
    for recipient in ("shelter", "inamu", "dgme"):
        summaries = [prepare(vault, case, copy="redacted", recipient=recipient) for case in ids]
        texts = [flat(pdf_text(s.pdf)) for s in summaries]
        notices = {between(t, "Esta copia", "los conserva") for t in texts}
        assert len(notices) == 1, (recipient, notices)  # one wording, whatever was raised
        for t in texts:
            assert not re.search(r"(indicaciones|indicios) de la evaluación: \d", t), recipient
    # INAMU sees the trafficking and urgent indications, not smuggling: a case with only smuggling
    # raised prints the same screening section as a case with nothing raised
    plain_inamu, smuggled_inamu = (_text(vault, case, copy="redacted", recipient="inamu") for case in ids[1:])
    section = between(plain_inamu, SCREENING_ES, SIGNATURES_ES)
    assert section == between(smuggled_inamu, SCREENING_ES, SIGNATURES_ES)
    assert "tráfico" not in section


def test_an_indication_with_a_withheld_reason_prints_none_of_its_reasons(vault, sample):
    rec = sample("intake-adult-woman")
    rec["consent_recipients"] = [*rec["consent_recipients"], "iom"]
    case = vault.save_case(rec).case_id
    iom = between(_text(vault, case, copy="redacted", recipient="iom"), SCREENING_ES, SIGNATURES_ES)
    assert "Hay indicios de tráfico ilícito de migrantes" in iom  # the profile shows this indication
    assert "Persona extranjera: Sí" not in iom  # ... but not its other reasons (irregular entry, payment)
    assert "Motivos omitidos en esta copia; constan en la copia oficial." in iom
    english = _text(vault, case, copy="redacted", recipient="iom", lang="en")
    assert "Reasons withheld from this copy; they are in the official copy." in english
    official = between(_text(vault, case), SCREENING_ES, SIGNATURES_ES)
    assert "Persona extranjera: Sí" in official and "Motivos omitidos" not in official
    # a child: the child-protection copy shows the trafficking indication, never "child: yes" alone
    child = {**_no_screening_answers(sample("intake-unaccompanied-boy")), "tr_acts": ["recruitment"],
             "tr_purposes": ["forced_begging"]}
    boy = vault.save_case(child).case_id
    pani = between(_text(vault, boy, copy="redacted", recipient="senniaf"), SCREENING_ES, SIGNATURES_ES)
    assert "Hay indicios de posible trata" in pani
    assert "Persona menor de edad: Sí" not in pani and "Motivos omitidos en esta copia" in pani


def test_page_header_of_a_redacted_copy_follows_the_profile_and_names_no_officer(vault, cases):
    case = cases["intake-adult-woman"]  # ERI, Paso Canoas (CR), recorded by oficial.prueba
    official = _text(vault, case)
    for expected in ("oficial.prueba", "Registró esta revisión", "Puesto Paso Canoas (CR)", "guardada el"):
        assert expected in official, expected
    shelter = _text(vault, case, copy="redacted", recipient="shelter")  # no post, no dates, no institution
    for withheld in ("oficial.prueba", "Paso Canoas", "guardada el", "Registró esta revisión", "Imprime",
                     "Institución que registra"):
        assert withheld not in shelter, withheld
    inamu = _text(vault, case, copy="redacted", recipient="inamu")  # keeps post, date and institution
    assert "Puesto Paso Canoas (CR)" in inamu and "guardada el" in inamu
    assert "Institución que registra ERI – Equipo de Respuesta Inmediata (CONATT)" in inamu
    assert "oficial.prueba" not in inamu and "Registró esta revisión" not in inamu
    # statistics never get one person's copy (docs/printing.md): the dashboard's figures instead
    with pytest.raises(PrintRefused):
        _text(vault, case, copy="redacted", recipient="dgme", purpose="reporting")


def test_official_copy_lists_missing_elements_redacted_copies_do_not(vault, sample):
    rec = {**_no_screening_answers(sample("intake-adult-woman")), "tr_acts": ["recruitment"],
           "tr_purposes": ["forced_labour"], "tr_labour_industry": "a"}  # no means: not an indication
    case = vault.save_case(rec).case_id
    official = between(_text(vault, case), SCREENING_ES, SIGNATURES_ES)
    assert "Para valorar con la persona" in official and "Trata (incompleto)" in official
    assert "Sin indicios con las respuestas registradas." in official
    for recipient in ("inamu", "dgme"):
        redacted = _text(vault, case, copy="redacted", recipient=recipient)
        assert "Para valorar con la persona" not in redacted and "incompleto" not in redacted, recipient
