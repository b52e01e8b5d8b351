"""Printing fixtures: a vault holding the fictional samples and a very long case."""

from __future__ import annotations

import pytest

from tests.printing.print_helpers import long_case


@pytest.fixture
def cases(vault, sample):
    """case ids of the three samples and the long case, saved in the vault."""
    ids = {name: vault.save_case(sample(name)).case_id
           for name in ("intake-adult-woman", "intake-no-indications", "intake-unaccompanied-boy")}
    ids["long"] = vault.save_case(long_case(sample)).case_id
    return ids
