"""Known fictional data for the dashboard tests (every person is fictional: DEMO)."""

from __future__ import annotations

from .conftest import people

TRAFFICKED = dict(tr_acts=["recruitment"], tr_means=["deception"], tr_purposes=["sexual_exploitation"],
                  tr_control_methods=["debt_bondage", "withholds_documents"], tr_relationship="acquainted",
                  tr_exploitation_country="CR", trafficking_status="actual", status_decided_by="government_non_police",
                  accreditation_date="2026-02-15",
                  referrals=[{"institution": "inamu", "date": "2026-02-11", "outcome": "accepted"}])
SMUGGLED = dict(sm_irregular_entry=True, sm_paid_facilitator=True)


def known() -> list[dict]:
    """67 persons in 2026-Q1: 30 women (12 of them accredited victims of sexual exploitation),
    20 men (15 smuggled, 4 of them with aggravating circumstances), 5 girls, 12 boys."""
    return (people(18, "woman", nat="VE", post="cr_paso_canoas")
            + people(12, "woman", nat="VE", post="cr_paso_canoas", **TRAFFICKED)
            + people(5, "man", nat="CO", post="cr_penas_blancas")
            + people(11, "man", nat="CO", post="cr_penas_blancas", **SMUGGLED)
            + people(4, "man", nat="CO", post="cr_penas_blancas", **SMUGGLED, sm_life_endangered=True)
            + people(5, "girl", nat="VE", post="pa_paso_canoas")
            + people(12, "boy", nat="HT", post="pa_darien_lajas_blancas"))
