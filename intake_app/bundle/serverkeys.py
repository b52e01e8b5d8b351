"""The server's keys: a long-term signing pair and one or more HPKE pairs, and the key file.

- The signing pair (Ed25519 + ML-DSA-65) signs receipts, enrollment responses and each
  HPKE public key it introduces (an *endorsement*). Devices pin the signing public keys
  at enrollment and accept a new HPKE key only when the pinned key endorsed it.
- HPKE pairs (ML-KEM-768+X25519) receive bundles. Rotation appends a new pair; old pairs
  stay, so bundles sealed to them remain readable.
- The key file is AES-256-GCM under a key derived from the operator's passphrase with
  Argon2id, written atomically. The same 32-byte key, given in hex as ``INTAKE_SERVER_KEY``,
  opens the file without the passphrase for unattended starts.
"""

from __future__ import annotations

import os
import struct
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cached_property
from pathlib import Path
from typing import Any, Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from ..fsutil import atomic_write
from .errors import (
    ServerKeyEnvInvalid,
    ServerKeyFileCorrupt,
    ServerKeyFileMissing,
    ServerKeyUntrusted,
    ServerKeyWrongPassphrase,
)
from .format import (
    FieldError,
    canonical_packb,
    canonical_unpackb,
    check_bytes,
    check_id,
    check_int,
    check_list,
    check_map,
    check_utc,
    envelope_signed_part,
    open_envelope,
    public_keys_from_wire,
    public_keys_to_wire,
)
from .keys import HPKE_PUBLIC_LEN, HPKE_SEED_LEN, HpkeKeyPair, SigningKeys, SigningPublicKeys, hpke_key_id

MAGIC_SERVER_INFO = b"\x89ITKP\r\n\x1a"
MAGIC_KEY_FILE = b"\x89ITKK\r\n\x1a"
SERVER_INFO_VERSION = 1
KEY_FILE_VERSION = 1
KEY_ENV = "INTAKE_SERVER_KEY"
_U16 = struct.Struct(">H")
_U32 = struct.Struct(">I")


def utc_now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


# --- public info that devices pin ------------------------------------------------------
def _info_body(signing: SigningPublicKeys, hpke_public: bytes, key_id: str, issued_at: str) -> dict:
    return {"signing": public_keys_to_wire(signing), "hpke_public": hpke_public, "key_id": key_id,
            "issued_at": issued_at}


@dataclass(frozen=True)
class ServerPublicInfo:
    """What a device pins: the server's signing public keys and its current HPKE key,
    endorsed (signed with both algorithms) by those signing keys."""

    signing: SigningPublicKeys
    hpke_public: bytes
    key_id: str
    issued_at: str
    sig_ed25519: bytes
    sig_mldsa65: bytes

    def endorsed_part(self) -> bytes:
        return envelope_signed_part(MAGIC_SERVER_INFO, SERVER_INFO_VERSION,
                                    _info_body(self.signing, self.hpke_public, self.key_id, self.issued_at))

    def endorsed_by(self, signing: SigningPublicKeys) -> bool:
        return self.key_id == hpke_key_id(self.hpke_public) and signing.verify(
            self.sig_ed25519, self.sig_mldsa65, self.endorsed_part())

    def fingerprint(self) -> str:
        """The server's signing-key fingerprint, to read aloud at enrollment."""
        return self.signing.fingerprint()

    def to_bytes(self) -> bytes:
        """A standalone file (``*.intake-server``), published when the HPKE key rotates."""
        return (self.endorsed_part() + _U16.pack(len(self.sig_ed25519)) + self.sig_ed25519
                + _U16.pack(len(self.sig_mldsa65)) + self.sig_mldsa65)

    def to_wire(self) -> dict:
        return {**_info_body(self.signing, self.hpke_public, self.key_id, self.issued_at),
                "sig_ed25519": self.sig_ed25519, "sig_mldsa65": self.sig_mldsa65}

    @classmethod
    def from_wire(cls, value: Any) -> "ServerPublicInfo":
        """Raises FieldError; the endorsement is checked by the caller (:func:`verify_rotation`)."""
        d = check_map(value, "server", {"signing", "hpke_public", "key_id", "issued_at",
                                        "sig_ed25519", "sig_mldsa65"})
        info = cls(public_keys_from_wire(d["signing"], "server"),
                   check_bytes(d["hpke_public"], "hpke_public", HPKE_PUBLIC_LEN),
                   check_id(d["key_id"], "key_id"), check_utc(d["issued_at"], "issued_at"),
                   check_bytes(d["sig_ed25519"], "signature"), check_bytes(d["sig_mldsa65"], "signature"))
        if info.key_id != hpke_key_id(info.hpke_public):
            raise FieldError("key_id")
        return info

    @classmethod
    def from_bytes(cls, data: bytes) -> "ServerPublicInfo":
        """Parse only; trust comes from :func:`verify_rotation` or an enrollment response."""
        try:
            env = open_envelope(data, magic=MAGIC_SERVER_INFO, max_version=SERVER_INFO_VERSION,
                                error=ServerKeyUntrusted, max_body=64 * 1024)
            body = check_map(env.body, "server", {"signing", "hpke_public", "key_id", "issued_at"})
            return cls.from_wire({**body, "sig_ed25519": env.sig_ed25519, "sig_mldsa65": env.sig_mldsa65})
        except (ServerKeyUntrusted, FieldError):
            raise ServerKeyUntrusted(reason="malformed") from None


def verify_rotation(pinned_signing: SigningPublicKeys, new_info: ServerPublicInfo, *,
                    current: ServerPublicInfo | None = None) -> ServerPublicInfo:
    """Accept ``new_info`` only when the pinned signing keys endorsed its HPKE key (and,
    given the pinned ``current`` info, the new key is not older: no rollback)."""
    if new_info.signing != pinned_signing:
        raise ServerKeyUntrusted(reason="signing_key")
    if not new_info.endorsed_by(pinned_signing):
        raise ServerKeyUntrusted(reason="signature")
    if current is not None and new_info.key_id != current.key_id and new_info.issued_at <= current.issued_at:
        raise ServerKeyUntrusted(reason="older")
    return new_info


# --- the server's private keys -----------------------------------------------------------
@dataclass(frozen=True)
class HpkeKey:
    pair: HpkeKeyPair
    key_id: str
    issued_at: str
    sig_ed25519: bytes
    sig_mldsa65: bytes

    @cached_property
    def public(self) -> bytes:
        return self.pair.public_bytes()

    @cached_property
    def private(self) -> hpke.MLKEM768X25519PrivateKey:
        return self.pair.private_key()


@dataclass(frozen=True)
class ServerKeys:
    """The signing pair and the HPKE pairs, newest last (the current one)."""

    signing: SigningKeys
    hpke_keys: tuple[HpkeKey, ...] = field(repr=False)

    @classmethod
    def generate(cls, *, issued_at: str | None = None) -> "ServerKeys":
        return cls(SigningKeys.generate(), ()).rotate(issued_at=issued_at)

    def rotate(self, *, issued_at: str | None = None) -> "ServerKeys":
        """A new current HPKE key, endorsed by the signing key; old keys are kept."""
        pair = HpkeKeyPair.generate()
        public = pair.public_bytes()
        issued_at = issued_at or utc_now()
        key_id = hpke_key_id(public)
        body = _info_body(self.signing_public, public, key_id, issued_at)
        sig_ed, sig_ml = self.signing.sign(envelope_signed_part(MAGIC_SERVER_INFO, SERVER_INFO_VERSION, body))
        return ServerKeys(self.signing, self.hpke_keys + (HpkeKey(pair, key_id, issued_at, sig_ed, sig_ml),))

    @cached_property
    def signing_public(self) -> SigningPublicKeys:
        return self.signing.public()

    @property
    def current(self) -> HpkeKey:
        return self.hpke_keys[-1]

    @property
    def key_ids(self) -> tuple[str, ...]:
        return tuple(k.key_id for k in self.hpke_keys)

    def hpke_private(self, key_id: str) -> hpke.MLKEM768X25519PrivateKey | None:
        for key in self.hpke_keys:
            if key.key_id == key_id:
                return key.private
        return None

    def public_info(self, key_id: str | None = None) -> ServerPublicInfo:
        key = self.current
        if key_id is not None:
            matches = [k for k in self.hpke_keys if k.key_id == key_id]
            if not matches:
                raise KeyError(key_id)
            key = matches[0]
        return ServerPublicInfo(self.signing_public, key.public, key.key_id, key.issued_at,
                                key.sig_ed25519, key.sig_mldsa65)

    def __repr__(self) -> str:
        return f"ServerKeys(<secret>, key_ids={self.key_ids})"


# --- the key file ----------------------------------------------------------------------
@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost. Production default ≈ 0.5 s on the reference machine (perf-floors §4)."""

    memory_kib: int = 196_608  # 192 MiB
    iterations: int = 2
    lanes: int = 1


@dataclass(frozen=True)
class KeyFileKey:
    """The 32-byte key that opens one key file, with the salt and cost it was derived with."""

    key: bytes = field(repr=False)
    salt: bytes
    kdf: KdfParams

    @classmethod
    def from_passphrase(cls, passphrase: str, kdf: KdfParams = KdfParams(), salt: bytes | None = None) -> "KeyFileKey":
        salt = salt if salt is not None else os.urandom(16)
        secret = unicodedata.normalize("NFC", passphrase).encode("utf-8")
        key = Argon2id(salt=salt, length=32, iterations=kdf.iterations, lanes=kdf.lanes,
                       memory_cost=kdf.memory_kib).derive(secret)
        return cls(key, salt, kdf)

    def hex(self) -> str:
        """The value for ``INTAKE_SERVER_KEY``: store it like the passphrase itself."""
        return self.key.hex()


def _secrets_to_wire(keys: ServerKeys) -> dict:
    return {"signing": {"ed25519_seed": keys.signing.ed25519_seed, "mldsa65_seed": keys.signing.mldsa65_seed},
            "hpke": [{"seed": k.pair.seed, "key_id": k.key_id, "issued_at": k.issued_at,
                      "sig_ed25519": k.sig_ed25519, "sig_mldsa65": k.sig_mldsa65} for k in keys.hpke_keys]}


def _secrets_from_wire(value: Any) -> ServerKeys:
    d = check_map(value, "secrets", {"signing", "hpke"})
    s = check_map(d["signing"], "signing", {"ed25519_seed", "mldsa65_seed"})
    signing = SigningKeys(check_bytes(s["ed25519_seed"], "signing", 32), check_bytes(s["mldsa65_seed"], "signing", 32))
    keys = []
    for item in check_list(d["hpke"], "hpke", 10_000):
        k = check_map(item, "hpke", {"seed", "key_id", "issued_at", "sig_ed25519", "sig_mldsa65"})
        keys.append(HpkeKey(HpkeKeyPair(check_bytes(k["seed"], "hpke", HPKE_SEED_LEN)), check_id(k["key_id"], "hpke"),
                            check_utc(k["issued_at"], "hpke"), check_bytes(k["sig_ed25519"], "hpke"),
                            check_bytes(k["sig_mldsa65"], "hpke")))
    if not keys:
        raise FieldError("hpke")
    return ServerKeys(signing, tuple(keys))


def _kdf_header(fkey: KeyFileKey, nonce: bytes) -> bytes:
    header = canonical_packb({"kdf": "argon2id", "salt": fkey.salt, "memory_kib": fkey.kdf.memory_kib,
                              "iterations": fkey.kdf.iterations, "lanes": fkey.kdf.lanes,
                              "aead": "aes-256-gcm", "nonce": nonce})
    return MAGIC_KEY_FILE + _U16.pack(KEY_FILE_VERSION) + _U32.pack(len(header)) + header


def write_key_file(path: Path, keys: ServerKeys, file_key: KeyFileKey) -> None:
    """Encrypt and write atomically (0600). Re-use ``file_key`` after a rotation so the
    passphrase and ``INTAKE_SERVER_KEY`` keep working."""
    nonce = os.urandom(12)
    aad = _kdf_header(file_key, nonce)
    atomic_write(Path(path), aad + AESGCM(file_key.key).encrypt(nonce, canonical_packb(_secrets_to_wire(keys)), aad))


def _parse_key_file(data: bytes) -> tuple[KdfParams, bytes, bytes, bytes, bytes]:
    """-> (kdf, salt, nonce, aad, ciphertext)."""
    if data[:8] != MAGIC_KEY_FILE or len(data) < 14:
        raise ServerKeyFileCorrupt(part="magic")
    (version,) = _U16.unpack_from(data, 8)
    (length,) = _U32.unpack_from(data, 10)
    if version != KEY_FILE_VERSION:
        raise ServerKeyFileCorrupt(part="version")
    if len(data) < 14 + length + 16:
        raise ServerKeyFileCorrupt(part="truncated")
    try:
        h = check_map(canonical_unpackb(data[14:14 + length]), "header",
                      {"kdf", "salt", "memory_kib", "iterations", "lanes", "aead", "nonce"})
        if h["kdf"] != "argon2id" or h["aead"] != "aes-256-gcm":
            raise FieldError("kdf")
        lanes = check_int(h["lanes"], "kdf", 1, 16)
        kdf = KdfParams(check_int(h["memory_kib"], "kdf", 8 * lanes, 4 * 1024 * 1024),
                        check_int(h["iterations"], "kdf", 1, 64), lanes)
        salt, nonce = check_bytes(h["salt"], "kdf", 16), check_bytes(h["nonce"], "kdf", 12)
    except ValueError:
        raise ServerKeyFileCorrupt(part="header") from None
    return kdf, salt, nonce, data[:14 + length], data[14 + length:]


def read_key_file(path: Path, *, passphrase: str | None = None,
                  raw_key: bytes | None = None) -> tuple[ServerKeys, KeyFileKey]:
    """Open with the passphrase (Argon2id) or the raw 32-byte key. Returns the keys and
    the file key to pass back to :func:`write_key_file` after a rotation."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ServerKeyFileMissing(file=path.name) from None
    kdf, salt, nonce, aad, ciphertext = _parse_key_file(data)
    if raw_key is not None:
        fkey, source = KeyFileKey(raw_key, salt, kdf), "environment"
    elif passphrase is not None:
        fkey, source = KeyFileKey.from_passphrase(passphrase, kdf, salt), "passphrase"
    else:
        raise TypeError("passphrase or raw_key is required")
    try:
        plain = AESGCM(fkey.key).decrypt(nonce, ciphertext, aad)
    except (InvalidTag, ValueError):
        raise ServerKeyWrongPassphrase(source=source) from None
    try:
        return _secrets_from_wire(canonical_unpackb(plain)), fkey
    except ValueError:
        raise ServerKeyFileCorrupt(part="secrets") from None


def read_key_file_from_env(path: Path, environ: Mapping[str, str] | None = None) -> tuple[ServerKeys, KeyFileKey]:
    """Unattended start: the file key in hex in ``INTAKE_SERVER_KEY``."""
    value = (os.environ if environ is None else environ).get(KEY_ENV, "").strip()
    try:
        raw = bytes.fromhex(value)
    except ValueError:
        raw = b""
    if len(raw) != 32:
        raise ServerKeyEnvInvalid(variable=KEY_ENV)
    return read_key_file(path, raw_key=raw)
