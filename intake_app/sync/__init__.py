"""The device side of sync: outbox, USB export and receipts, purge, enrollment, lease,
revocation, and the online client and background service. No Qt here.

Public API::

    export_to(vault, DIR)             -> ExportReport   (bundles + signed manifest on a stick)
    import_receipts(vault, DIR)       -> ReceiptReport  (verify, mark delivered)
    purge(vault, case_ids=None)       -> PurgeReport    (identity data of delivered cases only)
    write_enrollment_request(vault, DIR, post) / import_enrollment_response(vault, FILE|DIR)
    identity(vault)                   -> DeviceIdentity (device id, fingerprints, lease, revoked)
    lease_state(vault)                -> "ok" | "expiring" | "expired"
    push(vault, URL)                  -> PushReport     (one online exchange)
    new_identity.new_identity(vault)  -> NewIdentity    (cloned or restored laptop: new id, keys, chain)
    reinstate_online(vault, URL) / reinstate_from_stick(vault, DIR) -> lease state
                                      (a laptop revoked by mistake, on a vault opened for_reinstatement)
    SyncService(vault_call, URL, on_status=..., on_progress=...)  (background job queue)

Design and stick layout: docs/sync.md.
"""

from .errors import DeviceRevoked, NotEnrolled, SyncError
from .state import is_enrolled, is_revoked, lease_state, refuse_if_revoked
from .outbox import pending, prepare
from .usb import ExportReport, ReceiptReport, export_to, import_receipts
from .purge import PurgeReport, purge
from .enroll import identity, import_enrollment_response, write_enrollment_request
from .reinstate import StickStatusBeforeReinstatement, reinstate_from_stick, reinstate_online, reinstate_online_via

_LAZY = {"PushReport": "client", "SyncClient": "client", "push": "client",
         "DirectVaultCall": "service", "SyncService": "service"}


def __getattr__(name: str):  # the HTTP client (httpx) loads only when the online path is used
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(name)


__all__ = ["DeviceRevoked", "NotEnrolled", "SyncError", "is_enrolled", "is_revoked", "lease_state",
           "refuse_if_revoked", "pending", "prepare", "ExportReport", "ReceiptReport", "export_to",
           "import_receipts", "PurgeReport", "purge", "identity", "import_enrollment_response",
           "write_enrollment_request", "StickStatusBeforeReinstatement", "reinstate_from_stick", "reinstate_online",
           "reinstate_online_via", "PushReport", "SyncClient", "push", "DirectVaultCall", "SyncService"]
