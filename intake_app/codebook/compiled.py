"""A codebook compiled once into closures: what :func:`validate_record` runs per record.

The codebook is data; reading it again for every record (which type, which vocabulary,
which rules, which condition) was most of the server ingest's CPU time. :func:`compiled`
builds, once per Codebook object, a check of the form of each field's answer, and a plan:
for each field that can raise a problem, in codebook order, its compiled skip logic, rules
and required-ness. The results (the canonical record, or the problems in their order) are
exactly those of reading the codebook each time: tests/core/test_validate_compiled.py keeps
that reading as its oracle.
"""

from __future__ import annotations

import re
import time
import weakref
from datetime import date
from typing import Any, Callable, Mapping

from ..errors import FieldProblem, InvalidRecord
from .conditions import Predicate, compile_condition
from .model import Codebook, Field

# A problem names its field ``key``, or ``prefix.key`` inside a repeat item (see _where); the
# name is only spelled out for a problem.
# check(value, prefix, key, problems) -> the canonical value, or None (empty answer, or a problem added)
TypeCheck = Callable[[Any, str, Any, list], Any]
# rules(value, values, prefix, key, today, problems): the validation rules of an answered field
Rules = Callable[[Any, Mapping[str, Any], str, Any, date, list], None]


def _where(prefix: str, key: Any) -> Any:
    return f"{prefix}.{key}" if prefix else key


def _is_empty(v: Any) -> bool:
    return v is None or v == "" or v == [] or v == {}


_fromisoformat = date.fromisoformat


_TODAY: tuple[int, date] = (-1, date.min)


def local_today() -> date:
    """``date.today()``, which is the local date of the whole second ``time.time()`` is in,
    read from the clock's second rather than recomputed from the time zone on every call."""
    global _TODAY
    second = int(time.time())
    cached = _TODAY
    if cached[0] != second:
        cached = _TODAY = (second, date.fromtimestamp(second))
    return cached[1]


class CompiledCodebook:
    """The per-record work of one codebook, ready to run."""

    def __init__(self, cb: Codebook) -> None:
        from .derive import compile_demographics  # derive.py looks the compiled codebook up here

        self.demographics = compile_demographics(cb)
        self.derived_keys = frozenset(cb.derived_fields)
        self.derived_is_answered = bool(frozenset(cb.fields) & self.derived_keys)  # never, once loaded
        self.checks: dict[str, TypeCheck] = {k: _type_check(cb, f) for k, f in cb.fields.items()}
        self.plan = _Plan(tuple(f for s in cb.sections for f in s.fields))
        self.show_if = tuple((f.key, compile_condition(f.show_if)) for f in cb.fields.values())

    def validate(self, content: Mapping[str, Any], today: date | None) -> dict[str, Any]:
        # first the form of each value; rules and skip logic only make sense on well-formed answers
        checks = self.checks
        clean: dict[str, Any] = {}
        problems: list[FieldProblem] = []
        other_keys = False
        for k, v in content.items():
            try:
                check = checks[k]
            except KeyError:
                other_keys = True
                continue
            typed = check(v, "", k, problems)
            if typed is not None:
                clean[k] = typed
        if problems:
            raise InvalidRecord(problems)
        if other_keys or self.derived_is_answered:
            derived_keys = self.derived_keys
            problems += [FieldProblem(k, "derived_not_typed") for k in content if k in derived_keys]
            problems += [FieldProblem(k, "unknown_field") for k in content
                         if k not in derived_keys and k not in checks]
        # derived values (minor, post_country, ...) take part in skip logic: the answers, then those
        values = dict(clean)
        self.demographics(clean, values)
        today = today or local_today()
        self.plan.run(clean, values, "", today, problems)
        if problems:
            raise InvalidRecord(problems)
        return clean

    def visible(self, values: Mapping[str, Any]) -> set[str]:
        return {key for key, shown in self.show_if if shown(values)}


_COMPILED: dict[int, tuple[weakref.ref, CompiledCodebook]] = {}


def compiled(cb: Codebook) -> CompiledCodebook:
    """The compiled form of ``cb``, built on first use and dropped with ``cb``.

    Codebooks are unhashable (frozen dataclasses holding dicts), so the cache is keyed by
    identity; the weak reference both checks the identity and removes the entry."""
    key = id(cb)
    hit = _COMPILED.get(key)
    if hit is not None and hit[0]() is cb:
        return hit[1]
    made = CompiledCodebook(cb)

    def forget(ref: weakref.ref) -> None:
        if _COMPILED.get(key, (None,))[0] is ref:
            del _COMPILED[key]

    _COMPILED[key] = (weakref.ref(cb, forget), made)
    return made


# -- the form of one value -------------------------------------------------------------------
# A check also answers None, quietly, for an empty answer (None, "", [], {}): an empty answer is
# no answer. The well-formed case is tested first; emptiness only decides between skipping a
# value and naming its problem.

def _type_check(cb: Codebook, f: Field) -> TypeCheck:
    t = f.type
    if t == "text" or t == "longtext":
        return _text_check(collapse=t == "text")
    if t == "date":
        return _date_check
    if t == "integer":
        return _integer_check
    if t == "boolean":
        return _boolean_check
    if t == "choice":
        return _choice_check(frozenset(code for code in cb.vocab(f).codes if code != ""))
    if t == "multi":
        vocab = cb.vocab(f)
        return _multi_check(frozenset(vocab.codes), vocab.order)
    if t == "repeat":
        return _repeat_check(_Group(cb, f.subfields))
    raise AssertionError(t)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _text_check(collapse: bool) -> TypeCheck:
    def check(value: Any, prefix: str, key: Any, problems: list) -> Any:
        if value.__class__ is str or isinstance(value, str):  # (the first test is the quick one)
            if not value:
                return None
            value = " ".join(value.split()) if collapse else value.strip()  # split() drops the ends too
            if not value:
                return None  # only spaces: no answer, as anywhere else
            if "\x00" not in value and (value.isascii() or _SURROGATE.search(value) is None):
                return value  # (a lone surrogate is no text: no file, database or PDF can hold it)
        elif _is_empty(value):
            return None
        problems.append(FieldProblem(_where(prefix, key), "type_text"))
        return None
    return check


def _date_check(value: Any, prefix: str, key: Any, problems: list) -> Any:
    if (value.__class__ is str or isinstance(value, str)) and len(value) == 10:
        try:
            _fromisoformat(value)
            return value
        except ValueError:
            pass
    elif _is_empty(value):
        return None
    problems.append(FieldProblem(_where(prefix, key), "type_date"))
    return None


def _integer_check(value: Any, prefix: str, key: Any, problems: list) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if not _is_empty(value):
        problems.append(FieldProblem(_where(prefix, key), "type_integer"))
    return None


def _boolean_check(value: Any, prefix: str, key: Any, problems: list) -> Any:
    if value is True or value is False:  # bool has no subclasses
        return value
    if not _is_empty(value):
        problems.append(FieldProblem(_where(prefix, key), "type_boolean"))
    return None


def _choice_check(codes: frozenset[str]) -> TypeCheck:
    def check(value: Any, prefix: str, key: Any, problems: list) -> Any:
        if value.__class__ is str:
            if value in codes:
                return value
        elif isinstance(value, str) and value in codes:
            return value
        if not _is_empty(value):
            problems.append(FieldProblem(_where(prefix, key), "choice_unknown"))
        return None
    return check


def _multi_check(codes: frozenset[str], order: dict[str, int]) -> TypeCheck:
    position = order.__getitem__
    rank_of = order.get

    def check(value: Any, prefix: str, key: Any, problems: list) -> Any:
        if isinstance(value, list) and value:
            try:
                "".join(value)  # a TypeError unless every item is a str
            except TypeError:
                pass
            else:  # the usual case first: known codes, each once, already in vocabulary order
                last = -1
                for v in value:
                    rank = rank_of(v)
                    if rank is None or rank <= last:
                        break
                    last = rank
                else:
                    return list(value)
        if _is_empty(value):
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) and v in codes for v in value):
            problems.append(FieldProblem(_where(prefix, key), "choice_unknown"))
            return None
        if len(set(value)) != len(value):
            problems.append(FieldProblem(_where(prefix, key), "choice_repeated"))
            return None
        return sorted(value, key=position)
    return check


def _repeat_check(group: "_Group") -> TypeCheck:
    check_item = group.check

    def check(value: Any, prefix: str, key: Any, problems: list) -> Any:
        if isinstance(value, list):
            if not value:
                return None
            for v in value:
                if not isinstance(v, dict):
                    break
            else:
                where = _where(prefix, key)
                items = []
                for i, item in enumerate(value):
                    items.append(check_item(item, f"{where}[{i}]", problems))
                return items
        elif _is_empty(value):
            return None
        problems.append(FieldProblem(_where(prefix, key), "type_list"))
        return None
    return check


class _Group:
    """The fields of one repeat item: unknown keys, types, then the steps (no derived values)."""

    def __init__(self, cb: Codebook, fields: tuple[Field, ...]) -> None:
        self.checks = {f.key: _type_check(cb, f) for f in fields}
        self.plan = _Plan(fields)

    def check(self, content: Mapping[str, Any], prefix: str, problems: list) -> dict[str, Any]:
        today = local_today()  # an item is checked against the local date, whatever the record's
        checks = self.checks
        clean: dict[str, Any] = {}
        for key, value in content.items():
            try:
                check = checks[key]
            except KeyError:
                problems.append(FieldProblem(f"{prefix}.{key}", "unknown_field"))
                continue
            v = check(value, prefix, key, problems)
            if v is not None and v != "":  # of the well-formed values only text can end up empty
                clean[key] = v
        self.plan.run(clean, clean, prefix, today, problems)  # no derived values in an item
        return clean


# -- required-ness, skip logic and rules -----------------------------------------------------

class _Plan:
    """Per field, in codebook order: whether it is shown, its rules, whether it is required.

    One loop reads these for every record (rather than a function per field): a call costs
    about as much as the check itself."""

    def __init__(self, fields: tuple[Field, ...]) -> None:
        steps = []
        for f in fields:
            shown = None if f.show_if is None else compile_condition(f.show_if)
            rules = _rules(f)
            required = f.required
            required_if = None if isinstance(required, bool) else compile_condition(required)
            if shown is not None or rules is not None or required is not False:
                steps.append((f.key, shown, rules, required, required_if))
        self.steps = tuple(steps)

    def run(self, clean: dict, values: Mapping[str, Any], prefix: str, today: date, problems: list) -> None:
        for key, shown, rules, required, required_if in self.steps:
            if key in clean:
                if shown is not None and not shown(values):
                    problems.append(FieldProblem(_where(prefix, key), "not_applicable"))
                elif rules is not None:
                    rules(clean[key], values, prefix, key, today, problems)
            elif required is not False:  # an optional question left empty: nothing to check
                visible = shown is None or shown(values)
                needed = required if required_if is None else required_if(values)
                if visible and needed:
                    problems.append(FieldProblem(_where(prefix, key), "required"))


def _rules(f: Field) -> Rules | None:
    """The field's validation rules as one function, checked in this order; None without rules."""
    rules = f.validation
    checks: list[Rules] = []
    if "max_length" in rules:
        checks.append(_max_length(rules["max_length"]))
    if "pattern" in rules:
        checks.append(_pattern(rules["pattern"]))
    if "min" in rules:
        checks.append(_min(rules["min"]))
    if "max" in rules:
        checks.append(_max(rules["max"]))
    if f.type == "date" and (rules.get("not_future") or "not_before" in rules):
        checks.append(_date_rules(bool(rules.get("not_future")), rules.get("not_before"), "not_before" in rules))
    if "max_items" in rules:
        checks.append(_max_items(rules["max_items"]))
    allowed = rules.get("allowed_if") or {}
    if allowed:
        checks.append(_allowed_if({code: compile_condition(cond) for code, cond in allowed.items()}))
    if not checks:
        return None
    if len(checks) == 1:
        return checks[0]
    all_checks = tuple(checks)

    def run(value: Any, values: Mapping[str, Any], prefix: str, key: Any, today: date, problems: list) -> None:
        for check in all_checks:
            check(value, values, prefix, key, today, problems)
    return run


def _max_length(limit: Any) -> Rules:
    def check(value: Any, values: Mapping[str, Any], prefix: str, key: Any, today: date,
              problems: list) -> None:
        if isinstance(value, str) and len(value) > limit:
            problems.append(FieldProblem(_where(prefix, key), "max_length", {"max": limit, "length": len(value)}))
    return check


def _pattern(pattern: Any) -> Rules:
    try:
        fullmatch = re.compile(pattern).fullmatch
    except (re.error, TypeError):  # the loader refuses these; otherwise fail where a value meets it
        def fullmatch(value: str) -> Any:
            return re.fullmatch(pattern, value)

    def check(value: Any, values: Mapping[str, Any], prefix: str, key: Any, today: date,
              problems: list) -> None:
        if isinstance(value, str) and not fullmatch(value):
            problems.append(FieldProblem(_where(prefix, key), "pattern"))
    return check


def _min(bound: Any) -> Rules:
    def check(value: Any, values: Mapping[str, Any], prefix: str, key: Any, today: date,
              problems: list) -> None:
        if isinstance(value, int) and value < bound:
            problems.append(FieldProblem(_where(prefix, key), "min", {"min": bound}))
    return check


def _max(bound: Any) -> Rules:
    def check(value: Any, values: Mapping[str, Any], prefix: str, key: Any, today: date,
              problems: list) -> None:
        if isinstance(value, int) and value > bound:
            problems.append(FieldProblem(_where(prefix, key), "max", {"max": bound}))
    return check


def _date_rules(not_future: bool, not_before: Any, has_not_before: bool) -> Rules:
    earliest = str(not_before)
    try:
        first: date | None = date.fromisoformat(earliest) if has_not_before else None
    except ValueError:  # the same error, but where a value meets it
        first = None

    def check(value: Any, values: Mapping[str, Any], prefix: str, key: Any, today: date,
              problems: list) -> None:
        if not isinstance(value, str):
            return
        d = _fromisoformat(value)
        if not_future and d > today:
            problems.append(FieldProblem(_where(prefix, key), "not_future"))
        if has_not_before and d < (first or date.fromisoformat(earliest)):
            problems.append(FieldProblem(_where(prefix, key), "not_before", {"date": earliest}))
    return check


def _max_items(limit: Any) -> Rules:
    def check(value: Any, values: Mapping[str, Any], prefix: str, key: Any, today: date,
              problems: list) -> None:
        if isinstance(value, list) and len(value) > limit:
            problems.append(FieldProblem(_where(prefix, key), "max_items", {"max": limit}))
    return check


def _allowed_if(allowed: dict[str, Predicate]) -> Rules:
    def check(value: Any, values: Mapping[str, Any], prefix: str, key: Any, today: date,
              problems: list) -> None:
        if isinstance(value, str) and value in allowed and not allowed[value](values):
            problems.append(FieldProblem(_where(prefix, key), "choice_not_allowed_here", {"value": value}))
    return check
