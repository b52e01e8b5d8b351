"""Key material for devices and the server. Every primitive comes from ``cryptography``.

- A device signs with Ed25519 **and** ML-DSA-65 (a hybrid: a signature is valid only
  when both verify). Private keys are stored as their 32-byte seeds inside the vault.
- The server signs receipts with its own Ed25519 + ML-DSA-65 pair and receives bundles
  with HPKE on the ML-KEM-768+X25519 hybrid KEM.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric import ed25519, mldsa, mlkem, x25519

ED25519_SIG_LEN = 64
MLDSA65_SIG_LEN = 3309
HPKE_PUBLIC_LEN = 1184 + 32  # ML-KEM-768 encapsulation key || X25519 public key
HPKE_SEED_LEN = 64 + 32  # ML-KEM-768 seed (d || z) || X25519 private key


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

    def verify_each(self, signature_ed25519: bytes, signature_mldsa: bytes,
                    message: bytes) -> tuple[bool, bool]:
        """Check the two signatures separately: (ed25519 ok, ml-dsa-65 ok).

        Lets a reader tell a bundle signed by only one of the two keys from one whose
        signed bytes were changed (then both fail).
        """
        from cryptography.exceptions import InvalidSignature

        results = []
        for cls, raw, sig in ((ed25519.Ed25519PublicKey, self.ed25519, signature_ed25519),
                              (mldsa.MLDSA65PublicKey, self.mldsa65, signature_mldsa)):
            try:
                cls.from_public_bytes(raw).verify(sig, message)
            except (InvalidSignature, ValueError, TypeError):
                results.append(False)
            else:
                results.append(True)
        return results[0], results[1]


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


def hpke_key_id(public: bytes) -> str:
    """A short stable name for an HPKE public key, carried in bundle headers."""
    return "hk-" + hashlib.sha256(b"intake-hpke-key-id-v1" + public).hexdigest()[:16]


def hpke_public_key(public: bytes) -> hpke.MLKEM768X25519PublicKey:
    """The ``cryptography`` key object from the 1,216 raw bytes. Raises ValueError."""
    if len(public) != HPKE_PUBLIC_LEN:
        raise ValueError("hpke public key length")
    return hpke.MLKEM768X25519PublicKey(
        mlkem.MLKEM768PublicKey.from_public_bytes(public[:1184]),
        x25519.X25519PublicKey.from_public_bytes(public[1184:]),
    )


@dataclass(frozen=True)
class HpkeKeyPair:
    """The server's ML-KEM-768+X25519 key pair, kept as a 96-byte seed."""

    seed: bytes

    @classmethod
    def generate(cls) -> "HpkeKeyPair":
        return cls(mlkem.MLKEM768PrivateKey.generate().private_bytes_raw()
                   + x25519.X25519PrivateKey.generate().private_bytes_raw())

    def private_key(self) -> hpke.MLKEM768X25519PrivateKey:
        if len(self.seed) != HPKE_SEED_LEN:
            raise ValueError("hpke seed length")
        return hpke.MLKEM768X25519PrivateKey(
            mlkem.MLKEM768PrivateKey.from_seed_bytes(self.seed[:64]),
            x25519.X25519PrivateKey.from_private_bytes(self.seed[64:]),
        )

    def public_bytes(self) -> bytes:
        ml = mlkem.MLKEM768PrivateKey.from_seed_bytes(self.seed[:64]).public_key()
        xk = x25519.X25519PrivateKey.from_private_bytes(self.seed[64:]).public_key()
        return ml.public_bytes_raw() + xk.public_bytes_raw()

    def __repr__(self) -> str:  # never print a private key
        return "HpkeKeyPair(<secret>)"
