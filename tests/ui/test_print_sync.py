"""Print preview, refusal with the reason, save-as and printing; the sync dialog."""

from __future__ import annotations

from tests.ui.uikit import print_to_pdf_printer, wait_idle


def _saved_case(qtbot, win, sample) -> str:
    content = sample("intake-adult-woman")
    result = {}
    with qtbot.waitSignal(win.backend.cases_changed, timeout=20_000):
        win.backend.op(lambda s: s.require().save_case(content)).changes_cases() \
            .success(lambda r: result.setdefault("id", r.case_id)).run()
    return result["id"]


def _open_print(qtbot, win, case_id):
    ws = win.workspace
    with qtbot.waitSignal(ws.case_shown, timeout=20_000):
        ws.open_case(case_id)
    assert ws.case_view.print_button.isEnabled()
    ws.case_view.print_button.click()
    dialog = win.print_dialog
    with qtbot.waitSignal(dialog.preview_ready, timeout=30_000):
        pass
    return dialog


def test_print_preview_refusal_and_save(qtbot, unlocked, sample, tmp_path):
    win = unlocked
    case_id = _saved_case(qtbot, win, sample)
    dialog = _open_print(qtbot, win, case_id)
    assert len(dialog.pdf_pages) >= 1
    width, height = dialog.pdf_pages[0][:2]
    assert height > width > 500  # a portrait page, drawn in the app
    assert dialog.print_button.isEnabled()
    # a redacted copy for a recipient the consent does not cover is refused, with the reason
    with qtbot.waitSignal(dialog.refused, timeout=30_000) as refused:
        dialog.copy.setCurrentIndex(dialog.copy.findData("redacted"))
        dialog.recipient.setCurrentIndex(dialog.recipient.findData("iom"))
    wait_idle(qtbot, win)
    assert refused.args[0] and dialog.message.isVisible()
    assert not dialog.print_button.isEnabled() and dialog.pdf_pages == []
    assert "case_print_refused" not in _actions(qtbot, win, case_id)  # a preview prints nothing: not audited
    # a save asked anyway (a script, a stale button) is refused too, and that attempt is audited
    with qtbot.waitSignal(dialog.refused, timeout=30_000):
        dialog.save_to(str(tmp_path / "no.pdf"))
    assert not (tmp_path / "no.pdf").exists()
    # the official copy, saved where the officer chose
    with qtbot.waitSignal(dialog.preview_ready, timeout=30_000):
        dialog.copy.setCurrentIndex(dialog.copy.findData("official"))
    wait_idle(qtbot, win)
    out = tmp_path / "resumen.pdf"
    with qtbot.waitSignal(dialog.output_done, timeout=30_000):
        dialog.save_to(str(out))
    assert out.read_bytes().startswith(b"%PDF")
    # and to a printer (Qt's PDF printer stands in for paper here)
    assert print_to_pdf_printer(qtbot, dialog, tmp_path / "printer.pdf").startswith(b"%PDF")
    actions = _actions(qtbot, win, case_id)
    assert actions.count("case_print") == 2 and actions.count("case_print_refused") == 1


def _actions(qtbot, win, case_id) -> list[str]:
    actions: list[str] = []
    with qtbot.waitSignal(win.backend.idle, timeout=20_000):
        win.backend.op(lambda s: [e.action for e in s.require().audit.entries(case_id=case_id)]) \
            .success(actions.extend).run()
    return actions


def test_sync_dialog_on_a_device_not_enrolled(qtbot, unlocked, tmp_path):
    from intake_app import i18n

    win = unlocked
    assert win.sync_status.sync_now.isEnabled()
    win.open_sync()
    dialog = win.sync_dialog
    wait_idle(qtbot, win)
    assert i18n.t("ui.syncdlg.not_enrolled", "es") in dialog.identity.text()
    assert not dialog.export_button.isEnabled()
    # asked anyway (a script, a stale button): the core's typed error is worded, nothing written
    dialog.export_to(str(tmp_path))
    wait_idle(qtbot, win)
    assert dialog.message.isVisible() and dialog.message.text()
    assert not (tmp_path / "intake-bundles").exists()
    # an enrollment request goes onto the stick
    with qtbot.waitSignal(dialog.finished_job, timeout=20_000):
        dialog.enroll_request(str(tmp_path))
    assert list((tmp_path / "intake-enroll").iterdir())
