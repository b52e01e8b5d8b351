"""Users, roles, passwords (Argon2id), sessions that expire, and lockout.

Roles: ``administrator`` (users, devices, keys), ``supervisor`` (incoming cases of their
institution, review, conflicts), ``analyst`` (aggregates and exports only, never
identity fields) and ``auditor`` (read-only: the audit log). Every endpoint names the
roles it allows and the check runs on the server (:func:`require_role`).

Sessions: a random bearer token; only its SHA-256 is stored. A session ends after
``session_idle_minutes`` without use or ``session_max_hours`` after login. After
``lockout_failures`` wrong passwords in a row the account is locked for
``lockout_minutes``. All of it lives in the database, so every server process agrees.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import re
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from cryptography.exceptions import InvalidKey
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from sqlalchemy import case, func, literal, null, or_, select, update
from sqlalchemy.engine import Engine

from ..codebook import load_codebook
from ..vault.kdf import fast_kdf_allowed
from . import audit
from .config import Settings
from .db import transaction
from .errors import (
    InvalidUsername,
    LoginFailed,
    NotAuthenticated,
    RoleForbidden,
    SessionExpired,
    UnknownInstitution,
    UnknownRole,
    UnknownUser,
    UserExists,
    WeakPassword,
)
from .models import User, UserSession

USERNAME_PATTERN = r"^[A-Za-z0-9._-]{1,64}$"  # the only names add_user (and the API) accept
_USERNAME = re.compile(USERNAME_PATTERN)

ROLES = ("administrator", "supervisor", "analyst", "auditor")
users_t = User.__table__
sessions_t = UserSession.__table__
log = logging.getLogger(__name__)
FAST_ENV = "INTAKE_TEST_FAST_KDF"
# a stored hash as this server writes it, and as argon2-cffi wrote it before (base64 without padding)
_PHC = re.compile(r"\$argon2id\$v=19\$m=([0-9]{1,10}),t=([0-9]{1,10}),p=([0-9]{1,8})"
                  r"\$([A-Za-z0-9+/]{11,})\$([A-Za-z0-9+/]{6,})", re.ASCII)
# at most this many Argon2 runs at once in one process (hash and verify, the unknown user's
# dummy check too): each takes 64 MiB and a worker has 40 threads; further sign-ins wait
ARGON2_AT_ONCE = max(1, min(4, os.cpu_count() or 1))
_argon2_slots = threading.BoundedSemaphore(ARGON2_AT_ONCE)


class PasswordHasher:
    """Argon2id password hashes as PHC strings (``$argon2id$v=19$m=…,t=…,p=…$salt$hash``, a
    16-byte salt, a 32-byte hash), by ``cryptography``. The hashes argon2-cffi stored before
    are the same strings and verify as they are; the cost is read from each stored string."""

    SALT_BYTES = 16
    HASH_BYTES = 32

    def __init__(self, time_cost: int, memory_cost: int, parallelism: int) -> None:
        self.time_cost, self.memory_cost, self.parallelism = time_cost, memory_cost, parallelism

    def hash(self, password: str) -> str:
        kdf = Argon2id(salt=secrets.token_bytes(self.SALT_BYTES), length=self.HASH_BYTES,
                       iterations=self.time_cost, lanes=self.parallelism, memory_cost=self.memory_cost)
        with _argon2_slots:
            return kdf.derive_phc_encoded(_utf8(password))

    def verify(self, hashed: str, password: str) -> bool:
        """Whether ``password`` matches ``hashed``; never raises. A stored string this code
        cannot read (another variant, version or shape) is False after the same work as a
        real check (on the dummy hash), so the time taken tells nothing either."""
        stored = _stored(hashed)
        readable = stored is not None
        if not readable:
            log.warning("un hash de contraseña guardado no es una cadena PHC de Argon2id: se rechaza el inicio "
                        "de sesión / a stored password hash is not an Argon2id PHC string: the sign-in is refused")
            stored = _stored(_dummy_hash())
        kdf, digest = stored
        try:
            with _argon2_slots:
                kdf.verify(_utf8(password), digest)
        except (InvalidKey, MemoryError):  # MemoryError: a stored cost beyond this machine
            return False
        return readable


def _stored(hashed) -> tuple[Argon2id, bytes] | None:
    """The check a stored PHC string asks for, or None for a string this code cannot read."""
    match = _PHC.fullmatch(hashed) if isinstance(hashed, str) else None
    if match is None:
        return None
    memory, iterations, lanes, salt, digest = match.groups()
    try:
        salt, digest = (base64.b64decode(part + "=" * (-len(part) % 4), validate=True) for part in (salt, digest))
        return Argon2id(salt=salt, length=len(digest), iterations=int(iterations), lanes=int(lanes),
                        memory_cost=int(memory)), digest
    except (ValueError, OverflowError):  # binascii.Error is a ValueError; so are costs out of range
        return None


def _utf8(password: str) -> bytes:
    # surrogatepass: a lone surrogate (JSON allows "\\ud800") is a wrong password, not an error
    return password.encode("utf-8", "surrogatepass")


_fast_warned = False


def warn_fast_once() -> None:
    """Said once per process, the first time a password is hashed or checked with the test cost."""
    global _fast_warned
    if not fast_kdf_allowed():  # a frozen build ignores the variable (and says so once)
        return
    if not _fast_warned:
        _fast_warned = True
        log.warning("%s=1: contraseñas con Argon2id mínimo, solo para pruebas; nunca en un servidor real / "
                    "user passwords with minimal Argon2id, for tests only; never on a real server", FAST_ENV)


def _hasher() -> PasswordHasher:
    if fast_kdf_allowed():  # the test suite only; never in a frozen build
        warn_fast_once()
        return PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    return PasswordHasher(time_cost=2, memory_cost=65536, parallelism=1)  # ~50 ms: logins stay cheap to serve


_DUMMY = None


def _dummy_hash() -> str:
    global _DUMMY
    if _DUMMY is None:
        _DUMMY = _hasher().hash("intake-dummy-password")
    return _DUMMY


@dataclass(frozen=True)
class Principal:
    user_id: int
    username: str
    role: str
    institution: str | None

    @property
    def actor(self) -> str:
        return f"user:{self.username}"


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_role(role: str) -> None:
    if role not in ROLES:
        raise UnknownRole(role=role, allowed=", ".join(ROLES))


def check_institution(code: str | None) -> None:
    if code is not None and load_codebook().vocab("institutions").get(code) is None:
        raise UnknownInstitution(institution=code)


def add_user(engine: Engine, settings: Settings, username: str, password: str, role: str,
             institution: str | None = None, *, actor: str = "operator") -> int:
    check_role(role)
    check_institution(institution)
    if not _USERNAME.match(username):
        raise InvalidUsername()
    check_password(settings, username, password)
    pw_hash = _hasher().hash(password)
    with transaction(engine) as conn:
        if conn.execute(select(users_t.c.id).where(users_t.c.username == username)).first():
            raise UserExists()
        user_id = conn.execute(users_t.insert().values(
            username=username, password_hash=pw_hash, role=role, institution=institution, disabled=False,
            failed_logins=0, created_at=utcnow()).returning(users_t.c.id)).scalar_one()
        audit.append(conn, actor, "user_add", username, role=role, institution=institution)
    return user_id


def check_password(settings: Settings, username: str, password: str) -> None:
    """Long enough without the blanks at either end (as the key file's passphrase), not
    blank, and not the user name with something added (``weak.two1234`` for ``weak.two``)."""
    if len(password) < settings.min_password_length:
        raise WeakPassword(min_length=settings.min_password_length)
    if not password.strip():
        raise WeakPassword(min_length=settings.min_password_length, reason="blank")
    if len(password.strip()) < settings.min_password_length:
        raise WeakPassword(min_length=settings.min_password_length, reason="spaces")
    if password.strip().lower().startswith(username.lower()):
        raise WeakPassword(min_length=settings.min_password_length, reason="username")


def _user_id(conn, username: str) -> int:
    row = conn.execute(select(users_t.c.id).where(users_t.c.username == username)).first()
    if row is None:
        raise UnknownUser()
    return row.id


def unlock(engine: Engine, username: str, *, actor: str = "operator") -> None:
    """Lift a lockout now (after repeated failed sign-ins): the administrator's way back in
    when someone locked the account on purpose."""
    with transaction(engine) as conn:
        user_id = _user_id(conn, username)
        conn.execute(update(users_t).where(users_t.c.id == user_id).values(failed_logins=0, locked_until=None))
        audit.append(conn, actor, "user_unlock", username)


def set_password(engine: Engine, settings: Settings, username: str, password: str, *, actor: str = "operator") -> None:
    """A new password (the old one forgotten or known to others): open sessions end, a
    lockout is lifted."""
    check_password(settings, username, password)
    pw_hash = _hasher().hash(password)
    with transaction(engine) as conn:
        user_id = _user_id(conn, username)
        conn.execute(update(users_t).where(users_t.c.id == user_id).values(
            password_hash=pw_hash, failed_logins=0, locked_until=None))
        conn.execute(update(sessions_t).where(sessions_t.c.user_id == user_id).values(ended=True))
        audit.append(conn, actor, "user_password", username)


def set_disabled(engine: Engine, username: str, disabled: bool = True, *, actor: str = "operator") -> None:
    """Disable (or enable) a user; their sessions end. The last active administrator is not
    disabled (LastAdministrator): nobody would be left to manage users, laptops and keys."""
    from .errors import LastAdministrator

    with transaction(engine) as conn:
        row = conn.execute(select(users_t.c.id, users_t.c.role, users_t.c.disabled)
                           .where(users_t.c.username == username)).first()
        if row is None:
            raise UnknownUser()
        if disabled and row.role == "administrator" and not row.disabled and conn.execute(
                select(func.count()).select_from(users_t).where(users_t.c.role == "administrator",
                                                                ~users_t.c.disabled)).scalar_one() == 1:
            raise LastAdministrator(username=username)
        conn.execute(update(users_t).where(users_t.c.id == row.id).values(disabled=disabled))
        if disabled:
            conn.execute(update(sessions_t).where(sessions_t.c.user_id == row.id).values(ended=True))
        audit.append(conn, actor, "user_disable" if disabled else "user_enable", username)


def list_users(engine: Engine) -> list[dict]:
    with engine.connect() as conn:
        rows = conn.execute(select(users_t.c.username, users_t.c.role, users_t.c.institution, users_t.c.disabled,
                                   users_t.c.locked_until, users_t.c.created_at).order_by(users_t.c.username))
        return [dict(r._mapping) for r in rows]


def count_users(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(users_t)).scalar_one()


SESSION_ROWS_KEPT = timedelta(days=1)  # past its end, a session row still says "expired" rather than "unknown"


def login(engine: Engine, settings: Settings, username: str, password: str) -> tuple[str, datetime]:
    """A new session token and its idle deadline. Raises LoginFailed.

    A locked account, and a disabled one, answer exactly as a wrong password does (the
    same error, after the same hash work, with one audit entry each time): a distinct
    "locked" answer told anyone who tried five passwords that the user name exists, and a
    distinct "disabled" one told whoever typed the right password that it was right. The
    message says that repeated failures lock an account; the administrator tells a person
    whose account was disabled.

    Every failure is audited (``login_failed``): with the account's name when the account
    exists (``locked``, and ``disabled`` for a disabled account), and for a name no account
    has, as ``anonymous`` with ``unknown_user`` and nothing of what was typed (a password
    typed into the name box must not end up in the log, not even hashed: a hash of a
    password can be guessed offline).

    The attempt is counted before the hash is checked (:func:`_reserve_attempt`), in one
    statement, so requests at the same moment, in any thread or server process, get no
    more than ``lockout_failures`` passwords judged per lock; a right password takes the
    count back."""
    now = utcnow()
    row = None
    if _USERNAME.match(username):  # no such user can exist otherwise (and a NUL would upset PostgreSQL)
        with engine.connect() as conn:
            row = conn.execute(select(users_t.c.id, users_t.c.password_hash, users_t.c.disabled)
                               .where(users_t.c.username == username)).first()
    if row is None:
        _hasher().verify(_dummy_hash(), password)  # the same work as for a real user, so timing does not tell names apart
        with transaction(engine) as conn:  # and an audit entry, as for a real user
            audit.append(conn, "anonymous", "login_failed", None, unknown_user=True)
        raise LoginFailed()
    attempt = _reserve_attempt(engine, settings, row.id, now)  # None: locked, no try left
    # the hash is checked even while locked or disabled, so timing does not tell either
    right = _hasher().verify(row.password_hash, password)
    if attempt is None:  # locked: the right password too late gets the same answer, and work, as a wrong one
        _failed_while_locked(engine, username, row.disabled)
        raise LoginFailed()
    if not right or attempt.disabled:
        with transaction(engine) as conn:  # already counted: the audit entry is left, and for a
            # disabled account's right password the try reserved is not a failure; the same
            # statements run either way (a wrong password's update changes nothing)
            keep = {"failed_logins": 0, "locked_until": None} if right else \
                {"failed_logins": users_t.c.failed_logins, "locked_until": users_t.c.locked_until}
            conn.execute(update(users_t).where(users_t.c.id == row.id).values(**keep))
            detail = {"disabled": True} if attempt.disabled else {}
            audit.append(conn, f"user:{username}", "login_failed", username,
                         locked=attempt.locked_until is not None and not right, **detail)
        raise LoginFailed()
    token = secrets.token_urlsafe(32)
    idle_until = now + timedelta(minutes=settings.session_idle_minutes)
    with transaction(engine) as conn:  # the right password: the try reserved is not a failure
        conn.execute(update(users_t).where(users_t.c.id == row.id).values(failed_logins=0, locked_until=None))
        conn.execute(sessions_t.insert().values(token_hash=token_hash(token), user_id=row.id, created_at=now,
                                                expires_at=now + timedelta(hours=settings.session_max_hours),
                                                idle_until=idle_until, ended=False))
        audit.append(conn, f"user:{username}", "login", username)
        # sessions a day past their absolute end go: the table does not grow for ever (the
        # pages' used form tokens have their own table, cleared as forms are sent)
        conn.execute(sessions_t.delete().where(sessions_t.c.expires_at < now - SESSION_ROWS_KEPT))
    return token, idle_until


def _reserve_attempt(engine: Engine, settings: Settings, user_id: int, now: datetime):
    """Count one try before its hash check, atomically, unless the account is locked now.

    One conditional UPDATE: on SQLite writers take the lock up front, on PostgreSQL a
    concurrent UPDATE of the row waits and then sees the new count and lock, so no two
    requests both get "the last try". The try that reaches ``lockout_failures`` sets the
    lock (and starts the next count at 0). Returns the row's ``locked_until`` (set if this
    try locked) and ``disabled``, or None when the account is locked (nothing counted)."""
    reaches = users_t.c.failed_logins + 1 >= settings.lockout_failures
    until = literal(now + timedelta(minutes=settings.lockout_minutes), users_t.c.locked_until.type)
    with transaction(engine) as conn:
        return conn.execute(
            update(users_t)
            .where(users_t.c.id == user_id,
                   or_(users_t.c.locked_until.is_(None), users_t.c.locked_until <= now))
            .values(failed_logins=case((reaches, 0), else_=users_t.c.failed_logins + 1),
                    locked_until=case((reaches, until), else_=null()))
            .returning(users_t.c.locked_until, users_t.c.disabled)).first()


def _failed_while_locked(engine: Engine, username: str, disabled: bool) -> None:
    """Every try on a locked account is audited, and in one shape whether the password was
    right or wrong, so the time it takes tells nothing either."""
    with transaction(engine) as conn:
        audit.append(conn, f"user:{username}", "login_failed", username, locked=True,
                     **({"disabled": True} if disabled else {}))


def authenticate(engine: Engine, settings: Settings, token: str | None) -> Principal:
    """The user behind a bearer token; slides the idle deadline. Raises NotAuthenticated or SessionExpired."""
    if not token:
        raise NotAuthenticated()
    now = utcnow()
    th = token_hash(token)
    row = _session_row(engine, th)
    if row is None:
        raise NotAuthenticated()
    if row.ended or row.disabled or _ran_out(row, now):
        raise SessionExpired()
    if (row.idle_until - now) < timedelta(minutes=settings.session_idle_minutes) - timedelta(seconds=30):
        with transaction(engine) as conn:  # slide, at most twice a minute
            conn.execute(update(sessions_t).where(sessions_t.c.token_hash == th).values(
                idle_until=now + timedelta(minutes=settings.session_idle_minutes)))
    return Principal(row.user_id, row.username, row.role, row.institution)


def session_ran_out(engine: Engine, token: str | None) -> bool:
    """Whether ``token`` names a session that timed out (idle or maximum length), and only
    that: read-only (it never slides the deadline of a session still valid), and False
    for a session signed out or ended with a disabled account (that is not "expired")."""
    row = _session_row(engine, token_hash(token)) if token else None
    return row is not None and not row.ended and not row.disabled and _ran_out(row, utcnow())


def _session_row(engine: Engine, th: str):
    with engine.connect() as conn:
        return conn.execute(select(sessions_t.c.user_id, sessions_t.c.expires_at, sessions_t.c.idle_until,
                                   sessions_t.c.ended, users_t.c.username, users_t.c.role, users_t.c.institution,
                                   users_t.c.disabled)
                            .join(users_t, users_t.c.id == sessions_t.c.user_id)
                            .where(sessions_t.c.token_hash == th)).first()


def _ran_out(row, now) -> bool:
    return row.expires_at <= now or row.idle_until <= now


def logout(engine: Engine, token: str) -> None:
    """End the session (audited as ``logout``, once: a token that names no open session
    writes nothing, so a flood of made-up cookies cannot grow the log)."""
    with transaction(engine) as conn:  # one statement ends it: two sign-outs at once audit one
        ended = conn.execute(update(sessions_t).where(sessions_t.c.token_hash == token_hash(token), ~sessions_t.c.ended)
                             .values(ended=True).returning(sessions_t.c.user_id)).first()
        if ended is None:
            return
        username = conn.execute(select(users_t.c.username).where(users_t.c.id == ended.user_id)).scalar_one()
        audit.append(conn, f"user:{username}", "logout", username)


def require_role(principal: Principal, *allowed: str) -> Principal:
    if principal.role not in allowed:
        raise RoleForbidden(role=principal.role, allowed=", ".join(allowed))
    return principal
