"""The HTCDS export uses only HTCDS 2.0 field names and values, and its research variant
holds k-anonymity (k = 11) on its quasi-identifiers."""

from __future__ import annotations

import csv
import io
import json
import random
import re
from collections import Counter
from datetime import date

import pycountry
import pytest

from intake_app.codebook import derive, load_codebook, validate_record
from intake_app.demo import fictional_intake
from intake_app.server.cli import main
from intake_app.server.exchange.htcds import QUASI_IDENTIFIERS, build_rows, export_htcds, k_anonymize

from .conftest import KEY_PASSPHRASE, PASSWORD, person

# Names and values of IOM's HTCDS 2.0 (UNMigration/HTCDS field reference) that the codebook maps to.
ISO_COUNTRIES = {c.alpha_2 for c in pycountry.countries}
# CTDC's age bands (its public record-level data, column ageBroad; HTCDS has no age-band field).
CTDC_AGE_BANDS = {"0-8": (0, 8), "9-17": (9, 17), "18-20": (18, 20), "21-23": (21, 23), "24-26": (24, 26),
                  "27-29": (27, 29), "30-38": (30, 38), "39-47": (39, 47), "48+": (48, None)}
SINGLE = {
    "prs_Gender": {"Feminine", "Masculine", "TransgenderFeminine", "TransgenderMasculine", "NonConforming",
                   "NonSpecifiedUnknown"},
    "prs_Citizenship": ISO_COUNTRIES,
    "prs_CountryOfBirth": ISO_COUNTRIES,
    "prs_PrimaryLanguage": "iso639",
    "cas_DateOfIdentification": "date",
    "cas_Status": {"Active", "FollowUp", "Closed", "ClosedReferred"},
    "vic_TraffickingStatus": {"Possible", "Actual", "NotAVictim"},
    "vic_TraffickingStatusDecisionMakingOrg": {"Police", "NGO", "CourtOrProsecution",
                                               "NonPoliceGovernmentalOrganization", "Other"},
    "vic_RelationshipToTrafficker": {"Familial", "Acquainted", "Unaquainted"},
    "vic_ForcedLabourIndustry": set("ABCDEFGHIJKLMNOPQRSTU"),
    "hte_RecruitmentCountry": ISO_COUNTRIES,
    "hte_ExploitationCountry": ISO_COUNTRIES,
    "ageBroad": set(CTDC_AGE_BANDS),
    "majorityStatus": {"Minor", "Adult"},
}
MULTI = {
    "vic_TypeOfExploitation": {"ForcedLabour", "SexualExploitation", "ChildLabour", "ForcedMarriage", "Servitude",
                               "ForcedMilitaryByNonStateActors", "OrganRemoval", "ForcedBegging", "ForcedAdoption",
                               "Surrogacy", "Other",
                               "ForcedCriminalActivity"},  # not in HTCDS 2.0's list: UNODC's form, added
    "vic_TypeOfSexExploitation": {"Prostitution", "Pornography", "RemoteInteractiveServices", "PrivateSexualServices"},
    "vic_MethodsOfControl": {"PhysicalThreats", "ThreatsLawEnforcement", "ThreatensChildrenFamily", "DebtBondage",
                             "FalsePromises", "PhysicalAbuse", "SexualAbuse", "TakesEarnings",
                             "RestrictsFinancialAccess", "RestrictsMedicalCare", "WithholdsNecessities",
                             "PsychologicalAbuse", "PsychoactiveSubstance", "ExcessiveWorkingHours",
                             "WithholdsDocuments", "RestrictsMovement", "Other"},
}
CONSENT = {"con_PurposeExplained", "con_DataUse", "con_ResearchUse", "con_RightOfAccess", "con_RetentionPeriod",
           "con_RightToWithdraw"}


def valid(name: str, value: str, *, year_ok: bool = False) -> bool:
    if value == "":
        return True
    allowed = SINGLE[name]
    if allowed == "date":
        return bool(re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value)) or (year_ok and bool(
            re.fullmatch(r"[0-9]{4}", value)))
    if allowed == "iso639":
        return pycountry.languages.get(alpha_2=value) is not None or pycountry.languages.get(alpha_3=value) is not None
    return value in allowed


def check_csv(text: str, *, year_ok: bool = False) -> list[dict]:
    rows = list(csv.DictReader(io.StringIO(text)))
    header = text.splitlines()[0].split(",")
    for col in header:
        if col in SINGLE or col in CONSENT:
            continue
        base = next((b for b in MULTI if col.startswith(b) and col[len(b):] in MULTI[b]), None)
        assert base is not None, f"not an HTCDS column: {col}"
    for row in rows:
        for col, value in row.items():
            if col in SINGLE:
                assert valid(col, value, year_ok=year_ok), (col, value)
            else:
                assert value in ("0", "1"), (col, value)
    return rows


def ctdc_band(content: dict) -> str:
    """The CTDC band of a record's age at its record date, worked out here, not by the codebook."""
    if content.get("birth_date"):
        born, on = date.fromisoformat(content["birth_date"]), date.fromisoformat(content["record_date"])
        age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    elif content.get("age_estimate") is not None:
        age = content["age_estimate"]
    else:
        return ""
    return next(band for band, (lo, hi) in CTDC_AGE_BANDS.items() if lo <= age and (hi is None or age <= hi))


@pytest.fixture
def seeded(make):
    cr = make("cr", "cr_eri")
    cb = load_codebook("1.0")
    rng = random.Random(2026)
    # 150 trafficking cases (flag raised or a status recorded: the export's victim rows) and 30 others,
    # smuggled only or neither, never exported
    victims, others = [], []
    while len(victims) < 150:
        c = validate_record(cb, fictional_intake(rng, cb))
        (victims if derive(cb, c)["flag_trafficking"] or c.get("trafficking_status") else others).append(c)
    contents = victims + others[:30]
    contents.append(person(900, status="refused", legal_basis="legal_obligation"))  # never exported
    cr.laptop().save(contents)
    exportable = [c for c in contents if c.get("consent_status") == "given"
                  and {"reporting", "research"} & set(c.get("consent_purposes", []))
                  and (derive(cb, c)["flag_trafficking"] or c.get("trafficking_status"))]
    return cr, contents, exportable


def test_htcds_export_uses_only_htcds_names_and_values(seeded, tmp_path, capsys):
    cr, contents, exportable = seeded
    data, summary = export_htcds(cr.engine, "csv")
    assert summary["cases"] == len(exportable) < len(contents)
    text = data.decode("utf-8")
    rows = check_csv(text)
    assert len(rows) == len(exportable)
    for c in contents:  # no direct identifier ever
        for key in ("given_names", "surnames", "document_number", "birth_date", "narrative"):
            if c.get(key):
                assert c[key] not in text
    assert Counter(r["prs_Gender"] for r in rows)["Feminine"] == sum(c["gender"] == "female" for c in exportable)
    labour = sum("forced_labour" in c.get("tr_purposes", []) for c in exportable)
    assert sum(r["vic_TypeOfExploitationForcedLabour"] == "1" for r in rows) == labour
    bands = Counter(r["ageBroad"] for r in rows)  # the age band, never the age
    assert bands == Counter(ctdc_band(c) for c in exportable) and len(bands) > 3 and "" not in bands

    # the same through the server's CLI, as JSON
    (tmp_path / "pass.txt").write_text(KEY_PASSPHRASE + "\n")
    (tmp_path / "pw.txt").write_text(PASSWORD + "\n")
    out = tmp_path / "htcds.json"
    assert main(["--home", str(cr.home), "--passphrase-file", str(tmp_path / "pass.txt"), "--lang", "es",
                 "export", "htcds", "--out", str(out)]) == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["standard"] == "HTCDS 2.0" and len(doc["records"]) == len(exportable)
    for rec in doc["records"]:
        for key, value in rec.items():
            if key in MULTI:
                assert set(value) <= MULTI[key]
            elif key in CONSENT:
                assert isinstance(value, bool)
            else:
                assert key in SINGLE and valid(key, value or ""), (key, value)
    assert Counter(rec["ageBroad"] for rec in doc["records"]) == Counter(ctdc_band(c) for c in exportable)
    assert "htcds_export" in cr.audit_actions()
    capsys.readouterr()


def test_k_anonymized_variant_holds_k_11_on_its_quasi_identifiers(seeded):
    cr, _, exportable = seeded
    data, summary = export_htcds(cr.engine, "csv", k=11)
    rows = check_csv(data.decode("utf-8"), year_ok=True)
    assert rows and summary["released"] == len(rows) and summary["cases"] == len(exportable)
    assert "ageBroad" in summary["quasi_identifiers"]
    classes = Counter(tuple(r[q] for q in {*QUASI_IDENTIFIERS, "ageBroad"}) for r in rows)
    assert min(classes.values()) >= 11, classes.most_common()[-3:]
    assert all(len(r["cas_DateOfIdentification"]) in (0, 4) for r in rows)  # generalized to the year
    # suppression is spent only where needed: some values survive (with the age band among the
    # quasi-identifiers, no citizenship survives k = 11 in a sample this small)
    assert any(r["prs_Gender"] for r in rows) and any(r["cas_DateOfIdentification"] for r in rows)


def test_k_anonymize_on_random_tables():
    rng = random.Random(11)
    for _ in range(20):
        n = rng.randint(0, 300)
        rows = [{q: rng.choice(["", "A", "B", "C", "D"][: rng.randint(1, 5)]) for q in QUASI_IDENTIFIERS}
                | {"cas_DateOfIdentification": f"202{rng.randint(0, 6)}-01-01"} for _ in range(n)]
        released, info = k_anonymize(rows, 11)
        sizes = Counter(tuple(r[q] for q in QUASI_IDENTIFIERS) for r in released)
        assert all(v >= 11 for v in sizes.values())
        assert len(released) + info["dropped_records"] == n


def test_codebook_age_bands_are_ctdcs():
    bands = load_codebook("1.0").vocab("age_bands").terms
    assert {t.code: (t.attrs["min"], t.attrs["max"] if t.attrs["max"] < 120 else None) for t in bands} \
        == CTDC_AGE_BANDS


@pytest.mark.parametrize("age, band", [(0, "0-8"), (8, "0-8"), (9, "9-17"), (17, "9-17"), (18, "18-20"),
                                       (23, "21-23"), (29, "27-29"), (30, "30-38"), (47, "39-47"),
                                       (48, "48+"), (95, "48+")])
def test_age_band_column_holds_the_band_at_the_record_date(age, band):
    day = date(2025, 3, 10)
    born = date(day.year - age, day.month, day.day).isoformat()  # the birthday falls on the record date
    older = date(day.year - age - 1, day.month, day.day + 1).isoformat()  # a birthday away from age + 1
    child = {"consent_by": "child_protection", "accompaniment": "accompanied"} if age < 18 else {}
    contents = [person(1, record_date=day.isoformat(), birth_date=born, **child),
                person(2, record_date=day.isoformat(), birth_date=older, **child),
                person(3, record_date=day.isoformat(), birth_date=None, age_estimate=age, **child)]
    cols, rows = build_rows(("1.0", c) for c in contents)
    assert [c.name for c in cols].count("ageBroad") == 1
    assert [r["ageBroad"] for r in rows] == [band, band, band] == [ctdc_band(c) for c in contents]
    flags = {c.name for c in cols if c.kind == "flag"}
    for r in rows:  # never the age or the birth date itself
        values = {str(v) for k, v in r.items() if k not in flags}
        assert str(age) not in values and not ({born, older} - {day.isoformat()}) & values


def test_k_anonymize_groups_on_the_age_band():
    """Records alike but for their age band: the rare bands are blanked (or dropped), never released."""
    same = {"prs_Gender": "Feminine", "prs_Citizenship": "VE", "prs_CountryOfBirth": "VE",
            "prs_PrimaryLanguage": "es", "cas_DateOfIdentification": "2025-01-15", "hte_RecruitmentCountry": "VE",
            "hte_ExploitationCountry": "CR", "vic_TypeOfExploitationForcedLabour": 1}
    rows = [same | {"ageBroad": band} for band in ["18-20"] * 30 + ["48+"] * 6 + ["0-8"] * 6]
    released, info = k_anonymize(rows)
    assert "ageBroad" in info["quasi_identifiers"]
    assert Counter(r["ageBroad"] for r in released) == {"18-20": 30, "": 12}
    assert info["suppressed_values"] == {"ageBroad": 12} and info["dropped_records"] == 0
    released, info = k_anonymize(rows[:33])  # three with a rare band: blanked, still a class of 3, left out
    assert Counter(r["ageBroad"] for r in released) == {"18-20": 30} and info["dropped_records"] == 3


def test_majority_status_comes_with_the_band_and_outlives_it_under_k_11():
    """Minor or Adult (CTDC's majorityStatus) is kept where the band alone would single
    someone out: several rare adult bands together make a class of 11."""
    child = {"consent_by": "child_protection", "accompaniment": "accompanied"}
    cols, rows = build_rows(("1.0", person(i, birth_date=None, age_estimate=age, **(child if age < 18 else {})))
                            for i, age in enumerate((7, 17, 18, 60)))
    assert [r["majorityStatus"] for r in rows] == ["Minor", "Minor", "Adult", "Adult"]
    names = [c.name for c in cols]
    assert names.index("majorityStatus") == names.index("ageBroad") + 1
    same = {"prs_Gender": "Feminine", "prs_Citizenship": "VE", "cas_DateOfIdentification": "2025-01-15"}
    table = [same | {"ageBroad": band, "majorityStatus": "Adult"} for band in ["18-20"] * 30 + ["24-26"] * 6
             + ["30-38"] * 6]
    released, info = k_anonymize(table)
    assert Counter((r["ageBroad"], r["majorityStatus"]) for r in released) == {("18-20", "Adult"): 30,
                                                                               ("", "Adult"): 12}
    assert info["suppressed_values"] == {"ageBroad": 12}
