"""The dashboard's filters: parsed from the address (so every view is bookmarkable),
checked against the codebook, and turned back into an address.

``from``/``to`` are quarters (``2026-Q1``); the default period is the four quarters up to
the latest with data, never past the server's current quarter (a case dated later, from a
laptop whose clock runs ahead, waits for its quarter: it does not move everyone's default), and
the *previous period* is as many quarters just before it. A period
holds at most :data:`MAX_QUARTERS` quarters, the exchange's own limit for one aggregate
package (a longer one is refused: it would only cost the server time and memory). A post
from the other country than the one chosen is refused too, rather than silently showing
nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from typing import Mapping
from urllib.parse import urlencode

from ...codebook import load_codebook
from ...i18n import LANGUAGES
from .errors import DashboardFilterInvalid

QUARTER = re.compile(r"^(19\d\d|2\d\d\d)-Q([1-4])$")  # years 1900-2999: earlier ones reached year 0 and below
COUNTRIES = ("CR", "PA")
PARAMS = {"from": "period_from", "to": "period_to", "country": "country", "post": "post",
          "institution": "institution", "sex": "sex", "age": "age", "lang": "lang"}
DEFAULT_SPAN = 4

MAX_QUARTERS = 40  # ten years: the longest period a view or an exchange aggregate package covers


def q_index(q: str) -> int:
    m = QUARTER.match(q)
    return int(m.group(1)) * 4 + int(m.group(2)) - 1


def q_name(i: int) -> str:
    return f"{i // 4}-Q{i % 4 + 1}"


def q_range(a: str, b: str) -> list[str]:
    return [q_name(i) for i in range(q_index(a), q_index(b) + 1)]


@dataclass(frozen=True)
class Filters:
    period_from: str | None = None
    period_to: str | None = None
    country: str | None = None
    post: str | None = None
    institution: str | None = None
    sex: str | None = None
    age: str | None = None
    lang: str = "es"

    @classmethod
    def parse(cls, params: Mapping[str, str]) -> "Filters":
        cb = load_codebook()
        values: dict[str, str | None] = {}
        for name, attr in PARAMS.items():
            raw = params.get(name)
            values[attr] = raw.strip() if isinstance(raw, str) and raw.strip() else None
        checks = {
            "from": lambda v: QUARTER.match(v) is not None,
            "to": lambda v: QUARTER.match(v) is not None,
            "country": lambda v: v in COUNTRIES,
            "post": lambda v: v in cb.vocab("border_posts"),
            "institution": lambda v: v in cb.vocab("institutions"),
            "sex": lambda v: v in cb.vocab("sex_age_groups"),
            "age": lambda v: v in cb.vocab("age_bands"),
            "lang": lambda v: v in LANGUAGES,
        }
        for name, ok in checks.items():
            v = values[PARAMS[name]]
            if v is not None and (len(v) > 64 or not ok(v)):
                raise DashboardFilterInvalid(param=name)
        f, t = values["period_from"], values["period_to"]
        if f and t and q_index(f) > q_index(t):
            raise DashboardFilterInvalid(param="to", reason="reversed")  # worded on its own (i18n)
        if f and t:
            check_span(q_index(t) - q_index(f) + 1, "to")
        country, post = values["country"], values["post"]
        if country and post and cb.vocab("border_posts").get(post).attrs.get("country") != country:
            raise DashboardFilterInvalid(param="post", reason="other_country")
        return cls(**{k: v for k, v in values.items() if k != "lang"}, lang=values["lang"] or "es")

    def params(self, **override) -> dict[str, str]:
        merged = replace(self, **override) if override else self
        out = {}
        for name, attr in PARAMS.items():
            v = getattr(merged, attr)
            if v and not (name == "lang" and v == "es"):
                out[name] = v
        return out

    def query(self, **override) -> str:
        p = self.params(**override)
        return ("?" + urlencode(p)) if p else ""

    def active(self) -> dict[str, str]:
        """The filters that narrow the cases (not the language), for audit entries and CSV headers."""
        return {k: v for k, v in self.params().items() if k != "lang"}

    def posts(self) -> list[str] | None:
        """The posts the filters allow, or None for all."""
        if not self.country and not self.post:
            return None
        vocab = load_codebook().vocab("border_posts")
        allowed = [t.code for t in vocab.terms if not self.country or t.attrs["country"] == self.country]
        if self.post:
            allowed = [p for p in allowed if p == self.post]
        return allowed


def check_span(quarters: int, param: str) -> None:
    """Refuse a period longer than :data:`MAX_QUARTERS` (``param``: the filter to change)."""
    if quarters > MAX_QUARTERS:
        raise DashboardFilterInvalid(param=param, reason="too_long", max=MAX_QUARTERS, years=MAX_QUARTERS // 4)


def quarter_label(quarter: str, lang: str, space: str = "\u00a0") -> str:
    """How a person reads a quarter code: "2026-Q3" is "T3 2026" in Spanish, "Q3 2026" in
    English, with a no-break space (a page never ends a line between "T3" and "2026"; a CSV
    writes it as an ordinary space, and a terminal is given ``space=" "``). Codes stay codes
    in addresses, filters and CSV column keys."""
    year, _, q = quarter.partition("-Q")
    if not (year.isdigit() and q in ("1", "2", "3", "4")):
        return quarter
    return f"{'T' if lang == 'es' else 'Q'}{q}{space}{year}"


@dataclass(frozen=True)
class Period:
    quarters: list[str]
    previous: list[str]

    @property
    def first(self) -> str:
        return self.quarters[0]

    @property
    def last(self) -> str:
        return self.quarters[-1]


def resolve_period(f: Filters, available: list[str], today_quarter: str) -> Period:
    """The period the filters ask for; an end left open is the latest quarter with data up to
    ``today_quarter`` (later quarters, dated by a clock that runs ahead, are never a default)."""
    latest = next((q for q in reversed(available) if q <= today_quarter), today_quarter)  # as the SQL compares
    to = f.period_to or (latest if not f.period_from or q_index(f.period_from) <= q_index(latest)
                         else f.period_from)
    start = f.period_from or q_name(q_index(to) - DEFAULT_SPAN + 1)
    check_span(q_index(to) - q_index(start) + 1, "from")  # "from" alone, long before the latest data
    quarters = q_range(start, to)
    span = len(quarters)
    previous = [q_name(q_index(start) - span + i) for i in range(span)]
    return Period(quarters, previous)


def field_names() -> list[str]:
    return [f.name for f in fields(Filters)]
