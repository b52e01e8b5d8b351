"""``INTAKE_TEST_FAST_KDF=1`` (the test suite's tiny Argon2 cost) is ignored by a frozen
build (PyInstaller: what a field laptop runs), for the vault's key derivation and for the
server's password hashes alike, through one helper; the frozen build says once that it
ignores it."""

from __future__ import annotations

import logging
import sys

import pytest

from intake_app.vault import kdf


@pytest.fixture
def fast_env(monkeypatch):
    monkeypatch.setenv(kdf.TEST_ENV, "1")
    monkeypatch.setattr(kdf, "_frozen_said", False, raising=False)


def _ignored_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if "no se tiene en cuenta" in r.getMessage()]


def test_a_source_checkout_honours_it(fast_env, monkeypatch):
    monkeypatch.delattr(sys, "frozen", raising=False)
    assert kdf.fast_kdf_allowed()
    assert kdf.test_params() == kdf.KdfParams(memory_kib=8 * 1024, iterations=1)


def test_a_frozen_build_ignores_it_for_the_vault_and_says_so_once(fast_env, monkeypatch, caplog):
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    with caplog.at_level(logging.WARNING, logger=kdf.__name__):
        assert kdf.test_params() is None
        assert kdf.test_params() is None
        assert not kdf.fast_kdf_allowed()
    said = _ignored_lines(caplog)
    assert len(said) == 1 and kdf.TEST_ENV in said[0] and "ignored" in said[0]


def test_a_frozen_build_ignores_it_for_server_passwords(fast_env, monkeypatch, caplog):
    pytest.importorskip("sqlalchemy")
    from intake_app.server import auth

    monkeypatch.setattr(auth, "_fast_warned", False)
    monkeypatch.delattr(sys, "frozen", raising=False)
    assert auth._hasher().memory_cost == 64  # the test cost, outside a frozen build
    monkeypatch.setattr(auth, "_fast_warned", False)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        hasher = auth._hasher()
        auth.warn_fast_once()  # the server CLI's early warning: not "test cost" in a frozen build
    assert (hasher.time_cost, hasher.memory_cost) == (2, 65536)
    assert not any("contraseñas con Argon2id mínimo" in r.getMessage() for r in caplog.records)
    assert len(_ignored_lines(caplog)) == 1


def test_without_the_variable_nothing_is_said(monkeypatch, caplog):
    monkeypatch.delenv(kdf.TEST_ENV, raising=False)
    monkeypatch.setattr(kdf, "_frozen_said", False, raising=False)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    with caplog.at_level(logging.WARNING, logger=kdf.__name__):
        assert not kdf.fast_kdf_allowed()
    assert _ignored_lines(caplog) == []
