"""Alembic migrations run from code: no alembic.ini, the script folder is in the package.

``upgrade(engine)`` brings a database to the newest schema (``intake-server init`` and
``migrate`` call it); :func:`check_holds_server` refuses a database that holds no server (no
schema, or no user: not what ``init`` leaves), which ``migrate`` would otherwise fill with an
empty schema and ``serve`` then start on, empty: the URL points at the wrong database.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def check_holds_server(engine: Engine) -> None:
    """A database ``init`` (or ``restore``, ``db move``) made: it has the schema at some
    revision and at least one user (users are never deleted; ``init`` writes the first
    administrator). Else :class:`DatabaseNotInitialized` with reason ``no_server``."""
    from sqlalchemy import inspect, text

    from .db import redact_url
    from .errors import DatabaseNotInitialized

    with engine.connect() as conn:
        found = MigrationContext.configure(conn).get_current_revision()
        users = found is not None and "users" in inspect(conn).get_table_names() \
            and conn.execute(text("SELECT count(*) FROM users")).scalar_one()
    if not users:
        shown = redact_url(engine.url.render_as_string(hide_password=False))
        raise DatabaseNotInitialized(reason="no_server", db=shown, expected=head_revision())


def upgrade(engine: Engine, revision: str = "head") -> None:
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), revision)


def downgrade(engine: Engine, revision: str) -> None:
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), revision)


def schema_diff(engine: Engine) -> list:
    """Differences between the database and the models (empty when they match)."""
    from alembic.autogenerate import compare_metadata

    from .models import Base

    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(ctx, Base.metadata)
