"""A date refused as later than today names today as this laptop's clock sees it (DD/MM/AAAA),
so an officer whose laptop clock is wrong sees why; the words never carry the date typed, and
the exception and the logs carry neither (a birth date is personal data). The laptop's date is
faked in-process; the refusal comes from the real save. FICTIONAL data only."""

from __future__ import annotations

import logging
from datetime import date

import pytest

from intake_app import i18n
from intake_app.codebook import compiled
from intake_app.errors import FieldProblem, InvalidRecord
from tests.conftest import load_sample

WRONG_TODAY = date(2024, 3, 5)  # this laptop's clock, two and a half years behind the sample's dates


def _refused(vault, content) -> InvalidRecord:
    with pytest.raises(InvalidRecord) as refused:
        vault.save_case(content)
    return refused.value


def test_a_clock_behind_refuses_todays_interview_and_says_the_date_it_sees(vault, monkeypatch):
    monkeypatch.setattr(compiled, "local_today", lambda: WRONG_TODAY)
    content = {k: v for k, v in load_sample("intake-adult-woman").items() if k != "referrals"}
    err = _refused(vault, content)  # interviewed on 14/10/2026
    assert ("record_date", "not_future") in [(p.field, p.rule) for p in err.problems]
    es = i18n.describe_error(err, "es")
    assert "Fecha de la entrevista: no puede ser posterior a hoy (05/03/2024 según el reloj de este equipo)" in es
    assert "corrija la fecha y la hora del equipo" in es
    en = i18n.describe_error(err, "en")
    assert "Interview date: cannot be later than today (05/03/2024 by this laptop's clock)" in en


def test_a_referral_lines_date_says_it_too(vault, monkeypatch):
    monkeypatch.setattr(compiled, "local_today", lambda: WRONG_TODAY)
    err = _refused(vault, load_sample("intake-adult-woman"))  # its lines are dated 14/10/2026
    assert ("referrals[0].date", "not_future") in [(p.field, p.rule) for p in err.problems]
    assert i18n.describe_error(err, "es").count("(05/03/2024 según el reloj de este equipo)") == 2


def test_a_future_birth_date_is_refused_without_its_value_anywhere(vault, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    today = date(2026, 11, 25)
    monkeypatch.setattr(compiled, "local_today", lambda: today)
    content = {**load_sample("intake-adult-woman"), "birth_date": "2031-07-09"}
    err = _refused(vault, content)
    assert ("birth_date", "not_future") in [(p.field, p.rule) for p in err.problems]
    words = i18n.describe_error(err, "es")
    assert "Fecha de nacimiento: no puede ser posterior a hoy (25/11/2026 según el reloj de este equipo)" in words
    shown = [words, i18n.describe_error(err, "en"), str(err), repr(err), repr(err.args), caplog.text]
    for text in shown:
        assert "2031" not in text and "09/07" not in text and "07-09" not in text
    assert "25/11/2026" not in str(err) + repr(err.args)  # the exception names fields and rules only


def test_the_date_the_check_used_is_the_one_named_when_given():
    problem = FieldProblem("record_date", "not_future", {"today": "2025-01-31"})
    assert "(31/01/2025 según el reloj de este equipo)" in i18n.describe_problem(problem, "es")
    assert problem.args == {"today": "2025-01-31"}  # wording leaves the problem as it was
