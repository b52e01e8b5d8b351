"""Non-identifying dimensions of a case, computed from its head revision.

Only codes, dates, bands and flags: never a name, a document, a birth date or a
narrative. The dashboard (counts by sex, age band, nationality, form of exploitation,
border post, quarter) and the exchange read ``case_facts`` and ``case_fact_exploitation``;
identity stays in ``revisions.content``.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any, Iterable, Mapping

from ..codebook import derive, load_codebook
from ..codebook.derive import parse_date as _date

FLAGS = ("flag_trafficking", "flag_smuggling", "flag_aggravated_smuggling", "flag_urgent", "unaccompanied_minor")
# the dimensions an analyst may group by (all columns of case_facts that are not ids)
DIMENSIONS = ("year", "quarter", "border_post", "post_country", "institution", "intake_setting", "gender",
              "sex_age_group", "age_band", "minor", "citizenship", "foreign_national", "cross_border",
              *FLAGS, "trafficking_status", "case_status", "exploitation_type")


def _str(value: Any, limit: int) -> str | None:
    return value if isinstance(value, str) and 0 < len(value) <= limit else None


def facts_of(case_id: str, revision_id: str, codebook_version: str, content: Mapping[str, Any],
             now: datetime | None = None) -> tuple[dict, list[dict]]:
    """(case_facts row, case_fact_exploitation rows) for one head revision."""
    cb = load_codebook(codebook_version)
    derived = derive(cb, content)
    recorded = _date(content.get("record_date"))
    row = {
        "case_id": case_id,
        "revision_id": revision_id,
        "codebook_version": codebook_version,
        "record_date": recorded,
        "year": recorded.year if recorded else None,
        "quarter": f"{recorded.year}-Q{(recorded.month - 1) // 3 + 1}" if recorded else None,
        "border_post": _str(content.get("border_post"), 64),
        "post_country": _str(derived.get("post_country"), 2),
        "institution": _str(content.get("institution"), 32),
        "intake_setting": _str(content.get("intake_setting"), 32),
        "gender": _str(content.get("gender"), 32),
        "sex_age_group": _str(derived.get("sex_age_group"), 16),
        "age_band": _str(derived.get("age_band"), 16),
        "minor": derived.get("minor"),
        "citizenship": _str(content.get("citizenship"), 2),
        "foreign_national": derived.get("foreign_national"),
        "cross_border": derived.get("cross_border"),
        **{flag: derived.get(flag) is True for flag in FLAGS},
        "trafficking_status": _str(content.get("trafficking_status"), 32),
        "case_status": _str(content.get("case_status"), 32),
        "updated_at": now or datetime.now(timezone.utc),
    }
    purposes = content.get("tr_purposes")
    kinds = sorted({p for p in purposes if isinstance(p, str) and len(p) <= 48}) if isinstance(purposes, list) else []
    return row, [{"case_id": case_id, "exploitation_type": k} for k in kinds]


def facts_rows(revisions: Iterable[Mapping[str, Any]], now: datetime | None = None) -> tuple[list[dict], list[dict]]:
    now = now or datetime.now(timezone.utc)
    facts, exploitation = [], []
    for rev in revisions:
        row, kinds = facts_of(rev["case_id"], rev["revision_id"], rev["codebook_version"], rev["content"], now)
        facts.append(row)
        exploitation.extend(kinds)
    return facts, exploitation
