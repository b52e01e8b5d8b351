"""The project's one translation mechanism: core, CLI, PDF, server and ``ui/``.

Catalogs are flat JSON files ``resources/i18n/<lang>.json`` plus one per part of the
product (``<part>.<lang>.json``: ui, bundle, server, printing, ...), merged; each maps a
message key to a text with named placeholders (``{name}``). Spanish is the first language and the
default. ``tests/test_i18n.py`` fails when a key used in code is missing, when a key
is unused, or when a translation drops or adds a placeholder.

Plurals: a format spec with ``|`` on a count picks a word, ``{count} {count:caso|casos}``
gives "1 caso", "0 casos", "2 casos" (English ``{count} {count:case|cases}``). The first form
is for exactly 1 (an int, or a string of digits such as "1"), the second for anything else
(0, 2, 1.5, "1.234"): Spanish and English both have one-vs-other for integers (CLDR). A form
may hold several words, for what agrees with the number ("{n:caso nuevo|casos nuevos}"), and
a message may have several counts, each with its own spec. Spanish may inflect a param that
English leaves alone (an adjective: "{n} {n:nuevo|nuevos}", "{n} new"); ``tests/test_i18n.py``
lists those keys.

Codebook labels (fields, values, help) are not here: they live in the codebook.
"""

from __future__ import annotations

import json
import os
import string
from functools import cache
from typing import Any

from .paths import resource

LANGUAGES = ("es", "en")
DEFAULT_LANGUAGE = "es"
_current = os.environ.get("INTAKE_LANG", DEFAULT_LANGUAGE)
if _current not in LANGUAGES:
    _current = DEFAULT_LANGUAGE


def catalog_files(lang: str) -> list:
    folder = resource("i18n")
    return [folder / f"{lang}.json"] + sorted(folder.glob(f"*.{lang}.json"))


@cache
def catalog(lang: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    for path in catalog_files(lang):
        with open(path, encoding="utf-8") as fh:
            part = json.load(fh)
        duplicated = set(part) & set(merged)
        if duplicated:
            raise ValueError(f"{path.name}: keys defined twice: {sorted(duplicated)[:3]}")
        merged.update(part)
    return merged


def set_language(lang: str) -> None:
    global _current
    if lang not in LANGUAGES:
        raise ValueError(lang)
    _current = lang


def language() -> str:
    return _current


class _Lenient(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def is_one(value: Any) -> bool:
    """Whether a count takes the singular form: exactly the integer 1 (or the string "1")."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value == 1
    text = str(value).strip() if isinstance(value, str) else ""
    return text.lstrip("+-").isdigit() and int(text) == 1


class _PluralFormatter(string.Formatter):
    """``{n:one|other}`` picks a word by the count; any other spec formats as usual."""

    def format_field(self, value: Any, format_spec: str) -> str:
        if "|" in format_spec:
            one, _, other = format_spec.partition("|")
            return one if is_one(value) else other
        return super().format_field(value, format_spec)


_FORMATTER = _PluralFormatter()


def t(key: str, lang: str | None = None, **params: Any) -> str:
    """Translate ``key``; falls back to Spanish, then to the key itself."""
    lang = lang or _current
    text = catalog(lang).get(key) or catalog(DEFAULT_LANGUAGE).get(key) or key
    return _FORMATTER.vformat(text, (), _Lenient(params))


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def plurals(text: str) -> dict[str, list[tuple[str, ...]]]:
    """The params that choose a plural form, each with its specs' forms (for the tests)."""
    found: dict[str, list[tuple[str, ...]]] = {}
    for _, name, spec, _ in string.Formatter().parse(text):
        if name and spec and "|" in spec:
            found.setdefault(name, []).append(tuple(spec.split("|")))
    return found


def describe_error(err: Exception, lang: str | None = None) -> str:
    """Word a core error for a person (used by the CLI, the desktop app and the server)."""
    from .errors import IntakeError, InvalidRecord

    if isinstance(err, InvalidRecord):
        lines = [t("error.invalid_record", lang)]
        for p in err.problems:
            lines.append("  - " + describe_problem(p, lang))
        return "\n".join(lines)
    if isinstance(err, IntakeError):
        if err.code in _ROLE_ERRORS:  # roles are words for a person, not codes
            params = {k: ", ".join(t("role." + r.strip(), lang) for r in str(v).split(","))
                      for k, v in err.params.items() if k in ("role", "allowed")}
            return t("error." + err.code, lang, **params)
        worded = getattr(err, "worded_params", None)  # an error whose params name things in words
        return describe_code(err.code, worded(lang or _current) if callable(worded) else err.params, lang)
    return t("error.internal", lang)


# errors whose ``role`` / ``allowed`` params are role codes (worded with ``role.*``)
_ROLE_ERRORS = ("role_forbidden", "exchange_approver_not_supervisor")

# params whose value (a short code) may have a wording of its own: ``error.<code>.<value>``
_SPECIFIC = ("reason", "part", "source", "problem")


def describe_code(code: str, params: dict[str, Any], lang: str | None = None) -> str:
    """Word an error known by its code and params (an error kept in a summary or sent by
    the server): ``error.<code>.<value>`` for the first of :data:`_SPECIFIC` that has a
    wording of its own, else ``error.<code>``, whose text never shows the value's code."""
    for name in _SPECIFIC:
        value = params.get(name)
        if isinstance(value, str):
            specific = f"error.{code}.{value}"
            if specific in catalog(lang or _current) or specific in catalog(DEFAULT_LANGUAGE):
                return t(specific, lang, **params)
    return t("error." + code, lang, **params)


def describe_problem(problem, lang: str | None = None) -> str:
    """``<field label>: <rule text>`` for one FieldProblem."""
    from .codebook import load_codebook

    lang = lang or _current
    cb = load_codebook()
    fdef = cb.fields.get(problem.field)
    label = fdef.label(lang) if fdef else problem.field
    args = problem_params(problem)
    value = args.get("value")
    if isinstance(value, str):  # a wording for this field and value, when the rule text alone says too little
        specific = f"rule.{problem.rule}.{problem.field}.{value}"
        if specific in catalog(lang) or specific in catalog(DEFAULT_LANGUAGE):
            return t(specific, lang, field=label, **args)
    if problem.rule == "max_length" and "length" in args:  # how long it is, to know how much to cut
        return t("rule.max_length_has", lang, field=label, **args)
    return t("rule." + problem.rule, lang, field=label, **args)


def problem_params(problem) -> dict[str, Any]:
    """A FieldProblem's args as its words take them. A date refused as later than today names
    today as this laptop's clock sees it (``{today}``, DD/MM/AAAA), so a wrong clock is plain
    to see: the date the check used when it has one (``args["today"]``, ISO), else the local
    date, which is what the laptop's checks use. Never the value typed."""
    args = dict(problem.args)
    if problem.rule == "not_future":
        from datetime import date

        from .codebook.compiled import local_today

        day = date.fromisoformat(args["today"]) if isinstance(args.get("today"), str) else local_today()
        args["today"] = day.strftime("%d/%m/%Y")
    return args
