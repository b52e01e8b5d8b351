"""The screening panel suggests referrals, but never leads past the person's consent: a
suggested institution the consent (or a legal basis) does not cover is named with the
reason and without an "add" link (fictional data)."""

from __future__ import annotations

from intake_app import i18n


def _form(unlocked, sample, **answers):
    form = unlocked.workspace.new_intake()
    record = {**sample("intake-adult-woman"), **answers}
    for key, value in record.items():
        if key in form.rows:
            form.rows[key].editor.set_value(value)
    form.rows["referrals"].editor.set_value(None)
    form.refresh()
    return form.screening


def test_consent_refused_names_the_suggestions_without_a_link(qtbot, unlocked, sample):
    panel = _form(unlocked, sample, consent_status="refused", consent_recipients=None, consent_purposes=None,
                  pn_medical_urgent=True, pn_no_shelter=True)
    assert {"shelter", "health"} <= set(panel.suggested)
    html = panel.toHtml()
    for code in panel.suggested:
        assert panel.refused[code] == "consent_refused"
        assert f"refer:{code}" not in html
    assert i18n.t("ui.screening.not_referable.consent_refused", "es") in panel.toPlainText()


def test_a_child_refused_consent_can_still_be_referred_to_pani_in_their_best_interest(qtbot, unlocked, sample):
    panel = _form(unlocked, sample, birth_date="2012-05-01", consent_by="guardian", consent_status="refused",
                  consent_recipients=None, consent_purposes=None, legal_basis="best_interest_child",
                  accompaniment="unaccompanied")
    assert "pani" in panel.suggested and "pani" not in panel.refused
    assert "refer:pani" in panel.toHtml()


def test_consent_that_leaves_out_an_institution_says_so(qtbot, unlocked, sample):
    panel = _form(unlocked, sample, consent_recipients=["national_authorities"], pn_no_shelter=True)
    assert panel.refused.get("shelter") == "recipient_not_covered"
    assert "refer:shelter" not in panel.toHtml()
    assert i18n.t("ui.screening.not_referable.recipient_not_covered", "es") in panel.toPlainText()
