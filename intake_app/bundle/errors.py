"""Typed errors of the bundle protocol: bundles, receipts, manifests, enrollment, server keys.

Each error names a catalog message ``error.<code>`` (``resources/i18n/bundle.<lang>.json``)
and carries parameters that are never personal data: device ids, sequence numbers,
counts, key ids, file names written by the exporter, short reason codes.
"""

from __future__ import annotations

from ..errors import IntakeError


class BundleError(IntakeError):
    """Base of every bundle-protocol error (catch this to refuse any bad input)."""

    code = "bundle_invalid"


# --- bundle --------------------------------------------------------------------
class NotABundle(BundleError):
    """The bytes do not start with the bundle magic: some other file."""

    code = "bundle_not_a_bundle"


class BundleTruncated(BundleError):
    """The file ends early. params: size (bytes present), needed (bytes the framing asks for)."""

    code = "bundle_truncated"


class BundleVersionTooNew(BundleError):
    """Written by a newer program. params: found, supported."""

    code = "bundle_version_too_new"


class BundleMalformed(BundleError):
    """Framing or header that a correct writer never produces. params: part."""

    code = "bundle_malformed"


class BundleTampered(BundleError):
    """Neither signature verifies over the header and ciphertext, or bytes were appended.
    params: part ("signature" or "trailing")."""

    code = "bundle_tampered"


class BundleSignatureIncomplete(BundleTampered):
    """Exactly one of the two signatures verifies. params: valid, missing (algorithm names)."""

    code = "bundle_signature_incomplete"


class BundleWrongServer(BundleError):
    """Encrypted to an HPKE key this server does not hold. params: key_id."""

    code = "bundle_wrong_server"


class BundlePayloadMalformed(BundleError):
    """Signed and decrypted, but the payload is not a valid one. params: problem."""

    code = "bundle_payload_malformed"


class BundleTooLarge(BundleError):
    """The payload would decompress beyond the limit (a zip bomb, or a limit set too low).
    params: limit (bytes)."""

    code = "bundle_decompression_limit"


# --- devices -------------------------------------------------------------------
class UnknownDevice(BundleError):
    """A device that is not enrolled here (or a file for another device). params: device_id."""

    code = "device_unknown"


# --- receipts ------------------------------------------------------------------
class ReceiptMalformed(BundleError):
    """params: part."""

    code = "receipt_malformed"


class ReceiptNotFromServer(BundleError):
    """The receipt's signatures do not verify under the pinned server key."""

    code = "receipt_not_signed_by_server"


class ReceiptUnknownRevisions(BundleError):
    """The receipt lists revisions this device never sent. params: count, device_id, sequence."""

    code = "receipt_unknown_revisions"


# --- manifests -----------------------------------------------------------------
class ManifestMalformed(BundleError):
    """params: part."""

    code = "manifest_malformed"


class ManifestSignatureInvalid(BundleError):
    """params: device_id."""

    code = "manifest_signature_invalid"


class ManifestFileMismatch(BundleError):
    """A file listed in the manifest is missing or differs. params: file, problem."""

    code = "manifest_file_mismatch"


# --- enrollment ----------------------------------------------------------------
class EnrollmentMalformed(BundleError):
    """params: part."""

    code = "enrollment_malformed"


class EnrollmentSignatureInvalid(BundleError):
    """params: kind ("request" or "response")."""

    code = "enrollment_signature_invalid"


class EnrollmentMismatch(BundleError):
    """The response was made for another device or other keys. params: device_id."""

    code = "enrollment_not_for_this_device"


# --- server keys ---------------------------------------------------------------
class ServerKeyUntrusted(BundleError):
    """A server key not endorsed by the pinned signing key. params: reason."""

    code = "server_key_untrusted"


class ServerKeyFileMissing(BundleError):
    """params: file (name only)."""

    code = "server_key_file_missing"


class ServerKeyFileCorrupt(BundleError):
    """params: part."""

    code = "server_key_file_corrupt"


class ServerKeyWrongPassphrase(BundleError):
    """params: source ("passphrase" or "environment")."""

    code = "server_key_wrong_passphrase"


class ServerKeyEnvInvalid(BundleError):
    """The environment variable does not hold 64 hex characters. params: variable."""

    code = "server_key_env_invalid"
