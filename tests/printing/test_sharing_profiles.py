"""The sharing profiles in the codebook are checked: a malformed one names itself and its problem."""

from __future__ import annotations

import copy

import pytest
import yaml

from intake_app.codebook import load_codebook
from intake_app.codebook.sharing import parse_profiles, sharing_policy
from intake_app.errors import CodebookError
from intake_app.paths import resource


def _raw():
    doc = yaml.safe_load(resource("codebook", "codebook-1.0.yaml").read_bytes())
    return doc["sharing_profiles"]


def test_shipped_profiles_load_and_cover_every_category_for_services():
    cb = load_codebook()
    policy = sharing_policy(cb)
    for term in cb.vocab("consent_recipients").terms:
        assert policy.profile(term.code, "services") is not None, term.code
    for inst in cb.vocab("institutions").codes:
        assert policy.category_of(inst) is not None, inst
    shelter = policy.profile("services", "services", "shelter")
    assert shelter.institution == "shelter"
    assert not shelter.allows(cb.field("narrative")) and shelter.allows(cb.field("given_names"))
    assert policy.profile("services", "services", "pani").institution is None  # the category's general one


@pytest.mark.parametrize("change, where, problem", [
    (lambda p: p[0].update(recipient="everyone"), "everyone/services", "unknown_recipient_everyone"),
    (lambda p: p[0].update(purpose="marketing"), "services/marketing", "unknown_purpose"),
    (lambda p: p[0].update(classes=["secret"]), "services/services", "unknown_sensitivity_class"),
    (lambda p: p[0]["allow"].append("shoe_size"), "services/services", "allow_unknown_field_shoe_size"),
    (lambda p: p[0]["deny"].append("given_names"), "services/services", "allowed_and_denied_given_names"),
    (lambda p: p.append(copy.deepcopy(p[0])), "services/services", "duplicate_profile"),
    (lambda p: p[1].update(institution="uia"), "services/services", "institution_not_in_category_uia"),
    (lambda p: p[0]["without_consent"][0].update(legal_basis="convenience"), "services/services",
     "without_consent_0_unknown_legal_basis"),
    (lambda p: p[0].update(refuse_if={"field": "nowhere", "equals": 1}), "services/services",
     "refuse_if_unknown_field_nowhere"),
    (lambda p: p[0].update(colour="red"), "services/services", "unknown_attribute_colour"),
])
def test_malformed_profiles_fail_naming_the_profile(change, where, problem):
    raw = _raw()
    change(raw)
    with pytest.raises(CodebookError) as info:
        parse_profiles(load_codebook(), raw)
    assert info.value.params == {"field": f"sharing_profiles.{where}", "problem": problem}
