"""A vault filled with fictional demo cases (``intake demo seed``, the desktop's demo mode)
is never enrolled: by stick or over the network, its request is refused before anything is
written or sent, or its next sync would count the fictional cases in the national figures."""

from __future__ import annotations

import pytest

from intake_app.sync import state, write_enrollment_request
from intake_app.sync.client import enroll_online
from intake_app.sync.errors import DemoVault
from tests.sync.conftest import free_port


@pytest.fixture
def demo_vault(vault):
    with vault.transaction():
        vault.set_meta(state.K_DEMO, "1")
    return vault


def test_no_enrollment_request_on_a_stick(demo_vault, stick):
    with pytest.raises(DemoVault):
        write_enrollment_request(demo_vault, stick, "cr_paso_canoas")
    assert list(stick.iterdir()) == []
    assert demo_vault.meta(state.K_POST) is None


def test_no_enrollment_over_the_network(demo_vault):
    with pytest.raises(DemoVault):  # refused before any request: the port is closed anyway
        enroll_online(demo_vault, f"http://127.0.0.1:{free_port()}", "cr_paso_canoas")
    assert demo_vault.meta(state.K_ENROLL_POSTED) is None

