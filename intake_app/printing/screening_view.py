"""The screening section of a printed copy: which indications, and which of their reasons, it shows.

- Official copy: every raised indication with its reasons, and the indications whose elements
  were recorded only in part (:func:`intake_app.screening.describe_partial`), so the officer can
  ask what is missing.
- Redacted copy: only the indications the sharing profile keeps. An indication with any reason
  the profile withholds prints none of its reasons (the remaining ones would mislead: "foreign
  national: yes" read as the cause of a smuggling indication) and a fixed line instead.
- When the profile withholds some indication, every copy for that profile carries the same
  note and the same empty-section wording, whatever was raised: the paper never tells whether,
  or how many, indications were left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .. import i18n
from ..codebook.model import Codebook
from ..screening import Flag, ScreeningResult, describe, describe_partial, screen

FLAG_FIELDS = {"trafficking": "flag_trafficking", "smuggling": "flag_smuggling",
               "aggravated_smuggling": "flag_aggravated_smuggling", "urgent": "flag_urgent"}
ILO_FIELDS = ("ilo_count", "tr_ilo_indicators")


@dataclass(frozen=True)
class ScreeningView:
    items: tuple[tuple[str, tuple[str, ...]], ...]  # (indication, reason lines)
    empty: str  # the line printed when no item is shown
    note: str | None = None  # a redacted copy whose profile withholds some indication
    missing: tuple[str, ...] = ()  # official copy: elements recorded but not all


def profile_hides_some(keep_key: Callable[[str], bool]) -> bool:
    """True when the profile withholds at least one indication (a property of the profile only)."""
    return not all(keep_key(k) for k in (*FLAG_FIELDS.values(), *ILO_FIELDS))


def profile_shows_any(keep_key: Callable[[str], bool]) -> bool:
    return any(keep_key(k) for k in FLAG_FIELDS.values())


def _one(cb: Codebook, result: ScreeningResult, lang: str) -> tuple[str, tuple[str, ...]]:
    text, lines = describe(cb, result, lang)[0]
    return text, tuple(lines)


def official_view(cb: Codebook, content, derived, lang: str) -> ScreeningView:
    result = screen(cb, content, derived)
    items = tuple((text, tuple(lines)) for text, lines in describe(cb, result, lang))
    return ScreeningView(items, i18n.t("screening.none", lang), None, tuple(describe_partial(result, lang, content)))


def redacted_view(cb: Codebook, content, derived, lang: str, keep_key: Callable[[str], bool]) -> ScreeningView:
    result = screen(cb, content, derived)
    items = []
    for key, flag in result.flags.items():
        if not (flag.raised and keep_key(FLAG_FIELDS[key])):
            continue
        if all(keep_key(r.field) for r in flag.reasons):
            items.append(_one(cb, ScreeningResult({key: flag}, 0), lang))
        else:
            text, _ = _one(cb, ScreeningResult({key: Flag(key, True)}, 0), lang)
            items.append((text, (i18n.t("print.screening.reasons_withheld", lang),)))
    if result.ilo_count and all(keep_key(k) for k in ILO_FIELDS):
        items.append(_one(cb, ScreeningResult({}, result.ilo_count, result.ilo_reasons), lang))
    if profile_hides_some(keep_key):
        return ScreeningView(tuple(items), i18n.t("print.screening.none_shown", lang),
                             i18n.t("print.screening.partial_copy", lang))
    return ScreeningView(tuple(items), i18n.t("screening.none", lang))
