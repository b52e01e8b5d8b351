"""A status on the stick with one bit flipped is damaged, not "processed by another server":
that is said only of a status whole and signed by the other server's own keys. FICTIONAL data."""

from __future__ import annotations

import pytest

from intake_app import i18n
from intake_app.bundle import ServerKeys
from intake_app.bundle.status import StatusMalformed, signed_by_another_server
from intake_app.sync import state
from intake_app.sync.errors import StickOtherServer
from intake_app.sync.usb import import_receipts

from .test_usb_wrong_server import _put_status, _status


def _flip(data: bytes, pos: int) -> bytes:
    out = bytearray(data)
    out[pos] ^= 1
    return bytes(out)


@pytest.mark.parametrize("pos", [40, -100, -3000])  # body, ML-DSA signature, Ed25519 signature
def test_a_flipped_bit_in_our_servers_status_is_damaged(enrolled, server_keys, stick, pos):
    good = _status(server_keys, enrolled.device_id)
    _put_status(stick, enrolled.device_id, _flip(good, pos))
    lease = state.lease_until(enrolled)
    with pytest.raises(StatusMalformed) as exc:
        import_receipts(enrolled, stick)
    assert "dañado" in i18n.describe_error(exc.value, "es") and "damaged" in i18n.describe_error(exc.value, "en")
    assert state.lease_until(enrolled) == lease and not state.is_revoked(enrolled)


def test_a_flipped_bit_in_another_servers_status_is_damaged_too(enrolled, stick):
    other = _status(ServerKeys.generate(), enrolled.device_id)
    _put_status(stick, enrolled.device_id, _flip(other, -100))
    with pytest.raises(StatusMalformed):
        import_receipts(enrolled, stick)


def test_another_servers_whole_status_is_still_said_so(enrolled, server_keys, stick):
    other = _status(ServerKeys.generate(), enrolled.device_id)
    pinned = state.server_info(enrolled).signing
    assert signed_by_another_server(other, pinned)
    assert not signed_by_another_server(_status(server_keys, enrolled.device_id), pinned)  # ours: not another's
    _put_status(stick, enrolled.device_id, other)
    with pytest.raises(StickOtherServer):
        import_receipts(enrolled, stick)
