"""The keyring file: the vault's random database key, wrapped once per officer.

``keyring.json`` sits beside ``vault.db``. For each officer it holds a login name,
Argon2id parameters and salt, and the 256-bit database key sealed with AES-256-GCM
under the key derived from that officer's passphrase (the vault id and officer id are
the associated data). Adding an officer or changing a passphrase rewrites this small
file only; the database is never re-encrypted. It holds no survivor data.

Failed unlocks are counted here to impose a growing delay (1 s, 2 s, 4 s … 5 min).
"""

from __future__ import annotations

import base64
import json
import math
import os
import secrets
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ..errors import OfficerExists, UnknownOfficer, UnlockThrottled, VaultCorrupt, WrongPassphrase
from ..fsutil import atomic_write
from . import kdf

FORMAT = 1
MAX_DELAY = 300.0
clock = time.time  # tests replace this to skip the delay


def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode()


def _unb64(s: str) -> bytes:
    return base64.b64decode(s.encode(), validate=True)


def delay_after(failures: int) -> float:
    return 0.0 if failures <= 0 else min(2.0 ** (failures - 1), MAX_DELAY)


@dataclass
class OfficerEntry:
    id: str
    name: str
    kdf: kdf.KdfParams
    salt: bytes
    nonce: bytes
    wrapped: bytes
    failures: int = 0
    last_failure: float = 0.0

    def to_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "kdf": self.kdf.to_dict(), "salt": _b64(self.salt),
                "nonce": _b64(self.nonce), "wrapped": _b64(self.wrapped), "failures": self.failures,
                "last_failure": self.last_failure}

    @classmethod
    def from_dict(cls, d: dict) -> "OfficerEntry":
        return cls(d["id"], d["name"], kdf.KdfParams.from_dict(d["kdf"]), _unb64(d["salt"]),
                   _unb64(d["nonce"]), _unb64(d["wrapped"]), int(d.get("failures", 0)),
                   float(d.get("last_failure", 0.0)))


@dataclass
class Keyring:
    path: Path
    vault_id: str
    officers: list[OfficerEntry] = field(default_factory=list)

    # --- file ------------------------------------------------------------
    @classmethod
    def load(cls, path: Path) -> "Keyring":
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            if doc.get("format") != FORMAT:
                raise VaultCorrupt(part="keyring")
            return cls(path, doc["vault_id"], [OfficerEntry.from_dict(o) for o in doc["officers"]])
        except (OSError, ValueError, KeyError, TypeError):
            raise VaultCorrupt(part="keyring") from None

    def save(self) -> None:
        doc = {"format": FORMAT, "vault_id": self.vault_id, "officers": [o.to_dict() for o in self.officers]}
        atomic_write(self.path, json.dumps(doc, indent=1).encode())

    @classmethod
    def new(cls, path: Path) -> tuple["Keyring", bytes]:
        return cls(path, uuid.uuid4().hex), secrets.token_bytes(32)

    # --- officers ----------------------------------------------------------
    def find(self, name: str) -> OfficerEntry:
        for o in self.officers:
            if o.name == name or o.id == name:
                return o
        raise UnknownOfficer()

    def _aad(self, officer_id: str) -> bytes:
        return f"intake-keyring-v1|{self.vault_id}|{officer_id}".encode()

    def _wrap(self, entry: OfficerEntry, passphrase: str, db_key: bytes, params: kdf.KdfParams) -> None:
        entry.kdf, entry.salt, entry.nonce = params, os.urandom(16), os.urandom(12)
        kek = kdf.derive(passphrase, entry.salt, params)
        entry.wrapped = AESGCM(kek).encrypt(entry.nonce, db_key, self._aad(entry.id))
        entry.failures, entry.last_failure = 0, 0.0

    def add_officer(self, name: str, passphrase: str, db_key: bytes, params: kdf.KdfParams | None = None) -> OfficerEntry:
        if any(o.name == name for o in self.officers):
            raise OfficerExists()
        entry = OfficerEntry(uuid.uuid4().hex[:12], name, kdf.KdfParams(0, 0), b"", b"", b"")
        self._wrap(entry, passphrase, db_key, params or kdf.calibrate())
        self.officers.append(entry)
        return entry

    def change_passphrase(self, entry: OfficerEntry, new_passphrase: str, db_key: bytes) -> None:
        self._wrap(entry, new_passphrase, db_key, kdf.calibrate())

    def unwrap(self, name: str, passphrase: str) -> tuple[OfficerEntry, bytes]:
        """The database key, or WrongPassphrase / UnlockThrottled (with seconds to wait)."""
        entry = self.find(name)
        wait = entry.last_failure + delay_after(entry.failures) - clock()
        if wait > 0:
            raise UnlockThrottled(retry_after=math.ceil(wait))  # whole seconds, as the message reads
        kek = kdf.derive(passphrase, entry.salt, entry.kdf)
        try:
            db_key = AESGCM(kek).decrypt(entry.nonce, entry.wrapped, self._aad(entry.id))
        except InvalidTag:
            entry.failures += 1
            entry.last_failure = clock()
            self.save()
            raise WrongPassphrase(failures=entry.failures, retry_after=math.ceil(delay_after(entry.failures))) from None
        if entry.failures:
            entry.failures, entry.last_failure = 0, 0.0
            self.save()
        return entry, db_key
