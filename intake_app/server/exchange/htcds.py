"""Export in IOM's Human Trafficking Case Data Standard (HTCDS 2.0): field names and
values come from the codebook's ``htcds:`` mappings, nothing else, save the age band (below).

- Columns: every codebook field with an ``htcds`` field name, except direct identifiers
  (the export is for analysts: never a name, a document or a birth date). A choice gives
  one column with the HTCDS value (ISO 3166 alpha-2 for countries, ISO 639 for
  languages). A multi-select gives one 0/1 column per HTCDS value, named field + value
  as CTDC publishes (``vic_MethodsOfControlDebtBondage``); a multi-select whose values
  are themselves HTCDS fields (the ``con_`` consent checklist) gives one 0/1 column per
  value under that name. Several codebook values mapping to one HTCDS value (``Other``)
  share its column.
- Age: never the exact age or the birth date, but the age band the codebook derives
  (``age_band``, vocabulary ``age_bands``: CTDC's bands 0-8, 9-17, 18-20, 21-23, 24-26,
  27-29, 30-38, 39-47, 48+), age at the record date, as the codebook's band code, in one
  column after the ``prs_`` columns. HTCDS 2.0 has no age-band field (it has the birth
  date, and from 1.0 an age at entry into trafficking), so the column takes the name of
  CTDC's public record-level data, ``ageBroad``. CTDC writes its values ``0--8``,
  ``09--17``, ...; the band limits are the same. Beside it ``majorityStatus`` (CTDC's
  name too): ``Minor`` or ``Adult``, from the same band.
- Cases: the head revision of every case whose person consented to non-identifiable
  statistics (purpose ``reporting``) or research, and who is a trafficking case: the
  possible-trafficking indication is raised (``case_facts.flag_trafficking``, as the
  dashboard counts it), or the ERI / UIA recorded a trafficking status (any value, also
  ``NotAVictim``). Every row is a victim row (``vic_``): a person only smuggled, or with
  neither, is not one. A supervisor's export is limited to the cases of their institution.
- CSV (one row per case) and JSON (one object per case, multi-selects as lists).
- The k-anonymized variant (k = 11, CTDC style, for research release): the date of
  identification is generalized to its year; then, while some combination of the
  quasi-identifiers (the age band among them) is shared by fewer than k records, the
  quasi-identifier with the most distinct values among those records is suppressed (left
  empty) for them (on a tie, the one listed first; the age band and then the majority come
  last). So where a band would single a person out, the band goes first and minor or
  adult, which decides what protection applies, is usually kept; records
  still in a class smaller than k are dropped. Every combination of quasi-identifier
  values in the result is shared by at least k records.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterable

from sqlalchemy import select
from sqlalchemy.engine import Engine

from ...codebook import load_codebook
from ...codebook.derive import derive, derive_demographics
from ...codebook.model import Codebook, Field
from ..models import Case, CaseFacts, Revision

K = 11
CONSENT_PURPOSES = ("reporting", "research")
AGE_BAND = "ageBroad"  # CTDC's name: HTCDS 2.0 has no age-band field
MAJORITY = "majorityStatus"  # CTDC's name: Minor or Adult
ADULT_FROM = 18
QUASI_IDENTIFIERS = ("prs_Gender", "prs_Citizenship", "prs_CountryOfBirth", "prs_PrimaryLanguage",
                     "cas_DateOfIdentification", "hte_RecruitmentCountry", "hte_ExploitationCountry",
                     AGE_BAND, MAJORITY)  # last: on a tie, these are kept (the majority longest)
cases_t, revisions_t, facts_t = Case.__table__, Revision.__table__, CaseFacts.__table__


@dataclass(frozen=True)
class Column:
    name: str  # the HTCDS name of the column
    field: str  # the codebook field
    kind: str  # "value" (one HTCDS value), "flag" (0/1 for some codebook values), "date", "derived" (a code),
    #            "majority" (Minor/Adult from the age band)
    codes: frozenset[str] = frozenset()  # for flags: the codebook codes that set it


def _multi_columns(cb: Codebook, f: Field) -> list[Column]:
    vocab = cb.vocab(f)
    by_value: dict[str, set[str]] = {}
    for term in vocab.terms:
        if term.htcds:
            by_value.setdefault(term.htcds, set()).add(term.code)
    if f.htcds:
        base = f.htcds["field"]
        return [Column(base + value, f.key, "flag", frozenset(codes)) for value, codes in by_value.items()]
    return [Column(value, f.key, "flag", frozenset(codes)) for value, codes in by_value.items()]


def columns(cb: Codebook | None = None) -> list[Column]:
    """The export's columns, in codebook order."""
    cb = cb or load_codebook()
    out: list[Column] = []
    for section in cb.sections:
        for f in section.fields:
            if f.sensitivity == "direct":
                continue
            if f.type == "multi" and f.vocabulary:
                vocab = cb.vocab(f)
                if f.htcds or (vocab.terms and all(t.htcds and t.htcds.startswith("con_") for t in vocab.terms)):
                    out.extend(_multi_columns(cb, f))
            elif f.htcds:
                out.append(Column(f.htcds["field"], f.key, "date" if f.type == "date" else "value"))
    if "age_band" in cb.derived_fields:  # after the person's columns
        at = max((i + 1 for i, c in enumerate(out) if c.name.startswith("prs_")), default=0)
        out[at:at] = [Column(AGE_BAND, "age_band", "derived"), Column(MAJORITY, "age_band", "majority")]
    return out


def _htcds_value(cb: Codebook, f: Field, code: Any) -> str:
    if f.vocabulary is None:
        return str(code)
    term = cb.vocab(f).get(code)
    return term.htcds if term is not None and term.htcds else ""


def _derived_term(cb: Codebook, key: str, derived: dict[str, Any]):
    """A derived field's vocabulary term (None when missing, or unknown to the record's codebook)."""
    f, code = cb.derived_fields.get(key), derived.get(key)
    return cb.vocab(f).get(code) if f is not None and isinstance(code, str) else None


def _majority(term) -> str:
    return "" if term is None else "Minor" if int(term.attrs["min"]) < ADULT_FROM else "Adult"


def record(cb: Codebook, cols: list[Column], content: dict) -> dict[str, Any]:
    """One case as {HTCDS column: value}: flags 0/1, other values as HTCDS strings ("" when missing)."""
    row: dict[str, Any] = {}
    derived: dict[str, Any] | None = None
    for col in cols:
        value = content.get(col.field)
        if col.kind in ("derived", "majority"):
            if derived is None:
                derived = derive_demographics(cb, content)
            term = _derived_term(cb, col.field, derived)
            row[col.name] = _majority(term) if col.kind == "majority" else term.code if term is not None else ""
        elif col.kind == "flag":
            row[col.name] = 1 if isinstance(value, list) and col.codes & set(value) else 0
        elif value in (None, "", []):
            row[col.name] = ""
        elif col.kind == "date":
            row[col.name] = str(value)
        else:
            row[col.name] = _htcds_value(cb, cb.fields[col.field], value)
    return row


def is_trafficking_case(content: dict, flag_trafficking: bool | None) -> bool:
    """A victim row of HTCDS: the possible-trafficking indication raised, or a status the ERI / UIA
    recorded (possible, actual or not a victim: a decided NotAVictim is reported as such)."""
    status = content.get("trafficking_status")
    return flag_trafficking is True or (isinstance(status, str) and status != "")


def exportable_contents(engine: Engine, institution: str | None = None) -> Iterable[tuple[str, dict]]:
    """(codebook version, content) of each trafficking case's head whose consent covers statistics
    or research (the flag as stored in ``case_facts``, worked out again for a head without facts)."""
    q = (select(revisions_t.c.codebook_version, revisions_t.c.content, facts_t.c.flag_trafficking)
         .join(cases_t, cases_t.c.head_revision_id == revisions_t.c.revision_id)
         .outerjoin(facts_t, facts_t.c.case_id == cases_t.c.case_id).order_by(cases_t.c.case_id))
    if institution is not None:
        q = q.where(facts_t.c.institution == institution)
    with engine.connect() as conn:
        for version, content, flag in conn.execute(q):
            if content.get("consent_status") != "given" or \
                    not set(content.get("consent_purposes") or []) & set(CONSENT_PURPOSES):
                continue
            if flag is None:
                flag = derive(load_codebook(version), content).get("flag_trafficking")
            if is_trafficking_case(content, flag):
                yield version, content


def build_rows(contents: Iterable[tuple[str, dict]]) -> tuple[list[Column], list[dict]]:
    cb = load_codebook()
    cols = columns(cb)
    rows = [record(load_codebook(version), cols, content) for version, content in contents]
    return cols, rows


# --- k-anonymity -------------------------------------------------------------------------------------
def k_anonymize(rows: list[dict], k: int = K, quasi: tuple[str, ...] = QUASI_IDENTIFIERS) -> tuple[list[dict], dict]:
    """(released rows, a summary: suppressed values per column, dropped records)."""
    rows = [dict(r) for r in rows]
    quasi = tuple(q for q in quasi if rows and q in rows[0])
    if "cas_DateOfIdentification" in quasi:
        for r in rows:
            r["cas_DateOfIdentification"] = str(r["cas_DateOfIdentification"])[:4]
    suppressed: Counter = Counter()

    def small_rows() -> list[dict]:
        sizes = Counter(tuple(r[q] for q in quasi) for r in rows)
        return [r for r in rows if sizes[tuple(r[q] for q in quasi)] < k]

    while True:
        small = small_rows()
        if not small:
            break
        spread = {q: len({r[q] for r in small if r[q] != ""}) for q in quasi}
        target = max(spread, key=lambda q: (spread[q], -quasi.index(q)), default=None)
        if target is None or spread[target] == 0:
            break
        for r in small:
            if r[target] != "":
                r[target] = ""
                suppressed[target] += 1
    small_ids = {id(r) for r in small_rows()}
    released = [r for r in rows if id(r) not in small_ids]
    return released, {"k": k, "quasi_identifiers": list(quasi), "suppressed_values": dict(suppressed),
                      "dropped_records": len(rows) - len(released)}


def is_k_anonymous(rows: list[dict], k: int = K, quasi: tuple[str, ...] = QUASI_IDENTIFIERS) -> bool:
    quasi = tuple(q for q in quasi if rows and q in rows[0])
    sizes = Counter(tuple(r[q] for q in quasi) for r in rows)
    return all(n >= k for n in sizes.values())


# --- files ----------------------------------------------------------------------------------------------
def to_csv(cols: list[Column], rows: list[dict]) -> bytes:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=[c.name for c in cols], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def to_json(cols: list[Column], rows: list[dict], meta: dict) -> bytes:
    """Multi-selects as lists of HTCDS values under the field's HTCDS name."""
    groups: dict[str, list[tuple[str, str]]] = {}
    cb = load_codebook()
    for col in cols:
        if col.kind == "flag":
            f = cb.fields[col.field]
            base = f.htcds["field"] if f.htcds else None
            value = col.name[len(base):] if base else col.name
            groups.setdefault(base or "con_Consent", []).append((col.name, value))
    records = []
    for r in rows:
        out: dict[str, Any] = {}
        for col in cols:
            if col.kind != "flag":
                out[col.name] = r[col.name] if r[col.name] != "" else None
        for base, members in groups.items():
            if base == "con_Consent":  # each checklist item is an HTCDS field of its own: a boolean
                for name, _ in members:
                    out[name] = bool(r[name])
            else:
                out[base] = [value for name, value in members if r[name]]
        records.append(out)
    return json.dumps({"standard": "HTCDS 2.0", **meta, "records": records}, ensure_ascii=False,
                      indent=1).encode("utf-8")


def export_htcds(engine: Engine, fmt: str, *, k: int | None = None, institution: str | None = None) -> tuple[bytes, dict]:
    """(file bytes, summary) for ``fmt`` "csv" or "json"; ``k`` gives the k-anonymized variant."""
    cols, rows = build_rows(exportable_contents(engine, institution))
    summary: dict[str, Any] = {"cases": len(rows)}
    if k is not None:
        rows, info = k_anonymize(rows, k)
        summary.update(info, released=len(rows))
    data = to_csv(cols, rows) if fmt == "csv" else to_json(cols, rows, {"k_anonymity": summary if k else None})
    return data, summary
