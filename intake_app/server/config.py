"""The server's settings: one JSON file in the server's home folder.

``intake-server --home DIR init`` writes ``DIR/server.json`` (database URL, key file
name, limits) and ``DIR/server.keys`` (the encrypted key file). A SQLite database inside
the home is written as a path relative to it (``sqlite:///server.sqlite3``) and resolved
against the home when read, so a copied home uses its own copy of the database (an
absolute path written by an older version is still read as it is, and ``migrate`` rewrites
it; a copied older home is refused rather than use the original's file). The home comes from
``--home``, else ``INTAKE_SERVER_HOME``, else the per-OS data folder. The database URL
may be overridden by ``--db`` or ``INTAKE_SERVER_DB`` (so a password need not be
written to the file). Nothing secret is stored in ``server.json``. Its whole-number settings
are held to :data:`LIMITS` when read: a wrong one stops the command (``serve`` at its start)
with :class:`SettingsInvalid`, naming it and its range.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import platformdirs

from ..fsutil import atomic_write, secure_mkdir
from .errors import ServerDatabaseInOtherFolder, ServerError, ServerNotInitialized

HOME_ENV = "INTAKE_SERVER_HOME"
DB_ENV = "INTAKE_SERVER_DB"
CONFIG_NAME = "server.json"
KEY_FILE_NAME = "server.keys"


def server_home(override: str | os.PathLike[str] | None = None) -> Path:
    if override:
        return Path(override).expanduser().resolve()
    env = os.environ.get(HOME_ENV)
    if env:
        return Path(env).expanduser().resolve()
    return default_home()


class HomeOwnedByOtherUser(ServerError):
    """A command that writes into the server home, run by another user than the home's owner
    (root, typically): the files it wrote would be that user's, closed to the service, which
    then could no longer read its own key file or settings. Nothing was done. params: home,
    owner, user, command (the same command line run as the owner)."""

    code = "home_other_owner"


def home_owner_mismatch(home: Path) -> tuple[str, str] | None:
    """(the home's owner, this process's user) when ``home`` exists and belongs to another
    user than the effective one, that user not being root; None otherwise, and always where
    there are no POSIX owners (Windows). A home that does not exist yet becomes this user's
    when it is made. A root-owned home is not refused: a mount point or a volume the service
    may write through its group (Kubernetes fsGroup, OpenShift's arbitrary uid), where the
    only fix to suggest would be ``sudo -u root``, the very thing this check prevents."""
    geteuid = getattr(os, "geteuid", None)
    if geteuid is None:
        return None
    try:
        owner = os.stat(home).st_uid
    except OSError:
        return None
    me = geteuid()
    return None if owner in (me, 0) else (user_name(owner), user_name(me))


def user_name(uid: int) -> str:
    """The login name of ``uid``, or ``#uid`` (as ``sudo -u`` takes a number) when it has none."""
    try:
        import pwd

        return pwd.getpwuid(uid).pw_name
    except (ImportError, KeyError):
        return f"#{uid}"


def default_home() -> Path:
    """The home without ``--home`` or ``INTAKE_SERVER_HOME``: the per-OS data folder."""
    return Path(platformdirs.user_data_dir("intake-server", appauthor=False))


def without_password(db_url: str) -> str:
    from sqlalchemy.engine import make_url

    url = make_url(db_url)
    secret_query = [k for k in url.query if k.lower() in SECRET_QUERY_KEYS]  # libpq also takes ?password=
    if not url.password and not secret_query:
        return db_url
    # URL.set(password=None) leaves the password as it is: replace the field itself
    return url._replace(password=None).difference_update_query(secret_query).render_as_string(hide_password=False)


SECRET_QUERY_KEYS = ("password", "passfile", "sslpassword")


def sqlite_url(home: Path) -> str:
    return f"sqlite:///{home / 'server.sqlite3'}"


def _sqlite_file(db_url: str):
    """(parsed URL, database path) for a SQLite file URL; (URL or None, None) otherwise."""
    from sqlalchemy.engine import make_url

    url = make_url(db_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:" \
            or url.database.startswith("file:"):
        return url, None
    return url, Path(url.database)


def home_relative(home: Path, db_url: str) -> str:
    """The URL as ``server.json`` keeps it: a SQLite file inside ``home`` relative to it."""
    url, path = _sqlite_file(db_url)
    if path is None:
        return db_url
    if not path.is_absolute():  # as given on the command line: the file is made in the working folder
        path = Path.cwd() / path
        url = url.set(database=str(path))
    try:
        inside = path.resolve().relative_to(Path(home).resolve())
    except ValueError:
        return url.render_as_string(hide_password=False)
    return url.set(database=inside.as_posix()).render_as_string(hide_password=False)


def home_resolved(home: Path, db_url: str) -> str:
    """The URL as read from ``server.json``: a relative SQLite path is inside ``home``."""
    url, path = _sqlite_file(db_url)
    if path is None or path.is_absolute():
        return db_url
    return url.set(database=str(home / path)).render_as_string(hide_password=False)


@dataclass(frozen=True)
class Settings:
    home: Path
    db_url: str
    key_file: str = KEY_FILE_NAME
    max_upload_bytes: int = 64 * 1024 * 1024
    max_payload_bytes: int = 256 * 1024 * 1024
    lease_days: int = 30
    max_pending_enrollments: int = 100  # online requests waiting for an administrator
    session_idle_minutes: int = 30
    session_max_hours: int = 10
    lockout_failures: int = 5
    lockout_minutes: int = 15
    min_password_length: int = 12
    # GET /api/v1/health answers 503 "disk_low" below this much free space (MiB) where the
    # server writes: its home and a SQLite database's folder (0: not checked)
    min_free_disk_mb: int = 1024
    extra: dict = field(default_factory=dict)

    @property
    def key_path(self) -> Path:
        return self.home / self.key_file

    def to_json(self) -> bytes:
        """What ``server.json`` holds: never a password (psycopg reads PGPASSWORD or
        ~/.pgpass; or the whole URL comes in ``INTAKE_SERVER_DB`` at each start)."""
        data = asdict(self)
        data.pop("home")
        data["db_url"] = home_relative(self.home, without_password(self.db_url))
        return json.dumps(data, indent=2, sort_keys=True).encode()

    def save(self) -> None:
        secure_mkdir(self.home)
        atomic_write(self.home / CONFIG_NAME, self.to_json())

    def with_db(self, db_url: str | None) -> "Settings":
        return replace(self, db_url=db_url) if db_url else self

    def disk_folders(self) -> dict[str, Path]:
        """Where this server writes, by name: its home, and a SQLite database's folder (a
        PostgreSQL database's disk is on its own host, out of this server's sight)."""
        folders = {"home": self.home}
        _, path = _sqlite_file(self.db_url)
        if path is not None:
            folders["database"] = (path if path.is_absolute() else self.home / path).parent
        return folders


MIB = 1024 * 1024

# (lowest, highest) of each whole-number setting in server.json, checked whenever the settings
# are read: a value that is no JSON whole number in its range stops the command (SettingsInvalid)
# rather than fail deep in a request (a 500) or weaken the server quietly. The highest keep the
# time arithmetic far from overflowing and a request's memory within reason.
LIMITS: dict[str, tuple[int, int]] = {
    "max_upload_bytes": (MIB, 1024 * MIB),  # one bundle sent online, read into memory
    "max_payload_bytes": (MIB, 4096 * MIB),  # one bundle opened (decompressed) in memory
    "lease_days": (1, 3650),
    "max_pending_enrollments": (0, 100_000),  # 0: no online enrollment, only by USB stick
    "session_idle_minutes": (1, 24 * 60),
    "session_max_hours": (1, 7 * 24),
    "lockout_failures": (1, 100),
    "lockout_minutes": (1, 24 * 60),
    "min_password_length": (8, 1024),  # the sign-in takes passwords up to 1024 characters
    "min_free_disk_mb": (0, 1024 * 1024),  # 0: not checked
}


class SettingsInvalid(ServerError):
    """``server.json`` holds a whole-number setting that is no JSON whole number within its
    range (:data:`LIMITS`). Nothing was done. params: file (that server.json), settings (the
    wrong ones' names), allowed ([lowest, highest] of each, in that order); never the value
    written, which may be anything pasted there."""

    code = "settings_invalid"

    def worded_params(self, lang: str) -> dict:
        pairs = zip(self.params["settings"], self.params["allowed"])
        settings = ", ".join(f"{name} ({low}–{high})" for name, (low, high) in pairs)
        return {"file": self.params["file"], "settings": settings}


class SettingsUnreadable(ServerError):
    """``server.json`` is no JSON object (a comma left by a hand edit, a file cut short, not
    UTF-8). Nothing was done. params: file, line and column where reading stopped (0 when
    not known); never the text, which may be anything pasted there."""

    code = "settings_unreadable"


def _stored(home: Path) -> dict:
    path = home / CONFIG_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ServerNotInitialized(home=str(home)) from None
    except json.JSONDecodeError as exc:
        raise SettingsUnreadable(file=str(path), line=exc.lineno, column=exc.colno) from None
    except UnicodeDecodeError:
        raise SettingsUnreadable(file=str(path), line=0, column=0) from None
    if not isinstance(data, dict):
        raise SettingsUnreadable(file=str(path), line=1, column=1)
    return data


def _checked(home: Path, data: dict) -> dict:
    """``server.json``'s values, each whole-number setting it holds a JSON whole number (not
    ``true``, not ``1.5``, not ``"30"``) within :data:`LIMITS`; else :class:`SettingsInvalid`
    naming every wrong one. Unknown keys pass (and are ignored), as do settings left out."""
    wrong = [name for name, (low, high) in LIMITS.items() if name in data and not _whole(data[name], low, high)]
    if wrong:
        raise SettingsInvalid(file=str(Path(home) / CONFIG_NAME), settings=wrong,
                              allowed=[list(LIMITS[name]) for name in wrong])
    return data


def _whole(value, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def load_settings(home: Path, db_url: str | None = None) -> Settings:
    data = _checked(home, _stored(home))
    known = {f for f in Settings.__dataclass_fields__ if f != "home"}
    settings = Settings(home=home, **{k: v for k, v in data.items() if k in known})
    override = db_url or os.environ.get(DB_ENV)
    if isinstance(settings.db_url, str):
        if not override:
            _check_not_another_folders(home, settings.db_url)
        settings = replace(settings, db_url=home_resolved(home, settings.db_url))
    return settings.with_db(override)


def _other_home(home: Path, path: Path) -> bool:
    """Whether ``path`` (an absolute SQLite file named by ``server.json``) is another server
    home's own database while this home holds a file of that name: a copied folder. A
    database placed elsewhere on purpose (``db move`` to a file outside the home, which keeps
    the home's old file as the way back) is in no server home."""
    try:
        path.resolve().relative_to(Path(home).resolve())
        return False  # inside this home
    except ValueError:
        pass
    return (path.parent / CONFIG_NAME).is_file() and (Path(home) / path.name).exists()


def _check_not_another_folders(home: Path, stored_url: str) -> None:
    """A folder made by an older version names its SQLite file by absolute path. Copied
    as a whole, the copy would work on the original's database (a rehearsal of an upgrade
    would upgrade production): it is refused until the operator says which (``--db`` with
    ``migrate``, see :func:`settle_db_path`)."""
    _, path = _sqlite_file(stored_url)
    if path is not None and path.is_absolute() and _other_home(home, path):
        raise ServerDatabaseInOtherFolder(home=str(home), database=str(path), own=str(Path(home) / path.name))


def settle_db_path(settings: Settings) -> bool:
    """Once the database is known (``migrate``), ``server.json``'s absolute SQLite path is
    written relative to the home in two cases only: it is the home's own file (written by an
    older version), or it is a copied folder's original and the operator named the copy's
    own file with ``--db``. A ``--db`` given once for anything else changes nothing. Only
    ``db_url`` is rewritten. Returns whether ``server.json`` changed."""
    home = settings.home
    data = _stored(home)
    stored = data.get("db_url")
    _, now = _sqlite_file(settings.db_url)
    _, was = _sqlite_file(stored) if isinstance(stored, str) else (None, None)
    if now is None or was is None or not was.is_absolute():
        return False
    same = was.resolve() == now.resolve()
    copied = _other_home(home, was) and now.resolve() == (Path(home) / was.name).resolve()
    relative = home_relative(home, settings.db_url)
    if not (same or copied) or relative == settings.db_url:  # not one of them, or not inside the home
        return False
    atomic_write(Path(home) / CONFIG_NAME, json.dumps({**data, "db_url": relative}, indent=2, sort_keys=True).encode())
    return True
