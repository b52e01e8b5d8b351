"""Fixtures shared by the core's tests."""

from __future__ import annotations

import pytest

from intake_app.vault import keyring


@pytest.fixture
def no_delay(monkeypatch):
    """Jump the clock past any unlock delay instead of waiting for it (``t[0] += s``)."""
    t = [1_000_000.0]
    monkeypatch.setattr(keyring, "clock", lambda: t[0])
    return t
