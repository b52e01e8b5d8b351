"""The print dialog offers the copy for the person, in the person's language, and prints it
like the other copies: audited, no recipient."""

from __future__ import annotations

from tests.ui.uikit import print_to_pdf_printer, wait_idle


def _saved_case(qtbot, win, content) -> str:
    result = {}
    with qtbot.waitSignal(win.backend.cases_changed, timeout=20_000):
        win.backend.op(lambda s: s.require().save_case(content)).changes_cases() \
            .success(lambda r: result.setdefault("id", r.case_id)).run()
    return result["id"]


def _print_entries(qtbot, win, case_id) -> list[dict]:
    found = []
    with qtbot.waitSignal(win.backend.idle, timeout=20_000):
        win.backend.op(lambda s: [e.detail for e in s.require().audit.entries(case_id=case_id)
                                  if e.action == "case_print"]).success(found.extend).run()
    return found


def test_print_dialog_offers_and_prints_the_copy_for_the_person(qtbot, unlocked, sample, tmp_path):
    win = unlocked
    content = sample("intake-adult-woman")
    content["primary_language"] = "en"  # the person reads English: their copy comes out in English
    case_id = _saved_case(qtbot, win, content)
    ws = win.workspace
    with qtbot.waitSignal(ws.case_shown, timeout=20_000):
        ws.open_case(case_id)
    ws.case_view.print_button.click()
    dialog = win.print_dialog
    with qtbot.waitSignal(dialog.preview_ready, timeout=30_000):
        pass
    assert dialog.language.currentData() == "es"
    index = dialog.copy.findData("person")
    assert index >= 0 and dialog.copy.itemText(index)
    with qtbot.waitSignal(dialog.preview_ready, timeout=30_000):
        dialog.copy.setCurrentIndex(index)
    wait_idle(qtbot, win)
    assert dialog.language.currentData() == "en"
    assert not dialog.recipient.isEnabled() and not dialog.purpose.isEnabled()
    assert dialog.options() == {"copy": "person", "recipient": None, "lang": "en",
                                "purpose": dialog.purpose.currentData()}
    assert dialog.pdf_pages and dialog.print_button.isEnabled()
    assert print_to_pdf_printer(qtbot, dialog, tmp_path / "printer.pdf").startswith(b"%PDF")
    out = tmp_path / "persona.pdf"
    with qtbot.waitSignal(dialog.output_done, timeout=30_000):
        dialog.save_to(str(out))
    from tests.printing.print_helpers import flat, pdf_text

    text = flat(pdf_text(out.read_bytes()))
    assert "Record of assistance" in text and "traffick" not in text.lower()
    prints = _print_entries(qtbot, win, case_id)
    assert [(d["copy"], d["lang"], d["recipient"], d["destination"]) for d in prints] == [
        ("person", "en", None, "file"), ("person", "en", None, "file")]
