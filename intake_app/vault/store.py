"""The vault: one SQLCipher database per installation, unlocked by an officer.

Files in the data folder (0700): ``vault.db`` (+ its WAL), encrypted with a random
256-bit raw key; ``keyring.json``, that key wrapped per officer (see keyring.py).
A ``Vault`` object owns the only keyed connection; it is not thread-safe by design:
the desktop app keeps it on one worker thread.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import uuid
from dataclasses import dataclass
from pathlib import Path

import sqlcipher3

from ..bundle.keys import SigningKeys
from ..codebook import Codebook, load_codebook
from ..errors import (IntakeError, OfficerBoxReplaced, VaultBusy, VaultCorrupt, VaultDiskError, VaultExists,
                      VaultIncomplete, VaultLocked, VaultNotFound, UnknownOfficer, WeakPassphrase)
from ..fsutil import os_error_kind, remove_stale_parts, restrict_umask, secure_mkdir
from ..paths import data_home
from . import box_trust, schema
from .audit import AuditLog, failed_tries, now_iso
from .keyring import Keyring, Unlocked, check_officer_name

log = logging.getLogger(__name__)

DB_NAME = "vault.db"
KEYRING_NAME = "keyring.json"
MIN_PASSPHRASE = 10


@dataclass(frozen=True)
class Officer:
    id: str
    name: str


def check_passphrase(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE:
        raise WeakPassphrase(min_length=MIN_PASSPHRASE)


def vault_exists(home: str | Path | None = None) -> bool:
    h = data_home(home)
    return (h / KEYRING_NAME).exists() and (h / DB_NAME).exists()


def _present(h: Path) -> bool:
    """Whether both files are here (False: neither); one without the other is
    :class:`VaultIncomplete`, the same answer to opening it and to creating one there."""
    keyring, db = (h / KEYRING_NAME).exists(), (h / DB_NAME).exists()
    if keyring != db:
        raise VaultIncomplete(part="database" if keyring else "keyring")
    return keyring


def officer_names(home: str | Path | None = None) -> list[str]:
    """Login names for the unlock screen (the keyring is readable without a key)."""
    h = data_home(home)
    if not _present(h):
        raise VaultNotFound()
    return [o.name for o in Keyring.load(h / KEYRING_NAME).active()]  # not an officer being removed


# SQLite's primary result codes (the low byte of sqlite_errorcode)
_BUSY, _LOCKED, _IOERR, _CORRUPT, _FULL, _CANTOPEN, _NOTADB = 5, 6, 10, 11, 13, 14, 26
_DISK_REASONS = {_FULL: "no_space", _IOERR: "io", 8: "access", 3: "access", _CANTOPEN: "access"}  # 8 READONLY, 3 PERM
_OS_REASONS = {"no_space": "no_space", "io": "io", "read_only": "access", "permission": "access"}  # fsutil.os_error_kind


def _primary_code(exc: BaseException) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


def storage_error(exc: BaseException) -> IntakeError | None:
    """What a failed database or keyring operation says about the vault: busy (another
    program writes), the disk (full, I/O error, no access: nothing lost), or None (anything
    else, damage included). SQLite's result code, not its text, decides."""
    code = _primary_code(exc)
    if code in (_BUSY, _LOCKED):
        return VaultBusy()
    reason = _DISK_REASONS.get(code) if code is not None else _OS_REASONS.get(os_error_kind(exc) or "")
    return VaultDiskError(reason=reason) if reason else None


def _unlock_error(exc: BaseException) -> IntakeError:
    """A database error while unlocking: busy or the disk as :func:`storage_error` says,
    else damage (SQLITE_CORRUPT, SQLITE_NOTADB, or a code that says nothing else)."""
    return storage_error(exc) or VaultCorrupt(part="database")


PAGE_SIZE = 4096  # cipher_page_size, set at create (SQLCipher 4's default)
_PLAIN_HEADER = b"SQLite format 3\x00"


def _looks_whole(path: Path) -> bool:
    """Whether ``vault.db`` looks like an intact SQLCipher file a wrong key cannot open (for
    the words only: a key and damage to the first page fail alike): whole pages, and a first
    16 bytes (SQLCipher's random salt) that are neither SQLite's plain header nor one byte
    repeated (a zeroed or overwritten start)."""
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            salt = fh.read(16)
    except OSError:
        return False
    return size > 0 and size % PAGE_SIZE == 0 and salt != _PLAIN_HEADER and len(set(salt)) > 1


def _connect(path: Path, key: bytes):
    conn = sqlcipher3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=5.0)
    try:
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlcipher3.DatabaseError as exc:
        conn.close()
        if _primary_code(exc) == _NOTADB and _looks_whole(path):  # the key, or the first page: words only
            raise VaultCorrupt(part="key") from None  # keyring.json older than the vault, or damage
        raise _unlock_error(exc) from None
    return conn


def _connect_any(path: Path, keys: list[bytes]):
    """(connection, key) for the first of ``keys`` that opens the database (after an
    officer's removal: the new key, the one before it, the wrapped one); a key that does not
    is SQLITE_NOTADB, tried quietly, the last one too (SQLCipher would print its HMAC error
    on stderr: the unlock's own error says what went wrong). Busy or a disk error ends the
    search; none opening is :class:`VaultCorrupt`."""
    level = _cipher_log_level("NONE")
    try:
        for key in keys[:-1]:
            with contextlib.suppress(VaultCorrupt):
                return _connect(path, key), key
        return _connect(path, keys[-1]), keys[-1]
    finally:
        if level:
            _cipher_log_level(level)


def _cipher_log_level(level: str) -> str | None:
    """Set SQLCipher's log level (process-wide); the one it had, or None if unknown."""
    with contextlib.suppress(sqlcipher3.Error):
        probe = sqlcipher3.connect(":memory:")
        try:
            was = probe.execute("PRAGMA cipher_log_level").fetchone()[0]
            if str(level).isalpha():
                probe.execute(f"PRAGMA cipher_log_level = {level}")
            return was
        finally:
            probe.close()
    return None


def _rekeyed_meanwhile(keyring: Keyring, seen) -> bool:
    """Whether ``seen``'s entry changed on disk since it was read (an officer's removal
    re-keyed the vault between reading the keyring and opening the database)."""
    try:
        return Keyring.load(keyring.path)._by_id(seen.id).sealed_state() != seen.sealed_state()
    except (IntakeError, OSError):
        return False


def _merged(first: tuple[int, float] | None, second: tuple[int, float] | None) -> tuple[int, float] | None:
    if not first or not second:
        return first or second
    return first[0] + second[0], max(first[1], second[1])


def _configure(conn) -> None:
    conn.execute("PRAGMA temp_store = MEMORY")  # no temporary files, even encrypted ones
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")  # a returned save survives a power cut
    conn.execute("PRAGMA wal_autocheckpoint = 0")  # checkpoints run off the save path
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 5000")


class Vault:
    """An unlocked vault. Use :meth:`create` or :meth:`open`; :meth:`close` locks it."""

    def __init__(self, home: Path, keyring: Keyring, db_key: bytes, officer: Officer, conn) -> None:
        self.home = home
        self.keyring = keyring
        self._db_key: bytes | None = db_key
        self.officer = officer
        self._conn = conn
        self._tx_depth = 0
        self.audit = AuditLog(conn)
        self.failed_unlocks_since_last: tuple[int, str] | None = None  # (count, last UTC ISO) cleared by this unlock
        self._checks_failed = 0  # wrong verify_passphrase tries since the last right one (each audited)
        self.codebook: Codebook = load_codebook()
        self._device_id: str = conn.execute("SELECT device_id FROM device").fetchone()[0]

    # --- lifecycle -------------------------------------------------------------
    @classmethod
    def create(cls, home: str | Path | None, officer_name: str, passphrase: str, kdf_params=None) -> "Vault":
        restrict_umask()
        check_officer_name(officer_name)
        check_passphrase(passphrase)
        h = secure_mkdir(data_home(home))
        if _present(h):
            raise VaultExists()
        keyring, db_key = Keyring.new(h / KEYRING_NAME)
        entry = keyring.add_officer(officer_name, passphrase, db_key, kdf_params)
        conn = sqlcipher3.connect(str(h / DB_NAME), isolation_level=None, check_same_thread=False)
        conn.execute(f"PRAGMA key = \"x'{db_key.hex()}'\"")
        conn.execute("PRAGMA cipher_page_size = 4096")
        _configure(conn)
        schema.upgrade(conn)
        keys = SigningKeys.generate()
        at = now_iso()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO meta (key, value) VALUES ('vault_id', ?)", (keyring.vault_id,))
        conn.execute("INSERT INTO device VALUES (1, ?, ?, ?, ?)",
                     (uuid.uuid4().hex, keys.ed25519_seed, keys.mldsa65_seed, at))
        conn.execute("INSERT INTO officers VALUES (?, ?, ?)", (entry.id, entry.name, at))
        conn.execute("INSERT INTO meta (key, value) VALUES (?, ?)",  # the vault vouches for this box
                     (box_trust.BOX_META + entry.id, box_trust.box_digest(entry.box_public)))
        conn.execute("COMMIT")
        keyring.save()  # the keyring last: a crash before leaves vault.db alone (VaultIncomplete)
        vault = cls(h, keyring, db_key, Officer(entry.id, entry.name), conn)
        vault._audited("vault_create")
        return vault

    @classmethod
    def open(cls, home: str | Path | None, officer_name: str, passphrase: str, *,
             for_reinstatement: bool = False) -> "Vault":
        """Unlock with an officer's passphrase. A revoked device's vault does not open, except
        ``for_reinstatement``: opened only to apply the server's signed word that the device is
        active again (``intake sync reinstate``), never to show a case."""
        restrict_umask()
        h = data_home(home)
        if not _present(h):
            raise VaultNotFound()
        remove_stale_parts(h / KEYRING_NAME)  # a copy a killed program left half-written
        carried = None
        for attempt in (1, 2):  # 2: the vault was re-keyed between reading the keyring and the database
            keyring = Keyring.load(h / KEYRING_NAME)
            try:
                unlocked = keyring.unlock(officer_name, passphrase)
            except OSError as exc:  # the failure count could not be written
                raise (storage_error(exc) or exc) from None
            cleared, entry = _merged(carried, unlocked.cleared), unlocked.entry
            try:
                return cls._open_with_key(h, keyring, unlocked, Officer(entry.id, entry.name), for_reinstatement,
                                          failed_tries(cleared))
            except VaultCorrupt as exc:
                part = exc.params.get("part")
                if attempt == 1 and part in ("database", "key") and _rekeyed_meanwhile(keyring, unlocked.seen):
                    carried = cleared
                    continue
                cls._give_back(keyring, entry.id, cleared)
                if part == "key" and box_trust.box_replaced(keyring.vault_id, unlocked):
                    raise OfficerBoxReplaced() from None  # swapped before a removal: not damage
                raise
            except BaseException:  # busy, a disk error, revoked: the cleared tries wait for the next unlock
                cls._give_back(keyring, entry.id, cleared)
                raise
        raise AssertionError("not reached")

    @staticmethod
    def _give_back(keyring: Keyring, officer_id: str, cleared) -> None:
        if cleared:
            with contextlib.suppress(OSError):
                keyring.give_back_failures(officer_id, cleared)

    @classmethod
    def _open_with_key(cls, h: Path, keyring: Keyring, unlocked: Unlocked, officer: Officer,
                       for_reinstatement: bool = False, failed: tuple[int, str] | None = None) -> "Vault":
        try:
            conn, db_key = _connect_any(h / DB_NAME, unlocked.keys)
        except sqlcipher3.DatabaseError as exc:  # not even opened (no access to the folder)
            raise _unlock_error(exc) from None
        try:
            schema.check_supported(conn)  # before anything writes
            _configure(conn)
            schema.upgrade(conn)
            vid = conn.execute("SELECT value FROM meta WHERE key = 'vault_id'").fetchone()
            if vid is None or vid[0] != keyring.vault_id:
                raise VaultCorrupt(part="keyring_mismatch")
            if officer.id in box_trust.gone_ids(conn):  # removed, or being removed: as an unknown name
                raise UnknownOfficer()
            # the key that opened is wrapped for next time (a re-key taken on, a box for a format 1
            # entry); while this connection is open no removal can re-key (officers._held)
            keyring.settle(unlocked, db_key)
            vault = cls(h, keyring, db_key, officer, conn)
        except BaseException as exc:
            conn.close()
            if isinstance(exc, sqlcipher3.DatabaseError):
                raise _unlock_error(exc) from None
            raise
        try:
            vault._record_upgrade()  # this open's, or one whose process was killed before it said so
            from ..sync.state import refuse_if_revoked  # a revoked device stays locked (sync contract)

            if not for_reinstatement:
                refuse_if_revoked(vault)
                from .reflag import refresh_flags

                refresh_flags(vault)  # once per screening rules version
                from .reindex import refresh_document_index

                refresh_document_index(vault)  # once: document numbers also indexed written together
            with vault.transaction():  # failed tries before this unlock: audited, and said (the attribute)
                box_trust.vouch_at_unlock(vault, keyring, unlocked)
                vault.audit.append_failed(officer.id, failed)
                vault.audit.append(officer.id, "unlock")
            vault.failed_unlocks_since_last = failed
        except BaseException as exc:
            vault._drop()  # not unlocked: no connection and no key left behind, and no "lock" entry
            if isinstance(exc, sqlcipher3.DatabaseError):
                raise _unlock_error(exc) from None
            raise
        return vault

    def _drop(self) -> None:
        """Close without writing (a failed unlock)."""
        if self._conn is not None:
            with contextlib.suppress(sqlcipher3.Error):
                self._conn.close()
        self._conn = None
        self._db_key = None

    def close(self) -> None:
        """Lock: checkpoint, close the connection, drop the key. The connection is closed
        and the key dropped even when the "lock" entry or the checkpoint fails (which then
        raises: a caller that already reported its result may only log it)."""
        if self._conn is None:
            return
        try:
            self._audited("lock")
            self.checkpoint()
        finally:
            self._conn.close()
            self._conn = None
            self._db_key = None

    lock = close

    def __enter__(self) -> "Vault":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def conn(self):
        if self._conn is None:
            raise VaultLocked()
        return self._conn

    @property
    def device_id(self) -> str:
        """Read from the vault each time it is open: ``intake sync new-identity`` run beside
        the app (another program on this laptop) changes it, with the keys read beside it.
        Once locked, the last one read (an id is no secret: messages name it)."""
        if self._conn is not None:
            self._device_id = self._conn.execute("SELECT device_id FROM device").fetchone()[0]
        return self._device_id

    @property
    def is_open(self) -> bool:
        return self._conn is not None

    def checkpoint(self) -> None:
        """Fold the WAL into the database. Call when idle, never on the save path."""
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def integrity_check(self) -> bool:
        return self.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    # --- transactions and audit ------------------------------------------------
    def transaction(self):
        return _Tx(self)

    def _audited(self, action: str, case_id: str | None = None, revision_id: str | None = None, **detail) -> None:
        with self.transaction():
            self.audit.append(self.officer.id, action, case_id, revision_id, **detail)

    def _record_upgrade(self) -> None:
        started = self.meta(schema.UNRECORDED_UPGRADE)
        if started is None:
            return
        to = self.conn.execute("PRAGMA user_version").fetchone()[0]
        log.info("vault upgraded to schema %s", to)
        with self.transaction():  # the entry and the mark's removal together
            self.audit.append(self.officer.id, "schema_upgrade", **{"from": int(started), "to": to})
            self.conn.execute("DELETE FROM meta WHERE key = ?", (schema.UNRECORDED_UPGRADE,))

    def record(self, action: str, case_id: str | None = None, revision_id: str | None = None, **detail) -> None:
        """Add an audit entry (print, export, view, ...). Details: codes and ids only."""
        self._audited(action, case_id, revision_id, **detail)

    # --- device ------------------------------------------------------------------
    def device_keys(self) -> SigningKeys:
        row = self.conn.execute("SELECT ed25519_seed, mldsa65_seed FROM device").fetchone()
        return SigningKeys(bytes(row[0]), bytes(row[1]))

    def codebook_for(self, version: str) -> Codebook:
        return self.codebook if version == self.codebook.version else load_codebook(version)

    def meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def save_cases_bulk(self, records, chunk: int = 2000) -> int:
        """Save many new cases, ``chunk`` per transaction (demo data, imports)."""
        n = 0
        batch = []
        for rec in records:
            batch.append(rec)
            if len(batch) >= chunk:
                n += self._save_chunk(batch)
                batch = []
        if batch:
            n += self._save_chunk(batch)
        self.checkpoint()
        return n

    def _save_chunk(self, batch) -> int:
        with self.transaction():
            for rec in batch:
                self.save_case(rec)
        return len(batch)

    # --- cases (implemented in cases.py) -----------------------------------------------
    from .cases import (  # noqa: E402  (methods kept in their own file)
        case_history, count_cases, delete_draft, discard_draft, find_duplicates, get_case, list_cases,
        load_drafts, record_search, save_case, save_draft, search, view_case,
    )

    # --- officers (implemented in officers.py) -------------------------------------------
    from .officers import (  # noqa: E402  (methods kept in their own file)
        _keyring_change, _reread_keyring, add_officer, change_passphrase, officers, remove_officer,
        unfinished_removals, verify_passphrase,
    )


class _Tx:
    """BEGIN IMMEDIATE … COMMIT; nested uses join the outer transaction (bulk saves)."""

    def __init__(self, vault: Vault) -> None:
        self.vault = vault

    def __enter__(self):
        conn = self.vault.conn
        if self.vault._tx_depth == 0:
            try:
                conn.execute("BEGIN IMMEDIATE")
            except (sqlcipher3.OperationalError, sqlite3.OperationalError) as exc:
                if _primary_code(exc) in (None, _BUSY, _LOCKED):
                    raise VaultBusy() from None
                raise  # the disk (an I/O error): the caller words it
            # another program on this laptop (the CLI beside the app) may have written since:
            # the audit chain goes on from the head on disk, read under the write lock
            self.vault.audit.refresh()
        self.vault._tx_depth += 1
        return conn

    def __exit__(self, exc_type, exc, tb) -> None:
        self.vault._tx_depth -= 1
        if self.vault._tx_depth:
            return
        conn = self.vault.conn
        if exc_type is None:
            try:
                conn.execute("COMMIT")
            except BaseException:  # a full disk, an I/O error: SQLite may or may not have rolled back
                self._abort(conn)
                raise
        else:
            self._abort(conn)

    def _abort(self, conn) -> None:
        with contextlib.suppress(sqlcipher3.Error, sqlite3.Error):  # already rolled back: not an error here
            conn.execute("ROLLBACK")
        with contextlib.suppress(sqlcipher3.Error, sqlite3.Error):  # the next BEGIN re-reads the head anyway
            self.vault.audit.rollback()
