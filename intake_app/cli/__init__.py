"""``intake``: the command line for everything the core does.

Passphrases are prompted for, or read from ``--passphrase-file`` in scripts; never
taken on the command line. Errors are worded in Spanish (``--lang en`` for English)
and never contain personal data.
"""

from __future__ import annotations

import sys

import click

from .. import i18n
from ..logsetup import setup_logging
from .common import Context, run_group, set_language


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--home", type=click.Path(file_okay=False), envvar="INTAKE_HOME",
              help="Carpeta de datos / data folder (INTAKE_HOME).")
@click.option("--passphrase-file", type=click.Path(dir_okay=False, exists=True),
              help="Archivo con la frase de paso (scripts) / passphrase file (scripts).")
@click.option("--officer", envvar="INTAKE_OFFICER", help="Oficial que desbloquea / officer who unlocks.")
@click.option("--lang", type=click.Choice(i18n.LANGUAGES), default=None, is_eager=True, callback=set_language,
              help="es | en")
@click.pass_context
def cli(ctx: click.Context, home, passphrase_file, officer, lang) -> None:
    """Registro de casos sin conexión / offline case intake."""
    # the console shows errors only: a field officer reads the worded message, not the
    # technicians' log lines (INTAKE_LOG=WARNING or INFO shows them)
    setup_logging(console_default="ERROR")
    ctx.obj = Context(home=home, passphrase_file=passphrase_file, officer=officer)
    ctx.call_on_close(ctx.obj.close)


def main(argv: list[str] | None = None) -> int:
    from . import audit_cmds, case_cmds, demo_cmds, print_cmds, sync_cmds, vault_cmds  # noqa: F401  (register)

    return run_group(cli, argv, "intake")


if __name__ == "__main__":
    sys.exit(main())
