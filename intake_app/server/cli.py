"""``intake-server``: the central server's command line.

Secrets are prompted for, or read from files in scripts (``--passphrase-file`` for the
key file's passphrase, ``--password-file`` for a user's password), or, for unattended
starts, the key file's raw key in ``INTAKE_SERVER_KEY``; never taken on the command
line. Messages are Spanish first (``--lang en`` for English), never with personal data.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import click

from .. import __version__, i18n
from ..cli.common import set_language
from ..logsetup import setup_logging


@dataclass
class Ctx:
    home: Path
    db: str | None
    passphrase_file: str | None
    password_file: str | None

    def settings(self):
        from .config import load_settings

        return load_settings(self.home, self.db)

    def engine(self, check: bool = True, schema: bool = True):
        """The database's engine; with ``check`` the database reached (else
        :class:`DatabaseNotReachable`) and, with ``schema``, at the program's schema."""
        from .app import check_schema
        from .db import check_database, make_engine, redact_url
        from .errors import DatabaseNotReachable, DatabaseUnavailable

        url = self.settings().db_url
        engine = make_engine(url)
        if check:
            try:
                check_schema(engine) if schema else check_database(engine)
            except DatabaseUnavailable:  # at a command's start this is a setting to fix, not a moment to wait
                engine.dispose()
                raise DatabaseNotReachable(db=redact_url(url)) from None
        return engine

    def passphrase(self, confirm: bool = False, check=None) -> str:
        """The key file's passphrase; with ``confirm`` a new one, asked twice and held to ``check``."""
        prompt = i18n.t("server.prompt_key_passphrase")
        if confirm:
            return new_secret(self.passphrase_file, prompt, "server.passphrase_mismatch", check)
        if self.passphrase_file:
            return first_line(self.passphrase_file)
        try:
            return click.prompt(prompt, hide_input=True)
        except click.Abort:
            from ..cli.common import Refused, interactive

            if interactive():  # Ctrl+C or Ctrl+D at a terminal: cancelled (130)
                raise
            # no terminal and nothing piped (systemd without its EnvironmentFile): say how to give one
            raise Refused(i18n.t("server.passphrase_no_terminal")) from None

    def check_owner(self) -> None:
        """A command that writes into the home is run by the home's owner (else root's files
        there would close it to the service): refused before anything else, in words."""
        from .config import HomeOwnedByOtherUser, home_owner_mismatch

        mismatch = home_owner_mismatch(self.home)
        if mismatch is not None:
            owner, user = mismatch
            raise HomeOwnedByOtherUser(home=str(self.home), owner=owner, user=user,
                                       command=_as_owner(owner, self.home))

    def password(self, confirm: bool = True, prompt: str | None = None, check=None) -> str:
        """A user's password; with ``confirm`` a new one, asked twice and held to ``check``.
        ``prompt`` says whose it is."""
        prompt = prompt or i18n.t("server.prompt_password")
        if confirm:
            return new_secret(self.password_file, prompt, "server.password_mismatch", check)
        if self.password_file:
            return first_line(self.password_file)
        return click.prompt(prompt, hide_input=True)

    def keystore(self):
        from ..bundle.serverkeys import KEY_ENV
        from .keys import KeyStore

        path = self.settings().key_path
        if os.environ.get(KEY_ENV):
            return KeyStore.open(path)
        return KeyStore.open(path, passphrase=self.passphrase())


def first_line(path: str) -> str:
    """Line 1 of a secret's file (``--passphrase-file``, ``--password-file``); an empty file or
    one that is not UTF-8 text is refused in words (the decoder's own message quotes the secret)."""
    from ..cli.common import Refused

    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        raise Refused(i18n.t("server.secret_file_not_utf8", path=path)) from None
    if not lines:
        raise Refused(i18n.t("server.secret_file_empty", path=path))
    return lines[0]


def new_secret(path: str | None, prompt: str, mismatch_key: str, check=None) -> str:
    """A new secret from a file (held to ``check``: refused, exit 2) or typed: asked until it
    passes ``check`` (its refusal worded, then asked again), then once more to confirm it.
    Piped (no terminal), the first refusal or mismatch ends the command (exit 2)."""
    from ..cli.common import Refused, interactive
    from ..errors import IntakeError

    if path:
        value = first_line(path)
        if check is not None:
            check(value)
        return value
    while True:
        value = click.prompt(prompt, hide_input=True)
        if check is not None:
            try:
                check(value)
            except IntakeError as err:
                if not interactive():
                    raise
                click.echo(i18n.describe_error(err), err=True)
                continue
        if click.prompt(i18n.t("server.prompt_repeat"), hide_input=True) == value:
            return value
        if not interactive():
            raise Refused(i18n.t("cli.secret_mismatch_piped"))
        click.echo(i18n.t(mismatch_key), err=True)


pass_ctx = click.make_pass_decorator(Ctx)

GLOBAL_OPTIONS = ("--home", "--db", "--passphrase-file", "--password-file", "--lang")


class ServerGroup(click.Group):
    """The server's group: an option of its own written after a command (``device approve X
    --passphrase-file p``) is refused with where it goes, the command line rewritten."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        given = list(args)
        rest = super().parse_args(ctx, args)
        ctx.meta["server.argv"] = (given, len(rest) + 1)  # the command's name and what follows it
        return rest

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except click.NoSuchOption as err:
            name = err.option_name.split("=", 1)[0]
            if name in GLOBAL_OPTIONS and "server.argv" in ctx.meta:
                err.message = f"{err.message}\n{i18n.t('server.global_option_first', example=_moved(ctx, name))}"
                err.possibilities = None
            raise


def _moved(ctx: click.Context, name: str) -> str:
    """The command line with option ``name`` (and its value) moved before the command; a
    database URL's password is never shown."""
    import shlex

    argv, count = ctx.meta["server.argv"]
    start = max(len(argv) - count, 0)
    head, tail = list(argv[:start]), list(argv[start:])
    at = next((i for i, a in enumerate(tail) if a == name or a.startswith(name + "=")), None)
    if at is not None:
        width = 1 if "=" in tail[at] or at + 1 >= len(tail) else 2
        head += tail[at:at + width]
        del tail[at:at + width]
    return shlex.join([ctx.find_root().info_name or "intake-server", *_redacted(head + tail)])


def _redacted(words: list[str]) -> list[str]:
    """A command line's words with a database URL's password hidden."""
    from .db import redact_url

    words = list(words)
    for i, word in enumerate(words):
        if word.startswith("--db="):
            words[i] = "--db=" + redact_url(word[5:])
        elif i and words[i - 1] == "--db":
            words[i] = redact_url(word)
    return words


def _as_owner(owner: str, home: Path) -> str:
    """This command line run as ``owner`` with ``sudo -u``, its home named with ``--home``
    (sudo passes on no INTAKE_SERVER_HOME)."""
    import shlex

    root = click.get_current_context().find_root()
    given = list(root.meta.get("server.argv", ([], 0))[0])
    words, i = [], 0
    while i < len(given):
        if given[i] == "--home":
            i += 2
            continue
        if not given[i].startswith("--home="):
            words.append(given[i])
        i += 1
    program = _program_path(root.info_name or "intake-server")
    return shlex.join(["sudo", "-u", owner, program, "--home", str(home), *_redacted(words)])


def _program_path(name: str) -> str:
    """The running console script ``name`` by its absolute path (sudo's ``secure_path`` has no
    virtualenv's ``bin``: ``sudo -u intake intake-server`` is "command not found" where
    ``/opt/intake/bin/intake-server`` runs); ``name`` itself when this process is not that
    script (``python -m``, a test runner)."""
    import shutil

    script = sys.argv[0] if sys.argv else ""
    if Path(script).name not in (name, f"{name}.exe"):
        return name
    if os.path.dirname(script) and os.path.isfile(script):
        return os.path.abspath(script)  # as the admin named it: a symlinked /opt/intake stays so
    return shutil.which(name) or name  # started by its bare name: where the PATH found it


@click.group(cls=ServerGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", message="%(prog)s %(version)s",
                      help="Versión / version.")
@click.option("--home", type=click.Path(file_okay=False), envvar="INTAKE_SERVER_HOME",
              help="Carpeta del servidor / server folder (INTAKE_SERVER_HOME).")
@click.option("--db", envvar="INTAKE_SERVER_DB",
              help="URL de la base de datos / database URL (sqlite:///… o postgresql+psycopg://…).")
@click.option("--passphrase-file", type=click.Path(dir_okay=False, exists=True),
              help="Frase de paso del archivo de llaves / key file passphrase (scripts).")
@click.option("--password-file", type=click.Path(dir_okay=False, exists=True),
              help="Contraseña de usuario / user password (scripts).")
@click.option("--lang", type=click.Choice(i18n.LANGUAGES), default=None, is_eager=True, callback=set_language,
              help="es | en")
@click.pass_context
def cli(ctx, home, db, passphrase_file, password_file, lang) -> None:
    """Servidor central / central server."""
    from ..fsutil import restrict_umask
    from .config import server_home

    restrict_umask()  # the database file, its journal, backups, receipts: readable by this user only
    setup_logging()
    if os.environ.get("INTAKE_TEST_FAST_KDF") == "1":
        from .auth import warn_fast_once

        warn_fast_once()  # said at the start: passwords this process hashes or checks get the test cost
    if db and ctx.get_parameter_source("db") == click.core.ParameterSource.COMMANDLINE:
        from .cli_db import warn_command_line_password

        warn_command_line_password(db, "--db")  # INTAKE_SERVER_DB is the place for one
    ctx.obj = Ctx(server_home(home), db, passphrase_file, password_file)


@cli.command()
@pass_ctx
def migrate(c: Ctx) -> None:
    """Actualizar el esquema de la base de datos / upgrade the database schema."""
    from .config import settle_db_path
    from .migrate import check_holds_server, current_revision, head_revision, upgrade

    engine = c.engine(schema=False)  # reached (else worded as the other commands do), at any schema
    check_holds_server(engine)  # an empty database (a wrong URL) is not given an empty server's schema
    upgrade(engine)
    settle_db_path(c.settings())  # an older folder's absolute SQLite path: relative from now on
    click.echo(i18n.t("server.migrated", revision=current_revision(engine) or head_revision()))


REFUSED_EXIT = 3  # import: some files refused, the rest stored (docs/server.md §12)


@cli.command(name="import")
@click.argument("directory", nargs=-1, required=True, type=click.Path(file_okay=False))
@click.option("-v", "--verbose", is_flag=True, help="Una línea por archivo guardado / one line per stored file.")
@pass_ctx
def import_cmd(c: Ctx, directory: tuple[str, ...], verbose: bool) -> None:
    """Importar lotes de una o varias memorias USB / import bundles from one or more USB sticks."""
    from ..cli.common import on_interrupt
    from .errors import ImportStopped
    from .ingest import Ingestor
    from .usb import import_dir, preflight
    from .usb_stick import merge_summaries, progress_printer

    settings = c.settings()
    engine = c.engine()
    paths = list({os.path.realpath(d): d for d in directory}.values())  # the same stick twice: read once
    sticks = [preflight(Path(d)) for d in paths]  # missing, empty, full or read-only: said before the passphrase
    keystore = c.keystore()
    ingestor = Ingestor(engine, keystore, max_payload_bytes=settings.max_payload_bytes)
    done: list = []
    progress = progress_printer()
    try:
        for path, stick in zip(paths, sticks):
            done.append((path, import_dir(engine, ingestor, keystore, stick, lease_days=settings.lease_days,
                                          progress=progress)))
    except (ImportStopped, KeyboardInterrupt) as exc:  # a stick full, locked or pulled (exit 2), or Ctrl+C (130):
        progress(None, None)                         # what was stored, then why; importing again is safe
        if getattr(exc, "summary", None) is not None:
            print_summary(merge_summaries(engine, done + [(paths[len(done)], exc.summary)]), verbose)
            if paths[len(done) + 1:]:
                click.echo(i18n.t("server.import_sticks_not_read", sticks=", ".join(paths[len(done) + 1:])))
            if isinstance(exc, KeyboardInterrupt):
                on_interrupt("server.import_interrupted")
        raise
    progress(None, None)
    summary = merge_summaries(engine, done)
    print_summary(summary, verbose)
    if summary.count("refused"):
        sys.exit(REFUSED_EXIT)


def print_summary(summary, verbose: bool = False) -> None:
    from .usb import shown_name
    from .usb_stick import summary_lines

    for line in summary_lines(summary, verbose):  # a file name that is not UTF-8: shown as \xff, never a crash
        click.echo(shown_name(line))


# --- keys, backup, audit -------------------------------------------------------------------
@cli.group()
def keys() -> None:
    """Llaves del servidor / server keys."""


@keys.command(name="rotate")
@pass_ctx
def keys_rotate(c: Ctx) -> None:
    """Nueva llave de cifrado; las anteriores se conservan / new encryption key; old ones kept."""
    from .audit import operator_actor
    from .keys import rotate_audited

    keystore = c.keystore()
    new = rotate_audited(c.engine(), keystore, operator_actor())
    # other hosts of this server hold their own copy of the file: until it is copied there, a
    # laptop that learned the new key refuses them, and they cannot open bundles sealed to it
    click.echo(i18n.t("server.keys_rotated", key_id=new.current.key_id, count=len(new.key_ids),
                      path=str(keystore.path)))


@keys.command(name="show")
@pass_ctx
def keys_show(c: Ctx) -> None:
    """Huella y llave actual (pide la frase de paso: el archivo de llaves está cifrado entero) / fingerprint and
    current key (asks for the passphrase: the key file is encrypted as a whole)."""
    k = c.keystore().keys()
    click.echo(i18n.t("server.keys_show", fingerprint=k.signing_public.fingerprint(), key_id=k.current.key_id,
                      count=len(k.key_ids)))


@keys.command(name="env-key")
@click.option("--show-on-terminal", "on_terminal", is_flag=True,
              help="Mostrarla aunque la salida sea la terminal / show it even when the output is the terminal.")
@pass_ctx
def keys_env_key(c: Ctx, on_terminal: bool) -> None:
    """Imprimir INTAKE_SERVER_KEY (secreto) / print INTAKE_SERVER_KEY (a secret): redirect to a root-only file."""
    from ..cli.common import Refused

    if sys.stdout.isatty() and not on_terminal:  # on screen it stays in the scrollback: said before the passphrase
        raise Refused(i18n.t("server.env_key_terminal", home=str(c.home)))
    click.echo(f"INTAKE_SERVER_KEY={c.keystore().file_key.hex()}")


@cli.command(name="backup")
@click.argument("out", type=click.Path(file_okay=False))
@pass_ctx
def backup_cmd(c: Ctx, out: str) -> None:
    """Copia cifrada y firmada, consistente mientras el servidor funciona / sealed, consistent copy while running."""
    from .backup import backup, preflight
    from .migrate import current_revision

    # not a folder, not empty, read-only, no permission, a URL pg_dump cannot be given: said before the passphrase
    if Path(out).resolve().is_relative_to(c.home):  # a backup inside the home: written as its owner
        c.check_owner()
    preflight(Path(out), c.settings().db_url)
    engine = c.engine()
    files = backup(c.settings(), c.keystore().keys(), Path(out), current_revision(engine))
    click.echo(i18n.t("server.backup_done", path=out, count=len(files)))


@cli.command(name="verify-print")
@click.argument("code", nargs=-1, required=True)
@pass_ctx
def verify_print_cmd(c: Ctx, code: tuple[str, ...]) -> None:
    """Comprueba un resumen impreso por su código QR / check a printed summary by its QR code."""
    from ..cli.common import Refused
    from ..printing import PrintError, describe_print_error
    from .audit import operator_actor
    from .print_check import check_print, describe

    try:
        result = check_print(c.engine(), " ".join(code), actor=operator_actor())
    except PrintError as err:  # worded as the web page does ("32 characters", not "(length)")
        raise Refused(describe_print_error(err, i18n.language())) from None
    click.echo(describe(result, i18n.language()))


@cli.group(name="audit")
def audit_group() -> None:
    """Bitácora del servidor / server audit log."""


@audit_group.command(name="verify")
@pass_ctx
def audit_verify(c: Ctx) -> None:
    """Comprueba la cadena de la bitácora del servidor / check the server audit log's chain."""
    from .audit import verify

    click.echo(i18n.t("server.audit_ok", count=verify(c.engine())))


@audit_group.command(name="verify-devices")
@click.option("--device", "device_id", default=None, help="Solo este equipo / only this laptop.")
@pass_ctx
def audit_verify_devices(c: Ctx, device_id: str | None) -> None:
    """Comprueba las bitácoras recibidas de los equipos / check the laptops' audit logs as received."""
    from .device_audit import verify_devices
    from .errors import DeviceAuditBroken

    from .cli_device import full_id

    engine = c.engine()
    if device_id is not None:  # a beginning as elsewhere; an unknown id is said, never a silent "nothing"
        device_id = full_id(engine, device_id)
    chains = verify_devices(engine, device_id)
    if not chains:
        click.echo(i18n.t("server.device_audit_none" if device_id is None else "server.device_audit_empty",
                          device=device_id))
    broken = None
    for chain in chains:
        click.echo(i18n.t(f"server.device_audit_{chain.state}", device=chain.device_id, count=chain.entries,
                          seq=chain.seq))
        if chain.state in ("chain", "altered") and broken is None:
            broken = chain
    if broken is not None:
        raise DeviceAuditBroken(device=broken.device_id, seq=broken.seq)


from .cli_db import register as _register_db  # noqa: E402  (db move)
from .cli_device import register as _register_device  # noqa: E402  (device …)
from .cli_setup import register as _register_setup  # noqa: E402  (init, serve)
from .cli_user import register as _register_user  # noqa: E402  (user …)
from .exchange.cli import register as _register_exchange  # noqa: E402  (exchange, export htcds)
from .key_passphrase import register as _register_key_passphrase  # noqa: E402  (keys passphrase)

_register_db(cli)
_register_device(cli)
_register_setup(cli)
_register_user(cli)
_register_exchange(cli)
_register_key_passphrase(keys, pass_ctx)

# the commands that write into the home (its settings, key file, run/ marks, database file):
# run by another user (root) they would leave files the service cannot read, so they check first
HOME_WRITERS = ("init", "serve", "migrate", "restore", "keys rotate", "keys passphrase", "db move")


def _owner_checked(callback):
    import functools

    @functools.wraps(callback)
    def checked(*args, **kwargs):
        click.get_current_context().find_object(Ctx).check_owner()
        return callback(*args, **kwargs)

    return checked


for _path in HOME_WRITERS:
    _command = cli
    for _name in _path.split():
        _command = _command.commands[_name]
    _command.callback = _owner_checked(_command.callback)


def main(argv: list[str] | None = None) -> int:
    from ..cli.common import run_group
    from ..nodump import protect_process

    protect_process()  # no core file, nor /proc reading, of the keys and the data in memory
    return run_group(cli, argv, "intake-server")


if __name__ == "__main__":
    sys.exit(main())
