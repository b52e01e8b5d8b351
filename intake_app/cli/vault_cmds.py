"""``intake vault init``, ``intake officer add|passwd|list|remove``."""

from __future__ import annotations

import click

from .. import i18n
from ..errors import IntakeError, OfficerExists, OfficerRemoveSelf, UnknownOfficer, VaultExists
from ..vault import Vault, officer_names, vault_exists
from ..vault.keyring import check_officer_name
from . import cli
from .common import Context, confirm, pass_ctx


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
    v = ctx.vault()
    for o in v.officers():
        click.echo(f"{o.id}  {o.name}")
    for name in v.unfinished_removals():
        click.echo(i18n.t("cli.officer_remove_unfinished", name=name), err=True)


@officer.command("remove")
@click.argument("name")
@click.option("--yes", is_flag=True, help="No preguntar / do not ask.")
@pass_ctx
def officer_remove(ctx: Context, name: str, yes: bool) -> None:
    """Retira a un oficial y cambia la llave de la bóveda / remove an officer and re-key the vault."""
    v = ctx.vault()
    if name in (v.officer.name, v.officer.id):
        raise OfficerRemoveSelf()
    known = {n for o in v.officers() for n in (o.name, o.id)} | set(v.unfinished_removals())
    if name not in known:  # said before the question, as removing oneself
        raise UnknownOfficer()
    if not yes and not confirm(i18n.t("cli.officer_remove_confirm", name=name)):
        click.echo(i18n.t("cli.aborted"))
        return
    try:
        removed = v.remove_officer(name)
    except IntakeError:
        if name in v.unfinished_removals():  # stopped after the keyring was marked: run again
            click.echo(i18n.t("cli.officer_remove_unfinished", name=name), err=True)
        raise
    click.echo(i18n.t("cli.officer_removed", name=removed.name))
    if removed.drafts:
        click.echo(i18n.t("cli.officer_drafts_handed_over", name=removed.name, count=removed.drafts))
