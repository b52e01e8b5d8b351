"""What the device knows about its server, kept in the vault's ``meta`` table.

- the pinned :class:`ServerPublicInfo` (signing keys + current HPKE key), from the
  enrollment response; replaced only by a newer HPKE key endorsed by the pinned
  signing keys (:func:`accept_server_info`);
- the lease (until when the device may keep working offline), the last contact and the
  clock offset to the server, learned from enrollment, receipts and status objects;
- the bundle chain in use (:func:`chain`): a new device identity starts a new one
  (:mod:`intake_app.sync.new_identity`);
- revocation: once the server says this device is revoked, the vault stays locked
  (:func:`refuse_if_revoked`, called by ``Vault.open``), until a status signed by the
  pinned server key, made after the revocation and saying the device is active again,
  reinstates it (:func:`reinstate`; ``intake sync reinstate``): a laptop revoked by mistake
  keeps its undelivered cases.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from ..bundle import ServerPublicInfo, verify_rotation
from ..bundle.errors import ServerKeyUntrusted
from .errors import DeviceRevoked, LeaseExpired, NotEnrolled

log = logging.getLogger(__name__)

K_SERVER_INFO = "sync.server_info"
K_ENROLLED_AT = "sync.enrolled_at"
K_LEASE_UNTIL = "sync.lease_until"
K_LAST_CONTACT = "sync.last_contact"
# the server's lease length (seconds), learnt from a live status or the enrollment response,
# and the server time of the latest signed status (or enrollment) that set the lease
K_LEASE_SECONDS = "sync.lease_seconds"
K_LEASE_SET_AT = "sync.lease_set_at"
K_CLOCK_OFFSET = "sync.clock_offset"
# "chain:sequence", the last bundle built when a live contact last set the clock offset: a
# receipt for a later bundle caps it (:func:`_cap_offset`)
K_OFFSET_MARK = "sync.offset_mark"
# "chain:sequence", the last bundle built when the last contact (the lease floor) last rose: a
# receipt for a later bundle was signed after that moment (docs/sync.md "A server clock that
# was wrong"); and the last contact for which a live status behind it asked for such a receipt
K_FLOOR_MARK = "sync.floor_mark"
K_CLOCK_CHECK = "sync.clock_check"
K_REVOKED = "sync.revoked"
K_POST = "sync.post"
K_ENROLL_POSTED = "sync.enroll_posted"
# the bundle chain in use (absent: 1), and the server pinned before a new device identity
# (intake_app/sync/new_identity.py): the new identity's enrollment is accepted only from it
K_CHAIN = "sync.chain"
K_PREVIOUS_SERVER_INFO = "sync.previous_server_info"
# set on a vault filled with fictional cases (``intake demo seed``, the desktop's demo mode):
# it is never enrolled, or its next sync would count them in the national figures
K_DEMO = "demo.seeded"

DEFAULT_LEASE = timedelta(days=30)
# server times this far behind the last contact are a clock that was wrong, not the drift
# between several server processes
CLOCK_TOLERANCE = timedelta(minutes=10)
EXPIRING_WITHIN = timedelta(days=7)
LEASE_STATES = ("ok", "expiring", "expired")


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def parse_time(value: str) -> datetime:
    dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def iso(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).isoformat(timespec="seconds")


def iso_precise(dt: datetime) -> str:
    """To the microsecond: the times a revocation is compared with (see :func:`reinstate`)."""
    return dt.astimezone(timezone.utc).isoformat(timespec="microseconds")


# --- pinned server keys -------------------------------------------------------------
def server_info(vault) -> ServerPublicInfo | None:
    value = vault.meta(K_SERVER_INFO)
    if value is None:
        return None
    info = ServerPublicInfo.from_bytes(bytes.fromhex(value))
    if not info.endorsed_by(info.signing):  # the vault is encrypted, but check anyway
        raise ServerKeyUntrusted(reason="signature")
    return info


def require_server_info(vault) -> ServerPublicInfo:
    info = server_info(vault)
    if info is None:
        raise NotEnrolled()
    return info


def previous_server_info(vault) -> ServerPublicInfo | None:
    """The server pinned by the device identity before a new one, until the new one enrolls."""
    value = vault.meta(K_PREVIOUS_SERVER_INFO)
    return ServerPublicInfo.from_bytes(bytes.fromhex(value)) if value is not None else None


def chain(vault) -> int:
    """The current bundle chain (sync_outbox, sync_revisions, sync_receipts)."""
    value = vault.meta(K_CHAIN)
    return int(value) if value is not None else 1


def is_enrolled(vault) -> bool:
    return vault.meta(K_SERVER_INFO) is not None


def pin_server_info(vault, info: ServerPublicInfo) -> None:
    """Store ``info`` as the pinned server (caller holds the transaction and has verified it)."""
    vault.set_meta(K_SERVER_INFO, info.to_bytes().hex())


def accept_server_info(vault, new_info: ServerPublicInfo) -> bool:
    """A server HPKE key rotation: accepted only when endorsed by the pinned signing keys
    and not older than the pinned key. Returns True when the pinned key changed."""
    current = require_server_info(vault)
    verify_rotation(current.signing, new_info, current=current)
    if new_info.key_id == current.key_id:
        return False
    with vault.transaction():
        pin_server_info(vault, new_info)
        vault.audit.append(vault.officer.id, "sync_server_key", key_id=new_info.key_id)
    log.info("server HPKE key rotated to %s", new_info.key_id)
    return True


# --- lease and contact ------------------------------------------------------------------
# Who sets the lease (docs/sync.md "Lease and revocation"): the server, by its signed word.
# A live status sets it (even shorter) and teaches its length; the enrollment response and a
# status carried on a stick extend it to what they say; a receipt is a contact the server
# also counts (it renews its own lease at a new bundle), so it extends the lease to its
# time plus the server's last known length (DEFAULT_LEASE until one is known), but only when
# it is later than the signed status or enrollment that set the lease last.
def _note_contact(vault, at: datetime, live: bool) -> None:
    last = vault.meta(K_LAST_CONTACT)
    if last is None or parse_time(last) < at:
        vault.set_meta(K_LAST_CONTACT, iso_precise(at))
        vault.set_meta(K_FLOOR_MARK, _built_mark(vault))
    elif vault.meta(K_FLOOR_MARK) is None:  # a vault from before the mark: bundles from now on count
        vault.set_meta(K_FLOOR_MARK, _built_mark(vault))
    if live:
        _set_offset(vault, at)


def _set_offset(vault, at: datetime) -> None:
    """A live contact: the server's time ``at`` now, against this laptop's clock."""
    vault.set_meta(K_CLOCK_OFFSET, str(round((at - utc_now()).total_seconds())))
    vault.set_meta(K_OFFSET_MARK, _built_mark(vault))


# --- a server clock that was wrong (docs/sync.md "A server clock that was wrong") -----------
# The last contact only grows, and the lease is judged no earlier than it: a laptop clock set
# back gains nothing. But one contact with a server whose clock ran far ahead would then hold
# the lease "expired" until real time caught up. The server is the authority on time, yet an
# old signed answer, replayed, must not pull the last contact back. Two answers are bound to
# the moment: a receipt names the bytes of a bundle, and one built after the last contact rose
# cannot have been signed before that; a live status that signed back the fresh nonce its
# request sent (``bound``) was made for that request. A bound status behind the last contact
# resets it at once; an unbound one (a server that does not sign the nonce back, or a status
# not read online) asks for such a bundle (an audit entry, which makes one), and its receipt's
# time becomes the last contact, the lease's floor and start.
def _built_mark(vault) -> str:
    ch = chain(vault)
    top = vault.conn.execute("SELECT coalesce(max(sequence), 0) FROM sync_outbox WHERE chain = ?",
                             (ch,)).fetchone()[0]
    return f"{ch}:{top}"


def _built_after_mark(vault, sequence: int, key: str = K_FLOOR_MARK) -> bool:
    mark = vault.meta(key)
    if mark is None:
        return False
    ch, top = (int(x) for x in mark.split(":"))
    return (chain(vault), sequence) > (ch, top)


def _behind(vault, at: datetime) -> timedelta | None:
    """How far ``at`` is behind the last contact, when by more than the tolerance."""
    last = vault.meta(K_LAST_CONTACT)
    if last is None or parse_time(last) - at <= CLOCK_TOLERANCE:
        return None
    return parse_time(last) - at


def _ask_clock_check(vault, at: datetime, bound: bool = False) -> None:
    """A live status behind the last contact (a server clock that ran ahead and was fixed, or
    an old status replayed). Once per last contact, an audit entry (not sync bookkeeping: it
    makes a bundle) whose receipt can reset it. An unbound status is never taken as the
    floor; a bound one resets it at once (:func:`apply_status_lease`), the entry says so too."""
    behind = _behind(vault, at)
    last = vault.meta(K_LAST_CONTACT)
    if behind is None or vault.meta(K_CLOCK_CHECK) == last:
        return
    vault.set_meta(K_CLOCK_CHECK, last)
    vault.audit.append(vault.officer.id, "sync_server_time_behind", hours=round(behind.total_seconds() / 3600))
    log.warning("a live server status is %d h behind the last contact%s", round(behind.total_seconds() / 3600),
                "" if bound else ": asking for a fresh receipt")


def _set_floor(vault, at: datetime, until: datetime, behind: timedelta, by: str) -> None:
    """The server's time now (``at``, behind the last contact) becomes the last contact and the
    lease's start, and the lease ends at ``until``."""
    vault.set_meta(K_LAST_CONTACT, iso_precise(at))
    vault.set_meta(K_FLOOR_MARK, _built_mark(vault))
    vault.set_meta(K_LEASE_SET_AT, iso_precise(at))
    vault.set_meta(K_LEASE_UNTIL, iso(until))
    vault.audit.append(vault.officer.id, "sync_last_contact_reset", hours=round(behind.total_seconds() / 3600))
    log.warning("last contact set back %d h by %s (the server's clock was ahead)",
                round(behind.total_seconds() / 3600), by)


def _reset_floor(vault, at: datetime, sequence: int) -> None:
    """A receipt for a bundle built after the last contact rose, behind it: the server's time
    now. It becomes the last contact and the lease's start; the lease runs from it (the clock
    offset is capped by :func:`_cap_offset`, as for every receipt)."""
    _set_floor(vault, at, at + lease_length(vault), _behind(vault, at), "a fresh receipt")


def _cap_offset(vault, at: datetime, sequence: int) -> None:
    """A verified receipt for bundle ``sequence``, signed at ``at``: the server signed it after
    the bundle was built, so the clock offset (server minus this clock) was at most ``at``
    minus the build time when it was built. Online or on a stick, it lowers the offset a live
    contact left when that is more (a laptop clock behind then, put right since; a server
    clock ahead then, fixed since): docs/sync.md "A clock that was wrong at the last sync".
    Only for a bundle built after that contact (older evidence than it says nothing of the
    clock now: a receipt for a bundle built before a clock set back, read in the same sync);
    never below zero (a receipt never makes the lease be judged earlier than this laptop's
    own clock: one built with the clock set ahead, then set back, would stretch it). The
    floor (the last contact) is not touched: the lease is still judged no earlier."""
    key = K_OFFSET_MARK if vault.meta(K_OFFSET_MARK) is not None else K_FLOOR_MARK  # a vault from before it
    if not _built_after_mark(vault, sequence, key):
        return
    built = vault.conn.execute("SELECT created_at FROM sync_outbox WHERE chain = ? AND sequence = ?",
                               (chain(vault), sequence)).fetchone()
    if built is None:
        return
    cap = max(0, round((at - parse_time(built[0])).total_seconds()))
    offset = int(vault.meta(K_CLOCK_OFFSET) or 0)
    if offset > cap:
        vault.set_meta(K_CLOCK_OFFSET, str(cap))
        if offset - cap > CLOCK_TOLERANCE.total_seconds():
            log.warning("clock offset lowered by %d h by a receipt (the clock was wrong at the last sync)",
                        round((offset - cap) / 3600))


def _extend_lease(vault, until: datetime) -> None:
    old = vault.meta(K_LEASE_UNTIL)
    if old is None or parse_time(old) < until:
        vault.set_meta(K_LEASE_UNTIL, iso(until))


def _lease_set_at(vault, at: datetime) -> None:
    old = vault.meta(K_LEASE_SET_AT)
    if old is None or parse_time(old) < at:
        vault.set_meta(K_LEASE_SET_AT, iso_precise(at))


def _learn_length(vault, length: timedelta) -> None:
    """The server's lease length, to the minute (its times are to the second or finer)."""
    seconds = round(length.total_seconds() / 60) * 60
    if seconds > 0:
        vault.set_meta(K_LEASE_SECONDS, str(seconds))


def lease_length(vault) -> timedelta:
    """The server's lease length as last learnt (DEFAULT_LEASE before any)."""
    value = vault.meta(K_LEASE_SECONDS)
    return timedelta(seconds=int(value)) if value else DEFAULT_LEASE


def record_contact(vault, server_time: str, lease_until: str | None = None, live: bool = False) -> None:
    """A verified contact (caller holds the transaction). With ``lease_until`` (the
    enrollment response: ``server_time`` is its approval time) the lease grows to it and its
    length is learnt; without (a receipt's ``received_at``), see :func:`record_receipt`."""
    at = parse_time(server_time)
    if lease_until is None:
        record_receipt(vault, server_time)
        return
    _note_contact(vault, at, live)
    until = parse_time(lease_until)
    _learn_length(vault, until - at)
    _extend_lease(vault, until)
    _lease_set_at(vault, at)


def record_receipt(vault, received_at: str, sequence: int | None = None) -> None:
    """A verified receipt (caller holds the transaction): a contact, and the lease grows to
    ``received_at`` + the server's lease length, unless a signed status (or the enrollment)
    made at or after ``received_at`` set the lease: its word stands (never extended past,
    never shortened). A receipt for bundle ``sequence`` of the current chain, built after the
    last contact rose and behind it, resets the last contact and the lease (above)."""
    at = parse_time(received_at)
    if sequence is not None:
        _cap_offset(vault, at, sequence)
    if sequence is not None and _behind(vault, at) is not None and _built_after_mark(vault, sequence):
        _reset_floor(vault, at, sequence)
        return
    _note_contact(vault, at, live=False)
    set_at = vault.meta(K_LEASE_SET_AT)
    if set_at is not None and parse_time(set_at) >= at:
        return
    _extend_lease(vault, at + lease_length(vault))


def apply_status_lease(vault, server_time: str, lease_until: str, live: bool, bound: bool = False) -> None:
    """The lease from a verified status (caller holds the transaction). ``live`` (read from
    the server just now): the server's word, even shorter, and its length is learnt; the
    clock offset is set. On a stick (maybe days old, maybe made without a new contact): it
    only extends the lease and teaches no length. ``bound`` (live, and it signed back this
    request's nonce): its time is the server's now, so one behind the last contact resets it
    as a fresh receipt does (:func:`_set_floor`)."""
    at, until = parse_time(server_time), parse_time(lease_until)
    if live:
        _ask_clock_check(vault, at, bound)
        behind = _behind(vault, at) if bound else None
        if behind is not None:
            _set_floor(vault, at, until, behind, "a status made for this request")
            _learn_length(vault, until - at)
            _set_offset(vault, at)
            return
    _note_contact(vault, at, live)
    if live:
        vault.set_meta(K_LEASE_UNTIL, iso(until))
        _learn_length(vault, until - at)
    else:
        _extend_lease(vault, until)
    _lease_set_at(vault, at)


def set_lease(vault, lease_until: str) -> None:
    vault.set_meta(K_LEASE_UNTIL, iso(parse_time(lease_until)))


def server_now(vault) -> datetime:
    """This device's clock corrected by the offset seen at the last live contact (lowered
    since by a receipt that proved it too high: :func:`_cap_offset`). Not what the lease is
    judged at (:func:`lease_now`)."""
    offset = vault.meta(K_CLOCK_OFFSET)
    return utc_now() + timedelta(seconds=int(offset or 0))


def lease_until(vault) -> datetime | None:
    value = vault.meta(K_LEASE_UNTIL)
    return parse_time(value) if value else None


def lease_now(vault) -> datetime:
    """The time a lease is judged at: the corrected clock, never before this laptop's own
    clock nor the last contact (a clock set back cannot make the lease look longer than the
    server gave). A negative offset (this clock was ahead at the last live contact) is not
    applied: put right since, it would take that lead off a right clock and the lease would not
    run out offline (docs/sync.md "A clock that was ahead at the last sync"). The last contact
    goes back only by a receipt bound to a new bundle (:func:`_reset_floor`)."""
    now = utc_now() + timedelta(seconds=max(0, int(vault.meta(K_CLOCK_OFFSET) or 0)))
    last = vault.meta(K_LAST_CONTACT)
    return max(now, parse_time(last)) if last else now


def lease_state(vault, now: datetime | None = None) -> str:
    """``ok``, ``expiring`` (less than 7 days left) or ``expired``. Past the lease the app
    still opens, but new intakes ask to sync first. A device never enrolled is ``ok``
    (offline first: it works from the first run)."""
    until = lease_until(vault)
    if until is None:
        return "ok"
    now = now or lease_now(vault)
    if now >= until:
        return "expired"
    if until - now <= EXPIRING_WITHIN:
        return "expiring"
    return "ok"


def expired_by_offset(vault) -> bool:
    """The lease is expired by the server's time as this laptop reckons it (its clock plus the
    offset), but not by its own clock: at the last live contact this clock was behind the
    server's by more than the tolerance. Either it still is (the lease did run out), or it was
    put right since (the offset is out of date): the words say so, and that a sync, online or
    by USB (the receipt lowers the offset), sets it right either way."""
    until = lease_until(vault)
    if until is None or int(vault.meta(K_CLOCK_OFFSET) or 0) <= CLOCK_TOLERANCE.total_seconds():
        return False
    last = vault.meta(K_LAST_CONTACT)
    own = max(utc_now(), parse_time(last)) if last else utc_now()
    return own < until <= lease_now(vault)


def expired_by_clock_ahead(vault) -> bool:
    """The lease is expired by this laptop's clock, which was ahead of the server's by more
    than the tolerance at the last live contact, and would not be by the server's time if it
    still is (its clock plus that negative offset). Either it still is ahead (set it right) or
    it was put right since (the lease did run out): the words say so."""
    until = lease_until(vault)
    if until is None or int(vault.meta(K_CLOCK_OFFSET) or 0) >= -CLOCK_TOLERANCE.total_seconds():
        return False
    last = vault.meta(K_LAST_CONTACT)
    reckoned = max(server_now(vault), parse_time(last)) if last else server_now(vault)
    return reckoned < until <= lease_now(vault)


def check_lease_for_new_intake(vault) -> None:
    """Raise :class:`LeaseExpired` when the lease has lapsed (a new intake waits for a sync);
    reason ``clock_behind`` when only the offset learnt at the last sync makes it so,
    ``clock_ahead`` when only this clock, ahead at the last sync, does."""
    if lease_state(vault) == "expired":
        if expired_by_offset(vault):
            raise LeaseExpired(reason="clock_behind")
        raise LeaseExpired(reason="clock_ahead") if expired_by_clock_ahead(vault) else LeaseExpired()


# --- revocation ----------------------------------------------------------------------------
def is_revoked(vault) -> bool:
    return vault.meta(K_REVOKED) is not None


def mark_revoked(vault, at: str | None = None) -> None:
    """The server said so: remember it, with the server's time of it when known (the vault
    refuses to open from now on). Learnt from a refused upload there is no signed time: then
    the later of this clock (corrected by the last offset) and the last signed server time
    seen, so that no status the device already saw, nor an older one, can undo it even
    with the clock set back."""
    if is_revoked(vault):
        return
    if at is None:
        last = vault.meta(K_LAST_CONTACT)
        at = iso_precise(max(server_now(vault), parse_time(last)) if last else server_now(vault))
    with vault.transaction():
        vault.set_meta(K_REVOKED, at)
        vault.audit.append(vault.officer.id, "device_revoked", device=vault.device_id)
    log.warning("this device was revoked by the server; the vault is locked")


def reinstate(vault, status_time: str) -> None:
    """A signed status says the device is active again. Only one made after the revocation
    counts: an old status kept on a stick from before it cannot undo it."""
    revoked_at = vault.meta(K_REVOKED)
    if revoked_at is None:
        return
    if parse_time(status_time) <= parse_time(revoked_at):
        raise DeviceRevoked(device_id=vault.device_id)
    with vault.transaction():
        vault.conn.execute("DELETE FROM meta WHERE key = ?", (K_REVOKED,))
        vault.audit.append(vault.officer.id, "device_reinstated", device=vault.device_id)
    log.warning("the server reinstated this device; the vault opens again")


def check_not_revoked(vault) -> None:
    if is_revoked(vault):
        raise DeviceRevoked(device_id=vault.device_id)


def refuse_if_revoked(vault) -> None:
    """Called when a vault opens: a revoked device's vault is closed again at once."""
    try:
        revoked = vault.conn.execute("SELECT 1 FROM meta WHERE key = ?", (K_REVOKED,)).fetchone() is not None
    except Exception:  # a vault older than the sync schema cannot be revoked
        return
    if revoked:
        device_id = vault.device_id
        vault.close()
        raise DeviceRevoked(device_id=device_id)
