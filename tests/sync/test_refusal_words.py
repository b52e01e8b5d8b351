"""What the server or a file refuses is worded for the field officer: never an HTTP status,
the server's code, or the part of a file that failed (those go to the log). FICTIONAL data."""

from __future__ import annotations

import pytest

from intake_app import i18n
from intake_app.bundle.errors import EnrollmentMalformed, ReceiptMalformed, ServerKeyUntrusted
from intake_app.sync.errors import ServerBusy, ServerProtocolError, ServerRefused
from tests.conftest import load_sample

from .test_cli import run

RAW = ("403", "404", "(código", "(code", "motivo", "reason", "parte", "part:", "device_unknown", "not_found",
       "magic", "fingerprint)")

# every code a device endpoint of the server may answer with (api_device.py, bundle ingest);
# device_revoked and enrollment_queue_full have errors of their own
DEVICE_CODES = (
    "bundle_chain_broken", "bundle_decompression_limit", "bundle_fork", "bundle_invalid", "bundle_malformed",
    "bundle_not_a_bundle", "bundle_payload_malformed", "bundle_revision_hash_mismatch", "bundle_revision_invalid",
    "bundle_revision_reused", "bundle_signature_incomplete", "bundle_tampered", "bundle_truncated",
    "bundle_version_too_new", "bundle_wrong_server", "device_already_enrolled", "device_audit_broken",
    "device_pending", "device_refused", "device_signature_required", "device_unknown", "enrollment_malformed",
    "enrollment_signature_invalid", "method_not_allowed", "not_found", "request_malformed", "unknown",
    "unsupported_content_type", "upload_too_large")


def _clean(text: str) -> None:
    assert [w for w in RAW if w in text] == [], text


@pytest.mark.parametrize("lang", ["es", "en"])
def test_every_device_refusal_has_the_devices_own_words(lang):
    cat = i18n.catalog(lang)
    assert [c for c in DEVICE_CODES if f"error.sync_server_refused.{c}" not in cat] == []
    for code in DEVICE_CODES:
        _clean(i18n.describe_error(ServerRefused(status=403, reason=code), lang))
    general = i18n.describe_error(ServerRefused(status=418, reason="algo_nuevo"), lang)
    assert general == i18n.t("error.sync_server_refused", lang)
    _clean(general)
    _clean(i18n.describe_error(ServerBusy(status=503, reason="busy"), lang))
    _clean(i18n.describe_error(ServerProtocolError(part="receipts"), lang))


def test_each_part_and_reason_is_worded():
    assert "no es un archivo de inscripción" in i18n.describe_error(EnrollmentMalformed(part="magic"), "es")
    assert "incompleto" in i18n.describe_error(ReceiptMalformed(part="truncated"), "es")
    assert "formato 9" in i18n.describe_error(EnrollmentMalformed(part="version", found=9, supported=1), "es")
    _clean(i18n.describe_error(EnrollmentMalformed(part="officer_labels"), "es"))
    for reason in ("fingerprint", "malformed", "older", "signature", "signing_key", "nuevo"):
        for lang in ("es", "en"):
            _clean(i18n.describe_error(ServerKeyUntrusted(reason=reason), lang))


def test_push_to_a_server_that_does_not_know_the_laptop(enrolled, home, passphrase_file, real_server, capsys):
    """The laptop is enrolled with another server (the fictional keys of the fixtures): the
    real server answers 403 device_unknown, and at a wrong address 404 not_found."""
    enrolled.save_case(load_sample("intake-adult-woman"))
    enrolled.close()
    base = ["--home", home, "--passphrase-file", passphrase_file]
    code, _, err = run(capsys, *base, "sync", "push", "--server", real_server.url)
    assert code == 2 and "este equipo no está inscrito en ese servidor" in err
    _clean(err)
    code, _, err = run(capsys, *base, "sync", "push", "--server", real_server.url + "/nada")
    assert code == 2 and "compruebe la dirección del servidor" in err
    _clean(err)


def test_wrong_fingerprint_and_wrong_enrollment_file(vault, home, passphrase_file, real_server, tmp_path, capsys):
    from intake_app.server import devices

    device_id = vault.device_id
    vault.close()
    base = ["--home", home, "--passphrase-file", passphrase_file]
    enroll = [*base, "sync", "enroll", "--server", real_server.url, "--post", "cr_paso_canoas"]
    assert run(capsys, *enroll)[0] == 0
    devices.approve(real_server.engine, real_server.keystore, device_id, actor="test", lease_days=30)
    code, _, err = run(capsys, *enroll)  # approved, but the first server only on the administrator's word
    assert code == 2 and "necesita la huella del servidor" in err and "--server-fingerprint" in err
    _clean(err)
    code, _, err = run(capsys, *enroll, "--server-fingerprint", "AAAA-BBBB")
    assert code == 2 and "no es una huella de servidor" in err  # not even the shape of one
    code, _, err = run(capsys, *enroll, "--server-fingerprint", "AAAA-BBBB-CCCC-DDDD-EEEE")
    assert code == 2 and "La huella del servidor no coincide con la que leyó el administrador" in err
    _clean(err)
    wrong = tmp_path / "no-es-respuesta.txt"
    wrong.write_text("frase ficticia, no una respuesta\n", encoding="utf-8")
    code, _, err = run(capsys, *base, "device", "enroll-import", wrong)  # nothing pinned yet: the fingerprint first
    assert code == 2 and "necesita la huella del servidor" in err and "--server-fingerprint" in err
    _clean(err)
    code, _, err = run(capsys, *base, "device", "enroll-import", wrong, "--server-fingerprint",
                       real_server.keystore.keys().public_info().fingerprint())
    assert code == 2 and "Este archivo no es un archivo de inscripción" in err
    _clean(err)
