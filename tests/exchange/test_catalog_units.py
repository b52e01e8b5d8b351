"""The exchange's catalogs keep a number with its unit as the dashboard's do (the rule of
tests/dashboard/test_wrap_units_overlap.py): a no-break space (U+00A0) between a number or
a placeholder and its unit, and in "k = 11", so a page or a terminal never puts the unit or
the 11 on a line of its own."""

from __future__ import annotations

import json
from pathlib import Path

from intake_app.i18n import t
from tests.dashboard.test_wrap_units_overlap import NBSP, UNIT

ROOT = Path(__file__).resolve().parents[2]


def test_exchange_catalogs_keep_every_number_with_its_unit():
    for lang in ("es", "en"):
        catalog = json.loads((ROOT / f"resources/i18n/exchange.{lang}.json").read_text(encoding="utf-8"))
        loose = {k: v for k, v in catalog.items() if UNIT.search(v) or "k = " in v}
        assert loose == {}, lang  # an ordinary space there lets the unit wrap onto a line of its own
    assert f"(k{NBSP}={NBSP}11)" in t("exchange.page.analyst_htcds", "es", k=11)
    assert f"(k{NBSP}={NBSP}11)" in t("exchange.page.htcds_k", "en", k=11)
    assert f"de 40{NBSP}trimestres" in t("error.exchange_period_invalid", "es", period="2026-Q9")
    assert f"of at most 40{NBSP}quarters" in t("error.exchange_period_invalid", "en", period="2026-Q9")
