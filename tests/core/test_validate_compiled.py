"""validate_record compiled once per codebook gives exactly what reading the codebook for every
record gave: the same canonical record (values, types, key order) or the same problems in the
same order. The oracle is the pre-compilation interpreter, frozen below, with one fix made
since in both: an answer of only spaces is no answer at the top level too (as it already
was inside repeat items), not a kept "" that then failed its pattern. The oracle lives in
validate_reference.py."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any, Callable, Mapping

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from intake_app.codebook import conditions, load_codebook, validate_record, visible_fields
from intake_app.codebook.derive import derive_demographics
from intake_app.codebook.model import Codebook, Field
from intake_app.demo import fictional_intake
from intake_app.errors import InvalidRecord
from tests.core.validate_reference import (  # the frozen pre-compilation interpreter: the oracle
    ref_derive_demographics, ref_evaluate, ref_validate_record, ref_visible_fields,
)

CB = load_codebook("1.0")


def _variant() -> Codebook:
    """Codebook 1.0 with repeat items that use more of the language: text, integer and multi
    answers, skip logic and conditional required-ness inside an item, and a repeat in a repeat."""
    import copy

    import yaml

    from intake_app.codebook import parse_codebook
    from intake_app.paths import resource

    doc = copy.deepcopy(yaml.safe_load(resource("codebook", "codebook-1.0.yaml").read_text(encoding="utf-8")))
    referrals = next(f for s in doc["sections"] for f in s["fields"] if f["key"] == "referrals")
    labels = {"es": "Prueba", "en": "Test", "sensitivity": "none"}
    referrals["fields"] += [
        {"key": "note", "type": "text", **labels, "validation": {"max_length": 12},
         "show_if": {"field": "outcome", "in": ["accepted", "completed"]}},
        {"key": "visits", "type": "integer", **labels, "validation": {"min": 1, "max": 3},
         "required": {"field": "outcome", "equals": "completed"}},
        {"key": "steps", "type": "multi", "vocabulary": "referral_outcomes", **labels,
         "show_if": {"not": {"field": "note", "empty": True}}},
        {"key": "calls", "type": "repeat", **labels, "validation": {"max_items": 2}, "fields": [
            {"key": "on", "type": "date", **labels, "required": True, "validation": {"not_future": True}},
            {"key": "says", "type": "longtext", **labels}]},
    ]
    return parse_codebook(doc)


CODEBOOKS = [CB, _variant()]


def outcome(fn: Callable[..., Any], *args: Any) -> str:
    """What a call gives, spelled so that key order, True vs 1, and problem order all count."""
    try:
        return "ok " + repr(fn(*args))
    except InvalidRecord as exc:
        return "invalid " + repr([(p.field, p.rule, p.args) for p in exc.problems])
    except Exception as exc:  # any other failure must be the same failure
        return f"error {type(exc).__name__}: {exc}"


class Chooser:
    """The few random choices the record mutator makes: from hypothesis, or from a seeded Random."""

    def __init__(self, pick: Callable[[list], Any], number: Callable[[int, int], int]) -> None:
        self.pick, self.number = pick, number

    def chance(self, one_in: int) -> bool:
        return self.number(1, one_in) == 1


JUNK = [None, "", " ", "\t\n", [], {}, 0, -1, 1.5, True, False, "x", "zz", ["x"], [1], [[]], [None],
        {"a": 1}, "\x00", "a\x00b", "\ud800", "Ana\udfff", "2024-13-01", "20240101", "2024-W01-1", "2024-02-30", 10 ** 20]
WHITESPACE = [" ", "  ", "\t", "\n", "\u00a0", "\u2003", "\r\n"]


def a_date(c: Chooser, today: date) -> str:
    kind = c.number(0, 5)
    if kind == 0:
        return (today + timedelta(days=c.number(1, 400))).isoformat()  # future
    if kind == 1:
        return c.pick(["1899-12-31", "1900-01-01", "1999-12-31", "2000-01-01"])
    if kind == 2:
        return c.pick(["2024-W01-1", "2024-02-30", "24-01-01", "2024-1-1", "2024-01-01T00:00"])
    return (today - timedelta(days=c.number(0, 40000))).isoformat()


def a_text(c: Chooser, f: Field) -> str:
    words = [c.pick(["Ana", "DEMO", "Pérez", "de la", "x", "A1-B2", "+506 8888 0000", "DEMO-1234"])
             for _ in range(c.number(0, 4))]
    text = "".join(w + c.pick(WHITESPACE + [" "] * 6) for w in words)
    if c.chance(3):
        text = c.pick(WHITESPACE) + text + c.pick(WHITESPACE)
    if c.chance(8):
        text = "N" * (int(f.validation.get("max_length", 120)) + c.number(-1, 1))
    if c.chance(12):
        text += "\x00"
    if c.chance(12):
        text += "\udc80"  # a lone surrogate (JSON can carry one: "\udc80")
    return text


def a_value(c: Chooser, cb: Codebook, f: Field, today: date) -> Any:
    if c.chance(6):
        return c.pick(JUNK)
    t = f.type
    if t in ("text", "longtext"):
        return a_text(c, f)
    if t == "date":
        return a_date(c, today)
    if t == "integer":
        return c.pick([c.number(-3, 125), c.pick([-1, 0, 120, 121, 10 ** 6]), True, "12", 12.0])
    if t == "boolean":
        return c.pick([True, False, 1, 0, "true"])
    if t == "repeat":
        if c.chance(12):  # too many items, each well formed
            item = {s.key: a_plain_value(cb, s, today) for s in f.subfields}
            return [dict(item) for _ in range(int(f.validation.get("max_items", 40)) + c.number(0, 1))]
        return [an_item(c, cb, f, today) for _ in range(c.number(0, 3))]
    codes = cb.vocab(f).codes
    if t == "choice":
        return c.pick(codes) if not c.chance(5) else c.pick(["unknown_code", 7, ["x"]])
    assert t == "multi", t
    chosen = [c.pick(codes) for _ in range(c.number(0, 5))]
    if c.chance(5):
        chosen.append(c.pick(["unknown_code", 3, None]))
    return chosen


def a_plain_value(cb: Codebook, f: Field, today: date) -> Any:
    plain = {"text": "ok", "longtext": "ok", "date": today.isoformat(), "integer": 1, "boolean": True, "repeat": []}
    if f.type in plain:
        return plain[f.type]
    code = cb.vocab(f).codes[0]
    return code if f.type == "choice" else [code]


def an_item(c: Chooser, cb: Codebook, f: Field, today: date) -> Any:
    if c.chance(15):
        return c.pick(["not an item", None, ["x"]])
    item = {s.key: a_value(c, cb, s, today) for s in f.subfields if not c.chance(6)}
    if c.chance(10):
        item["unknown_subfield"] = "x"
    return item


def a_record(c: Chooser, cb: Codebook, today: date) -> Any:
    """A fictional demo intake, mutated a few times."""
    record = fictional_intake(random.Random(c.number(0, 10 ** 6)), cb, today - timedelta(days=c.number(0, 3)))
    if c.chance(40):
        return c.pick([[], "record", None, 3])
    keys = sorted(cb.fields)
    for _ in range(c.number(0, 6)):
        action = c.number(0, 9)
        if action <= 1 and record:
            del record[c.pick(sorted(record))]
        elif action <= 5:
            key = c.pick(keys)
            record[key] = a_value(c, cb, cb.fields[key], today)
        elif action == 6:
            record[c.pick(sorted(cb.derived_fields))] = c.pick([True, 3, "adult", None])
        elif action == 7:
            record[c.pick(["unknown_key", "referrals.date", "Given_Names", ""])] = c.pick(JUNK)
        elif action == 8:
            key = c.pick(keys)
            record[key] = c.pick(["", None, [], {}, " "])
            if c.chance(2):  # an age instead of a birth date: its own skip logic and bounds
                record.pop("birth_date", None)
                record["age_estimate"] = c.pick([-1, 0, 12, 17, 18, 120, 121, 300])
        else:  # the same answers in another order: output key order follows the input
            items = list(record.items())
            record = dict(items[len(items) // 2:] + items[: len(items) // 2])
    return record


def hypothesis_chooser(data: st.DataObject) -> Chooser:
    return Chooser(lambda seq: data.draw(st.sampled_from(seq)), lambda lo, hi: data.draw(st.integers(lo, hi)))


def random_chooser(seed: int) -> Chooser:
    rng = random.Random(seed)
    return Chooser(rng.choice, rng.randint)


def shares_a_mutable(clean: Any, content: Any) -> bool:
    """Whether a canonical record hands back one of the caller's own lists or dicts."""
    if isinstance(clean, (list, dict)) and clean is content:
        return True
    if isinstance(clean, dict) and isinstance(content, dict):
        return any(shares_a_mutable(v, content.get(k)) for k, v in clean.items())
    if isinstance(clean, list) and isinstance(content, list):
        return any(shares_a_mutable(v, w) for v, w in zip(clean, content))
    return False


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data())
def test_compiled_validation_matches_the_interpreter(data):
    c = hypothesis_chooser(data)
    cb = c.pick(CODEBOOKS)
    today = date(2026, 1, 15) + timedelta(days=c.number(-4000, 400))
    record = a_record(c, cb, today)
    check_today = c.pick([None, today, date.today()])
    got = outcome(validate_record, cb, record, check_today)
    assert got == outcome(ref_validate_record, cb, record, check_today)
    if got.startswith("ok "):
        assert not shares_a_mutable(validate_record(cb, record, check_today), record)
    if isinstance(record, dict):
        assert outcome(derive_demographics, cb, record) == outcome(ref_derive_demographics, cb, record)
        assert outcome(visible_fields, cb, record) == outcome(ref_visible_fields, cb, record)


def test_the_mutated_records_reach_every_rule_and_match():
    """The generator is no good if it never breaks a rule: every problem code shows up
    (and every outcome matches the oracle here too, on a fixed seed)."""
    seen: set[str] = set()
    valid = 0
    for seed in range(3000):
        c = random_chooser(seed)
        cb = CODEBOOKS[seed % 2]
        today = date(2026, 1, 15) + timedelta(days=c.number(-4000, 400))
        record = a_record(c, cb, today)
        got = outcome(validate_record, cb, record, today)
        assert got == outcome(ref_validate_record, cb, record, today), seed
        valid += got.startswith("ok ")
        try:
            validate_record(cb, record, today)
        except InvalidRecord as exc:
            seen |= {f"{p.rule}{' in an item' if '[' in str(p.field) else ''}" for p in exc.problems}
    everywhere = {"type_text", "type_date", "type_integer", "type_list", "choice_unknown", "choice_repeated",
                  "unknown_field", "required", "not_applicable", "max_length", "min", "max", "not_future",
                  "not_before", "max_items"}
    assert seen == everywhere | {f"{rule} in an item" for rule in everywhere} | {
        "type_object", "type_boolean", "derived_not_typed", "pattern", "choice_not_allowed_here"}
    assert 300 < valid < 2700, valid  # plenty of both outcomes


def test_demo_records_raw_and_canonical_match():
    today = date(2026, 1, 15)
    rng = random.Random(7)
    for _ in range(300):
        raw = fictional_intake(rng, CB, today)
        assert outcome(validate_record, CB, raw, today) == outcome(ref_validate_record, CB, raw, today)
        clean = validate_record(CB, raw, today)
        assert outcome(validate_record, CB, clean, today) == outcome(ref_validate_record, CB, clean, today)


CONDITION_VALUES = [None, "", "a", "b", "given", [], ["a"], ["a", "b"], {}, {"a": 1}, 0, 1, 5, 1.5, True, False]
LEAVES = st.builds(
    lambda field, op, operand: {"field": field, op: operand},
    st.sampled_from(["f", "g"]),
    st.sampled_from(["equals", "in", "includes", "includes_any", "empty", "lt", "le", "gt", "ge"]),
    st.sampled_from([None, "a", "given", 1, 5, True, False, 0, ["a", "b"], ["x"], []]))
CONDITIONS = st.recursive(LEAVES, lambda inner: st.one_of(
    st.builds(lambda cs: {"all": cs}, st.lists(inner, min_size=1, max_size=3)),
    st.builds(lambda cs: {"any": cs}, st.lists(inner, min_size=1, max_size=3)),
    st.builds(lambda c: {"not": c}, inner)), max_leaves=6)


@settings(max_examples=1000, deadline=None)
@given(CONDITIONS, st.dictionaries(st.sampled_from(["f", "g", "h"]), st.sampled_from(CONDITION_VALUES)))
def test_compiled_conditions_match_the_interpreter(cond, values):
    assert outcome(conditions.evaluate, cond, values) == outcome(ref_evaluate, cond, values)
    assert outcome(conditions.compile_condition(cond), values) == outcome(ref_evaluate, cond, values)


@pytest.mark.parametrize("cond", [
    {"any": [{"field": "f", "equals": "a"}, {"equals": 1}]},   # no field: fails only when reached
    {"all": [{"field": "f", "equals": "zz"}, "not a condition"]},
    {"field": ["unhashable"], "equals": 1},
    {"field": "f", "in": "abc"},
    {"field": "f"},
    {"all": 5},
    {},
])
@pytest.mark.parametrize("values", [{}, {"f": "a"}, {"f": ["a"]}, {"f": 3}])
def test_malformed_conditions_fail_where_they_always_did(cond, values):
    assert outcome(conditions.evaluate, cond, values) == outcome(ref_evaluate, cond, values)


def test_a_codebook_is_compiled_once_and_forgotten_with_it():
    import gc

    import yaml

    from intake_app.codebook import parse_codebook
    from intake_app.codebook.compiled import _COMPILED, compiled
    from intake_app.paths import resource

    cb = parse_codebook(yaml.safe_load(resource("codebook", "codebook-1.0.yaml").read_text(encoding="utf-8")))
    assert compiled(cb) is compiled(cb)
    assert compiled(cb) is not compiled(CB)
    held = len(_COMPILED)
    del cb
    gc.collect()
    assert len(_COMPILED) == held - 1


def test_an_answer_of_only_spaces_is_no_answer():
    """At the top level as inside repeat items: dropped, so a required one is "required"
    and a pattern never sees it."""
    base = validate_record(CB, fictional_intake(random.Random(4), CB))
    blank = dict(base, other_names="   ", document_number=" \t ")
    assert validate_record(CB, blank) == {k: v for k, v in base.items() if k not in ("other_names", "document_number")}
    with pytest.raises(InvalidRecord) as exc:
        validate_record(CB, dict(base, given_names="   "))
    assert [(p.field, p.rule) for p in exc.value.problems] == [("given_names", "required")]
