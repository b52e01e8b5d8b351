"""A text answer made only of invisible characters (zero-width spaces, direction marks, a
byte-order mark) is refused where an officer types it, the laptop's save and the form, and
named without its value. (The server still takes it from a laptop without the rule:
tests/sync/test_older_laptop_text.py.) Real vault. All data is fictional."""

from __future__ import annotations

import pytest

from intake_app import i18n
from intake_app.codebook import validate_record, validate_typed
from intake_app.codebook.typed import invisible
from intake_app.errors import FieldProblem, InvalidRecord
from tests.conftest import load_sample
from tests.core.test_validate_compiled import CB, _variant

ZWSP, ZWJ, RLM, BOM = "\u200b", "\u200d", "\u200f", "\ufeff"


@pytest.mark.parametrize("text", [ZWSP * 3, f"{ZWSP} {ZWJ}", RLM, BOM + ZWSP, "\u3164", "\u00ad\u2060",
                                  "\u0301", "\ufe0f\U000e0100", "\u180b\u034f", "\u17b4", "\x07\x7f"])
def test_invisible_text_is_named_and_nothing_is_saved(vault, text):
    record = {**load_sample("intake-adult-woman"), "given_names": text}
    assert validate_record(CB, record)  # the codebook 1.0 itself takes it
    with pytest.raises(InvalidRecord) as exc:
        vault.save_case(record)
    assert exc.value.problems == [FieldProblem("given_names", "text_invisible")]
    assert text not in str(exc.value) and text not in repr(exc.value.args)
    assert vault.conn.execute("SELECT count(*) FROM cases").fetchone()[0] == 0


@pytest.mark.parametrize("text", [f"Ficticia{ZWSP}Prueba", f"{RLM}Ficticia", "Ñandú", "a"])
def test_visible_text_with_invisible_marks_is_kept(vault, text):
    record = {**load_sample("intake-adult-woman"), "given_names": text}
    saved = vault.save_case(record)
    assert vault.get_case(saved.case_id).content["given_names"] == text


def test_only_spaces_stay_no_answer():
    assert not invisible("   ") and not invisible("") and invisible(" \u200b ")
    record = {**load_sample("intake-adult-woman"), "other_names": "   "}
    assert "other_names" not in validate_typed(CB, record)


def test_named_beside_the_codebooks_problems_and_inside_repeat_items():
    record = {**load_sample("intake-adult-woman"), "given_names": ZWSP, "record_date": "not a date"}
    with pytest.raises(InvalidRecord) as exc:
        validate_typed(CB, record)
    rules = [(p.field, p.rule) for p in exc.value.problems]
    assert ("record_date", "type_date") in rules and rules[-1] == ("given_names", "text_invisible")

    cb = _variant()  # referrals with a text and a longtext in nested items
    item = {"institution": "pani", "date": "2026-01-05", "outcome": "accepted", "note": RLM,
            "calls": [{"on": "2026-01-06", "says": f"{ZWSP}\n{ZWSP}"}]}
    record = {**load_sample("intake-adult-woman"), "referrals": [item]}
    validate_record(cb, record)
    with pytest.raises(InvalidRecord) as exc:
        validate_typed(cb, record)
    assert [(p.field, p.rule) for p in exc.value.problems] == [
        ("referrals[0].note", "text_invisible"), ("referrals[0].calls[0].says", "text_invisible")]


def test_the_words_are_spanish_first():
    err = InvalidRecord([FieldProblem("given_names", "text_invisible")])
    assert "caracteres invisibles" in i18n.describe_error(err, "es")
    assert "invisible characters" in i18n.describe_error(err, "en")


def test_a_hidden_questions_answer_is_not_named_beside_the_codebooks_problems():
    """With another problem in the record, only the answers the form shows are checked: a
    guardian's name kept while consent is given by the person herself shows under no field."""
    record = {**load_sample("intake-adult-woman"), "consent_by": "self", "guardian_name": ZWSP,
              "record_date": "not a date"}
    with pytest.raises(InvalidRecord) as exc:
        validate_typed(CB, record)
    assert "guardian_name" not in [p.field for p in exc.value.problems]
