"""The pre-compilation validation interpreter, frozen as the oracle of
test_validate_compiled.py (a helper module, not a test file)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Mapping

from intake_app.codebook.derive import age_on, parse_date
from intake_app.codebook.model import Codebook, Field
from intake_app.errors import FieldProblem, InvalidRecord


# ---------------------------------------------------------------------------------------------
# REFERENCE ONLY - the pre-compilation interpreter (intake_app/codebook/validate.py,
# conditions.evaluate and derive.derive_demographics as of commit 8d30bea), kept verbatim as a
# test oracle and never used by the application. Only its per-id lookup caches are left out.
# Do not "fix" it: it defines the results the compiled form must reproduce.
# ---------------------------------------------------------------------------------------------

def ref_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def ref_evaluate(cond: Mapping[str, Any] | None, values: Mapping[str, Any]) -> bool:
    if cond is None:
        return True
    if "all" in cond:
        return all(ref_evaluate(c, values) for c in cond["all"])
    if "any" in cond:
        return any(ref_evaluate(c, values) for c in cond["any"])
    if "not" in cond:
        return not ref_evaluate(cond["not"], values)
    value = values.get(cond["field"])
    if "empty" in cond:
        return ref_empty(value) == bool(cond["empty"])
    if ref_empty(value):
        return False
    if "equals" in cond:
        return value == cond["equals"]
    if "in" in cond:
        return value in cond["in"]
    if "includes" in cond:
        return isinstance(value, list) and cond["includes"] in value
    if "includes_any" in cond:
        return isinstance(value, list) and any(v in value for v in cond["includes_any"])
    try:
        if "lt" in cond:
            return value < cond["lt"]
        if "le" in cond:
            return value <= cond["le"]
        if "gt" in cond:
            return value > cond["gt"]
        if "ge" in cond:
            return value >= cond["ge"]
    except TypeError:
        return False
    return False


def ref_derive_demographics(cb: Codebook, content: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    birth = parse_date(content.get("birth_date"))
    recorded = parse_date(content.get("record_date")) or date.today()
    age = None
    if birth is not None:
        age = age_on(birth, recorded)
    elif isinstance(content.get("age_estimate"), int) and not isinstance(content.get("age_estimate"), bool):
        age = content["age_estimate"]
    if age is not None and age >= 0:
        out["age_years"] = age
        out["minor"] = age < 18
        for term in cb.vocab("age_bands").terms:
            if term.attrs["min"] <= age <= term.attrs["max"]:
                out["age_band"] = term.code
                break
    gender = content.get("gender")
    minor = out.get("minor")
    if gender in ("female", "trans_female") and minor is not None:
        out["sex_age_group"] = "girl" if minor else "woman"
    elif gender in ("male", "trans_male") and minor is not None:
        out["sex_age_group"] = "boy" if minor else "man"
    elif gender is not None:
        out["sex_age_group"] = "other_unknown"
    post = cb.vocab("border_posts").get(content.get("border_post") or "")
    if post is not None:
        out["post_country"] = post.attrs["country"]
        if content.get("citizenship"):
            out["foreign_national"] = content["citizenship"] != post.attrs["country"]
    exploitation = content.get("tr_exploitation_country")
    if exploitation and content.get("citizenship"):
        out["cross_border"] = exploitation != content["citizenship"]
    if minor:
        out["unaccompanied_minor"] = content.get("accompaniment") in ("unaccompanied", "separated")
    return out


def ref_check_type(cb: Codebook, f: Field, value: Any, where: str, problems: list[FieldProblem]) -> Any:
    t = f.type
    if t in ("text", "longtext"):
        if not isinstance(value, str):
            problems.append(FieldProblem(where, "type_text"))
            return None
        value = value.strip()
        if t == "text":
            value = " ".join(value.split())
        if "\x00" in value or any(0xD800 <= ord(ch) <= 0xDFFF for ch in value):
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
            items.append(ref_check_group(cb, f.subfields, item, {}, f"{where}[{i}]", problems))
        return items
    raise AssertionError(t)


def ref_check_rules(f: Field, value: Any, values: Mapping[str, Any], where: str, today: date,
                    problems: list[FieldProblem]) -> None:
    rules = f.validation
    if not rules:
        return
    if "max_length" in rules and isinstance(value, str) and len(value) > rules["max_length"]:
        problems.append(FieldProblem(where, "max_length", {"max": rules["max_length"], "length": len(value)}))
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
    if isinstance(value, str) and value in allowed and not ref_evaluate(allowed[value], values):
        problems.append(FieldProblem(where, "choice_not_allowed_here", {"value": value}))


def ref_check_group(cb: Codebook, fields, content: Mapping[str, Any], derived: Mapping[str, Any],
                    prefix: str, problems: list[FieldProblem], today: date | None = None,
                    typed: Mapping[str, Any] | None = None) -> dict[str, Any]:
    today = today or date.today()
    by_key = {f.key: f for f in fields}
    clean: dict[str, Any] = dict(typed) if typed is not None else {}
    for key, value in content.items():
        if typed is not None and key in by_key:
            continue
        where = f"{prefix}.{key}" if prefix else key
        if key not in by_key:
            problems.append(FieldProblem(where, "unknown_field"))
            continue
        if ref_empty(value):
            continue
        v = ref_check_type(cb, by_key[key], value, where, problems)
        if v is not None and not ref_empty(v):
            clean[key] = v
    values = {**clean, **derived}
    for f in fields:
        present = f.key in clean
        if not present and f.required is False:
            continue
        where = f"{prefix}.{f.key}" if prefix else f.key
        visible = f.show_if is None or ref_evaluate(f.show_if, values)
        if present and not visible:
            problems.append(FieldProblem(where, "not_applicable"))
            continue
        if not present:
            required = f.required if isinstance(f.required, bool) else ref_evaluate(f.required, values)
            if visible and required:
                problems.append(FieldProblem(where, "required"))
            continue
        if f.validation:
            ref_check_rules(f, clean[f.key], values, where, today, problems)
    return clean


def ref_validate_record(cb: Codebook, content: Mapping[str, Any], today: date | None = None) -> dict[str, Any]:
    if not isinstance(content, Mapping):
        raise InvalidRecord([FieldProblem("record", "type_object")])
    problems: list[FieldProblem] = []
    fields = tuple(f for s in cb.sections for f in s.fields)
    pre: dict[str, Any] = {}
    type_problems: list[FieldProblem] = []
    for k, v in content.items():
        if k in cb.fields and not ref_empty(v):
            typed = ref_check_type(cb, cb.fields[k], v, k, type_problems)
            if typed is not None and not ref_empty(typed):  # one fix since: a blank text is no answer
                pre[k] = typed
    if type_problems:
        raise InvalidRecord(type_problems)
    derived = ref_derive_demographics(cb, pre)
    for k in content:
        if k in cb.derived_fields:
            problems.append(FieldProblem(k, "derived_not_typed"))
    content = {k: v for k, v in content.items() if k not in cb.derived_fields}
    clean = ref_check_group(cb, fields, content, derived, "", problems, today, typed=pre)
    if problems:
        raise InvalidRecord(problems)
    return clean


def ref_visible_fields(cb: Codebook, content: Mapping[str, Any]) -> set[str]:
    values = {**content, **ref_derive_demographics(cb, content)}
    return {f.key for f in cb.fields.values() if ref_evaluate(f.show_if, values)}

# ----------------------------------------------------------------- end of the frozen reference
