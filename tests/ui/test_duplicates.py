"""The duplicate check in the desktop app: saving the same (fictional) person again asks
once; after the officer links or dismisses, editing that case does not ask again about
the same case, and the decision is in the audit log once."""

from __future__ import annotations

from ui.screenshots import SAMPLE, fill

from tests.ui.uikit import wait_idle


def _save(qtbot, ws, form):
    with qtbot.waitSignal(ws.case_saved, timeout=20_000) as saved:
        form.request_save()
    return saved.args[0]


def test_a_decided_duplicate_is_not_asked_again(qtbot, unlocked):
    ws = unlocked.workspace
    form = ws.new_intake()
    fill(form, SAMPLE)
    first = _save(qtbot, ws, form)
    assert first
    wait_idle(qtbot, unlocked)

    form = ws.new_intake()
    fill(form, {**SAMPLE, "document_number": "DEMO-9988776"})  # the same person, another document
    with qtbot.waitSignal(ws.case_saved, timeout=20_000) as saved:
        form.request_save()
        qtbot.waitUntil(lambda: ws.duplicate_dialog is not None, timeout=20_000)
        ws.duplicate_dialog._decide("link")
    second = saved.args[0]
    wait_idle(qtbot, unlocked)

    ws._edit(ws.case_view.record)
    ws.form.rows["pn_medical_urgent"].editor.set_value(True)
    ws.form.refresh()
    with qtbot.waitSignal(ws.case_saved, timeout=20_000):
        ws.form.request_save()
    assert ws.duplicate_dialog is None  # linked already: saved without asking
    wait_idle(qtbot, unlocked)

    decisions = []  # read on the vault's own thread, as the app does
    with qtbot.waitSignal(unlocked.backend.idle, timeout=20_000):
        unlocked.backend.op(lambda s: [(e.action, e.case_id, e.detail.get("other")) for e in s.require().audit.entries()
                                       if e.action.startswith("duplicate_")]).success(decisions.extend).run()
    assert decisions == [("duplicate_link", second, first)]
