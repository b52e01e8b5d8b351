"""``intake demo seed --cases N``: fill a vault with fictional intakes."""

from __future__ import annotations

import time

import click

from .. import i18n
from ..demo import fictional_intakes
from . import cli
from .common import Context, pass_ctx


@cli.group()
def demo() -> None:
    """Datos ficticios de demostración / fictional demo data."""


@demo.command("seed")
@click.option("--cases", "n", default=100, show_default=True)
@click.option("--seed", default=2026, show_default=True)
@pass_ctx
def demo_seed(ctx: Context, n: int, seed: int) -> None:
    """Agrega N casos ficticios / add N fictional cases."""
    v = ctx.vault()
    start = time.perf_counter()
    v.save_cases_bulk(fictional_intakes(n, seed, v.codebook))
    click.echo(i18n.t("cli.demo_seeded", count=n, seconds=f"{time.perf_counter() - start:.1f}"))
