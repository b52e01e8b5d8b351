"""Outgoing packages: prepare → a supervisor approves (the package is sealed then) →
export (sent). Every step is in the server's audit log.

- **Referral**: cases for one recipient and purpose. Each case's head revision must be
  allowed by the sharing policy (the person's consent covers the recipient's category
  and the purpose, or a legal basis recorded in the case that the profile accepts);
  otherwise :class:`ConsentDoesNotCover` names the case and the reason. Each record is
  minimized to exactly the profile's fields (answers and derived fields).
- **Aggregate**: suppressed tables for a period; no individual record (see aggregate.py).
- **Withdrawal notice**: when a case already sent is no longer covered (the person
  withdrew consent, or it no longer names the recipient or the purpose), a signed notice
  naming only case ids goes to the recipient, which erases what it holds. Notices need
  no approval: they release nothing.

A package is checked again at approval and at export: a referral whose person withdrew
consent does not leave, nor one whose case was edited since it was prepared (prepare it
again), nor bytes sealed to a recipient key that was replaced since (release_checks.py).
The manifest lists the profile's fields (what may be sent), never which ones a case answered.

A package belongs to its preparer's institution. Functions that take ``institution`` act for
a supervisor of that institution: a package of another institution is unknown to them (so
its existence does not show). ``None`` is national scope (a supervisor without an
institution, or the operator's own commands that release nothing).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any, Callable, Iterable

from sqlalchemy import select, update
from sqlalchemy.engine import Connection, Engine

from ...codebook import derive, load_codebook
from ...codebook.sharing import Decision, sharing_policy
from .. import audit
from ..db import transaction
from ..keys import KeyStore
from ..models import Case, CaseFacts, Revision
from . import envelope
from .errors import (
    AggregatePeriodNotClosed,
    ApproverNotSupervisor,
    CaseChangedSincePrepared,
    CaseUnknown,
    ConsentDoesNotCover,
    NoCases,
    PackageUnknown,
    PackageSealedToOldKey,
    PackageWrongState,
    RecipientHasNoKeys,
    SelfApproval,
    SenderCannotRefer,
    refusal,
)
from .packages import (  # noqa: F401  (re-exported: web.py, cli.py and tests read them here)
    PackageInfo,
    audit_unknown,
    get_package,
    in_scope as _in_scope,
    list_packages,
    locked as _locked,
    package_cases,
    packages_t,
    pcases_t,
)
from .registry import Recipient, load_registry, require_peer, self_key
from .release_checks import audit_prepare_refused, audit_refused, cases_digest, check_current_key, check_unchanged

cases_t, revisions_t, facts_t = Case.__table__, Revision.__table__, CaseFacts.__table__
MAX_CASES = 5000


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def iso(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def new_package_id() -> str:
    return "xp-" + uuid.uuid4().hex


def sender_country(conn: Connection, *, lock: str | None = None) -> tuple[str, str]:
    """(this server's registry key, its country); ``lock``: as :func:`registry.self_key`."""
    me = self_key(conn, lock=lock)
    return me, load_registry().get(me).country


# --- the sharing decision for one case ----------------------------------------------------------
def head_revisions(conn: Connection, case_ids: Iterable[str], institution: str | None = None) -> dict[str, Any]:
    """case_id -> head revision row (case_id, revision_id, codebook_version, content)."""
    ids = list(dict.fromkeys(case_ids))
    q = (select(cases_t.c.case_id, revisions_t.c.revision_id, revisions_t.c.codebook_version, revisions_t.c.content)
         .join(revisions_t, revisions_t.c.revision_id == cases_t.c.head_revision_id)
         .where(cases_t.c.case_id.in_(ids)))
    if institution is not None:  # a supervisor sees the cases of their own institution only
        q = q.join(facts_t, facts_t.c.case_id == cases_t.c.case_id).where(facts_t.c.institution == institution)
    rows = {r.case_id: r for r in conn.execute(q)}
    for cid in ids:
        if cid not in rows:
            err = CaseUnknown(case_id=cid)  # why, for the audit (never in the answer): another institution's, or none
            err.refusal = "other_institution" if institution is not None and conn.execute(
                select(cases_t.c.case_id).where(cases_t.c.case_id == cid)).first() is not None else "not_found"
            raise err
    return rows


def revision_row(conn: Connection, revision_id: str):
    return conn.execute(select(revisions_t.c.case_id, revisions_t.c.revision_id, revisions_t.c.codebook_version,
                               revisions_t.c.content).where(revisions_t.c.revision_id == revision_id)).one()


def decide(rec: Recipient, purpose: str, country: str, version: str, content: dict) -> tuple[Decision, dict]:
    """(the sharing decision, the derived fields) for one record and recipient."""
    cb = load_codebook(version)
    derived = derive(cb, content)
    category = rec.category_for(country)
    decision = sharing_policy(cb).decide(content, derived, purpose, institution=rec.institution, recipient=category)
    return decision, derived


def minimized(decision: Decision, version: str, content: dict, derived: dict) -> dict:
    """Exactly the profile's fields: answers and derived values it lets through."""
    return decision.profile.filter(load_codebook(version), {**content, **derived})


def _check_case(rec: Recipient, purpose: str, country: str, row) -> Decision:
    decision, _ = decide(rec, purpose, country, row.codebook_version, row.content)
    if not decision.allowed:
        raise refusal(row.case_id, rec.key, purpose, decision.reason)
    return decision


def profile_fields(rec: Recipient, purpose: str, country: str, version: str) -> list[str]:
    """Every field key the profile for this recipient and purpose lets through."""
    cb = load_codebook(version)
    profile = sharing_policy(cb).profile(rec.category_for(country) or "", purpose, rec.institution)
    if profile is None:
        return []
    return sorted(k for k, f in {**cb.fields, **cb.derived_fields}.items() if profile.allows(f))


# --- prepare --------------------------------------------------------------------------------------
def prepare_referral(engine: Engine, recipient: str, purpose: str, case_ids: list[str], *, actor: str,
                     institution: str | None = None, role: str = "supervisor") -> PackageInfo:
    """Check every case (all or nothing) and record a prepared package. Every refusal is
    audited (:func:`release_checks.audit_prepare_refused`; ``role``: the caller's)."""
    with audit_prepare_refused(engine, actor=actor, role=role, kind="referral", recipient=recipient, purpose=purpose):
        return _prepare_referral(engine, recipient, purpose, case_ids, actor=actor, institution=institution)


def _prepare_referral(engine: Engine, recipient: str, purpose: str, case_ids: list[str], *, actor: str,
                      institution: str | None) -> PackageInfo:
    rec = load_registry().check_purpose(recipient, purpose, "referral")
    case_ids = list(dict.fromkeys(case_ids))
    if not case_ids:
        raise NoCases()
    if len(case_ids) > MAX_CASES:
        raise PackageWrongState(package_id="-", state="too_many_cases", needed=str(MAX_CASES),
                                reason="too_many_cases")
    now = utcnow()
    pid = new_package_id()
    rows, fields, versions = [], set(), set()
    refused = None
    with engine.connect() as conn:  # check first, outside the write transaction
        me, country = sender_country(conn)
        if load_registry().get(me).institution is None:  # a coalition holds figures, not records to refer
            raise SenderCannotRefer(sender=me)
        heads = head_revisions(conn, case_ids, institution)
        for cid in case_ids:
            row = heads[cid]
            try:
                decision = _check_case(rec, purpose, country, row)
            except ConsentDoesNotCover as err:
                refused = err
                break
            rows.append({"package_id": pid, "case_id": cid, "revision_id": row.revision_id, "basis": decision.basis})
            versions.add(row.codebook_version)
    if refused is not None:
        _audit_refusal(engine, actor, rec.key, purpose, refused)  # case id and reason code only
        raise refused
    for v in versions:
        fields.update(profile_fields(rec, purpose, country, v))
    with transaction(engine) as conn:
        conn.execute(packages_t.insert().values(
            package_id=pid, kind="referral", recipient_key=rec.key, purpose=purpose, status="prepared",
            fields=sorted(fields), spec={"codebook_versions": sorted(versions)}, case_count=len(rows),
            institution=institution, prepared_by=actor, prepared_at=now))
        conn.execute(pcases_t.insert(), rows)
        audit.append(conn, actor, "exchange_prepared", pid, kind="referral", recipient=rec.key, purpose=purpose,
                     cases=len(rows), cases_sha256=cases_digest((r["case_id"], r["revision_id"]) for r in rows),
                     bases=sorted({r["basis"] for r in rows}))
    return get_package(engine, pid)


def _audit_refusal(engine: Engine, actor: str, recipient: str, purpose: str,
                   err: ConsentDoesNotCover | CaseChangedSincePrepared, package_id: str | None = None) -> None:
    """Case id and reason code only (and the package's id, once there is a package)."""
    reason = err.params.get("reason", "case_changed")
    package_id = err.params.get("package_id", package_id)
    extra = {"package_id": package_id} if package_id else {}
    audit_refused(engine, actor, "exchange_refused", err.params["case_id"], recipient=recipient, purpose=purpose,
                  reason=reason, **extra)


def prepare_aggregate(engine: Engine, recipient: str, period: str, *, actor: str,
                      institution: str | None = None, role: str = "supervisor") -> PackageInfo:
    with audit_prepare_refused(engine, actor=actor, role=role, kind="aggregate", recipient=recipient,
                               purpose="reporting"):
        return _prepare_aggregate(engine, recipient, period, actor=actor, institution=institution)


def _prepare_aggregate(engine: Engine, recipient: str, period: str, *, actor: str,
                       institution: str | None) -> PackageInfo:
    from .aggregate import check_closed, normalize_period, parse_period

    rec = load_registry().check_purpose(recipient, "reporting", "aggregate")
    first, last = parse_period(period)
    period = normalize_period(period)  # "T3 2026" is kept, audited and refused by name as 2026-Q3
    check_closed(period, last)  # the running quarter's figures still change
    pid = new_package_id()
    with transaction(engine) as conn:
        self_key(conn)
        conn.execute(packages_t.insert().values(
            package_id=pid, kind="aggregate", recipient_key=rec.key, purpose="reporting", status="prepared",
            fields=[], spec={"period": period, "from": first, "to": last}, case_count=0,
            institution=institution, prepared_by=actor, prepared_at=utcnow()))
        audit.append(conn, actor, "exchange_prepared", pid, kind="aggregate", recipient=rec.key, period=period,
                     institution=institution)
    return get_package(engine, pid)


# --- approve (seal) -----------------------------------------------------------------------------------
def _referral_payload(conn: Connection, rec: Recipient, purpose: str, country: str, pid: str,
                      recheck_head: bool) -> tuple[list[dict], set[str]]:
    items, versions = [], set()
    for pc in conn.execute(select(pcases_t).where(pcases_t.c.package_id == pid).order_by(pcases_t.c.case_id)):
        row = revision_row(conn, pc.revision_id)
        decision = _check_case(rec, purpose, country, row)
        if recheck_head:  # a later revision may have withdrawn consent, or changed the answers
            head = head_revisions(conn, [pc.case_id])[pc.case_id]
            if head.revision_id != row.revision_id:
                _check_case(rec, purpose, country, head)  # a withdrawn consent is said as such
                check_unchanged(pid, pc.case_id, row.revision_id, head.revision_id)
        _, derived = decide(rec, purpose, country, row.codebook_version, row.content)
        items.append({"case_id": pc.case_id, "revision_id": pc.revision_id, "codebook_version": row.codebook_version,
                      "basis": decision.basis, "content": minimized(decision, row.codebook_version, row.content,
                                                                     derived)})
        versions.add(row.codebook_version)
    return items, versions


def _seal(conn: Connection, keystore: KeyStore, pkg, payload: dict, fields: list[str], cases: int,
          version: str) -> tuple[bytes, envelope.Manifest]:
    me = self_key(conn, lock="share")  # an identity change waits until this package is committed
    peer = require_peer(conn, pkg.recipient_key)
    return envelope.seal({"package_id": pkg.package_id, "kind": pkg.kind, "sender": me,
                          "recipient": pkg.recipient_key, "purpose": pkg.purpose, "created_at": iso(utcnow()),
                          "codebook_version": version, "cases": cases, "fields": fields},
                         payload, sender_keys=keystore.keys().signing, recipient_hpke_public=peer.hpke_public)


_APPROVE_REFUSALS = (SelfApproval, ConsentDoesNotCover, CaseChangedSincePrepared, AggregatePeriodNotClosed)


def approve(engine: Engine, keystore: KeyStore, package_id: str, *, approver: str, approver_role: str,
            institution: str | None = None) -> PackageInfo:
    """A supervisor's approval: the package is built, encrypted to the recipient and signed now.
    A refusal (self-approval, consent, a case changed since preparation, an open quarter) is audited;
    so is another institution's package (or none such), as ``access_refused``."""
    if approver_role != "supervisor":
        raise ApproverNotSupervisor(role=approver_role)
    try:
        _approve(engine, keystore, package_id, approver, institution)
    except PackageUnknown as err:
        audit_unknown(engine, err, actor=approver, role=approver_role, attempt="package_approve")
        raise
    except _APPROVE_REFUSALS as err:  # raised inside the transaction: logged on its own, then raised
        audit_refused(engine, approver, "exchange_approve_refused", package_id, code=err.code,
                      **{k: v for k, v in err.params.items() if k in ("case_id", "reason")})
        raise
    return get_package(engine, package_id)


def _approve(engine: Engine, keystore: KeyStore, package_id: str, approver: str, institution: str | None) -> None:
    with transaction(engine) as conn:
        pkg = _locked(conn, package_id, institution)
        if pkg.status != "prepared":
            raise PackageWrongState(package_id=package_id, state=pkg.status, needed="prepared", reason=pkg.status)
        if pkg.prepared_by == approver:
            raise SelfApproval(package_id=package_id)
        rec = load_registry().get(pkg.recipient_key)
        _, country = sender_country(conn, lock="share")  # checked and sealed under one identity
        if pkg.kind == "referral":
            items, versions = _referral_payload(conn, rec, pkg.purpose, country, package_id, recheck_head=True)
            payload = {"cases": items}
            version = max(versions)
            # what the profile lets through, never which fields these cases answered: a one-case
            # package's cleartext manifest would otherwise tell "Pregnancy", "Sexual exploitation"
            fields = sorted({k for v in versions for k in profile_fields(rec, pkg.purpose, country, v)})
            cases = len(items)
            digest = {"cases_sha256": cases_digest((it["case_id"], it["revision_id"]) for it in items)}
        else:
            from .aggregate import aggregate_tables, check_closed

            check_closed(pkg.spec["period"], pkg.spec["to"])  # one prepared before closed quarters were required
            payload = {"tables": aggregate_tables(conn, pkg.spec, institution=pkg.institution)}
            version, fields, cases, digest = load_codebook().version, [], 0, {}
        data, manifest = _seal(conn, keystore, pkg, payload, fields, cases, version)
        now = utcnow()
        conn.execute(update(packages_t).where(packages_t.c.package_id == package_id).values(
            status="approved", approved_by=approver, approved_at=now, data=data, sha256=envelope.package_sha256(data),
            fields=fields))
        audit.append(conn, approver, "exchange_approved", package_id, kind=pkg.kind, recipient=pkg.recipient_key,
                     purpose=pkg.purpose, cases=cases, sha256=envelope.package_sha256(data), **digest)


def cancel(engine: Engine, package_id: str, *, actor: str, institution: str | None = None,
           role: str = "supervisor") -> PackageInfo:
    """Drop a package not sent yet (its sealed bytes erased). ``role``: the caller's, for the
    audit of a package refused as unknown (the pages and commands that cancel are a supervisor's)."""
    try:
        return _cancel(engine, package_id, actor, institution)
    except PackageUnknown as err:
        audit_unknown(engine, err, actor=actor, role=role, attempt="package_cancel")
        raise


def _cancel(engine: Engine, package_id: str, actor: str, institution: str | None) -> PackageInfo:
    with transaction(engine) as conn:
        pkg = _locked(conn, package_id, institution)
        if pkg.status not in ("prepared", "approved"):
            raise PackageWrongState(package_id=package_id, state=pkg.status, needed="prepared_or_approved",
                                    reason=pkg.status)
        conn.execute(update(packages_t).where(packages_t.c.package_id == package_id).values(status="cancelled",
                                                                                          data=None))
        audit.append(conn, actor, "exchange_cancelled", package_id, kind=pkg.kind, recipient=pkg.recipient_key,
                     was=pkg.status)
    return get_package(engine, package_id)


# --- export (send) ------------------------------------------------------------------------------------
def export(engine: Engine, package_id: str, *, actor: str, institution: str | None = None,
           role: str = "supervisor", write: Callable[[bytes], None] | None = None) -> bytes:
    """The sealed bytes of an approved (or already sent) package; marks it sent. The bytes must
    be sealed to the recipient's current key; a referral is re-checked against each case's
    current head first (its consent, and that it is still the revision prepared). Another
    institution's package (or none such) is audited as ``access_refused`` (``role``: the caller's).
    ``write`` (the command line's file) gets the bytes before the package is marked sent, in the
    same transaction: if it fails (a full stick), the package is not marked sent nor audited."""
    with engine.connect() as conn:  # check first, outside the write transaction
        try:
            pkg = _locked(conn, package_id, institution)
        except PackageUnknown as err:
            conn.rollback()
            audit_unknown(engine, err, actor=actor, role=role, attempt="package_export")
            raise
        if pkg.status not in ("approved", "sent"):
            raise PackageWrongState(package_id=package_id, state=pkg.status, needed="approved", reason=pkg.status)
        refused = None
        try:
            check_current_key(conn, pkg)
        except (PackageSealedToOldKey, RecipientHasNoKeys) as err:  # replaced, or removed (keys remove)
            refused = err
        if pkg.kind == "referral" and refused is None:
            rec = load_registry().get(pkg.recipient_key)
            _, country = sender_country(conn)
            for pc in conn.execute(select(pcases_t).where(pcases_t.c.package_id == package_id)).all():
                head = head_revisions(conn, [pc.case_id])[pc.case_id]
                try:
                    _check_case(rec, pkg.purpose, country, head)
                    check_unchanged(package_id, pc.case_id, pc.revision_id, head.revision_id)
                except (ConsentDoesNotCover, CaseChangedSincePrepared) as err:
                    refused = err
                    break
    if isinstance(refused, (PackageSealedToOldKey, RecipientHasNoKeys)):
        audit_refused(engine, actor, "exchange_export_refused", package_id, code=refused.code,
                      recipient=pkg.recipient_key)
        raise refused
    if refused is not None:
        _audit_refusal(engine, actor, pkg.recipient_key, pkg.purpose, refused, package_id)
        raise refused
    with transaction(engine) as conn:
        pkg = _locked(conn, package_id)
        if pkg.status not in ("approved", "sent"):
            raise PackageWrongState(package_id=package_id, state=pkg.status, needed="approved", reason=pkg.status)
        if write is not None:
            write(bytes(pkg.data))
        now = utcnow()
        conn.execute(update(packages_t).where(packages_t.c.package_id == package_id).values(
            status="sent", sent_by=pkg.sent_by or actor, sent_at=pkg.sent_at or now))
        audit.append(conn, actor, "exchange_sent", package_id, kind=pkg.kind, recipient=pkg.recipient_key,
                     sha256=pkg.sha256, again=pkg.status == "sent")
        return bytes(pkg.data)


# --- withdrawals ---------------------------------------------------------------------------------------
def due_withdrawals(engine: Engine, institution: str | None = None) -> dict[str, list[tuple[str, str]]]:
    """recipient -> [(case_id, package_id)] for cases sent whose current head no longer
    allows that recipient and purpose, and that no notice made after the sending covers
    (a person may consent again, be sent again, and withdraw again)."""
    reg = load_registry()
    due: dict[str, list[tuple[str, str]]] = {}
    with engine.connect() as conn:
        _, country = sender_country(conn)
        sent = conn.execute(_in_scope(select(pcases_t.c.case_id, pcases_t.c.package_id, packages_t.c.recipient_key,
                                             packages_t.c.purpose, packages_t.c.sent_at)
                                      .join(packages_t, packages_t.c.package_id == pcases_t.c.package_id)
                                      .where(packages_t.c.kind == "referral", packages_t.c.status == "sent"),
                                      institution)).all()
        notified: dict[tuple[str, str], datetime] = {}  # (recipient, case) -> the latest notice
        for r in conn.execute(select(packages_t.c.recipient_key, pcases_t.c.case_id, packages_t.c.prepared_at)
                              .join(pcases_t, pcases_t.c.package_id == packages_t.c.package_id)
                              .where(packages_t.c.kind == "withdrawal", packages_t.c.status != "cancelled")):
            key = (r.recipient_key, r.case_id)
            notified[key] = max(notified.get(key, r.prepared_at), r.prepared_at)
        sent = [row for row in sent if (row.recipient_key, row.case_id) not in notified
                or row.sent_at >= notified[(row.recipient_key, row.case_id)]]
        heads = head_revisions(conn, [row.case_id for row in sent]) if sent else {}
        for case_id, package_id, recipient, purpose, _ in sent:
            head = heads[case_id]
            decision, _ = decide(reg.get(recipient), purpose, country, head.codebook_version, head.content)
            if not decision.allowed:
                due.setdefault(recipient, []).append((case_id, package_id))
    return due


def prepare_withdrawals(engine: Engine, keystore: KeyStore, *, actor: str,
                        institution: str | None = None) -> list[PackageInfo]:
    """One sealed notice per recipient and institution for every withdrawal due (ready to
    export); a notice belongs to the institution of the referrals it withdraws."""
    due = due_withdrawals(engine, institution)
    referrals = {p for items in due.values() for _, p in items}
    owner: dict[str, str | None] = {}
    if referrals:
        with engine.connect() as conn:
            owner = dict(conn.execute(select(packages_t.c.package_id, packages_t.c.institution)
                                      .where(packages_t.c.package_id.in_(referrals))).all())
    made = []
    for recipient, items in sorted(due.items()):
        for inst in sorted({owner.get(p) for _, p in items}, key=lambda i: i or ""):
            made.append(make_withdrawal(engine, keystore, recipient, [it for it in items if owner.get(it[1]) == inst],
                                        actor=actor, institution=inst))
    return made


def make_withdrawal(engine: Engine, keystore: KeyStore, recipient: str, items: list[tuple[str, str]], *,
                    actor: str, institution: str | None = None) -> PackageInfo:
    pid = new_package_id()
    case_ids = sorted({c for c, _ in items})
    refs = sorted({p for _, p in items})
    now = utcnow()
    with transaction(engine) as conn:
        conn.execute(packages_t.insert().values(
            package_id=pid, kind="withdrawal", recipient_key=recipient, purpose="withdrawal", status="prepared",
            fields=[], spec={"packages": refs}, case_count=len(case_ids), institution=institution,
            prepared_by=actor, prepared_at=now))
        conn.execute(pcases_t.insert(), [{"package_id": pid, "case_id": c, "revision_id": None, "basis": None}
                                         for c in case_ids])
        pkg = _locked(conn, pid)
        payload = {"withdrawals": [{"case_id": c, "packages": sorted({p for cc, p in items if cc == c})}
                                   for c in case_ids]}
        data, _ = _seal(conn, keystore, pkg, payload, [], len(case_ids), load_codebook().version)
        conn.execute(update(packages_t).where(packages_t.c.package_id == pid).values(
            status="approved", approved_by=actor, approved_at=now, data=data, sha256=envelope.package_sha256(data)))
        audit.append(conn, actor, "exchange_withdrawal_prepared", pid, recipient=recipient, cases=len(case_ids))
    return get_package(engine, pid)
