"""A server folder made by an older version names its SQLite file by absolute path. Copied
as a whole (to rehearse an upgrade, or for a test server), the copy must not work on the
original's database; ``migrate`` writes the path relative to the folder from then on. The
administrator and data are fictional."""

from __future__ import annotations

import json
import shutil
import sqlite3

import pytest

from intake_app.server.config import CONFIG_NAME, load_settings
from intake_app.server.errors import ServerDatabaseInOtherFolder
from intake_app.server.setup import init_server

from .conftest import ADMIN_PASSWORD, FAST_KDF, KEY_PASSPHRASE
from .test_backup import cli


def _older_version_home(tmp_path):
    """A home whose server.json names its own database by absolute path, as before b7a1382."""
    home = tmp_path / "original"
    init_server(home, db_url=None, passphrase=KEY_PASSPHRASE, admin_username="admin",
                admin_password=ADMIN_PASSWORD, kdf=FAST_KDF)
    conf = json.loads((home / CONFIG_NAME).read_text())
    assert conf["db_url"] == "sqlite:///server.sqlite3"
    conf["db_url"] = f"sqlite:///{home / 'server.sqlite3'}"
    (home / CONFIG_NAME).write_text(json.dumps(conf))
    return home


def _users(db) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM users").fetchone()[0]


def test_a_copied_older_folder_is_refused_until_told_which_database(tmp_path, capsys):
    original = _older_version_home(tmp_path)
    copy = tmp_path / "copy"
    shutil.copytree(original, copy)
    with pytest.raises(ServerDatabaseInOtherFolder) as refused:
        load_settings(copy)
    assert refused.value.params["database"] == str(original / "server.sqlite3")

    assert cli(copy, None, tmp_path, "migrate") != 0  # nothing run on the original's database
    err = capsys.readouterr().err
    assert "another folder's database" in err and str(copy / "server.sqlite3") in err and "Traceback" not in err

    (copy / "marker").write_text("fictional")  # the copy's own database is the one given now
    assert cli(copy, f"sqlite:///{copy / 'server.sqlite3'}", tmp_path, "migrate") == 0
    assert json.loads((copy / CONFIG_NAME).read_text())["db_url"] == "sqlite:///server.sqlite3"
    assert load_settings(copy).db_url == f"sqlite:///{copy / 'server.sqlite3'}"
    assert load_settings(original).db_url == f"sqlite:///{original / 'server.sqlite3'}"  # left as it was


def test_migrate_in_place_writes_the_path_relative_so_a_later_copy_uses_its_own(tmp_path):
    original = _older_version_home(tmp_path)
    assert cli(original, None, tmp_path, "migrate") == 0
    assert json.loads((original / CONFIG_NAME).read_text())["db_url"] == "sqlite:///server.sqlite3"
    copy = tmp_path / "copy"
    shutil.copytree(original, copy)
    assert load_settings(copy).db_url == f"sqlite:///{copy / 'server.sqlite3'}"
    assert _users(copy / "server.sqlite3") == _users(original / "server.sqlite3") == 1


def test_a_database_elsewhere_on_purpose_is_kept_as_it_is(tmp_path):
    """An absolute path outside the folder, with no file of that name in it: a chosen place."""
    elsewhere = tmp_path / "var" / "intake.sqlite3"
    elsewhere.parent.mkdir()
    home = tmp_path / "srv"
    init_server(home, db_url=f"sqlite:///{elsewhere}", passphrase=KEY_PASSPHRASE, admin_username="admin",
                admin_password=ADMIN_PASSWORD, kdf=FAST_KDF)
    assert cli(home, None, tmp_path, "migrate") == 0
    assert json.loads((home / CONFIG_NAME).read_text())["db_url"] == f"sqlite:///{elsewhere}"


def test_a_database_moved_out_of_the_home_under_the_same_name_still_serves(tmp_path, capsys):
    """``db move`` keeps the home's old file as the way back: not a copied folder."""
    home = tmp_path / "srv"
    init_server(home, db_url=None, passphrase=KEY_PASSPHRASE, admin_username="admin",
                admin_password=ADMIN_PASSWORD, kdf=FAST_KDF)
    target = tmp_path / "var" / "server.sqlite3"
    target.parent.mkdir()
    assert cli(home, None, tmp_path, "db", "move", "--to", f"sqlite:///{target}") == 0
    assert (home / "server.sqlite3").exists()  # the way back, kept
    capsys.readouterr()
    assert cli(home, None, tmp_path, "user", "list") == 0, capsys.readouterr().err
    assert load_settings(home).db_url == f"sqlite:///{target}"


def test_a_one_off_db_for_migrate_does_not_change_the_servers_database(tmp_path):
    """``--db`` names a database for this command only: migrating a file left in the home
    keeps server.json as it was (another database, and keys this version does not know)."""
    home = tmp_path / "srv"
    init_server(home, db_url=None, passphrase=KEY_PASSPHRASE, admin_username="admin",
                admin_password=ADMIN_PASSWORD, kdf=FAST_KDF)
    shutil.copyfile(home / "server.sqlite3", home / "left-behind.sqlite3")
    conf = json.loads((home / CONFIG_NAME).read_text())
    conf.update(db_url="postgresql+psycopg://postgres@127.0.0.1:5432/helper_not_used", later_setting=1)
    (home / CONFIG_NAME).write_text(json.dumps(conf))
    assert cli(home, f"sqlite:///{home / 'left-behind.sqlite3'}", tmp_path, "migrate") == 0
    assert json.loads((home / CONFIG_NAME).read_text()) == conf
