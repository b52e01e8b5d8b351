"""What every command shares: opening the vault as an officer, reading passphrases,
and running a command group with every error worded for a person."""

from __future__ import annotations

import logging
import os
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import click

from .. import i18n
from ..fsutil import os_error_kind
from ..errors import UnknownOfficer
from ..vault import Vault, officer_names

log = logging.getLogger(__name__)


class Refused(click.ClickException):
    """A worded refusal (``message`` is already in the person's language): exit status 2,
    no usage lines."""

    exit_code = 2

    def show(self, file=None) -> None:
        click.echo(i18n.t("cli.error_prefix") + " " + self.message, err=True)


def set_language(ctx: click.Context, param: click.Parameter, lang: str | None) -> str | None:
    """Callback of an eager ``--lang``: the language takes effect while the command line is
    read, so Click's own errors about the rest of it (an unknown command, a missing
    argument) are in that language too."""
    if lang:
        i18n.set_language(lang)
    return lang


def interactive() -> bool:
    """Whether a person can answer a prompt: standard input is a terminal. Piped input (a
    script) answers a passphrase prompt line by line, but a refused answer is not typed
    again, and a question it was not written for would read the wrong line."""
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):  # closed or replaced
        return False


def prompt_new_secret(prompt: str, repeat: str, mismatch: str, check=None) -> str:
    """Ask twice for a new secret (hidden) until both agree and it passes ``check`` (an
    :class:`IntakeError`, worded); our words, not Click's. Without a terminal the first
    refusal ends the command (exit 2): piped lines are not typed again."""
    from ..errors import IntakeError

    while True:
        first = click.prompt(prompt, hide_input=True, err=True)
        if check is not None:
            try:
                check(first)
            except IntakeError as err:
                if not interactive():
                    raise
                click.echo(i18n.describe_error(err), err=True)
                continue
        if click.prompt(repeat, hide_input=True, err=True) == first:
            return first
        if not interactive():
            raise Refused(i18n.t("cli.secret_mismatch_piped"))
        click.echo(mismatch, err=True)


def prompt_choice(prompt: str, choices: list[str], invalid: str) -> str:
    """Ask until the answer is one of ``choices``; ``invalid`` words a wrong answer. The
    answer itself is never repeated: it may be a passphrase typed at the wrong prompt."""
    names = ", ".join(choices)
    while True:
        answer = click.prompt(f"{prompt} ({names})", err=True).strip()
        if answer in choices:
            return answer
        click.echo(invalid, err=True)


YES = {"s", "si", "sí", "y", "yes"}
NO = {"", "n", "no"}


def confirm(question: str) -> bool:
    """Yes or no, default no, in the reader's language: "[s/N]" and s/sí/n/no in Spanish
    (Click's own confirm shows "[y/N]" and refuses "sí"), y/yes/n/no in English. With nobody
    to answer (standard input not a terminal, and at its end or closed: a script, a service),
    refused with the advice to add ``--yes`` (exit 2), which every command that asks has; at a
    terminal, Ctrl+C or Ctrl+D still cancels (130)."""
    hint = i18n.t("cli.yes_no_hint")
    while True:
        # on stderr, with every prompt: standard output stays what the command reports
        try:
            answer = click.prompt(f"{question} {hint}", default="", show_default=False, err=True).strip().lower()
        except (click.Abort, RuntimeError):  # end of input; RuntimeError: standard input closed (lost sys.stdin)
            if interactive():
                raise
            raise Refused(i18n.t("cli.confirm_needs_yes")) from None
        if answer in YES or answer in NO:
            return answer in YES
        click.echo(i18n.t("cli.yes_no_invalid"), err=True)


def read_passphrase_file(path: str | None, line: int = 0) -> str | None:
    """Line ``line`` (0-based) of a passphrase file; scripts keep several passphrases there."""
    if not path:
        return None
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:  # its message quotes the bytes it failed on: a passphrase
        raise Refused(i18n.t("cli.passphrase_file_not_utf8", path=path)) from None
    if line >= len(lines):
        raise click.UsageError(i18n.t("cli.passphrase_file_short", line=line + 1))
    return lines[line]


def normalize_case_id(text: str) -> str:
    """A case id as typed (any case, with or without dashes, O for 0, I or L for 1) in its
    stored form ``7KQ3-MX2D-9FAP``: the tolerance ``verify-print`` has for its codes
    (printing.verify). Anything else is left as typed (and not found)."""
    from ..printing.verify import _VALUE, CROCKFORD, normalize

    code = normalize(text)
    if len(code) != 12 or any(c not in _VALUE for c in code):
        return text
    code = "".join(CROCKFORD[_VALUE[c]] for c in code)
    return f"{code[:4]}-{code[4:8]}-{code[8:]}"


def case_id_param(ctx: click.Context, param: click.Parameter, value):
    """Click callback: normalize a case id argument (or each of a repeated option)."""
    if value is None:
        return None
    if isinstance(value, tuple):
        return tuple(normalize_case_id(v) for v in value)
    return normalize_case_id(value)


def case_not_found(case_id: str) -> Refused:
    """A case that is not in this vault, worded with where to find the right id; what was
    typed is repeated only when it has a case id's shape (normalize_case_id gave it that
    form): other text may be a name typed at the wrong place."""
    import re

    if re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", case_id):
        return Refused(i18n.t("cli.case_not_found", case=case_id))
    return Refused(i18n.t("cli.case_not_found_typed"))


@contextmanager
def case_lookup(case_id: str):
    """A case that is not in this vault: :func:`case_not_found`."""
    from ..errors import CaseNotFound

    try:
        yield
    except CaseNotFound:
        raise case_not_found(case_id) from None


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
        if confirm:
            from ..vault.store import check_passphrase

            return prompt_new_secret(i18n.t(prompt_key), i18n.t("cli.prompt_repeat"),
                                     i18n.t("cli.passphrase_mismatch"), check=check_passphrase)
        return click.prompt(i18n.t(prompt_key), hide_input=True, err=True)

    def vault(self, for_reinstatement: bool = False) -> Vault:
        """The vault, unlocked by ``--officer`` (or the only officer, or a prompt)."""
        if self._vault is None:
            name = self.officer
            if not name:
                names = officer_names(self.home)
                if len(names) == 1:
                    name = names[0]
                elif len(names) > 1 and not interactive():  # a script: the prompt would read its passphrase
                    raise Refused(i18n.t("cli.officer_required", names=", ".join(names)))
                elif names:
                    name = prompt_choice(i18n.t("cli.prompt_officer"), names,
                                         i18n.t("cli.officer_not_listed", names=", ".join(names)))
            if not name:
                raise UnknownOfficer()
            self._vault = Vault.open(self.home, name, self.passphrase(), for_reinstatement=for_reinstatement)
            say_failed_unlocks(self._vault)
        return self._vault

    def close(self) -> None:
        if self._vault is not None:
            self._vault.close()
            self._vault = None


def say_failed_unlocks(vault: Vault) -> None:
    """On stderr: the failed tries with this officer's passphrase since the last unlock
    (cleared and audited by this one), so the officer learns of someone else's tries."""
    failed = vault.failed_unlocks_since_last
    if failed:
        from ..timefmt import local_time_iso

        click.echo(i18n.t("cli.unlock_failures", count=failed[0], at=local_time_iso(failed[1])), err=True)


pass_ctx = click.make_pass_decorator(Context)


_TECHNICAL = ("reason", "part", "status", "kind", "problem")


class _Interrupt:
    """What a command that commits in steps says it keeps if Ctrl-C stops it (a catalog key
    and its params), set as it goes with :func:`on_interrupt`; reset for every run."""

    key: str | None = None
    params: dict = {}


def on_interrupt(key: str | None, **params) -> None:
    _Interrupt.key, _Interrupt.params = key, params


# what a failed file operation (fsutil.os_error_kind, or SQLite's own code) says to a person
_SQLITE_ERRORS = {13: "no_space", 8: "read_only", 3: "permission", 10: "io"}  # SQLITE_FULL, _READONLY, _PERM, _IOERR
_NEED_PATH = ("missing", "is_folder", "not_folder")  # without a path these say nothing useful


def _typed_path(filename, typed: list[str]) -> str | None:
    """The path the person typed that ``filename`` is (or lies in), else the folder of a typed
    file when ``filename`` sits beside it (a temporary twin); never another path (a temporary
    file's name, a path the person did not give)."""
    if not filename or not isinstance(filename, (str, bytes, os.PathLike)):
        return None
    target = os.path.abspath(os.fsdecode(filename))
    values = [a.split("=", 1)[1] if a.startswith("--") and "=" in a else a for a in typed]
    values = [v for v in values if v and not v.startswith("-")]
    for value in values:
        path = os.path.abspath(value)
        if target == path or target.startswith(path.rstrip(os.sep) + os.sep):
            return value
    for value in values:
        if os.path.dirname(target) == os.path.dirname(os.path.abspath(value)):
            return os.path.dirname(value) or "."
    return None


def describe_os_error(err: BaseException, typed: list[str]) -> str | None:
    """Word a failed file operation (full disk, read-only folder, no permission, not a
    folder) by its code, with the path only when the person typed it; None for anything
    else. Never the error's own text: a library's may quote what it was given."""
    if isinstance(err, OSError):
        kind = os_error_kind(err)
        kind = "missing" if kind == "gone" else kind
        path = _typed_path(err.filename, typed) or _typed_path(err.filename2, typed)
    elif isinstance(getattr(err, "sqlite_errorcode", None), int):  # sqlite3's or sqlcipher3's own errors
        kind, path = _SQLITE_ERRORS.get(err.sqlite_errorcode & 0xFF), None
    else:
        return None
    if kind is None or (path is None and kind in _NEED_PATH):
        return None
    return i18n.t(f"cli.os_{kind}_path", path=path) if path else i18n.t(f"cli.os_{kind}")


def run_group(group: click.Group, argv: list[str] | None, prog_name: str) -> int:
    """Run a click group the way both ``intake`` and ``intake-server`` do: typed core
    errors are worded for a person (exit 2), never shown as a traceback; Click's own texts
    (usage, help, usage errors) are in the person's language too (click_text). Anything
    else is an internal error (exit 1): its type goes to the log, never its message or
    traceback, which can carry the data it failed on (a database's error quotes the row)."""
    from ..errors import IntakeError
    from . import click_text

    click_text.install()
    args = list(sys.argv[1:] if argv is None else argv)
    for i, arg in enumerate(args):  # the group's --lang before Click builds its help option (its text is
        if arg in group.commands:    # fixed then); a command's own --lang (a document's language) is not it
            break
        lang = args[i + 1] if arg == "--lang" and i + 1 < len(args) else arg[7:] if arg.startswith("--lang=") else None
        if lang in i18n.LANGUAGES:
            i18n.set_language(lang)
    click_text.reset_help_options(group)
    on_interrupt(None)
    try:
        group.main(args=args, prog_name=prog_name, standalone_mode=False)
    except SystemExit as exc:
        return int(exc.code or 0)
    except IntakeError as err:
        # for a technician (INTAKE_LOG=INFO): the code and its technical params (codes, statuses)
        log.info("refused: %s %s", err.code, {k: v for k, v in err.params.items() if k in _TECHNICAL})
        click.echo(i18n.t("cli.error_prefix") + " " + i18n.describe_error(err), err=True)
        return 2
    except (click.exceptions.Abort, KeyboardInterrupt) as exc:
        # a "no" or Ctrl-C at a prompt (nothing done yet), or Ctrl-C while the command ran:
        # then say what is kept (each step is its own transaction)
        working = isinstance(exc, KeyboardInterrupt) or isinstance(exc.__cause__, KeyboardInterrupt)
        if not working:
            click.echo(i18n.t("cli.aborted"), err=True)
        else:
            click.echo(i18n.t(_Interrupt.key or "cli.interrupted", **_Interrupt.params), err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except Exception as exc:  # noqa: BLE001 - a library's message or traceback can carry what it was given
        worded = describe_os_error(exc, args + [os.environ.get("INTAKE_HOME", "")])
        if worded is not None:
            log.info("file operation failed: %s errno=%s", type(exc).__name__,
                     getattr(exc, "errno", None) or getattr(exc, "sqlite_errorcode", None))
            click.echo(i18n.t("cli.error_prefix") + " " + worded, err=True)
            return 2
        log.warning("internal error in %s", prog_name, exc_info=exc)  # the type only (logsetup); INTAKE_LOG shows it
        click.echo(i18n.t("cli.error_prefix") + " " + i18n.t("error.internal"), err=True)
        return 1
    return 0
