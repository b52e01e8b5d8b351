"""The sync and device commands, end to end in-process: Spanish messages, typed errors
worded for a person, exit codes."""

from __future__ import annotations

import re

import pytest

from intake_app.cli import main
from intake_app.sync.usb import RECEIPTS_DIR, receipt_name
from intake_app.vault import Vault
from tests.conftest import PASSPHRASE, load_sample


def run(capsys, *args) -> tuple[int, str, str]:
    from intake_app import i18n

    i18n.set_language("es")  # other tests may have left another language set
    try:
        code = main([*map(str, args)])
    except SystemExit as exc:
        code = exc.code
    finally:
        from intake_app import i18n

        i18n.set_language("es")  # --lang is process-wide
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def cli_home(enrolled, home):
    enrolled.save_case(load_sample("intake-adult-woman"))
    enrolled.save_case(load_sample("intake-no-indications"))
    return home


def test_status_export_receipts_purge(cli_home, passphrase_file, stick, mini, capsys, enrolled):
    base = ["--home", cli_home, "--passphrase-file", passphrase_file]
    enrolled.close()
    code, out, _ = run(capsys, *base, "sync", "status")
    assert code == 0 and "2 pendientes" in out and "Plazo sin conexión hasta el " in out
    assert re.search(r"hasta el \d\d/\d\d/\d{4} \d\d:\d\d \(UTC[+−]\d\d:\d\d\) \(vigente\)", out), out
    code, out, _ = run(capsys, *base, "sync", "export", "--to", stick)
    assert code == 0 and "1 lote escrito" in out
    code, out, _ = run(capsys, *base, "--lang", "en", "sync", "export", "--to", stick)
    assert code == 0 and "1 bundle written (0 new" in out
    mini.import_stick(stick)
    code, out, _ = run(capsys, *base, "sync", "receipts", "--from", stick)
    assert code == 0 and "1 recibo aceptado (2 revisiones entregadas)" in out
    with Vault.open(cli_home, "oficial.prueba", PASSPHRASE) as v:
        first, second = [c.case_id for c in v.list_cases()]
    code, out, _ = run(capsys, *base, "sync", "purge", "--case", first, "--case", "NO-SUCH-CASE", "--yes")
    assert code == 0 and "borrados de 1 caso " in out and "1 caso se conserva completo" in out  # the unknown one is kept
    with Vault.open(cli_home, "oficial.prueba", PASSPHRASE) as v:
        purged = {r[0] for r in v.conn.execute("SELECT r.case_id FROM purged_revisions p"
                                               " JOIN revisions r USING (revision_id)")}
    assert purged == {first}
    code, out, _ = run(capsys, *base, "sync", "purge", "--yes")  # then the rest
    assert code == 0 and "borrados de 1 caso " in out
    with Vault.open(cli_home, "oficial.prueba", PASSPHRASE) as v:
        assert {r[0] for r in v.conn.execute("SELECT r.case_id FROM purged_revisions p"
                                             " JOIN revisions r USING (revision_id)")} == {first, second}
    code, out, _ = run(capsys, *base, "sync", "purge", "--yes")
    assert code == 0 and "No hay casos" in out
    code, out, _ = run(capsys, *base, "device", "show")
    assert code == 0 and "Huella:" in out and "Servidor:" in out and "(llave " in out
    assert "T" not in out.split("Plazo sin conexión hasta el ")[1].split("(")[0]  # no raw ISO stamp


def test_errors_are_worded_and_exit_nonzero(cli_home, passphrase_file, tmp_path, stick, mini, capsys, enrolled):
    base = ["--home", cli_home, "--passphrase-file", passphrase_file]
    enrolled.close()
    code, _, err = run(capsys, *base, "sync", "export", "--to", tmp_path / "nope")
    assert code == 2 and "No se encuentra la carpeta" in err
    code, _, err = run(capsys, *base, "sync", "receipts", "--from", stick)
    assert code == 2 and "no tiene recibos" in err
    run(capsys, *base, "sync", "export", "--to", stick)
    mini.import_stick(stick)
    bad = stick / RECEIPTS_DIR / enrolled.device_id / receipt_name(1)
    data = bytearray(bad.read_bytes())
    data[-3] ^= 1
    bad.write_bytes(bytes(data))
    code, out, err = run(capsys, *base, "sync", "receipts", "--from", stick)
    assert code == 2 and "1 rechazado" in out and "00000001.receipt" in err


def test_not_enrolled_and_enroll_request(vault, home, passphrase_file, stick, capsys):
    vault.save_case(load_sample("intake-adult-woman"))
    vault.close()
    base = ["--home", home, "--passphrase-file", passphrase_file]
    code, _, err = run(capsys, *base, "sync", "export", "--to", stick)
    assert code == 2 and "no está inscrito" in err
    code, out, _ = run(capsys, *base, "device", "enroll-request", "--to", stick, "--post", "cr_paso_canoas")
    assert code == 0 and "Huella para leer" in out
    code, out, _ = run(capsys, *base, "device", "show")
    assert "Equipo no inscrito en el servidor." in out
    code, _, err = run(capsys, *base, "sync", "push", "--server", "http://127.0.0.1:9")
    assert code == 2 and "no está inscrito" in err


def test_unreachable_server_message(cli_home, passphrase_file, capsys, enrolled):
    from .conftest import free_port

    enrolled.close()
    base = ["--home", cli_home, "--passphrase-file", passphrase_file]
    code, _, err = run(capsys, *base, "sync", "push", "--server", f"http://127.0.0.1:{free_port()}")
    assert code == 2 and "No se pudo contactar al servidor" in err



def test_every_sync_error_has_a_message_in_both_languages():
    from intake_app import i18n
    from intake_app.sync import errors

    classes = [c for c in vars(errors).values() if isinstance(c, type) and issubclass(c, errors.SyncError)]
    assert len(classes) > 10
    for lang in ("es", "en"):
        cat = i18n.catalog(lang)
        assert sorted(c.code for c in classes if f"error.{c.code}" not in cat) == [], lang
    for action in ("sync_bundle_built", "sync_sent", "sync_receipt", "sync_export", "sync_receipts_import",
                   "sync_push", "sync_server_key", "device_revoked", "enroll_request", "enroll_import", "case_purge"):
        assert f"audit.{action}" in i18n.catalog("es") and f"audit.{action}" in i18n.catalog("en")


def test_enroll_online_then_push(vault, home, passphrase_file, real_server, capsys):
    """``intake sync enroll``: the request goes to a real server on loopback; until an
    administrator approves, the command says so with the laptop's fingerprint; run again
    after approval it pins the server and the laptop can push."""
    from intake_app.server import devices

    vault.save_case(load_sample("intake-adult-woman"))
    device_id = vault.device_id
    vault.close()
    base = ["--home", home, "--passphrase-file", passphrase_file]
    enroll = [*base, "sync", "enroll", "--server", real_server.url, "--post", "cr_paso_canoas", "--label", "turno-demo"]
    for _ in range(2):  # asking again while pending sends nothing new
        code, out, _ = run(capsys, *enroll)
        assert code == 0 and "Solicitud de inscripción enviada" in out and "Huella de este equipo" in out
    assert _rows(real_server, "SELECT device_id FROM devices WHERE status = 'pending'") == [(device_id,)]
    devices.approve(real_server.engine, real_server.keystore, device_id, actor="test", lease_days=30)
    code, out, _ = run(capsys, *enroll, "--server-fingerprint",
                       real_server.keystore.keys().public_info().fingerprint())
    assert code == 0 and "Equipo inscrito" in out and "Plazo sin conexión hasta el " in out
    assert re.search(r"hasta el \d\d/\d\d/\d{4} \d\d:\d\d \(UTC[+−]\d\d:\d\d\)\.", out), out  # not raw ISO
    assert real_server.keystore.keys().signing_public.fingerprint() in out
    code, out, err = run(capsys, *base, "sync", "push", "--server", real_server.url)
    assert code == 0, err
    assert len(_rows(real_server, "SELECT revision_id FROM revisions")) == 1


def _rows(server, sql: str) -> list[tuple]:
    from sqlalchemy import text

    with server.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql))]


def test_case_add_waits_for_a_sync_past_the_lease(cli_home, passphrase_file, tmp_path, capsys, enrolled):
    """As in the desktop app: past the offline lease, no new intake until the laptop syncs;
    editing a saved case goes on. (The CLI saved new cases regardless.)"""
    import json

    from intake_app.sync import state

    case_id = enrolled.save_case(load_sample("intake-adult-woman")).case_id
    enrolled.set_meta(state.K_LEASE_UNTIL, "2020-01-01T00:00:00+00:00")
    before = len(enrolled.list_cases())
    enrolled.close()
    record = tmp_path / "ficticio.json"
    record.write_text(json.dumps(load_sample("intake-adult-woman")), encoding="utf-8")
    base = ["--home", cli_home, "--passphrase-file", passphrase_file]
    code, out, err = run(capsys, *base, "case", "add", "--json", record)
    assert code == 2 and out == "" and "El plazo sin conexión de este equipo venció" in err
    code, out, _ = run(capsys, *base, "case", "edit", case_id, "--json", record)
    assert code == 0 and out.strip()
    with Vault.open(cli_home, "oficial.prueba", PASSPHRASE) as v:
        assert len(v.list_cases()) == before
