"""``intake-server db …``: the server's database as a whole. ``db move --to URL`` copies it
into an empty database (SQLite to PostgreSQL, docs/server.md §4) and points ``server.json``
at it; registered into the server's click group by :func:`register`. URLs are shown
without their password, and no password is written to ``server.json``."""

from __future__ import annotations

from dataclasses import replace

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

    from .config import CONFIG_NAME, without_password
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
    result = move_database(source, target, actor="operator",
                           on_table=lambda name, rows: click.echo(i18n.t("dbmove.table", table=name, count=rows)))
    replace(settings, db_url=target).save()  # Settings.save drops the password
    click.echo(i18n.t("dbmove.done", rows=result.rows, tables=len(result.tables), entries=result.audit_entries,
                      target=redact_url(target)))
    click.echo(i18n.t("dbmove.go_back", source=without_password(source), config=str(c.home / CONFIG_NAME)))
    if make_url(target).password:
        click.echo(i18n.t("dbmove.password_note"))
    if c.db:
        click.echo(i18n.t("dbmove.override_note"))


def register(cli: click.Group) -> None:
    cli.add_command(db_group)
