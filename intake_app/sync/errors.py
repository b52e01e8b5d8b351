"""Typed errors of the device side of sync (USB export, receipts, enrollment, online push).

Each names a catalog message ``error.<code>`` in ``resources/i18n/sync.<lang>.json``.
Parameters are device ids, sequence numbers, counts, HTTP statuses and short reason
codes: never personal data, never a path the officer typed beyond a folder's problem.
"""

from __future__ import annotations

from ..errors import IntakeError


class SyncError(IntakeError):
    """Base of every device-side sync error."""

    code = "sync_failed"


class DeviceRevoked(SyncError):
    """The server revoked this device: the vault stays locked. params: device_id.
    Same code as the server's HTTP error for a revoked device (sync contract)."""

    code = "device_revoked"


class StickStatusBeforeReinstatement(DeviceRevoked):
    """The signed status on the stick was made before this laptop's revocation (left there
    by an earlier sync), or still says it is revoked: the office has not written a
    reinstatement on it. Nothing changed; the vault stays locked. params: device_id."""

    code = "sync_reinstate_old_status"


class LeaseExpired(SyncError):
    """The device's offline lease has lapsed: no new intake until it syncs (the desktop app
    and ``intake case add`` alike; edits of saved cases go on)."""

    code = "sync_lease_expired"


class NotEnrolled(SyncError):
    """The device has no pinned server keys yet: enroll first."""

    code = "sync_not_enrolled"


class SyncDirMissing(SyncError):
    """The folder (a USB stick) does not exist or is not mounted."""

    code = "sync_dir_missing"


class SyncDirNotFolder(SyncError):
    code = "sync_dir_not_folder"


class SyncDirReadOnly(SyncError):
    """The folder cannot be written (a locked stick, a read-only mount)."""

    code = "sync_dir_read_only"


class SyncDirFull(SyncError):
    """No space left on the stick. params: needed (bytes, approximate)."""

    code = "sync_dir_full"


class NoReceipts(SyncError):
    """The folder holds no receipt for this device. params: device_id."""

    code = "sync_no_receipts"


class StickOtherServer(SyncError):
    """The stick was processed by a server other than the one this laptop is enrolled with:
    its status for this laptop is not signed by the pinned server and there is no receipt
    for it. Nothing changed on the laptop. params: device_id."""

    code = "sync_stick_other_server"


class NoStatus(SyncError):
    """The folder holds no signed status for this device. params: device_id."""

    code = "sync_no_status"


class NoEnrollmentResponse(SyncError):
    """No enrollment response for this device in the file or folder given."""

    code = "sync_no_enrollment_response"


class ReceiptOtherDevice(SyncError):
    """A receipt made for another device. params: device_id (the receipt's)."""

    code = "sync_receipt_other_device"


class ReceiptBundleMismatch(SyncError):
    """A receipt for a sequence this device built, but for other bytes. params: sequence."""

    code = "sync_receipt_bundle_mismatch"


class ServerUnreachable(SyncError):
    """No answer from the server (network down, wrong address). Retry later. params: reason."""

    code = "sync_server_unreachable"


class ServerBusy(ServerUnreachable):
    """5xx or 429: the server is there but cannot take the request now. params: status, reason
    (for the logs; the message shows neither)."""

    code = "sync_server_busy"


class RevocationUnconfirmed(ServerUnreachable):
    """An answer said ``403 device_revoked`` but the server's signed status did not confirm it
    (a forged or misrouted answer, or the status could not be read): nothing is locked, the
    sync retries later like any network trouble. params: reason ``revocation_unconfirmed``."""

    def __init__(self, **params) -> None:
        super().__init__(**{"reason": "revocation_unconfirmed", **params})


class ConnectionTooSlow(ServerUnreachable):
    """A request's overall deadline passed (a link or a server trickling the bytes, in the
    answer's headers or its body; intake_app/sync/deadline.py): not retried at once, the link
    will not be faster a second later. params: reason ``too_slow``."""

    def __init__(self, **params) -> None:
        super().__init__(**{"reason": "too_slow", **params})


class NetworkWebPage(ServerUnreachable):
    """The network answered with a web page (a redirect, an HTML page, 407 or 511) instead of
    the server: typically a Wi-Fi that asks to sign in first. Nothing was taken as a receipt;
    retried later. params: reason ``web_page``, status (HTTP, for the logs)."""

    def __init__(self, **params) -> None:
        super().__init__(**{"reason": "web_page", **params})


class ServerRefused(SyncError):
    """The server answered with an error. params: status (HTTP), reason (the server's code).
    A person reads ``error.sync_server_refused.<reason>`` (the device's wording of the
    server's code) or the general message; neither shows the status nor the code."""

    code = "sync_server_refused"


class ServerProtocolError(SyncError):
    """The server's answer is not what the protocol says. params: part (for the logs)."""

    code = "sync_server_protocol"


class StatusNotForThisRequest(ServerProtocolError):
    """An online status, signed by the server, that signs back another nonce than the one
    this request sent: an old status replayed by something on the way, or a cache. Ignored:
    nothing changed, nothing locked; retried like a protocol error. (One with no nonce is not
    refused: it is unbound, as from a server before nonces.) params: reason ``other`` (for the
    logs)."""

    code = "sync_status_not_for_this_request"


class EnrollmentPending(SyncError):
    """The administrator has not approved this device yet."""

    code = "sync_enrollment_pending"


class ServerFingerprintRequired(SyncError):
    """A first enrollment response (nothing pinned yet, by network or stick) came without the
    server fingerprint the administrator reads aloud: over plain HTTP, or on a stick that went
    to another office, it could be anyone's server. Nothing is pinned."""

    code = "sync_server_fingerprint_required"


class EnrollmentRefused(SyncError):
    """The administrator refused this device's enrollment."""

    code = "sync_enrollment_refused"


class EnrollmentQueueFull(SyncError):
    """The server has too many enrollment requests waiting. params: limit."""

    code = "sync_enrollment_queue_full"


class DemoVault(SyncError):
    """The vault holds fictional demo cases (``state.K_DEMO``): never enrolled on a server."""

    code = "sync_demo_vault"


class UnknownPost(SyncError):
    """The border post given for enrollment is not in the codebook."""

    code = "sync_unknown_post"
