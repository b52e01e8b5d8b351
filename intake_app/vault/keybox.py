"""Each officer's box in ``keyring.json`` (format 2): a key pair to which another officer can
seal a new database key without knowing this officer's passphrase (officer removal re-keys
the vault, :mod:`officers`).

The pair is HPKE's ML-KEM-768 + X25519 hybrid, as the bundles' (``bundle/keys.py``): the
public key (1,216 bytes) lies in the clear in the entry; the private key, its 96-byte seed,
is sealed with AES-256-GCM under the same passphrase-derived key as the entry's wrapped
database key, with its own nonce and associated data (``…|box``), so neither seal can stand
for the other. A *pending* seal carries 64 bytes: the new database key, then the key the
vault was on when the seal was made (a removal interrupted before its re-key leaves the
vault on that one, which an officer whose own wrap is older still needs). HPKE's ``info``
binds the vault id and the officer id, so a seal cannot be moved to another entry.
"""

from __future__ import annotations

import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ..bundle.keys import HPKE_PUBLIC_LEN, HpkeKeyPair, hpke_public_key

SUITE = hpke.Suite(hpke.KEM.MLKEM768_X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
KEY_LEN = 32


def box_aad(vault_id: str, officer_id: str) -> bytes:
    return f"intake-keyring-v2|{vault_id}|{officer_id}|box".encode()


def pending_info(vault_id: str, officer_id: str) -> bytes:
    return f"intake-keyring-v2|{vault_id}|{officer_id}|pending".encode()


def new_box(kek: bytes, vault_id: str, officer_id: str) -> tuple[bytes, bytes, bytes]:
    """A new pair: (public key, nonce, private seed sealed under ``kek``)."""
    pair = HpkeKeyPair.generate()
    nonce = os.urandom(12)
    return pair.public_bytes(), nonce, AESGCM(kek).encrypt(nonce, pair.seed, box_aad(vault_id, officer_id))


def open_box(kek: bytes, nonce: bytes, sealed: bytes, vault_id: str, officer_id: str) -> HpkeKeyPair | None:
    """The private key, or None when the seal does not open under ``kek``."""
    try:
        return HpkeKeyPair(AESGCM(kek).decrypt(nonce, sealed, box_aad(vault_id, officer_id)))
    except InvalidTag:
        return None


def seal_pending(public: bytes, new_key: bytes, current_key: bytes, vault_id: str, officer_id: str) -> bytes:
    """``new_key`` and ``current_key`` sealed to the box ``public`` (ValueError: not a box key)."""
    if len(public) != HPKE_PUBLIC_LEN or len(new_key) != KEY_LEN or len(current_key) != KEY_LEN:
        raise ValueError("box key or database key length")
    return SUITE.encrypt(new_key + current_key, hpke_public_key(public), info=pending_info(vault_id, officer_id))


def open_pending(pair: HpkeKeyPair, sealed: bytes, vault_id: str, officer_id: str) -> tuple[bytes, bytes] | None:
    """(new key, key the vault was on), or None when the seal does not open."""
    try:
        both = SUITE.decrypt(sealed, pair.private_key(), info=pending_info(vault_id, officer_id))
    except (InvalidTag, ValueError):
        return None
    if len(both) != 2 * KEY_LEN:
        return None
    return both[:KEY_LEN], both[KEY_LEN:]


def key_check(vault_id: str, db_key: bytes) -> str:
    """A commitment to a database key (SHA-256, labelled; it tells nothing of the key): a
    removal marks its entry with the check of the key it re-keys to, so a run that finds the
    vault already on that key knows the re-key was done."""
    return hashlib.sha256(b"intake-rekey-check-v1|" + vault_id.encode() + b"|" + db_key).hexdigest()[:32]
