"""Check a record against the codebook: types, vocabularies, required-ness, skip logic
and validation rules. Returns the record in canonical form or raises InvalidRecord
naming each field and rule; nothing is stored from an invalid record."""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Mapping

from ..errors import FieldProblem, InvalidRecord
from . import conditions
from .derive import derive_demographics
from .model import Codebook, Field


def _is_empty(v: Any) -> bool:
    return v is None or v == "" or v == [] or v == {}


def _check_type(cb: Codebook, f: Field, value: Any, where: str, problems: list[FieldProblem]) -> Any:
    """Return the canonical value, or None after adding a problem."""
    t = f.type
    if t in ("text", "longtext"):
        if not isinstance(value, str):
            problems.append(FieldProblem(where, "type_text"))
            return None
        value = value.strip()
        if t == "text":
            value = " ".join(value.split())
        if "\x00" in value:
            problems.append(FieldProblem(where, "type_text"))
            return None
        return value
    if t == "date":
        try:
            if not isinstance(value, str) or len(value) != 10:
                raise ValueError
            date.fromisoformat(value)
        except ValueError:
            problems.append(FieldProblem(where, "type_date"))
            return None
        return value
    if t == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append(FieldProblem(where, "type_integer"))
            return None
        return value
    if t == "boolean":
        if not isinstance(value, bool):
            problems.append(FieldProblem(where, "type_boolean"))
            return None
        return value
    if t == "choice":
        if not isinstance(value, str) or value not in cb.vocab(f):
            problems.append(FieldProblem(where, "choice_unknown"))
            return None
        return value
    if t == "multi":
        vocab = cb.vocab(f)
        if not isinstance(value, list) or not all(isinstance(v, str) and v in vocab for v in value):
            problems.append(FieldProblem(where, "choice_unknown"))
            return None
        if len(set(value)) != len(value):
            problems.append(FieldProblem(where, "choice_repeated"))
            return None
        return sorted(value, key=vocab.order.__getitem__)
    if t == "repeat":
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            problems.append(FieldProblem(where, "type_list"))
            return None
        items = []
        for i, item in enumerate(value):
            items.append(_check_group(cb, f.subfields, item, {}, f"{where}[{i}]", problems))
        return items
    raise AssertionError(t)


def _check_rules(f: Field, value: Any, values: Mapping[str, Any], where: str, today: date,
                 problems: list[FieldProblem]) -> None:
    rules = f.validation
    if not rules:  # nothing below can fire without a rule
        return
    if "max_length" in rules and isinstance(value, str) and len(value) > rules["max_length"]:
        problems.append(FieldProblem(where, "max_length", {"max": rules["max_length"]}))
    if "pattern" in rules and isinstance(value, str) and not re.fullmatch(rules["pattern"], value):
        problems.append(FieldProblem(where, "pattern"))
    if "min" in rules and isinstance(value, int) and value < rules["min"]:
        problems.append(FieldProblem(where, "min", {"min": rules["min"]}))
    if "max" in rules and isinstance(value, int) and value > rules["max"]:
        problems.append(FieldProblem(where, "max", {"max": rules["max"]}))
    if f.type == "date" and isinstance(value, str):
        d = date.fromisoformat(value)
        if rules.get("not_future") and d > today:
            problems.append(FieldProblem(where, "not_future"))
        if "not_before" in rules and d < date.fromisoformat(str(rules["not_before"])):
            problems.append(FieldProblem(where, "not_before", {"date": str(rules["not_before"])}))
    if "max_items" in rules and isinstance(value, list) and len(value) > rules["max_items"]:
        problems.append(FieldProblem(where, "max_items", {"max": rules["max_items"]}))
    allowed = rules.get("allowed_if") or {}
    if isinstance(value, str) and value in allowed and not conditions.evaluate(allowed[value], values):
        problems.append(FieldProblem(where, "choice_not_allowed_here"))


_BY_KEY: dict[int, tuple[Any, dict[str, Field]]] = {}


def _by_key(fields) -> dict[str, Field]:
    """{key: field} of a (read-only) tuple of fields, built once per tuple."""
    hit = _BY_KEY.get(id(fields))
    if hit is None or hit[0] is not fields:
        hit = _BY_KEY[id(fields)] = (fields, {f.key: f for f in fields})  # keeps the tuple alive: ids stay unique
    return hit[1]


def _all_fields(cb: Codebook) -> tuple[Field, ...]:
    hit = _BY_KEY.get(id(cb))
    if hit is None or hit[0] is not cb:
        hit = _BY_KEY[id(cb)] = (cb, tuple(f for s in cb.sections for f in s.fields))  # type: ignore[assignment]
    return hit[1]  # type: ignore[return-value]


def _check_group(cb: Codebook, fields, content: Mapping[str, Any], derived: Mapping[str, Any],
                 prefix: str, problems: list[FieldProblem], today: date | None = None,
                 typed: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """``typed``: values already type-checked by the caller (only unknown keys are left to find)."""
    today = today or date.today()
    by_key = _by_key(fields)
    clean: dict[str, Any] = dict(typed) if typed is not None else {}
    for key, value in content.items():
        if typed is not None and key in by_key:
            continue
        where = f"{prefix}.{key}" if prefix else key
        if key not in by_key:
            problems.append(FieldProblem(where, "unknown_field"))
            continue
        if _is_empty(value):
            continue
        v = _check_type(cb, by_key[key], value, where, problems)
        if v is not None and not _is_empty(v):
            clean[key] = v
    values = {**clean, **derived}
    for f in fields:
        present = f.key in clean
        if not present and f.required is False:
            continue  # an optional question left empty: nothing to check (most fields, most of the time)
        where = f"{prefix}.{f.key}" if prefix else f.key
        visible = f.show_if is None or conditions.evaluate(f.show_if, values)
        if present and not visible:
            problems.append(FieldProblem(where, "not_applicable"))
            continue
        if not present:
            required = f.required if isinstance(f.required, bool) else conditions.evaluate(f.required, values)
            if visible and required:
                problems.append(FieldProblem(where, "required"))
            continue
        if f.validation:
            _check_rules(f, clean[f.key], values, where, today, problems)
    return clean


def validate_record(cb: Codebook, content: Mapping[str, Any], today: date | None = None) -> dict[str, Any]:
    """The record in canonical form (empty answers dropped, multi-selects in vocabulary order)."""
    if not isinstance(content, Mapping):
        raise InvalidRecord([FieldProblem("record", "type_object")])
    problems: list[FieldProblem] = []
    fields = _all_fields(cb)
    # derived values (minor, post_country, ...) take part in skip logic
    # first the form of each value; rules and skip logic only make sense on well-formed answers
    pre: dict[str, Any] = {}
    type_problems: list[FieldProblem] = []
    for k, v in content.items():
        if k in cb.fields and not _is_empty(v):
            typed = _check_type(cb, cb.fields[k], v, k, type_problems)
            if typed is not None:
                pre[k] = typed
    if type_problems:
        raise InvalidRecord(type_problems)
    derived = derive_demographics(cb, pre)
    for k in content:
        if k in cb.derived_fields:
            problems.append(FieldProblem(k, "derived_not_typed"))
    content = {k: v for k, v in content.items() if k not in cb.derived_fields}
    clean = _check_group(cb, fields, content, derived, "", problems, today, typed=pre)
    if problems:
        raise InvalidRecord(problems)
    return clean


def visible_fields(cb: Codebook, content: Mapping[str, Any]) -> set[str]:
    """Keys of the fields a form should show for these answers (live skip logic)."""
    values = {**content, **derive_demographics(cb, content)}
    return {f.key for f in cb.fields.values() if conditions.evaluate(f.show_if, values)}
