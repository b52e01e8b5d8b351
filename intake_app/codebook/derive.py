"""Derived fields: computed by the core from the answers, never typed in."""

from __future__ import annotations

from datetime import date
from typing import Any, Callable, Mapping

from .compiled import compiled, local_today
from .model import Codebook, Term


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


def compile_demographics(cb: Codebook) -> Callable[..., dict[str, Any]]:
    """The demographics of a record as one function, with the codebook's age bands and border
    posts looked up once (built with the compiled codebook, see ``compiled.py``). The function
    adds them to ``out`` when given one (validation adds them to a copy of the answers)."""
    vocabs = cb.vocabularies
    band_of = _age_bands(vocabs["age_bands"].terms) if "age_bands" in vocabs else None
    posts = {t.code: t for t in vocabs["border_posts"].terms} if "border_posts" in vocabs else None
    fromisoformat = date.fromisoformat

    def demographics(content: Mapping[str, Any], out: dict[str, Any] | None = None) -> dict[str, Any]:
        get = content.get
        if out is None:
            out = {}
        birth = recorded = None  # parse_date, written out: this runs for every record checked
        value = get("birth_date")
        if isinstance(value, str):
            try:
                birth = fromisoformat(value)
            except ValueError:
                pass
        if birth is not None:
            value = get("record_date")
            if isinstance(value, str):
                try:
                    recorded = fromisoformat(value)
                except ValueError:
                    pass
            age = age_on(birth, recorded or local_today())
        else:
            age = get("age_estimate")
            if not isinstance(age, int) or isinstance(age, bool):
                age = None
        if age is not None and age >= 0:
            out["age_years"] = age
            out["minor"] = minor = age < 18
            if band_of is None:
                raise KeyError("age_bands")
            band = band_of(age)
            if band is not None:
                out["age_band"] = band
        else:
            minor = None
        gender = get("gender")
        if gender in ("female", "trans_female") and minor is not None:
            out["sex_age_group"] = "girl" if minor else "woman"
        elif gender in ("male", "trans_male") and minor is not None:
            out["sex_age_group"] = "boy" if minor else "man"
        elif gender is not None:
            out["sex_age_group"] = "other_unknown"
        if posts is None:
            raise KeyError("border_posts")
        code = get("border_post") or ""
        post = posts.get(code) if isinstance(code, str) else None  # as Vocabulary.get
        citizenship = get("citizenship")
        if post is not None:
            out["post_country"] = post.attrs["country"]
            if citizenship:
                out["foreign_national"] = citizenship != post.attrs["country"]
        exploitation = get("tr_exploitation_country")
        if exploitation and citizenship:
            out["cross_border"] = exploitation != citizenship
        if minor:
            out["unaccompanied_minor"] = get("accompaniment") in ("unaccompanied", "separated")
        return out
    return demographics


def _age_bands(terms: tuple[Term, ...]) -> Callable[[int], str | None]:
    """The code of the first band holding an age: a table for whole-year bands."""
    try:
        bounds = [(t.attrs["min"], t.attrs["max"], t.code) for t in terms]
        whole = all(type(lo) is int and type(hi) is int for lo, hi, _ in bounds)
    except KeyError:
        whole = False
    if not whole or sum(max(0, hi - lo + 1) for lo, hi, _ in bounds) > 10_000:
        def scan(age: int) -> str | None:
            for term in terms:
                if term.attrs["min"] <= age <= term.attrs["max"]:
                    return term.code
            return None
        return scan
    table: dict[int, str] = {}
    for lo, hi, code in bounds:
        for age in range(lo, hi + 1):
            table.setdefault(age, code)
    return table.get


def derive(cb: Codebook, content: Mapping[str, Any]) -> dict[str, Any]:
    """Every derived field: demographics, then the screening flags and the ILO count."""
    from ..screening import screen

    out = derive_demographics(cb, content)
    result = screen(cb, content, out)
    out.update(result.as_derived())
    return out
