"""Bundles, receipts, manifests, enrollment files and server keys: the protocol that carries
records from a border laptop to the central server, shared by the device and the server.

No Qt, no web framework, no database here. Layout: ``docs/bundle-format.md``.
"""

from .enrollment import (
    EnrollmentRequest,
    EnrollmentResponse,
    make_enrollment_request,
    make_enrollment_response,
    parse_and_verify_request,
    parse_and_verify_response,
)
from .errors import (
    BundleError,
    BundleMalformed,
    BundlePayloadMalformed,
    BundleSignatureIncomplete,
    BundleTampered,
    BundleTooLarge,
    BundleTruncated,
    BundleVersionTooNew,
    BundleWrongServer,
    EnrollmentMalformed,
    EnrollmentMismatch,
    EnrollmentSignatureInvalid,
    ManifestFileMismatch,
    ManifestMalformed,
    ManifestSignatureInvalid,
    NotABundle,
    ReceiptMalformed,
    ReceiptNotFromServer,
    ReceiptUnknownRevisions,
    ServerKeyEnvInvalid,
    ServerKeyFileCorrupt,
    ServerKeyFileMissing,
    ServerKeyUntrusted,
    ServerKeyWrongPassphrase,
    UnknownDevice,
)
from .format import (
    DEFAULT_MAX_PAYLOAD,
    FORMAT_VERSION,
    ZERO_HASH,
    BundleHeader,
    OpenedBundle,
    build_bundle,
    bundle_hash,
    open_bundle,
    open_bundle_for,
    read_header,
    suggested_filename,
)
from .keys import HpkeKeyPair, SigningKeys, SigningPublicKeys, hpke_key_id
from .manifest import (
    Manifest,
    ManifestEntry,
    build_manifest,
    manifest_filename,
    parse_and_verify_manifest,
    read_manifest,
)
from .receipt import Receipt, check_receipt_against_sent, make_receipt, parse_and_verify_receipt, read_receipt
from .serverkeys import (
    KEY_ENV,
    KdfParams,
    KeyFileKey,
    ServerKeys,
    ServerPublicInfo,
    read_key_file,
    read_key_file_from_env,
    verify_rotation,
    write_key_file,
)

__all__ = [name for name in dir() if not name.startswith("_")]
