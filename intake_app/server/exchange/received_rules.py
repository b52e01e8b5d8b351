"""What a received package may hold: the receiving side's own reading of the sharing rules.

A correctly signed package from a trusted peer is still checked for what it says, as if the
sender's software could be wrong or modified (docs/exchange.md, "What the receiving server
checks"):

- **a referral**: each record is a minimized one (only the profile's fields, each valid for
  the codebook version it names), and the sharing decision is made again here, for this
  server's institution as the recipient (:meth:`SharingPolicy.decide`, the same one the
  sending side uses): the basis the sender gives must be the one that decision reaches
  (``consent`` given, covering this recipient's category and the purpose, or a legal basis
  that a ``without_consent`` rule names for this institution, whose ``when`` holds and that
  respects a refusal unless ``also_when_refused``). A consent field the profile withholds
  cannot be checked here: it is taken as the basis implies. A purpose without a profile for
  this recipient, a derived value that its answers contradict, or a choice the codebook does
  not allow for the answers sent (a child consenting alone) refuses the package;
- **an aggregate**: the dashboard's suppressed tables only (k, the cells as the dashboard
  writes them, no person's details in a label), for ``reporting``, between servers the
  registry lets exchange aggregates;
- **a withdrawal notice**: case ids and the packages they came in.

Every refusal names the record and the rules broken ("field:rule"), never a value.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from ...bundle.format import FIELD_ITEMS, FieldError, check_id, check_int, check_list, check_map
from ...codebook import conditions, load_codebook, validate_record
from ...codebook.derive import derive_demographics
from ...codebook.sharing import SharingProfile, sharing_policy
from ...errors import InvalidRecord
from ..dashboard.filters import MAX_QUARTERS
from ..dashboard.suppress import COMPLEMENT_MARK, K, PRIMARY_MARK
from . import envelope
from .errors import PackageInvalidContent, PackageMalformed
from .registry import Recipient, load_registry

TOLERATED = {"required", "not_applicable"}  # minimized records lack the other answers
AGE_KEYS = ("age_years", "minor", "age_band", "sex_age_group", "unaccompanied_minor")
CONSENT_FIELDS = ("consent_status", "consent_recipients", "consent_purposes", "legal_basis")
MAX_LABEL = 200  # a dashboard title, header or row label (codebook words), never a narrative
MAX_NOTE = 2000  # a table's note: the dashboard's own explanation
_CODE = re.compile("[A-Za-z0-9_.:+-]{1,64}", re.ASCII)  # a row code ("__total__", "48+")
_CHANGE = re.compile("[+-][0-9]{1,6}\u00a0%")  # the overview's change column, as views.py writes it


def _malformed(exc: FieldError) -> PackageMalformed:
    """The decrypted payload does not have the structure a correct sender writes."""
    return PackageMalformed(part="content", field=exc.args[0])


# --- referrals --------------------------------------------------------------------------------------
def _profile(me: str, sender_country: str, purpose: str, version: str) -> tuple[Recipient, SharingProfile | None]:
    rec = load_registry().get(me)
    if purpose not in rec.purposes or rec.institution is None:
        return rec, None
    cb = load_codebook(version)
    return rec, sharing_policy(cb).profile(rec.category_for(sender_country) or "", purpose, rec.institution)


def _profile_fields(me: str, sender_country: str, purpose: str, version: str, *,
                    withheld_only: bool = False) -> set[str]:
    """The fields this server's profile for the sender lets through; ``withheld_only``: those
    it withholds only with a withheld field (dropped on arrival, see incoming.py's notes)."""
    _, profile = _profile(me, sender_country, purpose, version)
    if profile is None:
        return set()
    cb = load_codebook(version)
    keep = profile.withheld_only_with if withheld_only else profile.allows
    return {k for k, f in {**cb.fields, **cb.derived_fields}.items() if keep(f)}


def _choice_problem(cb, field: str, content: dict) -> bool:
    """A choice the codebook allows only under a condition (``allowed_if``): a problem when the
    condition's fields were sent (or derived from what was sent) and it does not hold."""
    fdef = cb.fields.get(field)
    cond = ((fdef.validation or {}).get("allowed_if") or {}).get(content.get(field)) if fdef else None
    if cond is None:
        return True
    values = {**content, **derive_demographics(cb, content)}
    if not all(ref in values for ref in conditions.referenced_fields(cond)):
        return False  # withheld by the profile: the sender's record had it
    return not conditions.evaluate(cond, values)


def check_content(version: str, content: dict, allowed: set[str]) -> list[str]:
    """Problems ("field:rule") of one minimized record; never its values."""
    cb = load_codebook(version)
    problems = [f"{k}:not_in_profile" for k in sorted(content) if k not in allowed]
    answers = {k: v for k, v in content.items() if k in cb.fields}
    derived = {k: v for k, v in content.items() if k in cb.derived_fields}
    try:
        validate_record(cb, answers, today=date.today() + timedelta(days=1))
    except InvalidRecord as exc:
        problems += [f"{p.field}:{p.rule}" for p in exc.problems if p.rule not in TOLERATED
                     and (p.rule != "choice_not_allowed_here" or _choice_problem(cb, p.field, content))]
    for key, value in derived.items():
        f = cb.derived_fields[key]
        ok = ((f.type == "integer" and type(value) is int) or (f.type == "boolean" and type(value) is bool)
              or (f.type == "choice" and type(value) is str and value in cb.vocab(f)))
        if not ok:
            problems.append(f"{key}:type")
    return problems or derived_problems(cb, answers, derived)


def derived_problems(cb, answers: dict, sent: dict) -> list[str]:
    """Derived values the answers sent contradict (recomputed as the codebook derives them).
    The age needs the record date: without it, the age today (a day ahead, for clocks) is at
    least the one the sender computed, and a child today was a child then."""
    inputs = dict(answers)
    exact = "record_date" in answers
    if "birth_date" in answers and not exact:
        inputs["record_date"] = (date.today() + timedelta(days=1)).isoformat()
    got = derive_demographics(cb, inputs)
    problems = []
    for key, value in sent.items():
        if key not in got or (key == "unaccompanied_minor" and "accompaniment" not in answers):
            continue  # its inputs were withheld by the profile
        if key in AGE_KEYS and "birth_date" not in answers:
            continue  # the sender's age came from the birth date, not sent
        if key in AGE_KEYS and not exact:
            wrong = (key == "age_years" and value > got[key]) or (key == "minor" and got[key] and not value)
        else:
            wrong = value != got[key]
        if wrong:
            problems.append(f"{key}:derived_mismatch")
    return problems


def basis_problems(version: str, rec: Recipient, profile: SharingProfile, category: str, purpose: str,
                   basis: str, content: dict) -> list[str]:
    """The sharing decision made again for this server as the recipient: [] when it reaches
    ``basis``. A consent field the profile withholds is taken as the basis implies."""
    cb = load_codebook(version)
    fields = {**cb.fields, **cb.derived_fields}
    view = {k: v for k, v in content.items() if k in cb.fields}
    derived = {k: v for k, v in content.items() if k in cb.derived_fields}
    implied = {"consent_status": "given", "consent_recipients": [category], "consent_purposes": [purpose]} \
        if basis == "consent" else {"consent_status": "not_possible", "legal_basis": basis}
    problems = []
    for key in CONSENT_FIELDS:
        shared = key in fields and profile.allows(fields[key])
        if key == "consent_status" and shared and key not in view:
            problems.append("consent_status:missing")  # required in every record, and shared
        if not shared and key in implied:
            view[key] = implied[key]
    decision = sharing_policy(cb).decide(view, derived, purpose, institution=rec.institution, recipient=category)
    if not decision.allowed or decision.basis != basis:
        problems.append("basis:not_allowed")
        if decision.reason:
            problems.append(f"basis:{decision.reason}")  # a reason code (consent_refused, ...)
    return problems


def _referral_rows(body: dict, manifest: envelope.Manifest, sender_country: str, me: str,
                   now: datetime) -> tuple[list[dict], int]:
    """(the rows to store, how many field values were dropped on arrival)."""
    try:
        check_map(body, "payload", {"v", "cases"})
        cases = check_list(body["cases"], "cases", envelope.MAX_CASES["referral"])
        if len(cases) != manifest.cases:
            raise FieldError("counts")
    except FieldError as exc:
        raise _malformed(exc) from None
    rows, seen, dropped = [], set(), 0
    listed = set(manifest.fields)
    for item in cases:
        try:
            check_map(item, "case", {"case_id", "revision_id", "codebook_version", "basis", "content"})
            cid, rid = check_id(item["case_id"], "case_id"), check_id(item["revision_id"], "revision_id")
            version, basis = check_id(item["codebook_version"], "codebook_version"), check_id(item["basis"], "basis")
            if type(item["content"]) is not dict or cid in seen:
                raise FieldError("content")
            for key in item["content"].keys() - listed:  # named in a problem: a field key, never a text
                check_id(key, "content")
        except FieldError as exc:
            raise _malformed(exc) from None
        seen.add(cid)
        rec, profile = _profile(me, sender_country, manifest.purpose, version)
        if profile is None:  # no agreement for this purpose: not even an empty record is kept
            raise PackageInvalidContent(case_id=cid, problems=["purpose:no_profile"])
        allowed = _profile_fields(me, sender_country, manifest.purpose, version) & listed
        drop = _profile_fields(me, sender_country, manifest.purpose, version, withheld_only=True) & listed
        content = {k: v for k, v in item["content"].items() if k not in drop}
        dropped += len(item["content"]) - len(content)
        problems = check_content(version, content, allowed)
        status = content.get("consent_status")
        if basis == "consent" and status is not None and status != "given":
            problems.append("consent_status:contradicts_basis")  # sent 'under consent' that was not given
        if not problems:
            problems = basis_problems(version, rec, profile, rec.category_for(sender_country) or "",
                                      manifest.purpose, basis, content)
        if problems:
            raise PackageInvalidContent(case_id=cid, problems=problems[:50])
        rows.append({"package_id": manifest.package_id, "sender_key": manifest.sender, "sender_case_id": cid,
                     "revision_id": rid, "codebook_version": version, "purpose": manifest.purpose, "basis": basis,
                     "content": content, "received_at": now, "withdrawn": False})
    return rows, dropped


# --- aggregates -------------------------------------------------------------------------------------
def _texts(value, name: str, max_items: int = 100, max_len: int = MAX_LABEL) -> None:
    if not all(type(c) is str and len(c) <= max_len for c in check_list(value, name, max_items)):
        raise FieldError(name)


def _typed(value, kind: type, name: str) -> None:
    if type(value) is not kind:
        raise FieldError(name)


def _cell_ok(cell: str, change: bool) -> bool:
    """A cell as the dashboard shows it: empty, 0, a count of at least k, or a mark; the
    overview's change column: a percentage or a dash."""
    if cell in ("", "0", PRIMARY_MARK, COMPLEMENT_MARK):
        return True
    if cell.isascii() and cell.isdigit():
        return not cell.startswith("0") and int(cell) >= K
    return change and (cell == "\u2014" or _CHANGE.fullmatch(cell) is not None)


def _aggregate_refused(where: str, problem: str) -> PackageInvalidContent:
    return PackageInvalidContent(case_id=where, problems=[problem])


def _aggregate_rules(manifest: envelope.Manifest, me: str) -> None:
    """An aggregate package for ``reporting``, lists no field, and both servers' registry
    entries exchange aggregates."""
    registry = load_registry()
    if manifest.purpose != "reporting":
        raise _aggregate_refused("-", "purpose:not_reporting")
    if manifest.fields:
        raise _aggregate_refused("-", "fields:not_empty")
    for key in (manifest.sender, me):
        if "aggregate" not in registry.get(key).kinds:
            raise _aggregate_refused("-", "kind:not_allowed")


def _aggregate_tables(body: dict, manifest: envelope.Manifest, me: str) -> dict:
    """The dashboard tables as sent: shown strings only (numbers of at least k, "<11", "x"),
    no records; each value of the type ``aggregate.table_dict`` writes (nothing nested where a
    page expects a string), codes as identifiers and labels of bounded length."""
    _aggregate_rules(manifest, me)
    try:
        check_map(body, "payload", {"v", "tables"})
        tables = check_map(body["tables"], "tables", {"period", "from", "to", "k", "quarters"})
        _texts([tables["period"], tables["from"], tables["to"]], "period", max_len=40)
        check_int(tables["k"], "k", 1, 1000)
        blocks = check_list(tables["quarters"], "quarters", MAX_QUARTERS)
        for block in blocks:
            check_map(block, "quarter", {"quarter", "too_few", "persons", "views"})
            _typed(block["quarter"], str, "quarter")
            check_id(block["quarter"], "quarter")
            _typed(block["too_few"], bool, "too_few")
            if block["persons"] is not None:
                check_int(block["persons"], "persons")
            _typed(block["views"], dict, "views")
            for view, items in block["views"].items():
                check_id(view, "views")
                for table in check_list(items, "tables", 100):
                    check_map(table, "table", {"id", "title", "row_header", "columns", "note", "rows"})
                    _texts([table["id"], table["title"], table["row_header"]], "table")
                    _texts([table["note"]], "table", max_len=MAX_NOTE)
                    check_id(table["id"], "table")
                    _texts(table["columns"], "columns")
                    for row in check_list(table["rows"], "rows", FIELD_ITEMS):
                        check_map(row, "row", {"code", "label", "cells", "total"})
                        _texts([row["code"], row["label"]], "row")
                        if row["code"] and not _CODE.fullmatch(row["code"]):
                            raise FieldError("row")
                        _texts(row["cells"], "cells")
                        _typed(row["total"], bool, "total")
    except FieldError as exc:
        raise _malformed(exc) from None
    if tables["k"] != K:
        raise _aggregate_refused("-", "k:not_the_threshold")
    for block in blocks:
        _check_block(block)
    return tables


def _check_block(block: dict) -> None:
    """One quarter: too few persons means no table; else every cell is one the dashboard shows."""
    where = block["quarter"]
    if block["too_few"]:
        if block["persons"] is not None or block["views"]:
            raise _aggregate_refused(where, "quarter:too_few_with_tables")
        return
    if block["persons"] is not None and block["persons"] < K:
        raise _aggregate_refused(where, "persons:below_threshold")
    for view, items in block["views"].items():
        for table in items:
            last = len(table["columns"]) - 1
            for row in table["rows"]:
                for j, cell in enumerate(row["cells"]):
                    if not _cell_ok(cell, view == "overview" and j == last):
                        raise _aggregate_refused(where, "cells:not_suppressed")


# --- withdrawal notices -----------------------------------------------------------------------------
def _withdrawals(body: dict, manifest: envelope.Manifest) -> list[tuple[str, list[str]]]:
    """[(case id, [the referral packages withdrawn for it])], as the notice names them."""
    try:
        check_map(body, "payload", {"v", "withdrawals"})
        items = check_list(body["withdrawals"], "withdrawals", envelope.MAX_CASES["withdrawal"])
        out = []
        for i in items:
            check_map(i, "withdrawal", {"case_id", "packages"})
            packages = [envelope.check_package_id(p, "packages") for p in check_list(i["packages"], "packages", 10_000)]
            if not packages:
                raise FieldError("packages")
            out.append((check_id(i["case_id"], "case_id"), packages))
        if len(out) != manifest.cases:
            raise FieldError("counts")
    except FieldError as exc:
        raise _malformed(exc) from None
    return out
