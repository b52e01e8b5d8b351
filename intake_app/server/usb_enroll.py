"""Enrollment responses on a stick: ``intake-enroll/<device_id>.response``, written by
``intake-server import`` (a device already approved) and ``device approve DEVICE --dir STICK``.

A response another server signed is never overwritten: the laptop pins whichever server's
response it reads, so a second office approving a copy of the stick would tie the laptop to
the wrong server. Such a write is refused (:class:`EnrollmentResponseOtherServer`) and the
stick is left as it was; this server's own response (approving again) is rewritten. A file
that is no response (damaged, a link, a folder) is no other server's and is replaced, never
followed. A request waiting for approval beside bundles for another server (or beside that
server's response) is listed as ``pending_other_server`` by the import (``mark_other_server``).
"""

from __future__ import annotations

from pathlib import Path

from ..bundle.codec import open_envelope
from ..bundle.enrollment import ENROLLMENT_VERSION, MAGIC_RESPONSE, EnrollmentResponse
from ..bundle.errors import EnrollmentMalformed
from ..bundle.keys import SigningPublicKeys
from ..errors import IntakeError
from ..fsutil import check_plain_dirs, read_plain, secure_mkdir
from .errors import EnrollmentResponseOtherServer

ENROLL = "intake-enroll"
MAX_RESPONSE = 1 << 20  # a response is a few KiB


def response_signer(data: bytes) -> SigningPublicKeys | None:
    """The signing keys of the server that made this enrollment response (signed by the
    keys it carries); None for anything that is not one."""
    try:
        env = open_envelope(data, magic=MAGIC_RESPONSE, max_version=ENROLLMENT_VERSION, error=EnrollmentMalformed)
        response = EnrollmentResponse.from_wire(env.body)
    except (IntakeError, ValueError, TypeError):
        return None
    return response.server.signing if env.verified_by(response.server.signing) else None


def foreign_response(root: Path, device_id: str, signing: SigningPublicKeys) -> bool:
    """Whether the stick holds, for this device, a response signed by other keys than ``signing``."""
    try:
        check_plain_dirs(Path(root), ENROLL)
        data = read_plain(Path(root) / ENROLL / f"{device_id}.response", MAX_RESPONSE)
    except OSError:  # none, a link, a folder, unreadable: nothing of another server's there
        return False
    signer = response_signer(data)
    return signer is not None and signer != signing


def mark_other_server(root: Path, keystore, summary) -> None:
    """A request waiting for approval on a stick that also carries bundles sealed for another
    server, or another server's response for it, is listed as ``pending_other_server``: the
    laptop may be enrolled elsewhere, so the office compares its fingerprint in person first."""
    other = any(i.code == "bundle_wrong_server" and i.params.get("reason") == "other_server" for i in summary.items)
    signing = keystore.keys().signing_public if summary.enrollments else None
    summary.enrollments = [(d, fp, "pending_other_server" if status == "pending" and (
        other or foreign_response(root, d, signing)) else status) for d, fp, status in summary.enrollments]


def check_response_slot(root: str | Path, device_id: str, signing: SigningPublicKeys) -> None:
    """Before ``device approve DEVICE --dir STICK`` approves anything: refuse when the stick
    already carries another server's response for that laptop."""
    if foreign_response(Path(root), device_id, signing):
        raise EnrollmentResponseOtherServer(device_id=device_id, reason="approve")


def response_target(root: Path, device_id: str, response: bytes) -> Path:
    """Where this server's ``response`` goes (its folder made, never through a link); refused
    (nothing written) when the stick carries another server's response for that laptop."""
    root = Path(root)
    signer = response_signer(response)
    if signer is not None and foreign_response(root, device_id, signer):  # ours always is one
        raise EnrollmentResponseOtherServer(device_id=device_id, reason="stick")
    return secure_mkdir(root / ENROLL, below=root) / f"{device_id}.response"
