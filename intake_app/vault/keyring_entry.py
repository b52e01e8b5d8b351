"""One officer's entry in the keyring (:mod:`keyring`), as stored in ``keyring.json``, and
the check of a new officer's login name.

An entry holds the officer's id and login name, the Argon2id parameters and salt, and the
database key sealed under the passphrase-derived key (``nonce``, ``wrapped``); the failed
unlocks counted (:mod:`keyring_throttle`); from format 2 its *box* (:mod:`keybox`) and a
``pending`` seal; and the ``removed`` mark of a removal under way. Bytes are stored in base64;
the box and pending fields only when set.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from ..errors import OfficerNameInvalid
from . import kdf

MAX_OFFICER_NAME = 64  # as the server's user names


def check_officer_name(name: str) -> None:
    """A new officer's login name: not blank, no space at either end nor two in a row, no
    tab, line break or other invisible character, at most :data:`MAX_OFFICER_NAME` characters.
    Letters with accents and single spaces pass (an existing name is never checked again)."""
    import unicodedata

    reason = None
    if not name or not name.strip():
        reason = "empty"
    elif any(unicodedata.category(ch)[0] in "CZ" and ch != " " for ch in name):
        reason = "control"
    elif name != name.strip() or "  " in name:
        reason = "spaces"
    elif len(name) > MAX_OFFICER_NAME:
        reason = "too_long"
    if reason is not None:
        raise OfficerNameInvalid(reason=reason, max_length=MAX_OFFICER_NAME)


def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode()


def _unb64(s: str) -> bytes:
    return base64.b64decode(s.encode(), validate=True)


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
    box_public: bytes = b""  # format 2 (keybox): the box's public key, in the clear
    box_nonce: bytes = b""
    box_sealed: bytes = b""  # its private key, sealed under the passphrase-derived key
    pending: bytes = b""  # a new database key (and the one before) sealed to the box by a removal
    removed: str = ""  # set by a removal under way: the check of the key it re-keys to

    _OPTIONAL = ("box_public", "box_nonce", "box_sealed", "pending")

    def to_dict(self) -> dict:
        d = {"id": self.id, "name": self.name, "kdf": self.kdf.to_dict(), "salt": _b64(self.salt),
             "nonce": _b64(self.nonce), "wrapped": _b64(self.wrapped), "failures": self.failures,
             "last_failure": self.last_failure}
        d.update({k: _b64(getattr(self, k)) for k in self._OPTIONAL if getattr(self, k)})
        if self.removed:
            d["removed"] = self.removed
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "OfficerEntry":
        entry = cls(d["id"], d["name"], kdf.KdfParams.from_dict(d["kdf"]), _unb64(d["salt"]),
                    _unb64(d["nonce"]), _unb64(d["wrapped"]), int(d.get("failures", 0)),
                    float(d.get("last_failure", 0.0)))
        for k in cls._OPTIONAL:
            setattr(entry, k, _unb64(d[k]) if d.get(k) else b"")
        entry.removed = str(d.get("removed") or "")
        return entry

    def sealed_state(self) -> tuple:
        """What a rewrap replaces: an entry still so on disk is the one that was opened."""
        return self.salt, self.nonce, self.wrapped, self.box_sealed, self.pending, self.removed
