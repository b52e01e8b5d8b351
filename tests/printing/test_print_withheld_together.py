"""A field that gives away a withheld field is withheld with it.

"Quién decidió la condición" and "Fecha de acreditación / identificación" are recorded only for
some victim statuses (their show_if): printed on the INAMU and IOM copies, which withhold
"Condición de víctima", they told the status anyway. The dependency comes from the codebook's
own show_if, so the print and the exchange (one sharing policy) both withhold them.
All data FICTIONAL."""

from __future__ import annotations

import copy
import logging

import pytest
import yaml

from intake_app.codebook import conditions, load_codebook
from intake_app.codebook.sharing import DISCLOSED_BY_BASIS, parse_profiles, sharing_policy
from intake_app.paths import resource
from intake_app.printing import prepare
from tests.printing.print_helpers import flat, pdf_text

STATUS_FIELDS = ("trafficking_status", "status_decided_by", "accreditation_date")


def _accredited(sample):
    rec = sample("intake-adult-woman")
    rec.update(trafficking_status="actual", status_decided_by="government_non_police",
               accreditation_date="2026-10-09", consent_recipients=["services", "national_authorities", "iom"])
    return rec


@pytest.mark.parametrize("recipient, lang", [("inamu", "es"), ("iom", "es"), ("inamu", "en"), ("health", "es")])
def test_status_details_are_withheld_with_the_status(vault, sample, recipient, lang):
    cb = load_codebook()
    case = vault.save_case(_accredited(sample)).case_id
    text = flat(pdf_text(prepare(vault, case, copy="redacted", recipient=recipient, lang=lang).pdf))
    for key in STATUS_FIELDS:
        assert cb.field(key).label(lang) not in text, (recipient, key)
    for value in ("09/10/2026", cb.vocab("decision_orgs").label("government_non_police", lang)):
        assert value not in text, (recipient, value)
    assert "Yelitza FICTICIA" in text  # the copy itself is printed
    # a profile that shows the status shows its details too (the ERI's own authorities)
    eri = flat(pdf_text(prepare(vault, case, copy="redacted", recipient="dgme", lang=lang).pdf))
    assert all(cb.field(key).label(lang) in eri for key in STATUS_FIELDS)


def test_no_shipped_profile_shows_a_field_whose_condition_it_withholds():
    cb = load_codebook()
    every = {**cb.fields, **cb.derived_fields}
    for profile in sharing_policy(cb).profiles:
        assert not profile.withheld_with & profile.allow, profile.name  # none names such a field in allow
        for key, f in every.items():
            if not (f.show_if and profile.allows(f)):
                continue
            for ref in set(conditions.referenced_fields(f.show_if)) - DISCLOSED_BY_BASIS:
                assert profile.allows(every[ref]), (profile.name, key, ref)


def test_a_profile_naming_such_a_field_in_allow_is_warned_about_and_withholds_it(caplog):
    """A custom codebook's profile that allows such a field by name does not stop every print and
    exchange (a refusal at first use did): a WARNING at load names the fields, and the field is
    withheld anyway."""
    raw = yaml.safe_load(resource("codebook", "codebook-1.0.yaml").read_bytes())["sharing_profiles"]
    changed = copy.deepcopy(raw)
    changed[0]["allow"].append("accreditation_date")  # INAMU's profile withholds the status
    cb = load_codebook()
    with caplog.at_level(logging.WARNING, logger="intake_app.codebook.sharing"):
        profile = parse_profiles(cb, changed)[0]
    assert profile.name == "services/services"
    assert "accreditation_date" in profile.allow and "accreditation_date" in profile.withheld_with
    assert not profile.allows(cb.field("accreditation_date"))
    assert profile.withheld_only_with(cb.field("accreditation_date"))  # a receiving server drops it
    warned = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warned) == 1
    line = warned[0].getMessage()
    assert "perfil de intercambio services/services" in line and "/ sharing profile services/services" in line
    assert line.index("perfil") < line.index("sharing profile")  # Spanish first
    assert line.count("accreditation_date") == 2 and line.count("trafficking_status") == 2
    # the shipped profiles give no warning
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="intake_app.codebook.sharing"):
        parse_profiles(cb, raw)
    assert not caplog.records
