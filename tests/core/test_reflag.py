"""When the screening rules change, the case list's stored flags follow on the next unlock
(intake_app/vault/reflag.py): a case saved under the old rules showed no trafficking flag in
the list while its record and its printed copy showed the indication. Fictional data."""

from __future__ import annotations

from intake_app.screening import RULES_VERSION
from intake_app.vault import Vault
from intake_app.vault.cases import FLAG_BITS
from intake_app.vault.reflag import META_KEY
from tests.conftest import PASSPHRASE


def test_flags_are_computed_again_once_per_rules_version(vault, sample):
    rec = sample("intake-adult-woman")
    for key in [k for k in rec if k.startswith(("tr_", "sm_"))]:
        del rec[key]
    rec.update(tr_acts=["recruitment"], tr_purposes=["forced_labour"],
               tr_ilo_indicators=["deception"])  # a means only as an ILO indicator
    case_id = vault.save_case(rec).case_id
    bit = FLAG_BITS["flag_trafficking"]
    flags = lambda v: v.conn.execute("SELECT flags FROM cases WHERE case_id = ?", (case_id,)).fetchone()[0]  # noqa: E731
    assert flags(vault) & bit
    with vault.transaction():  # as a vault saved under rules 1 left it
        vault.conn.execute("UPDATE cases SET flags = flags & ? WHERE case_id = ?", (~bit, case_id))
        vault.set_meta(META_KEY, "1")
    home, officer = vault.home, vault.officer.name
    vault.close()

    reopened = Vault.open(home, officer, PASSPHRASE)
    try:
        assert flags(reopened) & bit
        assert reopened.meta(META_KEY) == str(RULES_VERSION)
        entries = [e for e in reopened.audit.entries() if e.action == "flags_refreshed"]
        assert len(entries) == 1 and entries[0].detail["changed"] == 1
    finally:
        reopened.close()
    again = Vault.open(home, officer, PASSPHRASE)  # once per version: nothing to do now
    try:
        assert len([e for e in again.audit.entries() if e.action == "flags_refreshed"]) == 1
    finally:
        again.close()
