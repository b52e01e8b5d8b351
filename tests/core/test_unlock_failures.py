"""Failed unlocks: the delay never grows because the clock was set back, and the next good
unlock leaves a trace (an ``unlock_failures`` audit entry, the count on the opened vault,
a line on the command line's stderr) instead of clearing the count unseen. Never what was
typed. All data is FICTIONAL."""

from __future__ import annotations

import pytest

from intake_app.errors import UnlockThrottled, WrongPassphrase
from intake_app.vault import Vault, keyring
from tests.cli.conftest import run_intake
from tests.conftest import PASSPHRASE

OFFICER = "oficial.prueba"
WRONG = "frase ficticia equivocada"
YEAR = 365 * 24 * 3600.0


def _fail(home, times: int, clock) -> None:
    for _ in range(times):
        with pytest.raises(WrongPassphrase):
            Vault.open(home, OFFICER, WRONG)
        clock[0] += keyring.MAX_DELAY + 1  # past the delay: the next try is counted


def test_the_wait_left_is_never_more_than_the_delay():
    assert keyring.wait_left(1, 1_000.0, 1_000.0 - YEAR) == 1.0
    assert keyring.wait_left(4, 1_000.0, 1_000.0 - YEAR) == 8.0
    assert keyring.wait_left(4, 1_000.0, 1_003.0) == 5.0
    assert keyring.wait_left(4, 1_000.0, 1_009.0) == 0.0
    assert keyring.wait_left(0, 0.0, 5.0) == 0.0


@pytest.mark.parametrize("failures", [1, 3])
def test_a_clock_set_back_does_not_lock_the_officer_out(vault, home, no_delay, failures):
    vault.close()
    for _ in range(failures):
        no_delay[0] += keyring.MAX_DELAY + 1
        with pytest.raises(WrongPassphrase):
            Vault.open(home, OFFICER, WRONG)
    no_delay[0] -= YEAR  # a dead CMOS battery, or a wrong clock NTP corrects
    with pytest.raises(UnlockThrottled) as exc:
        Vault.open(home, OFFICER, PASSPHRASE)
    assert exc.value.params["retry_after"] == keyring.delay_after(failures)  # not a year
    no_delay[0] += keyring.delay_after(failures) + 0.01  # the normal delay, counted from now
    Vault.open(home, OFFICER, PASSPHRASE).close()


def test_the_next_good_unlock_audits_and_reports_the_failed_tries(vault, home, no_delay):
    vault.close()
    _fail(home, 2, no_delay)
    last = keyring.Keyring.load(home / "keyring.json").find(OFFICER).last_failure
    v = Vault.open(home, OFFICER, PASSPHRASE)
    count, at = v.failed_unlocks_since_last
    assert count == 2 and at.startswith("1970-01-1") and at.endswith("+00:00")  # the fake clock's last failure
    from datetime import datetime

    assert datetime.fromisoformat(at).timestamp() == pytest.approx(last, abs=1)
    entries = v.audit.entries()
    assert [e.action for e in entries[-2:]] == ["unlock_failures", "unlock"]
    assert entries[-2].detail == {"count": 2, "last_at": at}
    assert keyring.Keyring.load(home / "keyring.json").find(OFFICER).failures == 0
    v.close()
    v = Vault.open(home, OFFICER, PASSPHRASE)  # said once: the next unlock has none
    assert v.failed_unlocks_since_last is None
    assert [e.action for e in v.audit.entries()].count("unlock_failures") == 1
    v.close()
    assert all(WRONG.encode() not in p.read_bytes() for p in home.rglob("*") if p.is_file())


def test_a_good_unlock_without_failures_says_nothing(vault, home):
    vault.close()
    v = Vault.open(home, OFFICER, PASSPHRASE)
    assert v.failed_unlocks_since_last is None
    assert "unlock_failures" not in [e.action for e in v.audit.entries()]
    v.close()


def test_failed_unlocks_cleared_by_a_passphrase_check_are_audited(vault, home, no_delay):
    other = keyring.Keyring.load(home / "keyring.json")  # another program (the CLI) on this laptop
    with pytest.raises(WrongPassphrase):
        other.unwrap(OFFICER, WRONG)
    no_delay[0] += 2
    vault.verify_passphrase(PASSPHRASE)
    last = vault.audit.entries()[-1]
    assert last.action == "unlock_failures" and last.detail["count"] == 1


def test_wrong_checks_in_the_session_are_not_audited_twice(vault, home, no_delay):
    with pytest.raises(WrongPassphrase):
        vault.verify_passphrase(WRONG)
    no_delay[0] += 2
    vault.verify_passphrase(PASSPHRASE)
    assert [e.action for e in vault.audit.entries()][-1] == "passphrase_check_failed"  # its own entry, once


def test_the_command_line_tells_the_officer(vault, home, passphrase_file, no_delay):
    vault.close()
    _fail(home, 3, no_delay)
    code, out, err = run_intake("--home", home, "--passphrase-file", passphrase_file, "case", "list")
    assert code == 0, err
    assert "Atención: hubo 3 intentos fallidos con su frase de paso desde su último acceso" in err
    assert "intentos fallidos" not in out and WRONG not in err
    code, _, err = run_intake("--home", home, "--passphrase-file", passphrase_file, "case", "list")
    assert code == 0 and "intentos fallidos" not in err


def test_tries_cleared_by_an_unlock_that_then_fails_wait_for_the_next_one(vault, home, no_delay):
    """The right passphrase clears the count before the database opens; when the open then
    fails (here another program holds the write lock: VaultBusy), the tries are counted again
    and said at the next unlock that gets through, never lost."""
    from intake_app.errors import VaultBusy
    from intake_app.vault.store import _connect

    key = vault._db_key
    vault.close()
    _fail(home, 2, no_delay)
    other = _connect(home / "vault.db", key)
    other.execute("PRAGMA busy_timeout = 0")
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(VaultBusy):
            Vault.open(home, OFFICER, PASSPHRASE)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert keyring.Keyring.load(home / "keyring.json").find(OFFICER).failures == 2
    v = Vault.open(home, OFFICER, PASSPHRASE)
    assert v.failed_unlocks_since_last[0] == 2
    assert [e.detail["count"] for e in v.audit.entries() if e.action == "unlock_failures"] == [2]
    v.close()
