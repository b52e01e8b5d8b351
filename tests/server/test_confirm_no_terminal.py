"""A question nobody can answer (a script, a service: standard input at its end, not a
terminal) is refused with the advice to add --yes (exit 2), nothing done, for every command
that asks: the server's device revoke and the laptop's officer removal here (the exchange's
cancel and key removal in tests/exchange/test_exchange_second_review.py). Fictional data."""

from __future__ import annotations

import io

from intake_app import i18n
from intake_app.cli import main as laptop_main
from intake_app.server import devices

from .test_cli import cli


def test_device_revoke_with_nobody_to_answer(srv, device_factory, tmp_path, capsys, monkeypatch):
    dev = device_factory()
    devices.register_request(srv.engine, dev.enrollment_request(), source="http")
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert cli(srv, tmp_path, "device", "revoke", dev.device_id) == 2
    err = capsys.readouterr().err
    assert "--yes" in err and i18n.t("cli.confirm_needs_yes", "en") in err
    assert devices.device_info(srv.engine, dev.device_id).status != "revoked"


def test_officer_remove_with_nobody_to_answer(home, tmp_path, capsys, monkeypatch):
    from intake_app.vault import Vault

    with Vault.create(home, "ana.ficticia", "frase ficticia de ana") as v:
        v.add_officer("carla.ficticia", "frase ficticia de carla")
    pass_file = tmp_path / "ana.txt"
    pass_file.write_text("frase ficticia de ana\n", encoding="utf-8")
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    code = laptop_main(["--lang", "es", "--home", str(home), "--passphrase-file", str(pass_file), "--officer", "ana.ficticia",
                        "officer", "remove", "carla.ficticia"])
    err = capsys.readouterr().err
    assert code == 2 and "repita el comando con --yes" in err
    with Vault.open(home, "carla.ficticia", "frase ficticia de carla"):  # not removed
        pass
