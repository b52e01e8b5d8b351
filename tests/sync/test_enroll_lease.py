"""Enrollment on the device, pinned server keys and rotation, lease and revocation."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from intake_app.bundle import ServerKeys
from intake_app.bundle.errors import BundleError, EnrollmentMismatch, ServerKeyUntrusted
from intake_app.bundle.status import StatusNotFromServer, make_status
from intake_app.sync import DeviceRevoked, identity, import_enrollment_response, lease_state, write_enrollment_request
from intake_app.sync.status import apply_status
from intake_app.sync.enroll import ENROLL_DIR, apply_enrollment_response
from intake_app.sync.errors import NoEnrollmentResponse, ServerFingerprintRequired, UnknownPost
from intake_app.sync.state import server_info
from intake_app.vault import Vault
from tests.conftest import PASSPHRASE

from .helpers import enrollment_response_for, utc


def test_request_file_and_response_pin_the_server(vault, stick, server_keys):
    path = write_enrollment_request(vault, stick, "cr_paso_canoas", ["eri-turno-1"])
    assert path == stick / ENROLL_DIR / f"{vault.device_id}.request"
    fp = server_keys.public_info().fingerprint()
    with pytest.raises(NoEnrollmentResponse):
        import_enrollment_response(vault, stick, fp)
    (stick / ENROLL_DIR / f"{vault.device_id}.response").write_bytes(enrollment_response_for(vault, server_keys))
    for missing in (None, "", "  "):  # the first server only on the administrator's word: asked before the stick is read
        with pytest.raises(ServerFingerprintRequired):
            import_enrollment_response(vault, stick, missing)
        with pytest.raises(ServerFingerprintRequired):
            apply_enrollment_response(vault, enrollment_response_for(vault, server_keys), missing)
    assert server_info(vault) is None
    response = import_enrollment_response(vault, stick, expected_server_fingerprint=fp)
    assert server_info(vault).key_id == server_keys.current.key_id
    ident = identity(vault)
    assert ident.enrolled and ident.server_fingerprint == response.server.fingerprint()
    assert ident.lease_state == "ok" and ident.fingerprint == vault.device_keys().public().fingerprint()
    with pytest.raises(UnknownPost):
        write_enrollment_request(vault, stick, "no_such_post")


def test_an_applied_response_leaves_the_stick_with_its_request_a_refused_one_stays(vault, stick, server_keys):
    folder = stick / ENROLL_DIR
    write_enrollment_request(vault, stick, "cr_paso_canoas", ["eri-turno-1"])
    request, response = folder / f"{vault.device_id}.request", folder / f"{vault.device_id}.response"
    response.write_bytes(enrollment_response_for(vault, server_keys))
    with pytest.raises(ServerKeyUntrusted):  # refused: nothing removed, the office can look again
        import_enrollment_response(vault, stick, "AAAA-BBBB")
    assert request.exists() and response.exists()
    import_enrollment_response(vault, stick, server_keys.public_info().fingerprint())
    assert not request.exists() and not response.exists()  # answered: the server stops answering it
    assert folder.is_dir() and server_info(vault) is not None


def test_a_read_only_stick_keeps_its_files_and_the_laptop_is_enrolled(vault, stick, server_keys, monkeypatch):
    import errno
    from pathlib import Path

    folder = stick / ENROLL_DIR
    write_enrollment_request(vault, stick, "cr_paso_canoas", [])
    (folder / f"{vault.device_id}.response").write_bytes(enrollment_response_for(vault, server_keys))

    def read_only(self, missing_ok=False):  # the operating system's answer on a read-only mount
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(Path, "unlink", read_only)
    import_enrollment_response(vault, stick, server_keys.public_info().fingerprint())
    monkeypatch.undo()
    assert server_info(vault) is not None and (folder / f"{vault.device_id}.response").exists()

def test_response_for_another_device_or_forged_is_refused(vault, second_vault, server_keys):
    other = enrollment_response_for(second_vault, server_keys)
    fp = server_keys.public_info().fingerprint()
    with pytest.raises(EnrollmentMismatch):
        apply_enrollment_response(vault, other, fp)
    data = bytearray(enrollment_response_for(vault, server_keys))
    data[40] ^= 1
    with pytest.raises(BundleError):  # a typed refusal, whatever byte was hit
        apply_enrollment_response(vault, bytes(data), fp)
    with pytest.raises(ServerKeyUntrusted):
        apply_enrollment_response(vault, enrollment_response_for(vault, server_keys), expected_server_fingerprint="AAAA-BBBB")
    assert server_info(vault) is None


def test_rotation_only_when_signed_by_the_pinned_key(enrolled, server_keys):
    old = server_info(enrolled)
    rotated = server_keys.rotate(issued_at=utc(datetime.now(timezone.utc) + timedelta(seconds=5)))
    now = utc(datetime.now(timezone.utc))
    status = make_status(server_keys=rotated, device_id=enrolled.device_id, revoked=False,
                         lease_until=utc(datetime.now(timezone.utc) + timedelta(days=30)), server_time=now)
    assert apply_status(enrolled, status) == "ok"
    assert server_info(enrolled).key_id == rotated.current.key_id != old.key_id
    # another server (other signing keys) cannot push its key, nor speak for ours
    impostor = ServerKeys.generate()
    fake = make_status(server_keys=impostor, device_id=enrolled.device_id, revoked=True,
                       lease_until=now, server_time=now)
    with pytest.raises(StatusNotFromServer):
        apply_status(enrolled, fake)
    assert server_info(enrolled).key_id == rotated.current.key_id
    assert not enrolled.meta("sync.revoked")
    # a re-enrollment response from other signing keys is refused too
    with pytest.raises(ServerKeyUntrusted):
        apply_enrollment_response(enrolled, enrollment_response_for(enrolled, impostor))


def test_lease_states_follow_the_server(enrolled, server_keys):
    now = datetime.now(timezone.utc)

    def status(days: float) -> bytes:
        return make_status(server_keys=server_keys, device_id=enrolled.device_id, revoked=False,
                           lease_until=utc(now + timedelta(days=days)), server_time=utc(now))

    assert apply_status(enrolled, status(30)) == "ok"
    assert apply_status(enrolled, status(3)) == "expiring"
    apply_status(enrolled, status(0.5))
    assert lease_state(enrolled, now=now + timedelta(days=1)) == "expired"
    assert lease_state(enrolled) == "expiring"


def test_unenrolled_device_works_offline(vault):
    assert lease_state(vault) == "ok" and not identity(vault).enrolled


def test_revoked_status_locks_the_vault(enrolled, server_keys, home):
    now = utc(datetime.now(timezone.utc))
    revoked = make_status(server_keys=server_keys, device_id=enrolled.device_id, revoked=True,
                          lease_until=now, server_time=now)
    with pytest.raises(DeviceRevoked):
        apply_status(enrolled, revoked)
    assert [e.action for e in enrolled.audit.entries()][-1] == "device_revoked"
    enrolled.close()
    with pytest.raises(DeviceRevoked) as exc:
        Vault.open(home, "oficial.prueba", PASSPHRASE)
    assert exc.value.params["device_id"]
