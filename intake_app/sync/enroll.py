"""Enrollment on the device: the request file, the server's response, the pinned keys.

Offline: ``write_enrollment_request`` puts ``intake-enroll/<device_id>.request`` on a
stick; the administrator approves it at the server (comparing the fingerprint read
aloud); the server writes ``intake-enroll/<device_id>.response``, which
``import_enrollment_response`` verifies and pins. Online, the same bytes travel by HTTP
(:mod:`intake_app.sync.client`).
"""

from __future__ import annotations

import errno
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from ..bundle import EnrollmentResponse, make_enrollment_request, parse_and_verify_response, verify_rotation
from ..bundle.errors import ServerKeyUntrusted
from ..fsutil import NotPlain, atomic_write, check_plain_dirs, fsync_dir, read_plain
from . import state
from .errors import DemoVault, NoEnrollmentResponse, ServerFingerprintRequired, UnknownPost
from .usb import _os_error, check_dir

ENROLL_DIR = "intake-enroll"
MAX_RESPONSE = 1 << 20  # a response is a few KiB

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeviceIdentity:
    device_id: str
    fingerprint: str  # the device's signing-key fingerprint, to read aloud
    enrolled: bool
    server_fingerprint: str | None
    server_key_id: str | None
    lease_until: str | None
    lease_state: str
    revoked: bool


def identity(vault) -> DeviceIdentity:
    info = state.server_info(vault)
    until = state.lease_until(vault)
    return DeviceIdentity(vault.device_id, vault.device_keys().public().fingerprint(), info is not None,
                          info.fingerprint() if info else None, info.key_id if info else None,
                          state.iso(until) if until else None, state.lease_state(vault), state.is_revoked(vault))


def enrollment_request(vault, post: str, officer_labels: list[str] | None = None) -> bytes:
    state.check_not_revoked(vault)
    if vault.meta(state.K_DEMO) is not None:  # by stick or online, from the CLI or the desktop
        raise DemoVault()
    if post not in vault.codebook.vocab("border_posts"):
        raise UnknownPost()
    data = make_enrollment_request(device_id=vault.device_id, device_keys=vault.device_keys(), post=post,
                                   officer_labels=list(officer_labels or []),
                                   created_at=state.iso(state.utc_now()))
    with vault.transaction():
        vault.set_meta(state.K_POST, post)
        vault.audit.append(vault.officer.id, "enroll_request", post=post)
    return data


def write_enrollment_request(vault, target: str | os.PathLike, post: str,
                             officer_labels: list[str] | None = None) -> Path:
    """Write ``intake-enroll/<device_id>.request`` under ``target``; returns its path."""
    root = check_dir(target, write=True)
    data = enrollment_request(vault, post, officer_labels)
    folder = root / ENROLL_DIR
    try:
        check_plain_dirs(root, ENROLL_DIR)  # a link there is refused: nothing written outside the stick
        if not folder.is_dir():
            folder.mkdir(mode=0o700)
            fsync_dir(root)
        path = folder / f"{vault.device_id}.request"
        atomic_write(path, data)
    except OSError as exc:
        raise _os_error(exc, len(data)) from None
    return path


def find_response(vault, source: str | os.PathLike) -> bytes:
    """The response bytes from a file, or from ``intake-enroll/<device_id>.response`` in a folder."""
    p = Path(source)
    try:
        if p.is_dir():
            check_plain_dirs(p, ENROLL_DIR)
            p = p / ENROLL_DIR / f"{vault.device_id}.response"
            return read_plain(p, MAX_RESPONSE)  # in a folder (a stick): never through a link
        return read_plain(p.resolve(), MAX_RESPONSE)  # a file the person named (a link they made: followed)
    except (FileNotFoundError, IsADirectoryError, NotPlain):
        raise NoEnrollmentResponse() from None
    except OSError as exc:
        if exc.errno == errno.EFBIG:  # far larger than any response
            raise NoEnrollmentResponse() from None
        raise _os_error(exc) from None


def apply_enrollment_response(vault, data: bytes, expected_server_fingerprint: str | None = None
                              ) -> EnrollmentResponse:
    """Verify the response was made by the server keys it carries, for this device's id
    and keys, and pin those keys. A device already enrolled accepts a response only from
    the same server signing keys (a new HPKE key must be endorsed by them); so does a
    device that took a new identity (:mod:`intake_app.sync.new_identity`): its cases and audit
    log go to the server it was enrolled with, never another. The first response (nothing
    pinned) needs the fingerprint the administrator reads (``ServerFingerprintRequired``):
    trust on first use over plain HTTP, or from a stick, would pin whoever answered."""
    state.check_not_revoked(vault)
    current = _pinned_or_fingerprint(vault, expected_server_fingerprint)
    response = parse_and_verify_response(data, device_id=vault.device_id, device_public=vault.device_keys().public(),
                                         expected_server_fingerprint=expected_server_fingerprint)
    if current is not None:
        if response.server.signing != current.signing:
            raise ServerKeyUntrusted(reason="signing_key")
        if response.server.key_id != current.key_id:
            verify_rotation(current.signing, response.server, current=current)
    with vault.transaction():
        if state.server_info(vault) is None or response.server.key_id != current.key_id:
            state.pin_server_info(vault, response.server)
        vault.conn.execute("DELETE FROM meta WHERE key = ?", (state.K_PREVIOUS_SERVER_INFO,))
        if vault.meta(state.K_ENROLLED_AT) is None:
            vault.set_meta(state.K_ENROLLED_AT, response.approved_at)
        state.record_contact(vault, response.approved_at, response.lease_until)
        vault.audit.append(vault.officer.id, "enroll_import", server=response.server.fingerprint(),
                           key_id=response.server.key_id)
    return response


def _pinned_or_fingerprint(vault, expected_server_fingerprint: str | None):
    """The server keys pinned (or kept across a new identity); with none, the fingerprint
    the office reads out is required: the first server trusted is only that one."""
    current = state.server_info(vault) or state.previous_server_info(vault)
    if current is None and not (expected_server_fingerprint or "").strip():
        raise ServerFingerprintRequired()
    return current


def import_enrollment_response(vault, source: str | os.PathLike,
                               expected_server_fingerprint: str | None = None) -> EnrollmentResponse:
    """Apply the response in a file or on a stick. From a stick, the answered request and
    the applied response are then removed from it (the files are left when it is not
    possible, e.g. a read-only stick: enrolled is enrolled, and the next import of the same
    response changes nothing)."""
    _pinned_or_fingerprint(vault, expected_server_fingerprint)  # said before the stick is read
    response = apply_enrollment_response(vault, find_response(vault, source), expected_server_fingerprint)
    if Path(source).is_dir():
        _clear_answered(Path(source), vault.device_id)
    return response


def _clear_answered(root: Path, device_id: str) -> None:
    """The request first: a response left alone (pulled stick) is applied again harmlessly,
    while a request left alone would have the server answer it again at each import."""
    try:
        folder = check_plain_dirs(root, ENROLL_DIR)
        for name in (f"{device_id}.request", f"{device_id}.response"):
            try:
                (folder / name).unlink()  # a link itself is removed, never what it points to
            except FileNotFoundError:
                pass
        fsync_dir(folder)
    except (OSError, NotPlain) as exc:
        log.info("enrollment files left on the stick (%s)", type(exc).__name__)


def accept_server_key_file(vault, path: str | os.PathLike) -> bool:
    """A published ``*.intake-server`` file (HPKE key rotation), accepted only when endorsed
    by the pinned signing keys. Returns True when the pinned key changed."""
    from ..bundle import ServerPublicInfo

    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise _os_error(exc) from None
    return state.accept_server_info(vault, ServerPublicInfo.from_bytes(data))


__all__ = ["ENROLL_DIR", "DeviceIdentity", "identity", "enrollment_request", "write_enrollment_request",
           "find_response", "apply_enrollment_response", "import_enrollment_response", "accept_server_key_file",
           "check_dir"]
