"""The line under the case list groups its digits as each language writes numbers (Spanish:
"100 000 casos" with a narrow no-break space, "1234 casos" whole, as the RAE writes them;
English: "100,000 cases"), and a search that matched more than it shows says so and how to
narrow it, rather than "200 resultados". Fictional people only."""

from __future__ import annotations

import pytest

from intake_app import i18n
from intake_app.numbers import THIN
from ui import caselist, caselist_keep

from tests.ui.test_caselist import _seed
from tests.ui.uikit import wait_idle


@pytest.mark.parametrize("lang, count, text", [
    ("es", 100_000, f"100{THIN}000 casos"), ("es", 1234, "1234 casos"), ("es", 1, "1 caso"),
    ("en", 100_000, "100,000 cases"), ("en", 1234, "1,234 cases"),
])
def test_the_count_is_grouped(qtbot, unlocked, lang, count, text):
    page = unlocked.workspace.list_page
    before = i18n.language()
    i18n.set_language(lang)
    try:
        model = page.model
        with qtbot.waitSignal(model.loaded, timeout=5_000):
            model._count_done(model._gen, count)  # as the vault's count arrives
        assert page.count.text() == text
    finally:
        i18n.set_language(before)
        wait_idle(qtbot, unlocked)


def test_a_search_that_matched_more_says_so(qtbot, unlocked, monkeypatch):
    win = unlocked
    _seed(qtbot, win, 12)
    page = win.workspace.list_page

    def search(shown: int) -> None:
        monkeypatch.setattr(caselist, "SEARCH_SHOWN", shown)
        monkeypatch.setattr(caselist_keep, "SEARCH_SHOWN", shown)
        with qtbot.waitSignal(page.model.loaded, timeout=20_000):
            page.model.set_search("DEMO")  # every fictional name: 12 match
        wait_idle(qtbot, win)

    search(12)  # all shown: counted
    assert page.model.rowCount() == 12 and page.count.text() == "12 resultados"
    search(5)
    assert page.model.rowCount() == 5
    assert page.count.text() == i18n.t("ui.cases.found_more", "es", shown="5")
    assert page.count.text() == "Se muestran los primeros 5; escriba más para acotar"


@pytest.mark.parametrize("lang, text", [("es", f"100{THIN}000 casos por enviar"), ("en", "100,000 cases to send")])
def test_the_status_bar_groups_the_cases_to_send(qtbot, unlocked, lang, text):
    status = unlocked.sync_status
    before = i18n.language()
    i18n.set_language(lang)
    try:
        status._show((100_000, None, None, False))  # as the worker's status job answers
        assert status.pending.text() == text
    finally:
        i18n.set_language(before)
        wait_idle(qtbot, unlocked)
