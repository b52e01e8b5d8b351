"""The recipient registry (``resources/exchange/recipients.yaml``), this server's own
place in it, and the public keys imported for the other institutions' servers.

A recipient's consent category (vocabulary ``consent_recipients``) depends on who sends:
an institution of the other country (CR ↔ PA) is ``other_country``; IOM and UNHCR are
their own categories; an institution of the sender's own country is the category the
codebook lists it under (``services``, ``national_authorities``, ...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cache
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine

from ...bundle.keys import SigningPublicKeys
from ...bundle.serverkeys import ServerPublicInfo
from ...bundle.errors import ServerKeyUntrusted
from ...codebook import load_codebook
from ...codebook.crossborder import sharing_category
from ...codebook.sharing import RECORD_PURPOSES, sharing_policy  # RECORD_PURPOSES: incoming.py imports it from here
from ...paths import resource
from .. import audit
from ..db import transaction
from ..models import Meta
from .errors import (
    IdentityChangeNeedsConfirmation,
    IdentityChangeStrandsWithdrawals,
    IdentityNotSet,
    KeyAlreadyImported,
    KeyFileInvalid,
    KeyFingerprintMismatch,
    KeyHeldByAnotherPeer,
    KeyIsOwn,
    KeyOlderThanImported,
    PurposeNotAllowed,
    RecipientHasNoKeys,
    RegistryMalformed,
    UnknownRecipient,
)
from .models import ExchangePackage, ExchangePackageCase, ExchangePeer, ExchangeReceived

KINDS = ("referral", "aggregate")
COUNTRIES = ("CR", "PA", "INT")
# a person's record goes only for sharing.RECORD_PURPOSES (where the person is helped or heard);
# reporting and research get aggregate figures (or the k-anonymous HTCDS export), never records
SELF_META_KEY = "exchange_self"
_KEY = re.compile(r"[a-z][a-z0-9_]{1,47}", re.ASCII)
peers_t = ExchangePeer.__table__
meta_t = Meta.__table__


@dataclass(frozen=True)
class Recipient:
    key: str
    es: str
    en: str
    country: str
    institution: str | None
    purposes: tuple[str, ...]
    kinds: tuple[str, ...]

    def label(self, lang: str) -> str:
        return self.es if lang == "es" else self.en

    def category_for(self, sender_country: str) -> str | None:
        """The consent_recipients category this recipient falls in, seen from a sender in
        ``sender_country`` (None for a coalition: it receives aggregates only)."""
        if self.institution is None:
            return None
        # the rule the printed redacted copy follows too (one copy of it)
        return sharing_category(sharing_policy().category_of, self.institution, self.country, sender_country)


@dataclass(frozen=True)
class Registry:
    recipients: dict[str, Recipient]

    def get(self, key: str) -> Recipient:
        rec = self.recipients.get(key)
        if rec is None:
            raise UnknownRecipient(recipient=key)
        return rec

    def check_purpose(self, key: str, purpose: str, kind: str) -> Recipient:
        rec = self.get(key)
        if purpose not in rec.purposes:
            raise PurposeNotAllowed(recipient=key, purpose=purpose)
        if kind == "referral" and purpose not in RECORD_PURPOSES:
            from .errors import StatisticsAreAggregates

            raise StatisticsAreAggregates(recipient=key, purpose=purpose)
        if kind not in rec.kinds:
            from .errors import KindNotAllowed

            raise KindNotAllowed(recipient=key, kind=kind)
        return rec

    def __iter__(self):
        return iter(self.recipients.values())


def _fail(where: str, problem: str) -> RegistryMalformed:
    return RegistryMalformed(where=where, problem=problem)


def parse_registry(doc: Any) -> Registry:
    """Check the registry against the codebook; RegistryMalformed names entry and problem."""
    cb = load_codebook()
    purposes = cb.vocab("consent_purposes")
    institutions = cb.vocab("institutions")
    if not isinstance(doc, dict) or not isinstance(doc.get("recipients"), list):
        raise _fail("recipients", "not_a_list")
    out: dict[str, Recipient] = {}
    for i, raw in enumerate(doc["recipients"]):
        where = f"recipients[{i}]"
        if not isinstance(raw, dict):
            raise _fail(where, "not_a_mapping")
        key = raw.get("key")
        if not isinstance(key, str) or not _KEY.fullmatch(key):
            raise _fail(where, "bad_key")
        where = key
        if key in out:
            raise _fail(where, "duplicate_key")
        extra = set(raw) - {"key", "es", "en", "country", "institution", "purposes", "kinds"}
        if extra:
            raise _fail(where, f"unknown_attribute_{sorted(extra)[0]}")
        for lang in ("es", "en"):
            if not isinstance(raw.get(lang), str) or not raw[lang].strip():
                raise _fail(where, f"missing_label_{lang}")
        if raw.get("country") not in COUNTRIES:
            raise _fail(where, "bad_country")
        inst = raw.get("institution")
        if inst is not None and inst not in institutions:
            raise _fail(where, "unknown_institution")
        ps = raw.get("purposes")
        if not isinstance(ps, list) or not ps or any(p not in purposes for p in ps):
            raise _fail(where, "bad_purposes")
        kinds = raw.get("kinds")
        if not isinstance(kinds, list) or not kinds or any(k not in KINDS for k in kinds):
            raise _fail(where, "bad_kinds")
        if "referral" in kinds and inst is None:
            raise _fail(where, "referral_needs_institution")
        out[key] = Recipient(key, raw["es"], raw["en"], raw["country"], inst, tuple(ps), tuple(kinds))
    return Registry(out)


@cache
def load_registry() -> Registry:
    path = resource("exchange", "recipients.yaml")
    try:
        doc = yaml.load(path.read_bytes(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, yaml.YAMLError):
        raise _fail("file", "unreadable") from None
    return parse_registry(doc)


def referral_purposes(rec: Recipient, sender_country: str) -> tuple[str, ...]:
    """The purposes a referral to ``rec`` can go for from a server of ``sender_country``: the
    registry's record purposes that a sharing profile covers for it as seen from there (any
    other is refused case by case as ``no_profile``, so a form never offers it)."""
    if "referral" not in rec.kinds or rec.institution is None:
        return ()
    category, policy = rec.category_for(sender_country), sharing_policy()
    return tuple(p for p in rec.purposes if p in RECORD_PURPOSES and category
                 and policy.profile(category, p, rec.institution) is not None)


# --- this server's own identity ---------------------------------------------------------------
def _identity_query(conn: Connection, lock: str | None):
    """The identity row's value; ``lock`` ("share": a package sealed under it; "update": a
    change of it) holds the row until the transaction ends on PostgreSQL, so a change and an
    approval never interleave (SQLite serializes writers already)."""
    q = select(meta_t.c.value).where(meta_t.c.key == SELF_META_KEY)
    if lock is not None and conn.dialect.name == "postgresql":
        q = q.with_for_update(read=lock == "share")
    return q


def self_key(conn: Connection, *, lock: str | None = None) -> str:
    value = conn.execute(_identity_query(conn, lock)).scalar()
    if value is None:
        raise IdentityNotSet()
    return value


def self_entry(engine: Engine) -> Recipient:
    with engine.connect() as conn:
        return load_registry().get(self_key(conn))


def set_self_key(engine: Engine, key: str, *, actor: str = "operator", confirmed: bool = False) -> Recipient:
    """Say which registry entry this server is. Once packages were prepared, sent or received
    under another entry, changing it is refused unless ``confirmed``
    (:class:`IdentityChangeNeedsConfirmation`, saying what it changes); audited with the old
    value and the new one. While records sent under the current entry could still have to be
    withdrawn, it is refused even ``confirmed`` (:class:`IdentityChangeStrandsWithdrawals`):
    a withdrawal notice goes under the server's current name, and the recipient withdraws
    only what it received from the sender a notice names."""
    rec = load_registry().get(key)
    with transaction(engine) as conn:
        found = conn.execute(_identity_query(conn, "update")).scalar()  # approvals wait, or are counted
        if found is not None and found != key:
            cases, sealed = withdrawable(conn)
            if cases or sealed:
                raise IdentityChangeStrandsWithdrawals(old=found, new=key, cases=cases, sealed=sealed)
        if found is not None and found != key and not confirmed:
            packages, received = ExchangePackage.__table__, ExchangeReceived.__table__
            counts = dict(conn.execute(select(packages.c.status, func.count()).group_by(packages.c.status)).all())
            sent, pending = counts.get("sent", 0), counts.get("prepared", 0) + counts.get("approved", 0)
            got = conn.execute(select(func.count()).select_from(received)).scalar_one()
            if sent or pending or got:
                raise IdentityChangeNeedsConfirmation(old=found, new=key, sent=sent, pending=pending, received=got)
        if found is None:
            conn.execute(meta_t.insert().values(key=SELF_META_KEY, value=key))
        else:
            conn.execute(meta_t.update().where(meta_t.c.key == SELF_META_KEY).values(value=key))
        audit.append(conn, actor, "exchange_identity", key, old=found, new=key)
    return rec


def withdrawable(conn: Connection) -> tuple[int, int]:
    """(records sent that a withdrawal of consent could still have to reach: the (recipient,
    case) pairs of sent referrals that no notice *sent* after them names, as
    :func:`outgoing.due_withdrawals` pairs them; referrals approved, so sealed under this
    server's current name, and not sent yet)."""
    packages, pcases = ExchangePackage.__table__, ExchangePackageCase.__table__
    rows = conn.execute(select(packages.c.kind, packages.c.recipient_key, pcases.c.case_id, packages.c.prepared_at,
                               packages.c.sent_at)
                        .join(pcases, pcases.c.package_id == packages.c.package_id)
                        .where(packages.c.status == "sent", packages.c.kind.in_(("referral", "withdrawal")))).all()
    notified: dict[tuple[str, str], datetime] = {}  # (recipient, case) -> the latest notice sent
    for r in rows:
        if r.kind == "withdrawal":
            pair = (r.recipient_key, r.case_id)
            notified[pair] = max(notified.get(pair, r.prepared_at), r.prepared_at)
    cases = {(r.recipient_key, r.case_id) for r in rows if r.kind == "referral"
             and ((r.recipient_key, r.case_id) not in notified or r.sent_at >= notified[(r.recipient_key, r.case_id)])}
    sealed = conn.execute(select(func.count()).select_from(packages).where(
        packages.c.kind == "referral", packages.c.status == "approved")).scalar_one()
    return len(cases), sealed


# --- peers' public keys ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Peer:
    recipient_key: str
    signing: SigningPublicKeys
    hpke_public: bytes
    hpke_key_id: str
    fingerprint: str


def _peer(row) -> Peer:
    return Peer(row.recipient_key, SigningPublicKeys(bytes(row.ed25519), bytes(row.mldsa65)), bytes(row.hpke_public),
                row.hpke_key_id, row.fingerprint)


def get_peer(conn: Connection, key: str) -> Peer | None:
    row = conn.execute(select(peers_t).where(peers_t.c.recipient_key == key)).first()
    return _peer(row) if row else None


def require_peer(conn: Connection, key: str) -> Peer:
    peer = get_peer(conn, key)
    if peer is None:
        raise RecipientHasNoKeys(recipient=key)
    return peer


def list_peers(engine: Engine) -> dict[str, dict]:
    with engine.connect() as conn:
        rows = conn.execute(select(peers_t.c.recipient_key, peers_t.c.fingerprint, peers_t.c.hpke_key_id,
                                   peers_t.c.imported_at, peers_t.c.imported_by)).all()
    return {r.recipient_key: dict(r._mapping) for r in rows}


def _normal_fp(fp: str) -> str:
    return re.sub(r"[\s-]", "", fp).upper()


@dataclass(frozen=True)
class ImportedKey:
    peer: Peer
    old_fingerprint: str | None  # the replaced key's (None: the peer had no key; equal: the same key again)
    unchanged: bool = False  # the very file imported before (same keys, same issue time): nothing was written


def import_peer_key(engine: Engine, key: str, data: bytes, fingerprint: str, *, actor: str = "operator",
                    own: SigningPublicKeys | None = None, replace: bool = False) -> Peer:
    """Import another server's public key file (``*.intake-server``): self-endorsed, and its
    signing-key fingerprint must equal the one read aloud in person (``fingerprint``)."""
    return import_peer_key_checked(engine, key, data, fingerprint, actor=actor, own=own, replace=replace).peer


def import_peer_key_checked(engine: Engine, key: str, data: bytes, fingerprint: str, *, actor: str = "operator",
                            own: SigningPublicKeys | None = None, replace: bool = False) -> ImportedKey:
    """:func:`import_peer_key`, saying which key it replaced. ``own`` (this server's signing
    keys) refuses this server's own file; a peer's verified key with another fingerprint is
    replaced only with ``replace`` (audited with both fingerprints). A signing key already
    trusted as another institution's is refused (one server under two names would read what
    is sealed to either), and so is an older file of the same key (no rollback of its
    encryption key)."""
    load_registry().get(key)
    try:
        info = ServerPublicInfo.from_bytes(data)
    except ServerKeyUntrusted:
        raise KeyFileInvalid(reason="malformed") from None
    if not info.endorsed_by(info.signing):
        raise KeyFileInvalid(reason="signature")
    found = info.fingerprint()
    if _normal_fp(found) != _normal_fp(fingerprint):
        raise KeyFingerprintMismatch(recipient=key)  # never the file's own fingerprint: it would be copied
    if own is not None and own.fingerprint() == info.signing.fingerprint():
        raise KeyIsOwn(recipient=key)
    now = datetime.now(timezone.utc)
    values = dict(ed25519=info.signing.ed25519, mldsa65=info.signing.mldsa65, hpke_public=info.hpke_public,
                  hpke_key_id=info.key_id, fingerprint=found, issued_at=info.issued_at, imported_at=now,
                  imported_by=actor)
    with transaction(engine) as conn:
        _check_not_held_elsewhere(conn, key, info)
        old = get_peer(conn, key)
        if old is not None and _normal_fp(old.fingerprint) != _normal_fp(found) and not replace:
            raise KeyAlreadyImported(recipient=key, old=old.fingerprint, new=found)
        same = old is not None and _normal_fp(old.fingerprint) == _normal_fp(found)
        if same:
            _check_not_older(conn, key, info)
        unchanged = same and _unchanged(conn, key, info)
        if old is None:
            conn.execute(peers_t.insert().values(recipient_key=key, **values))
        elif not unchanged:
            conn.execute(peers_t.update().where(peers_t.c.recipient_key == key).values(**values))
        # replaced: another signing key took the old one's place (only with ``replace``); the same
        # key with a new encryption key is a refresh (old_key_id); the very same file, unchanged
        replaced = old is not None and not same
        detail = dict(replaced=replaced, old_fingerprint=old.fingerprint if replaced else None)
        if unchanged:
            detail["unchanged"] = True
        elif same and old.hpke_key_id != info.key_id:
            detail["old_key_id"] = old.hpke_key_id
        audit.append(conn, actor, "exchange_key_import", key, fingerprint=found, key_id=info.key_id, **detail)
    return ImportedKey(Peer(key, info.signing, info.hpke_public, info.key_id, found),
                       old.fingerprint if old else None, unchanged)


def _unchanged(conn: Connection, key: str, info: ServerPublicInfo) -> bool:
    """The file holds exactly what is imported already (the same file imported again)."""
    row = conn.execute(select(peers_t.c.hpke_key_id, peers_t.c.hpke_public, peers_t.c.issued_at)
                       .where(peers_t.c.recipient_key == key)).first()
    return (row.hpke_key_id == info.key_id and bytes(row.hpke_public) == info.hpke_public
            and _moment(row.issued_at) == _moment(info.issued_at))


def _check_not_held_elsewhere(conn: Connection, key: str, info: ServerPublicInfo) -> None:
    """The same signing keys may be trusted under one registry entry only."""
    for other, ed, ml in conn.execute(select(peers_t.c.recipient_key, peers_t.c.ed25519, peers_t.c.mldsa65)
                                      .where(peers_t.c.recipient_key != key)):
        if bytes(ed) == info.signing.ed25519 or bytes(ml) == info.signing.mldsa65:
            raise KeyHeldByAnotherPeer(recipient=key, holder=other)


def _check_not_older(conn: Connection, key: str, info: ServerPublicInfo) -> None:
    """As devices refuse a rolled-back server key: a file issued before the imported one (or
    at the same second with another encryption key) is an old file, not a rotation."""
    row = conn.execute(select(peers_t.c.hpke_key_id, peers_t.c.issued_at)
                       .where(peers_t.c.recipient_key == key)).first()
    found, current = _moment(info.issued_at), _moment(row.issued_at)  # "…Z" and "+00:00" alike
    if found < current or (found == current and info.key_id != row.hpke_key_id):
        raise KeyOlderThanImported(recipient=key, found=info.issued_at, current=row.issued_at)


def _moment(stamp: str) -> datetime:
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def remove_peer_key(engine: Engine, key: str, *, actor: str = "operator") -> str:
    """Forget a peer's keys (its server was lost or taken): nothing more is sealed to it,
    nothing signed by it is imported, and a package already sealed to it is refused at
    export (:func:`release_checks.check_current_key`). Audited; returns the old fingerprint.
    Trusting it again takes a key file verified in person, as the first time."""
    load_registry().get(key)
    with transaction(engine) as conn:
        peer = require_peer(conn, key)
        conn.execute(peers_t.delete().where(peers_t.c.recipient_key == key))
        audit.append(conn, actor, "exchange_key_remove", key, fingerprint=peer.fingerprint)
    return peer.fingerprint
