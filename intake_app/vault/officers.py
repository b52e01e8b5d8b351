"""The vault's officers: list, add, passphrase check and change, and removal with a re-key.
The functions here are methods of :class:`~.store.Vault` (attached as cases.py's are).

Removing an officer (:func:`remove_officer`) changes the database key, so that the removed
officer's passphrase, and any old copy of ``keyring.json`` holding their entry, no longer
opens ``vault.db``. The new key reaches every remaining officer without their passphrases:
it is sealed to each one's box (``keyring.json`` format 2, :mod:`keybox`) and taken on at
their next unlock (:meth:`Keyring.settle`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hmac
import logging
import secrets

import sqlcipher3

from ..errors import (IntakeError, OfficerRemoveSelf, OfficerRemoveUnfinished, UnknownOfficer, VaultCorrupt, VaultDiskError,
                      VaultLocked, VaultOpenElsewhere, WrongPassphrase)
from . import box_trust, keybox
from .audit import failed_tries, now_iso
from .box_trust import REMOVED_META, REMOVING_META
from .keyring import Keyring, check_officer_name

log = logging.getLogger(__name__)


def _reread_keyring(self) -> Keyring:
    """The keyring as on disk now (another program may have changed it), kept as ours."""
    keyring = Keyring.load(self.keyring.path)
    if keyring.vault_id != self.keyring.vault_id:
        raise VaultCorrupt(part="keyring_mismatch")
    self.keyring = keyring
    return keyring


def officers(self) -> list:
    """The officers who can unlock: a row whose officer is not in the keyring (left by a
    crash between the row's commit and the keyring's write, or a removed officer's) is not
    one, and may share its name with the officer added again after it (by an older version);
    nor is an officer removed or whose removal is under way (marked in the keyring or in the
    database: box_trust.gone_ids)."""
    from .store import Officer

    try:
        ids = {o.id for o in self._reread_keyring().active()}
    except VaultCorrupt:  # unreadable now: what was read at unlock
        ids = {o.id for o in self.keyring.active()}
    ids -= box_trust.gone_ids(self.conn)
    rows = self.conn.execute("SELECT officer_id, name FROM officers ORDER BY name")
    return [Officer(r[0], r[1]) for r in rows if r[0] in ids]


def unfinished_removals(self) -> list[str]:
    """Names of officers whose removal was interrupted (started in the database, or marked in
    the keyring, not yet dropped): :func:`remove_officer` run again for each completes it."""
    with contextlib.suppress(IntakeError):  # unreadable now: what was read last
        self._reread_keyring()
    names = [o.name for o in self.keyring.officers if o.removed]
    started = box_trust.removing_ids(self.conn)
    rows = self.conn.execute("SELECT officer_id, name FROM officers ORDER BY name")
    return names + [r[1] for r in rows if r[0] in started and r[1] not in names]


def add_officer(self, name: str, passphrase: str, kdf_params=None):
    """Add an officer: the row, its audit entry and the keyring entry, all or nothing (a
    disk error: :class:`VaultDiskError`). A row of that name left without a keyring entry
    is taken over rather than duplicated (never a removed officer's row)."""
    from .store import Officer, check_passphrase

    check_officer_name(name)
    check_passphrase(passphrase)
    if self._db_key is None:
        raise VaultLocked()
    keyring = self._reread_keyring()
    known = {o.id for o in keyring.officers}
    orphans = [r[0] for r in self.conn.execute(
        "SELECT officer_id FROM officers WHERE name = ? ORDER BY created_at", (name,))
        if r[0] not in known and r[0] not in box_trust.gone_ids(self.conn)]
    entry = keyring.new_entry(name, passphrase, self._db_key, kdf_params, officer_id=(orphans or [None])[0])

    def rows() -> None:
        self.conn.execute("INSERT OR IGNORE INTO officers VALUES (?, ?, ?)", (entry.id, entry.name, now_iso()))
        box_trust.vouch(self, entry)  # made here, by one holding the key
        self.audit.append(self.officer.id, "officer_add", officer=entry.id)

    self._keyring_change(rows, lambda kr: kr.insert(entry))
    return Officer(entry.id, entry.name)


def verify_passphrase(self, passphrase: str) -> None:
    """Check the signed-in officer's passphrase as the unlock does, before an act an
    unlocked session alone should not allow (the desktop app asks it to change the
    passphrase or add an officer; the CLI unlocks for every command, which checks it).
    The keyring is read again from disk, so the failure count and delay are the
    unlock's own: a wrong passphrase raises ``WrongPassphrase`` (counted, audited
    ``passphrase_check_failed``), a try inside the delay ``UnlockThrottled``, without
    deriving; the right one clears the count (failed unlocks counted meanwhile by another
    program are audited ``unlock_failures``). The entry is settled as at an unlock (a key
    this session re-keyed to, a box for a format 1 entry); nothing else changes."""
    if self._db_key is None:
        raise VaultLocked()
    keyring = self._reread_keyring()  # the newest (an officer added by the CLI meanwhile stays)
    try:
        unlocked = keyring.unlock(self.officer.id, passphrase)
    except WrongPassphrase as exc:
        self._checks_failed += 1
        self._audited("passphrase_check_failed", failures=exc.params["failures"])
        raise
    if not any(hmac.compare_digest(k, self._db_key) for k in unlocked.keys):
        raise VaultCorrupt(part="keyring_mismatch")
    keyring.settle(unlocked, self._db_key)
    cleared = unlocked.cleared
    others = cleared[0] - self._checks_failed if cleared else 0  # failed unlocks elsewhere meanwhile
    self._checks_failed = 0
    if others > 0:  # not cleared unseen (this session's own wrong checks are audited already)
        with self.transaction():
            self.audit.append_failed(self.officer.id, failed_tries((others, cleared[1])))


def change_passphrase(self, new_passphrase: str) -> None:
    """All or nothing as the officer sees it: if this raises, the old passphrase still
    opens the vault (a disk error: :class:`VaultDiskError`, nothing changed); if it
    returns, the new one does."""
    from .store import check_passphrase

    check_passphrase(new_passphrase)
    if self._db_key is None:
        raise VaultLocked()
    keyring = self._reread_keyring()
    new = keyring.rewrapped(keyring.find(self.officer.id), new_passphrase, self._db_key)
    def rows() -> None:
        box_trust.vouch(self, new)  # the new box, made here
        self.audit.append(self.officer.id, "passphrase_change")

    self._keyring_change(rows, lambda kr: kr.replace(new))


def _keyring_change(self, db_work, change) -> None:
    """The keyring's ``change`` and ``db_work`` (rows, the audit entry) together: the new
    keyring is written first beside the old (a full disk fails there, nothing done), the
    database commits, then the new keyring replaces the old by a rename, which needs no
    space (Keyring.changing). A failed COMMIT leaves the keyring as it was. Killed between
    the COMMIT and the rename, the database has the record and the keyring the old state
    (an officer's row without keyring entry: :meth:`add_officer` takes it over)."""
    from .store import storage_error

    committed = False
    try:
        with self.keyring.changing(change):
            with self.transaction():
                db_work()
            committed = True
    except Exception as exc:
        if committed:  # the rename failed after the COMMIT: the log says so beside the record it has
            with contextlib.suppress(Exception):
                self.audit.append(self.officer.id, "keyring_change_not_applied")
        mapped = storage_error(exc)
        if mapped is not None:
            raise mapped from None
        raise


# --- removal -------------------------------------------------------------------------------
def remove_officer(self, name: str):
    """Remove officer ``name`` (by login name or id) and re-key the vault, so that neither
    their passphrase nor an old copy of ``keyring.json`` opens ``vault.db`` any more. No
    other officer's passphrase is needed. Copies of ``vault.db`` made before still open with
    the keys of then: a re-key cannot reach them.

    Refused, nothing changed: an unknown name (:class:`UnknownOfficer`); the signed-in
    officer (:class:`OfficerRemoveSelf`); a remaining officer whose entry has no box yet
    (:class:`OfficersMustUnlock`: they unlock once first); another program with the vault
    open (:class:`VaultOpenElsewhere`, found by leaving WAL mode, which SQLite refuses
    while another connection is open). The database is then held (rollback journal,
    ``locking_mode=EXCLUSIVE``) so nothing opens it until the end, when WAL and normal
    locking come back whatever happened. The steps, each safe to be killed after:

    (a) ``keyring.json``: the officer is marked ``removed`` (never unlocks again, answers as
        an unknown name) with a check of the new key, and every remaining officer, this one
        included (its passphrase-derived key is not kept), gets the new key and the current
        one sealed to the box (``pending``); wraps are kept. Killed here: the database is on
        the current key, which every remaining officer still has (wrap or pending).
    (b) ``PRAGMA rekey``: SQLCipher re-encrypts every page in one journaled transaction.
        From here the old key no longer opens ``vault.db``; the remaining officers open it
        with the pending key, which their unlock then wraps under their passphrase.
    (c) The database, one transaction: the removed officer's row is marked (meta
        ``officer_removed.<id>``; the row stays, for names in the history), the audit
        gets ``officer_remove`` (the officer's id only), and the officer's unsaved drafts
        pass to the signed-in officer (``draft_handover``, with their count, never their
        content): nobody else could ever continue them, and they hold what a person said.
    (d) ``keyring.json``: the removed entry is dropped.

    Run again, a removal completes: an officer marked ``removed`` is found, the re-key is
    skipped if the vault is already on the key the mark names (else made anew, with new
    pending seals), and (c) writes only what is missing. Officers an earlier interrupted
    removal marked are completed with this one."""
    from .store import storage_error

    if self._db_key is None:
        raise VaultLocked()
    keyring = self._reread_keyring()
    target = _target(self, keyring, name)
    if target.id == self.officer.id or keyring._by_id(self.officer.id).removed:
        raise OfficerRemoveSelf()
    ids = _targets(self, keyring, target.id)
    box_trust.check_staying(self, keyring, ids)
    with _held(self):
        started = False
        try:
            keyring = self._reread_keyring()  # as on disk now that nothing else can open the vault
            ids = _targets(self, keyring, target.id)
            _started(self, ids)  # (0)
            started = True
            current = self._db_key
            check = keybox.key_check(keyring.vault_id, current)
            marks = {o.id: o.removed for o in keyring.officers}
            if any(marks.get(i, "") != check for i in ids):  # else re-keyed by the run it resumes
                new_key = secrets.token_bytes(keybox.KEY_LEN)
                _mark(self, keyring, ids, new_key, current)  # (a)
                _rekey(self, new_key)  # (b)
            drafts = _record(self, ids)  # (c)
            _drop(keyring, ids)  # (d)
        except (OSError, sqlcipher3.Error, VaultDiskError) as exc:
            log.warning("officer removal stopped: %s", type(exc).__name__)
            mapped = exc if isinstance(exc, VaultDiskError) else storage_error(exc)
            if started and (mapped is None or isinstance(mapped, VaultDiskError)):  # not "nothing changed"
                reason = mapped.params.get("reason") if mapped is not None else None
                raise OfficerRemoveUnfinished(name=target.name, **({"reason": reason} if reason else {})) from None
            raise (mapped or exc) from None
    return RemovedOfficer(target.id, target.name, drafts)


@dataclasses.dataclass(frozen=True)
class RemovedOfficer:
    """What :func:`remove_officer` did: who, and how many of their drafts passed to the
    officer who removed them (this run's; a run that completes an earlier one may say 0)."""

    id: str
    name: str
    drafts: int = 0


def _target(self, keyring: Keyring, name: str):
    """The officer ``name`` (login name or id) in the keyring, or one whose removal the
    database says started and whose entry is gone from the keyring (to finish it)."""
    from .store import Officer

    try:
        entry = keyring.find_any(name)
        return Officer(entry.id, entry.name)
    except UnknownOfficer:
        started = box_trust.removing_ids(self.conn)
        for officer_id, row_name in self.conn.execute("SELECT officer_id, name FROM officers"):
            if officer_id in started and name in (officer_id, row_name):
                return Officer(officer_id, row_name)
        raise


def _started(self, ids: list[str]) -> None:
    """(0): the removal written in the database before the keyring is touched, so a ``removed``
    mark edited out of ``keyring.json`` takes no one off the list (box_trust)."""
    with self.transaction():
        for officer_id in ids:
            if self.meta(REMOVED_META + officer_id) is None and self.meta(REMOVING_META + officer_id) is None:
                self.set_meta(REMOVING_META + officer_id, now_iso())


def _mark(self, keyring: Keyring, ids: list[str], new_key: bytes, current: bytes) -> None:
    """(a): the removal marked, the new key pending for every remaining officer the database
    vouches for (box_trust.seal_for_removal), and for no other entry."""
    trusted, staying = box_trust.vouched(self), box_trust.members(self) - set(ids)
    keyring.update(lambda kr: box_trust.seal_for_removal(kr, ids, new_key, current, trusted, staying))


def _rekey(self, new_key: bytes) -> None:
    """(b): SQLCipher's in-place re-key, one transaction."""
    self.conn.execute(f"PRAGMA rekey = \"x'{new_key.hex()}'\"")
    self._db_key = new_key


def _record(self, ids: list[str]) -> int:
    """(c): the rows marked removed, their drafts handed over and the audit entries, one
    transaction; what a run before already wrote is not written again. Returns the number of
    drafts handed over."""
    handed = 0
    with self.transaction():
        for officer_id in ids:
            if self.meta(REMOVED_META + officer_id) is None:
                self.set_meta(REMOVED_META + officer_id, now_iso())
                self.audit.append(self.officer.id, "officer_remove", officer=officer_id)
            self.conn.execute("DELETE FROM meta WHERE key = ?", (REMOVING_META + officer_id,))
        # this removal's officers, and any removed by a version from before the handover
        removed = [k[len(REMOVED_META):] for (k,) in self.conn.execute(
            "SELECT key FROM meta WHERE key >= ? AND key < ?", (REMOVED_META, REMOVED_META + "\uffff"))]
        for officer_id in dict.fromkeys([*ids, *removed]):
            moved = self.conn.execute("UPDATE drafts SET officer_id = ? WHERE officer_id = ?",
                                      (self.officer.id, officer_id)).rowcount
            if moved:
                self.audit.append(self.officer.id, "draft_handover", officer=officer_id, count=moved)
                handed += moved
    return handed


def _drop(keyring: Keyring, ids: list[str]) -> None:
    """(d): the removed entries out of the keyring."""
    keyring.update(lambda kr: kr.drop(ids))


def _targets(self, keyring: Keyring, officer_id: str) -> list[str]:
    """The officer to remove and any whose removal an earlier run left started (in the
    database) or marked (in the keyring)."""
    earlier = [o.id for o in keyring.officers if o.removed] + sorted(box_trust.removing_ids(self.conn))
    return list(dict.fromkeys([officer_id] + [i for i in earlier if i not in (officer_id, self.officer.id)]))


_BUSY_CODES = (5, 6)  # SQLITE_BUSY, SQLITE_LOCKED


@contextlib.contextmanager
def _held(self):
    """The database to this connection alone: out of WAL (refused while another connection
    has it open: :class:`VaultOpenElsewhere`) with ``locking_mode=EXCLUSIVE``, so the exclusive
    lock taken to leave WAL is kept and nothing opens it meanwhile. WAL and normal locking
    are restored at the end, whatever happened (a failure there is logged: the next open sets
    WAL again)."""
    from .store import storage_error

    conn = self.conn
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA busy_timeout = 1000")  # another program keeps it open: no use waiting long
        conn.execute("PRAGMA locking_mode = EXCLUSIVE")  # set first: leaving WAL then keeps its lock
        mode = conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
        if str(mode).lower() != "delete":
            raise VaultOpenElsewhere()
        conn.execute("BEGIN EXCLUSIVE")  # held, in any case, until locking is NORMAL again
        conn.execute("COMMIT")
    except sqlcipher3.Error as exc:
        _restore(conn)
        code = getattr(exc, "sqlite_errorcode", None)
        if isinstance(code, int) and code & 0xFF in _BUSY_CODES:
            raise VaultOpenElsewhere() from None
        raise (storage_error(exc) or exc) from None
    except BaseException:
        _restore(conn)
        raise
    try:
        yield
    finally:
        _restore(conn)


def _restore(conn) -> None:
    steps = ("PRAGMA locking_mode = NORMAL", "SELECT count(*) FROM sqlite_master",  # the read releases the lock
             "PRAGMA journal_mode = WAL", "PRAGMA busy_timeout = 5000")
    for sql in steps:
        try:
            conn.execute(sql).fetchall()
        except sqlcipher3.Error as exc:
            log.warning("vault not set back to WAL after a removal (%s): the next unlock does it", type(exc).__name__)
