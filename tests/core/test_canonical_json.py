"""The canonical JSON of a record (the text the revision hash is taken over) is defined
by the standard library call; the fast path must write exactly that text, byte for byte,
or the hashes devices and the server compute would stop agreeing."""

from __future__ import annotations

import hashlib
import json

from hypothesis import given, settings, strategies as st

from intake_app.codebook import load_codebook, validate_record
from intake_app.demo import fictional_intakes
from intake_app.vault.cases import _canonical_json_stdlib, canonical_json, revision_hash

SCALARS = (st.none() | st.booleans() | st.integers(min_value=-2**70, max_value=2**70)
           | st.text(st.characters(blacklist_categories=("Cs",))))  # lone surrogates cannot be UTF-8 at all
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=6)
                      | st.dictionaries(st.text(st.characters(blacklist_categories=("Cs",))), inner, max_size=6),
                      max_leaves=30)


@settings(max_examples=1000, deadline=None)
@given(VALUES)
def test_fast_canonical_json_is_the_standard_library_text(value):
    assert canonical_json(value) == _canonical_json_stdlib(value)


@given(st.text(alphabet=st.sampled_from(["\x00", "\x1f", "\x7f", "\u2028", "\u2029", '"', "\\", "/", "ñ", "😀",
                                         "\ufeff", "\t", "\n", "\r", "\b", "\f", "a"])))
def test_escapes_and_unusual_characters_are_written_the_same(text):
    assert canonical_json({text: text, "k": [text]}) == _canonical_json_stdlib({text: text, "k": [text]})


def test_revision_hash_of_demo_records_matches_the_definition():
    cb = load_codebook("1.0")
    for content in (validate_record(cb, r) for r in fictional_intakes(200, seed=11, cb=cb)):
        blob = json.dumps({"case_id": "DEMO-CASE-0001", "parent_id": None, "codebook": "1.0", "content": content},
                          sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert revision_hash("DEMO-CASE-0001", None, "1.0", content) == hashlib.sha256(blob.encode()).hexdigest()
