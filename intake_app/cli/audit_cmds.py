"""``intake audit verify`` and ``intake audit show``."""

from __future__ import annotations

import click

from .. import i18n
from ..timefmt import local_time_iso
from . import cli
from .common import Context, case_id_param, pass_ctx


@cli.group()
def audit() -> None:
    """Bitácora de auditoría / audit log."""


@audit.command("verify")
@pass_ctx
def audit_verify(ctx: Context) -> None:
    """Comprueba la cadena de la bitácora / verify the audit chain."""
    count = ctx.vault().audit.verify()
    click.echo(i18n.t("cli.audit_ok", count=count))


@audit.command("show")
@click.option("--case", "case_id", default=None, callback=case_id_param,
              help="Solo las entradas de este caso / only this case's entries.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(min=1),
              help="Las últimas N entradas / the last N entries.")
@pass_ctx
def audit_show(ctx: Context, case_id: str | None, limit: int) -> None:
    """Muestra las últimas entradas / show entries."""
    v = ctx.vault()
    entries = v.audit.entries(case_id=case_id)
    if not entries:
        click.echo(i18n.t("cli.audit_none_for_case" if case_id else "cli.audit_none", case=case_id), err=True)
    for e in entries[-limit:]:
        click.echo(f"{e.seq:>6}  {local_time_iso(e.at)}  {e.officer_id}  {i18n.t('audit.' + e.action)}  "
                   f"{e.case_id or ''}")
