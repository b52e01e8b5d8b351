"""``intake-server db move --to URL``: a SQLite server with real data (bundles from simulated
laptops with their audit entries, a conflict settled and one open, users and a session,
the dashboard's rollup folded and unfolded, exchange packages out and in) moves to an empty
PostgreSQL database: every table's rows arrive equal, the audit chain verifies with one
``db_move`` entry more, ids go on from where they were (a new user, bundle, conflict and
received record), and the server serves from it. A target with data, a failure half-way,
a server still writing, a broken audit chain: refused, the target left empty and
``server.json`` unchanged. Every person is fictional (FICTICIA / DEMO)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import JSON, create_engine, inspect, select, text

from intake_app.server import audit, db_move, devices
from intake_app.server.auth import Principal, login
from intake_app.server.cli import main
from intake_app.server.config import CONFIG_NAME, load_settings
from intake_app.server.dashboard import rollup
from intake_app.server.db import make_engine, transaction
from intake_app.server.exchange import incoming, outgoing
from intake_app.server.exchange.outgoing_web import first_post
from intake_app.server.ingest import Ingestor
from intake_app.server.models import Base
from intake_app.server.review import resolve_conflict
from tests.exchange.conftest import make_server, person
from tests.exchange.test_refusals import referral
from tests.pg import temp_databases

from .conftest import KEY_PASSPHRASE, PASSWORD
from .devicesim import SimDevice

FAKE_PASSWORD = "secreto-ficticio-9"  # trust auth ignores it: it only must never be shown or saved


@pytest.fixture
def pg_target():
    with temp_databases("intake_dbmove_test") as (url,):
        yield url


def with_password(url: str) -> str:
    return url.replace("postgres@", f"postgres:{FAKE_PASSWORD}@", 1)


def run(home: Path, tmp_path: Path, *args) -> int:
    pw = tmp_path / "pw.txt"
    pw.write_text(PASSWORD + "\n", encoding="utf-8")
    pp = tmp_path / "pp.txt"
    pp.write_text(KEY_PASSPHRASE + "\n", encoding="utf-8")
    return main(["--home", str(home), "--password-file", str(pw), "--passphrase-file", str(pp), "--lang", "en",
                 *map(str, args)])


# --- a server with something in every table -------------------------------------------------------
@dataclass
class Source:
    server: object  # tests.exchange.conftest.Server: home, settings, keystore, engine
    peer: object  # another institution's server, for exchange packages
    a: SimDevice
    b: SimDevice


def enroll(server, device: SimDevice) -> SimDevice:
    devices.register_request(server.engine, device.enrollment_request(), source="test")
    device.accept_response(devices.approve(server.engine, server.keystore, device.device_id, actor="test",
                                           lease_days=30))
    return device


def conflict(server, a: SimDevice, b: SimDevice) -> int:
    """A case saved by ``a``, edited on both laptops: the second edit is an open conflict."""
    ing = Ingestor(server.engine, server.keystore)
    r0 = a.revision()
    ing.ingest(a.bundle([r0]))
    b.heads[r0["case_id"]] = r0["revision_id"]
    ing.ingest(a.bundle([a.revision(r0["case_id"], content=dict(r0["content"], case_status="closed"))]))
    assert ing.ingest(b.bundle([b.revision(r0["case_id"], content=dict(r0["content"], phone="+506 8888 5555"))])
                      ).conflicts == 1
    with server.engine.connect() as conn:
        return conn.execute(text("SELECT max(id) FROM conflicts")).scalar_one()


def build_source(tmp_path: Path) -> Source:
    pa = make_server(tmp_path, "pa", "pa_uia")
    cr = make_server(tmp_path, "cr", "cr_eri")
    pa.trust(cr)
    cr.trust(pa)
    ours = pa.laptop()
    mine = ours.save([person(n) for n in range(12)])
    referral(pa, mine[:2], recipient="cr_eri")  # an outgoing package, sealed (bytes)
    their_laptop = cr.laptop()
    theirs = their_laptop.save([person(50 + n) for n in range(3)])
    incoming.import_package(pa.engine, pa.keystore, referral(cr, theirs[:2]), actor="operator")  # JSON null tables
    second = incoming.import_package(pa.engine, pa.keystore, referral(cr, theirs[2:]), actor="operator")
    with transaction(pa.engine) as conn:  # SQL NULL must stay SQL NULL, not become JSON null
        conn.execute(text("UPDATE exchange_received SET tables = NULL WHERE package_id = :p"),
                     {"p": second.package_id})
    their_laptop.save([person(50, recipients=["services"])], theirs[:1])  # consent withdrawn: a notice
    notice, = outgoing.prepare_withdrawals(cr.engine, cr.keystore, actor="operator")
    incoming.import_package(pa.engine, pa.keystore, outgoing.export(cr.engine, notice.package_id, actor="operator"),
                            actor="operator")
    a, b = enroll(pa, SimDevice("lap-demo-a01")), enroll(pa, SimDevice("lap-demo-b01"))
    Ingestor(pa.engine, pa.keystore).ingest(a.new_bundle(5)[0])  # with the laptop's audit entries
    settled = conflict(pa, a, b)
    resolve_conflict(pa.engine, Principal(2, "sup.uno", "supervisor", None), settled, "incoming")
    rollup.fold(pa.engine)
    conflict(pa, a, b)  # open, and its deltas not folded
    login(pa.engine, pa.settings, "sup.uno", PASSWORD)
    first_post(pa.engine, Principal(2, "sup.uno", "supervisor", None), {"form_token": "ficticio-1"})  # a used form token
    source = Source(pa, cr, a, b)
    empty = [t.name for t in Base.metadata.sorted_tables if pa.count(t.name) == 0]
    assert empty == []  # the move is tested on every table
    return source


@pytest.fixture
def source(tmp_path):
    s = build_source(tmp_path)
    yield s
    s.server.engine.dispose()
    s.peer.engine.dispose()


def dump(engine) -> dict[str, list[tuple]]:
    """Every table's rows as the program reads them, plus SQL NULL vs JSON null, in a fixed order."""
    out = {}
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            flags = [c.is_(None) for c in table.c if c.nullable and isinstance(c.type, JSON)]
            rows = [tuple(r) for r in conn.execute(select(*table.c, *flags))]
            out[table.name] = sorted(rows, key=repr)
    return out


def table_names(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        return inspect(engine).get_table_names()
    finally:
        engine.dispose()


# --- the move ---------------------------------------------------------------------------------------
def test_a_sqlite_server_moves_to_postgresql_whole(source, pg_target, tmp_path, capsys):
    srv = source.server
    before = dump(srv.engine)
    srv.engine.dispose()  # the server is stopped
    assert run(srv.home, tmp_path, "db", "move", "--to", with_password(pg_target)) == 0
    out = capsys.readouterr()
    assert FAKE_PASSWORD not in out.out + out.err
    # the way back, as server.json keeps a SQLite file in the home (relative to it)
    assert "Database copied" in out.out and '"db_url": "sqlite:///server.sqlite3"' in out.out
    assert "password was not saved" in out.out
    config = (srv.home / CONFIG_NAME).read_text(encoding="utf-8")
    assert FAKE_PASSWORD not in config and json.loads(config)["db_url"] == pg_target

    target = make_engine(pg_target)
    try:
        assert target.dialect.name == "postgresql"
        after = dump(target)
        assert set(after) == set(before)
        for name in before:
            if name not in ("audit_log", "audit_head"):
                assert after[name] == before[name], name  # JSON, bytes, dates and datetimes alike
        assert sorted(after["audit_log"], key=lambda r: r[0])[:-1] == sorted(before["audit_log"], key=lambda r: r[0])
        last = sorted(after["audit_log"], key=lambda r: r[0])[-1]
        assert last[3] == "db_move"  # seq, at, actor, action, target, detail, ...
        assert FAKE_PASSWORD not in last[5] and json.loads(last[5])["to_db"] == pg_target
        assert audit.verify(target) == len(before["audit_log"]) + 1
        assert run(srv.home, tmp_path, "audit", "verify") == 0  # through server.json, as the operator does

        # ids go on: users, bundles, conflicts, received records (PostgreSQL sequences were set)
        assert run(srv.home, tmp_path, "user", "add", "nueva.demo", "--role", "analyst") == 0
        ing = Ingestor(target, srv.keystore)
        assert ing.ingest(source.a.bundle([source.a.revision()])).revisions == 1
        conflict(SimpleNamespace(engine=target, keystore=srv.keystore), source.a, source.b)
        more = source.peer.laptop().save([person(70)])
        incoming.import_package(target, srv.keystore, referral(source.peer, more), actor="operator")
        with target.connect() as conn:
            for table, count in (("users", 5), ("bundles", None), ("conflicts", 3), ("exchange_received_cases", 4)):
                ids = conn.execute(text(f"SELECT id FROM {table} ORDER BY id")).scalars().all()
                assert ids == list(range(1, len(ids) + 1)) and (count is None or len(ids) == count), table
        assert audit.verify(target) > len(before["audit_log"]) + 1
    finally:
        target.dispose()

    settings = load_settings(srv.home)  # the server serves from the new database
    from fastapi.testclient import TestClient

    from intake_app.server.app import create_app

    engine = make_engine(settings.db_url)
    try:
        client = TestClient(create_app(settings, srv.keystore, engine), raise_server_exceptions=False)
        token = client.post("/api/v1/auth/login", json={"username": "sup.uno", "password": PASSWORD}).json()["token"]
        cases = client.get("/api/v1/cases?state=all", headers={"Authorization": f"Bearer {token}"})
        assert cases.status_code == 200 and len(cases.json()) == len(before["cases"]) + 2
        r = client.post("/api/v1/bundles", content=source.b.bundle([source.b.revision()]),
                        headers={"Content-Type": "application/octet-stream"})
        assert r.status_code == 200
    finally:
        engine.dispose()


def test_sqlite_to_sqlite_and_the_same_database_refused(source, tmp_path, capsys):
    srv = source.server
    before = dump(srv.engine)
    srv.engine.dispose()
    assert run(srv.home, tmp_path, "db", "move", "--to", srv.settings.db_url) == 2
    assert "is the database the server already uses" in capsys.readouterr().err
    new = tmp_path / "moved" / "server.sqlite3"
    new.parent.mkdir()
    assert run(srv.home, tmp_path, "db", "move", "--to", f"sqlite:///{new}") == 0
    target = make_engine(f"sqlite:///{new}")
    try:
        after = dump(target)
        assert {k: v for k, v in after.items() if not k.startswith("audit")} == \
            {k: v for k, v in before.items() if not k.startswith("audit")}
        assert audit.verify(target) == len(before["audit_log"]) + 1
    finally:
        target.dispose()


# --- refusals and failures leave everything as it was ---------------------------------------------------
def small_server(tmp_path: Path):
    from intake_app.server.setup import init_server

    from .conftest import FAST_KDF

    settings, keystore = init_server(tmp_path / "srv", db_url=None, passphrase=KEY_PASSPHRASE,
                                     admin_username="admin", admin_password=PASSWORD, kdf=FAST_KDF)
    engine = make_engine(settings.db_url)
    dev = enroll(SimpleNamespace(engine=engine, keystore=keystore), SimDevice("lap-demo-c01"))
    Ingestor(engine, keystore).ingest(dev.new_bundle(3)[0])
    engine.dispose()
    return settings


def test_a_target_with_data_is_refused_and_left_alone(tmp_path, pg_target, capsys):
    settings = small_server(tmp_path)
    config = (settings.home / CONFIG_NAME).read_bytes()
    other = tmp_path / "other"  # what the old guide said: `init --db postgresql…` first
    assert run(other, tmp_path, "--db", pg_target, "init") == 0
    target = make_engine(pg_target)
    try:
        before = dump(target)
        capsys.readouterr()
        assert run(settings.home, tmp_path, "db", "move", "--to", pg_target) == 2
        err = capsys.readouterr().err
        assert "is not empty (table" in err and "dropdb and createdb" in err and "Nothing was changed" in err
        assert dump(target) == before
    finally:
        target.dispose()
    assert (settings.home / CONFIG_NAME).read_bytes() == config


def test_a_failure_half_way_leaves_the_target_empty(tmp_path, pg_target, monkeypatch):
    settings = small_server(tmp_path)
    config = (settings.home / CONFIG_NAME).read_bytes()
    real, copied = db_move._copy_table, []

    def failing(src, dst, table, chain):
        if len(copied) == 5:
            raise RuntimeError("corte de prueba")
        copied.append(table.name)
        return real(src, dst, table, chain)

    monkeypatch.setattr(db_move, "_copy_table", failing)
    assert run(settings.home, tmp_path, "db", "move", "--to", pg_target) == 1  # an internal error
    assert table_names(pg_target) == []  # not even the schema: the migration was in the same transaction
    assert (settings.home / CONFIG_NAME).read_bytes() == config
    new = tmp_path / "nuevo.sqlite3"
    assert run(settings.home, tmp_path, "db", "move", "--to", f"sqlite:///{new}") == 1
    assert not new.exists()  # a file the move created is removed again
    monkeypatch.setattr(db_move, "_copy_table", real)
    assert run(settings.home, tmp_path, "db", "move", "--to", pg_target) == 0  # the same target, still usable


def test_a_server_still_writing_or_a_broken_chain_is_refused(tmp_path, pg_target):
    settings = small_server(tmp_path)
    source = make_engine(settings.db_url)
    try:
        def write_meanwhile(name, rows):
            if name == "users":
                with transaction(source) as conn:
                    audit.append(conn, "user:admin", "login")

        with pytest.raises(db_move.DbMoveSourceChanged):
            db_move.move_database(settings.db_url, pg_target, on_table=write_meanwhile)
        assert table_names(pg_target) == []
        with transaction(source) as conn:
            conn.execute(text("UPDATE audit_log SET actor = 'otro' WHERE seq = 2"))
        with pytest.raises(db_move.DbMoveAuditBroken) as info:
            db_move.move_database(settings.db_url, pg_target)
        assert info.value.params["seq"] == 2
        assert table_names(pg_target) == []
    finally:
        source.dispose()


def test_and_back_from_postgresql_to_a_new_sqlite_file(tmp_path, pg_target):
    """Going back after running on PostgreSQL: the PostgreSQL source is read in one snapshot."""
    settings = small_server(tmp_path)
    first = make_engine(settings.db_url)
    before = dump(first)
    first.dispose()
    assert run(settings.home, tmp_path, "db", "move", "--to", pg_target) == 0
    back = tmp_path / "vuelta.sqlite3"
    assert run(settings.home, tmp_path, "db", "move", "--to", f"sqlite:///{back}") == 0
    assert load_settings(settings.home).db_url == f"sqlite:///{back}"
    engine = make_engine(f"sqlite:///{back}")
    try:
        after = dump(engine)
        assert {k: v for k, v in after.items() if not k.startswith("audit")} == \
            {k: v for k, v in before.items() if not k.startswith("audit")}
        assert audit.verify(engine) == len(before["audit_log"]) + 2
    finally:
        engine.dispose()
