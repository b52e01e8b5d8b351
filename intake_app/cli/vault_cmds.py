"""``intake vault init``, ``intake officer add|passwd|list``."""

from __future__ import annotations

import click

from .. import i18n
from ..errors import OfficerExists, VaultExists
from ..vault import Vault, officer_names, vault_exists
from ..vault.keyring import check_officer_name
from . import cli
from .common import Context, pass_ctx


@cli.group()
def vault() -> None:
    """Bóveda cifrada / encrypted vault."""


@vault.command("init")
@click.option("--officer", "officer_name", required=True,
              help="Nombre de usuario del primer oficial / first officer's user name.")
@pass_ctx
def vault_init(ctx: Context, officer_name: str) -> None:
    """Crea la bóveda y el primer oficial / create the vault and the first officer."""
    check_officer_name(officer_name)  # said before the passphrase is asked, as a vault already there
    if vault_exists(ctx.home):
        raise VaultExists()
    passphrase = ctx.passphrase("cli.prompt_new_passphrase", confirm=True)
    v = Vault.create(ctx.home, officer_name, passphrase)
    click.echo(i18n.t("cli.vault_created", path=str(v.home), device=v.device_id[:12]))
    ctx._vault = v


@cli.group()
def officer() -> None:
    """Oficiales de este equipo / officers on this laptop."""


@officer.command("add")
@click.argument("name")
@pass_ctx
def officer_add(ctx: Context, name: str) -> None:
    """Agrega un oficial (la frase nueva va en la línea 2 del archivo) / add an officer."""
    check_officer_name(name)  # a bad or taken name is said before any passphrase is asked
    if name in officer_names(ctx.home):
        raise OfficerExists()
    v = ctx.vault()
    new = ctx.passphrase("cli.prompt_new_passphrase", line=1, confirm=True)
    v.add_officer(name, new)
    click.echo(i18n.t("cli.officer_added", name=name))


@officer.command("passwd")
@pass_ctx
def officer_passwd(ctx: Context) -> None:
    """Cambia la frase de paso / change your passphrase."""
    v = ctx.vault()
    new = ctx.passphrase("cli.prompt_new_passphrase", line=1, confirm=True)
    v.change_passphrase(new)
    click.echo(i18n.t("cli.passphrase_changed"))


@officer.command("list")
@pass_ctx
def officer_list(ctx: Context) -> None:
    """Lista los oficiales / list officers."""
    for o in ctx.vault().officers():
        click.echo(f"{o.id}  {o.name}")
