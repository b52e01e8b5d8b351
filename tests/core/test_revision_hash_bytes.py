"""revision_hash hashes orjson's bytes directly (no round trip through str): for any content,
including what only the standard library writes (integers beyond 64 bits), floats, odd keys
and lone surrogates, it gives exactly sha256(canonical_json(...).encode()), or the same error."""

from __future__ import annotations

import hashlib

from hypothesis import given, settings, strategies as st

from intake_app.vault.cases import canonical_json, revision_hash

SCALARS = (st.none() | st.booleans() | st.integers(min_value=-2**70, max_value=2**70) | st.floats()
           | st.text())  # lone surrogates too: neither encoder can make UTF-8 of them
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=5)
                      | st.dictionaries(st.text() | st.integers(-3, 3), inner, max_size=5), max_leaves=25)


def _by_definition(case_id, parent_id, codebook, content) -> str:
    return hashlib.sha256(canonical_json({"case_id": case_id, "parent_id": parent_id, "codebook": codebook,
                                          "content": content}).encode()).hexdigest()


def _outcome(fn, *args) -> str:
    try:
        return "ok " + fn(*args)
    except Exception as exc:  # the same failure, of the same kind
        return f"error {type(exc).__name__}"


@settings(max_examples=1500, deadline=None)
@given(st.dictionaries(st.text(), VALUES, max_size=6), st.none() | st.text(max_size=8))
def test_revision_hash_is_the_hash_of_the_canonical_text(content, parent):
    args = ("DEMO-CASE-0001", parent, "1.0", content)
    assert _outcome(revision_hash, *args) == _outcome(_by_definition, *args)


def test_the_slow_paths_agree_too():
    for content in ({"n": 2**80}, {"x": "\ud800"}, {1: "a"}, {"f": 1e16, "g": -0.0, "h": float("nan")},
                    {"b": b"bytes"}, {"deep": [[[[{"a": [2**64]}]]]]}):
        args = ("DEMO-CASE-0001", None, "1.0", content)
        assert _outcome(revision_hash, *args) == _outcome(_by_definition, *args)
