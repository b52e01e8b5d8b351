"""The form's words for a date later than today name today as this laptop's clock sees it,
in a referral line as in an ordinary field (a wrong clock is plain to see), and never the date
typed. The laptop's date is faked in-process. Every answer here is fictional."""

from __future__ import annotations

from datetime import date

from intake_app.codebook import compiled

WRONG_TODAY = date(2024, 3, 5)  # this laptop's clock, well behind the sample's dates (2026)
HINT = "(05/03/2024 según el reloj de este equipo)"


def _form(win, sample, lines):
    form = win.workspace.new_intake()
    for key, value in sample("intake-adult-woman").items():
        if key in form.rows:
            form.rows[key].editor.set_value(value)
    form.rows["referrals"].editor.set_value(lines)
    form.refresh()
    return form


def test_a_referral_line_dated_after_the_laptops_today_says_its_date(qtbot, unlocked, sample, monkeypatch):
    monkeypatch.setattr(compiled, "local_today", lambda: WRONG_TODAY)
    form = _form(unlocked, sample, [{"institution": "inamu", "date": "2026-10-14", "outcome": "pending"}])
    form.request_save()
    text = form.rows["referrals"].problem.text()
    assert text.startswith("Fecha (1): no puede ser posterior a hoy") and HINT in text, text
    assert "{today}" not in text and "14/10/2026" not in text


def test_an_interview_dated_after_the_laptops_today_says_its_date(qtbot, unlocked, sample, monkeypatch):
    monkeypatch.setattr(compiled, "local_today", lambda: WRONG_TODAY)
    form = _form(unlocked, sample, [{"institution": "inamu", "date": "2024-01-02", "outcome": "pending"}])
    form.request_save()
    text = form.rows["record_date"].problem.text()
    assert text.startswith("Fecha de la entrevista: no puede ser posterior a hoy") and HINT in text, text
