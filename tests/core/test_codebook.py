"""The codebook loads, is complete, and a malformed one fails naming field and problem."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from intake_app.codebook import load_codebook, parse_codebook, validate_record
from intake_app.codebook.loader import available_versions
from intake_app.errors import CodebookError, InvalidRecord
from intake_app.paths import resource

RAW = yaml.safe_load(resource("codebook", "codebook-1.0.yaml").read_text(encoding="utf-8"))


def test_every_field_is_fully_described():
    cb = load_codebook()
    assert cb.version == available_versions()[-1]
    sections = {s.key for s in cb.sections}
    assert {"record", "consent", "identity", "demographics", "trafficking", "smuggling", "status"} <= sections
    for f in list(cb.fields.values()) + list(cb.derived):
        assert f.es and f.en and f.sensitivity in ("direct", "quasi", "sensitive", "none"), f.key
    # consent comes first after the record header, so the form starts with it
    assert [s.key for s in cb.sections][:2] == ["record", "consent"]
    for key in ("given_names", "surnames", "document_number", "birth_date", "narrative", "phone"):
        assert cb.fields[key].sensitivity == "direct"
    assert set(cb.search_fields) >= {"given_names", "surnames", "document_number"}


def test_htcds_values_are_the_standards():
    cb = load_codebook()
    genders = {t.htcds for t in cb.vocab("genders").terms}
    assert genders == {"Feminine", "Masculine", "TransgenderFeminine", "TransgenderMasculine", "NonConforming",
                       "NonSpecifiedUnknown"}
    statuses = {t.htcds for t in cb.vocab("trafficking_statuses").terms}
    assert statuses == {"Possible", "Actual", "NotAVictim"}
    assert cb.fields["gender"].htcds["field"] == "prs_Gender"
    assert cb.vocab("countries").get("CR").es == "Costa Rica"
    assert cb.vocab("countries").get("PA").es == "Panamá"


def _broken(mutate) -> CodebookError:
    doc = copy.deepcopy(RAW)
    mutate(doc)
    with pytest.raises(CodebookError) as exc:
        parse_codebook(doc)
    return exc.value


def _field(doc, key):
    for s in doc["sections"]:
        for f in s["fields"]:
            if f["key"] == key:
                return f
    raise KeyError(key)


@pytest.mark.parametrize("mutate, where, problem", [
    (lambda d: _field(d, "gender").pop("en"), "gender", "missing_label_en"),
    (lambda d: _field(d, "gender").update(type="colour"), "gender", "unknown_type"),
    (lambda d: _field(d, "gender").update(vocabulary="nope"), "gender", "unknown_vocabulary"),
    (lambda d: _field(d, "surnames").update(sensitivity="secret"), "surnames", "missing_or_unknown_sensitivity"),
    (lambda d: _field(d, "phone").update(validation={"pattern": "(["}), "phone", "bad_pattern"),
    (lambda d: _field(d, "phone").update(validation={"shape": 1}), "phone", "unknown_validation_rule_shape"),
    (lambda d: _field(d, "pn_pregnant").update(show_if={"field": "colour", "equals": 1}), "pn_pregnant.show_if",
     "unknown_field_colour"),
    (lambda d: _field(d, "pn_pregnant").update(show_if={"field": "gender", "resembles": 1}), "pn_pregnant.show_if",
     "condition_operator_unknown"),
    (lambda d: d["vocabularies"]["document_types"].append({"code": True, "es": "Sí", "en": "Yes"}),
     "vocabularies.document_types[6]", "code_must_be_a_string"),
    (lambda d: d["vocabularies"]["genders"]["values"][0].pop("htcds"), "vocabularies.genders.female",
     "missing_htcds_value"),
    (lambda d: d["sections"][0]["fields"].append(dict(_field(d, "gender"))), "gender", "duplicate_key"),
    (lambda d: d.pop("version"), "version", "missing"),
])
def test_malformed_codebook_names_field_and_problem(mutate, where, problem):
    err = _broken(mutate)
    assert err.params == {"field": where, "problem": problem}


def test_yaml_syntax_error_names_the_line(tmp_path: Path):
    from intake_app.codebook import load_codebook_file

    bad = tmp_path / "codebook-9.9.yaml"
    bad.write_text("codebook: x\nversion: [1\n", encoding="utf-8")
    with pytest.raises(CodebookError) as exc:
        load_codebook_file(bad)
    assert exc.value.params["problem"] == "yaml_syntax"


# --- validation -------------------------------------------------------------------
def test_samples_are_valid(sample):
    cb = load_codebook()
    for name in ("intake-adult-woman", "intake-unaccompanied-boy", "intake-no-indications"):
        clean = validate_record(cb, sample(name))
        assert clean["given_names"]


def _problems(record) -> set[tuple[str, str]]:
    with pytest.raises(InvalidRecord) as exc:
        validate_record(load_codebook(), record)
    return {(p.field, p.rule) for p in exc.value.problems}


def test_invalid_values_name_field_and_rule(sample):
    rec = sample("intake-adult-woman")
    assert ("gender", "choice_unknown") in _problems({**rec, "gender": "robot"})
    assert ("birth_date", "type_date") in _problems({**rec, "birth_date": "1998-02-30"})
    assert ("birth_date", "not_future") in _problems({**rec, "birth_date": "2999-01-01"})
    assert ("document_number", "pattern") in _problems({**rec, "document_number": "<script>"})
    assert ("given_names", "required") in _problems({k: v for k, v in rec.items() if k != "given_names"})
    assert ("colour", "unknown_field") in _problems({**rec, "colour": "red"})
    assert ("minor", "derived_not_typed") in _problems({**rec, "minor": True})
    # skip logic: an answer to a hidden question is refused
    assert ("legal_basis", "not_applicable") in _problems({**rec, "legal_basis": "vital_interest"})
    # an adult cannot have an accompaniment answer; a child must
    assert ("accompaniment", "not_applicable") in _problems({**rec, "accompaniment": "unaccompanied"})
    child = sample("intake-unaccompanied-boy")
    assert ("accompaniment", "required") in _problems({k: v for k, v in child.items() if k != "accompaniment"})
    # a child cannot consent alone
    assert ("consent_by", "choice_not_allowed_here") in _problems({**child, "consent_by": "self"})
    assert ("referrals[0].outcome", "choice_unknown") in _problems(
        {**rec, "referrals": [{"institution": "pani", "date": "2026-01-01", "outcome": "maybe"}]})


FIELD_VALUES = st.one_of(st.none(), st.booleans(), st.integers(-5, 300), st.text(max_size=30),
                         st.lists(st.text(max_size=8), max_size=3), st.dates().map(str))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(sorted(load_codebook().fields) + ["other"]), FIELD_VALUES, max_size=12))
def test_validation_never_crashes_and_never_accepts_garbage(record):
    """Any input either validates to a record that validates again unchanged, or
    raises InvalidRecord naming known fields and rules."""
    cb = load_codebook()
    try:
        clean = validate_record(cb, record)
    except InvalidRecord as exc:
        assert exc.problems
        for p in exc.problems:
            assert p.field.split("[")[0].split(".")[0] in set(cb.fields) | {"other"} | set(cb.derived_fields)
        return
    assert validate_record(cb, clean) == clean


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_valid_multiselects_are_canonical(data):
    cb = load_codebook()
    base = {"record_date": "2026-01-05", "border_post": "cr_sixaola", "institution": "eri",
            "consent_status": "refused", "given_names": "Prueba FICTICIA", "surnames": "Ejemplo",
            "age_estimate": 30, "gender": "male", "citizenship": "CO", "case_status": "active"}
    codes = cb.vocab("means").codes
    chosen = data.draw(st.lists(st.sampled_from(codes), unique=True, min_size=1))
    clean = validate_record(cb, {**base, "tr_means": chosen})
    assert clean["tr_means"] == [c for c in codes if c in chosen]


def test_a_child_consenting_alone_is_told_why_and_what_to_choose():
    """The general "this option does not apply to this case" said nothing of why: the
    problem now names its value, and consent_by=self has a wording of its own."""
    from intake_app.errors import FieldProblem
    from intake_app.i18n import describe_problem

    problem = FieldProblem("consent_by", "choice_not_allowed_here", {"value": "self"})
    for lang, words in (("es", "no puede consentir sola"), ("en", "cannot consent alone")):
        assert words in describe_problem(problem, lang)
    other = FieldProblem("consent_by", "choice_not_allowed_here", {"value": "guardian"})
    assert "no corresponde a este caso" in describe_problem(other, "es")  # no wording of its own: the general one


def test_a_text_too_long_says_how_long_it_is():
    """A pasted narrative of 78,720 characters was told only "at most 20000": the officer
    could not tell how much to cut. A problem from before (no length) keeps the short words."""
    from intake_app.codebook import load_codebook
    from intake_app.codebook.validate import validate_record
    from intake_app.errors import FieldProblem, InvalidRecord
    from intake_app.i18n import describe_problem

    cb = load_codebook()
    limit = cb.field("narrative").validation["max_length"]
    with pytest.raises(InvalidRecord) as err:
        validate_record(cb, {"narrative": "x" * (limit + 5)})
    [problem] = [p for p in err.value.problems if p.field == "narrative"]
    assert problem.args == {"max": limit, "length": limit + 5}
    assert describe_problem(problem, "es").endswith(f"tiene {limit + 5}.")
    assert describe_problem(problem, "en").endswith(f"it has {limit + 5}.")
    assert "{" not in describe_problem(FieldProblem("narrative", "max_length", {"max": limit}), "es")
