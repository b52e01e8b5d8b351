"""The whole USB round trip with the real command lines on both sides: two laptops enroll
offline through a stick, save cases, export to one stick, ``intake-server import`` it,
read the receipts back, and end up delivered, with the server's stored revisions equal
to the devices'. Importing the same stick again stores nothing twice. FICTIONAL data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from intake_app.sync.usb import RECEIPTS_DIR
from intake_app.vault import Vault
from tests.conftest import PASSPHRASE, load_sample

pytest.importorskip("fastapi")

SERVER_PASS = "frase del operador ficticia"


def intake(*args) -> None:
    from intake_app.cli import main

    assert main([*map(str, args)]) == 0, args


def intake_server(*args) -> None:
    from intake_app.server.cli import main

    try:
        code = main([*map(str, args)])
    except SystemExit as exc:
        code = exc.code
    assert code in (0, None), args


def _revisions(rows):
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def test_two_devices_usb_round_trip(tmp_path, passphrase_file):
    from sqlalchemy import text

    from intake_app.bundle.serverkeys import KdfParams
    from intake_app.server.db import make_engine
    from intake_app.server.setup import init_server

    srv_home = tmp_path / "server"
    settings, keystore = init_server(srv_home, db_url=None, passphrase=SERVER_PASS, admin_username="admin",
                                     admin_password="clave-admin-ficticia-1",
                                     kdf=KdfParams(memory_kib=1024, iterations=1))
    server_fp = keystore.keys().public_info().fingerprint()  # what the administrator reads out
    spass = tmp_path / "server-pass.txt"
    spass.write_text(SERVER_PASS + "\n", encoding="utf-8")
    srv = ["--home", srv_home, "--passphrase-file", spass]
    stick = tmp_path / "stick"
    stick.mkdir()

    homes = {}
    for name in ("a", "b"):
        home = tmp_path / f"laptop-{name}"
        Vault.create(home, "oficial.prueba", PASSPHRASE).close()
        homes[name] = home
        intake("--home", home, "--passphrase-file", passphrase_file, "device", "enroll-request", "--to", stick,
               "--post", "cr_paso_canoas")
    intake_server(*srv, "import", stick)  # registers both requests (pending)
    device_ids = {}
    for name, home in homes.items():
        with Vault.open(home, "oficial.prueba", PASSPHRASE) as v:
            device_ids[name], fingerprint = v.device_id, v.device_keys().public().fingerprint()
        intake_server(*srv, "device", "approve", device_ids[name], "--dir", stick, "--fingerprint", fingerprint)
        intake("--home", home, "--passphrase-file", passphrase_file, "device", "enroll-import", stick,
               "--server-fingerprint", server_fp)

    # cases on both laptops (one edited), then one stick for both
    for i, (name, home) in enumerate(homes.items()):
        with Vault.open(home, "oficial.prueba", PASSPHRASE) as v:
            first = v.save_case(load_sample("intake-adult-woman"))
            v.save_case(load_sample("intake-unaccompanied-boy"))
            v.save_case({**load_sample("intake-adult-woman"), "case_status": "follow_up"}, case_id=first.case_id)
            if i:
                v.save_case(load_sample("intake-no-indications"))
        intake("--home", home, "--passphrase-file", passphrase_file, "sync", "export", "--to", stick)
    intake_server(*srv, "import", stick)
    receipts_before = {p: p.read_bytes() for p in (stick / RECEIPTS_DIR).rglob("*.receipt")}
    assert len(receipts_before) == 2
    for home in homes.values():
        intake("--home", home, "--passphrase-file", passphrase_file, "sync", "receipts", "--from", stick)

    engine = make_engine(settings.db_url)
    try:
        for name, home in homes.items():
            with Vault.open(home, "oficial.prueba", PASSPHRASE) as v:
                assert {r.sync_state for r in v.list_cases()} == {"delivered"}
                mine = v.conn.execute("SELECT revision_id, case_id, parent_id, content_hash, content FROM revisions")
                mine = {r[0]: (r[1], r[2], r[3], json.loads(r[4])) for r in mine}
            with engine.connect() as conn:
                theirs = conn.execute(text("SELECT revision_id, case_id, parent_id, content_hash, content FROM revisions"
                                           " WHERE device_id = :d"), {"d": device_ids[name]}).fetchall()
            theirs = {r[0]: (r[1], r[2], r[3], r[4] if isinstance(r[4], dict) else json.loads(r[4])) for r in theirs}
            assert theirs == mine, name
        # the same stick again: nothing stored twice, the same receipts
        intake_server(*srv, "import", stick)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM revisions")).scalar_one() == 7
        assert {p: p.read_bytes() for p in (stick / RECEIPTS_DIR).rglob("*.receipt")} == receipts_before
    finally:
        engine.dispose()
    # the laptops' next export removes the delivered bundles from the stick
    for home in homes.values():
        intake("--home", home, "--passphrase-file", passphrase_file, "sync", "export", "--to", stick)
    left = [p.name for p in Path(stick / "intake-bundles").rglob("*.bundle")]
    assert all(n != "00000001.bundle" for n in left)
