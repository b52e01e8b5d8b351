"""A stick another server processed: the laptop says so (not "no receipts, has the office
imported the stick?"), in the core error the command line and the desktop both word; and a
missing enrollment response says to ask the office whether the laptop was approved.
FICTIONAL data."""

from __future__ import annotations

from datetime import timedelta

import pytest

from intake_app import i18n
from intake_app.bundle import ServerKeys
from intake_app.bundle.status import StatusMalformed, make_status
from intake_app.sync import state
from intake_app.sync.enroll import find_response
from intake_app.sync.errors import NoEnrollmentResponse, NoReceipts, StickOtherServer
from intake_app.sync.usb import RECEIPTS_DIR, STATUS_NAME, import_receipts

from .test_cli import run


def _status(keys: ServerKeys, device_id: str) -> bytes:
    now = state.utc_now()
    return make_status(server_keys=keys, device_id=device_id, revoked=False,
                       lease_until=state.iso(now + timedelta(days=30)), server_time=state.iso(now))


def _put_status(stick, device_id: str, data: bytes) -> None:
    folder = stick / RECEIPTS_DIR / device_id
    folder.mkdir(parents=True)
    (folder / STATUS_NAME).write_bytes(data)


def test_a_stick_another_server_processed_is_said_so_and_changes_nothing(enrolled, stick):
    _put_status(stick, enrolled.device_id, _status(ServerKeys.generate(), enrolled.device_id))
    pinned, lease = state.server_info(enrolled), state.lease_until(enrolled)
    with pytest.raises(StickOtherServer) as exc:
        import_receipts(enrolled, stick)
    assert exc.value.params == {"device_id": enrolled.device_id}
    es, en = i18n.describe_error(exc.value, "es"), i18n.describe_error(exc.value, "en")
    assert "un servidor distinto" in es and "inscrito este equipo" in es and "¿Ya importó" not in es
    assert "a different server" in en and "enrolled with" in en
    assert state.server_info(enrolled) == pinned and state.lease_until(enrolled) == lease
    assert not state.is_revoked(enrolled)


def test_a_damaged_status_is_said_and_no_status_at_all_is_no_receipts(enrolled, stick, tmp_path):
    _put_status(stick, enrolled.device_id, b"\x89ITKT\r\n\x1a" + b"\x00" * 40)
    with pytest.raises(StatusMalformed):
        import_receipts(enrolled, stick)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(NoReceipts):
        import_receipts(enrolled, empty)


def test_the_command_line_words_the_other_server(enrolled, home, passphrase_file, stick, capsys):
    _put_status(stick, enrolled.device_id, _status(ServerKeys.generate(), enrolled.device_id))
    enrolled.close()
    code, _, err = run(capsys, "--home", home, "--passphrase-file", passphrase_file, "sync", "receipts",
                       "--from", stick)
    assert code == 2 and "un servidor distinto" in err and "no tiene recibos" not in err


def test_no_enrollment_response_says_to_ask_the_office_about_the_approval(vault, stick):
    with pytest.raises(NoEnrollmentResponse) as exc:
        find_response(vault, stick)
    es, en = i18n.describe_error(exc.value, "es"), i18n.describe_error(exc.value, "en")
    assert "Pregunte en la oficina si ya aprobaron este equipo" in es
    assert "Ask the office whether this laptop has been approved" in en
