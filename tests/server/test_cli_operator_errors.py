"""``intake-server`` where the operator's walkthrough found an internal error, a laptop's
message or a silent no-op: backups to a full, read-only or immutable disk, ``init`` in a
read-only folder, ``db move`` to a plain path, empty or Latin-1 secret files, device
decisions on a laptop in the wrong state, a short id, an option after the command, the last
administrator, and the run markers of a stopped ``serve``. Each is worded (Spanish), exits
non-zero where nothing was done, and leaves nothing behind. Fictional data only."""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from intake_app.server import devices

from .conftest import KEY_PASSPHRASE, PASSWORD
from .live import answers
from .test_cli_words import run

SCRATCH = Path("/tmp/helper-clisrv")


@pytest.fixture
def db_url(tmp_path):  # these are the command line's words, the same on both databases: SQLite only
    return f"sqlite:///{tmp_path / 'server.sqlite3'}"


def secrets(tmp_path) -> tuple[Path, Path]:
    pp, pw = tmp_path / "pp.txt", tmp_path / "pw.txt"
    pp.write_text(KEY_PASSPHRASE + "\n", encoding="utf-8")
    pw.write_text(PASSWORD + "\n", encoding="utf-8")
    return pp, pw


def op(srv, tmp_path, *args, input: str | None = None, with_secrets: bool = True) -> tuple[int, str, str]:
    pp, pw = secrets(tmp_path)
    given = ["--passphrase-file", pp, "--password-file", pw] if with_secrets else []
    return run("--home", srv.home, "--db", srv.settings.db_url, *given, *args, input=input)


# --- a disk that cannot take it (root: modes do not stop it; tmpfs mounts and chattr do) ------
def _mount_tmpfs(tmp_path, size: str = "2m") -> Path:
    point = tmp_path / "disco"
    point.mkdir()
    if shutil.which("mount") is None or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(point)], capture_output=True).returncode:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    return point


@pytest.fixture
def small_disk(tmp_path):
    point = _mount_tmpfs(tmp_path)
    yield point
    subprocess.run(["umount", "-l", str(point)], capture_output=True)


@pytest.fixture
def read_only_disk(tmp_path):
    point = _mount_tmpfs(tmp_path)
    if subprocess.run(["mount", "-o", "remount,ro", str(point)], capture_output=True).returncode:
        subprocess.run(["umount", "-l", str(point)], capture_output=True)
        pytest.skip("cannot remount read-only")
    yield point
    subprocess.run(["umount", "-l", str(point)], capture_output=True)


@pytest.fixture
def immutable_folder(tmp_path):
    folder = tmp_path / "inmutable"
    folder.mkdir()
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(folder)],
                                                         capture_output=True).returncode:
        pytest.skip("chattr +i does not work here")
    yield folder
    subprocess.run(["chattr", "-i", str(folder)], capture_output=True)


def fill(point: Path, leave: int) -> None:
    """Fill the disk at ``point`` until about ``leave`` bytes are free."""
    free = shutil.disk_usage(point).free
    with open(point / "relleno.bin", "wb") as fh:
        fh.write(b"\0" * max(free - leave, 0))


def test_a_backup_that_does_not_fit_says_how_much_it_needs_and_leaves_nothing(srv, tmp_path, small_disk):
    fill(small_disk, 64 * 1024)
    code, out, err = op(srv, tmp_path, "backup", small_disk / "copia")
    assert code == 2, err
    assert "La copia no cabe en" in err and "MB y el disco tiene" in err and "No se escribió nada" in err
    assert "error interno" not in err
    assert sorted(p.name for p in small_disk.iterdir()) == ["relleno.bin"]  # no folder, no partial file


def test_a_disk_that_fills_during_the_backup_is_worded_and_the_partial_copy_deleted(srv, tmp_path, small_disk,
                                                                                     monkeypatch):
    """The estimate cannot see everything (pg_dump's size, another writer): a full disk mid-copy."""
    fill(small_disk, 64 * 1024)
    real = shutil.disk_usage
    monkeypatch.setattr(shutil, "disk_usage", lambda p: real(p)._replace(free=10**12))  # the estimate passes
    code, out, err = op(srv, tmp_path, "backup", small_disk / "copia")  # a new folder: removed again
    assert code == 2, err
    assert "se llenó durante la copia" in err and "Se borró la copia a medias" in err
    assert sorted(p.name for p in small_disk.iterdir()) == ["relleno.bin"]


def test_a_backup_to_a_read_only_disk_is_worded_before_the_passphrase(srv, tmp_path, read_only_disk):
    code, out, err = op(srv, tmp_path, "backup", read_only_disk / "copia", with_secrets=False, input="")
    assert code == 2, err  # refused before the prompt: an empty stdin would have cancelled it (130)
    assert "el disco es de solo lectura" in err and "error interno" not in err


def test_a_backup_into_an_immutable_folder_or_inside_a_file_is_worded(srv, tmp_path, immutable_folder):
    for target in (immutable_folder, immutable_folder / "copia"):
        code, out, err = op(srv, tmp_path, "backup", target, with_secrets=False, input="")
        assert code == 2, err
        assert "este usuario no tiene permiso, o la carpeta está protegida" in err
    a_file = tmp_path / "nota.txt"
    a_file.write_text("ficticia", encoding="utf-8")
    code, out, err = op(srv, tmp_path, "backup", a_file / "copia")
    assert code == 2 and "no es una carpeta" in err and not (a_file / "copia").exists()


def test_init_in_a_read_only_or_immutable_folder_is_worded_before_any_secret(tmp_path, read_only_disk,
                                                                             immutable_folder):
    for home in (read_only_disk / "servidor", immutable_folder, immutable_folder / "servidor"):
        code, out, err = run("--home", home, "init", input="")
        assert code == 2, err
        assert f"No se puede crear la base de datos en {home}" in err and "error interno" not in err
    assert not list(read_only_disk.iterdir()) and not list(immutable_folder.iterdir())


def test_init_words_a_disk_failure_after_the_secrets(tmp_path, monkeypatch):
    """A disk that turns read-only between the check and the writing: worded, nothing left."""
    import sqlite3

    from intake_app.server import cli_setup

    def broken(*a, **k):
        from sqlalchemy.exc import OperationalError

        orig = sqlite3.OperationalError("unable to open database file")
        orig.sqlite_errorcode = 14
        raise OperationalError("x", {}, orig)

    monkeypatch.setattr("intake_app.server.setup.init_server", broken)
    assert cli_setup.init_failure(OSError(errno.EROFS, "ro")) == "read_only"
    pp, pw = secrets(tmp_path)
    code, out, err = run("--home", tmp_path / "srv", "--passphrase-file", pp, "--password-file", pw, "init")
    assert code == 2 and "no se puede escribir en esa carpeta" in err, err


# --- db move, secret files -----------------------------------------------------------------
def test_db_move_to_a_plain_path_asks_for_a_url_before_announcing_anything(srv, tmp_path):
    target = tmp_path / "x.sqlite3"
    code, out, err = op(srv, tmp_path, "db", "move", "--to", target)
    assert code == 2, err
    assert "Copiando" not in out and "<database>" not in out + err
    assert "sqlite:////ruta/servidor.sqlite3" in err and "postgresql+psycopg://" in err
    assert not target.exists()
    code, out, err = run("--home", srv.home, "--db", target, "user", "list")  # the same for --db
    assert code == 2 and "no es una URL de base de datos" in err


@pytest.mark.parametrize("option", ["--passphrase-file", "--password-file"])
def test_an_empty_or_latin1_secret_file_is_worded(srv, tmp_path, option):
    empty, latin = tmp_path / "vacio.txt", tmp_path / "latin1.txt"
    empty.write_bytes(b"")
    latin.write_bytes("contraseña-ficticia-1\n".encode("latin-1"))
    verb = ("keys", "show") if option == "--passphrase-file" else ("user", "add", "x.demo", "--role", "analyst")
    for path, words in ((empty, "está vacío: no tiene la línea 1"), (latin, "no es texto UTF-8")):
        code, out, err = run("--home", srv.home, "--db", srv.settings.db_url, option, path, *verb)
        assert code == 2, err
        assert f"El archivo {path} {words}" in err and "error interno" not in err
        assert "contraseña" not in err  # never the file's content


# --- device decisions ----------------------------------------------------------------------
def test_approving_a_revoked_laptop_points_to_reinstate_not_the_laptops_message(srv, device_factory, tmp_path):
    dev = srv.enroll(device_factory())
    devices.revoke(srv.engine, dev.device_id, actor="test")
    code, out, err = op(srv, tmp_path, "device", "approve", dev.device_id, with_secrets=False, input="")
    assert code == 2, err  # before the passphrase
    assert f"intake-server device reinstate {dev.device_id}" in err
    assert "bóveda" not in err and "lleve el equipo" not in err


def test_refusing_an_active_laptop_is_refused_and_a_second_refusal_or_revocation_says_so(srv, device_factory,
                                                                                         tmp_path):
    active = srv.enroll(device_factory())
    code, out, err = op(srv, tmp_path, "device", "refuse", active.device_id)
    assert code == 2 and "está activo, no en espera" in err and "device revoke" in err
    assert "rechazada" not in out
    assert devices.device_info(srv.engine, active.device_id).status == "active"
    waiting = device_factory("lap-espera")
    devices.register_request(srv.engine, waiting.enrollment_request(), source="test")
    assert op(srv, tmp_path, "device", "refuse", waiting.device_id)[0] == 0
    code, out, err = op(srv, tmp_path, "device", "refuse", waiting.device_id)
    assert code == 0 and "ya estaba rechazada" in out
    assert op(srv, tmp_path, "device", "revoke", active.device_id, "--yes")[0] == 0
    code, out, err = op(srv, tmp_path, "device", "revoke", active.device_id, "--yes")
    assert code == 0 and "ya estaba revocado (desde " in out and "UTC" in out


def test_revoke_shows_the_laptop_and_asks_first(srv, device_factory, tmp_path):
    dev = srv.enroll(device_factory())
    code, out, err = op(srv, tmp_path, "device", "revoke", dev.device_id[:10], input="n\n")
    assert code == 0 and f"Equipo: {dev.device_id}" in out and "Último contacto:" in out and "UTC" in out
    assert f"¿Revocar el equipo {dev.device_id}?" in err and "No se revocó" in out
    assert "¿Revocar" not in out  # the question is a prompt: on stderr, as every prompt
    assert devices.device_info(srv.engine, dev.device_id).status == "active"
    code, out, err = op(srv, tmp_path, "device", "revoke", dev.device_id, input="s\n")
    assert code == 0 and f"Equipo {dev.device_id} revocado" in out
    assert devices.device_info(srv.engine, dev.device_id).status == "revoked"


def test_a_short_id_is_refused_before_the_passphrase_naming_the_minimum(srv, device_factory, tmp_path):
    dev = device_factory()
    devices.register_request(srv.engine, dev.enrollment_request(), source="test")
    code, out, err = op(srv, tmp_path, "device", "approve", dev.device_id[:4], with_secrets=False, input="")
    assert code == 2, err
    assert "al menos 8 caracteres" in err and "frase" not in out + err.split("Error:")[0]


def test_a_server_option_after_the_command_says_where_it_goes(srv, tmp_path):
    pp, _ = secrets(tmp_path)
    url = "postgresql+psycopg://ficticio:clave-ficticia@127.0.0.1/nada"
    code, out, err = run("--home", srv.home, "--db", url, "device", "approve", "lap-demo-001",
                         "--passphrase-file", pp)
    assert code == 2
    assert "No existe la opción «--passphrase-file»." in err
    assert (f"va antes del comando: intake-server --home {srv.home} --db 'postgresql+psycopg://ficticio:***@"
            f"127.0.0.1/nada' --passphrase-file {pp} device approve lap-demo-001") in err
    assert "clave-ficticia" not in err
    code, out, err = run("user", "list", "--lang=en")
    assert code == 2 and "intake-server --lang=en user list" in err


def test_the_last_active_administrator_is_not_disabled(srv, tmp_path):
    code, out, err = op(srv, tmp_path, "user", "disable", "admin")
    assert code == 2 and "«admin» es el único administrador activo" in err
    srv.add_user("otra.admin", "administrator")
    assert op(srv, tmp_path, "user", "disable", "admin")[0] == 0
    code, out, err = op(srv, tmp_path, "user", "disable", "otra.admin")
    assert code == 2 and "único administrador activo" in err
    assert op(srv, tmp_path, "user", "disable", "nadie.demo")[0] == 2


# --- serve: its run/<pid> marks go when it stops gracefully -----------------------------------
def _serve(srv, tmp_path, workers: int) -> tuple[subprocess.Popen, int]:
    import httpx

    from tests.loopback import free_port

    pp, _ = secrets(tmp_path)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "intake_app.server.cli", "--home", str(srv.home), "--db",
                             srv.settings.db_url, "--passphrase-file", str(pp), "serve", "--port", str(port),
                             "--workers", str(workers)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env={k: v for k, v in os.environ.items() if k != "INTAKE_SERVER_KEY"})
    deadline = time.monotonic() + 60
    run_dir = srv.home / "run"
    while time.monotonic() < deadline:  # waiting on a condition: the port answers, every worker marked
        if proc.poll() is not None:
            raise RuntimeError(proc.stderr.read().decode(errors="replace")[-2000:])
        try:
            ready = answers(httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1))
        except httpx.HTTPError:
            ready = False
        if ready and run_dir.is_dir() and len(list(run_dir.iterdir())) >= workers:
            return proc, port
        time.sleep(0.05)
    proc.kill()
    raise TimeoutError("server did not start")


@pytest.mark.parametrize("sig,workers", [(signal.SIGTERM, 1), (signal.SIGINT, 1), (signal.SIGTERM, 2),
                                         (signal.SIGINT, 2)])
def test_a_server_stopped_by_a_signal_leaves_no_run_marker(srv, tmp_path, sig, workers):
    proc, _ = _serve(srv, tmp_path, workers)
    try:
        marks = list((srv.home / "run").iterdir())
        assert len(marks) == workers
        proc.send_signal(sig)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stderr.close()
    assert list((srv.home / "run").iterdir()) == []  # read directly: running_pids would tidy dead ones up
