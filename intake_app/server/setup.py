"""``intake-server init``: settings, database schema, encrypted key file, first administrator.

Everything that can be checked is checked before anything is written, in two steps the
command line runs apart so nobody types a secret only to be refused for something else:
:func:`plan_init` (no secret: the home is free, the administrator's name is valid, the
database is reachable and holds no server, whether a key file is already there to be
reused) and :func:`check_secrets` (a new key file's passphrase is long enough, or a reused
one opens it; the administrator's password follows the password rules). If a later step
still fails (the database goes away, the disk is full), what this init created is removed
again, and only that: a retry starts from where the first one started.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import inspect, text

from ..bundle.serverkeys import KdfParams, KeyFileKey, ServerKeys, write_key_file
from ..fsutil import secure_mkdir
from . import audit, auth
from .config import CONFIG_NAME, Settings, sqlite_url
from .db import check_database, make_engine, redact_url, transaction
from .errors import DatabaseNotReachable, DatabaseUnavailable, InvalidUsername, ServerAlreadyInitialized, WeakPassword
from .keys import KeyStore
from .migrate import downgrade, upgrade

_USERNAME = re.compile(auth.USERNAME_PATTERN)
_SQLITE_SIDE_FILES = ("-journal", "-wal", "-shm")


@dataclass
class InitPlan:
    settings: Settings
    reuse_keys: bool  # a key file is already in the home (copied there on purpose): opened, never replaced
    sqlite_file: Path | None  # the SQLite database file, None for PostgreSQL
    db_existed: bool  # a SQLite file, or a PostgreSQL database with tables, was there before
    created: list[Path] = field(default_factory=list)


def check_key_passphrase(passphrase: str, min_length: int) -> None:
    """A new key file's passphrase: it alone protects ``server.keys`` and every backup, so
    it follows the passwords' length rule (blank spaces do not count)."""
    if len(passphrase.strip()) < min_length:
        raise WeakPassword(min_length=min_length, reason="key_passphrase")


def plan_init(home: Path, *, db_url: str | None, admin_username: str, **overrides) -> InitPlan:
    """What can be checked before any secret is asked; writes nothing."""
    home = Path(home)
    if (home / CONFIG_NAME).exists():
        raise ServerAlreadyInitialized(home=str(home))
    if not _USERNAME.match(admin_username):
        raise InvalidUsername()
    settings = Settings(home=home, db_url=db_url or sqlite_url(home), **overrides)
    sqlite_file = _sqlite_path(settings.db_url)
    if sqlite_file is not None:
        existed = sqlite_file.exists()
        if existed:
            _refuse_a_server(settings.db_url, str(sqlite_file))
    else:
        existed = _refuse_a_server(settings.db_url, redact_url(settings.db_url))
    return InitPlan(settings, settings.key_path.exists(), sqlite_file, existed)


def check_secrets(plan: InitPlan, *, passphrase: str, admin_username: str,
                  admin_password: str) -> KeyStore | None:
    """The secrets, before anything is written; a reused key file is opened (one KDF) and
    returned."""
    keystore = None
    if plan.reuse_keys:
        keystore = KeyStore.open(plan.settings.key_path, passphrase=passphrase)
    else:
        check_key_passphrase(passphrase, plan.settings.min_password_length)
    auth.check_password(plan.settings, admin_username, admin_password)
    return keystore


def init_server(home: Path, *, db_url: str | None, passphrase: str, admin_username: str, admin_password: str,
                kdf: KdfParams = KdfParams(), **overrides) -> tuple[Settings, KeyStore]:
    """Create everything; refuses to touch an existing installation."""
    home = Path(home)
    plan = plan_init(home, db_url=db_url, admin_username=admin_username, **overrides)
    keystore = check_secrets(plan, passphrase=passphrase, admin_username=admin_username,
                             admin_password=admin_password)
    settings = plan.settings
    home_existed = home.exists()
    engine = None
    try:
        secure_mkdir(home)
        if plan.sqlite_file is not None and not plan.db_existed:
            plan.created += [plan.sqlite_file] + [Path(str(plan.sqlite_file) + s) for s in _SQLITE_SIDE_FILES]
        engine = make_engine(settings.db_url)
        upgrade(engine)
        if not plan.reuse_keys:
            plan.created.append(settings.key_path)
            file_key = KeyFileKey.from_passphrase(passphrase, kdf)
            write_key_file(settings.key_path, ServerKeys.generate(), file_key)
            keystore = KeyStore.open(settings.key_path, passphrase=passphrase)
        auth.add_user(engine, settings, admin_username, admin_password, "administrator", actor=audit.operator_actor())
        with transaction(engine) as conn:
            audit.append(conn, audit.operator_actor(), "server_init", None, key_id=keystore.keys().current.key_id)
        plan.created.append(home / CONFIG_NAME)
        settings.save()  # without the password a --db URL may hold (Settings.to_json)
    except BaseException:
        _undo(plan, engine, home, home_existed)
        raise
    finally:
        if engine is not None:
            engine.dispose()
    return settings, keystore


def _sqlite_path(db_url: str) -> Path | None:
    from sqlalchemy.engine import make_url

    url = make_url(db_url)
    if url.get_backend_name() != "sqlite":
        return None
    return Path(url.database) if url.database and url.database != ":memory:" else None


def _refuse_a_server(db_url: str, where: str) -> bool:
    """True if the database has tables; ServerAlreadyInitialized if it has users (another
    server, or an init of an older version that stopped half-way)."""
    engine = make_engine(db_url)
    try:
        try:
            check_database(engine)
        except DatabaseUnavailable:
            raise DatabaseNotReachable(db=redact_url(db_url)) from None
        tables = inspect(engine).get_table_names()
        if "users" in tables:
            with engine.connect() as conn:
                if conn.execute(text("SELECT count(*) FROM users")).scalar_one():
                    raise ServerAlreadyInitialized(home=where)
        return bool(tables)
    finally:
        engine.dispose()


def _undo(plan: InitPlan, engine, home: Path, home_existed: bool) -> None:
    """Remove what this init created, never anything that was there before it."""
    if engine is not None:
        if plan.sqlite_file is None and not plan.db_existed:
            try:  # the PostgreSQL database was empty: take out the schema this init put in
                downgrade(engine, "base")
                with engine.begin() as conn:
                    conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
            except Exception:  # noqa: BLE001 - the first failure is the one to report
                pass
        engine.dispose()
    for path in plan.created:
        try:
            os.unlink(path)
        except OSError:
            pass
    if not home_existed:
        try:
            home.rmdir()  # only if nothing else is in it
        except OSError:
            pass
