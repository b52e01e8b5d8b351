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
        return click.prompt(prompt, hide_input=True)

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

    from .db import redact_url

    argv, count = ctx.meta["server.argv"]
    start = max(len(argv) - count, 0)
    head, tail = list(argv[:start]), list(argv[start:])
    at = next((i for i, a in enumerate(tail) if a == name or a.startswith(name + "=")), None)
    if at is not None:
        width = 1 if "=" in tail[at] or at + 1 >= len(tail) else 2
        head += tail[at:at + width]
        del tail[at:at + width]
    words = head + tail
    for i, word in enumerate(words):
        if word.startswith("--db="):
            words[i] = "--db=" + redact_url(word[5:])
        elif i and words[i - 1] == "--db":
            words[i] = redact_url(word)
    return shlex.join([ctx.find_root().info_name or "intake-server", *words])


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
    from .migrate import current_revision, head_revision, upgrade

    from .config import settle_db_path

    engine = c.engine(schema=False)  # reached (else worded as the other commands do), at any schema
    upgrade(engine)
    settle_db_path(c.settings())  # an older folder's absolute SQLite path: relative from now on
    click.echo(i18n.t("server.migrated", revision=current_revision(engine) or head_revision()))


@cli.command(name="import")
@click.argument("directory", type=click.Path(file_okay=False))
@pass_ctx
def import_cmd(c: Ctx, directory: str) -> None:
    """Importar lotes de una memoria USB / import bundles from a USB stick."""
    from .errors import ImportStopped
    from .ingest import Ingestor
    from .usb import import_dir, preflight

    settings = c.settings()
    engine = c.engine()
    stick = preflight(Path(directory))  # missing, empty, full or read-only: said before asking for the passphrase
    keystore = c.keystore()
    try:
        summary = import_dir(engine, Ingestor(engine, keystore, max_payload_bytes=settings.max_payload_bytes),
                             keystore, stick, lease_days=settings.lease_days)
    except ImportStopped as stopped:  # the stick filled up, locked or was pulled: what was stored, then why (exit 2)
        print_summary(stopped.summary)
        raise
    print_summary(summary)
    if summary.count("refused"):
        sys.exit(1)


def print_summary(summary) -> None:
    from .usb import shown_name

    t = i18n.t

    def echo(line: str) -> None:  # a file name on the stick that is not UTF-8: shown as \xff, never a crash
        click.echo(shown_name(line))

    echo(t("server.import_totals", accepted=summary.count("accepted"), already=summary.count("already_had"),
           refused=summary.count("refused")))
    for item in summary.items:
        if item.outcome == "refused":  # worded; the code itself is in the audit log
            reason = i18n.describe_code(item.code, item.params) if item.code else ""
            if item.code == "device_revoked":  # the office's words, not the laptop's ("your vault is locked")
                reason = t("server.import_device_revoked", device=item.params.get("device_id", item.device_id))
            echo(t("server.import_refused", file=item.file, reason=reason))
        else:
            echo(t("server.import_" + item.outcome, file=item.file, device=item.device_id, sequence=item.sequence,
                   revisions=item.revisions, conflicts=item.conflicts))
    for device_id, gaps in summary.gaps.items():
        echo(t("server.import_gap", device=device_id, sequences=", ".join(map(str, gaps[:50]))))
    for device_id, fingerprint, status in summary.enrollments:
        key = "server.import_enrollment_revoked" if status == "revoked" else "server.import_enrollment"
        echo(t(key, device=device_id, fingerprint=fingerprint, status=t("server.device_state." + status)))
    if summary.statuses:
        echo(t("server.import_statuses", count=len(summary.statuses)))
    if summary.unread:
        echo(t("server.import_unread", count=summary.unread))


# --- keys, backup, audit -------------------------------------------------------------------
@cli.group()
def keys() -> None:
    """Llaves del servidor / server keys."""


@keys.command(name="rotate")
@pass_ctx
def keys_rotate(c: Ctx) -> None:
    """Nueva llave de cifrado; las anteriores se conservan / new encryption key; old ones kept."""
    from .keys import rotate_audited

    keystore = c.keystore()
    new = rotate_audited(c.engine(), keystore, "operator")
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
@pass_ctx
def keys_env_key(c: Ctx) -> None:
    """Imprimir INTAKE_SERVER_KEY (secreto) / print INTAKE_SERVER_KEY (a secret): redirect to a root-only file."""
    click.echo(f"INTAKE_SERVER_KEY={c.keystore().file_key.hex()}")


@cli.command(name="backup")
@click.argument("out", type=click.Path(file_okay=False))
@pass_ctx
def backup_cmd(c: Ctx, out: str) -> None:
    """Copia cifrada y firmada, consistente mientras el servidor funciona / sealed, consistent copy while running."""
    from .backup import backup, preflight
    from .migrate import current_revision

    # not a folder, not empty, read-only, no permission, a URL pg_dump cannot be given: said before the passphrase
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
    from .print_check import check_print, describe

    try:
        result = check_print(c.engine(), " ".join(code), actor="operator")
    except PrintError as err:  # worded as the web page does ("32 characters", not "(length)")
        raise Refused(describe_print_error(err, i18n.language())) from None
    click.echo(describe(result, i18n.language()))


@cli.command(name="check-backup")
@click.argument("backup_dir", type=click.Path(file_okay=False, exists=True))
@pass_ctx
def check_backup_cmd(c: Ctx, backup_dir: str) -> None:
    """Comprueba una copia sin restaurarla / check a backup without restoring it."""
    from ..bundle.serverkeys import KEY_ENV
    from ..timefmt import utc_time_iso
    from .restore import open_backup

    passphrase = None if os.environ.get(KEY_ENV) else c.passphrase()
    opened = open_backup(Path(backup_dir), passphrase, decrypt_all=True)
    created = opened.info.get("created_at", "?")
    click.echo(i18n.t("server.backup_checked", path=backup_dir, created=utc_time_iso(created) or created,
                      database=opened.info["database"], size=f"{opened.size / 1_048_576:.1f}"))


@cli.command(name="restore")
@click.argument("backup_dir", type=click.Path(file_okay=False, exists=True))
@pass_ctx
def restore_cmd(c: Ctx, backup_dir: str) -> None:
    """Restaura una copia en una carpeta y base vacías / restore a backup into an empty home and database."""
    from sqlalchemy import func, select

    from ..bundle.serverkeys import KEY_ENV
    from .backup import check_dump_url
    from .db import make_engine
    from .models import Revision
    from .restore import restore

    if c.db:
        check_dump_url(c.db)  # a URL pg_restore cannot be given safely: said before the passphrase
    passphrase = None if os.environ.get(KEY_ENV) else c.passphrase()
    settings = restore(Path(backup_dir), c.home, c.db, passphrase)
    engine = make_engine(settings.db_url)
    try:
        with engine.connect() as conn:
            count = conn.execute(select(func.count()).select_from(Revision.__table__)).scalar_one()
    finally:
        engine.dispose()
    click.echo(i18n.t("server.restore_done", home=str(c.home), revisions=count, command=serve_command(c)))


def serve_command(c: Ctx) -> str:
    """How to start the server just restored: with its ``--home`` unless it is the default
    one (``server.json`` there names the database)."""
    import shlex

    from .config import default_home

    if c.home == default_home():
        return "intake-server serve"
    return f"intake-server --home {shlex.quote(str(c.home))} serve"


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


def main(argv: list[str] | None = None) -> int:
    from ..cli.common import run_group
    from ..nodump import protect_process

    protect_process()  # no core file, nor /proc reading, of the keys and the data in memory
    return run_group(cli, argv, "intake-server")


if __name__ == "__main__":
    sys.exit(main())
