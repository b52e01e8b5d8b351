"""Canonical msgpack, and the Spanish/English texts of every bundle error."""

from __future__ import annotations

import inspect
import json
import string

import msgpack
import pytest
from bundle_samples import make_audit, make_revisions

from intake_app.bundle import errors as bundle_errors
from intake_app.bundle import codec as fmt  # the canonical encoding lives in codec.py
from intake_app.errors import IntakeError
from intake_app.paths import resources_dir

EDGE_VALUES = [0, -1, 127, 128, 255, 256, 65535, 65536, 2**32, -33, -129, -2**63, 2**64 - 1, 1.5, -0.0,
               "", "x" * 31, "x" * 32, "ñ" * 200, "x" * 70000, b"", b"y" * 300, None, True, False, [], {},
               (1, 2), {"b": (1, {"z": 1, "a": [{"d": 4, "c": 3}]})}, {"é": 1, "e": 2, "E": 3, "\U0001f600": 4}]


@pytest.mark.parametrize("value", EDGE_VALUES, ids=range(len(EDGE_VALUES)))
def test_encoders_agree_and_sort_keys(monkeypatch, value):
    fast = fmt.canonical_packb(value)
    monkeypatch.setattr(fmt, "ormsgpack", None)
    slow = fmt.canonical_packb(value)
    assert fast == slow
    assert fmt.canonical_unpackb(fast) == msgpack.unpackb(fast, strict_map_key=False)


def test_encoders_agree_on_realistic_payload(monkeypatch):
    payload = {"v": 1, "revisions": make_revisions(50), "audit": make_audit(20)}
    fast = fmt.canonical_packb(payload)
    monkeypatch.setattr(fmt, "ormsgpack", None)
    assert fmt.canonical_packb(payload) == fast
    decoded = msgpack.unpackb(fast)
    assert list(decoded["revisions"][0]) == sorted(decoded["revisions"][0])


@pytest.mark.parametrize("value", [{1: 2}, {b"k": 1}, 2**64, {1, 2}, object()])
def test_encoders_refuse_non_canonical_types(monkeypatch, value):
    with pytest.raises(TypeError):
        fmt.canonical_packb(value)
    monkeypatch.setattr(fmt, "ormsgpack", None)
    with pytest.raises((TypeError, OverflowError)):
        fmt.canonical_packb(value)


@pytest.mark.parametrize("data", [
    msgpack.packb({"b": 1, "a": 2}),  # keys out of order
    b"\x81\xa1a\x01\x81",  # trailing byte
    b"\xcd\x00\x05",  # 5 as uint16: not the smallest form
    b"\xd9\x01a",  # str8 for a 1-byte string
    b"\x82\xa1a\x01\xa1a\x02",  # duplicate key
    b"\xd6\xff\x00\x00\x00\x01",  # timestamp ext
    b"\xd4\x05\x00",  # other ext
    b"\x81\xc4\x01k\x01",  # bytes key
])
def test_canonical_decoder_refuses_other_encodings(data):
    with pytest.raises(ValueError):
        fmt.canonical_unpackb(data)


def _error_classes():
    return [c for _, c in inspect.getmembers(bundle_errors, inspect.isclass)
            if issubclass(c, IntakeError) and c.__module__ == bundle_errors.__name__]


def test_every_bundle_error_has_spanish_and_english_text():
    catalogs = {lang: json.loads((resources_dir() / "i18n" / f"bundle.{lang}.json").read_text("utf-8"))
                for lang in ("es", "en")}
    codes = {f"error.{c.code}" for c in _error_classes()}
    assert len(codes) == len(_error_classes())  # every class has its own code
    for lang, catalog in catalogs.items():
        assert codes <= set(catalog), lang
        # beyond those, only a wording per reason or part of a known code ("error.<code>.<part>")
        assert all(k.rsplit(".", 1)[0] in codes for k in set(catalog) - codes), lang
    assert set(catalogs["es"]) == set(catalogs["en"])
    for key in set(catalogs["es"]):
        es, en = (
            {name for _, name, _, _ in string.Formatter().parse(catalogs[lang][key]) if name}
            for lang in ("es", "en"))
        assert es == en, key


def test_errors_are_typed_intake_errors():
    for cls in _error_classes():
        assert issubclass(cls, bundle_errors.BundleError)
        assert str(cls(device_id="dev-1")) == f"{cls.code}(device_id)"  # params' names, never values
