"""The server's keys in memory, read from the encrypted key file.

The file is opened once with the operator's passphrase (Argon2id) or the raw file key
from ``INTAKE_SERVER_KEY``; the derived file key stays in memory so the file can be
re-read without the passphrase when another process rotated the keys (every process
reading this file notices it changed and reloads; another host's own copy must be
replaced by hand, docs/server.md §10). Keys never go to the database or to a log.
"""

from __future__ import annotations

import os
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

from ..bundle.serverkeys import KEY_ENV, KeyFileKey, ServerKeys, read_key_file, read_key_file_from_env, write_key_file
from ..fsutil import exclusive_lock
from ..nodump import forget_env


class KeyStore:
    def __init__(self, path: Path, keys: ServerKeys, file_key: KeyFileKey) -> None:
        self.path = Path(path)
        self._keys = keys
        self._file_key = file_key
        self._stamp = self._stat()
        self._lock = threading.Lock()

    def _stat(self) -> tuple | None:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    @classmethod
    def open(cls, path: Path, *, passphrase: str | None = None) -> "KeyStore":
        """Opened with ``passphrase``, or, without one, with the raw key in ``INTAKE_SERVER_KEY``,
        which is then gone from this process's environment (``/proc/<pid>/environ`` included)
        and from whatever it starts later; ``serve`` hands its workers the key again itself."""
        if passphrase is None:
            try:
                keys, fkey = read_key_file_from_env(path)
            finally:
                forget_env(KEY_ENV)
        else:
            keys, fkey = read_key_file(path, passphrase=passphrase)
        return cls(path, keys, fkey)

    @property
    def file_key(self) -> KeyFileKey:
        return self._file_key

    def keys(self) -> ServerKeys:
        """The current keys, re-read if the file changed since (cheap: one stat)."""
        stamp = self._stat()
        if stamp is not None and stamp != self._stamp:
            with self._lock:
                if stamp != self._stamp:
                    self._keys, _ = read_key_file(self.path, raw_key=self._file_key.key)
                    self._stamp = stamp
        return self._keys

    def rotate(self) -> ServerKeys:
        """A new current HPKE key (old ones kept, so old bundles stay readable). The file is
        read and rewritten under a lock across processes (a thread lock is not enough: two
        ``keys rotate`` at once each wrote a file without the other's key, and bundles a
        device had already sealed to the lost key could never be read)."""
        with self._lock, exclusive_lock(self.path.with_name(self.path.name + ".lock")):
            keys, _ = read_key_file(self.path, raw_key=self._file_key.key)
            # devices refuse a key that is not newer than the one they pinned (no rollback),
            # and issued_at has one-second resolution: never issue two keys in the same second
            now = datetime.now(timezone.utc).replace(microsecond=0)
            last = datetime.fromisoformat(keys.current.issued_at.replace("Z", "+00:00"))
            issued = max(now, last + timedelta(seconds=1))
            keys = keys.rotate(issued_at=issued.isoformat().replace("+00:00", "Z"))
            write_key_file(self.path, keys, self._file_key)
            self._keys, self._stamp = keys, self._stat()
        return keys

    def __repr__(self) -> str:
        return f"KeyStore({self.path.name})"


def rotate_audited(engine, keystore: KeyStore, actor: str) -> ServerKeys:
    """Rotate and write the audit entry, the database reached first: with the database down
    the key file is left as it was (before, the key changed and the audit entry was lost)."""
    from sqlalchemy import text

    from . import audit
    from .db import transaction

    with transaction(engine) as conn:
        conn.execute(text("SELECT 1"))
        keys = keystore.rotate()
        # public ids only: the new current key, the one it replaced, the signing key's fingerprint
        audit.append(conn, actor, "keys_rotate", keys.current.key_id, key_id=keys.current.key_id,
                     previous=keys.hpke_keys[-2].key_id, signing=keys.signing_public.fingerprint())
    return keys
