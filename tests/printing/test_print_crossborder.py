"""Paper crosses the border only on a consent that covers it: an institution of the other country
than the case's post (CR ↔ PA) is ``other_country``, as for the exchange between servers, and
the exchange and the printed copy share one rule (``intake_app.printing.crossborder``)."""

from __future__ import annotations

import pytest

from intake_app.codebook import load_codebook
from intake_app.codebook.sharing import sharing_policy
from intake_app.printing import describe_print_error, prepare, render_summary
from intake_app.printing import errors as pe
from intake_app.codebook.crossborder import sharing_category
from tests.printing.print_helpers import flat, pdf_text


def _boy(sample, recipients) -> dict:
    rec = sample("intake-unaccompanied-boy")  # Lajas Blancas, Darién (Panamá); consent by SENNIAF
    rec["consent_recipients"] = recipients
    return rec


@pytest.mark.parametrize("recipient", ["pani", "inamu"])
def test_a_costa_rican_institution_needs_other_country_consent_at_a_panamanian_post(vault, sample, recipient):
    case = vault.save_case(_boy(sample, ["services"])).case_id  # care institutions only: not the other country
    with pytest.raises(pe.PrintOtherCountryNotCovered) as info:
        render_summary(vault, case, copy="redacted", recipient=recipient)
    err = info.value
    assert isinstance(err, pe.PrintRecipientNotCovered)  # whoever catches the old refusal still does
    assert err.params == {"recipient": recipient, "purpose": "services", "reason": "recipient_not_covered",
                          "country": "CR", "post_country": "PA", "category": "other_country"}
    spanish = describe_print_error(err, "es")
    assert "es una institución de Costa Rica" in spanish and "puesto de Panamá" in spanish
    assert "Autoridades del otro país" in spanish and "No se imprimió nada" in spanish
    english = describe_print_error(err, "en")
    assert "institution of Costa Rica" in english and "post in Panama" in english
    refused = [e.detail for e in vault.audit.entries(case_id=case) if e.action == "case_print_refused"]
    assert [(d["recipient"], d["reason"]) for d in refused] == [(recipient, "recipient_not_covered")]
    assert not [e for e in vault.audit.entries(case_id=case) if e.action == "case_print"]
    # the institution of the post's own country still gets its copy on the same consent
    assert "Copia resumida para: SENNIAF" in flat(pdf_text(prepare(vault, case, copy="redacted", recipient="senniaf").pdf))


def test_a_panamanian_institution_needs_other_country_consent_at_a_costa_rican_post(vault, sample):
    case = vault.save_case(sample("intake-adult-woman")).case_id  # Paso Canoas (CR); no other_country
    for recipient in ("senniaf", "uia", "min_mujer"):
        with pytest.raises(pe.PrintOtherCountryNotCovered):
            prepare(vault, case, copy="redacted", recipient=recipient)
    for recipient in ("pani", "inamu", "shelter", "consulate"):  # Costa Rica, and international
        prepare(vault, case, copy="redacted", recipient=recipient)


def test_with_other_country_consent_the_copy_prints_under_that_category(vault, sample):
    case = vault.save_case(_boy(sample, ["services", "other_country"])).case_id
    text = flat(pdf_text(render_summary(vault, case, copy="redacted", recipient="pani")))
    assert "para compartir con: Autoridades del otro país (Costa Rica / Panamá)" in text
    assert "Copia resumida para: PANI" in text


def test_the_printed_copy_and_the_exchange_use_the_same_rule():
    """Every registry recipient gets the same category from the exchange's Recipient.category_for
    and from the rule the printed copy uses, seen from either country, and the codebook gives
    each institution the country the exchange registry gives it."""
    pytest.importorskip("sqlalchemy")
    from intake_app.server.exchange.registry import load_registry

    cb = load_codebook()
    policy = sharing_policy(cb)
    institutions = cb.vocab("institutions")
    checked = 0
    for rec in load_registry():
        if rec.institution is None:
            continue
        assert institutions.get(rec.institution).attrs["country"] == rec.country, rec.key
        for sender in ("CR", "PA"):
            assert rec.category_for(sender) == sharing_category(policy.category_of, rec.institution, rec.country,
                                                                sender), (rec.key, sender)
            checked += 1
    assert checked > 20
    assert sharing_category(policy.category_of, "pani", "CR", "PA") == "other_country"
    assert sharing_category(policy.category_of, "pani", "CR", "CR") == "services"
    assert sharing_category(policy.category_of, "iom", "INT", "PA") == "iom"
