"""A SQLite backup's memory does not grow with the database: the snapshot goes into a
private temporary file in the home (``.backup-<random>.sqlite3``, 0600) and is sealed from
it piece by piece, never held whole in memory (it once held ~3x the database: a copy in
``:memory:``, its ``serialize()`` and the pieces). The temporary file never outlives the
backup: removed when it ends or fails, and a leftover of a killed backup by the next one.
The database is fictional (random bytes in a table of fictional notes)."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from intake_app.bundle.serverkeys import ServerKeys
from intake_app.server import backup as backup_mod
from intake_app.server import sealed_file
from intake_app.server.config import Settings

ROOT = Path(__file__).resolve().parents[2]
MB = 1024 * 1024

# the backup alone, in a fresh process: keys made in memory (no key file, so no passphrase
# KDF: the CLI's Argon2 floor is not part of what is measured); the peak RSS before and after
CHILD = r"""
import resource, sys
from pathlib import Path
from intake_app.bundle.serverkeys import ServerKeys
from intake_app.server.backup import backup
from intake_app.server.config import Settings
home, out = Path(sys.argv[1]), Path(sys.argv[2])
keys = ServerKeys.generate()
settings = Settings(home=home, db_url=f"sqlite:///{home / 'server.sqlite3'}")
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
backup(settings, keys, out, None)
print(before, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def make_home(tmp_path: Path, size_mb: int) -> tuple[Path, int]:
    home = tmp_path / "servidor"
    home.mkdir(mode=0o700)
    db = sqlite3.connect(home / "server.sqlite3")
    db.execute("CREATE TABLE notas_ficticias (id INTEGER PRIMARY KEY, cuerpo BLOB)")
    with db:
        for _ in range(size_mb * 4):
            db.execute("INSERT INTO notas_ficticias (cuerpo) VALUES (?)", (os.urandom(MB // 4),))
    db.close()
    return home, (home / "server.sqlite3").stat().st_size


def snapshots(home: Path) -> list[str]:
    return sorted(p.name for p in home.iterdir() if p.name.startswith(".backup-"))


def test_backup_peak_memory_does_not_grow_with_the_database(tmp_path):
    home, size = make_home(tmp_path, 64)
    proc = subprocess.run([sys.executable, "-c", CHILD, str(home), str(tmp_path / "copia")], cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    before, after = (int(v) * 1024 for v in proc.stdout.split())  # ru_maxrss: KiB on Linux
    grown = after - before
    # a few 4 MiB chunks, SQLite's page caches and the 1 MiB reads: tens of MB, whatever the size;
    # the copy held in memory grew by 2-3x the database here
    assert grown < size // 2, f"backup of {size / MB:.0f} MB raised the peak RSS by {grown / MB:.0f} MB"
    assert snapshots(home) == []
    assert (tmp_path / "copia" / backup_mod.SQLITE_FILE).stat().st_size > size


def small_home(tmp_path: Path) -> tuple[Settings, ServerKeys]:
    home, _ = make_home(tmp_path, 1)
    return Settings(home=home, db_url=f"sqlite:///{home / 'server.sqlite3'}"), ServerKeys.generate()


def test_a_leftover_of_a_killed_backup_is_removed_by_the_next(tmp_path):
    settings, keys = small_home(tmp_path)
    leftover = settings.home / ".backup-muerto1234.sqlite3"  # what a backup killed mid-way leaves
    leftover.write_bytes(b"\0" * 4096)
    (settings.home / ".backup-muerto1234.sqlite3-journal").write_bytes(b"\0")
    seen = []
    real = backup_mod._file_chunks

    def spy(path):
        seen.append((path.name, stat.S_IMODE(path.stat().st_mode), snapshots(settings.home)))
        yield from real(path)

    backup_mod._file_chunks = spy
    try:
        backup_mod.backup(settings, keys, tmp_path / "copia", None)
    finally:
        backup_mod._file_chunks = real
    (name, mode, present), = seen
    assert name.startswith(".backup-") and name.endswith(".sqlite3") and mode == 0o600
    assert present == [name]  # the leftover and its journal were gone before this backup's copy
    assert snapshots(settings.home) == []
    db = sqlite3.connect(":memory:")
    db.deserialize(b"".join(sealed_file.plaintext(tmp_path / "copia" / backup_mod.SQLITE_FILE, keys)))
    assert db.execute("SELECT count(*) FROM notas_ficticias").fetchone() == (4,)


def test_a_snapshot_in_use_by_another_backup_is_left_alone(tmp_path):
    settings, _ = small_home(tmp_path)
    fd, busy = backup_mod._new_snapshot_file(settings.home)  # another backup, running now
    try:
        backup_mod.remove_stale_snapshots(settings.home)
        assert busy.exists()
    finally:
        os.close(fd)
    backup_mod.remove_stale_snapshots(settings.home)  # its process ended: a leftover now
    assert not busy.exists()


def test_no_snapshot_remains_after_a_backup_that_fails_midway(tmp_path, monkeypatch):
    settings, keys = small_home(tmp_path)

    class Boom(Exception):
        pass

    def fail(self, data):
        assert snapshots(settings.home)  # the snapshot exists while it is sealed
        raise Boom

    monkeypatch.setattr(sealed_file.SealedWriter, "write", fail)
    with pytest.raises(Boom):
        backup_mod.backup(settings, keys, tmp_path / "copia", None)
    assert snapshots(settings.home) == []
    assert not (tmp_path / "copia").exists()


def test_a_home_without_room_for_the_snapshot_is_worded_before_anything_is_written(tmp_path, monkeypatch):
    from intake_app.server.errors import BackupFailed

    settings, keys = small_home(tmp_path)
    real = backup_mod.shutil.disk_usage
    monkeypatch.setattr(backup_mod.shutil, "disk_usage",
                        lambda p: real(p)._replace(free=4096) if Path(p) == settings.home else real(p))
    with pytest.raises(BackupFailed) as caught:
        backup_mod.backup(settings, keys, tmp_path / "copia", None)
    assert caught.value.params["reason"] == "no_space_need" and caught.value.params["path"] == str(settings.home)
    assert snapshots(settings.home) == [] and not (tmp_path / "copia").exists()
