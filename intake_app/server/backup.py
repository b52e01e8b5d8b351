"""``intake-server backup OUT``: a consistent copy while the server runs, sealed.

SQLite: the online backup API into a private temporary file in the server's home (a
snapshot even while writers commit; the home is the owner's alone and already holds the
database in the clear), read back in 1 MiB pieces as it is sealed and removed, so memory
stays flat whatever the database's size. PostgreSQL: ``pg_dump --format=custom`` to a pipe
(one snapshot transaction). Either way the backup's folder never holds a clear copy: the
copy is sealed as it is read (``sealed_file``: encrypted to the server's own HPKE key,
signed by its signing keys), so the backup is worth nothing without the key file and its
passphrase. Beside it go the encrypted key file and ``server.json``, plus ``backup.json``
naming the schema revision. ``intake-server restore`` (``restore.py``) checks and opens it again.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from sqlalchemy.engine import make_url

from ..bundle.serverkeys import ServerKeys
from ..fsutil import atomic_write, secure_mkdir
from . import sealed_file
from .config import CONFIG_NAME, Settings
from .errors import BackupFailed, folder_reason

SQLITE_FILE = "server.sqlite3.sealed"
PG_FILE = "server.pgdump.sealed"
READ = 1024 * 1024
# the SQLite snapshot while it is sealed: ``.backup-<random>.sqlite3`` in the home, 0600
SNAPSHOT_PREFIX, SNAPSHOT_SUFFIX = ".backup-", ".sqlite3"


def backup(settings: Settings, keys: ServerKeys, out: Path, schema_revision: str | None) -> list[Path]:
    """Write the backup into ``out`` (a new or empty folder). A folder that cannot take it
    (not a folder, read-only, no permission, full) is a worded :class:`BackupFailed`, and
    nothing is left behind: no partial file, no folder this call made."""
    out = Path(out)
    _check_target(out)
    url = make_url(settings.db_url)
    kind = url.get_backend_name()
    check_dump_url(url)  # a URL pg_dump cannot be given safely: refused before anything is written
    created_dirs = _missing_dirs(out)
    free = shutil.disk_usage(created_dirs[0].parent if created_dirs else out).free
    try:
        secure_mkdir(out)
        if kind != "sqlite":
            return _write(settings, keys, out, kind, url, schema_revision, None)
        with _sqlite_snapshot(url.database, settings.home) as image:
            size = _size(image)
            # measured again: on the home's disk the snapshot itself took room
            free = shutil.disk_usage(created_dirs[0].parent if created_dirs else out).free
            need = size + 4096 * (size // sealed_file.CHUNK + 2) \
                + sum(_size(settings.home / n) for n in (settings.key_file, CONFIG_NAME)) + 4096
            if need > free:  # said before a byte is written: the copy and the free room, in MB
                raise BackupFailed(reason="no_space_need", path=str(out), need=_mb(need), free=_mb(free))
            return _write(settings, keys, out, kind, url, schema_revision, image)
    except BaseException as exc:
        _clean(out, created_dirs, settings.key_file)
        reason = folder_reason(exc)
        if reason is None:
            raise
        raise BackupFailed(reason=reason, path=str(out), free=_mb(free)) from None


def preflight(out: Path, db_url: str | None = None) -> None:
    """What can be checked about ``out`` before the passphrase is asked: a folder, empty,
    and one this user can write in (probed: a read-only disk or an immutable folder lets
    root's mode checks pass); and that ``pg_dump`` can be given ``db_url`` safely. Leaves nothing."""
    out = Path(out)
    if db_url is not None:
        check_dump_url(db_url)
    _check_target(out)
    reason = probe_folder(out)
    if reason is not None:
        raise BackupFailed(reason=reason, path=str(out))


def probe_folder(folder: Path) -> str | None:
    """Why nothing can be written in ``folder`` (made, with its parents, for the probe and
    removed again), or None when a file can be created there."""
    folder = Path(folder)
    made = _missing_dirs(folder)
    try:
        secure_mkdir(folder)
        fd, name = tempfile.mkstemp(dir=folder, prefix=".intake-probe-")
        os.close(fd)
        os.unlink(name)
    except OSError as exc:
        reason = folder_reason(exc)
        if reason is None and isinstance(exc, FileNotFoundError) and (made[0] if made else folder).parent.is_dir():
            reason = "not_writable"  # a folder that takes no new entries (/proc): not a path typed wrong
        if reason is None:
            raise
        return reason
    finally:
        for d in reversed(made):
            with contextlib.suppress(OSError):
                d.rmdir()
    return None


def _check_target(out: Path) -> None:
    """A folder that is empty, or a new one in a folder that exists: a missing parent is
    refused rather than made (a backup drive that is not mounted would otherwise fill the
    system disk under its mount point's path)."""
    if out.exists() and not out.is_dir():
        raise BackupFailed(reason="not_folder", path=str(out))
    if out.is_dir() and any(out.iterdir()):
        raise BackupFailed(reason="not_empty", path=str(out))
    parent = out.absolute().parent
    if not out.exists() and not out.is_symlink() and not (parent.exists() or parent.is_symlink()):
        raise BackupFailed(reason="no_parent", path=str(out), parent=str(out.parent))


def _write(settings, keys, out: Path, kind: str, url, schema_revision, image: Path | None) -> list[Path]:
    created = datetime.now(timezone.utc).isoformat(timespec="seconds")
    if kind == "sqlite":
        target = out / SQLITE_FILE
        sealed_file.write_sealed(target, keys, "sqlite", created, _file_chunks(image))
    else:
        target = out / PG_FILE
        sealed_file.write_sealed(target, keys, "postgresql", created, _pg_dump(*libpq_target(url)))
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


def _missing_dirs(path: Path) -> list[Path]:
    """``path`` and those of its parents that do not exist yet, outermost first."""
    missing = []
    for p in [path, *path.parents]:
        if p.exists() or p.is_symlink():
            break
        missing.append(p)
    return missing[::-1]


def _clean(out: Path, created_dirs: list[Path], key_file: str) -> None:
    """A failed backup leaves nothing: the files it writes (the folder was empty), the folders it made."""
    for name in (SQLITE_FILE, PG_FILE, key_file, CONFIG_NAME, "backup.json"):
        with contextlib.suppress(OSError):
            (out / name).unlink()
    for d in reversed(created_dirs):
        with contextlib.suppress(OSError):
            d.rmdir()


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _mb(size: int) -> str:
    return f"{max(size, 0) / 1_048_576:.1f}"


@contextlib.contextmanager
def _sqlite_snapshot(path: str, home: Path) -> Iterator[Path]:
    """The database as one consistent image, in a private temporary file in ``home`` that
    is removed when the block ends, however it ends. A snapshot left by a backup that was
    killed is removed first (:func:`remove_stale_snapshots`)."""
    home = Path(home)
    remove_stale_snapshots(home)
    estimate = _size(Path(path)) + _size(Path(f"{path}-wal"))  # the image is no larger than both
    free = shutil.disk_usage(home).free
    if estimate > free:
        raise BackupFailed(reason="no_space_need", path=str(home), need=_mb(estimate), free=_mb(free))
    try:
        fd, image = _new_snapshot_file(home)
    except OSError as exc:
        raise BackupFailed(reason=folder_reason(exc) or "sqlite", path=str(home), free=_mb(free)) from None
    try:
        _copy_database(path, image, home, free)
        yield image
    finally:
        _remove_snapshot(image)
        os.close(fd)  # the lock goes last: no other backup removes a file still in use


def _copy_database(path: str, image: Path, home: Path, free: int) -> None:
    try:
        src = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            dst = sqlite3.connect(image)
            try:
                dst.execute("PRAGMA journal_mode=OFF")  # a scratch copy: no journal beside it
                dst.execute("PRAGMA synchronous=OFF")
                src.backup(dst)
            finally:
                dst.close()
        finally:
            src.close()
    except sqlite3.Error as exc:
        if getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL:
            raise BackupFailed(reason="no_space", path=str(home), free=_mb(free)) from None
        raise BackupFailed(reason="sqlite") from None


def _new_snapshot_file(home: Path) -> tuple[int, Path]:
    """A new empty 0600 file ``.backup-<random>.sqlite3`` in ``home`` and an open descriptor
    holding its lock (``flock``) for as long as it is in use: :func:`remove_stale_snapshots`
    of another backup leaves a locked file alone; the lock dies with a killed process."""
    while True:
        fd, name = tempfile.mkstemp(dir=home, prefix=SNAPSHOT_PREFIX, suffix=SNAPSHOT_SUFFIX)
        try:
            _lock(fd, wait=True)
            # another backup's clean-up could have removed it before the lock: take a new one
            if os.stat(name).st_ino == os.fstat(fd).st_ino:
                return fd, Path(name)
        except FileNotFoundError:
            pass
        except BaseException:
            os.close(fd)
            with contextlib.suppress(OSError):
                os.unlink(name)
            raise
        os.close(fd)


def remove_stale_snapshots(home: Path) -> None:
    """Remove the snapshots that no running backup holds (left by one killed mid-way)."""
    for image in Path(home).glob(f"{SNAPSHOT_PREFIX}*{SNAPSHOT_SUFFIX}"):
        try:
            fd = os.open(image, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            continue
        try:
            _lock(fd, wait=False)
            _remove_snapshot(image)
        except OSError:  # BlockingIOError: a backup running now holds it
            pass
        finally:
            os.close(fd)


def _lock(fd: int, *, wait: bool) -> None:
    """An exclusive ``flock`` on ``fd`` (BlockingIOError when taken and not ``wait``). On
    Windows nothing: a file another process holds open cannot be removed there anyway."""
    if os.name == "nt":  # pragma: no cover - the server's backups are tested on Linux
        return
    import fcntl

    fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)


def _remove_snapshot(image: Path) -> None:
    for name in (image, Path(f"{image}-journal")):
        with contextlib.suppress(FileNotFoundError):
            name.unlink()


def _file_chunks(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as f:
        while block := f.read(READ):
            yield block


# secrets libpq also takes from the environment: the child's own, never its command line
SECRET_ENV = {"password": "PGPASSWORD", "passfile": "PGPASSFILE"}


def libpq_target(db_url) -> tuple[str, dict[str, str]]:
    """What ``pg_dump``/``pg_restore`` are given for the database ``db_url``: the URL for
    ``--dbname`` with no password in it (a command line is readable by every user of the
    machine, through ``ps`` or ``/proc``), and the environment for that child alone, with the
    password as ``PGPASSWORD`` (``?passfile=`` as ``PGPASSFILE``). A ``?sslpassword=`` has no
    variable of its own in libpq: refused in words before anything runs."""
    url = make_url(db_url) if isinstance(db_url, str) else db_url
    env = dict(os.environ)
    secret = {k: k.lower() for k in url.query if k.lower() in ("password", "passfile", "sslpassword")}
    if "sslpassword" in secret.values():
        raise BackupFailed(reason="pg_sslpassword")
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    for key, name in secret.items():  # libpq: a query parameter wins over the user:password@ part
        value = url.query[key]
        env[SECRET_ENV[name]] = value[-1] if isinstance(value, tuple) else value
    clean = url._replace(password=None).difference_update_query(list(secret))  # .set(password=None) keeps it
    return clean.set(drivername="postgresql").render_as_string(hide_password=False), env


def check_dump_url(db_url) -> None:
    """A PostgreSQL URL that ``pg_dump``/``pg_restore`` cannot be given without a secret on
    their command line is refused (:func:`libpq_target`); SQLite, or a URL that does not
    parse (worded where it is used), passes."""
    try:
        url = make_url(db_url) if isinstance(db_url, str) else db_url
    except Exception:
        return
    if url.get_backend_name() != "sqlite":
        libpq_target(url)


def _pg_dump(libpq: str, env: dict[str, str]) -> Iterator[bytes]:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise BackupFailed(reason="pg_dump_missing")
    proc = subprocess.Popen([pg_dump, "--format=custom", "--no-owner", f"--dbname={libpq}"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
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
