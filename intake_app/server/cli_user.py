"""``intake-server user …``: the server's users, registered into the server's click group by
:func:`register`. A new password is asked for only once everything else about the command has
been checked (the name is valid and free, the institution known), and the prompt names whose
password it is."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import click

from .. import i18n
from .audit import operator_actor
from .errors import InvalidUsername, UnknownUser, UserExists

pass_ctx = click.pass_obj  # the server CLI's Ctx (home, database, key file, secrets)


def user_exists(engine, username: str) -> bool:
    from sqlalchemy import select

    from .auth import users_t

    with engine.connect() as conn:
        return conn.execute(select(users_t.c.id).where(users_t.c.username == username)).first() is not None


def check_new_user(engine, username: str, institution: str | None) -> None:
    """What ``add_user`` would refuse, except the password (it checks again when it writes)."""
    from .auth import USERNAME_PATTERN, check_institution

    check_institution(institution)
    if not re.match(USERNAME_PATTERN, username):
        raise InvalidUsername()
    if user_exists(engine, username):
        raise UserExists()


@click.group()
def user() -> None:
    """Usuarios / users."""


@user.command(name="add")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(("administrator", "supervisor", "analyst", "auditor")),
              help="Rol: administrador, supervisor, analista o auditor / role.")
@click.option("--institution", default=None, help="Código de institución / institution code (eri, uia, …).")
@pass_ctx
def user_add(c, username: str, role: str, institution: str | None) -> None:
    """Agregar un usuario con su rol / add a user with a role."""
    from .auth import add_user, check_password

    engine, settings = c.engine(), c.settings()
    check_new_user(engine, username, institution)  # before the password is typed
    password = c.password(prompt=i18n.t("server.prompt_user_password", username=username),
                          check=lambda p: check_password(settings, username, p))
    add_user(engine, settings, username, password, role, institution, actor=operator_actor())
    click.echo(i18n.t("server.user_added", username=username, role=i18n.t("role." + role)))


@user.command(name="list")
@pass_ctx
def user_list(c) -> None:
    """Usuarios, roles y estado / users, roles and state."""
    from .auth import list_users

    users = list_users(c.engine())
    if not users:
        click.echo(i18n.t("server.user_list_empty"))
        return
    click.echo(i18n.t("server.user_list_header"))
    for u in users:
        state = i18n.t("server.state_disabled") if u["disabled"] else i18n.t("server.state_enabled")
        if u["locked_until"] is not None and not u["disabled"] and u["locked_until"] > datetime.now(timezone.utc):
            state = i18n.t("server.state_locked")
        click.echo(f"{u['username']}\t{i18n.t('role.' + u['role'])}\t{u['institution'] or '-'}\t{state}")


@user.command(name="disable")
@click.argument("username")
@pass_ctx
def user_disable(c, username: str) -> None:
    """Deshabilitar un usuario; sus sesiones terminan / disable a user; their sessions end.
    El último administrador activo no / not the last active administrator."""
    from .auth import set_disabled

    set_disabled(c.engine(), username, True, actor=operator_actor())
    click.echo(i18n.t("server.user_disabled", username=username))


@user.command(name="enable")
@click.argument("username")
@pass_ctx
def user_enable(c, username: str) -> None:
    """Habilitar de nuevo un usuario / enable a user again."""
    from .auth import set_disabled

    set_disabled(c.engine(), username, False, actor=operator_actor())
    click.echo(i18n.t("server.user_enabled", username=username))


@user.command(name="unlock")
@click.argument("username")
@pass_ctx
def user_unlock(c, username: str) -> None:
    """Levantar el bloqueo por intentos fallidos / lift a lockout after failed sign-ins."""
    from .auth import unlock

    unlock(c.engine(), username, actor=operator_actor())
    click.echo(i18n.t("server.user_unlocked", username=username))


@user.command(name="password")
@click.argument("username")
@pass_ctx
def user_password(c, username: str) -> None:
    """Poner una contraseña nueva (cierra sus sesiones) / set a new password (ends their sessions)."""
    from .auth import check_password, set_password

    engine, settings = c.engine(), c.settings()
    if not user_exists(engine, username):  # before the password is typed
        raise UnknownUser()
    password = c.password(prompt=i18n.t("server.prompt_user_password", username=username),
                          check=lambda p: check_password(settings, username, p))
    set_password(engine, settings, username, password, actor=operator_actor())
    click.echo(i18n.t("server.user_password_set", username=username))


def register(cli: click.Group) -> None:
    cli.add_command(user)
