"""What ``sync receipts`` tells of the bundles still without a receipt (review of the USB round
trip under faults): a receipt on the stick that was refused (cut short, unreadable, a flipped
bit) is not "the office did not store it" but a damaged receipt to have written again; a
flipped bit is damaged, a whole receipt signed by other keys is still "not signed by this
laptop's server"; and a laptop clock behind the server's does not turn "not imported yet" into
"not stored". FICTIONAL data."""

from __future__ import annotations

import errno
from datetime import timedelta

import pytest

from intake_app import i18n
from intake_app.bundle import ServerKeys
from intake_app.bundle.status import make_status
from intake_app.bundle.errors import ReceiptMalformed, ReceiptNotFromServer
from intake_app.sync import state, usb
from intake_app.sync.usb import RECEIPTS_DIR, STATUS_NAME, export_to, import_receipts, receipt_name, waiting_words
from tests.conftest import load_sample

from .helpers import MiniServer


def _status_at(keys: ServerKeys, device_id: str, at) -> bytes:
    """The office's signed status, as if it read the stick at ``at`` (the server's clock)."""
    return make_status(server_keys=keys, device_id=device_id, revoked=False,
                       lease_until=state.iso(at + timedelta(days=30)), server_time=state.iso_precise(at))


def _office_reads(stick, vault, mini: MiniServer, keys: ServerKeys, at=None) -> list[int]:
    """The office imports the stick (receipts) and leaves its status, signed a little later."""
    stored = mini.import_stick(stick)
    folder = stick / RECEIPTS_DIR / vault.device_id
    folder.mkdir(parents=True, exist_ok=True)
    (folder / STATUS_NAME).write_bytes(_status_at(keys, vault.device_id, at or state.utc_now() + timedelta(seconds=5)))
    return stored


def _receipt(stick, vault, sequence: int = 1):
    return stick / RECEIPTS_DIR / vault.device_id / receipt_name(sequence)


def _flip(path, pos: int) -> None:
    data = bytearray(path.read_bytes())
    data[pos] ^= 1
    path.write_bytes(bytes(data))


@pytest.fixture
def stored_once(enrolled, mini, server_keys, stick):
    """One case exported, stored by the office, its receipt and the status on the stick."""
    enrolled.save_case(load_sample("intake-adult-woman"))
    export_to(enrolled, stick)
    assert _office_reads(stick, enrolled, mini, server_keys) == [1]
    return enrolled


def _words(report, lang="es") -> str:
    return "\n".join(waiting_words(report, export="Exportar lotes a USB…", lang=lang))


def test_a_receipt_cut_short_is_a_damaged_receipt_not_an_unstored_bundle(stored_once, stick):
    path = _receipt(stick, stored_once)
    path.write_bytes(path.read_bytes()[:-200])
    report = import_receipts(stored_once, stick)
    assert report.waiting == (1,) and report.unstored == () and report.damaged == (1,) and report.not_read == ()
    assert isinstance(report.refused[0][1], ReceiptMalformed)
    words = _words(report)
    assert "no guardó" not in words and "aún no importó" not in words
    assert "1 lote tiene recibo en la memoria (1)" in words and "Vuelva a importar la memoria en la oficina" in words
    assert "import the stick again" in _words(report, "en")


def test_a_receipt_the_stick_cannot_read_is_damaged_too(stored_once, stick, monkeypatch):
    real = usb.read_plain

    def eio(path, limit=None):
        if str(path).endswith(".receipt"):
            raise OSError(errno.EIO, "Input/output error")
        return real(path, limit)
    monkeypatch.setattr(usb, "read_plain", eio)
    report = import_receipts(stored_once, stick)
    assert report.unstored == () and report.damaged == (1,)
    assert "no guardó" not in _words(report)


def test_a_flipped_bit_in_a_signature_is_damaged(stored_once, stick):
    path = _receipt(stick, stored_once)
    _flip(path, len(path.read_bytes()) - 100)  # in the ML-DSA signature: the Ed25519 one still holds
    report = import_receipts(stored_once, stick)
    err = report.refused[0][1]
    assert isinstance(err, ReceiptMalformed) and report.damaged == (1,) and report.unstored == ()
    text = i18n.describe_error(err, "es")
    assert "dañado" in text and "no está firmado por el servidor" not in text
    assert state.is_enrolled(stored_once) and stored_once.count_cases("WHERE sync_state = 'delivered'") == 0


def test_a_flipped_bit_that_breaks_a_field_is_damaged(stored_once, stick):
    path = _receipt(stick, stored_once)
    data = path.read_bytes()
    _flip(path, data.index(b"stored") + 1)  # "stored" becomes a status no receipt has: both signatures fail
    report = import_receipts(stored_once, stick)
    err = report.refused[0][1]
    assert isinstance(err, ReceiptMalformed) and err.params["part"] == "status" and report.damaged == (1,)
    assert "no está firmado" not in i18n.describe_error(err, "es")


def test_a_whole_receipt_signed_by_other_keys_is_still_not_our_servers(stored_once, stick):
    from intake_app.bundle import make_receipt, read_receipt

    path = _receipt(stick, stored_once)
    good = read_receipt(path.read_bytes())
    path.write_bytes(make_receipt(server_signing=ServerKeys.generate().signing, bundle_hash=good.bundle_hash,
                                  device_id=good.device_id, sequence=good.sequence, revision_ids=good.revision_ids,
                                  audit_seqs=good.audit_seqs, received_at=good.received_at, status=good.status))
    report = import_receipts(stored_once, stick)
    err = report.refused[0][1]
    assert isinstance(err, ReceiptNotFromServer) and "no está firmado por el servidor" in i18n.describe_error(err, "es")
    # its own line says what to do: neither "not stored", nor "damaged", nor "not imported yet"
    assert report.unstored == () and report.damaged == () and report.not_read == () and _words(report) == ""


def test_a_bundle_the_office_read_and_did_not_store_is_still_said_so(enrolled, server_keys, stick):
    enrolled.save_case(load_sample("intake-adult-woman"))
    export_to(enrolled, stick)
    folder = stick / RECEIPTS_DIR / enrolled.device_id
    folder.mkdir(parents=True)
    later = state.utc_now() + timedelta(seconds=5)
    (folder / STATUS_NAME).write_bytes(_status_at(server_keys, enrolled.device_id, later))
    report = import_receipts(enrolled, stick)  # read after the export, no receipt: refused there
    assert report.unstored == (1,) and report.damaged == () and "no guardó 1 lote" in _words(report)


def _behind(vault, sequence: int, by: timedelta) -> None:
    """The bundle left when this laptop's clock read ``by`` less than the server's."""
    (sent_at,) = vault.conn.execute("SELECT sent_at FROM sync_outbox WHERE sequence = ?", (sequence,)).fetchone()
    vault.conn.execute("UPDATE sync_outbox SET sent_at = ? WHERE sequence = ?",
                       (state.iso_precise(state.parse_time(sent_at) - by), sequence))


def test_a_laptop_clock_behind_does_not_make_a_new_bundle_unstored(stored_once, stick):
    import_receipts(stored_once, stick)  # 1 delivered; the status stays on the stick
    stored_once.save_case(load_sample("intake-no-indications"))
    export_to(stored_once, stick)  # 2, after the office's read
    _behind(stored_once, 2, timedelta(hours=3))
    report = import_receipts(stored_once, stick)
    assert report.waiting == (2,) and report.unstored == () and report.not_read == (2,)
    words = _words(report)
    assert "1 lote sigue esperando recibo (2): la oficina aún no importó" in words and "no guardó" not in words


def test_an_export_from_before_the_mark_is_judged_by_the_clock_offset(stored_once, stick):
    """A laptop that has not exported since ``K_EXPORT_SEEN`` was kept: its bundle's sent_at,
    corrected by the clock offset learnt from the server."""
    import_receipts(stored_once, stick)
    stored_once.save_case(load_sample("intake-no-indications"))
    export_to(stored_once, stick)
    stored_once.conn.execute("DELETE FROM meta WHERE key = ?", (usb.K_EXPORT_SEEN,))
    _behind(stored_once, 2, timedelta(hours=3))
    assert import_receipts(stored_once, stick).unstored == (2,)  # no offset known: the raw clock, as before
    stored_once.set_meta(state.K_CLOCK_OFFSET, str(4 * 3600))  # this clock runs 4 h behind the server's
    assert import_receipts(stored_once, stick).unstored == ()


def test_the_command_line_says_the_same_words(stored_once, stick, passphrase_file, capsys):
    from intake_app.cli import main

    path = _receipt(stick, stored_once)
    path.write_bytes(path.read_bytes()[:-200])
    home = stored_once.home
    stored_once.close()  # the command line opens it itself
    try:
        code = main(["--home", str(home), "--passphrase-file", str(passphrase_file), "sync", "receipts",
                     "--from", str(stick)])
    finally:
        i18n.set_language("es")
    out = capsys.readouterr()
    assert code == 2 and "no guardó" not in out.out
    assert "1 lote tiene recibo en la memoria (1)" in out.out
    assert "Vuelva a importar la memoria en la oficina" in out.out
