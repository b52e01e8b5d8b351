"""The screening panel shows urgent protection needs first: an officer under time pressure
sees them at the top of the panel, not third, below trafficking and smuggling and often
below the fold. The other indications keep the core's order (trafficking, smuggling, its
aggravating circumstances, the ILO count). Fictional answers only."""

from __future__ import annotations

import pytest

from intake_app import i18n
from intake_app.codebook import load_codebook

# trafficking, smuggling (aggravated), ILO indicators and an urgent need, all at once
EVERYTHING = {
    "border_post": "cr_paso_canoas", "citizenship": "VE", "migration_status": "irregular",
    "tr_acts": ["recruitment", "transportation"], "tr_means": ["deception"], "tr_purposes": ["forced_labour"],
    "tr_ilo_indicators": ["deception", "withholding_wages"],
    "sm_irregular_entry": True, "sm_paid_facilitator": True, "sm_life_endangered": True,
    "pn_no_shelter": True, "pn_medical_urgent": True,
}


@pytest.fixture
def panel(qtbot):
    from ui.form.screening_panel import ScreeningPanel

    panel = ScreeningPanel(load_codebook())
    qtbot.addWidget(panel)
    return panel


def _t(key: str, **params) -> str:
    return i18n.t(f"screening.{key}", "es", **params)


def test_urgent_needs_come_first_and_the_rest_keep_their_order(panel):
    panel.update_answers(EVERYTHING)
    texts = [text for text, _ in panel.indications]
    assert texts == [_t("urgent"), _t("trafficking"), _t("smuggling"), _t("aggravated_smuggling"),
                     _t("ilo_count", count=2)]
    reasons = dict(panel.indications)[_t("urgent")]  # the reasons moved with it
    assert len(reasons) == 2 and all("Sí" in line for line in reasons), reasons
    plain = panel.toPlainText()
    assert plain.index(_t("urgent")) < plain.index(_t("trafficking")) < plain.index(_t("smuggling"))


def test_urgent_needs_are_on_screen_without_scrolling(qtbot, panel):
    """In a short panel (a small screen), the urgent block is in view at the top."""
    panel.resize(320, 260)
    panel.show()
    qtbot.waitExposed(panel)
    panel.update_answers(EVERYTHING)
    assert panel.verticalScrollBar().maximum() > 0  # the whole explanation does not fit
    assert panel.verticalScrollBar().value() == 0
    found = panel.document().find(_t("urgent"))
    assert not found.isNull()
    top = panel.cursorRect(found).top()
    assert 0 <= top < panel.viewport().height() // 2, top


def test_without_urgent_needs_the_order_is_unchanged(panel):
    answers = {k: v for k, v in EVERYTHING.items() if not k.startswith("pn_")}
    panel.update_answers(answers)
    assert [text for text, _ in panel.indications] == [
        _t("trafficking"), _t("smuggling"), _t("aggravated_smuggling"), _t("ilo_count", count=2)]



def test_every_explanation_lists_urgent_needs_first():
    """The core's order, so the case view, the printed summary, the CLI and the supervisors'
    page agree with the panel."""
    from intake_app.screening import describe, screen

    cb = load_codebook()
    for lang in ("es", "en"):
        texts = [text for text, _ in describe(cb, screen(cb, EVERYTHING), lang)]
        assert texts[0] == i18n.t("screening.urgent", lang) and len(texts) == 5
