"""The small condition language of the codebook (show_if, required, suggest_if).

A condition is data, never code: ``{field, equals|in|includes|includes_any|empty|lt|le|gt|ge}``,
``{all: [...]}``, ``{any: [...]}``, ``{not: {...}}``. A field that has no answer is
"empty"; comparisons with an empty field are false.
"""

from __future__ import annotations

from typing import Any, Iterator, Mapping

OPERATORS = ("equals", "in", "includes", "includes_any", "empty", "lt", "le", "gt", "ge")


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def evaluate(cond: Mapping[str, Any] | None, values: Mapping[str, Any]) -> bool:
    if cond is None:
        return True
    if "all" in cond:
        return all(evaluate(c, values) for c in cond["all"])
    if "any" in cond:
        return any(evaluate(c, values) for c in cond["any"])
    if "not" in cond:
        return not evaluate(cond["not"], values)
    value = values.get(cond["field"])
    if "empty" in cond:
        return _empty(value) == bool(cond["empty"])
    if _empty(value):
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


def problems(cond: Any) -> Iterator[str]:
    """Yield a short problem code for each way ``cond`` is malformed."""
    if not isinstance(cond, dict):
        yield "condition_not_a_mapping"
        return
    for group in ("all", "any"):
        if group in cond:
            if not isinstance(cond[group], list) or not cond[group]:
                yield f"condition_{group}_needs_a_list"
                return
            for c in cond[group]:
                yield from problems(c)
            return
    if "not" in cond:
        yield from problems(cond["not"])
        return
    if "field" not in cond:
        yield "condition_without_field"
        return
    ops = [k for k in cond if k != "field"]
    if len(ops) != 1 or ops[0] not in OPERATORS:
        yield "condition_operator_unknown"


def referenced_fields(cond: Any) -> Iterator[str]:
    if not isinstance(cond, dict):
        return
    for group in ("all", "any"):
        for c in cond.get(group, []) or []:
            yield from referenced_fields(c)
    if "not" in cond:
        yield from referenced_fields(cond["not"])
    if "field" in cond:
        yield cond["field"]
