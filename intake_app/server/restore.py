"""``intake-server restore BACKUP``: a sealed backup back into an empty home and database.

The backup's own key file is opened with the operator's passphrase (or the
environment-provided key), and the sealed database copy is checked from end to end
(signature, framing) before anything is written. Then:

- SQLite: the image goes to ``server.sqlite3`` under a temporary name, renamed once
  complete;
- PostgreSQL: the dump is piped into ``pg_restore --single-transaction`` against an
  empty database (``--db``), so a failure leaves nothing behind.

Last, the key file and ``server.json`` (with the new database URL) go into the home.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from ..bundle.serverkeys import ServerKeys
from ..fsutil import atomic_writer, secure_mkdir
from . import sealed_file
from .backup import PG_FILE, SQLITE_FILE, check_dump_url, libpq_target
from .config import CONFIG_NAME, Settings, load_settings, sqlite_url
from .db import make_engine
from .errors import BackupFailed, BackupInvalid, RestoreTargetNotEmpty
from .keys import KeyStore


@dataclass(frozen=True)
class OpenedBackup:
    info: dict  # backup.json
    settings: Settings  # the backed-up server.json (home: the backup folder)
    keys: ServerKeys
    sealed: Path
    size: int  # bytes of the database copy (known after a full check)


def open_backup(backup_dir: Path, passphrase: str | None, *, decrypt_all: bool = False) -> OpenedBackup:
    """Every file there, the key file opened, the sealed copy checked end to end (and, with
    ``decrypt_all``, every chunk decrypted and dropped). Writes nothing."""
    backup_dir = Path(backup_dir)
    info = _info(backup_dir)
    if not (backup_dir / CONFIG_NAME).is_file():
        raise BackupInvalid(reason="missing_file", file=CONFIG_NAME)
    old = load_settings(backup_dir)
    if not (backup_dir / old.key_file).is_file():
        raise BackupInvalid(reason="missing_file", file=old.key_file)
    kind = info["database"]
    sealed = backup_dir / (SQLITE_FILE if kind == "sqlite" else PG_FILE)
    if not sealed.is_file():
        raise BackupInvalid(reason="missing_file", file=sealed.name)
    keys = KeyStore.open(backup_dir / old.key_file, passphrase=passphrase).keys()
    header = sealed_file.verify(sealed, keys)
    if header["kind"] != kind:
        raise BackupInvalid(reason="database_kind", found=header["kind"], target=kind)
    size = sum(len(chunk) for chunk in sealed_file.plaintext(sealed, keys)) if decrypt_all else 0
    return OpenedBackup(info, old, keys, sealed, size)


def restore(backup_dir: Path, home: Path, db_url: str | None, passphrase: str | None) -> Settings:
    """Restore and return the new home's settings. ``passphrase`` None: the key comes
    from the environment (``INTAKE_SERVER_KEY``)."""
    home = Path(home)
    kind = _info(Path(backup_dir))["database"]
    if kind == "postgresql" and not db_url:
        raise BackupInvalid(reason="needs_db")
    url = db_url or sqlite_url(home)
    target_kind = make_url(url).get_backend_name()
    if target_kind != kind:
        raise BackupInvalid(reason="database_kind", found=str(kind), target=target_kind)
    check_dump_url(url)  # a URL pg_restore cannot be given safely: refused before anything is read
    opened = open_backup(backup_dir, passphrase)  # the whole file, before anything is written
    if (home / CONFIG_NAME).exists() or (home / opened.settings.key_file).exists():
        raise RestoreTargetNotEmpty(target=str(home))
    secure_mkdir(home)
    if kind == "sqlite":
        _restore_sqlite(opened.sealed, opened.keys, Path(make_url(url).database))
    else:
        _restore_pg(opened.sealed, opened.keys, url)
    shutil.copy2(opened.settings.key_path, home / opened.settings.key_file)
    settings = replace(opened.settings, home=home, db_url=url)
    settings.save()
    return settings


def _info(backup_dir: Path) -> dict:
    try:
        info = json.loads((backup_dir / "backup.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupInvalid(reason="missing_file", file="backup.json") from None
    except (ValueError, UnicodeDecodeError):
        raise BackupInvalid(reason="not_a_backup") from None
    if not isinstance(info, dict) or info.get("database") not in ("sqlite", "postgresql"):
        raise BackupInvalid(reason="not_a_backup")
    return info


def _restore_sqlite(sealed: Path, keys, path: Path) -> None:
    if path.exists() and path.stat().st_size:
        raise RestoreTargetNotEmpty(target=str(path))
    with atomic_writer(path) as out:
        for chunk in sealed_file.plaintext(sealed, keys):
            out.write(chunk)


def _restore_pg(sealed: Path, keys, url: str) -> None:
    engine = make_engine(url)
    try:
        if inspect(engine).get_table_names():
            raise RestoreTargetNotEmpty(target=make_url(url).render_as_string(hide_password=True))
    finally:
        engine.dispose()
    pg_restore = shutil.which("pg_restore")
    if pg_restore is None:
        raise BackupFailed(reason="pg_restore_missing")
    libpq, env = libpq_target(url)  # the password in pg_restore's environment, never on its command line
    proc = subprocess.Popen([pg_restore, "--no-owner", "--exit-on-error", "--single-transaction",
                             f"--dbname={libpq}"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=env)
    try:
        for chunk in sealed_file.plaintext(sealed, keys):
            proc.stdin.write(chunk)
        proc.stdin.close()
    except BrokenPipeError:
        pass  # pg_restore stopped: its exit code says so below
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    if proc.wait() != 0:
        raise BackupFailed(reason="pg_restore")
