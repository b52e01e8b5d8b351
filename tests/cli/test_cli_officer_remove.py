"""``intake officer remove NAME``: asked first (unless ``--yes``), then said plainly: the
officer can no longer open this vault, old copies of keyring.json included; copies of
vault.db made before still open with the keys of then. Fictional officers only."""

from __future__ import annotations

import pytest

from intake_app import i18n
from intake_app.errors import UnknownOfficer
from intake_app.vault import Vault, officers
from tests.conftest import PASSPHRASE

ANA, BETO, CARLA = "ana.ficticia", "beto.ficticio", "carla.ficticia"
CARLA_PASS = "frase ficticia de carla"


@pytest.fixture
def team(home, passphrase_file):
    v = Vault.create(home, ANA, PASSPHRASE)
    v.add_officer(BETO, "frase ficticia de beto")
    v.add_officer(CARLA, CARLA_PASS)
    v.close()
    return ["--home", home, "--passphrase-file", passphrase_file, "--officer", ANA]


def _is_officer(home, name: str) -> bool:
    try:
        Vault.open(home, name, CARLA_PASS).close()
    except UnknownOfficer:
        return False
    return True


def test_asked_first_and_no_keeps_everything(intake, team, home):
    code, out, err = intake(*team, "officer", "remove", CARLA, input="n\n")
    assert code == 0 and out.strip() == i18n.t("cli.aborted")
    assert "¿Retirar a «carla.ficticia» de esta bóveda?" in err and "[s/N]" in err
    assert _is_officer(home, CARLA)


def test_yes_removes_and_says_what_old_copies_still_open(intake, team, home):
    code, out, err = intake(*team, "officer", "remove", CARLA, input="s\n")
    assert code == 0, err
    assert "Oficial «carla.ficticia» retirado" in out
    assert "copias antiguas de keyring.json" in out  # the removed officer's copies no longer open it
    assert "Las copias de vault.db hechas antes del retiro se siguen abriendo" in out  # said plainly
    assert not _is_officer(home, CARLA)
    code, out, _ = intake(*team, "officer", "list")
    assert code == 0 and CARLA not in out and ANA in out and BETO in out


def test_yes_flag_does_not_ask_and_english_reads_english(intake, team, home):
    code, out, err = intake("--lang", "en", *team, "officer", "remove", CARLA, "--yes")
    assert code == 0, err
    assert "Remove" not in err
    assert "can no longer open this vault, not even with old copies of keyring.json" in out
    assert "Copies of vault.db made before the removal still open" in out
    assert not _is_officer(home, CARLA)


def test_removing_oneself_or_an_unknown_name_is_refused_before_asking(intake, team, home):
    code, out, err = intake(*team, "officer", "remove", ANA, input="s\n")
    assert code == 2 and out == ""
    assert i18n.t("error.officer_remove_self") in err and "[s/N]" not in err
    code, out, err = intake(*team, "officer", "remove", "nadie.ficticio", input="s\n")
    assert code == 2 and i18n.t("error.unknown_officer") in err and "[s/N]" not in err
    assert _is_officer(home, CARLA)


def test_refused_while_another_program_has_the_vault_open(intake, team, home):
    beto = Vault.open(home, BETO, "frase ficticia de beto")  # the desktop app, say
    try:
        code, out, err = intake(*team, "officer", "remove", CARLA, "--yes")
    finally:
        beto.close()
    assert code == 2 and i18n.t("error.vault_open_elsewhere") in err
    assert _is_officer(home, CARLA)


def test_an_interrupted_removal_is_said_and_run_again(intake, team, home, monkeypatch):
    def full(*args):
        raise OSError(28, "no space")

    with monkeypatch.context() as m:
        m.setattr(officers, "_drop", full)
        code, out, err = intake(*team, "officer", "remove", CARLA, "--yes")
    assert code == 2
    assert i18n.t("cli.officer_remove_unfinished", name=CARLA) in err
    code, out, err = intake(*team, "officer", "list")
    assert CARLA not in out and i18n.t("cli.officer_remove_unfinished", name=CARLA) in err
    code, out, err = intake(*team, "officer", "remove", CARLA, "--yes")
    assert code == 0 and "retirado" in out
    code, out, err = intake(*team, "officer", "list")
    assert CARLA not in out + err
