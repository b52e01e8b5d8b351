"""Shared fixtures. Test data is fictional and says so (names carry FICTICIO/DEMO)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

# Tiny Argon2id parameters for the test suite only (see intake_app/vault/kdf.py).
os.environ.setdefault("INTAKE_TEST_FAST_KDF", "1")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.pop("INTAKE_HOME", None)

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "resources" / "samples"
PASSPHRASE = "frase de prueba ficticia"


def load_sample(name: str) -> dict:
    data = json.loads((SAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if not k.startswith("_")}


@pytest.fixture
def sample():
    return load_sample


@pytest.fixture
def home(tmp_path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def vault(home):
    from intake_app.vault import Vault

    v = Vault.create(home, "oficial.prueba", PASSPHRASE)
    yield v
    v.close()


@pytest.fixture
def passphrase_file(tmp_path) -> Path:
    p = tmp_path / "pass.txt"
    p.write_text(f"{PASSPHRASE}\nsegunda frase ficticia\n", encoding="utf-8")
    return p
