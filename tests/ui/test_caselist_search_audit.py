"""The desktop search box is audited like the command line's search (``case_search``, the
count, never the text), once per search: when its result has stayed on screen, when a
result is opened, when the box is cleared, or when the list is left or locked. Typing on
does not flood the log. All data is FICTIONAL."""

from __future__ import annotations

from intake_app.demo import fictional_intakes
from tests.ui.uikit import OFFICER, PASSPHRASE, run_on_backend, wait_idle


def _seed(qtbot, win, n=30):
    with qtbot.waitSignal(win.backend.cases_changed, timeout=60_000):
        win.backend.op(lambda s: s.require().save_cases_bulk(fictional_intakes(n, 5, win.cb))).changes_cases().run()
    wait_idle(qtbot, win)


def _actions(qtbot, win) -> list[tuple[str, dict]]:
    entries = run_on_backend(qtbot, win, lambda s: s.require().audit.entries())
    return [(e.action, e.detail) for e in entries if e.action in ("case_search", "case_view")]


def _typed(qtbot, page, text: str) -> int:
    """The box set to ``text`` as typing does; the number of cases found once shown."""
    page.search.setText(text)
    backend = page.model.backend
    qtbot.waitUntil(lambda: page.model._search == text and not backend.in_flight(), timeout=20_000)
    assert page.model._search_rows is not None
    return page.model.rowCount()


def _page(qtbot, win, settle_ms: int):
    _seed(qtbot, win)
    page = win.workspace.list_page
    page.model._settle.setInterval(settle_ms)
    return page


def test_a_search_that_stays_on_screen_is_recorded_once(qtbot, unlocked):
    win = unlocked
    page = _page(qtbot, win, 100)
    found = _typed(qtbot, page, "r")
    qtbot.waitUntil(lambda: _actions(qtbot, win) == [("case_search", {"results": found})], timeout=10_000)
    win.backend.cases_changed.emit()  # a refresh of the same search (a save elsewhere): not a new one
    with qtbot.waitSignal(page.model.loaded, timeout=20_000):
        pass
    qtbot.wait(300)  # longer than the settle time: nothing more may come
    assert _actions(qtbot, win) == [("case_search", {"results": found})]


def test_typing_on_then_clearing_records_one_search(qtbot, unlocked):
    win = unlocked
    page = _page(qtbot, win, 60_000)  # never settles here
    for text in ("r", "ro", "rod"):
        found = _typed(qtbot, page, text)
    assert _actions(qtbot, win) == []
    page.search.clear()
    qtbot.waitUntil(lambda: not page.model._search and not win.backend.in_flight(), timeout=20_000)
    assert _actions(qtbot, win) == [("case_search", {"results": found})]
    entries = run_on_backend(qtbot, win, lambda s: s.require().audit.entries())
    assert all("rod" not in repr(e.detail).lower() for e in entries)  # never the text typed


def test_opening_a_result_records_its_search_first(qtbot, unlocked):
    win = unlocked
    page = _page(qtbot, win, 60_000)
    found = _typed(qtbot, page, "r")
    assert found
    page._open(0)
    wait_idle(qtbot, win)
    actions = _actions(qtbot, win)
    assert actions[0] == ("case_search", {"results": found})
    assert [a for a, _ in actions].count("case_search") == 1 and actions[-1][0] == "case_view"


def test_locking_with_a_search_on_screen_records_it(qtbot, unlocked):
    from intake_app.vault import Vault

    win = unlocked
    page = _page(qtbot, win, 60_000)
    found = _typed(qtbot, page, "r")
    with qtbot.waitSignal(win.locked, timeout=20_000):
        win.lock()
    vault = Vault.open(win.backend.home, OFFICER, PASSPHRASE)
    actions = [(e.action, e.detail) for e in vault.audit.entries()]
    vault.close()
    assert ("case_search", {"results": found}) in actions
    assert actions.index(("case_search", {"results": found})) < len(actions) - 2  # before the lock and the unlock
