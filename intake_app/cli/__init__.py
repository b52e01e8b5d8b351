"""``intake``: the command line for everything the core does.

Passphrases are prompted for, or read from ``--passphrase-file`` in scripts; never
taken on the command line. Errors are worded in Spanish (``--lang en`` for English)
and never contain personal data.
"""

from __future__ import annotations

import logging
import sys

import click

from .. import __version__, i18n
from ..logsetup import setup_logging
from .common import Context, run_group, set_language


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", message="%(prog)s %(version)s",
                      help="Versión / version.")
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
    ctx.call_on_close(_closer(ctx.obj))


def _closer(obj: Context):
    """Lock the vault when the command ends. The command's result stands: a "lock" audit
    entry or checkpoint that fails then (a full disk) is logged, never turned into a failure
    of a command that already committed (run again, it would save its case twice). The
    connection is closed and the key dropped all the same (Vault.close)."""
    def close() -> None:
        try:
            obj.close()
        except Exception as exc:  # noqa: BLE001 - its text may quote what it failed on: the type only
            obj._vault = None
            logging.getLogger(__name__).warning("vault lock entry not written: %s", type(exc).__name__)
    return close


def main(argv: list[str] | None = None) -> int:
    from ..nodump import protect_process

    protect_process()  # no core file, nor /proc reading, of the vault's key and the cases in memory
    try:
        from . import audit_cmds, case_cmds, demo_cmds, print_cmds, sync_cmds, vault_cmds  # noqa: F401  (register)
    except Exception as exc:  # noqa: BLE001 - a broken install (a module missing or damaged): one worded line
        setup_logging(console_default="ERROR")
        logging.getLogger(__name__).warning("command modules not loaded: %s", type(exc).__name__)
        module = getattr(exc, "name", None) or type(exc).__name__
        click.echo(i18n.t("cli.error_prefix") + " " + i18n.t("cli.broken_install", module=module), err=True)
        return 1
    return run_group(cli, argv, "intake")


if __name__ == "__main__":
    sys.exit(main())
