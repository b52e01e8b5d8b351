"""Passphrase → key-encryption key, with Argon2id from ``cryptography``.

Parameters are calibrated once per officer on the machine (target about 0.5 s, inside
the 0.25–1 s window) and stored beside the wrapped key, so unlocking costs exactly one
derivation. ``INTAKE_TEST_FAST_KDF=1`` selects tiny parameters: for the test suite only,
it is logged loudly and never the default.
"""

from __future__ import annotations

import logging
import os
import time
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


def derive(passphrase: str, salt: bytes, params: KdfParams) -> bytes:
    kdf = Argon2id(salt=salt, length=32, iterations=params.iterations, lanes=params.lanes,
                   memory_cost=params.memory_kib)
    return kdf.derive(passphrase.encode("utf-8"))


def test_params() -> KdfParams | None:
    if os.environ.get(TEST_ENV) == "1":
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
