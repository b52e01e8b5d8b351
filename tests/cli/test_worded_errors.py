"""Errors a field officer meets in ``intake`` are worded, never a traceback, a temporary
file's name or a technician's English log line."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT, load_sample


def test_case_add_with_a_missing_file_says_it_does_not_exist(intake, vault, home, passphrase_file, tmp_path):
    vault.close()
    base = ["--home", home, "--passphrase-file", passphrase_file]
    code, _, err = intake(*base, "case", "add", "--json", tmp_path / "no-existe.json")
    assert code == 2 and f"No se encuentra el archivo {tmp_path / 'no-existe.json'}." in err
    assert "JSON" not in err
    bad = tmp_path / "malo.json"
    bad.write_text("[1, 2]", encoding="utf-8")
    code, _, err = intake(*base, "case", "add", "--json", bad)
    assert code == 2 and "no contiene un objeto JSON válido" in err


def test_case_print_into_a_missing_folder(intake, vault, home, passphrase_file, tmp_path):
    case_id = vault.save_case(load_sample("intake-adult-woman")).case_id
    vault.close()
    out = tmp_path / "no-existe" / "resumen.pdf"
    code, stdout, err = intake("--home", home, "--passphrase-file", passphrase_file, "case", "print", case_id,
                               "--out", out)
    assert code == 2 and stdout == ""
    assert f"No se puede escribir el PDF en {out}: la carpeta no existe o no permite escribir." in err
    assert "Traceback" not in err and ".part" not in err


def test_case_print_when_the_write_itself_fails(intake, vault, home, passphrase_file, tmp_path, monkeypatch):
    """The folder was there when asked, but the file could not be written: still worded,
    and the temporary file's name is not shown."""
    from intake_app.cli import print_cmds

    case_id = vault.save_case(load_sample("intake-adult-woman")).case_id
    vault.close()
    out = tmp_path / "resumen.pdf"

    def fails(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(tmp_path / ".resumen.pdf.4242.part"))

    monkeypatch.setattr(print_cmds, "print_summary", fails)
    code, _, err = intake("--home", home, "--passphrase-file", passphrase_file, "--lang", "en", "case", "print",
                          case_id, "--out", out)
    assert code == 2 and f"The PDF cannot be written to {out}" in err and ".part" not in err


def test_an_officer_label_with_spaces_or_accents_is_refused_in_words(intake, vault, home, passphrase_file, tmp_path):
    """Labels ride in the enrollment request's cleartext, where only identifiers pass
    (docs/bundle-format.md): a name must not. Said before anything is written or sent,
    without repeating the label (it may be a name)."""
    vault.close()
    base = ["--home", home, "--passphrase-file", passphrase_file]
    code, _, err = intake(*base, "sync", "enroll", "--server", "http://127.0.0.1:9", "--post", "cr_paso_canoas",
                          "--label", "oficial de turno")
    assert code == 2 and "La etiqueta n.º 1 (--label) no es válida" in err and "eri-turno-2" in err
    assert "Traceback" not in err and "FieldError" not in err and "oficial de turno" not in err
    stick = tmp_path / "stick"
    stick.mkdir()
    code, _, err = intake(*base, "--lang", "en", "device", "enroll-request", "--to", stick, "--post",
                          "cr_paso_canoas", "--label", "eri-turno-2", "--label", "Oficial Pérez")
    assert code == 2 and "Label no. 2 (--label) is not valid" in err and "Pérez" not in err
    assert list(stick.iterdir()) == []  # nothing written
    code, out, err = intake(*base, "device", "enroll-request", "--to", stick, "--post", "cr_paso_canoas",
                            "--label", "eri-turno-2")
    assert code == 0, err


def test_the_console_shows_no_warnings_unless_asked(tmp_path, passphrase_file):
    """A field officer reads the worded messages; log lines (English, for technicians) show
    only with INTAKE_LOG. With INTAKE_TEST_FAST_KDF=1 creating a vault logs a warning."""
    env = {k: v for k, v in os.environ.items() if k != "INTAKE_LOG"}
    env.update(PYTHONPATH=str(ROOT), INTAKE_TEST_FAST_KDF="1")

    def init(home, **extra):
        return subprocess.run([sys.executable, "-m", "intake_app", "--home", str(home), "--passphrase-file",
                               str(passphrase_file), "vault", "init", "--officer", "oficial.prueba"],
                              capture_output=True, text=True, env={**env, **extra}, timeout=120)

    quiet = init(tmp_path / "uno")
    assert quiet.returncode == 0 and "Bóveda creada" in quiet.stdout
    assert quiet.stderr == ""
    loud = init(tmp_path / "dos", INTAKE_LOG="WARNING")
    assert loud.returncode == 0 and "WARNING" in loud.stderr and "INTAKE_TEST_FAST_KDF" in loud.stderr


def test_an_unexpected_error_is_worded_without_its_message(intake, vault, home, passphrase_file, monkeypatch):
    """Anything the CLI does not expect (a library's error) says "internal error" and exits 1:
    its message and traceback can quote the data it failed on (a database's error quotes the
    row), so neither reaches the screen; the log keeps the type only."""
    from intake_app.vault import Vault

    def fail(*args, **kwargs):
        raise RuntimeError("fila: Ficticia Zqcanary ZQ998877 1987-03-14")

    vault.close()
    monkeypatch.setattr(Vault, "save_case", fail)
    code, stdout, err = intake("--home", home, "--passphrase-file", passphrase_file, "case", "add", "--json",
                               ROOT / "resources" / "samples" / "intake-adult-woman.json")
    assert code == 1 and stdout == ""
    assert "Ocurrió un error interno" in err
    assert "Zqcanary" not in err and "ZQ998877" not in err and "Traceback" not in err


def test_a_lone_surrogate_in_a_json_file_is_a_worded_field_problem(intake, vault, home, passphrase_file, tmp_path):
    """JSON can carry half of a UTF-16 pair ("\\udc80"); no text can hold it. It was an
    internal error when the vault wrote it; it is the field's problem now, like a NUL."""
    import json

    vault.close()
    record = load_sample("intake-adult-woman")
    record["given_names"] = "Ficticia\udc80"
    bad = tmp_path / "sustituto.json"
    bad.write_text(json.dumps(record), encoding="ascii")  # json escapes it as \udc80
    code, _, err = intake("--home", home, "--passphrase-file", passphrase_file, "case", "add", "--json", bad)
    assert code == 2 and "interno" not in err
    assert "Nombres" in err or "nombre" in err.lower()
