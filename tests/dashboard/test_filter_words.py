"""Each filter's "all" option agrees with its label: «Institución que registra» offers
«Todas», the other filters «Todos»; English says "All" everywhere. Fictional data only."""

from __future__ import annotations

import re

import pytest

from .conftest import people

FILTERS = {"country": "Todos", "post": "Todos", "institution": "Todas", "sex": "Todos", "age": "Todos"}


def _first_option(html: str, name: str) -> str:
    select = re.search(r'<select name="%s" id="f-%s">(.*?)</select>' % (name, name), html, re.S)
    assert select, name
    first = re.search(r'<option value="">([^<]*)</option>', select.group(1))
    assert first, name
    return first.group(1)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_every_filter_offers_all_in_its_own_gender(dash):
    dash.load(people(12))
    client = dash.client()
    es, en = client.get("/dashboard/").text, client.get("/dashboard/?lang=en").text
    for name, word in FILTERS.items():
        assert _first_option(es, name) == word, name
        assert _first_option(en, name) == "All", name
