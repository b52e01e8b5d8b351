"""The vault: one SQLCipher database per installation, unlocked by an officer.

Files in the data folder (0700): ``vault.db`` (+ its WAL), encrypted with a random
256-bit raw key; ``keyring.json``, that key wrapped per officer (see keyring.py).
A ``Vault`` object owns the only keyed connection; it is not thread-safe by design:
the desktop app keeps it on one worker thread.
"""

from __future__ import annotations

import hmac
import logging
import sqlite3
import uuid
from dataclasses import dataclass
from pathlib import Path

import sqlcipher3

from ..bundle.keys import SigningKeys
from ..codebook import Codebook, load_codebook
from ..errors import VaultBusy, VaultCorrupt, VaultExists, VaultLocked, VaultNotFound, WeakPassphrase, WrongPassphrase
from ..fsutil import restrict_umask, secure_mkdir
from ..paths import data_home
from . import schema
from .audit import AuditLog, now_iso
from .keyring import Keyring

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


def officer_names(home: str | Path | None = None) -> list[str]:
    """Login names for the unlock screen (the keyring is readable without a key)."""
    h = data_home(home)
    if not (h / KEYRING_NAME).exists():
        raise VaultNotFound()
    return [o.name for o in Keyring.load(h / KEYRING_NAME).officers]


def _connect(path: Path, key: bytes):
    conn = sqlcipher3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=5.0)
    conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlcipher3.DatabaseError:
        conn.close()
        raise VaultCorrupt(part="database") from None
    return conn


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
        self.codebook: Codebook = load_codebook()
        self._device_id: str = conn.execute("SELECT device_id FROM device").fetchone()[0]

    # --- lifecycle -------------------------------------------------------------
    @classmethod
    def create(cls, home: str | Path | None, officer_name: str, passphrase: str, kdf_params=None) -> "Vault":
        restrict_umask()
        check_passphrase(passphrase)
        h = secure_mkdir(data_home(home))
        if (h / KEYRING_NAME).exists() or (h / DB_NAME).exists():
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
        conn.execute("COMMIT")
        keyring.save()  # the keyring last: a vault without it was never created
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
        if not (h / KEYRING_NAME).exists() or not (h / DB_NAME).exists():
            raise VaultNotFound()
        keyring = Keyring.load(h / KEYRING_NAME)
        entry, db_key = keyring.unwrap(officer_name, passphrase)
        return cls._open_with_key(h, keyring, db_key, Officer(entry.id, entry.name), for_reinstatement)

    @classmethod
    def _open_with_key(cls, h: Path, keyring: Keyring, db_key: bytes, officer: Officer,
                       for_reinstatement: bool = False) -> "Vault":
        conn = _connect(h / DB_NAME, db_key)
        try:
            schema.check_supported(conn)  # before anything writes
            _configure(conn)
            applied = schema.upgrade(conn)
            vid = conn.execute("SELECT value FROM meta WHERE key = 'vault_id'").fetchone()
            if vid is None or vid[0] != keyring.vault_id:
                raise VaultCorrupt(part="keyring_mismatch")
        except sqlcipher3.OperationalError as exc:
            conn.close()
            if "locked" in str(exc) or "busy" in str(exc):
                raise VaultBusy() from None
            raise VaultCorrupt(part="database") from None
        except sqlcipher3.DatabaseError:
            conn.close()
            raise VaultCorrupt(part="database") from None
        except BaseException:
            conn.close()
            raise
        vault = cls(h, keyring, db_key, officer, conn)
        if applied:
            log.info("vault upgraded to schema %s", applied[-1])
            vault._audited("schema_upgrade", to=applied[-1])
        from ..sync.state import refuse_if_revoked  # a revoked device stays locked (sync contract)

        if not for_reinstatement:
            refuse_if_revoked(vault)
            from .reflag import refresh_flags

            refresh_flags(vault)  # once per screening rules version
            from .reindex import refresh_document_index

            refresh_document_index(vault)  # once: document numbers also indexed written together
        vault._audited("unlock")
        return vault

    def close(self) -> None:
        """Lock: checkpoint, close the connection, drop the key."""
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

    def record(self, action: str, case_id: str | None = None, revision_id: str | None = None, **detail) -> None:
        """Add an audit entry (print, export, view, ...). Details: codes and ids only."""
        self._audited(action, case_id, revision_id, **detail)

    # --- officers and device ------------------------------------------------------
    def officers(self) -> list[Officer]:
        return [Officer(r[0], r[1]) for r in self.conn.execute("SELECT officer_id, name FROM officers ORDER BY name")]

    def add_officer(self, name: str, passphrase: str, kdf_params=None) -> Officer:
        check_passphrase(passphrase)
        assert self._db_key is not None
        entry = self.keyring.add_officer(name, passphrase, self._db_key, kdf_params)
        with self.transaction():
            self.conn.execute("INSERT INTO officers VALUES (?, ?, ?)", (entry.id, entry.name, now_iso()))
            self.audit.append(self.officer.id, "officer_add", officer=entry.id)
        self.keyring.save()
        return Officer(entry.id, entry.name)

    def verify_passphrase(self, passphrase: str) -> None:
        """Check the signed-in officer's passphrase as the unlock does, before an act an
        unlocked session alone should not allow (the desktop app asks it to change the
        passphrase or add an officer; the CLI unlocks for every command, which checks it).
        The keyring is read again from disk, so the failure count and delay are the
        unlock's own: a wrong passphrase raises ``WrongPassphrase`` (counted, audited
        ``passphrase_check_failed``), a try inside the delay ``UnlockThrottled``, without
        deriving. Nothing else changes."""
        if self._db_key is None:
            raise VaultLocked()
        keyring = Keyring.load(self.keyring.path)
        if keyring.vault_id != self.keyring.vault_id:
            raise VaultCorrupt(part="keyring_mismatch")
        self.keyring = keyring  # the newest (an officer added by the CLI meanwhile stays)
        try:
            _, db_key = keyring.unwrap(self.officer.id, passphrase)
        except WrongPassphrase as exc:
            self._audited("passphrase_check_failed", failures=exc.params["failures"])
            raise
        if not hmac.compare_digest(db_key, self._db_key):
            raise VaultCorrupt(part="keyring_mismatch")

    def change_passphrase(self, new_passphrase: str) -> None:
        check_passphrase(new_passphrase)
        assert self._db_key is not None
        self.keyring.change_passphrase(self.keyring.find(self.officer.id), new_passphrase, self._db_key)
        self.keyring.save()
        self._audited("passphrase_change")

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
        case_history, count_cases, delete_draft, find_duplicates, get_case, list_cases, load_drafts,
        save_case, save_draft, search, view_case,
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
            except (sqlcipher3.OperationalError, sqlite3.OperationalError):
                raise VaultBusy() from None
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
            conn.execute("COMMIT")
        else:
            conn.execute("ROLLBACK")
            self.vault.audit.rollback()
