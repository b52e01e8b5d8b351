"""Which keyring boxes the vault vouches for.

``keyring.json`` is a plain file: anyone with the laptop's OS account can write it. An officer
removal seals the new database key to officers' boxes (:mod:`keybox`), so it must seal only
to boxes that the database, which only the key opens, names. Meta ``officer_box.<id>`` holds
a digest of each officer's box public key. It is written only by someone who holds the key:
vault create, officer add and passphrase change (the entry made there), and an unlock where
the officer's passphrase opened the wrap (or a pending seal) that opened the database *and*
the box, whose private key matches its public key (a box that does not is replaced then).

A removal then gives nothing to an entry the database does not vouch for: a forged entry (no
officer row), an old entry put back (a removed officer: meta ``officer_removed.<id>``), a box
swapped into a real officer's entry (its digest differs). A removal is written in the
database (meta ``officer_removing.<id>``) before the keyring is touched, so editing the
``removed`` mark out of ``keyring.json`` does not take anyone off the list; an officer marked
either way never unlocks.

What it cannot stop: an officer about to be removed holds the key, so they can swap a
colleague's box *and* write its digest; the removal then seals the colleague's new key to
them. The colleague's unlock finds it (:func:`box_replaced`: ``OfficerBoxReplaced``, not
"damaged"), and another officer removing and adding them again re-keys once more.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import logging

from ..errors import IntakeError, OfficersMustUnlock
from . import keybox
from .keyring import Keyring, OfficerEntry

log = logging.getLogger(__name__)

BOX_META = "officer_box."  # + officer id: digest of the box public key the database vouches for
REMOVING_META = "officer_removing."  # + officer id: a removal started (step 0, before the keyring)
REMOVED_META = "officer_removed."  # + officer id: the removed officer's row stays, for the names in the history


def box_digest(public: bytes) -> str:
    return hashlib.sha256(b"intake-officer-box-v1|" + public).hexdigest()


def vouch(vault, entry: OfficerEntry) -> None:
    """The database vouches for ``entry``'s box (call inside a transaction, by one holding the key)."""
    if entry.box_public:
        vault.set_meta(BOX_META + entry.id, box_digest(entry.box_public))


def vouched(vault) -> dict[str, str]:
    rows = vault.conn.execute("SELECT key, value FROM meta WHERE key LIKE ?", (BOX_META + "%",))
    return {k[len(BOX_META):]: v for k, v in rows}


def _ids(conn, prefix: str) -> set[str]:
    return {k[len(prefix):] for (k,) in conn.execute("SELECT key FROM meta WHERE key LIKE ?", (prefix + "%",))}


def removing_ids(conn) -> set[str]:
    """Officers whose removal started and is not yet recorded done."""
    return _ids(conn, REMOVING_META) - _ids(conn, REMOVED_META)


def gone_ids(conn) -> set[str]:
    """Officers removed, or being removed: never unlock, never listed, never sealed to."""
    return _ids(conn, REMOVING_META) | _ids(conn, REMOVED_META)


def members(vault) -> set[str]:
    """Officer rows of the database that are not gone."""
    return {r[0] for r in vault.conn.execute("SELECT officer_id FROM officers")} - gone_ids(vault.conn)


def box_opens(entry: OfficerEntry, kek: bytes, vault_id: str) -> bool:
    """Whether ``entry``'s box is sealed under ``kek`` and its private key matches its public key."""
    if not entry.box_public:
        return False
    pair = keybox.open_box(kek, entry.box_nonce, entry.box_sealed, vault_id, entry.id)
    return pair is not None and hmac.compare_digest(pair.public_bytes(), entry.box_public)


def box_replaced(vault_id: str, unlocked) -> bool:
    """For a right passphrase whose keys open no database (store, ``OfficerBoxReplaced``):
    whether the entry's box is not the one this passphrase seals (its private key does not
    open under the passphrase's key, or does not match the public key beside it) or the
    entry's pending seal does not open with it: a box swapped in before a removal, which then
    sealed the new key to whoever swapped it. An entry without a box (format 1): False."""
    seen = unlocked.seen
    if not seen.box_public:
        return False
    if not box_opens(seen, unlocked.kek, vault_id):
        return True
    pair = keybox.open_box(unlocked.kek, seen.box_nonce, seen.box_sealed, vault_id, seen.id)
    return bool(seen.pending) and keybox.open_pending(pair, seen.pending, vault_id, seen.id) is None


def vouch_at_unlock(vault, keyring: Keyring, unlocked) -> None:
    """After an unlock settled its entry (inside the unlock's transaction): the entry as on
    disk is vouched for if its box opens under this passphrase's key; a box that does not
    (swapped in) is replaced by a new one first. An entry sealed again under another
    derivation meanwhile (the NFC reseal) waits for the next unlock. Best effort: a keyring
    that cannot be read or written leaves the vouching as it was."""
    seen = unlocked.seen
    try:
        now = Keyring.load(keyring.path)._by_id(seen.id)
        if now.salt != seen.salt:
            return
        if not box_opens(now, unlocked.kek, keyring.vault_id):
            new = dataclasses.replace(now)
            new.box_public, new.box_nonce, new.box_sealed = keybox.new_box(unlocked.kek, keyring.vault_id, now.id)
            keyring._replace_if_unchanged(now, new, "keyring: a box that did not open was not replaced")
            now = Keyring.load(keyring.path)._by_id(seen.id)
            if now.salt != seen.salt or not box_opens(now, unlocked.kek, keyring.vault_id):
                return
    except (IntakeError, OSError):
        return
    if vault.meta(BOX_META + now.id) != box_digest(now.box_public):
        vouch(vault, now)


def check_staying(vault, keyring: Keyring, targets: list[str]) -> None:
    """:class:`OfficersMustUnlock` if an officer who stays has no box the database vouches
    for (an entry from before boxes, or one whose box changed without the key: their unlock
    vouches for it)."""
    trusted, staying = vouched(vault), members(vault) - set(targets)
    bad = [o.name for o in keyring.active()
           if o.id in staying and (not o.box_public or trusted.get(o.id) != box_digest(o.box_public))]
    if bad:
        raise OfficersMustUnlock(count=len(bad), names=", ".join(bad))


def seal_for_removal(kr: Keyring, targets: list[str], new_key: bytes, current_key: bytes,
                     trusted: dict[str, str], staying: set[str]) -> None:
    """Step (a) of a removal, in memory (inside :meth:`Keyring.update`): each of ``targets``
    in the keyring is marked ``removed`` with the check of ``new_key``; every officer in
    ``staying`` whose box the database vouches for (``trusted``) gets ``new_key`` and
    ``current_key`` sealed to it; any other entry gets nothing (its pending seal dropped).
    :class:`OfficersMustUnlock` (nothing changed) if one who stays is not vouched for."""
    others = [o for o in kr.active() if o.id not in targets]
    bad = [o.name for o in others
           if o.id in staying and (not o.box_public or trusted.get(o.id) != box_digest(o.box_public))]
    if bad:
        raise OfficersMustUnlock(count=len(bad), names=", ".join(bad))
    for o in others:
        if o.id in staying:
            o.pending = keybox.seal_pending(o.box_public, new_key, current_key, kr.vault_id, o.id)
        else:
            log.warning("keyring: an entry the vault does not know gets no new key")
            o.pending = b""
    check = keybox.key_check(kr.vault_id, new_key)
    for o in kr.officers:
        if o.id in targets:
            o.removed, o.pending = check, b""
