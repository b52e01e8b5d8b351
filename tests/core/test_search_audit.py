"""Searches are audited by the core (``case_search``: how many cases were found, never the
text): at once for a search asked as a whole (the command line), or through
``record_search`` by a front end that searches as you type. All data is FICTIONAL."""

from __future__ import annotations

from intake_app.demo import fictional_intakes
from tests.cli.conftest import run_intake

QUERY = "Quetzal Ficticio"


def _searches(vault) -> list[dict]:
    return [e.detail for e in vault.audit.entries() if e.action == "case_search"]


def test_a_search_asked_as_a_whole_is_recorded_with_its_count_never_its_text(vault):
    vault.save_cases_bulk(fictional_intakes(3, 5, vault.codebook))
    rows = vault.search("a", audit=True)
    assert _searches(vault) == [{"results": len(rows)}]
    vault.search(QUERY, audit=True)
    assert _searches(vault)[-1] == {"results": 0}
    assert all(QUERY not in repr(e) and "Quetzal" not in repr(e) for e in vault.audit.entries())


def test_a_search_as_you_type_is_recorded_by_its_front_end_once(vault):
    vault.search("Que")
    vault.search("Quetz")
    assert _searches(vault) == []  # each keystroke is not a search of its own
    vault.record_search(0)
    assert _searches(vault) == [{"results": 0}]


def test_the_command_line_records_one_entry_per_search(vault, home, passphrase_file):
    vault.close()
    for _ in range(2):
        code, _, err = run_intake("--home", home, "--passphrase-file", passphrase_file, "case", "search", QUERY)
        assert code == 0, err
    from intake_app.vault import Vault
    from tests.conftest import PASSPHRASE

    v = Vault.open(home, "oficial.prueba", PASSPHRASE)
    assert _searches(v) == [{"results": 0}, {"results": 0}]
    v.close()
