"""Passphrase → key-encryption key, with Argon2id from ``cryptography``.

Parameters are calibrated once per officer on the machine (target about 0.5 s, inside
the 0.25–1 s window) and stored beside the wrapped key, so unlocking costs exactly one
derivation. ``INTAKE_TEST_FAST_KDF=1`` selects tiny parameters: for the test suite only,
it is logged loudly and never the default, and a frozen build (the installed desktop app)
ignores it (:func:`fast_kdf_allowed`, also the server's password hashing).
"""

from __future__ import annotations

import logging
import os
import sys
import time
import unicodedata
from dataclasses import asdict, dataclass

from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

log = logging.getLogger(__name__)

TARGET_SECONDS = 0.5
MIN_MEMORY_KIB = 64 * 1024
MAX_MEMORY_KIB = 1024 * 1024
TEST_ENV = "INTAKE_TEST_FAST_KDF"


@dataclass(frozen=True)
class KdfParams:
    memory_kib: int
    iterations: int
    lanes: int = 1
    algorithm: str = "argon2id"

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "KdfParams":
        if d.get("algorithm") != "argon2id":
            raise ValueError("unknown kdf")
        return cls(int(d["memory_kib"]), int(d["iterations"]), int(d.get("lanes", 1)))


def normalized(passphrase: str) -> str:
    """The passphrase every wrap derives from: Unicode NFC, so "canción" typed with a
    precomposed "ó" or with "o" and a combining accent (keyboards and input methods differ)
    is one passphrase, as for the server's key file (bundle/serverkeys.py)."""
    return unicodedata.normalize("NFC", passphrase)


def unlock_forms(passphrase: str) -> list[str]:
    """The forms an unlock tries, in order, each once: NFC, then (vaults wrapped before the
    passphrase was normalized, from the characters as one keyboard gave them) as typed and
    NFD. Most passphrases have a single form: one derivation."""
    forms = [normalized(passphrase)]
    for other in (passphrase, unicodedata.normalize("NFD", passphrase)):
        if other not in forms:
            forms.append(other)
    return forms


def derive(passphrase: str, salt: bytes, params: KdfParams) -> bytes:
    kdf = Argon2id(salt=salt, length=32, iterations=params.iterations, lanes=params.lanes,
                   memory_cost=params.memory_kib)
    return kdf.derive(passphrase.encode("utf-8"))


_frozen_said = False


def fast_kdf_allowed() -> bool:
    """Whether ``INTAKE_TEST_FAST_KDF=1`` may select the tests' tiny Argon2 cost (the vault's
    key derivation and the server's password hashes). Never in a frozen build (PyInstaller,
    what a field laptop runs): there it is ignored, and logged once as ignored."""
    global _frozen_said
    if os.environ.get(TEST_ENV) != "1":
        return False
    if getattr(sys, "frozen", False):
        if not _frozen_said:
            _frozen_said = True
            log.warning("%s=1 no se tiene en cuenta en la aplicación instalada: derivación de claves normal / "
                        "ignored in the installed app: normal key derivation", TEST_ENV)
        return False
    return True


def test_params() -> KdfParams | None:
    if fast_kdf_allowed():
        log.warning("INTAKE_TEST_FAST_KDF=1: derivación de claves débil, solo para pruebas; nunca en el campo / "
                    "weak key derivation for tests; never use in the field")
        return KdfParams(memory_kib=8 * 1024, iterations=1)
    return None


def calibrate(target: float = TARGET_SECONDS) -> KdfParams:
    """Pick memory and iterations so one derivation takes about ``target`` seconds here."""
    fast = test_params()
    if fast:
        return fast
    salt = os.urandom(16)
    memory, iterations = 128 * 1024, 1
    start = time.perf_counter()
    derive("calibration", salt, KdfParams(memory, iterations))
    took = max(time.perf_counter() - start, 1e-3)
    # time grows about linearly with memory × iterations
    scaled = int(memory * target / took)
    if scaled <= MAX_MEMORY_KIB:
        memory = max(MIN_MEMORY_KIB, scaled)
    else:
        memory = MAX_MEMORY_KIB
        iterations = max(1, round(scaled / MAX_MEMORY_KIB))
    memory -= memory % 1024
    return KdfParams(memory_kib=memory, iterations=iterations)
