"""``intake-server keys passphrase``: a leaked or shared key-file passphrase can be replaced.
The keys stay the same, the old passphrase no longer opens the file, the operator is told
what it still opens (earlier backups, other hosts' copies, the old INTAKE_SERVER_KEY), the
change is audited, and it is refused while a server of the home runs. All data is fictional."""

from __future__ import annotations

import os

import pytest

from intake_app.bundle.errors import ServerKeyWrongPassphrase
from intake_app.bundle.serverkeys import read_key_file
from intake_app.server.running import marker_path

from .conftest import FAST_KDF, KEY_PASSPHRASE
from .test_backup import cli
from .test_cli_migrate_serve_rotate import home  # noqa: F401  (a fixture: a fresh server folder)

NEW = "otra frase del operador ficticia"


def _new_file(tmp_path, value: str = NEW):
    path = tmp_path / "nueva.txt"
    path.write_text(value + "\n", encoding="utf-8")
    return str(path)


def test_the_new_passphrase_opens_the_same_keys_and_the_old_one_no_longer(home, tmp_path, capsys):
    before, _ = read_key_file(home / "server.keys", passphrase=KEY_PASSPHRASE)
    assert cli(home, None, tmp_path, "keys", "passphrase", "--new-passphrase-file", _new_file(tmp_path)) == 0
    out = capsys.readouterr().out
    after, fkey = read_key_file(home / "server.keys", passphrase=NEW)
    assert after.signing_public.fingerprint() == before.signing_public.fingerprint()
    assert after.key_ids == before.key_ids and fkey.kdf == FAST_KDF
    with pytest.raises(ServerKeyWrongPassphrase):
        read_key_file(home / "server.keys", passphrase=KEY_PASSPHRASE)
    assert "backups made before" in out and "INTAKE_SERVER_KEY" in out and "other machines" in out
    assert NEW not in out and KEY_PASSPHRASE not in out
    # the change is in the server's audit log, and the chain still verifies
    assert cli(home, None, tmp_path, "audit", "verify", passphrase=NEW) == 0
    from sqlalchemy import create_engine, text
    engine = create_engine(f"sqlite:///{home / 'server.sqlite3'}")
    with engine.connect() as conn:
        actions = [r[0] for r in conn.execute(text("SELECT action FROM audit_log ORDER BY seq"))]
    engine.dispose()
    assert actions[-1] == "keys_passphrase"


def test_a_weak_new_passphrase_is_refused_and_the_file_is_unchanged(home, tmp_path, capsys):
    data = (home / "server.keys").read_bytes()
    assert cli(home, None, tmp_path, "keys", "passphrase", "--new-passphrase-file", _new_file(tmp_path, "corta")) != 0
    assert (home / "server.keys").read_bytes() == data
    assert "corta" not in capsys.readouterr().err


def test_the_wrong_current_passphrase_changes_nothing(home, tmp_path):
    data = (home / "server.keys").read_bytes()
    assert cli(home, None, tmp_path, "keys", "passphrase", "--new-passphrase-file", _new_file(tmp_path),
               passphrase="no es la frase ficticia") != 0
    assert (home / "server.keys").read_bytes() == data


def test_refused_while_a_server_of_the_home_runs(home, tmp_path, capsys):
    marker = marker_path(home, os.getppid())  # a live process that is not this one stands for the server
    marker.parent.mkdir(exist_ok=True)
    marker.write_text(str(os.getppid()), encoding="ascii")
    data = (home / "server.keys").read_bytes()
    try:
        assert cli(home, None, tmp_path, "keys", "passphrase", "--new-passphrase-file", _new_file(tmp_path)) != 0
    finally:
        marker.unlink()
    assert (home / "server.keys").read_bytes() == data
    assert "still running" in capsys.readouterr().err


def test_a_change_whose_audit_entry_is_lost_says_the_passphrase_did_change(home, tmp_path, capsys, monkeypatch):
    """The file is rewritten inside the audit transaction; if the commit then fails, the
    operator is told the new passphrase is the one now, not left to believe nothing changed."""
    from contextlib import contextmanager

    from intake_app.server import db

    real = db.transaction

    @contextmanager
    def commit_fails(engine):
        with real(engine) as conn:
            yield conn
            raise OSError("disco ficticio lleno")  # at the commit, after the body ran

    monkeypatch.setattr(db, "transaction", commit_fails)
    assert cli(home, None, tmp_path, "keys", "passphrase", "--new-passphrase-file", _new_file(tmp_path)) != 0
    assert "DID change" in capsys.readouterr().err
    read_key_file(home / "server.keys", passphrase=NEW)  # it did
