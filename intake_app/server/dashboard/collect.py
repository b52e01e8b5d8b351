"""A case's rollup key and cells, from its ``case_facts`` row and a few coded answers.

Only the fields named in ``EXTRA_FIELDS`` are read from the head revision's answers, and
only codes that exist in the codebook (or ISO country codes) become cells; dates only
give a whole number of days. Nothing identifying reaches the dashboard's tables.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Mapping

from ...codebook import load_codebook
from ...codebook.derive import parse_date as _date

# dims of dash_rollup; "m" holds the overview measures, counted per person
MEASURES = ("persons", "trafficking", "accredited", "smuggling", "urgent", "unaccompanied")
DIMS = ("m", "gender", "nat", "expl", "ctrl", "rel", "flow", "xcty", "ref", "days", "smug")
# the only answers of a revision this module reads (besides its case_facts row)
EXTRA_FIELDS = ("tr_purposes", "tr_control_methods", "tr_relationship", "tr_exploitation_country", "referrals",
                "record_date", "accreditation_date")
MAX_DAYS = 366
# dims that count only victims (:func:`is_victim`); migration 0009 recounted the stored cases
VICTIM_DIMS = ("expl", "ctrl", "rel", "flow", "xcty")


def _country(value: Any) -> str | None:
    return value if isinstance(value, str) and len(value) == 2 and value.isalpha() and value.isupper() else None


def key_of(facts: Mapping[str, Any]) -> tuple[str, str, str, str, str]:
    return (facts.get("quarter") or "", facts.get("border_post") or "", facts.get("institution") or "",
            facts.get("sex_age_group") or "", facts.get("age_band") or "")


def is_victim(facts: Mapping[str, Any]) -> bool:
    """Counted by the views of exploitation, control, recruiter and flow (``VICTIM_DIMS``): a
    possible victim (the screening's indication of trafficking) or a victim accredited (ERI) /
    identified (UIA), unless the ERI/UIA decided the person is not a victim of trafficking."""
    status = facts.get("trafficking_status")
    return bool(facts.get("flag_trafficking") or status == "actual") and status != "not_a_victim"


def cells_of(facts: Mapping[str, Any], content: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The (dim, code) cells this case counts in; each at most once."""
    cb = load_codebook(facts.get("codebook_version") or None)
    extra = {k: content.get(k) for k in EXTRA_FIELDS}  # nothing else of the answers is looked at
    cells: list[tuple[str, str]] = [("m", "persons")]
    if facts.get("flag_trafficking"):
        cells.append(("m", "trafficking"))
    if facts.get("trafficking_status") == "actual":
        cells.append(("m", "accredited"))
    if facts.get("flag_smuggling"):
        cells.append(("m", "smuggling"))
        cells.append(("smug", "aggravated" if facts.get("flag_aggravated_smuggling") else "simple"))
    if facts.get("flag_urgent"):
        cells.append(("m", "urgent"))
    if facts.get("unaccompanied_minor"):
        cells.append(("m", "unaccompanied"))
    gender = facts.get("gender")
    cells.append(("gender", gender if gender in cb.vocab("genders") else ""))
    cells.append(("nat", _country(facts.get("citizenship")) or ""))

    def multi(dim: str, field: str, vocab: str) -> None:
        values = extra[field]
        if isinstance(values, list):
            v = cb.vocab(vocab)
            codes = sorted({c for c in values if c in v})
            if codes:
                cells.append(("m", "any_" + dim))
                cells.extend((dim, c) for c in codes)

    if is_victim(facts):  # forms, means, recruiter and flow describe victims (UNODC, SDG 16.2.2)
        multi("expl", "tr_purposes", "exploitation_types")
        multi("ctrl", "tr_control_methods", "control_methods")
        if extra["tr_relationship"] in cb.vocab("relationships"):
            cells.append(("rel", extra["tr_relationship"]))
        if facts.get("cross_border") is not None:
            cells.append(("flow", "cross_border" if facts["cross_border"] else "domestic"))
        xcty = _country(extra["tr_exploitation_country"])
        if xcty:
            cells.append(("xcty", xcty))
    referrals = extra["referrals"]
    if isinstance(referrals, list):
        inst, outcomes = cb.vocab("institutions"), cb.vocab("referral_outcomes")
        pairs = sorted({(r.get("institution"), r.get("outcome")) for r in referrals if isinstance(r, Mapping)
                        and r.get("institution") in inst and r.get("outcome") in outcomes})
        cells.extend(("ref", f"{i}|{o}") for i, o in pairs)
    if facts.get("trafficking_status") == "actual":
        start, end = _date(extra["record_date"]), _date(extra["accreditation_date"])
        if start and end and end >= start:
            cells.append(("days", str(min((end - start).days, MAX_DAYS))))
    return cells
