"""A redacted copy is one person's record: never printed for statistics or research.

Before, "reporting" (labelled «Estadísticas no identificables») and "research" printed a full
individual record (age, nationality, post, migration status, trafficking answers) for any
institution, and an NGO's "reporting" copy showed what its "services" copy withheld; the
exchange already sends such purposes aggregate figures only. All data FICTIONAL."""

from __future__ import annotations

import pytest

from intake_app.codebook import load_codebook
from intake_app.codebook.sharing import RECORD_PURPOSES
from intake_app.printing import describe_print_error, prepare, print_summary, render_summary
from intake_app.printing.errors import PrintStatisticsAreAggregates
from intake_app.printing.summary import redacted_purposes

STATS = ("reporting", "research")


def _everyone(sample):
    rec = sample("intake-adult-woman")
    rec.update(consent_purposes=["services", "reporting", "research", "prosecution"],
               consent_recipients=[t.code for t in load_codebook().vocab("consent_recipients").terms])
    return rec


@pytest.mark.parametrize("purpose", STATS)
def test_no_institution_gets_one_persons_copy_for_statistics_or_research(vault, sample, purpose):
    case = vault.save_case(_everyone(sample)).case_id
    for recipient in load_codebook().vocab("institutions").codes:
        with pytest.raises(PrintStatisticsAreAggregates) as info:
            prepare(vault, case, copy="redacted", recipient=recipient, purpose=purpose)
        assert info.value.params["reason"] == "statistics_are_aggregates", recipient


def test_the_refusal_says_why_and_where_the_figures_are_and_is_audited(vault, sample, tmp_path):
    case = vault.save_case(_everyone(sample)).case_id
    out = tmp_path / "copia.pdf"
    with pytest.raises(PrintStatisticsAreAggregates) as info:
        print_summary(vault, case, out, copy="redacted", recipient="ngo", purpose="reporting")
    assert not out.exists()
    es, en = describe_print_error(info.value, "es"), describe_print_error(info.value, "en")
    assert "«Estadísticas no identificables»" in es and "cifras agregadas" in es and "tablero de datos" in es
    assert es.endswith("No se imprimió nada.")
    assert "aggregate figures" in en and "dashboard" in en and "Nothing was printed" in en
    with pytest.raises(PrintStatisticsAreAggregates):
        render_summary(vault, case, copy="redacted", recipient="inamu", purpose="research")
    refused = [(e.detail["recipient"], e.detail["purpose"], e.detail["reason"])
               for e in vault.audit.entries(case_id=case) if e.action == "case_print_refused"]
    assert refused == [("ngo", "reporting", "statistics_are_aggregates"),
                       ("inamu", "research", "statistics_are_aggregates")]
    # the services copy for the same institution is still printed
    assert prepare(vault, case, copy="redacted", recipient="ngo").pdf.startswith(b"%PDF")


def test_the_print_dialog_offers_no_statistics_purpose():
    cb = load_codebook()
    assert [t.code for t in redacted_purposes(cb)] == [c for c in cb.vocab("consent_purposes").codes
                                                        if c in RECORD_PURPOSES]
    assert not {"reporting", "research"} & {t.code for t in redacted_purposes(cb)}
