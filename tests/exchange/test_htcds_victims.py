"""The HTCDS export holds victim rows only: a person with the possible-trafficking indication, or
with a trafficking status the ERI / UIA recorded (NotAVictim included); never a person only
smuggled, or with neither indication. And its names and values are the standard's
(cas_Status, ISO 639-3 gym for Ngäbere, ForcedCriminalActivity)."""

from __future__ import annotations

import csv
import io

from intake_app.server.exchange.htcds import export_htcds

from .conftest import person

NO_TRAFFICKING = {"tr_acts": None, "tr_means": None, "tr_purposes": None, "tr_labour_industry": None,
                  "tr_control_methods": None, "tr_relationship": None, "tr_recruitment_country": None,
                  "tr_exploitation_country": None}


def test_only_trafficking_cases_are_exported_as_victims(make):
    cr = make("cr", "cr_eri")
    flagged = person(1, primary_language="ngb", tr_purposes=["forced_criminal_activity"], tr_labour_industry=None,
                     case_status="follow_up")
    smuggled_only = person(2, **NO_TRAFFICKING, sm_irregular_entry=True, sm_paid_facilitator=True)
    neither = person(3, **NO_TRAFFICKING)
    decided_not = person(4, **NO_TRAFFICKING, trafficking_status="not_a_victim",
                         status_decided_by="government_non_police")
    preliminary = person(5, **NO_TRAFFICKING, trafficking_status="possible")
    cr.laptop().save([flagged, smuggled_only, neither, decided_not, preliminary])

    data, summary = export_htcds(cr.engine, "csv")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    assert summary["cases"] == len(rows) == 3
    assert sorted(r["vic_TraffickingStatus"] for r in rows) == ["", "NotAVictim", "Possible"]
    assert [r["vic_TraffickingStatusDecisionMakingOrg"] for r in rows if r["vic_TraffickingStatus"] == "NotAVictim"] \
        == ["NonPoliceGovernmentalOrganization"]
    mine = next(r for r in rows if r["vic_TraffickingStatus"] == "")  # the flagged one, no status yet
    assert mine["prs_PrimaryLanguage"] == "gym"
    assert mine["vic_TypeOfExploitationForcedCriminalActivity"] == "1" and mine["vic_TypeOfExploitationOther"] == "0"
    assert mine["cas_Status"] == "FollowUp" and "cas_CaseStatus" not in mine
    # the institution's own export applies the same rule
    assert export_htcds(cr.engine, "csv", institution="eri")[1]["cases"] == 3
