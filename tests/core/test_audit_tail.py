"""The audit log's tail: entries removed from the end of the table (by SQL, with the
database key) stay a visible break. The next entry goes on from the head kept in ``meta``,
never from the table's last row, so no unlock (``intake audit verify`` unlocks first)
"heals" the chain. All data is FICTIONAL."""

from __future__ import annotations

import pytest

from intake_app.errors import AuditBroken
from intake_app.vault import Vault
from intake_app.vault.keyring import Keyring
from intake_app.vault.store import _connect
from tests.cli.conftest import run_intake
from tests.conftest import PASSPHRASE

OFFICER = "oficial.prueba"


def _raw(home):
    """A keyed connection of our own: someone holding the database key, the app closed."""
    _, key = Keyring.load(home / "keyring.json").unwrap(OFFICER, PASSPHRASE)
    return _connect(home / "vault.db", key)


def _vault_with_entries(vault, home, n: int = 5) -> int:
    for _ in range(n):
        vault.record("case_print")  # ids and codes only: a fictional print
    last = vault.audit.entries()[-1].seq
    vault.close()  # + "lock"
    return last + 1


def _cut_tail(home, keep: int) -> None:
    conn = _raw(home)
    conn.execute("DELETE FROM audit WHERE seq > ?", (keep,))
    conn.close()


def test_a_removed_tail_is_found_before_anything_is_appended(vault, home):
    last = _vault_with_entries(vault, home)
    _cut_tail(home, last - 2)
    conn = _raw(home)
    from intake_app.vault.audit import AuditLog

    with pytest.raises(AuditBroken) as exc:
        AuditLog(conn).verify()
    conn.close()
    assert exc.value.params == {"seq": last - 1, "reason": "truncated"}


@pytest.mark.parametrize("removed", [1, 3])
def test_unlocking_again_does_not_heal_a_removed_tail(vault, home, removed):
    last = _vault_with_entries(vault, home)
    _cut_tail(home, last - removed)
    for _ in range(3):  # each unlock (and its lock) appends: the break stays
        v = Vault.open(home, OFFICER, PASSPHRASE)
        with pytest.raises(AuditBroken) as exc:
            v.audit.verify()
        assert exc.value.params["seq"] == last - removed + 1
        assert exc.value.params["reason"] == "missing"
        v.close()
    v = Vault.open(home, OFFICER, PASSPHRASE)
    seqs = [e.seq for e in v.audit.entries()]
    assert seqs[last - removed - 1] == last - removed and seqs[last - removed] == last + 1  # numbers never reused
    v.close()


def test_intake_audit_verify_reports_a_removed_tail(vault, home, passphrase_file):
    last = _vault_with_entries(vault, home)
    _cut_tail(home, last - 1)
    code, out, err = run_intake("--home", home, "--passphrase-file", passphrase_file, "audit", "verify")
    assert code == 2, (out, err)
    assert "íntegra" not in out
    assert f"Faltan entradas en la bitácora de auditoría a partir de la entrada {last}" in err
    code, out, err = run_intake("--home", home, "--passphrase-file", passphrase_file, "--lang", "en",
                                "audit", "verify")
    assert code == 2 and f"Entries are missing from the audit log from entry {last} on" in err


def test_a_last_entry_replaced_with_a_fresh_hash_is_found(vault, home):
    from intake_app.vault.audit import entry_hash

    last = _vault_with_entries(vault, home)
    conn = _raw(home)
    seq, at, officer, case_id, rev, prev = conn.execute(
        "SELECT seq, at, officer_id, case_id, revision_id, prev_hash FROM audit WHERE seq = ?", (last,)).fetchone()
    h = entry_hash(prev, seq, at, officer, "case_view", case_id, rev, "{}")  # the chain itself still links
    conn.execute("UPDATE audit SET action = 'case_view', detail = '{}', hash = ? WHERE seq = ?", (h, seq))
    conn.close()
    v = Vault.open(home, OFFICER, PASSPHRASE)
    with pytest.raises(AuditBroken) as exc:
        v.audit.verify()
    assert exc.value.params == {"seq": last + 1, "reason": "chain"}
    v.close()


def test_an_untouched_log_stays_intact_across_unlocks(vault, home, passphrase_file):
    _vault_with_entries(vault, home)
    for _ in range(2):
        Vault.open(home, OFFICER, PASSPHRASE).close()
    code, out, _ = run_intake("--home", home, "--passphrase-file", passphrase_file, "audit", "verify")
    assert code == 0 and "Bitácora íntegra" in out
