"""``intake-server`` verbs end to end: user add/list/disable, device list/approve/revoke,
import with its summary, keys rotate, backup while the database is live, audit verify."""

from __future__ import annotations

import json

from intake_app.server.cli import main

from .conftest import KEY_PASSPHRASE, PASSWORD
from .test_usb_import import put


def cli(srv, tmp_path, *args, capsys=None) -> int:
    pp = tmp_path / "pp.txt"
    pp.write_text(KEY_PASSPHRASE + "\n", encoding="utf-8")
    pw = tmp_path / "pw.txt"
    pw.write_text(PASSWORD + "\n", encoding="utf-8")
    return main(["--home", str(srv.home), "--db", srv.settings.db_url, "--passphrase-file", str(pp),
                 "--password-file", str(pw), "--lang", "en", *args])


def test_operator_verbs(srv, device_factory, tmp_path, capsys):
    assert cli(srv, tmp_path, "user", "add", "ana.sup", "--role", "supervisor", "--institution", "eri") == 0
    assert cli(srv, tmp_path, "user", "list") == 0
    assert "ana.sup\tsupervisor\teri" in capsys.readouterr().out
    assert cli(srv, tmp_path, "user", "add", "x.demo", "--role", "jefe") != 0
    dev = device_factory()
    stick = tmp_path / "stick"
    (stick / "intake-enroll").mkdir(parents=True)
    (stick / "intake-enroll" / f"{dev.device_id}.request").write_bytes(dev.enrollment_request())
    assert cli(srv, tmp_path, "import", str(stick)) == 0
    out = capsys.readouterr().out
    assert dev.keys.public().fingerprint() in out and "pending" in out
    assert cli(srv, tmp_path, "device", "approve", dev.device_id, "--dir", str(stick),
               "--fingerprint", dev.keys.public().fingerprint()) == 0
    dev.accept_response((stick / "intake-enroll" / f"{dev.device_id}.response").read_bytes())
    put(stick, dev, 1, dev.new_bundle(3)[0])
    put(stick, dev, 3, dev.new_bundle(1)[0][:-5])
    assert cli(srv, tmp_path, "import", str(stick)) == 3  # something was refused (no internal error: 1)
    out = capsys.readouterr().out
    assert "1 accepted, 0 already received, 1 refused" in out and "The bundle is incomplete" in out
    assert "bundle_truncated" not in out and "[" not in out  # worded; the code is in the audit log
    assert cli(srv, tmp_path, "device", "revoke", dev.device_id, "--yes") == 0
    assert cli(srv, tmp_path, "device", "list") == 0
    assert f"{dev.device_id}\trevoked" in capsys.readouterr().out
    from intake_app.server import devices

    devices.register_request(srv.engine, device_factory("lap-espera").enrollment_request(), source="http")
    assert cli(srv, tmp_path, "device", "clear-pending", "--older-than-hours", "1") == 0
    assert "forgotten: 0" in capsys.readouterr().out
    assert cli(srv, tmp_path, "device", "clear-pending") == 0
    assert "forgotten: 1" in capsys.readouterr().out
    assert cli(srv, tmp_path, "device", "list") == 0
    assert "lap-espera" not in capsys.readouterr().out
    assert cli(srv, tmp_path, "keys", "rotate") == 0
    assert cli(srv, tmp_path, "backup", str(tmp_path / "bk")) == 0
    info = json.loads((tmp_path / "bk" / "backup.json").read_text())
    assert info["database"] == srv.kind and (tmp_path / "bk" / "server.keys").exists()
    assert any(f.startswith("server.") and f not in ("server.keys", "server.json") for f in info["files"])
    assert cli(srv, tmp_path, "user", "disable", "ana.sup") == 0
    assert cli(srv, tmp_path, "audit", "verify") == 0
    assert "entries verified" in capsys.readouterr().out
    assert cli(srv, tmp_path, "import", str(tmp_path / "nowhere")) == 2
    assert "does not exist" in capsys.readouterr().err


def test_server_files_are_private(tmp_path):
    """Files the server writes (its SQLite database and journal, the key file, settings)
    are readable by the server's user only, whatever the umask it was started with."""
    import os
    import stat

    old = os.umask(0o022)
    try:
        home = tmp_path / "srv"
        pp = tmp_path / "pp.txt"
        pp.write_text(KEY_PASSPHRASE + "\n", encoding="utf-8")
        pw = tmp_path / "pw.txt"
        pw.write_text(PASSWORD + "\n", encoding="utf-8")
        assert main(["--home", str(home), "--passphrase-file", str(pp), "--password-file", str(pw),
                     "init", "--admin", "admin"]) == 0
    finally:
        os.umask(old)
    files = [p for p in home.iterdir() if p.is_file()]
    assert any(p.name == "server.sqlite3" for p in files)
    for p in files:
        assert stat.S_IMODE(p.stat().st_mode) & 0o077 == 0, p.name


def test_unknown_device_id_is_worded_for_the_administrator(srv, tmp_path, capsys):
    for verb in ("approve", "refuse", "revoke"):
        assert cli(srv, tmp_path, "device", verb, "lap-demo-nadie") == 2
        err = capsys.readouterr().err
        assert "no laptop with the id lap-demo-nadie" in err and "importing" not in err


def test_a_database_that_cannot_be_opened_is_worded_as_a_setting_to_fix(tmp_path, capsys):
    """At a command's start an unreachable database is a setting to fix (server down, no
    such database, wrong URL), not "try again later"; the password never shows."""
    pp = tmp_path / "pp.txt"
    pp.write_text(KEY_PASSPHRASE + "\n", encoding="utf-8")
    pw = tmp_path / "pw.txt"
    pw.write_text(PASSWORD + "\n", encoding="utf-8")
    home = tmp_path / "srv"
    assert main(["--home", str(home), "--passphrase-file", str(pp), "--password-file", str(pw),
                 "init", "--admin", "admin"]) == 0
    missing = "postgresql+psycopg://postgres:clave-ficticia@127.0.0.1:5432/intake_no_existe_demo"
    assert main(["--home", str(home), "--db", missing, "--lang", "en", "user", "list"]) == 2
    err = capsys.readouterr().err
    assert "could not be opened" in err and "intake_no_existe_demo" in err and "clave-ficticia" not in err


def test_device_commands_take_the_short_id_a_laptop_prints(srv, device_factory, tmp_path, capsys):
    from intake_app.server import devices

    one = device_factory("lap-prefijo")  # lap-prefijo-001
    devices.register_request(srv.engine, one.enrollment_request(), source="test")
    assert cli(srv, tmp_path, "device", "show", "lap-prefi") == 0  # 9 characters, one laptop
    out = capsys.readouterr().out
    assert f"Laptop: {one.device_id}" in out and one.keys.public().fingerprint() in out
    assert "State: pending" in out
    assert cli(srv, tmp_path, "device", "approve", "lap-prefijo-0",
               "--fingerprint", one.keys.public().fingerprint().lower()) == 0
    assert f"{one.device_id}" in capsys.readouterr().out
    for verb in (("revoke", "--yes"), ("reinstate",)):
        assert cli(srv, tmp_path, "device", *verb, "lap-prefijo") == 0
        assert one.device_id in capsys.readouterr().out
    assert cli(srv, tmp_path, "device", "show", "lap-pre") == 2  # under 8 characters: the whole id only
    assert "no laptop with the id lap-pre" in capsys.readouterr().err
    two = device_factory("lap-prefijo")  # lap-prefijo-002
    devices.register_request(srv.engine, two.enrollment_request(), source="test")
    assert cli(srv, tmp_path, "device", "refuse", "lap-prefijo-00") == 2
    err = capsys.readouterr().err
    assert '“lap-prefijo-00” is the start of 2 laptops' in err and two.device_id in err
    assert cli(srv, tmp_path, "device", "refuse", two.device_id) == 0  # the whole id is never ambiguous


def test_verify_print_words_a_code_that_does_not_parse_without_internal_codes(srv, tmp_path, capsys):
    """The web page said "debe tener 32 caracteres"; the command said "(length)"."""
    for code, words in (("INTAKE1:ABC", "format not recognized"), ("ABCD", "32 characters")):
        capsys.readouterr()
        assert cli(srv, tmp_path, "verify-print", code) == 2
        err = capsys.readouterr().err
        assert words in err, err
        for internal in ("(length)", "(qr_parts)", "(qr_encoding)", "(format)"):
            assert internal not in err
