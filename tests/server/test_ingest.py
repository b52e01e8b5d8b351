"""Ingest: exactly once, receipts, forks, conflicts, clock skew, refused bundles."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

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


def test_clock_skew_between_device_and_server_is_accepted(srv, device_factory):
    """A laptop whose clock runs days ahead saves a record dated "today" by its clock."""
    from intake_app.vault.cases import revision_hash

    dev = srv.enroll(device_factory())
    ahead = datetime.now(timezone.utc) + timedelta(days=3)
    rev = dev.revision(created_at=ahead.isoformat(timespec="microseconds"))
    rev["content"]["record_date"] = ahead.date().isoformat()
    rev["content_hash"] = revision_hash(rev["case_id"], None, "1.0", rev["content"])
    assert srv.ingestor().ingest(dev.bundle([rev])).new_revisions == 1


def test_late_older_revision_is_history_not_conflict(srv, device_factory):
    dev = srv.enroll(device_factory())
    r1 = dev.revision()
    b1 = dev.bundle([r1])
    r2 = dev.revision(r1["case_id"], content=dict(r1["content"], case_status="closed"))
    b2 = dev.bundle([r2])
    ing = srv.ingestor()
    assert ing.ingest(b2).conflicts == 0  # arrives first (another stick)
    assert ing.ingest(b1).conflicts == 0
    from sqlalchemy import text

    with srv.engine.connect() as conn:
        assert conn.execute(text("SELECT head_revision_id, revision_count FROM cases")).one() == (r2["revision_id"], 2)
    assert srv.count("conflicts") == 0


def test_edits_arriving_out_of_order_end_on_the_latest(srv, device_factory):
    """A case the server has; its next two edits come on two sticks, the later one first
    (the earlier stick was damaged and exported again). The server ends on the latest
    edit, like the laptop, with no conflict; the dashboard facts follow it."""
    from sqlalchemy import text

    dev = srv.enroll(device_factory())
    r0 = dev.revision()
    ing = srv.ingestor()
    ing.ingest(dev.bundle([r0]))
    r1 = dev.revision(r0["case_id"], content=dict(r0["content"], case_status="closed"))
    b1 = dev.bundle([r1])
    r2 = dev.revision(r0["case_id"], content=dict(r0["content"], case_status="active", phone="+506 8888 2222"))
    b2 = dev.bundle([r2])
    assert ing.ingest(b2).conflicts == 0  # its parent r1 is not here yet: kept, not a conflict
    with srv.engine.connect() as conn:
        assert conn.execute(text("SELECT head_revision_id FROM cases")).scalar_one() == r0["revision_id"]
    assert ing.ingest(b1).conflicts == 0
    with srv.engine.connect() as conn:
        assert conn.execute(text("SELECT head_revision_id, revision_count, open_conflicts FROM cases")).one() == \
            (r2["revision_id"], 3, 0)
        assert conn.execute(text("SELECT revision_id FROM case_facts")).scalar_one() == r2["revision_id"]
    assert srv.count("conflicts") == 0
    r3 = dev.revision(r0["case_id"], content=dict(r0["content"], case_status="closed"))
    assert ing.ingest(dev.bundle([r3])).conflicts == 0  # the laptop's next edit goes on from there
    with srv.engine.connect() as conn:
        assert conn.execute(text("SELECT head_revision_id FROM cases")).scalar_one() == r3["revision_id"]


def test_a_fork_is_the_same_whatever_order_the_sticks_arrive_in(srv, device_factory):
    """Laptop A creates a case (R0) and edits it (R1); laptops B and C each edit R1 (X, Y).
    In every arrival order where A's own sticks keep their order, the server ends with one
    of X and Y as the current version and the other as the one open conflict: never the old
    R1 as current, never the first record as a 'conflict', never an edit hidden."""
    from itertools import permutations

    from sqlalchemy import text

    ing = srv.ingestor()
    seen_orders = 0
    for order in permutations(("A1", "A2", "B1", "C1")):
        if order.index("A1") > order.index("A2"):
            continue
        a, b, c = (srv.enroll(device_factory(p)) for p in ("lap-a", "lap-b", "lap-c"))
        r0 = a.revision()
        r1 = a.revision(r0["case_id"], content=dict(r0["content"], case_status="follow_up"))
        b.heads[r0["case_id"]] = c.heads[r0["case_id"]] = r1["revision_id"]
        x = b.revision(r0["case_id"], content=dict(r0["content"], case_status="closed"))
        y = c.revision(r0["case_id"], content=dict(r0["content"], phone="+506 8888 4444"))
        bundles = {"A1": a.bundle([r0]), "A2": a.bundle([r1]), "B1": b.bundle([x]), "C1": c.bundle([y])}
        for name in order:
            ing.ingest(bundles[name])
        with srv.engine.connect() as conn:
            head, opened = conn.execute(text("SELECT head_revision_id, open_conflicts FROM cases WHERE case_id = :c"),
                                        {"c": r0["case_id"]}).one()
            queued = conn.execute(text("SELECT revision_id FROM conflicts WHERE case_id = :c AND status = 'open'"),
                                  {"c": r0["case_id"]}).scalars().all()
            facts = conn.execute(text("SELECT revision_id FROM case_facts WHERE case_id = :c"),
                                 {"c": r0["case_id"]}).scalar_one()
        first = x if order.index("B1") < order.index("C1") else y
        other = y if first is x else x
        assert (head, queued, opened, facts) == (first["revision_id"], [other["revision_id"]], 1,
                                                  first["revision_id"]), order
        seen_orders += 1
    assert seen_orders == 12


def test_a_settled_conflict_stays_settled_and_a_new_edit_of_the_dropped_version_is_queued(srv, device_factory):
    from sqlalchemy import text

    from intake_app.server.auth import Principal
    from intake_app.server.review import resolve_conflict

    a, b = srv.enroll(device_factory()), srv.enroll(device_factory())
    ing = srv.ingestor()
    r0 = a.revision()
    ing.ingest(a.bundle([r0]))
    b.heads[r0["case_id"]] = r0["revision_id"]
    mine = a.revision(r0["case_id"], content=dict(r0["content"], case_status="closed"))
    theirs = b.revision(r0["case_id"], content=dict(r0["content"], phone="+506 8888 5555"))
    ing.ingest(a.bundle([mine]))
    assert ing.ingest(b.bundle([theirs])).conflicts == 1
    with srv.engine.connect() as conn:
        conflict_id = conn.execute(text("SELECT id FROM conflicts")).scalar_one()
    resolve_conflict(srv.engine, Principal(1, "sup.demo", "supervisor", None), conflict_id, "incoming")
    a.heads[r0["case_id"]] = mine["revision_id"]
    again = a.revision(r0["case_id"], content=dict(r0["content"], case_status="follow_up"))  # A goes on editing
    assert ing.ingest(a.bundle([again])).conflicts == 1  # its own dropped line: shown to the supervisor again
    with srv.engine.connect() as conn:
        assert conn.execute(text("SELECT head_revision_id, open_conflicts FROM cases")).one() == \
            (theirs["revision_id"], 1)
        assert conn.execute(text("SELECT revision_id FROM conflicts WHERE status = 'open'")).scalars().all() == \
            [again["revision_id"]]
    later = b.revision(r0["case_id"], content=dict(r0["content"], phone="+506 8888 6666"))
    assert ing.ingest(b.bundle([later])).conflicts == 0  # the chosen line goes on; nothing settled reopens


def test_a_real_fork_is_still_a_conflict(srv, device_factory):
    from sqlalchemy import text

    dev, other = srv.enroll(device_factory()), srv.enroll(device_factory())
    r0 = dev.revision()
    ing = srv.ingestor()
    ing.ingest(dev.bundle([r0]))
    mine = dev.revision(r0["case_id"], content=dict(r0["content"], case_status="closed"))
    theirs = other.revision(r0["case_id"], content=dict(r0["content"], phone="+506 8888 3333"),
                            parent=r0["revision_id"])
    assert ing.ingest(dev.bundle([mine])).conflicts == 0
    assert ing.ingest(other.bundle([theirs])).conflicts == 1
    with srv.engine.connect() as conn:
        assert conn.execute(text("SELECT head_revision_id FROM cases")).scalar_one() == mine["revision_id"]


def test_refusals_store_nothing(srv, device_factory):
    from intake_app.bundle.errors import UnknownDevice
    from intake_app.errors import UnknownCodebookVersion
    from intake_app.server.errors import BundleFork, DeviceRevokedError, RevisionHashMismatch, RevisionInvalid

    from intake_app.server import devices
    from intake_app.vault.cases import revision_hash

    dev = srv.enroll(device_factory())
    ing = srv.ingestor()
    bad = dev.revision()
    bad["content_hash"] = "0" * 64
    with pytest.raises(RevisionHashMismatch):
        ing.ingest(dev.bundle([bad], sequence=1))
    bad = dev.revision()
    bad["content"]["gender"] = "no-existe"
    bad["content_hash"] = revision_hash(bad["case_id"], None, "1.0", bad["content"])
    with pytest.raises(RevisionInvalid) as info:
        ing.ingest(dev.bundle([bad], sequence=1))
    assert info.value.params["problems"] == ["gender:choice_unknown"]
    bad = dev.revision()
    bad["codebook_version"] = "9.9"
    bad["content_hash"] = revision_hash(bad["case_id"], None, "9.9", bad["content"])
    with pytest.raises(Exception) as info:
        from intake_app.bundle.format import build_bundle

        ing.ingest(build_bundle(device_id=dev.device_id, officer_ids=["oficial.demo"], sequence=1,
                                prev_hash=bytes(32), created_at="2026-11-23T10:00:00Z", codebook_versions=["9.9"],
                                revisions=[bad], audit=[], device_keys=dev.keys,
                                server_hpke_public=dev.server.hpke_public, server_key_id=dev.server.key_id))
    assert isinstance(info.value, UnknownCodebookVersion)
    good = dev.bundle([dev.revision()])
    ing.ingest(good)
    with pytest.raises(BundleFork):
        ing.ingest(dev.bundle([dev.revision()], sequence=1, prev_hash=bytes(32)))
    devices.revoke(srv.engine, dev.device_id, actor="test")
    with pytest.raises(DeviceRevokedError):
        ing.ingest(good)  # even a resend, from the moment of revocation
    with pytest.raises(UnknownDevice):
        stranger = device_factory("lap-x")
        stranger.server = dev.server
        ing.ingest(stranger.new_bundle(1)[0])
    assert srv.count("revisions") == 1 and srv.count("bundles") == 1


def test_key_rotation_keeps_old_bundles_readable(srv, device_factory):
    from intake_app.bundle.serverkeys import verify_rotation

    dev = srv.enroll(device_factory())
    old_bundle, _ = dev.new_bundle(2)
    srv.keystore.rotate()
    new_info = srv.keystore.keys().public_info()
    dev.server = verify_rotation(dev.server.signing, new_info, current=dev.server)
    new_bundle, _ = dev.new_bundle(2)
    ing = srv.ingestor()
    assert ing.ingest(new_bundle).status == "stored"
    assert ing.ingest(old_bundle).status == "stored"


def test_database_down_at_start_is_a_clear_error(tmp_path):
    from intake_app.server.app import check_schema
    from intake_app.server.db import make_engine
    from intake_app.server.errors import DatabaseUnavailable

    with pytest.raises(DatabaseUnavailable):
        check_schema(make_engine("postgresql+psycopg://postgres@127.0.0.1:1/nada"))


def test_rotations_in_two_processes_keep_every_key(tmp_path, monkeypatch):
    """Two `keys rotate` at once (two KeyStore objects stand for two processes): the second
    waits for the first and keeps its key. Before, each wrote a file without the other's
    new key, and a bundle already sealed to the lost key could never be read."""
    import threading

    from intake_app.server import keys as keys_mod
    from intake_app.server.keys import KeyStore
    from intake_app.server.setup import init_server

    from .conftest import FAST_KDF, KEY_PASSPHRASE

    settings, _ = init_server(tmp_path / "home", db_url=None, passphrase=KEY_PASSPHRASE, admin_username="admin",
                              admin_password="clave-admin-ficticia-1", kdf=FAST_KDF)
    path = Path(settings.key_path)
    a, b = KeyStore.open(path, passphrase=KEY_PASSPHRASE), KeyStore.open(path, passphrase=KEY_PASSPHRASE)
    before = len(a.keys().hpke_keys)
    real_write, a_read, release = keys_mod.write_key_file, threading.Event(), threading.Event()

    def write(*args, **kwargs):
        if threading.current_thread().name == "rotate-a":
            a_read.set()  # A has read the file and made its key: hold its write back
            release.wait(10)
        return real_write(*args, **kwargs)

    monkeypatch.setattr(keys_mod, "write_key_file", write)
    ta = threading.Thread(target=a.rotate, name="rotate-a")
    ta.start()
    assert a_read.wait(10)
    tb = threading.Thread(target=b.rotate, name="rotate-b")
    tb.start()
    tb.join(1.0)  # without a lock across processes, B reads the old file and finishes here
    release.set()
    ta.join(10)
    tb.join(10)
    assert len(KeyStore.open(path, passphrase=KEY_PASSPHRASE).keys().hpke_keys) == before + 2


def test_a_rotation_with_the_database_down_leaves_the_key_file_as_it_was(tmp_path):
    from intake_app.server.db import make_engine
    from intake_app.server.errors import DatabaseUnavailable
    from intake_app.server.keys import KeyStore, rotate_audited
    from intake_app.server.setup import init_server

    from .conftest import FAST_KDF, KEY_PASSPHRASE

    settings, keystore = init_server(tmp_path / "home", db_url=None, passphrase=KEY_PASSPHRASE, admin_username="admin",
                                     admin_password="clave-admin-ficticia-1", kdf=FAST_KDF)
    before = Path(settings.key_path).read_bytes()
    gone = make_engine(f"sqlite:///{tmp_path}/no-such-folder/server.sqlite3")  # the database cannot be reached
    with pytest.raises(DatabaseUnavailable):  # worded for the operator, and nothing changed
        rotate_audited(gone, keystore, "operator")
    assert Path(settings.key_path).read_bytes() == before
    assert len(KeyStore.open(Path(settings.key_path), passphrase=KEY_PASSPHRASE).keys().hpke_keys) == 1


def test_an_audit_entry_no_database_can_store_is_refused_whole(srv, device_factory):
    """A NUL in a device audit entry (no laptop writes one) cannot be kept in PostgreSQL's
    JSON: it was a database error there (a 500 online, a traceback at import, carrying the
    row) and accepted on SQLite. Both refuse it now, as a malformed payload, storing nothing."""
    from intake_app.bundle.errors import BundlePayloadMalformed

    dev = srv.enroll(device_factory())
    rev = dev.revision()
    entry = dev.audit_entry(rev)
    entry["detail"] = {"note": "ficticio\x00"}
    with pytest.raises(BundlePayloadMalformed) as info:
        srv.ingestor().ingest(dev.bundle([rev], [entry], sequence=1))
    assert info.value.params["problem"] == "audit_entry"
    assert srv.count("revisions") == 0 and srv.count("bundles") == 0 and srv.count("device_audit") == 0
