"""What a walkthrough of ``intake`` on a field laptop found: demo data on an enrolled vault,
file errors and odd input worded as an internal error, misleading network words, ids the
person copies from the screen refused, silent commands, help without English.
All data is FICTIONAL."""

from __future__ import annotations

import errno
import os
import re
import sqlite3
import subprocess
import sys

import click
import pytest
import sqlcipher3

from intake_app.vault import Vault
from tests.conftest import PASSPHRASE, ROOT, load_sample

SAMPLE = ROOT / "resources" / "samples" / "intake-adult-woman.json"


@pytest.fixture
def base(vault, home, passphrase_file):
    vault.close()
    return ["--home", home, "--passphrase-file", passphrase_file]


def _enroll(home) -> None:
    from intake_app.bundle import ServerKeys
    from tests.sync.helpers import enroll

    v = Vault.open(home, "oficial.prueba", PASSPHRASE)
    try:
        enroll(v, ServerKeys.generate())
    finally:
        v.close()


def _count(home) -> int:
    v = Vault.open(home, "oficial.prueba", PASSPHRASE)
    try:
        return v.count_cases()
    finally:
        v.close()


# --- 2: demo data never on a field vault ----------------------------------------------
def test_demo_seed_is_refused_on_an_enrolled_vault(intake, base, home):
    _enroll(home)
    code, out, err = intake(*base, "demo", "seed", "--cases", 5)
    assert code == 2 and out == ""
    assert "inscrita en un servidor" in err and "vault init" in err
    assert _count(home) == 0


def test_demo_seed_is_refused_once_enrollment_was_asked(intake, base, home, tmp_path):
    stick = tmp_path / "stick"
    stick.mkdir()
    assert intake(*base, "device", "enroll-request", "--to", stick, "--post", "cr_paso_canoas")[0] == 0
    code, _, err = intake(*base, "demo", "seed", "--cases", 3)
    assert code == 2 and "inscrita en un servidor" in err and _count(home) == 0


def test_a_demo_vault_is_not_enrolled_afterwards(intake, base, home, tmp_path):
    code, out, _ = intake(*base, "demo", "seed", "--cases", 3)
    assert code == 0 and "3 casos ficticios agregados" in out
    stick = tmp_path / "stick"
    stick.mkdir()
    code, _, err = intake(*base, "device", "enroll-request", "--to", stick, "--post", "cr_paso_canoas")
    assert code == 2 and "casos ficticios" in err and list(stick.iterdir()) == []


@pytest.mark.parametrize("n", [-5, 0])
def test_demo_seed_needs_at_least_one_case(intake, base, home, n):
    code, out, err = intake(*base, "demo", "seed", "--cases", n)
    assert code == 2 and "agregados" not in out and "--cases" in err and _count(home) == 0


# --- 3: a failed file operation is worded by its errno ------------------------------------
@pytest.mark.parametrize("number, words", [(errno.EROFS, "es de solo lectura"), (errno.ENOSPC, "No hay espacio"),
                                           (errno.EACCES, "Sin permiso para escribir"),
                                           (errno.EPERM, "Sin permiso para escribir")])
def test_vault_init_into_a_folder_that_cannot_be_written(intake, tmp_path, passphrase_file, monkeypatch,
                                                        number, words):
    target = tmp_path / "ro" / "v"

    def fails(*args, **kwargs):
        raise OSError(number, os.strerror(number), str(target))

    monkeypatch.setattr(Vault, "create", fails)
    code, _, err = intake("--home", target, "--passphrase-file", passphrase_file, "vault", "init",
                          "--officer", "oficial.prueba")
    assert code == 2 and words in err and str(target) in err
    assert "error interno" not in err and os.strerror(number) not in err


def test_a_path_the_person_did_not_type_is_not_shown(intake, base, monkeypatch):
    def fails(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", "/var/tmp/.intake-4242.part")

    monkeypatch.setattr(Vault, "save_case", fails)
    code, _, err = intake(*base, "--lang", "en", "case", "add", "--json", SAMPLE)
    assert code == 2 and "There is no space left on the disk." in err and ".part" not in err


@pytest.mark.parametrize("module", [sqlite3, sqlcipher3])
def test_a_full_vault_database_and_other_errors(intake, base, monkeypatch, module):
    def full(*args, **kwargs):
        exc = module.OperationalError("database or disk is full")
        exc.sqlite_errorcode = 13  # SQLITE_FULL, as SQLite sets it
        raise exc

    monkeypatch.setattr(Vault, "save_case", full)
    code, _, err = intake(*base, "case", "add", "--json", SAMPLE)
    assert code == 2 and "No hay espacio en el disco" in err and "database" not in err
    monkeypatch.setattr(Vault, "save_case", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("x")))
    code, _, err = intake(*base, "case", "add", "--json", SAMPLE)
    assert code == 1 and "Ocurrió un error interno" in err


def test_a_temporary_twin_beside_a_typed_file_shows_its_folder():
    from intake_app.cli.common import describe_os_error

    folder = os.path.join(os.sep, "media", "usb")
    err = PermissionError(errno.EACCES, "Permission denied", os.path.join(folder, ".pkg.x.4242.part"))
    text = describe_os_error(err, ["exchange", "export", "--out", os.path.join(folder, "pkg.x")])
    assert folder in text and ".part" not in text
    assert describe_os_error(NotADirectoryError(errno.ENOTDIR, "x", "/otra/ruta"), ["--home", "/v"]) is None
    assert describe_os_error(ValueError("x"), []) is None


# --- 5: a passphrase file that is not UTF-8 --------------------------------------------------
def test_a_latin1_passphrase_file_is_worded(intake, vault, home, tmp_path):
    vault.close()
    latin = tmp_path / "frase-latin1.txt"
    latin.write_bytes("contraseña ficticia ñandú\n".encode("latin-1"))
    code, _, err = intake("--home", home, "--passphrase-file", latin, "case", "list")
    assert code == 2 and "no es texto UTF-8" in err and str(latin) in err
    assert "interno" not in err and "ñand" not in err and "\\xf1" not in err


# --- 11: the server's address ------------------------------------------------------------
@pytest.mark.parametrize("url", ["127.0.0.1:8443", "localhost:8443", "ftp://x", "http://", "http://x:puerto"])
def test_a_server_address_without_http_is_said_before_the_passphrase(intake, vault, home, url):
    vault.close()
    code, out, err = intake("--home", home, "sync", "push", "--server", url)  # no passphrase: nothing prompted
    assert code == 2 and out == "" and "debe empezar por http:// o https://" in err
    assert "red" not in err and "reintentar" not in err


@pytest.mark.parametrize("code_name, words", [("unreachable", "No se pudo contactar al servidor"),
                                              ("busy", "no puede atender ahora"),
                                              ("web_page", "¿una red Wi-Fi que pide iniciar sesión?"),
                                              ("revocation_unconfirmed", "no se bloqueó nada"),
                                              ("too_slow", "demasiado lenta")])
def test_an_unreachable_server_is_not_promised_a_retry(intake, base, monkeypatch, code_name, words):
    import intake_app.sync as sync
    from intake_app.sync.errors import ServerBusy, ServerUnreachable

    def fails(vault, url, **kwargs):
        if code_name == "busy":
            raise ServerBusy(reason="refused")
        raise ServerUnreachable(reason="refused" if code_name == "unreachable" else code_name)

    monkeypatch.setattr(sync, "push", fails)
    code, _, err = intake(*base, "sync", "push", "--server", "http://127.0.0.1:1")
    assert code == 2 and words in err and "http://127.0.0.1:1" in err
    assert "se reintentará" not in err and "vuelva a ejecutar el comando" in err.lower()


# --- 12: the revision id that ``case show`` prints -----------------------------------------
def test_case_edit_takes_the_revision_id_case_show_prints(intake, vault, home, passphrase_file, tmp_path):
    first = vault.save_case(load_sample("intake-adult-woman"))
    vault.close()
    base = ["--home", home, "--passphrase-file", passphrase_file]
    code, out, _ = intake(*base, "case", "show", first.case_id)
    shown = re.search(r"revisión ([0-9a-f]+) ", out).group(1)
    assert len(shown) == 12 and first.revision_id.startswith(shown)
    code, out, err = intake(*base, "case", "edit", first.case_id, "--json", SAMPLE, "--parent", shown)
    assert code == 0, err
    second = out.strip()
    # the old revision's prefix is still a concurrent edit: refused as before
    code, _, err = intake(*base, "case", "edit", first.case_id, "--json", SAMPLE, "--parent", shown)
    assert code == 2 and "El caso cambió desde que lo abrió" in err
    code, _, err = intake(*base, "case", "edit", first.case_id, "--json", SAMPLE, "--parent", second[:6])
    assert code == 2 and "al menos 12 caracteres" in err
    code, _, err = intake(*base, "case", "edit", first.case_id, "--json", SAMPLE, "--parent", second.upper()[:16])
    assert code == 0, err


# --- 13: case ids as typed ---------------------------------------------------------------
def test_case_ids_are_read_as_verify_print_reads_codes(intake, vault, home, passphrase_file):
    case_id = vault.save_case(load_sample("intake-adult-woman")).case_id
    vault.close()
    base = ["--home", home, "--passphrase-file", passphrase_file]
    typed = case_id.lower().replace("0", "o").replace("1", "l").replace("-", "")
    code, out, err = intake(*base, "case", "show", typed)
    assert code == 0 and f"Caso {case_id}" in out, err
    code, out, _ = intake(*base, "audit", "show", "--case", case_id.lower())
    assert code == 0 and case_id in out
    other = "ZZZZ-ZZZZ-ZZZZ" if case_id != "ZZZZ-ZZZZ-ZZZZ" else "YYYY-YYYY-YYYY"
    code, _, err = intake(*base, "case", "show", other.lower())
    assert code == 2 and f"No existe un caso {other}" in err and "intake case list" in err


# --- 14: a border post typo -------------------------------------------------------------------
def test_a_misspelt_post_gets_the_closest_and_the_list(intake, vault, home, tmp_path):
    vault.close()
    stick = tmp_path / "stick"
    stick.mkdir()
    code, _, err = intake("--home", home, "device", "enroll-request", "--to", stick, "--post", "cr_paso_canoa")
    assert code == 2 and "¿Quiso decir cr_paso_canoas" in err and "pa_guabito" in err
    assert list(stick.iterdir()) == []


# --- 15: Ctrl-C says what is kept ----------------------------------------------------------
def test_ctrl_c_during_demo_seed_says_how_many_were_kept(intake, base, home, monkeypatch):
    real = Vault.save_cases_bulk
    calls = []

    def interrupted(self, records, chunk=2000):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(self, records, chunk=chunk)

    monkeypatch.setattr(Vault, "save_cases_bulk", interrupted)
    code, _, err = intake(*base, "demo", "seed", "--cases", 5000)
    assert code == 130 and "Se conservan 2000 casos ficticios ya guardados" in err
    assert _count(home) == 2000


def test_ctrl_c_elsewhere_says_what_was_saved_is_kept(intake, base, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(Vault, "save_case", interrupted)
    code, _, err = intake(*base, "case", "add", "--json", SAMPLE)
    assert code == 130 and "Lo que ya se había guardado se conserva" in err
    code, _, err = intake(*base[:2], "case", "list", input="")  # end of input at the passphrase prompt
    assert code == 130 and "Cancelado." in err and "conserva" not in err


# --- 17: an old status on the stick ------------------------------------------------------
def test_reinstate_with_an_old_status_on_the_stick(intake, base, home, tmp_path):
    from datetime import datetime, timedelta, timezone

    from intake_app.bundle import ServerKeys
    from intake_app.bundle.status import make_status
    from intake_app.sync import state
    from intake_app.sync.usb import RECEIPTS_DIR, STATUS_NAME
    from tests.sync.helpers import enroll

    keys = ServerKeys.generate()
    v = Vault.open(home, "oficial.prueba", PASSPHRASE)
    enroll(v, keys)
    now = datetime.now(timezone.utc)
    old = make_status(server_keys=keys, device_id=v.device_id, revoked=False,
                      lease_until=state.iso(now + timedelta(days=29)),
                      server_time=state.iso_precise(now - timedelta(days=1)))
    state.mark_revoked(v, at=state.iso_precise(now))
    device = v.device_id
    v.close()
    folder = tmp_path / "stick" / RECEIPTS_DIR / device
    folder.mkdir(parents=True)
    (folder / STATUS_NAME).write_bytes(old)
    code, _, err = intake(*base, "sync", "reinstate", "--from", tmp_path / "stick")
    assert code == 2 and "anterior a la revocación" in err
    assert f"intake-server device reinstate {device} --dir" in err and "lleve el equipo" not in err


# --- 20: silent commands, odd numbers -------------------------------------------------------
def test_empty_answers_are_said(intake, base):
    code, out, err = intake(*base, "case", "search", "zzzz")
    assert code == 0 and out == "" and "Ningún caso coincide" in err
    code, out, err = intake(*base, "audit", "show", "--case", "NOPE")
    assert code == 0 and out == "" and "no tiene entradas del caso NOPE" in err


@pytest.mark.parametrize("args", [("--limit", "-1"), ("--limit", "0"), ("--offset", "-3")])
def test_case_list_refuses_negative_numbers(intake, base, args):
    code, out, err = intake(*base, "case", "list", *args)
    assert code == 2 and out == "" and args[0] in err


def test_case_list_filter_has_no_empty_choice(intake, base):
    code, out, _ = intake("case", "list", "--help")
    assert code == 0 and "[|" not in out and "all|pending|review|conflict" in out
    assert intake(*base, "case", "list", "--filter", "all")[0] == 0


# --- 21: help and the passphrase prompt ----------------------------------------------------------
@pytest.mark.parametrize("program", ["intake", "intake-server"])
def test_every_option_has_help_in_both_languages(program):
    from intake_app.cli import audit_cmds, case_cmds, demo_cmds, print_cmds, sync_cmds, vault_cmds  # noqa: F401
    from intake_app.cli import cli as laptop
    from intake_app.server import cli as server

    server.main  # noqa: B018  (the server's commands register on import of their modules)
    from intake_app.server import cli_db, cli_device, cli_setup, cli_user  # noqa: F401
    from intake_app.server.exchange import cli as exchange_cli  # noqa: F401
    cli = laptop if program == "intake" else server.cli

    def walk(group, path):
        for name, cmd in group.commands.items():
            yield f"{path} {name}", cmd
            if isinstance(cmd, click.Group):
                yield from walk(cmd, f"{path} {name}")

    assert len(list(walk(cli, program))) > 20  # every command module registered: not an empty walk
    bare = [f"{path} {opt.opts[0]}" for path, cmd in walk(cli, program) for opt in cmd.params
            if isinstance(opt, click.Option) and opt.opts[0] not in ("--help", "--lang")
            and not re.search(r"\S\s+/\s+\S", opt.help or "")]
    assert bare == []


def test_a_piped_passphrase_without_a_terminal_shows_no_english_warning(tmp_path):
    """No controlling terminal (a new session) and the passphrase on stdin: getpass warned
    in English ("GetPassWarning: Can not control echo", "Password input may be echoed")."""
    env = {k: v for k, v in os.environ.items() if k != "INTAKE_LOG"}
    env.update(PYTHONPATH=str(ROOT), INTAKE_TEST_FAST_KDF="1")
    typed = f"{PASSPHRASE}\n{PASSPHRASE}\n"
    done = subprocess.run([sys.executable, "-m", "intake_app", "--home", str(tmp_path / "v"), "vault", "init",
                           "--officer", "oficial.prueba"], input=typed, capture_output=True, text=True, env=env,
                          start_new_session=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "Warning" not in done.stderr and "getpass" not in done.stderr.lower()
    assert PASSPHRASE not in done.stdout + done.stderr
    Vault.open(tmp_path / "v", "oficial.prueba", PASSPHRASE).close()
