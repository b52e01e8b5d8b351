"""What every command shares: opening the vault as an officer, reading passphrases."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import click

from .. import i18n
from ..errors import UnknownOfficer
from ..vault import Vault, officer_names


def read_passphrase_file(path: str | None, line: int = 0) -> str | None:
    """Line ``line`` (0-based) of a passphrase file; scripts keep several passphrases there."""
    if not path:
        return None
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    if line >= len(lines):
        raise click.UsageError(i18n.t("cli.passphrase_file_short", line=line + 1))
    return lines[line]


@dataclass
class Context:
    home: str | None
    passphrase_file: str | None
    officer: str | None
    _vault: Vault | None = field(default=None, repr=False)

    def passphrase(self, prompt_key: str = "cli.prompt_passphrase", line: int = 0, confirm: bool = False) -> str:
        value = read_passphrase_file(self.passphrase_file, line)
        if value is not None:
            return value
        return click.prompt(i18n.t(prompt_key), hide_input=True, confirmation_prompt=confirm and i18n.t("cli.prompt_repeat"))

    def vault(self, for_reinstatement: bool = False) -> Vault:
        """The vault, unlocked by ``--officer`` (or the only officer, or a prompt)."""
        if self._vault is None:
            name = self.officer
            if not name:
                names = officer_names(self.home)
                if len(names) == 1:
                    name = names[0]
                else:
                    name = click.prompt(i18n.t("cli.prompt_officer"), type=click.Choice(names))
            if not name:
                raise UnknownOfficer()
            self._vault = Vault.open(self.home, name, self.passphrase(), for_reinstatement=for_reinstatement)
        return self._vault

    def close(self) -> None:
        if self._vault is not None:
            self._vault.close()
            self._vault = None


pass_ctx = click.make_pass_decorator(Context)


def run_group(group: click.Group, argv: list[str] | None, prog_name: str) -> int:
    """Run a click group the way both ``intake`` and ``intake-server`` do: typed core
    errors are worded for a person (exit 2), never shown as a traceback."""
    from ..errors import IntakeError

    try:
        group.main(args=argv, prog_name=prog_name, standalone_mode=False)
    except SystemExit as exc:
        return int(exc.code or 0)
    except IntakeError as err:
        click.echo(i18n.t("cli.error_prefix") + " " + i18n.describe_error(err), err=True)
        return 2
    except (click.exceptions.Abort, KeyboardInterrupt):
        click.echo(i18n.t("cli.aborted"), err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    return 0
