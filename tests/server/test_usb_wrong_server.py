"""A copy of another office's stick imported here: its bundles are refused as sealed for
another server (not "pending, approve it"), its requests are listed with a warning to compare
the fingerprint in person, and that server's enrollment response (and status) on the stick is
never overwritten, by ``device approve --dir`` nor by ``import``. FICTIONAL data."""

from __future__ import annotations

from datetime import timedelta

import pytest

from intake_app import i18n
from intake_app.bundle.enrollment import make_enrollment_response, parse_and_verify_request
from intake_app.bundle.errors import BundleWrongServer, UnknownDevice
from intake_app.bundle.serverkeys import ServerKeys
from intake_app.server import devices
from intake_app.server.errors import DevicePending, EnrollmentResponseOtherServer
from intake_app.server.usb import check_response_slot, write_enrollment_response

from .test_cli import cli
from .test_usb_import import put, run


def response_from(keys: ServerKeys, request: bytes, minutes: int = 0) -> bytes:
    now = devices.utcnow() - timedelta(minutes=minutes)
    return make_enrollment_response(parse_and_verify_request(request), server_keys=keys, approved_at=devices.iso(now),
                                    lease_until=devices.iso(now + timedelta(days=30)))


@pytest.fixture
def other_office(device_factory, tmp_path):
    """Another server enrolled a laptop by stick (request, its response) and the laptop put two
    bundles for it on the stick: the stick as a copy of it reaches this server."""
    keys = ServerKeys.generate()
    dev = device_factory("lap-otra")
    request = dev.enrollment_request()
    response = response_from(keys, request)
    dev.accept_response(response)
    stick = tmp_path / "stick"
    enroll = stick / "intake-enroll"
    enroll.mkdir(parents=True)
    (enroll / f"{dev.device_id}.request").write_bytes(request)
    (enroll / f"{dev.device_id}.response").write_bytes(response)
    for seq in (1, 2):
        put(stick, dev, seq, dev.new_bundle(1)[0])
    return dev, stick, request, response


def test_bundles_for_another_server_are_refused_as_such_and_the_request_is_flagged(srv, other_office, tmp_path,
                                                                                  capsys):
    dev, stick, request, response = other_office
    summary = run(srv, stick)
    refused = [i for i in summary.items if i.file.startswith("intake-bundles/")]
    assert [(i.outcome, i.code, i.params.get("reason")) for i in refused] == \
        [("refused", "bundle_wrong_server", "other_server")] * 2
    words = i18n.describe_code(refused[0].code, refused[0].params, "es")
    assert "cifrado para otro servidor" in words and "apruébelo" not in words
    assert summary.enrollments == [(dev.device_id, dev.keys.public().fingerprint(), "pending_other_server")]
    assert (stick / "intake-enroll" / f"{dev.device_id}.response").read_bytes() == response
    assert not (stick / "intake-receipts").exists()
    # what the clerk reads: no "approve it", a warning on the request
    assert cli(srv, tmp_path, "import", str(stick)) == 3
    out = capsys.readouterr().out
    assert "encrypted for another server" in out and "in person before approving" in out
    assert i18n.t("error.device_pending", "en", device_id=dev.device_id) not in out


def test_the_key_check_comes_before_pending_and_unknown(srv, device_factory):
    here = device_factory()
    devices.register_request(srv.engine, here.enrollment_request(), source="test")
    here.server = srv.keystore.keys().public_info()
    with pytest.raises(DevicePending):  # sealed for this server: waiting for approval, as before
        srv.ingestor().ingest(here.new_bundle(1)[0])
    with pytest.raises(BundleWrongServer) as exc:
        srv.ingestor().ingest(here.bundle([here.revision()], sequence=1, server=ServerKeys.generate().public_info()))
    assert exc.value.params["reason"] == "other_server"
    stranger = device_factory("lap-ajeno")
    stranger.server = ServerKeys.generate().public_info()
    with pytest.raises(BundleWrongServer) as exc:  # another server's laptop: not "enrol it here"
        srv.ingestor().ingest(stranger.new_bundle(1)[0])
    assert exc.value.params["reason"] == "other_server"
    stranger.server = srv.keystore.keys().public_info()
    with pytest.raises(UnknownDevice):  # sealed for this server by a laptop it never saw: unknown
        srv.ingestor().ingest(stranger.bundle([stranger.revision()], sequence=1))


def test_approve_with_dir_never_overwrites_another_servers_response(srv, other_office, tmp_path, capsys):
    dev, stick, _, response = other_office
    run(srv, stick)  # the request is now pending here
    capsys.readouterr()
    assert cli(srv, tmp_path, "device", "approve", dev.device_id, "--dir", str(stick),
               "--fingerprint", dev.keys.public().fingerprint()) != 0
    err = capsys.readouterr().err
    assert "another server's enrollment response" in err and dev.device_id in err
    assert (stick / "intake-enroll" / f"{dev.device_id}.response").read_bytes() == response
    with pytest.raises(EnrollmentResponseOtherServer) as exc:
        check_response_slot(stick, dev.device_id, srv.keystore.keys().signing_public)
    assert exc.value.params == {"device_id": dev.device_id, "reason": "approve"}
    assert "No se aprobó el equipo aquí" in i18n.describe_error(exc.value, "es")


def test_this_servers_own_response_or_a_damaged_one_is_rewritten(srv, device_factory, tmp_path):
    dev = device_factory()
    request = dev.enrollment_request()
    keys = srv.keystore.keys()
    stick = tmp_path / "stick"
    stick.mkdir()
    target = stick / "intake-enroll" / f"{dev.device_id}.response"
    earlier, later = response_from(keys, request, minutes=5), response_from(keys, request)
    assert earlier != later
    write_enrollment_response(stick, dev.device_id, earlier)
    assert write_enrollment_response(stick, dev.device_id, later) == target and target.read_bytes() == later
    target.write_bytes(b"\x89ITKS\r\n\x1adamaged")
    write_enrollment_response(stick, dev.device_id, earlier)
    assert target.read_bytes() == earlier
    check_response_slot(stick, dev.device_id, keys.signing_public)  # ours: nothing to refuse
    foreign = response_from(ServerKeys.generate(), request)
    target.write_bytes(foreign)
    with pytest.raises(EnrollmentResponseOtherServer) as exc:
        write_enrollment_response(stick, dev.device_id, later)
    assert exc.value.params["reason"] == "stick" and target.read_bytes() == foreign


def test_import_keeps_another_servers_response_and_status_for_a_laptop_active_here(srv, other_office):
    dev, stick, request, response = other_office
    devices.register_request(srv.engine, request, source="test")  # approved here too, by mistake
    devices.approve(srv.engine, srv.keystore, dev.device_id, actor="test", lease_days=30)
    status = stick / "intake-receipts" / dev.device_id / "status.msgpack"
    status.parent.mkdir(parents=True)
    status.write_bytes(b"the other server's status (FICTIONAL stand-in)")
    summary = run(srv, stick)
    got = {i.file: (i.outcome, i.code, i.params.get("reason")) for i in summary.items}
    assert got[f"intake-enroll/{dev.device_id}.response"] == ("refused", "enrollment_response_other_server",
                                                               "import")
    assert (stick / "intake-enroll" / f"{dev.device_id}.response").read_bytes() == response
    assert status.read_bytes() == b"the other server's status (FICTIONAL stand-in)"
    assert summary.responses_written == [] and summary.statuses == []

def test_approve_with_dir_refused_approves_nothing(srv, other_office, tmp_path, capsys):
    dev, stick, _, response = other_office
    run(srv, stick)  # the request is now pending here
    assert cli(srv, tmp_path, "device", "approve", dev.device_id, "--dir", str(stick),
               "--fingerprint", dev.keys.public().fingerprint()) != 0
    assert "was not approved here" in capsys.readouterr().err
    assert devices.device_info(srv.engine, dev.device_id).status == "pending"
    assert (stick / "intake-enroll" / f"{dev.device_id}.response").read_bytes() == response
