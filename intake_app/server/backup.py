"""``intake-server backup OUT``: a consistent copy while the server runs.

SQLite: the online backup API (a snapshot even while writers commit). PostgreSQL:
``pg_dump --format=custom`` (one snapshot transaction). Beside the database copy go the
encrypted key file (still useless without the passphrase) and ``server.json``, plus
``backup.json`` naming the schema revision. Restore: docs/server.md.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy.engine import make_url

from ..fsutil import atomic_write, secure_mkdir
from .config import CONFIG_NAME, Settings
from .errors import BackupFailed


def backup(settings: Settings, out: Path, schema_revision: str | None) -> list[Path]:
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise BackupFailed(reason="not_empty")
    secure_mkdir(out)
    url = make_url(settings.db_url)
    written = []
    if url.get_backend_name() == "sqlite":
        target = out / "server.sqlite3"
        src = sqlite3.connect(f"file:{url.database}?mode=ro", uri=True)
        try:
            dst = sqlite3.connect(target)
            with dst:
                src.backup(dst)
            dst.close()
        except sqlite3.Error:
            raise BackupFailed(reason="sqlite") from None
        finally:
            src.close()
        written.append(target)
    else:
        target = out / "server.pgdump"
        libpq = url.set(drivername="postgresql").render_as_string(hide_password=False)
        pg_dump = shutil.which("pg_dump")
        if pg_dump is None:
            raise BackupFailed(reason="pg_dump_missing")
        proc = subprocess.run([pg_dump, "--format=custom", "--no-owner", f"--file={target}", f"--dbname={libpq}"],
                              capture_output=True)
        if proc.returncode != 0:
            raise BackupFailed(reason="pg_dump")
        written.append(target)
    for name in (settings.key_file, CONFIG_NAME):
        src = settings.home / name
        if src.exists():
            shutil.copy2(src, out / name)
            written.append(out / name)
    info = {"created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "database": url.get_backend_name(), "schema_revision": schema_revision,
            "files": [p.name for p in written]}
    atomic_write(out / "backup.json", json.dumps(info, indent=2).encode())
    return written + [out / "backup.json"]
