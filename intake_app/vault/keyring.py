"""The keyring file: the vault's random database key, wrapped once per officer.

``keyring.json`` sits beside ``vault.db``. For each officer it holds a login name,
Argon2id parameters and salt, and the 256-bit database key sealed with AES-256-GCM
under the key derived from that officer's passphrase (the vault id and officer id are
the associated data). Adding an officer or changing a passphrase rewrites this small
file only; the database is never re-encrypted. It holds no survivor data. Passphrases are
derived in Unicode NFC (:func:`kdf.normalized`); an entry wrapped before from another form
still opens and is sealed again under NFC then.

Failed unlocks are counted here to impose a growing delay (:mod:`keyring_throttle`); the
next good unlock clears the count and reports it (:meth:`Keyring.unwrap_reporting`). An
entry's stored form and the check of a new officer's name are :mod:`keyring_entry`.

Several programs may use one keyring at once (the desktop app and the CLI, two CLI
commands): every change to the file (:meth:`Keyring.update`) is made under an exclusive
lock on ``keyring.json.lock``, to the file as read again under that lock, so one program's
change (a new officer, a failure count) is never lost by another writing back what it had
loaded. The slow Argon2id derivations happen before the lock is taken.

Format 2 (format 1 files are still read, and written back as 2) gives each entry a *box*
(:mod:`keybox`): a key pair whose private half is sealed under the same passphrase-derived
key as the wrap, so another officer can seal a new database key to it (``pending``) when an
officer is removed and the vault re-keyed (:mod:`officers`). An entry without a box gets one
at that officer's next good unlock (:meth:`Keyring.settle`). An entry marked ``removed``
never unlocks: it answers as an unknown officer.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hmac
import json
import logging
import math
import os
import secrets
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, TypeVar

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ..errors import OfficerExists, UnknownOfficer, UnlockThrottled, VaultCorrupt, WrongPassphrase
from ..fsutil import atomic_write, atomic_writer, exclusive_lock
from . import kdf, keybox
from .keyring_entry import MAX_OFFICER_NAME, OfficerEntry, check_officer_name  # noqa: F401 (importers use them here)
from .keyring_throttle import MAX_DELAY, FailureCounts, delay_after, wait_left  # noqa: F401

T = TypeVar("T")
log = logging.getLogger(__name__)

FORMAT = 2
READABLE_FORMATS = (1, 2)  # 1: entries without a box (before officer removal existed)
clock = time.time  # tests replace this to skip the delay


def lock_path(path: Path) -> Path:
    """The file locked while ``path`` (keyring.json) is read, changed and written back."""
    return path.with_name(path.name + ".lock")


@dataclass(repr=False)
class Unlocked:
    """What a right passphrase opened (:meth:`Keyring.unlock`): the database keys to try, best
    first (a pending new key, the key the vault was on when it was sealed, the wrapped key),
    and what :meth:`Keyring.settle` needs to seal the one that opens without deriving again."""

    entry: OfficerEntry  # as on disk after the failure count was cleared
    keys: list[bytes]
    cleared: tuple[int, float] | None
    seen: OfficerEntry  # the entry that opened
    kek: bytes
    form: str  # the passphrase form that opened it
    normal: str  # its NFC form
    wrapped_key: bytes

    def __repr__(self) -> str:  # never print a key
        return "Unlocked(<secret>)"


@dataclass
class Keyring(FailureCounts):
    path: Path
    vault_id: str
    officers: list[OfficerEntry] = field(default_factory=list)

    # --- file ------------------------------------------------------------
    @classmethod
    def load(cls, path: Path) -> "Keyring":
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            if doc.get("format") not in READABLE_FORMATS:
                raise VaultCorrupt(part="keyring")
            return cls(path, doc["vault_id"], [OfficerEntry.from_dict(o) for o in doc["officers"]])
        except OSError as exc:  # the disk (no access, I/O error) is not damage to the keyring
            from .store import storage_error  # here: store imports this module

            raise storage_error(exc) or VaultCorrupt(part="keyring") from None
        except (ValueError, KeyError, TypeError):
            raise VaultCorrupt(part="keyring") from None

    def _dump(self) -> bytes:
        doc = {"format": FORMAT, "vault_id": self.vault_id, "officers": [o.to_dict() for o in self.officers]}
        return json.dumps(doc, indent=1).encode()

    def save(self) -> None:
        atomic_write(self.path, self._dump())

    def update(self, change: Callable[["Keyring"], T]) -> T:
        """Apply ``change`` to the keyring as it is on disk now and save it, under an exclusive
        lock held across the read and the write (another program's change made meanwhile
        stays); this object then holds what was saved. ``change`` must be quick (no
        derivation). An error leaves the file as it was."""
        with exclusive_lock(lock_path(self.path)):
            fresh = Keyring.load(self.path)
            if fresh.vault_id != self.vault_id:
                raise VaultCorrupt(part="keyring_mismatch")
            result = change(fresh)
            fresh.save()
        self.officers = fresh.officers
        return result

    @contextlib.contextmanager
    def changing(self, change: Callable[["Keyring"], T]) -> Iterator[T]:
        """:meth:`update` in two steps, for a change that goes with a database transaction
        (a new officer's row, an audit entry): under the lock, the changed keyring is written
        and synced beside ``keyring.json`` (its space taken: a full disk fails here, before
        anything else); the block then commits the database; when it ends without an error
        the copy is renamed over ``keyring.json`` (no space needed), else removed, the file
        unchanged. The lock is held throughout (take it before the database's)."""
        with exclusive_lock(lock_path(self.path)):
            fresh = Keyring.load(self.path)
            if fresh.vault_id != self.vault_id:
                raise VaultCorrupt(part="keyring_mismatch")
            result = change(fresh)
            with atomic_writer(self.path) as fh:
                fh.write(fresh._dump())
                fh.flush()
                os.fsync(fh.fileno())
                yield result
            self.officers = fresh.officers

    @classmethod
    def new(cls, path: Path) -> tuple["Keyring", bytes]:
        return cls(path, uuid.uuid4().hex), secrets.token_bytes(32)

    # --- officers ----------------------------------------------------------
    def active(self) -> list[OfficerEntry]:
        """The officers who may unlock: every entry not marked ``removed``."""
        return [o for o in self.officers if not o.removed]

    def find(self, name: str) -> OfficerEntry:
        """An officer who may unlock, by name or id; a removed one is :class:`UnknownOfficer`,
        as a name never added (the answer says nothing more)."""
        for o in self.active():
            if o.name == name or o.id == name:
                return o
        raise UnknownOfficer()

    def find_any(self, name: str) -> OfficerEntry:
        """:meth:`find`, a removal under way's entry included (to run the removal again)."""
        for o in self.officers:
            if o.name == name or o.id == name:
                return o
        raise UnknownOfficer()

    def _by_id(self, officer_id: str) -> OfficerEntry:
        for o in self.officers:
            if o.id == officer_id:
                return o
        raise UnknownOfficer()

    def _aad(self, officer_id: str) -> bytes:
        return f"intake-keyring-v1|{self.vault_id}|{officer_id}".encode()

    def _wrap(self, entry: OfficerEntry, passphrase: str, db_key: bytes, params: kdf.KdfParams) -> None:
        """Derive from ``passphrase`` (new salt) and seal ``db_key`` and a new box under it; no pending."""
        entry.kdf, entry.salt, entry.nonce = params, os.urandom(16), os.urandom(12)
        kek = kdf.derive(kdf.normalized(passphrase), entry.salt, params)
        entry.wrapped = AESGCM(kek).encrypt(entry.nonce, db_key, self._aad(entry.id))
        entry.box_public, entry.box_nonce, entry.box_sealed = keybox.new_box(kek, self.vault_id, entry.id)
        entry.pending, entry.removed = b"", ""
        entry.failures, entry.last_failure = 0, 0.0

    def new_entry(self, name: str, passphrase: str, db_key: bytes, params: kdf.KdfParams | None = None,
                  officer_id: str | None = None) -> OfficerEntry:
        """A new officer's entry, derived and sealed, not yet in the keyring (:meth:`insert`)."""
        if any(o.name == name for o in self.officers):
            raise OfficerExists()
        entry = OfficerEntry(officer_id or uuid.uuid4().hex[:12], name, kdf.KdfParams(0, 0), b"", b"", b"")
        self._wrap(entry, passphrase, db_key, params or kdf.calibrate())
        return entry

    def insert(self, entry: OfficerEntry) -> None:
        if any(o.name == entry.name or o.id == entry.id for o in self.officers):
            raise OfficerExists()
        self.officers.append(entry)

    def replace(self, entry: OfficerEntry) -> None:
        """Put ``entry`` in place of the entry with its id (a passphrase change)."""
        self.officers[self.officers.index(self._by_id(entry.id))] = entry

    def add_officer(self, name: str, passphrase: str, db_key: bytes, params: kdf.KdfParams | None = None) -> OfficerEntry:
        """In memory only (a new vault's first officer); an existing keyring: :meth:`update`."""
        entry = self.new_entry(name, passphrase, db_key, params)
        self.insert(entry)
        return entry

    def rewrapped(self, entry: OfficerEntry, new_passphrase: str, db_key: bytes) -> OfficerEntry:
        """A copy of ``entry`` sealed under a new passphrase (to :meth:`replace` it with)."""
        new = dataclasses.replace(entry)
        self._wrap(new, new_passphrase, db_key, kdf.calibrate())
        return new

    def unwrap(self, name: str, passphrase: str) -> tuple[OfficerEntry, bytes]:
        """The database key, or WrongPassphrase / UnlockThrottled (with seconds to wait).
        The failure count is changed in the file as it is on disk (:meth:`update`)."""
        entry, db_key, _ = self.unwrap_reporting(name, passphrase)
        return entry, db_key

    def unwrap_reporting(self, name: str, passphrase: str) -> tuple[OfficerEntry, bytes, tuple[int, float] | None]:
        """:meth:`unwrap`, and the failed tries it cleared: (count, time of the last), or
        None when there were none. The key is the entry's first candidate (:meth:`unlock`,
        which the vault uses: it tries each on the database)."""
        u = self.unlock(name, passphrase)
        if len(u.keys) == 1:
            self.settle(u, u.keys[0])
        return u.entry, u.keys[0], u.cleared

    def unlock(self, name: str, passphrase: str) -> Unlocked:
        """Check ``passphrase`` against ``name``'s entry (one derivation per passphrase form,
        the failure count and delay as :meth:`unwrap`) and open what it seals: the wrapped
        database key and, if the entry has a ``pending`` seal, the box's private key and that
        seal. Nothing is written but the failure count: which key opens the database is for
        the caller to find, then :meth:`settle`."""
        entry = self.find(name)
        now = clock()
        if entry.failures and entry.last_failure > now:  # the clock was set back: the delay runs from now
            self.update(lambda kr: kr._restart_delay(entry.id, now))
            entry = self._by_id(entry.id)
        wait = wait_left(entry.failures, entry.last_failure, now, delay_after)  # ours: replaceable, as clock
        if wait > 0:
            raise UnlockThrottled(retry_after=math.ceil(wait))  # whole seconds, as the message reads
        forms = kdf.unlock_forms(passphrase)  # NFC first; the others only for an older wrap
        opened = None
        for form in forms:
            kek = kdf.derive(form, entry.salt, entry.kdf)
            db_key = self._open_wrap(entry, kek)
            if db_key is not None:
                opened = form, kek, db_key
                break
        if opened is None:  # one failure, however many forms were tried
            failures = self.update(lambda kr: kr._count_failure(entry.id, clock()))
            raise WrongPassphrase(failures=failures, retry_after=math.ceil(delay_after(failures))) from None
        cleared = None
        if entry.failures or self._failures_on_disk(entry.id):
            cleared = self.update(lambda kr: kr._reset_failures(entry.id))
        form, kek, db_key = opened
        keys = [db_key]
        if entry.pending:
            pending = self._open_pending(entry, kek)
            if pending is not None:
                keys = list(dict.fromkeys([*pending, db_key]))  # new, then the one it replaces, then the wrap's
        return Unlocked(self._by_id(entry.id), keys, cleared, entry, kek, form, forms[0], db_key)

    def _open_wrap(self, entry: OfficerEntry, kek: bytes) -> bytes | None:
        try:
            return AESGCM(kek).decrypt(entry.nonce, entry.wrapped, self._aad(entry.id))
        except InvalidTag:
            return None

    def _open_pending(self, entry: OfficerEntry, kek: bytes) -> tuple[bytes, bytes] | None:
        pair = keybox.open_box(kek, entry.box_nonce, entry.box_sealed, self.vault_id, entry.id)
        found = keybox.open_pending(pair, entry.pending, self.vault_id, entry.id) if pair else None
        if found is None:  # the wrap still opens what it holds
            log.warning("keyring: a pending key did not open; the wrapped key is tried alone")
        return found

    def settle(self, u: Unlocked, db_key: bytes) -> None:
        """After ``db_key`` (one of ``u.keys``) opened the database: the entry is made to wrap
        that key, with a box, without a pending seal (format 1 upgraded, a re-key taken on),
        under the passphrase-derived key already at hand; a wrap opened by an older passphrase
        form is derived again under NFC (:meth:`_rewrap_normalized`). A pending seal is
        dropped whichever key opened: the one that did is now wrapped, and a removal run again
        seals new ones from the key the vault is on (none can run while this program holds
        the database open). Nothing is written when nothing changes. Best effort, as
        :meth:`_rewrap_normalized`: if it is not written, the same keys open next time."""
        seen = u.seen
        if u.form != u.normal:  # wrapped before passphrases were normalized: sealed again under NFC
            self._rewrap_normalized(seen, u.normal, db_key)
            return
        same_key = hmac.compare_digest(db_key, u.wrapped_key)
        if same_key and seen.box_public and not seen.pending:
            return
        new = dataclasses.replace(seen, pending=b"")
        if not same_key:
            new.nonce = os.urandom(12)
            new.wrapped = AESGCM(u.kek).encrypt(new.nonce, db_key, self._aad(seen.id))
        if not seen.box_public:  # a format 1 entry
            new.box_public, new.box_nonce, new.box_sealed = keybox.new_box(u.kek, self.vault_id, seen.id)
        self._replace_if_unchanged(seen, new, "keyring: entry not sealed again; the same keys still open")

    def _rewrap_normalized(self, seen: OfficerEntry, normal: str, db_key: bytes) -> None:
        """Seal ``seen``'s entry again under the NFC form, so the next unlock needs one
        derivation; derived before the lock, and written only if the entry on disk is still
        the one that opened (a passphrase changed meanwhile by another program stays). Best
        effort: if the file cannot be written, the older form still opens the vault."""
        new = dataclasses.replace(seen)
        self._wrap(new, normal, db_key, seen.kdf)
        self._replace_if_unchanged(seen, new, "keyring: passphrase not sealed again in its normalized form; "
                                              "the older form still opens")

    def _replace_if_unchanged(self, seen: OfficerEntry, new: OfficerEntry, warning: str) -> None:
        def change(kr: "Keyring") -> None:
            current = kr._by_id(seen.id)
            if current.sealed_state() == seen.sealed_state():
                new.failures, new.last_failure = current.failures, current.last_failure
                kr.replace(new)

        try:
            self.update(change)
        except (OSError, VaultCorrupt, UnknownOfficer):
            log.warning(warning)

    # --- removal (officers.remove_officer) ----------------------------------------
    def drop(self, officer_ids: list[str]) -> None:
        """Step (d) of a removal: the removed entries leave the keyring."""
        self.officers = [o for o in self.officers if o.id not in set(officer_ids) or not o.removed]
