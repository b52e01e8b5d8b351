"""Derived fields: computed by the core from the answers, never typed in."""

from __future__ import annotations

from datetime import date
from typing import Any, Callable, Mapping

from .compiled import compiled
from .model import Codebook


def age_on(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def parse_date(value: Any) -> date | None:
    """An ISO date answer as a date, or None for anything else (never raises)."""
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def derive_demographics(cb: Codebook, content: Mapping[str, Any]) -> dict[str, Any]:
    return compiled(cb).demographics(content)


def compile_demographics(cb: Codebook) -> Callable[[Mapping[str, Any]], dict[str, Any]]:
    """The demographics of a record as one function, with the codebook's age bands and border
    posts looked up once (built with the compiled codebook, see ``compiled.py``)."""
    vocabs = cb.vocabularies
    bands = vocabs["age_bands"].terms if "age_bands" in vocabs else None
    border_post = vocabs["border_posts"].get if "border_posts" in vocabs else None

    def demographics(content: Mapping[str, Any]) -> dict[str, Any]:
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
            if bands is None:
                raise KeyError("age_bands")
            for term in bands:
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
        if border_post is None:
            raise KeyError("border_posts")
        post = border_post(content.get("border_post") or "")
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
    return demographics


def derive(cb: Codebook, content: Mapping[str, Any]) -> dict[str, Any]:
    """Every derived field: demographics, then the screening flags and the ILO count."""
    from ..screening import screen

    out = derive_demographics(cb, content)
    result = screen(cb, content, out)
    out.update(result.as_derived())
    return out
