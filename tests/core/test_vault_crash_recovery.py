"""A program killed between the database's commit and the keyring's write: adding the
officer again works without a second row; a half-written keyring copy is removed; a vault
whose creation stopped halfway gets one actionable answer from every command. Nothing
is deleted automatically. Fictional officers only."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from intake_app import i18n
from intake_app.errors import OfficerExists, VaultIncomplete
from intake_app.vault import Vault, keyring, officer_names
from tests.conftest import PASSPHRASE, ROOT

OTHER = "otra frase ficticia larga"


def _rows(vault, name):
    return [r[0] for r in vault.conn.execute("SELECT officer_id FROM officers WHERE name = ?", (name,))]


def test_an_officer_row_left_without_its_keyring_entry_is_taken_over(vault, home):
    """What an older version left when killed after the row's commit: re-adding the officer
    uses that row (one row, one officer), and the listing never showed the orphan."""
    with vault.transaction():
        vault.conn.execute("INSERT INTO officers VALUES ('0a1b2c3d4e5f', 'segundo.ficticio', '2025-01-01T00:00:00Z')")
    assert [o.name for o in vault.officers()] == ["oficial.prueba"]  # it cannot unlock: not an officer
    added = vault.add_officer("segundo.ficticio", OTHER)
    assert added.id == "0a1b2c3d4e5f"
    assert _rows(vault, "segundo.ficticio") == ["0a1b2c3d4e5f"]
    assert [o.name for o in vault.officers()] == ["oficial.prueba", "segundo.ficticio"]
    with pytest.raises(OfficerExists):
        vault.add_officer("segundo.ficticio", OTHER)
    vault.close()
    with Vault.open(home, "segundo.ficticio", OTHER) as v:
        assert v.officer.id == "0a1b2c3d4e5f"


def test_a_duplicate_row_an_older_version_made_is_listed_once(vault, home):
    vault.add_officer("segundo.ficticio", OTHER)
    with vault.transaction():  # the orphan of an earlier, killed add of the same name
        vault.conn.execute("INSERT INTO officers VALUES ('0a1b2c3d4e5f', 'segundo.ficticio', '2025-01-01T00:00:00Z')")
    assert [o.name for o in vault.officers()] == ["oficial.prueba", "segundo.ficticio"]


def _killed_add(home, where: str) -> int:
    """``add_officer`` in a child process killed (SIGKILL) once the new keyring is written
    beside the old, before the database's COMMIT (``before``), or after the COMMIT, before
    the new keyring is renamed over the old (``after``)."""
    script = textwrap.dedent(f"""
        import os, signal, sys
        sys.path.insert(0, {str(ROOT)!r})
        from intake_app.vault import Vault
        v = Vault.open({str(home)!r}, "oficial.prueba", {PASSPHRASE!r})
        fsync, replace = os.fsync, os.replace
        def kill_at_fsync(fd):
            fsync(fd)
            os.kill(os.getpid(), signal.SIGKILL)
        def kill_at_replace(src, dst):
            if str(dst).endswith("keyring.json"):
                os.kill(os.getpid(), signal.SIGKILL)
            replace(src, dst)
        if {where!r} == "before":
            os.fsync = kill_at_fsync
        else:
            os.replace = kill_at_replace
        v.add_officer("segundo.ficticio", {OTHER!r})
    """)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "INTAKE_TEST_FAST_KDF": "1"}
    return subprocess.run([sys.executable, "-c", script], env=env, timeout=120, capture_output=True).returncode


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
def test_killed_before_the_commit_nothing_was_added(vault, home):
    vault.close()
    assert _killed_add(home, "before") == -9
    assert [p.name for p in home.iterdir() if p.name.endswith(".part")]  # the new keyring, never renamed
    with Vault.open(home, "oficial.prueba", PASSPHRASE) as v:  # which the open removes
        assert not [p.name for p in home.iterdir() if p.name.endswith(".part")]
        assert [o.name for o in v.officers()] == ["oficial.prueba"] and _rows(v, "segundo.ficticio") == []
        v.add_officer("segundo.ficticio", OTHER)
        assert len(_rows(v, "segundo.ficticio")) == 1
    Vault.open(home, "segundo.ficticio", OTHER).close()


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
def test_killed_after_the_commit_adding_again_takes_the_row_over(vault, home):
    vault.close()
    assert _killed_add(home, "after") == -9
    assert officer_names(home) == ["oficial.prueba"]
    with Vault.open(home, "oficial.prueba", PASSPHRASE) as v:
        (orphan,) = _rows(v, "segundo.ficticio")
        assert [o.name for o in v.officers()] == ["oficial.prueba"]
        assert v.add_officer("segundo.ficticio", OTHER).id == orphan
        assert _rows(v, "segundo.ficticio") == [orphan]
        assert v.audit.verify()
    with Vault.open(home, "segundo.ficticio", OTHER) as v:
        assert v.officer.id == orphan


def test_a_half_written_keyring_copy_is_removed_when_the_vault_opens(vault, home):
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(done.stdout)  # exited: its copy is a leftover
    stale = home / f".keyring.json.{dead_pid}.part"
    stale.write_bytes(b'{"format": 1}')
    mine = home / f".keyring.json.{os.getpid()}.part"  # a running program's: left alone
    mine.write_bytes(b'{"format": 1}')
    vault.close()
    Vault.open(home, "oficial.prueba", PASSPHRASE).close()
    assert not stale.exists() and mine.exists()
    mine.unlink()


# --- vault init stopped between vault.db and keyring.json ----------------------------------------
def test_a_vault_created_halfway_gets_one_answer_from_every_command(vault, home, tmp_path):
    vault.close()
    (home / "keyring.json").rename(tmp_path / "keyring.json")  # as if killed before writing it
    before, files = (home / "vault.db").read_bytes(), sorted(p.name for p in home.iterdir())
    for attempt in (lambda: Vault.create(home, "oficial.prueba", PASSPHRASE),
                    lambda: Vault.open(home, "oficial.prueba", PASSPHRASE),
                    lambda: officer_names(home)):
        with pytest.raises(VaultIncomplete) as exc:
            attempt()
        assert exc.value.params == {"part": "keyring"}
    text = i18n.describe_error(exc.value, "es")
    assert "keyring.json" in text and "vault.db" in text and "copia de seguridad" in text
    assert "keyring.json" in i18n.describe_error(exc.value, "en")
    assert (home / "vault.db").read_bytes() == before  # nothing deleted, nothing created
    assert sorted(p.name for p in home.iterdir()) == files

    env = {**os.environ, "PYTHONPATH": str(ROOT), "INTAKE_TEST_FAST_KDF": "1"}
    pp = tmp_path / "pp.txt"
    pp.write_text(PASSPHRASE + "\n" + PASSPHRASE + "\n", encoding="utf-8")
    answers = set()
    for args in (["vault", "init", "--officer", "oficial.prueba"], ["case", "list"]):
        p = subprocess.run([sys.executable, "-m", "intake_app", "--home", str(home), "--passphrase-file", str(pp),
                            *args], env=env, capture_output=True, text=True, timeout=120)
        assert p.returncode == 2
        answers.add(p.stderr.strip())
    assert len(answers) == 1 and text in answers.pop()  # the same words from both
    (tmp_path / "keyring.json").rename(home / "keyring.json")  # restored: it opens
    Vault.open(home, "oficial.prueba", PASSPHRASE).close()


def test_a_keyring_without_its_database_is_named_too(vault, home, tmp_path):
    vault.close()
    (home / "vault.db").rename(tmp_path / "vault.db")
    with pytest.raises(VaultIncomplete) as exc:
        Vault.create(home, "oficial.prueba", PASSPHRASE)
    assert exc.value.params == {"part": "database"}
    with pytest.raises(VaultIncomplete):
        Vault.open(home, "oficial.prueba", PASSPHRASE)
    assert keyring.Keyring.load(home / "keyring.json").officers  # untouched
