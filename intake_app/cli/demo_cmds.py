"""``intake demo seed --cases N``: fill a vault with fictional intakes.

Only a vault of its own: one that is enrolled on a server (or was, or has asked to be, or
sent cases) is refused, or its next sync would count the fictional cases in the national
figures (the server cannot tell them apart). A seeded vault is marked (``demo.seeded``) so
that enrolling it is refused afterwards (``sync.enroll``).
"""

from __future__ import annotations

import itertools
import time

import click

from .. import i18n
from ..demo import fictional_intakes
from ..sync import state
from . import cli
from .common import Context, Refused, on_interrupt, pass_ctx

CHUNK = 2000  # cases per transaction: what Ctrl-C keeps


def field_vault(v) -> bool:
    """Whether ``v`` is a field vault: enrolled or pinned to a server (now or before a new
    identity), an enrollment asked for, or any case sent or delivered."""
    if any(v.meta(k) is not None for k in (state.K_SERVER_INFO, state.K_PREVIOUS_SERVER_INFO, state.K_POST,
                                            state.K_ENROLL_POSTED)):
        return True
    return v.conn.execute("SELECT 1 FROM cases WHERE sync_state != 'pending' LIMIT 1").fetchone() is not None


@cli.group()
def demo() -> None:
    """Datos ficticios de demostración / fictional demo data."""


@demo.command("seed")
@click.option("--cases", "n", default=100, show_default=True, type=click.IntRange(min=1),
              help="Cuántos casos ficticios / how many fictional cases.")
@click.option("--seed", default=2026, show_default=True,
              help="Semilla del azar: la misma da los mismos casos / random seed: the same one gives the same cases.")
@pass_ctx
def demo_seed(ctx: Context, n: int, seed: int) -> None:
    """Agrega N casos ficticios a una bóveda de demostración (nunca a una inscrita en un servidor) / add N
    fictional cases to a demo vault (never to one enrolled on a server)."""
    v = ctx.vault()
    if field_vault(v):
        raise Refused(i18n.t("cli.demo_field_vault"))
    with v.transaction():
        v.set_meta(state.K_DEMO, "1")
    start = time.perf_counter()
    records = fictional_intakes(n, seed, v.codebook)
    done = 0
    on_interrupt("cli.demo_interrupted", count=done)
    while chunk := list(itertools.islice(records, CHUNK)):
        done += v.save_cases_bulk(chunk, chunk=CHUNK)
        on_interrupt("cli.demo_interrupted", count=done)
    click.echo(i18n.t("cli.demo_seeded", count=done, seconds=f"{time.perf_counter() - start:.1f}"))
