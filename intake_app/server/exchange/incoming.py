"""The receiving side: verify the sender, decrypt, validate, store once; honour withdrawals.

Order of checks (each refusal is typed, audited, and stores nothing):
1. the framing and the cleartext manifest (``NotAPackage``, ``PackageMalformed``);
2. addressed to this server (``PackageNotForUs``: another recipient);
3. a sender whose keys were imported here (``PackageUnknownSender``), and both of its
   signatures (``PackageTampered``);
4. never received before (``PackageAlreadyReceived``: a replay stores nothing again);
5. fresh and not empty: created no later than this server's clock plus :data:`CLOCK_SKEW`
   (``PackageFromTheFuture``; an old package is accepted: files travel by hand and may
   wait, and a replay is caught by its id), and a referral or notice names at least one
   case (``PackageEmpty``);
6. decrypt (``PackageKeyNotHeld``: sealed to a key this server does not hold), then the
   content: every record validates against the codebook version it names and carries
   only fields that the manifest lists *and* that the sharing profile for this recipient
   and purpose allows, and its basis is the one the sharing decision made again here for
   this server reaches; an aggregate holds the dashboard's suppressed tables only
   (``PackageInvalidContent``; the rules: received_rules.py); a field the profile withholds only
   because it reveals a withheld one (``SharingProfile.withheld_with``: a sender not yet
   updated still sends it) is dropped on arrival, never stored, and counted in the audit
   (``withheld_dropped``), never refuses the package. Decrypting, decompressing and decoding
   are bounded by what the signed manifest declares (:func:`envelope.payload_limits`);
   every list is checked against those bounds and every value read here for its type, so
   a signed but hostile package is refused in words (``PackageMalformed``), never stored
   in a shape that breaks a page later.

Received records are kept apart from the server's own cases (``exchange_received_cases``),
so they are never put into a package again. A withdrawal notice marks the sender's cases
withdrawn here and erases their content.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from ...errors import IntakeError
from .. import audit
from ..db import transaction
from ..keys import KeyStore
from . import envelope
from .errors import (
    PackageAlreadyReceived,
    PackageEmpty,
    PackageFromTheFuture,
    PackageMalformed,
    PackageUnknown,
    PackageNotForUs,
    PackageUnknownSender,
    ReceivedCaseUnknown,
    NotYourInstitution,
    ReceivedCaseWithdrawn,
    SenderCannotRefer,
    StatisticsAreAggregates,
    UnknownRecipient,
)
from .models import ExchangeReceived, ExchangeReceivedCase, ExchangeReceivedWithdrawal
from .received_rules import (  # noqa: F401  (check_content, _profile_fields, TOLERATED: read here by tests)
    TOLERATED,
    _aggregate_tables,
    _profile_fields,
    _referral_rows,
    _withdrawals,
    check_content,
)
from .registry import RECORD_PURPOSES, get_peer, load_registry, self_key

received_t = ExchangeReceived.__table__
rcases_t = ExchangeReceivedCase.__table__
rwithdrawals_t = ExchangeReceivedWithdrawal.__table__
CLOCK_SKEW = timedelta(minutes=15)  # how far ahead of this server's clock a sender's may be


@dataclass(frozen=True)
class ImportResult:
    package_id: str
    kind: str
    sender: str
    purpose: str
    cases: int
    withdrawn: int
    dropped: int = 0  # field values withheld with a withheld field, dropped on arrival (not stored)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def inspect(data: bytes) -> envelope.Manifest:
    """The manifest a person reads before importing (nothing verified yet)."""
    return envelope.read_manifest(data)


def _in_registry(key: str) -> bool:
    """A registry key this server knows (an unverified manifest may name anything else)."""
    try:
        return key in load_registry().recipients
    except IntakeError:
        return False


def _audit_refused(engine: Engine, actor: str, err: IntakeError, manifest: envelope.Manifest | None) -> None:
    """The refusal in the audit log: of the unverified manifest, only a package id of the form
    a sender writes and a sender that is a registry key, never other text it carries."""
    package_id = manifest.package_id if manifest and envelope.PACKAGE_ID.fullmatch(manifest.package_id) else None
    sender = manifest.sender if manifest and _in_registry(manifest.sender) else None
    try:
        with transaction(engine) as conn:
            audit.append(conn, actor, "exchange_import_refused", package_id, code=err.code, sender=sender)
    except Exception:  # the refusal stands even if it cannot be logged now
        pass


def import_package(engine: Engine, keystore: KeyStore, data: bytes, *, actor: str,
                   institution: str | None = None) -> ImportResult:
    """Verify and store a package addressed to this server. ``institution``: the importing
    supervisor's; one of another institution than the one the server receives for may not."""
    manifest = None
    try:
        manifest = envelope.read_manifest(data)
        check_may_receive(engine, institution)
        result = _import(engine, keystore, bytes(data), manifest, actor)
    except IntakeError as err:
        _audit_refused(engine, actor, err, manifest)
        raise
    return result


def _import(engine: Engine, keystore: KeyStore, data: bytes, manifest: envelope.Manifest, actor: str) -> ImportResult:
    with engine.connect() as conn:
        me = self_key(conn)
        if manifest.recipient != me and not _in_registry(manifest.recipient):  # no recipient at all: damaged
            raise PackageMalformed(part="manifest", field="recipient")
        if manifest.recipient != me:
            raise PackageNotForUs(recipient=manifest.recipient, key_id=manifest.recipient_key_id,
                                  reason="other_recipient")
        try:
            sender = load_registry().get(manifest.sender)
        except UnknownRecipient:  # never echoed: an unverified manifest may carry any text there
            raise PackageUnknownSender(reason="not_in_registry") from None
        peer = get_peer(conn, sender.key)
        if peer is None:
            raise PackageUnknownSender(sender=manifest.sender)
        envelope.verify(data, peer.signing)
        _check_not_received(conn, manifest.package_id)
    now = utcnow()
    check_fresh(manifest, now)
    body = envelope.open_payload(data, manifest, keystore.keys().hpke_private(manifest.recipient_key_id))
    if manifest.kind == "referral":
        if sender.institution is None:  # the registry's rules, checked again on this side
            raise SenderCannotRefer(sender=sender.key)
        if manifest.purpose not in RECORD_PURPOSES:
            raise StatisticsAreAggregates(recipient=me, purpose=manifest.purpose)
        rows, dropped = _referral_rows(body, manifest, sender.country, me, now)
        return _store(engine, data, manifest, actor, now, rows=rows, dropped=dropped)
    if manifest.kind == "aggregate":
        return _store(engine, data, manifest, actor, now, tables=_aggregate_tables(body, manifest, me))
    return _store(engine, data, manifest, actor, now, withdrawals=_withdrawals(body, manifest))


def _check_not_received(conn: Connection, package_id: str) -> None:
    row = conn.execute(select(received_t.c.received_at).where(received_t.c.package_id == package_id)).first()
    if row is not None:
        raise PackageAlreadyReceived(package_id=package_id,
                                     received_at=row.received_at.replace(microsecond=0).isoformat())


def check_fresh(manifest: envelope.Manifest, now: datetime) -> None:
    """Not created later than this server's clock allows, and not an empty referral or notice
    (an aggregate package counts no case). The manifest is trusted here: its signatures verified."""
    created = datetime.fromisoformat(manifest.created_at.replace("Z", "+00:00"))
    if created > now + CLOCK_SKEW:
        raise PackageFromTheFuture(created_at=manifest.created_at, now=now.replace(microsecond=0).isoformat()
                                   .replace("+00:00", "Z"), minutes=int(CLOCK_SKEW.total_seconds() // 60))
    if manifest.kind in ("referral", "withdrawal") and manifest.cases < 1:
        raise PackageEmpty(package_id=manifest.package_id, kind=manifest.kind)


# --- storing -------------------------------------------------------------------------------------------
def _store(engine: Engine, data: bytes, manifest: envelope.Manifest, actor: str, now: datetime, *,
           rows: list[dict] | None = None, tables: dict | None = None,
           withdrawals: list[tuple[str, list[str]]] | None = None, dropped: int = 0) -> ImportResult:
    try:
        return _store_once(engine, data, manifest, actor, now, rows, tables, withdrawals, dropped)
    except IntegrityError:  # the same package imported at this very moment by another process
        raise PackageAlreadyReceived(package_id=manifest.package_id, received_at=now.replace(microsecond=0)
                                     .isoformat()) from None


def _store_once(engine: Engine, data: bytes, manifest: envelope.Manifest, actor: str, now: datetime,
                rows: list[dict] | None, tables: dict | None,
                withdrawals: list[tuple[str, list[str]]] | None, dropped: int = 0) -> ImportResult:
    withdrawn = 0
    extra = {"withheld_dropped": dropped} if dropped else {}  # a count, never a field's value
    with transaction(engine) as conn:
        _check_not_received(conn, manifest.package_id)  # a concurrent import of the same package
        conn.execute(received_t.insert().values(
            package_id=manifest.package_id, kind=manifest.kind, sender_key=manifest.sender, purpose=manifest.purpose,
            sha256=envelope.package_sha256(data), manifest=manifest.to_json(), tables=tables,
            case_count=manifest.cases, received_at=now, received_by=actor))
        if rows:
            rows, withdrawn = _apply_earlier_notices(conn, manifest, rows, now)
            conn.execute(rcases_t.insert(), rows)
        if withdrawals:
            withdrawn = _record_withdrawals(conn, manifest, withdrawals, now)
        audit.append(conn, actor, "exchange_received", manifest.package_id, kind=manifest.kind,
                     sender=manifest.sender, purpose=manifest.purpose, cases=manifest.cases, withdrawn=withdrawn,
                     **extra)
    return ImportResult(manifest.package_id, manifest.kind, manifest.sender, manifest.purpose, manifest.cases,
                        withdrawn, dropped)


def _apply_earlier_notices(conn: Connection, manifest: envelope.Manifest, rows: list[dict],
                           now: datetime) -> tuple[list[dict], int]:
    """A referral whose records a notice received earlier already withdrew (the notice came
    first): those records are stored withdrawn, their content erased, never readable."""
    ids = [r["sender_case_id"] for r in rows]
    notices = dict(conn.execute(select(rwithdrawals_t.c.sender_case_id, rwithdrawals_t.c.notice_id).where(
        rwithdrawals_t.c.sender_key == manifest.sender, rwithdrawals_t.c.package_id == manifest.package_id,
        rwithdrawals_t.c.sender_case_id.in_(ids))).all())
    out = [{**r, "withdrawn": True, "withdrawn_at": now, "withdrawn_by_notice": notices[r["sender_case_id"]],
            "content": {}} if r["sender_case_id"] in notices else
           {**r, "withdrawn_at": None, "withdrawn_by_notice": None} for r in rows]
    return out, len(notices)


def _record_withdrawals(conn: Connection, manifest: envelope.Manifest, withdrawals: list[tuple[str, list[str]]],
                        now: datetime) -> int:
    """Keep what the notice names (for referrals that arrive later) and withdraw the
    records of those referrals already here; returns how many were withdrawn now."""
    named = [(cid, pid) for cid, packages in withdrawals for pid in dict.fromkeys(packages)]
    conn.execute(rwithdrawals_t.insert(), [{"sender_key": manifest.sender, "sender_case_id": cid, "package_id": pid,
                                            "notice_id": manifest.package_id, "received_at": now}
                                           for cid, pid in named])
    withdrawn = 0
    for cid, packages in withdrawals:
        withdrawn += conn.execute(update(rcases_t).where(
            rcases_t.c.sender_key == manifest.sender, rcases_t.c.sender_case_id == cid,
            rcases_t.c.package_id.in_(packages), rcases_t.c.withdrawn.is_(False)).values(
            withdrawn=True, withdrawn_at=now, withdrawn_by_notice=manifest.package_id, content={})).rowcount
    return withdrawn


# --- reading what was received ---------------------------------------------------------------------
def check_may_receive(engine: Engine, institution: str | None) -> None:
    """Importing: a package arrives addressed to this server's registry key (its identity
    now), so only that institution's supervisors (or national scope) may import."""
    with engine.connect() as conn:
        me = self_key(conn)
        if institution is not None and load_registry().get(me).institution != institution:
            raise NotYourInstitution(recipient=me)


def _readers_keys(institution: str | None) -> list[str] | None:
    """The registry keys whose received packages ``institution``'s supervisors may read (None:
    national scope, every package). Reading is decided by whom each package was addressed to
    (its stored manifest), never by this server's identity now: after ``exchange identity``
    names another entry, what came for the old one stays its institution's."""
    return None if institution is None else [r.key for r in load_registry() if r.institution == institution]


def _addressed_to(keys: list[str]):
    return received_t.c.manifest["recipient"].as_string().in_(keys)


def _may_read(conn: Connection, package_id: str, institution: str | None) -> bool:
    keys = _readers_keys(institution)
    return keys is None or conn.execute(select(received_t.c.package_id).where(
        received_t.c.package_id == package_id, _addressed_to(keys))).first() is not None


def list_received(engine: Engine, limit: int = 500, institution: str | None = None) -> list[dict]:
    """Packages received (manifests only): those addressed to ``institution`` (None: all)."""
    q = select(received_t.c.package_id, received_t.c.kind, received_t.c.sender_key, received_t.c.purpose,
               received_t.c.case_count, received_t.c.received_at, received_t.c.received_by) \
        .order_by(received_t.c.received_at.desc()).limit(limit)
    if (keys := _readers_keys(institution)) is not None:
        q = q.where(_addressed_to(keys))
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(q)]


def list_received_cases(engine: Engine, include_withdrawn: bool = False, limit: int = 1000,
                        institution: str | None = None) -> list[dict]:
    """Received records without their content (ids, sender, purpose, state), of the packages
    addressed to ``institution`` (None: all)."""
    q = select(rcases_t.c.id, rcases_t.c.package_id, rcases_t.c.sender_key, rcases_t.c.sender_case_id,
               rcases_t.c.purpose, rcases_t.c.basis, rcases_t.c.received_at, rcases_t.c.withdrawn) \
        .order_by(rcases_t.c.id.desc()).limit(limit)
    if not include_withdrawn:
        q = q.where(rcases_t.c.withdrawn.is_(False))
    if (keys := _readers_keys(institution)) is not None:
        q = q.where(rcases_t.c.package_id.in_(select(received_t.c.package_id).where(_addressed_to(keys))))
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(q)]


def open_received_case(engine: Engine, record_id: int, *, actor: str, institution: str | None = None,
                       role: str = "supervisor") -> dict:
    """One received record with its content; audited as opened. Withdrawn ones are gone.
    A record of a package addressed to another institution answers as a missing one does;
    either refusal is audited as ``access_refused`` (``role``: the caller's; the record id as target)."""
    with transaction(engine) as conn:
        row = conn.execute(select(rcases_t).where(rcases_t.c.id == record_id)).first()
        refused = "not_found" if row is None else \
            None if _may_read(conn, row.package_id, institution) else "other_institution"
        if refused is None and row.withdrawn:
            audit.append(conn, actor, "exchange_open_refused", str(record_id), reason="withdrawn")
        elif refused is None:
            audit.append(conn, actor, "exchange_opened", str(record_id), package_id=row.package_id,
                         sender=row.sender_key)
    if refused is not None:  # in its own transaction, then answered as a missing record
        audit.refused(engine, actor, role, refused, str(record_id) if type(record_id) is int else None,
                      attempt="received_view")
        raise ReceivedCaseUnknown(record_id=record_id)
    if row.withdrawn:  # raised after the commit, so the refused attempt stays in the log
        raise ReceivedCaseWithdrawn(record_id=record_id)
    return dict(row._mapping)


def received_tables(engine: Engine, package_id: str) -> dict | None:
    with engine.connect() as conn:
        return conn.execute(select(received_t.c.tables).where(received_t.c.package_id == package_id)).scalar()


def open_received_tables(engine: Engine, package_id: str, *, actor: str, institution: str | None = None,
                         role: str = "supervisor") -> dict:
    """A received aggregate package's tables, as they came (suppressed cells as sent), with
    its sender, period and reception time; audited as ``exchange_tables_opened``. Another
    institution's package, a referral or none such answers as a missing package
    (:class:`PackageUnknown`), audited as ``access_refused`` (attempt ``received_tables_view``)."""
    with transaction(engine) as conn:
        row = conn.execute(select(received_t.c.package_id, received_t.c.kind, received_t.c.sender_key,
                                  received_t.c.received_at, received_t.c.tables)
                           .where(received_t.c.package_id == package_id)).first()
        refused = "not_found" if row is None or row.kind != "aggregate" or row.tables is None else \
            None if _may_read(conn, package_id, institution) else "other_institution"
        if refused is None:
            audit.append(conn, actor, "exchange_tables_opened", package_id, sender=row.sender_key)
    if refused is not None:
        audit.refused(engine, actor, role, refused, package_id if row is not None else None,
                      attempt="received_tables_view")
        raise PackageUnknown(package_id=package_id)
    return dict(row._mapping)
