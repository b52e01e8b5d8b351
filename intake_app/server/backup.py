"""``intake-server backup OUT``: a consistent copy while the server runs, sealed.

SQLite: the online backup API into memory (a snapshot even while writers commit).
PostgreSQL: ``pg_dump --format=custom`` to a pipe (one snapshot transaction). Either way
the database copy never touches the disk in the clear: it is sealed as it is read
(``sealed_file``: encrypted to the server's own HPKE key, signed by its signing keys), so
the backup is worth nothing without the key file and its passphrase. Beside it go the
encrypted key file and ``server.json``, plus ``backup.json`` naming the schema revision.
``intake-server restore`` (``restore.py``) checks and opens it again.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from sqlalchemy.engine import make_url

from ..bundle.serverkeys import ServerKeys
from ..fsutil import atomic_write, secure_mkdir
from . import sealed_file
from .config import CONFIG_NAME, Settings
from .errors import BackupFailed

SQLITE_FILE = "server.sqlite3.sealed"
PG_FILE = "server.pgdump.sealed"
READ = 1024 * 1024


def backup(settings: Settings, keys: ServerKeys, out: Path, schema_revision: str | None) -> list[Path]:
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise BackupFailed(reason="not_empty")
    secure_mkdir(out)
    url = make_url(settings.db_url)
    kind = url.get_backend_name()
    created = datetime.now(timezone.utc).isoformat(timespec="seconds")
    if kind == "sqlite":
        target = out / SQLITE_FILE
        sealed_file.write_sealed(target, keys, "sqlite", created, _sqlite_snapshot(url.database))
    else:
        target = out / PG_FILE
        libpq = url.set(drivername="postgresql").render_as_string(hide_password=False)
        sealed_file.write_sealed(target, keys, "postgresql", created, _pg_dump(libpq))
    written = [target]
    for name in (settings.key_file, CONFIG_NAME):
        src = settings.home / name
        if src.exists():
            shutil.copy2(src, out / name)
            written.append(out / name)
    info = {"created_at": created, "database": kind, "schema_revision": schema_revision,
            "key_id": keys.current.key_id,
            "files": [p.name for p in written]}
    atomic_write(out / "backup.json", json.dumps(info, indent=2).encode())
    return written + [out / "backup.json"]


def _sqlite_snapshot(path: str) -> Iterator[bytes]:
    """The database as one consistent image, taken into memory (never a clear file)."""
    src = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        mem = sqlite3.connect(":memory:")
        src.backup(mem)
        image = mem.serialize()
        mem.close()
    except sqlite3.Error:
        raise BackupFailed(reason="sqlite") from None
    finally:
        src.close()
    view = memoryview(image)
    for i in range(0, len(view), READ):
        yield bytes(view[i:i + READ])


def _pg_dump(libpq: str) -> Iterator[bytes]:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise BackupFailed(reason="pg_dump_missing")
    proc = subprocess.Popen([pg_dump, "--format=custom", "--no-owner", f"--dbname={libpq}"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    done = False
    try:
        while block := proc.stdout.read(READ):
            yield block
        done = True
    finally:
        proc.stdout.close()
        if not done:  # the sealing stopped early: stop pg_dump too
            proc.kill()
        code = proc.wait()
    if code != 0:
        raise BackupFailed(reason="pg_dump")
