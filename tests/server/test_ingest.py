"""Ingest: exactly once, receipts, forks, conflicts, clock skew, refused bundles."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from intake_app.bundle.receipt import parse_and_verify_receipt


def test_ingest_stores_once_and_returns_same_receipt(srv, device_factory):
    dev = srv.enroll(device_factory())
    data, revs = dev.new_bundle(5)
    ing = srv.ingestor()
    first = ing.ingest(data)
    again = ing.ingest(data)
    assert first.status == "stored" and again.status == "already_had"
    assert first.receipt == again.receipt
    receipt = parse_and_verify_receipt(first.receipt, dev.server.signing)
    assert set(receipt.revision_ids) == {r["revision_id"] for r in revs}
    assert srv.count("revisions") == 5
    assert srv.count("case_facts") == 5
    assert srv.count("bundles") == 1
