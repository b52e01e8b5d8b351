"""The server's signed status for this device (lease, server time, current server keys,
revocation), however it arrived: online (``GET /status``) or on the stick next to the
receipts (``intake-receipts/<device>/status.msgpack``, written by ``intake-server import``).

Online the status is live: its time sets the clock offset and its lease is the server's
word (its length is what later receipts extend the lease by: ``state.record_receipt``). A
status carried on a stick may be days old: it only ever extends the lease and leaves the
clock alone. Either way a revocation locks the vault, a status made after a
revocation that says the device is active reinstates it, and a newer server key endorsed by
the pinned signing key is learnt (never an older one).

An online request sends a fresh nonce (``client.SyncClient.status``, which returns a
:class:`LiveStatus` carrying it). A status that signs back another nonce is an old one
replayed: refused before anything changes (:class:`StatusNotForThisRequest`). One that signs
it back is *bound*: its time is the server's now, and may set the last contact back
(``state.apply_status_lease``). One with no nonce is always *unbound*, taken as before, whatever
this laptop saw earlier: a server from before nonces, one rolled back to such a build, or one
of several behind a proxy not upgraded yet. An unbound status never lowers the floor, so an
old one replayed can at worst shorten the lease (as before nonces).
"""

from __future__ import annotations

from ..bundle.status import DeviceStatus, parse_and_verify_status
from . import state
from .errors import DeviceRevoked, StatusNotForThisRequest


class LiveStatus(bytes):
    """The bytes of a status read online, with the nonce its request sent (``nonce``)."""

    nonce: str | None

    def __new__(cls, data: bytes, nonce: str | None) -> "LiveStatus":
        obj = super().__new__(cls, data)
        obj.nonce = nonce
        return obj


def _bound(status: DeviceStatus, nonce: str | None) -> bool:
    """Whether ``status`` signs back the ``nonce`` its request sent; raises
    StatusNotForThisRequest when it signs back another (the answer to another request). A
    status with no nonce is unbound (a server that does not sign it back: from before, rolled
    back, or one of several not upgraded yet), never refused for that."""
    if nonce is None or status.nonce is None:
        return False
    if status.nonce == nonce:
        return True
    raise StatusNotForThisRequest(reason="other")


def apply_status(vault, data: bytes, *, live: bool = True, nonce: str | None = None) -> str:
    """Verify a status object, then learn lease, server time, key rotation and revocation.
    ``nonce``: the one the request sent (by default a :class:`LiveStatus`'s). Returns the
    lease state; raises DeviceRevoked (after locking) when revoked, StatusNotForThisRequest
    (nothing changed) when it signs back another request's nonce."""
    if nonce is None:
        nonce = getattr(data, "nonce", None)
    current = state.require_server_info(vault)
    status = parse_and_verify_status(data, current.signing, device_id=vault.device_id, current=current)
    bound = _bound(status, nonce) and live
    if status.revoked:
        state.mark_revoked(vault, at=status.server_time)
        raise DeviceRevoked(device_id=vault.device_id)
    state.reinstate(vault, status.server_time)  # a mistaken revocation undone by the server
    if status.server.key_id != current.key_id:
        state.accept_server_info(vault, status.server)
    with vault.transaction():
        state.apply_status_lease(vault, status.server_time, status.lease_until, live=live, bound=bound)
    return state.lease_state(vault)
