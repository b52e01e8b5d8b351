"""``intake-server db …``: the server's database as a whole. ``db move --to URL`` copies it
into an empty database (SQLite to PostgreSQL, docs/server.md §4) and points ``server.json``
at it; ``check-backup`` and ``restore`` open a backup (docs/server.md §9). Registered into
the server's click group by :func:`register`. URLs are shown without their password, and no
password is written to ``server.json``."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import click

from .. import i18n

pass_ctx = click.pass_obj  # the server CLI's Ctx (home, database, key file, secrets)


def warn_command_line_password(url: str | None, option: str) -> None:
    """A database URL typed on the command line with a password in it (``user:pw@`` or
    ``?password=``): the command line is readable by every user of the machine (``ps``) and
    stays in the shell's history. Said on stderr, never with the password; the command goes
    on (the documented ways are PGPASSWORD, ~/.pgpass or the URL in INTAKE_SERVER_DB)."""
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url) if url else None
    except Exception:  # noqa: BLE001 - not a URL: worded where it is used
        return
    if parsed is not None and (parsed.password or any(k.lower() == "password" for k in parsed.query)):
        click.echo(i18n.t("server.db_password_on_command_line", option=option), err=True)


@click.group(name="db")
def db_group() -> None:
    """Base de datos del servidor / server database."""


@db_group.command(name="move")
@click.option("--to", "target", required=True, metavar="URL",
              help="Base de datos vacía de destino, sin contraseña (PGPASSWORD o ~/.pgpass) / empty target "
                   "database, no password in it (postgresql+psycopg://usuario@host/base).")
@pass_ctx
def db_move(c, target: str) -> None:
    """Copiar toda la base a otra vacía y usarla / copy the whole database into an empty one and use it.

    Detenga el servidor antes / stop the server first."""
    from sqlalchemy.engine import make_url

    from .audit import operator_actor
    from .config import CONFIG_NAME, home_relative, without_password
    from .db import check_url, redact_url
    from .db_move import DbMoveServerRunning, move_database
    from .running import RUN_DIR, running_pids

    check_url(target)  # a plain path or a typo in the scheme: said before anything is announced
    warn_command_line_password(target, "--to")
    settings = c.settings()
    pids = running_pids(c.home)
    if pids:  # a server of this home, even one that writes nothing meanwhile
        raise DbMoveServerRunning(pids=", ".join(map(str, pids)),
                                  markers=" ".join(str(c.home / RUN_DIR / str(p)) for p in pids))
    c.engine().dispose()  # the source reachable and at the current schema, or a clear error now
    source = settings.db_url
    click.echo(i18n.t("dbmove.start", source=redact_url(source), target=redact_url(target)))
    result = move_database(source, target, actor=operator_actor(),
                           on_table=lambda name, rows: click.echo(i18n.t("dbmove.table", table=name, count=rows)))
    if result.earlier:  # an earlier run copied it all, then failed after its commit
        click.echo(i18n.t("dbmove.earlier_copy", target=redact_url(target)))
    try:
        replace(settings, db_url=target).save()  # Settings.save drops the password
    except OSError:  # a full disk, say: the copy is complete all the same, and the same command finishes it
        click.echo(i18n.t("error.db_move_not_switched", target=without_password(target)), err=True)
        raise
    # the earlier run copied the rows; this one only verified them and switched server.json
    click.echo(i18n.t("dbmove.switched" if result.earlier else "dbmove.done", rows=result.rows,
                      tables=len(result.tables), entries=result.audit_entries, target=redact_url(target)))
    # as server.json keeps it (a SQLite file in the home relative to it, as docs/server.md writes it)
    click.echo(i18n.t("dbmove.go_back", source=home_relative(c.home, without_password(source)),
                      config=str(c.home / CONFIG_NAME)))
    if make_url(target).password:
        click.echo(i18n.t("dbmove.password_note"))
    if c.db:
        click.echo(i18n.t("dbmove.override_note"))


@click.command(name="check-backup")
@click.argument("backup_dir", type=click.Path(file_okay=False, exists=True))
@pass_ctx
def check_backup_cmd(c, backup_dir: str) -> None:
    """Comprueba una copia sin restaurarla / check a backup without restoring it."""
    from ..bundle.serverkeys import KEY_ENV
    from ..timefmt import utc_time_iso
    from .restore import open_backup

    passphrase = None if os.environ.get(KEY_ENV) else c.passphrase()
    opened = open_backup(Path(backup_dir), passphrase, decrypt_all=True)
    created = opened.info.get("created_at", "?")
    click.echo(i18n.t("server.backup_checked", path=backup_dir, created=utc_time_iso(created) or created,
                      database=opened.info["database"], size=f"{opened.size / 1_048_576:.1f}"))


@click.command(name="restore")
@click.argument("backup_dir", type=click.Path(file_okay=False, exists=True))
@pass_ctx
def restore_cmd(c, backup_dir: str) -> None:
    """Restaura una copia en una carpeta y base vacías / restore a backup into an empty home and database."""
    from sqlalchemy import func, select

    from ..bundle.serverkeys import KEY_ENV
    from .db import make_engine
    from .models import Revision
    from .restore import check_target, restore

    # --db for a PostgreSQL backup, the kind of database, a URL pg_restore can be given, an empty
    # home and database in which the role may create tables: said before the passphrase is asked
    check_target(Path(backup_dir), c.home, c.db)
    passphrase = None if os.environ.get(KEY_ENV) else c.passphrase()
    settings = restore(Path(backup_dir), c.home, c.db, passphrase)
    engine = make_engine(settings.db_url)
    try:
        with engine.connect() as conn:
            count = conn.execute(select(func.count()).select_from(Revision.__table__)).scalar_one()
    finally:
        engine.dispose()
    click.echo(i18n.t("server.restore_done", home=str(c.home), revisions=count, command=serve_command(c)))


def serve_command(c) -> str:
    """How to start the server just restored: with its ``--home`` unless it is the default
    one (``server.json`` there names the database)."""
    import shlex

    from .config import default_home

    if c.home == default_home():
        return "intake-server serve"
    return f"intake-server --home {shlex.quote(str(c.home))} serve"


def register(cli: click.Group) -> None:
    cli.add_command(db_group)
    cli.add_command(check_backup_cmd)
    cli.add_command(restore_cmd)
