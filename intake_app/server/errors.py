"""Typed errors of the central server.

Like every core error they carry a ``code`` (catalog message ``error.<code>`` in
``resources/i18n/server.<lang>.json``) and parameters that are never personal data:
device ids, sequence numbers, revision ids, field keys, rule names, limits. The HTTP
layer maps each to a status code and answers ``{"code": ..., "params": {...}}``.
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import IntakeError


class ServerError(IntakeError):
    code = "server_error"
    status = 400


# --- devices and bundles ------------------------------------------------------------
class DeviceRevokedError(ServerError):
    """Bundles from a revoked device are refused from the moment of revocation. params: device_id."""

    code = "device_revoked"
    status = 403


class DevicePending(ServerError):
    """The device asked to enroll but no administrator approved it yet. params: device_id."""

    code = "device_pending"
    status = 403


class DeviceFingerprintMismatch(ServerError):
    """``device approve --fingerprint``: not the fingerprint of the request under that id
    (another computer may have asked under the laptop's id). Nothing was approved."""

    code = "device_fingerprint_mismatch"
    status = 409


class DeviceRefused(ServerError):
    """An administrator refused this device's enrollment. params: device_id."""

    code = "device_refused"
    status = 403


class DeviceAlreadyEnrolled(ServerError):
    """Another enrollment request for a device id that is already enrolled with other keys.
    params: device_id."""

    code = "device_already_enrolled"
    status = 409


class DeviceSignatureRequired(ServerError):
    """A device read (status, receipts, enrollment answer) without a valid signed challenge
    (intake_app/bundle/device_auth.py). params: reason ("missing", "invalid", "expired")."""

    code = "device_signature_required"
    status = 401


class EnrollmentQueueFull(ServerError):
    """Too many online enrollment requests wait for an administrator. params: limit."""

    code = "enrollment_queue_full"
    status = 403


class BundleFork(ServerError):
    """Same device and sequence as a stored bundle, different content. params: device_id, sequence."""

    code = "bundle_fork"
    status = 409


class RevisionInvalid(ServerError):
    """A revision does not validate against the codebook version it names.
    params: revision_id, problems (list of "field:rule", never values)."""

    code = "bundle_revision_invalid"
    status = 422


class RevisionHashMismatch(ServerError):
    """A revision's content does not match its content_hash. params: revision_id."""

    code = "bundle_revision_hash_mismatch"
    status = 422


class RevisionConflictingCopy(ServerError):
    """A revision id the server already holds, sent again with other content. params: revision_id."""

    code = "bundle_revision_reused"
    status = 409


# --- HTTP ---------------------------------------------------------------------------
class DeviceAuditBroken(ServerError):
    """A device's audit log, as received, was edited on the laptop. params: device, seq."""

    code = "device_audit_broken"
    status = 409


class UploadTooLarge(ServerError):
    """params: limit (bytes)."""

    code = "upload_too_large"
    status = 413


class UnsupportedContentType(ServerError):
    """params: expected."""

    code = "unsupported_content_type"
    status = 415


class RequestMalformed(ServerError):
    """params: part."""

    code = "request_malformed"
    status = 400


class NotFound(ServerError):
    code = "not_found"
    status = 404


class DatabaseUnavailable(ServerError):
    """The database cannot be reached or failed mid-transaction; nothing was half-stored."""

    code = "database_unavailable"
    status = 503


class DatabaseNotInitialized(ServerError):
    """The database has no schema, or an older one. params: found, expected."""

    code = "database_not_initialized"
    status = 503


class ServerBusy(ServerError):
    """A concurrent transaction got in the way (deadlock, serialization); retry."""

    code = "server_busy"
    status = 503


# --- users, sessions and roles -------------------------------------------------------
class NotAuthenticated(ServerError):
    code = "not_authenticated"
    status = 401


class SessionExpired(ServerError):
    code = "session_expired"
    status = 401


class LoginFailed(ServerError):
    """Wrong user name or password (which one is never said); a locked or disabled account
    answers the same, so the answer never tells that a password was right."""

    code = "login_failed"
    status = 401


class RoleNames(str):
    """Role codes joined by ", " by the server itself (never text a client typed): an error
    body carries them as they are, where a typed value with a space would read "?"."""


class RoleForbidden(ServerError):
    """params: role (the user's), allowed (the roles the action needs)."""

    code = "role_forbidden"
    status = 403

    def __init__(self, **params: Any) -> None:
        if isinstance(params.get("allowed"), str):
            params["allowed"] = RoleNames(params["allowed"])
        super().__init__(**params)


class UnknownRole(ServerError):
    """params: role, allowed."""

    code = "role_unknown"
    status = 400


class UserExists(ServerError):
    code = "user_exists"
    status = 409


class InvalidUsername(ServerError):
    """A user name outside ASCII letters, digits, dot, dash and underscore (1–64)."""

    code = "username_invalid"
    status = 400


class UnknownUser(ServerError):
    code = "user_unknown"
    status = 404


class LastAdministrator(ServerError):
    """Disabling the last active administrator would leave nobody to administer the server.
    params: username."""

    code = "last_administrator"
    status = 409


class WeakPassword(ServerError):
    """params: min_length."""

    code = "password_weak"
    status = 400


class UnknownInstitution(ServerError):
    """params: institution (a code)."""

    code = "institution_unknown"
    status = 400


# --- operator commands ---------------------------------------------------------------
class ServerNotInitialized(ServerError):
    """No server configuration in the home folder. params: home."""

    code = "server_not_initialized"


class ServerDatabaseInOtherFolder(ServerError):
    """server.json (written by an older version) names another folder's SQLite file by
    absolute path while this folder holds one of that name: a copied folder. params: home,
    database, own."""

    code = "server_database_in_other_folder"


class ServerAlreadyInitialized(ServerError):
    """params: home."""

    code = "server_already_initialized"


class ImportDirMissing(ServerError):
    """params: path."""

    code = "import_dir_missing"


class ImportDirEmpty(ServerError):
    """No bundles and no enrollment requests in the folder. params: path."""

    code = "import_dir_empty"


class ImportDirReadOnly(ServerError):
    """Receipts cannot be written there, so nothing was imported. params: path."""

    code = "import_dir_read_only"


class ImportDirFull(ServerError):
    """No room for the receipts, so nothing was read this time. params: path."""

    code = "import_dir_full"


class StickWriteFailed(ServerError):
    """An administrator's write on a stick (``device approve/reinstate --dir``) failed; what
    the command did at the server stands. params: path, reason (full, read_only, removed, other)."""

    code = "stick_write_failed"


class EnrollmentResponseOtherServer(ServerError):
    """The stick already carries, for this laptop, an enrollment response another server
    signed: it is not overwritten (the laptop would be tied to whichever server wrote last).
    params: device_id, reason (``approve``: checked before approving, nothing approved nor
    written; ``stick``: the write refused, the stick unchanged, the server's act stands;
    ``import``: the laptop is active here, its response was not written)."""

    code = "enrollment_response_other_server"
    status = 409


class ImportStopped(ServerError):
    """The stick failed under a running import (a write refused for a reason not told
    apart): it stopped at once. What it stored is safe in the database; ``summary`` (an
    ``ImportSummary``) lists it. params: path."""

    code = "import_stopped"

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self.summary = None


class ImportStickFull(ImportStopped):
    """The stick filled up mid-import. params: path."""

    code = "import_stick_full"


class ImportStickReadOnly(ImportStopped):
    """The stick turned read-only mid-import. params: path."""

    code = "import_stick_read_only"


class ImportStickRemoved(ImportStopped):
    """The stick was pulled mid-import: its folder is gone or is no longer the stick (an
    empty mount point of the server's disk). Nothing was written there. params: path."""

    code = "import_stick_removed"


class ServerAuditBroken(ServerError):
    """params: seq, reason."""

    code = "server_audit_broken"


class BackupFailed(ServerError):
    """params: reason; with a folder's fault (not_folder, not_empty, read_only, not_writable,
    no_space, no_space_need) also path, and free and need (MB) for no_space[_need]."""

    code = "backup_failed"


class InitFolderUnusable(ServerError):
    """``init`` cannot write in the server folder or the database's folder; nothing was
    left. params: path, reason (read_only, not_writable, no_space, not_folder)."""

    code = "init_folder_unusable"


class DatabaseUrlInvalid(ServerError):
    """A database URL that is not one (a plain path, a typo in the scheme). No params: it
    may carry a password."""

    code = "database_url_invalid"


def folder_reason(exc: BaseException) -> str | None:
    """Why a folder could not be written, from a failed file operation (fsutil.os_error_kind);
    None if not a folder's fault. A file where the folder must be (EEXIST from mkdir) is
    "not a folder" too."""
    from ..fsutil import os_error_kind

    if isinstance(exc, FileExistsError):
        return "not_folder"
    kind = os_error_kind(exc)
    return {"permission": "not_writable"}.get(kind, kind) if kind in ("read_only", "permission", "no_space",
                                                                      "not_folder") else None


class DatabaseNotReachable(ServerError):
    """A command could not open the database it was given (the server does not start).
    params: db (the URL without its password)."""

    code = "database_not_reachable"
    status = 503


class DeviceNotRevoked(ServerError):
    """Only a revoked device can be reinstated. params: device_id, reason (its state: the message words it)."""

    code = "device_not_revoked"
    status = 409


class DeviceNotPending(ServerError):
    """Only a waiting enrollment can be refused. params: device_id, reason (its state: active, revoked)."""

    code = "device_not_pending"
    status = 409


class DeviceApproveRevoked(ServerError):
    """An administrator approved a revoked laptop: reinstating it is the way back. params: device_id."""

    code = "device_approve_revoked"
    status = 409


class DeviceIdUnknown(ServerError):
    """An administrator named a device the server has never seen. params: device_id."""

    code = "device_id_unknown"
    status = 404


class BackupInvalid(ServerError):
    """A backup that cannot be restored; nothing was written. params: reason (not_a_backup,
    truncated, version, signature, unknown_key, decrypt, database_kind, missing_file)."""

    code = "backup_invalid"


class RestoreTargetNotEmpty(ServerError):
    """The home or the database to restore into already holds a server. params: target."""

    code = "restore_target_not_empty"


class ConflictNotFound(ServerError):
    code = "conflict_not_found"
    status = 404


class BundleChainBroken(ServerError):
    """The bundle's prev_hash does not match the stored neighbour in the device's chain.
    params: device_id, sequence."""

    code = "bundle_chain_broken"
    status = 409


SAFE_PARAM = re.compile(r"[A-Za-z0-9_.:/@+=-]{0,80}", re.ASCII)
ROLE_LIST = re.compile(r"[a-z_]{1,32}(?:, [a-z_]{1,32}){0,7}", re.ASCII)


def plain_param(value: Any) -> Any:
    """A parameter as an error body may carry it: numbers, and strings that are codes or
    ids. Anything else (spaces, accents, quotes, over 80 characters) is text a client typed,
    perhaps a name pasted into the wrong box: it is not echoed back, even to its sender."""
    if isinstance(value, (int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [plain_param(v) for v in value[:50]]
    text = str(value)
    if isinstance(value, RoleNames) and ROLE_LIST.fullmatch(text):
        return text
    return text if SAFE_PARAM.fullmatch(text) else "?"
