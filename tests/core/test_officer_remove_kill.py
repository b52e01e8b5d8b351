"""An officer's removal killed for real (``os._exit`` after a step, SIGKILL during the
re-key): no ``finally`` runs, the database is left out of WAL and exclusively locked by a
dead process, maybe with a journal. Every remaining officer still opens the vault with
every case, the removed one never does once the re-key is done, and running the removal
again completes it. Fictional officers, passphrases and cases only."""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from intake_app.errors import UnknownOfficer, VaultCorrupt
from intake_app.vault import Vault, keyring
from tests.conftest import PASSPHRASE, ROOT, load_sample

ANA, BETO, CARLA = "ana.ficticia", "beto.ficticio", "carla.ficticia"
PASSES = {ANA: PASSPHRASE, BETO: "frase ficticia de beto", CARLA: "frase ficticia de carla"}

CHILD = textwrap.dedent("""
    import os, sys
    from intake_app.vault import Vault, officers
    home, step = sys.argv[1], sys.argv[2]
    real = getattr(officers, step)

    def then_die(*args):
        if step == "_rekey":
            print("rekey", flush=True)  # the parent may kill it from here on
            if os.environ.get("DIE_AFTER") == "0":
                real(*args)
                return
        real(*args)
        os._exit(9)

    setattr(officers, step, then_die)
    v = Vault.open(home, {ana!r}, {pp!r})
    v.remove_officer({carla!r})
    print("done", flush=True)
""").format(ana=ANA, pp=PASSPHRASE, carla=CARLA)


def _team(home, bulk: int = 0) -> list[str]:
    v = Vault.create(home, ANA, PASSES[ANA])
    v.add_officer(BETO, PASSES[BETO])
    v.add_officer(CARLA, PASSES[CARLA])
    if bulk:
        from intake_app.demo import fictional_intakes

        v.save_cases_bulk(fictional_intakes(bulk))
    v.save_case(load_sample("intake-adult-woman"))
    ids = sorted(r.case_id for r in v.list_cases(limit=100_000))
    v.close()
    return ids


def _child(home, step: str, **env) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", CHILD, str(home), step], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT), "INTAKE_TEST_FAST_KDF": "1", **env})


def _removed_cannot_open(home, tmp_path, old_keyring) -> None:
    stolen = tmp_path / "stolen"
    shutil.rmtree(stolen, ignore_errors=True)
    stolen.mkdir()
    shutil.copy(home / "vault.db", stolen / "vault.db")
    shutil.copy(old_keyring, stolen / "keyring.json")
    with pytest.raises(VaultCorrupt):
        Vault.open(stolen, CARLA, PASSES[CARLA])


def _check_and_complete(home, tmp_path, old_keyring, ids, rekeyed: bool | None) -> None:
    """``rekeyed``: whether the vault must already be on the new key (None: either)."""
    with pytest.raises(UnknownOfficer):
        Vault.open(home, CARLA, PASSES[CARLA])
    old_key = keyring.Keyring.load(old_keyring).unwrap(BETO, PASSES[BETO])[1]
    with Vault.open(home, BETO, PASSES[BETO]) as v:  # not the officer who ran it
        assert sorted(r.case_id for r in v.list_cases(limit=100_000)) == ids and v.integrity_check()
        if rekeyed is not None:
            assert (v._db_key != old_key) == rekeyed
        if rekeyed:
            _removed_cannot_open(home, tmp_path, old_keyring)
        if CARLA in {o.name for o in v.keyring.officers}:  # else it had finished before the kill
            v.remove_officer(CARLA)
    assert sorted(o.name for o in keyring.Keyring.load(home / "keyring.json").officers) == [ANA, BETO]
    _removed_cannot_open(home, tmp_path, old_keyring)
    for name in (ANA, BETO):
        with Vault.open(home, name, PASSES[name]) as v:
            assert sorted(r.case_id for r in v.list_cases(limit=100_000)) == ids and v.integrity_check()
            assert v.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert [e.action for e in v.audit.entries()].count("officer_remove") == 1


@pytest.mark.parametrize("step", ["_mark", "_rekey", "_record"], ids=["after-a", "after-b", "after-c"])
def test_killed_after_a_step(home, tmp_path, no_delay, step):
    ids = _team(home)
    old_keyring = tmp_path / "keyring-before.json"
    shutil.copy(home / "keyring.json", old_keyring)
    proc = _child(home, step)
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 9 and "done" not in out
    _check_and_complete(home, tmp_path, old_keyring, ids, rekeyed=step != "_mark")


@pytest.mark.slow
def test_sigkill_during_the_rekey(home, tmp_path, no_delay):
    """Killed at random moments of SQLCipher's re-key: the journal brings the vault back to
    the old key, or the re-key had committed; the unlock finds which key opens it."""
    ids = _team(home, bulk=1500)
    old_keyring = tmp_path / "keyring-before.json"
    shutil.copy(home / "keyring.json", old_keyring)
    backup = tmp_path / "backup"
    shutil.copytree(home, backup)
    rng = random.Random(11)
    for _ in range(5):
        shutil.rmtree(home)
        shutil.copytree(backup, home)
        proc = _child(home, "_rekey", DIE_AFTER="0")
        assert proc.stdout.readline().strip() == "rekey"
        time.sleep(rng.uniform(0, 0.06))  # the re-key of this vault takes about 70 ms here
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=120)
        _check_and_complete(home, tmp_path, old_keyring, ids, rekeyed=None)
