"""Bundles validly signed by an enrolled device (a compromised or buggy laptop) whose
payload holds values no laptop writes: each is a typed refusal, ``bundle_payload_malformed``
(HTTP 422), on SQLite and on PostgreSQL, and nothing of it is stored. Before, each was an
untyped exception (a 500 online, an aborted USB import): an audit seq out of 0 … 2**63 − 1
(FieldError in the receipt, OverflowError, NumericValueOutOfRange), a bin value or key or a
1,000-deep nesting in an audit entry or a revision's content (StatementError, TypeError,
RecursionError), a revision created in year 9999 (date overflow), and ``"v": true``.
All data is fictional."""

from __future__ import annotations

import httpx
import msgpack
import pytest
import zstandard

from intake_app.bundle.errors import BundlePayloadMalformed
from intake_app.bundle.format import FORMAT_VERSION, BundleHeader, _seal
from intake_app.bundle.receipt import parse_and_verify_receipt

from .live import LiveServer
from .test_usb_import import put, run

OCTET = {"Content-Type": "application/octet-stream"}
DEEP = "@@deep@@"  # placeholder string replaced by a nesting msgpack itself refuses to pack
TABLES = ("bundles", "revisions", "device_audit", "cases", "case_facts", "conflicts")


def sealed(dev, payload: bytes, n_revisions: int, n_audit: int, *, sequence: int = 1, version=None) -> bytes:
    """A bundle with this raw msgpack payload, validly signed by ``dev`` (the way a device
    that does not use ``build_bundle``'s checks would write it)."""
    header = BundleHeader(FORMAT_VERSION, dev.device_id, ("oficial.demo",), sequence,
                          bytes(32) if sequence == 1 else dev.prev_hash, "2026-01-01T00:00:00Z",
                          n_revisions, n_audit, ("1.0",), dev.server.key_id)
    compressed = zstandard.ZstdCompressor(level=3, write_content_size=True).compress(payload)
    return _seal(header, compressed, dev.keys, dev.server.hpke_public)


def packed(revisions: list, audit: list, v=1, depth: int = 1000) -> bytes:
    raw = msgpack.packb({"v": v, "revisions": revisions, "audit": audit}, use_bin_type=True)
    marker = msgpack.packb(DEEP)
    return raw.replace(marker, b"\x81\xa1k" * depth + b"\x01")  # {"k": {"k": … 1}}


def odd_bundle(dev, case: str, rev: dict | None = None) -> tuple[bytes, str]:
    """(bundle, expected problem) for one row of the review's table."""
    rev = rev or dev.revision()
    entry = dev.audit_entry(rev)
    if case.startswith("audit_seq"):
        entry["seq"] = {"audit_seq_negative": -1, "audit_seq_2_63": 2**63, "audit_seq_2_64_1": 2**64 - 1}[case]
        return sealed(dev, packed([rev], [entry]), 1, 1), "audit_seq"
    if case.startswith("audit_"):
        entry = {"audit_bin_value": dict(entry, detail=b"\x00\xff"),
                 "audit_bin_key": dict(entry, detail={b"clave": 1}),
                 "audit_deep": dict(entry, detail=DEEP),
                 "audit_nan": dict(entry, detail={"x": float("nan")}),
                 "audit_inf": dict(entry, detail=[float("-inf")])}[case]
        # 1,000 nested maps: more values than one audit entry may decode into (format.payload_limits)
        return sealed(dev, packed([rev], [entry]), 1, 1), "items" if case == "audit_deep" else "audit_entry"
    if case.startswith("content_"):
        rev["content"] = dict(rev["content"], **{"content_bin_value": {"zz_extra": b"\x00\x01"},
                                                 "content_bin_key": {}, "content_deep": {"zz_extra": DEEP}}[case])
        if case == "content_bin_key":
            rev["content"][b"zz_extra"] = "x"
        return sealed(dev, packed([rev], [entry]), 1, 1), "items" if case == "content_deep" else "revision_content"
    if case == "created_year_9999":
        rev["created_at"] = "9999-12-31T23:59:59Z"
        return sealed(dev, packed([rev], [entry]), 1, 1), "revision_created_at"
    assert case == "payload_v_true"
    return sealed(dev, packed([rev], [entry], v=True), 1, 1), "payload_version"


CASES = ["audit_seq_negative", "audit_seq_2_63", "audit_seq_2_64_1", "audit_bin_value", "audit_bin_key", "audit_deep",
         "audit_nan", "audit_inf",
         "content_bin_value", "content_bin_key", "content_deep", "created_year_9999", "payload_v_true"]


def stored_nothing(srv) -> bool:
    return all(srv.count(t) == 0 for t in TABLES)


@pytest.mark.parametrize("case", CASES)
def test_odd_values_are_a_typed_refusal_storing_nothing(srv, device_factory, case):
    dev = srv.enroll(device_factory())
    data, problem = odd_bundle(dev, case)
    with pytest.raises(BundlePayloadMalformed) as info:
        srv.ingestor().ingest(data)
    assert info.value.params == {"problem": problem}
    assert stored_nothing(srv)
    # the device is not stuck: its next (correct) bundle 1 goes in
    good, revs = dev.new_bundle(1)
    assert srv.ingestor().ingest(good).status == "stored" and srv.count("revisions") == 1


def test_edges_of_the_ranges_are_accepted(srv, device_factory):
    """The limits are far from anything a laptop writes, and their edges themselves pass:
    seq 0 and 2**63 − 1 (listed in the receipt), an audit entry nested 32 deep, a revision
    created in 1970 or in 2999 (a laptop's clock may be that wrong: it must not strand data)."""
    dev = srv.enroll(device_factory())
    revs = [dev.revision(created_at="1970-01-01T00:00:00Z"), dev.revision(created_at="2999-12-31T23:59:59.999999Z")]
    audit = [dict(dev.audit_entry(revs[0]), seq=0), dict(dev.audit_entry(revs[1]), seq=2**63 - 1, detail=DEEP)]
    data = sealed(dev, packed(revs, audit, depth=31), 2, 2)  # the entry, then 31 maps: 32 deep
    result = srv.ingestor().ingest(data)
    assert result.status == "stored" and srv.count("revisions") == 2 and srv.count("device_audit") == 2
    receipt = parse_and_verify_receipt(result.receipt, dev.server.signing)
    assert receipt.audit_seqs == (0, 2**63 - 1)
    # one level more is refused
    dev2 = srv.enroll(device_factory())
    rev = dev2.revision()
    deeper = sealed(dev2, packed([rev], [dict(dev2.audit_entry(rev), detail=DEEP)], depth=32), 1, 1)
    with pytest.raises(BundlePayloadMalformed) as info:
        srv.ingestor().ingest(deeper)
    assert info.value.params == {"problem": "audit_entry"}


def test_over_http_the_refusal_is_a_worded_422_without_data(srv, device_factory):
    """Through a real server on loopback: 422 with the code and the problem, no stack trace,
    no value of the bundle (the revision's fictional names), nothing stored."""
    dev = srv.enroll(device_factory())
    rev = dev.revision()
    names = rev["content"]["given_names"]  # fictional, and in both bundles
    data, problem = odd_bundle(dev, "audit_seq_2_63", dict(rev))
    bad_content, _ = odd_bundle(dev, "content_bin_value", dict(rev))
    server = LiveServer(srv)
    try:
        for bundle, expected in ((data, problem), (bad_content, "revision_content")):
            r = httpx.post(server.url + "/api/v1/bundles", content=bundle, headers=OCTET, timeout=30)
            assert r.status_code == 422, r.text
            assert r.json() == {"code": "bundle_payload_malformed", "params": {"problem": expected}}
            assert "Traceback" not in r.text and "internal" not in r.text and names not in r.text
    finally:
        server.stop()
    assert stored_nothing(srv)


def test_usb_import_refuses_the_bundle_and_goes_on(srv, device_factory, tmp_path):
    """On a stick, the odd bundle is refused with its code and the run goes on: another
    device's bundle beside it is stored."""
    odd, good = srv.enroll(device_factory()), srv.enroll(device_factory())
    stick = tmp_path / "stick"
    put(stick, odd, 1, odd_bundle(odd, "created_year_9999")[0])
    put(stick, good, 1, good.new_bundle(2)[0])
    summary = run(srv, stick)
    outcomes = {i.device_id: (i.outcome, i.code, i.params) for i in summary.items}
    assert outcomes == {odd.device_id: ("refused", "bundle_payload_malformed", {"problem": "revision_created_at"}),
                        good.device_id: ("accepted", None, {})}
    assert srv.count("revisions") == 2 and srv.count("bundles") == 1


def test_payload_shape_is_checked_before_any_cryptography_is_trusted_for_it(srv, device_factory):
    """``open_bundle`` itself refuses the seq and ``v`` (so the USB and HTTP paths, and any
    other reader, share the rule), and ``build_bundle`` never writes them."""
    from intake_app.bundle.format import open_bundle

    dev = srv.enroll(device_factory())
    for case, problem in (("audit_seq_negative", "audit_seq"), ("payload_v_true", "payload_version")):
        data, _ = odd_bundle(dev, case)
        with pytest.raises(BundlePayloadMalformed) as info:
            open_bundle(data, device_public=dev.keys.public(), server_keys=srv.keystore.keys())
        assert info.value.params == {"problem": problem}
    rev = dev.revision()
    with pytest.raises(ValueError):
        dev.bundle([rev], [dict(dev.audit_entry(rev), seq=2**63)], sequence=1)
    assert stored_nothing(srv)
