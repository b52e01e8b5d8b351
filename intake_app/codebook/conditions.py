"""The small condition language of the codebook (show_if, required, suggest_if).

A condition is data, never code: ``{field, equals|in|includes|includes_any|empty|lt|le|gt|ge}``,
``{all: [...]}``, ``{any: [...]}``, ``{not: {...}}``. A field that has no answer is
"empty"; comparisons with an empty field are false.

:func:`compile_condition` turns a condition into a closure once (the codebook's own
conditions are compiled with the codebook, see ``compiled.py``); :func:`evaluate` is the
one-off form of the same thing.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator, Mapping

OPERATORS = ("equals", "in", "includes", "includes_any", "empty", "lt", "le", "gt", "ge")

Predicate = Callable[[Mapping[str, Any]], bool]


def _empty(value: Any) -> bool:
    if value is None or value is True or value is False:
        return value is None
    return value == "" or value == [] or value == {}


def _always(values: Mapping[str, Any]) -> bool:
    return True


def compile_condition(cond: Mapping[str, Any] | None) -> Predicate:
    """``cond`` as a function of the answers. A malformed condition fails when it is
    evaluated, as it always did, not when it is compiled (a branch never reached never fails)."""
    try:
        return _compile(cond)
    except Exception as exc:  # the same error, raised where evaluating it used to raise it
        error = exc

        def fail(values: Mapping[str, Any]) -> bool:
            raise error.with_traceback(None)
        return fail


def evaluate(cond: Mapping[str, Any] | None, values: Mapping[str, Any]) -> bool:
    return compile_condition(cond)(values)


def _compile(cond: Mapping[str, Any] | None) -> Predicate:
    if cond is None:
        return _always
    if "all" in cond:
        parts = tuple(compile_condition(c) for c in cond["all"])
        if len(parts) == 2:
            first, second = parts

            def both(values: Mapping[str, Any]) -> bool:
                return True if first(values) and second(values) else False
            return both

        def all_of(values: Mapping[str, Any]) -> bool:
            for p in parts:
                if not p(values):
                    return False
            return True
        return all_of
    if "any" in cond:
        parts = tuple(compile_condition(c) for c in cond["any"])

        def any_of(values: Mapping[str, Any]) -> bool:
            for p in parts:
                if p(values):
                    return True
            return False
        return any_of
    if "not" in cond:
        inner = compile_condition(cond["not"])
        return lambda values: not inner(values)
    return _leaf(cond, cond["field"])


def _leaf(cond: Mapping[str, Any], key: Any) -> Predicate:
    # no answer (None) and str answers, the usual kinds, are told apart from the rest first
    if "empty" in cond:
        want = bool(cond["empty"])

        def empty(values: Mapping[str, Any]) -> bool:
            v = values.get(key)
            if v is None:
                return want
            return (v == "" if v.__class__ is str else _empty(v)) == want
        return empty
    # below: an empty answer makes every comparison false
    if "equals" in cond:
        equals = cond["equals"]

        def eq(values: Mapping[str, Any]) -> bool:
            v = values.get(key)
            if v is None:
                return False
            kind = v.__class__
            if kind is str:
                return v != "" and v == equals
            if kind is bool or kind is int:  # never empty
                return v == equals
            return not _empty(v) and v == equals
        return eq
    if "in" in cond:
        among = cond["in"]

        def in_(values: Mapping[str, Any]) -> bool:
            v = values.get(key)
            if v is None:
                return False
            if v.__class__ is str:
                return v != "" and v in among
            return not _empty(v) and v in among
        return in_
    if "includes" in cond:
        item = cond["includes"]

        def includes(values: Mapping[str, Any]) -> bool:
            v = values.get(key)
            return isinstance(v, list) and item in v  # an item found: the list is not empty
        return includes
    if "includes_any" in cond:
        items = cond["includes_any"]

        def includes_any(values: Mapping[str, Any]) -> bool:
            v = values.get(key)
            if not isinstance(v, list) or v == []:  # an empty list: false before the operand is read
                return False
            return any(i in v for i in items)
        return includes_any
    for op, compare in (("lt", _lt), ("le", _le), ("gt", _gt), ("ge", _ge)):
        if op in cond:
            return _comparison(key, cond[op], compare)

    def no_operator(values: Mapping[str, Any]) -> bool:
        values.get(key)
        return False
    return no_operator


def _lt(a: Any, b: Any) -> bool:
    return a < b


def _le(a: Any, b: Any) -> bool:
    return a <= b


def _gt(a: Any, b: Any) -> bool:
    return a > b


def _ge(a: Any, b: Any) -> bool:
    return a >= b


def _comparison(key: Any, bound: Any, compare: Callable[[Any, Any], bool]) -> Predicate:
    def comparison(values: Mapping[str, Any]) -> bool:
        v = values.get(key)
        if _empty(v):
            return False
        try:
            return compare(v, bound)
        except TypeError:
            return False
    return comparison


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
