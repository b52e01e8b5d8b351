"""The laptop's side of the USB round trip (review): an export after receipts and purge that
carries only the audit log says so (as ``sync push`` does); ``sync receipts`` says which
bundles still wait for a receipt, told apart as refused by an office that read the stick or
not read yet; and a laptop the office does not know is told so, not asked whether the office
imported the stick. The real server's ``import_dir``, the real vault. FICTIONAL data."""

from __future__ import annotations

import pytest

from intake_app import i18n
from intake_app.cli import main
from intake_app.sync.usb import BUNDLES_DIR
from intake_app.vault import Vault
from tests.conftest import PASSPHRASE, load_sample

pytest.importorskip("fastapi")


def _server(home):
    from intake_app.bundle.serverkeys import KdfParams
    from intake_app.server.db import make_engine
    from intake_app.server.setup import init_server

    settings, keystore = init_server(home, db_url=None, passphrase="frase del operador ficticia",
                                     admin_username="admin", admin_password="clave-admin-ficticia-1",
                                     kdf=KdfParams(memory_kib=1024, iterations=1))
    return make_engine(settings.db_url), keystore


def _import(server, stick):
    from intake_app.server.ingest import Ingestor
    from intake_app.server.usb import import_dir

    engine, keystore = server
    return import_dir(engine, Ingestor(engine, keystore), keystore, stick, lease_days=30)


@pytest.fixture
def office(tmp_path, passphrase_file):
    """A real server and a laptop enrolled with it by stick; ``run`` is the laptop's command line."""
    from intake_app.server import devices
    from intake_app.sync import import_enrollment_response, write_enrollment_request

    server = _server(tmp_path / "server")
    stick = tmp_path / "stick"
    stick.mkdir()
    home = tmp_path / "laptop"
    with Vault.create(home, "oficial.prueba", PASSPHRASE) as vault:
        write_enrollment_request(vault, stick, "cr_paso_canoas")
        _import(server, stick)
        devices.approve(server[0], server[1], vault.device_id, actor="test", lease_days=30)
        _import(server, stick)
        import_enrollment_response(vault, stick, server[1].keys().public_info().fingerprint())
        vault.save_case(load_sample("intake-adult-woman"))
        device_id = vault.device_id

    def run(capsys, *args) -> tuple[int, str, str]:
        try:
            code = main(["--home", str(home), "--passphrase-file", str(passphrase_file), *map(str, args)])
        finally:
            i18n.set_language("es")
        out = capsys.readouterr()
        return code, out.out, out.err

    yield server, stick, device_id, run
    server[0].dispose()


def test_an_export_with_only_the_audit_log_says_no_new_cases(office, capsys):
    server, stick, _, run = office
    assert run(capsys, "sync", "export", "--to", stick)[0] == 0
    _import(server, stick)
    assert run(capsys, "sync", "receipts", "--from", stick)[0] == 0
    assert run(capsys, "sync", "purge", "--yes")[0] == 0
    code, out, _ = run(capsys, "sync", "export", "--to", stick)
    assert code == 0 and "No había casos nuevos que enviar" in out and "bitácora de auditoría" in out
    assert "0 revisiones" not in out
    code, out, _ = run(capsys, "--lang", "en", "sync", "export", "--to", stick)
    assert code == 0 and "There were no new cases to send" in out


def test_receipts_tell_a_bundle_the_office_refused_from_one_it_has_not_read(office, capsys):
    server, stick, device_id, run = office
    assert run(capsys, "sync", "export", "--to", stick)[0] == 0
    bundle = stick / BUNDLES_DIR / device_id / "00000001.bundle"
    bundle.write_bytes(bundle.read_bytes()[:-40])  # cut short on the way: the office refuses it
    assert _import(server, stick).count("refused") == 1
    code, out, _ = run(capsys, "sync", "receipts", "--from", stick)
    assert code == 0 and "0 recibos aceptados" in out
    assert "La oficina leyó la memoria (" in out and "no guardó 1 lote de este equipo (1)" in out
    assert "Vuelva a exportar" in out and "comuníquese con ella" in out and "esperando recibo (" not in out
    with Vault.open(stick.parent / "laptop", "oficial.prueba", PASSPHRASE) as vault:
        vault.save_case(load_sample("intake-no-indications"))
    assert run(capsys, "sync", "export", "--to", stick)[0] == 0  # 1 again and 2, not imported yet
    code, out, _ = run(capsys, "sync", "receipts", "--from", stick)  # the status is from before this export
    assert code == 0 and "2 lotes siguen esperando recibo (1–2): la oficina aún no importó" in out
    assert "no guardó" not in out
    _import(server, stick)
    code, out, _ = run(capsys, "sync", "receipts", "--from", stick)
    assert code == 0 and "2 recibos aceptados" in out and "esperando" not in out and "no guardó" not in out


def test_a_laptop_the_office_does_not_know_is_told_so(office, tmp_path, capsys):
    _, stick, device_id, run = office
    elsewhere = _server(tmp_path / "otra-oficina")  # another office's server: it never enrolled this laptop
    assert run(capsys, "sync", "export", "--to", stick)[0] == 0
    assert _import(elsewhere, stick).count("refused") == 2  # its manifest and its bundle
    code, out, err = run(capsys, "sync", "receipts", "--from", stick)
    assert code == 2 and "¿Ya importó" not in err
    assert f"La oficina importó la memoria, pero su servidor no conoce este equipo ({device_id})" in err
    elsewhere[0].dispose()
