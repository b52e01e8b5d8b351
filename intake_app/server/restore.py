"""``intake-server restore BACKUP``: a sealed backup back into an empty home and database.

The backup's own key file is opened with the operator's passphrase (or the
environment-provided key), and the sealed database copy is checked from end to end
(signature, framing) before anything is written. Then:

- SQLite: the image goes to ``server.sqlite3`` under a temporary name, renamed once
  complete;
- PostgreSQL: the dump is piped into ``pg_restore --single-transaction`` against an
  empty database (``--db``) in which the URL's role may create tables, so a failure leaves
  nothing behind. pg_restore's own messages are never shown (they can quote a row): a known
  cause is worded, anything else said as a failure of pg_restore.

Last, the key file and ``server.json`` (with the new database URL) go into the home. What
needs no secret (:func:`check_target`) is checked before the passphrase is asked; a restore
that fails removes what it wrote, and the home too if it made it.
"""

from __future__ import annotations

import getpass
import json
import os
import shutil
import subprocess
import threading
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from ..bundle.serverkeys import ServerKeys
from ..fsutil import atomic_writer, secure_mkdir
from . import sealed_file
from .backup import PG_FILE, SQLITE_FILE, check_dump_url, libpq_target
from .config import CONFIG_NAME, KEY_FILE_NAME, Settings, load_settings, sqlite_url
from .db import check_database, check_url, make_engine, redact_url
from .db_move import check_can_create
from .errors import BackupFailed, BackupInvalid, DatabaseNotReachable, DatabaseUnavailable, RestoreTargetNotEmpty
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


def check_target(backup_dir: Path, home: Path, db_url: str | None) -> str:
    """What a restore can be refused for before any secret is asked, and the target URL: the
    backup's kind of database and the target's (a PostgreSQL backup needs ``--db``), a URL
    pg_restore can be given, a home that holds no server, an empty SQLite file or an empty
    PostgreSQL database that can be reached and in which the role may create tables. Writes
    nothing."""
    home = Path(home)
    if db_url:
        check_dump_url(db_url)  # a URL pg_restore cannot be given safely: before the backup is even read
    kind = _info(Path(backup_dir))["database"]
    if kind == "postgresql" and not db_url:
        raise BackupInvalid(reason="needs_db")
    url = db_url or sqlite_url(home)
    check_url(url)  # a plain path or a typo in the scheme: worded
    target_kind = make_url(url).get_backend_name()
    if target_kind != kind:
        raise BackupInvalid(reason="database_kind", found=str(kind), target=target_kind)
    if (home / CONFIG_NAME).exists() or (home / KEY_FILE_NAME).exists():
        raise RestoreTargetNotEmpty(target=str(home))
    if kind == "sqlite":
        path = Path(make_url(url).database)
        if path.exists() and path.stat().st_size:
            raise RestoreTargetNotEmpty(target=str(path))
    else:
        _check_pg_target(url)
    return url


def restore(backup_dir: Path, home: Path, db_url: str | None, passphrase: str | None) -> Settings:
    """Restore and return the new home's settings. ``passphrase`` None: the key comes
    from the environment (``INTAKE_SERVER_KEY``). On failure what was written is removed
    (the home too, if this made it)."""
    home = Path(home)
    url = check_target(backup_dir, home, db_url)
    kind = _info(Path(backup_dir))["database"]
    opened = open_backup(backup_dir, passphrase)  # the whole file, before anything is written
    if (home / opened.settings.key_file).exists():
        raise RestoreTargetNotEmpty(target=str(home))
    home_existed, written = home.exists(), []
    try:
        secure_mkdir(home)
        if kind == "sqlite":
            path = Path(make_url(url).database)
            _restore_sqlite(opened.sealed, opened.keys, path)
            written.append(path)
        else:
            _restore_pg(opened.sealed, opened.keys, url)
        written.append(home / opened.settings.key_file)
        shutil.copy2(opened.settings.key_path, home / opened.settings.key_file)
        settings = replace(opened.settings, home=home, db_url=url)
        written.append(home / CONFIG_NAME)
        settings.save()
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        if not home_existed:
            try:
                home.rmdir()  # only if nothing else is in it
            except OSError:
                pass
        raise
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


def _check_pg_target(url: str) -> None:
    """The PostgreSQL target reached, empty, and the role may create tables there."""
    engine = make_engine(url)
    try:
        try:
            check_database(engine)
        except DatabaseUnavailable:
            raise DatabaseNotReachable(db=redact_url(url)) from None
        if inspect(engine).get_table_names():
            raise RestoreTargetNotEmpty(target=redact_url(url))
        with engine.connect() as conn:
            check_can_create(conn, url)
    finally:
        engine.dispose()


# pg_restore's words (English, its own and the server's) for causes an operator can fix;
# anything else is said as pg_restore's failure, never with its text (it can quote a row)
_PG_RESTORE_CAUSES = (("unsupported version", "pg_restore_version"), ("permission denied", "pg_restore_permission"),
                      ("must be owner", "pg_restore_permission"))


def _restore_pg(sealed: Path, keys, url: str) -> None:
    pg_restore = shutil.which("pg_restore")
    if pg_restore is None:
        raise BackupFailed(reason="pg_restore_missing")
    libpq, env = libpq_target(url)  # the password in pg_restore's environment, never on its command line
    env = {**env, "LC_MESSAGES": "C", "LC_ALL": "C"}  # its own messages in English, for _PG_RESTORE_CAUSES
    proc = subprocess.Popen([pg_restore, "--no-owner", "--exit-on-error", "--single-transaction",
                             f"--dbname={libpq}"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env=env)
    said: list[bytes] = []
    reader = threading.Thread(target=_read_some, args=(proc.stderr, said), daemon=True)
    reader.start()
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
    code = proc.wait()
    reader.join(timeout=10)
    if code != 0:
        text = b"".join(said).decode("utf-8", "replace").lower()
        reason = next((r for words, r in _PG_RESTORE_CAUSES if words in text), "pg_restore")
        target = make_url(url)
        role = target.username or os.environ.get("PGUSER") or getpass.getuser()  # libpq's own default
        raise BackupFailed(reason=reason, role=role, database=target.database or role)


def _read_some(stream, into: list[bytes], limit: int = 65536) -> None:
    """Read ``stream`` to its end (so pg_restore never blocks on a full pipe), keeping its
    first ``limit`` bytes in memory only."""
    kept = 0
    while block := stream.read(4096):
        if kept < limit:
            into.append(block[:limit - kept])
            kept += len(into[-1])
    stream.close()
