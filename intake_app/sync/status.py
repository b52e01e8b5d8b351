"""The server's signed status for this device (lease, server time, current server keys,
revocation), however it arrived: online (``GET /status``) or on the stick next to the
receipts (``intake-receipts/<device>/status.msgpack``, written by ``intake-server import``).

Online the status is live: its time sets the clock offset and its lease is the server's
word (its length is what later receipts extend the lease by: ``state.record_receipt``). A
status carried on a stick may be days old: it only ever extends the lease and leaves the
clock alone. Either way a revocation locks the vault, a status made after a
revocation that says the device is active reinstates it, and a newer server key endorsed by
the pinned signing key is learnt (never an older one).
"""

from __future__ import annotations

from ..bundle.status import parse_and_verify_status
from . import state
from .errors import DeviceRevoked


def apply_status(vault, data: bytes, *, live: bool = True) -> str:
    """Verify a status object, then learn lease, server time, key rotation and revocation.
    Returns the lease state; raises DeviceRevoked (after locking) when revoked."""
    current = state.require_server_info(vault)
    status = parse_and_verify_status(data, current.signing, device_id=vault.device_id, current=current)
    if status.revoked:
        state.mark_revoked(vault, at=status.server_time)
        raise DeviceRevoked(device_id=vault.device_id)
    state.reinstate(vault, status.server_time)  # a mistaken revocation undone by the server
    if status.server.key_id != current.key_id:
        state.accept_server_info(vault, status.server)
    with vault.transaction():
        state.apply_status_lease(vault, status.server_time, status.lease_until, live=live)
    return state.lease_state(vault)
