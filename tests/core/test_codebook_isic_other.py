"""ISIC "other activity" has no ISIC section: it exports an empty cell, not U
("activities of extraterritorial organizations"). `htcds: null` says so on purpose; a value
left without its HTCDS name, or with an empty one, still fails the load (fictional data)."""

from __future__ import annotations

import pytest
import yaml

from intake_app.codebook import load_codebook, parse_codebook
from intake_app.errors import CodebookError
from intake_app.paths import resource
from intake_app.server.exchange.htcds import columns, record


def test_isic_other_exports_no_section():
    cb = load_codebook("1.0")
    assert cb.vocab("isic_sections").get("other").htcds is None
    cols = columns(cb)
    row = record(cb, cols, {"tr_purposes": ["forced_labour"], "tr_labour_industry": "other"})
    assert row["vic_ForcedLabourIndustry"] == ""
    assert record(cb, cols, {"tr_labour_industry": "a"})["vic_ForcedLabourIndustry"] == "A"


@pytest.mark.parametrize("change, problem", [
    (lambda term: term.pop("htcds"), "missing_htcds_value"),
    (lambda term: term.update(htcds=""), "bad_htcds_value"),
    (lambda term: term.update(htcds=7), "bad_htcds_value"),
])
def test_a_forgotten_or_empty_htcds_value_still_fails(change, problem):
    doc = yaml.safe_load(resource("codebook", "codebook-1.0.yaml").read_bytes())
    change(doc["vocabularies"]["isic_sections"]["values"][0])
    with pytest.raises(CodebookError) as e:
        parse_codebook(doc)
    assert e.value.params["problem"] == problem
