"""``intake-server`` prompts and Click's own texts in the operator's language."""

from __future__ import annotations

from click.testing import CliRunner

from intake_app import i18n
from intake_app.server.cli import main

from .conftest import KEY_PASSPHRASE, PASSWORD


def run(*args, input: str | None = None) -> tuple[int, str, str]:
    i18n.set_language("es")
    try:
        with CliRunner().isolation(input=input) as (out, err, _):
            code = main([*map(str, args)])
            return code, out.getvalue().decode(), err.getvalue().decode()
    finally:
        i18n.set_language("es")


def test_init_words_a_mismatch_of_the_new_passphrase_and_password(tmp_path, monkeypatch):
    monkeypatch.setattr("intake_app.cli.common.interactive", lambda: True)  # typed at a terminal: asked again
    typed = (f"otra frase ficticia\n{KEY_PASSPHRASE}\n{KEY_PASSPHRASE}\n{KEY_PASSPHRASE}\n"
             f"{PASSWORD}\nclave-distinta-1\n{PASSWORD}\n{PASSWORD}\n")
    code, out, err = run("--home", tmp_path / "srv", "init", input=typed)
    assert code == 0, err
    assert "Las dos frases de paso no coinciden. Escríbalas de nuevo." in err
    assert "Las dos contraseñas no coinciden. Escríbalas de nuevo." in err
    assert "do not match" not in out + err


def test_usage_errors_are_spanish_and_english_with_lang_en(tmp_path):
    code, _, err = run("user", "add")
    assert code == 2 and "Falta el argumento 'USUARIO'." in err and "Uso: intake-server user add" in err
    code, _, err = run("--lang", "en", "nope")
    assert code == 2 and "No such command 'nope'." in err
    code, _, err = run("user", "add", "x.demo", "--role", "jefe")
    assert code == 2 and "«jefe» no es un valor válido" in err


def spanish(srv, tmp_path, *args, passphrase: str = KEY_PASSPHRASE) -> tuple[int, str, str]:
    pp = tmp_path / "pp.txt"
    pp.write_text(passphrase + "\n", encoding="utf-8")
    pw = tmp_path / "pw.txt"
    pw.write_text(PASSWORD + "\n", encoding="utf-8")
    return run("--home", srv.home, "--db", srv.settings.db_url, "--passphrase-file", pp, "--password-file", pw,
               *args)


def test_lists_have_headers_and_words_not_codes(srv, device_factory, tmp_path):
    code, out, _ = spanish(srv, tmp_path, "device", "list")
    assert code == 0 and out == "No hay equipos inscritos ni solicitudes en espera.\n"
    code, out, _ = spanish(srv, tmp_path, "user", "add", "pedro.demo", "--role", "analyst")
    assert code == 0 and "Usuario «pedro.demo» creado con rol analista." in out
    code, out, _ = spanish(srv, tmp_path, "user", "list")
    assert code == 0 and out.startswith("Usuario\tRol\tInstitución\tEstado\n") and "pedro.demo\tanalista\t" in out
    assert "analyst" not in out
    dev = srv.enroll(device_factory())
    code, out, _ = spanish(srv, tmp_path, "device", "list")
    assert code == 0 and out.startswith("Equipo\tEstado\tHuella\tPuesto\tPlazo hasta\n")
    assert f"{dev.device_id}\tactivo\t" in out and "UTC" in out


def test_import_summary_is_worded(srv, device_factory, tmp_path):
    from .test_usb_import import manifest, put

    dev = srv.enroll(device_factory())
    stick = tmp_path / "stick"
    b1 = dev.new_bundle(1)[0]
    put(stick, dev, 1, b1)
    manifest(stick, dev)
    put(stick, dev, 1, b1[:-1] + bytes([b1[-1] ^ 1]))
    waiting = device_factory("lap-espera")
    (stick / "intake-enroll").mkdir()
    (stick / "intake-enroll" / f"{waiting.device_id}.request").write_bytes(waiting.enrollment_request())
    code, out, _ = spanish(srv, tmp_path, "import", stick)
    assert code == 3
    assert "su contenido cambió después de exportarlo" in out
    assert "estado pendiente de aprobación" in out
    assert "[" not in out and "manifest_file_mismatch" not in out and "differs" not in out and "pending" not in out


def test_a_wrong_key_file_passphrase_is_worded_by_its_source(srv, tmp_path):
    code, _, err = spanish(srv, tmp_path, "keys", "show", passphrase="frase equivocada ficticia")
    assert code == 2 and "la frase de paso no es correcta" in err and "(passphrase)" not in err


def test_a_revoked_laptops_stick_is_worded_for_the_office(srv, device_factory, tmp_path):
    from .test_usb_import import revoked_laptop_stick

    dev, stick = revoked_laptop_stick(srv, device_factory, tmp_path)
    code, out, _ = spanish(srv, tmp_path, "import", "-v", stick)
    assert code == 3  # the new bundle was not received
    assert "Importación: 0 aceptados, 1 ya recibido, 1 rechazado." in out
    assert f"ya recibido: intake-bundles/{dev.device_id}/00000001.bundle" in out
    assert f"el equipo {dev.device_id} está revocado, así que este lote nuevo no se recibió" in out
    assert f"«intake-server device reinstate {dev.device_id}»" in out
    assert "bóveda" not in out and "lleve el equipo" not in out  # the laptop's words, not the office's
    assert "el equipo está revocado (mismas llaves)" in out and "otras llaves" not in out


def test_a_device_state_is_worded_not_coded(srv, device_factory, tmp_path):
    dev = srv.enroll(device_factory())
    code, out, _ = spanish(srv, tmp_path, "device", "reinstate", dev.device_id)
    # reinstating an active laptop changes nothing and says so, as revoking a revoked one does
    assert code == 0 and f"El equipo {dev.device_id} ya estaba activo" in out and "active" not in out
