"""Key material for devices and the server. Every primitive comes from ``cryptography``.

- A device signs with Ed25519 **and** ML-DSA-65 (a hybrid: a signature is valid only
  when both verify). Private keys are stored as their 32-byte seeds inside the vault.
- The server signs receipts with its own Ed25519 + ML-DSA-65 pair and receives bundles
  with HPKE on the ML-KEM-768+X25519 hybrid KEM.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import ed25519, mldsa


@dataclass(frozen=True)
class SigningPublicKeys:
    ed25519: bytes  # 32 bytes raw
    mldsa65: bytes  # 1952 bytes raw

    def fingerprint(self) -> str:
        """A short code a person can read aloud: 5 groups of 4 base32 characters."""
        import base64

        digest = hashlib.sha256(b"intake-fp-v1" + self.ed25519 + self.mldsa65).digest()
        text = base64.b32encode(digest).decode()[:20]
        return "-".join(text[i:i + 4] for i in range(0, 20, 4))

    def verify(self, signature_ed25519: bytes, signature_mldsa: bytes, message: bytes) -> bool:
        """True only if **both** signatures verify."""
        from cryptography.exceptions import InvalidSignature

        try:
            ed25519.Ed25519PublicKey.from_public_bytes(self.ed25519).verify(signature_ed25519, message)
            mldsa.MLDSA65PublicKey.from_public_bytes(self.mldsa65).verify(signature_mldsa, message)
        except (InvalidSignature, ValueError):
            return False
        return True


@dataclass(frozen=True)
class SigningKeys:
    ed25519_seed: bytes
    mldsa65_seed: bytes

    @classmethod
    def generate(cls) -> "SigningKeys":
        return cls(
            ed25519.Ed25519PrivateKey.generate().private_bytes_raw(),
            mldsa.MLDSA65PrivateKey.generate().private_bytes_raw(),
        )

    def _keys(self):
        return (ed25519.Ed25519PrivateKey.from_private_bytes(self.ed25519_seed),
                mldsa.MLDSA65PrivateKey.from_seed_bytes(self.mldsa65_seed))

    def public(self) -> SigningPublicKeys:
        ed, ml = self._keys()
        return SigningPublicKeys(ed.public_key().public_bytes_raw(), ml.public_key().public_bytes_raw())

    def sign(self, message: bytes) -> tuple[bytes, bytes]:
        ed, ml = self._keys()
        return ed.sign(message), ml.sign(message)

    def __repr__(self) -> str:  # never print a private key
        return "SigningKeys(<secret>)"
