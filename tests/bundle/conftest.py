"""Fixtures for the bundle-protocol tests: keys are generated once per session."""

from __future__ import annotations

import pytest
from bundle_samples import CREATED_AT, bundle_kwargs, make_audit, make_revisions

from intake_app.bundle import ServerKeys, SigningKeys, build_bundle


@pytest.fixture(scope="session")
def device_keys() -> SigningKeys:
    return SigningKeys.generate()


@pytest.fixture(scope="session")
def other_device_keys() -> SigningKeys:
    return SigningKeys.generate()


@pytest.fixture(scope="session")
def server_keys() -> ServerKeys:
    return ServerKeys.generate(issued_at="2026-01-01T00:00:00Z")


@pytest.fixture(scope="session")
def other_server_keys() -> ServerKeys:
    return ServerKeys.generate(issued_at="2026-01-01T00:00:00Z")


@pytest.fixture(scope="session")
def revisions() -> list[dict]:
    return make_revisions(20)


@pytest.fixture(scope="session")
def audit() -> list[dict]:
    return make_audit(5)


@pytest.fixture(scope="session")
def bundle(device_keys, server_keys, revisions, audit) -> bytes:
    return build_bundle(**bundle_kwargs(device_keys, server_keys, revisions, audit))


@pytest.fixture(scope="session")
def created_at() -> str:
    return CREATED_AT
