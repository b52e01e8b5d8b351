"""Backups are sealed (encrypted to the server's own key, signed by it) and come back with
``intake-server restore`` into an empty home and database, on SQLite and on PostgreSQL.
A backup folder holds no name or document number in the clear; a tampered, truncated or
foreign backup, a wrong passphrase or a target that is not empty is refused with a clear
message and writes nothing. All data is fictional (DEMO names and documents)."""

from __future__ import annotations

import json
import re
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

from intake_app.server import sealed_file
from intake_app.server.cli import main
from intake_app.server.errors import BackupInvalid
from tests.pg import temp_databases

from .conftest import KEY_PASSPHRASE, PASSWORD


def cli(home: Path, db: str | None, tmp_path: Path, *args, passphrase: str = KEY_PASSPHRASE) -> int:
    pp = tmp_path / "pp.txt"
    pp.write_text(passphrase + "\n", encoding="utf-8")
    pw = tmp_path / "pw.txt"
    pw.write_text(PASSWORD + "\n", encoding="utf-8")
    return main(["--home", str(home), *(["--db", db] if db else []), "--passphrase-file", str(pp),
                 "--password-file", str(pw), "--lang", "en", *args])


def fill(srv, device_factory, n: int = 40) -> list[dict]:
    return fill_device(srv, device_factory, n)[1]


def fill_device(srv, device_factory, n: int):
    dev = srv.enroll(device_factory())
    data, revs = dev.new_bundle(n)
    srv.ingestor().ingest(data)
    return dev, revs


@contextmanager
def target_db(srv):
    """An empty database of the same kind as ``srv``'s (None for SQLite: the new home's file)."""
    if srv.kind == "sqlite":
        yield None
    else:
        with temp_databases("intake_restore_test") as (url,):
            yield url


def identity_values(revs: list[dict]) -> set[bytes]:
    out = set()
    for r in revs:
        for key in ("given_names", "surnames", "document_number"):
            value = r["content"].get(key)
            if value:
                out.add(value.encode())
    return out


def test_backup_is_sealed_and_restores(srv, device_factory, tmp_path, capsys):
    dev, revs = fill_device(srv, device_factory, 40)
    bk = tmp_path / "bk"
    assert cli(srv.home, srv.settings.db_url, tmp_path, "backup", str(bk)) == 0
    info = json.loads((bk / "backup.json").read_text())
    assert info["database"] == srv.kind and info["key_id"] == srv.keystore.keys().current.key_id
    names = sorted(p.name for p in bk.iterdir())
    assert names == sorted(["backup.json", "server.json", "server.keys",
                            "server.sqlite3.sealed" if srv.kind == "sqlite" else "server.pgdump.sealed"])
    secrets = identity_values(revs)
    assert len(secrets) > 40
    for path in bk.iterdir():  # nothing a person typed, in any file of the backup
        blob = path.read_bytes()
        assert not [s for s in secrets if s in blob], path.name
        assert b"DEMO" not in blob or path.name == "server.json", path.name
    assert cli(srv.home, None, tmp_path, "check-backup", str(bk)) == 0  # an operator's drill: nothing written
    out = capsys.readouterr().out
    assert "is sound" in out and not (tmp_path / "restored").exists()
    assert re.search(r"database of \d\d/\d\d/\d{4} \d\d:\d\d UTC,", out), out  # not a raw ISO stamp

    with target_db(srv) as db:
        home = tmp_path / "restored"
        assert cli(home, db, tmp_path, "restore", str(bk)) == 0
        assert f"({len(revs)} revisions)" in capsys.readouterr().out
        from intake_app.server.config import load_settings
        from intake_app.server.db import make_engine
        from intake_app.server.keys import KeyStore
        from sqlalchemy import text

        settings = load_settings(home)
        assert settings.db_url == (db or f"sqlite:///{home / 'server.sqlite3'}")
        engine = make_engine(settings.db_url)
        try:
            with engine.connect() as conn:
                stored = {r[0]: r[1] for r in conn.execute(text("SELECT revision_id, content FROM revisions"))}
            assert set(stored) == {r["revision_id"] for r in revs}
            # the restored server opens its keys and goes on: the same key verifies the audit chain
            assert KeyStore.open(settings.key_path, passphrase=KEY_PASSPHRASE).keys().key_ids == \
                srv.keystore.keys().key_ids
            assert cli(home, db, tmp_path, "audit", "verify") == 0
            # the same server: the laptop's next bundle goes on from where its chain stood
            from intake_app.server.ingest import Ingestor

            restored = Ingestor(engine, KeyStore.open(settings.key_path, passphrase=KEY_PASSPHRASE))
            data, more = dev.new_bundle(5)
            result = restored.ingest(data)
            assert result.status == "stored" and result.new_revisions == 5
            with engine.connect() as conn:
                assert conn.execute(text("SELECT count(*) FROM revisions")).scalar_one() == len(revs) + 5
        finally:
            engine.dispose()
        # restoring again over it is refused, and what is there stays
        assert cli(home, db, tmp_path, "restore", str(bk)) == 2
        assert "already holds a server's data" in capsys.readouterr().err


def _sealed(bk: Path) -> Path:
    return next(bk.glob("*.sealed"))


@pytest.mark.parametrize("damage, reason", [
    ("flip", "signature"),        # one byte changed inside a chunk
    ("cut", "truncated"),         # the copy to a stick stopped half-way
    ("cut_trailer", "truncated"),  # every chunk there, the signature missing
    ("foreign", "signature"),     # a file sealed to this server's key by someone else
    ("garbage", "not_a_backup"),
])
def test_damaged_backup_is_refused_and_writes_nothing(srv, device_factory, tmp_path, capsys, damage, reason):
    fill(srv, device_factory, 5)
    bk = tmp_path / "bk"
    assert cli(srv.home, srv.settings.db_url, tmp_path, "backup", str(bk)) == 0
    path = _sealed(bk)
    data = bytearray(path.read_bytes())
    if damage == "flip":
        data[len(data) // 2] ^= 0x01
    elif damage == "cut":
        del data[len(data) // 2:]
    elif damage == "cut_trailer":
        del data[-100:]
    elif damage == "garbage":
        data = bytearray(b"not a backup at all" * 10)
    if damage == "foreign":  # anyone with the server's public HPKE key (every device) could encrypt
        from intake_app.bundle.serverkeys import ServerKeys
        keys = srv.keystore.keys()
        forged = ServerKeys(ServerKeys.generate().signing, keys.hpke_keys)  # the right HPKE key, another signer
        with path.open("wb") as out:
            w = sealed_file.SealedWriter(out, forged, srv.kind, "2026-11-24T00:00:00+00:00")
            w.write(b"SQLite format 3\x00 forged")
            w.finish()
    else:
        path.write_bytes(bytes(data))
    with pytest.raises(BackupInvalid) as exc:
        sealed_file.verify(path, srv.keystore.keys())
    assert exc.value.params["reason"] == reason

    assert cli(srv.home, None, tmp_path, "check-backup", str(bk)) == 2
    checked = capsys.readouterr().err
    with target_db(srv) as db:
        home = tmp_path / "restored"
        assert cli(home, db, tmp_path, "restore", str(bk)) == 2
        err = capsys.readouterr().err
        assert "Nothing was written" in err and err == checked
        assert not home.exists() or not any(home.iterdir())
        if db:
            from intake_app.server.db import make_engine
            from sqlalchemy import inspect

            engine = make_engine(db)
            assert inspect(engine).get_table_names() == []
            engine.dispose()


def test_restore_with_wrong_passphrase_writes_nothing(srv, device_factory, tmp_path, capsys):
    fill(srv, device_factory, 3)
    bk = tmp_path / "bk"
    assert cli(srv.home, srv.settings.db_url, tmp_path, "backup", str(bk)) == 0
    home = tmp_path / "restored"
    with target_db(srv) as db:
        assert cli(home, db, tmp_path, "restore", str(bk), passphrase="otra frase ficticia") == 2
    assert "passphrase" in capsys.readouterr().err.lower()
    assert not home.exists() or not any(home.iterdir())


def test_restore_refuses_missing_parts_and_another_database_kind(srv, device_factory, tmp_path, capsys):
    fill(srv, device_factory, 3)
    bk = tmp_path / "bk"
    assert cli(srv.home, srv.settings.db_url, tmp_path, "backup", str(bk)) == 0
    other = "postgresql+psycopg://postgres@127.0.0.1:5432/test" if srv.kind == "sqlite" \
        else f"sqlite:///{tmp_path / 'x.sqlite3'}"
    assert cli(tmp_path / "h1", other, tmp_path, "restore", str(bk)) == 2
    assert "This backup is of a" in capsys.readouterr().err
    partial = tmp_path / "partial"
    shutil.copytree(bk, partial)
    (partial / "server.keys").unlink()
    assert cli(srv.home, None, tmp_path, "check-backup", str(partial)) == 2
    assert "server.keys is missing" in capsys.readouterr().err
    with target_db(srv) as db:
        assert cli(tmp_path / "h2", db, tmp_path, "restore", str(partial)) == 2
        assert "server.keys is missing" in capsys.readouterr().err
        assert not (tmp_path / "h2").exists()


def test_file_swapped_after_the_check_is_caught_before_anything_is_kept(srv, device_factory, tmp_path, capsys,
                                                                          monkeypatch):
    """Whoever holds the server's public HPKE key (any device) can encrypt a chunk that
    decrypts fine; if such a chunk replaces the real one between the check and the
    restore's reading, the second reading's hash catches it before the restore keeps anything."""
    import io

    from intake_app.bundle.format import SUITE
    from intake_app.bundle.keys import hpke_public_key

    fill(srv, device_factory, 3)
    bk = tmp_path / "bk"
    assert cli(srv.home, srv.settings.db_url, tmp_path, "backup", str(bk)) == 0
    path = _sealed(bk)
    original = path.read_bytes()
    f = io.BytesIO(original)
    head, _ = sealed_file._header(f)
    records = list(sealed_file._records(f))
    trailer = f.read()
    keys = srv.keystore.keys()
    header_hash = __import__("hashlib").sha256(head).digest()
    forged = bytearray(head)
    for index, (flag, sealed) in enumerate(records):
        if flag == sealed_file.LAST:  # a chunk of the forger's own, sealed as the real one would be
            sealed = SUITE.encrypt(b"forged", hpke_public_key(keys.current.public),
                                   info=sealed_file._info(header_hash, index, flag))
        forged += bytes([flag]) + sealed_file._U32.pack(len(sealed)) + sealed
    forged += trailer

    real_verify = sealed_file._verify

    def verify_then_swap(p, k):
        result = real_verify(p, k)
        p.write_bytes(bytes(forged))
        return result

    monkeypatch.setattr(sealed_file, "_verify", verify_then_swap)
    with pytest.raises(BackupInvalid) as exc:
        list(sealed_file.plaintext(path, keys))
    assert exc.value.params["reason"] == "signature"

    path.write_bytes(original)
    with target_db(srv) as db:
        home = tmp_path / "restored"
        assert cli(home, db, tmp_path, "restore", str(bk)) == 2
        assert "was altered" in capsys.readouterr().err
        assert not (home / "server.json").exists() and not (home / "server.sqlite3").exists()
        if db:
            from sqlalchemy import inspect

            from intake_app.server.db import make_engine

            engine = make_engine(db)
            assert inspect(engine).get_table_names() == []
            engine.dispose()


def test_operator_mistakes_are_worded(srv, device_factory, tmp_path, capsys):
    """A backup into a folder that is not empty, and a PostgreSQL backup restored without
    saying where: each gets a sentence that says what to do, not a bare code."""
    fill(srv, device_factory, 2)
    bk = tmp_path / "bk"
    assert cli(srv.home, srv.settings.db_url, tmp_path, "backup", str(bk)) == 0
    assert cli(srv.home, srv.settings.db_url, tmp_path, "backup", str(bk)) == 2
    err = capsys.readouterr().err
    assert "The target folder is not empty" in err and "not_empty" not in err
    if srv.kind == "postgresql":
        assert cli(tmp_path / "h", None, tmp_path, "restore", str(bk)) == 2
        err = capsys.readouterr().err
        assert "give the empty target database with --db" in err and "?" not in err
        assert not (tmp_path / "h").exists()
