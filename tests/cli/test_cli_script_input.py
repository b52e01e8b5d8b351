"""``intake`` driven by a script (stdin piped, no terminal) and typed values checked before any
passphrase is asked: a passphrase line never read as an officer's name and shown back, a
refused new passphrase not asked again until input runs out, officer names that could never
be typed again, huge page numbers, text that is not a case id, a fingerprint that is not one,
a broken installation. All data is FICTIONAL."""

from __future__ import annotations

import builtins
import os
import subprocess
import sys

import pytest

from intake_app.vault import Vault
from tests.conftest import PASSPHRASE, ROOT

OTHER = "otra frase ficticia larga"


def _piped(home, *args, stdin: str) -> subprocess.CompletedProcess:
    """``intake --home HOME ARGS`` in a new session (no terminal), ``stdin`` piped in."""
    env = {k: v for k, v in os.environ.items() if k not in ("INTAKE_LOG", "INTAKE_OFFICER")}
    env.update(PYTHONPATH=str(ROOT), INTAKE_TEST_FAST_KDF="1")
    return subprocess.run([sys.executable, "-m", "intake_app", "--home", str(home), *args], input=stdin,
                          capture_output=True, text=True, env=env, start_new_session=True, timeout=120)


@pytest.fixture
def two_officers(vault, home):
    vault.add_officer("beto.ficticio", OTHER)
    vault.close()
    return home


def test_a_piped_passphrase_is_never_read_as_an_officer_nor_shown(two_officers):
    done = _piped(two_officers, "case", "list", stdin=f"{PASSPHRASE}\n")
    assert done.returncode == 2, done.stderr
    assert PASSPHRASE not in done.stdout + done.stderr
    assert done.stdout == ""  # no prompt on standard output
    assert "--officer" in done.stderr and "INTAKE_OFFICER" in done.stderr
    ok = _piped(two_officers, "--officer", "beto.ficticio", "case", "list", stdin=f"{OTHER}\n")
    assert ok.returncode == 0, ok.stderr
    assert OTHER not in ok.stdout + ok.stderr and "Frase de paso" not in ok.stdout  # the prompt is on stderr


def test_a_name_not_listed_at_the_prompt_is_not_repeated(intake, two_officers, passphrase_file, monkeypatch):
    monkeypatch.setattr("intake_app.cli.common.interactive", lambda: True)  # a person at a terminal
    code, out, err = intake("--home", two_officers, "--passphrase-file", passphrase_file, "officer", "list",
                            input=f"{PASSPHRASE}\noficial.prueba\n")
    assert code == 0, err
    said = [line for line in err.splitlines() if "no es un oficial" in line]
    assert said == ["Ese nombre no es un oficial de este equipo. Elija uno de: oficial.prueba, beto.ficticio."]
    assert "beto.ficticio" in out and "Oficial (" not in out


def test_a_refused_new_passphrase_piped_in_ends_at_once(tmp_path):
    short = _piped(tmp_path / "a", "vault", "init", "--officer", "oficial.prueba", stdin="corta\ncorta\n" * 3)
    assert short.returncode == 2 and "al menos 10 caracteres" in short.stderr
    assert short.stderr.count("al menos 10 caracteres") == 1 and "Cancelado" not in short.stderr
    typed = f"{PASSPHRASE}\notra frase distinta\n" * 3
    mismatch = _piped(tmp_path / "b", "vault", "init", "--officer", "oficial.prueba", stdin=typed)
    assert mismatch.returncode == 2 and "Las dos líneas no coinciden" in mismatch.stderr
    assert "Cancelado" not in mismatch.stderr and PASSPHRASE not in mismatch.stdout + mismatch.stderr
    assert not (tmp_path / "b" / "vault.db").exists()


@pytest.mark.parametrize("name, reason", [("", "empty"), ("   ", "empty"), ("  Ana  Ficticia\t", "control"),
                                          (" ana.ficticia", "spaces"), ("Ana  Ficticia", "spaces"),
                                          ("ana\nficticia", "control"), ("a" * 65, "too_long")])
def test_an_officer_name_that_could_not_be_typed_again_is_refused(home, name, reason):
    from intake_app.errors import OfficerNameInvalid

    with pytest.raises(OfficerNameInvalid) as refused:
        Vault.create(home, name, PASSPHRASE)
    assert refused.value.params["reason"] == reason and not home.exists()
    v = Vault.create(home, "oficial.prueba", PASSPHRASE)
    try:
        with pytest.raises(OfficerNameInvalid):
            v.add_officer(name, OTHER)
        assert [o.name for o in v.officers()] == ["oficial.prueba"]
    finally:
        v.close()


def test_names_the_docs_and_the_desktop_use_pass():
    from intake_app.vault.keyring import check_officer_name

    for name in ("oficial.prueba", "ana.ficticia", "Ana Ficticia", "María José Pérez", "a" * 64):
        check_officer_name(name)


def test_officer_names_and_existing_things_are_said_before_any_passphrase(intake, vault, home):
    vault.close()
    code, out, err = intake("--home", home, "vault", "init", "--officer", "otro.oficial", input="")
    assert code == 2 and "Ya existe una bóveda" in err and "Frase" not in out + err.split("Error:")[0]
    code, out, err = intake("--home", home, "officer", "add", "oficial.prueba", input="")
    assert code == 2 and "Ya existe un oficial con ese nombre" in err
    code, out, err = intake("--home", home, "officer", "add", "  ", input="")
    assert code == 2 and "está vacío" in err
    code, out, err = intake("--home", home / "nueva", "vault", "init", "--officer", "", input="")
    assert code == 2 and "está vacío" in err and not (home / "nueva").exists()
    code, out, err = intake("--home", home, "sync", "receipts", "--from", home / "no-existe", input="")
    assert code == 2 and "no existe" in err and "Cancelado" not in err


def test_a_huge_page_number_is_a_usage_error(intake, vault, home, passphrase_file):
    vault.close()
    for option in ("--offset", "--limit"):
        code, out, err = intake("--home", home, "--passphrase-file", passphrase_file, "case", "list",
                                option, "99999999999999999999")
        assert code == 2 and "no está en el intervalo" in err and "error interno" not in err


def test_text_that_is_not_a_case_id_is_not_shown_back(intake, vault, home, passphrase_file):
    vault.close()
    code, out, err = intake("--home", home, "--passphrase-file", passphrase_file, "case", "show", "Ana Ficticia")
    assert code == 2 and "No existe un caso con ese identificador" in err and "Ana Ficticia" not in err
    code, out, err = intake("--home", home, "--passphrase-file", passphrase_file, "case", "show", "zzzz-zzzz-zzzz")
    assert code == 2 and "No existe un caso ZZZZ-ZZZZ-ZZZZ" in err


def test_purging_a_case_that_is_not_there_says_so(intake, vault, home, passphrase_file):
    vault.close()
    code, out, err = intake("--home", home, "--passphrase-file", passphrase_file, "sync", "purge",
                            "--case", "ZZZZ-ZZZZ-ZZZZ", "--yes")
    assert code == 2 and "No existe un caso ZZZZ-ZZZZ-ZZZZ" in err


@pytest.mark.parametrize("command", [["sync", "enroll", "--server", "http://127.0.0.1:9", "--post", "cr_sixaola"],
                                     ["device", "enroll-import", "."]])
def test_a_fingerprint_of_the_wrong_shape_is_said_before_the_passphrase(intake, vault, home, command):
    vault.close()
    code, out, err = intake("--home", home, *command, "--server-fingerprint", "hola", input="")
    assert code == 2 and "no es una huella de servidor" in err and "Cancelado" not in err


def test_a_broken_install_is_one_worded_line(monkeypatch, capsys):
    from intake_app.cli import main

    real = builtins.__import__

    def broken(name, globals=None, locals=None, fromlist=(), level=0):
        if level == 1 and fromlist and "sync_cmds" in fromlist:
            raise ModuleNotFoundError("No module named 'intake_app.cli.sync_cmds'", name="intake_app.cli.sync_cmds")
        return real(name, globals, locals, fromlist, level)

    monkeypatch.setattr(builtins, "__import__", broken)
    assert main(["case", "list"]) == 1
    err = capsys.readouterr().err
    assert "Falta una parte del programa" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
