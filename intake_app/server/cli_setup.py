"""``intake-server init`` and ``serve``: setting a server up and starting it, registered into
the server's click group by :func:`register`. Both check what they can before they ask for a
secret or announce anything: ``init`` the home, the administrator's name and the database;
``serve`` the database and that its port is free."""

from __future__ import annotations

import errno
import logging
import os
import socket

import click

from .. import i18n
from ..cli.common import Refused
from .errors import InitFolderUnusable

pass_ctx = click.pass_obj  # the server CLI's Ctx (home, database, key file, secrets)


@click.command()
@click.option("--admin", "admin_name", default="admin", show_default=True, help="Primer administrador / first administrator.")
@pass_ctx
def init(c, admin_name: str) -> None:
    """Crear base de datos, llaves y primer administrador / create database, keys, first administrator."""
    from .auth import check_password
    from .db import redact_url
    from .keys import KeyStore
    from .setup import check_key_passphrase, init_server, plan_init

    plan = plan_init(c.home, db_url=c.db, admin_username=admin_name)  # before any secret is asked
    settings = plan.settings
    check_folders(plan)
    if plan.reuse_keys:  # a key file copied here on purpose: its own passphrase, which must open it now
        passphrase = c.passphrase()
        KeyStore.open(settings.key_path, passphrase=passphrase)
    else:
        passphrase = c.passphrase(confirm=True,
                                  check=lambda p: check_key_passphrase(p, settings.min_password_length))
    password = c.password(prompt=i18n.t("server.prompt_admin_password", username=admin_name),
                          check=lambda p: check_password(settings, admin_name, p))
    try:
        settings, keystore = init_server(c.home, db_url=c.db, passphrase=passphrase, admin_username=admin_name,
                                         admin_password=password)
    except Exception as exc:  # the disk filled or turned read-only meanwhile (init_server removed what it made)
        reason = init_failure(exc)
        if reason is None:
            raise
        raise InitFolderUnusable(path=str(c.home), reason=reason) from None
    click.echo(i18n.t("server.initialized", home=str(c.home), db=redact_url(settings.db_url),
                      fingerprint=keystore.keys().signing_public.fingerprint()))


def check_folders(plan) -> None:
    """The server folder and the SQLite database's folder take a file, or a worded refusal
    before any secret is asked (a read-only disk or an immutable folder passes root's mode checks)."""
    from .backup import probe_folder

    folders = [plan.settings.home]
    if plan.sqlite_file is not None and not plan.db_existed:
        folders.append(plan.sqlite_file.parent)
    for folder in folders:
        reason = probe_folder(folder)
        if reason is not None:
            raise InitFolderUnusable(path=str(folder), reason=reason)


def init_failure(exc: BaseException) -> str | None:
    """Why ``init`` could not write: from an OSError, or SQLite's own code under SQLAlchemy's error."""
    from .errors import folder_reason

    code = getattr(getattr(exc, "orig", None), "sqlite_errorcode", None)
    if isinstance(code, int):  # SQLITE_CANTOPEN, _READONLY, _PERM; SQLITE_FULL
        return {14: "not_writable", 8: "read_only", 3: "not_writable", 13: "no_space"}.get(code & 0xFF)
    return folder_reason(exc)


def check_port(host: str, port: int) -> None:
    """Bind the address the way uvicorn will (SO_REUSEADDR) and let it go: a port another
    program listens on is refused in words before anything is announced."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, port))
    except OSError as exc:
        key = "server.port_in_use" if exc.errno == errno.EADDRINUSE else "server.port_unavailable"
        raise Refused(i18n.t(key, host=host, port=port)) from None


def _check_trusted(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """Click callback for ``--trusted-proxy``: what uvicorn's ``forwarded_allow_ips`` reads as
    addresses, IP addresses and networks separated by commas, or ``*`` alone (any). uvicorn
    takes anything else as a literal that no TCP peer ever matches: a typo would silently
    trust no proxy, so it is refused in words before anything starts."""
    import ipaddress

    if value.strip() == "*":
        return value
    for item in value.split(","):
        item = item.strip()
        try:
            ipaddress.ip_network(item) if "/" in item else ipaddress.ip_address(item)  # as uvicorn parses them
        except ValueError:
            raise Refused(i18n.t("server.trusted_proxy_invalid", value=item)) from None
    return value


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Dirección en la que escucha (0.0.0.0 detrás de un proxy en otro equipo) / address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535),
              help="Puerto / port.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Procesos del servidor (más de uno: mejor con PostgreSQL) / server processes (more than one: better on PostgreSQL).")
@click.option("--trusted-proxy", "trusted", default="127.0.0.1", show_default=True, callback=_check_trusted,
              help="Proxy de TLS cuyas cabeceras X-Forwarded-* se creen (IPs o redes separadas por comas, «*»: "
                   "cualquiera) / TLS proxy whose X-Forwarded-* headers are trusted (comma-separated IPs or "
                   "networks, «*»: any).")
@pass_ctx
def serve(c, host: str, port: int, workers: int, trusted: str) -> None:
    """Servir la API / serve the API (uvicorn)."""
    import uvicorn

    from ..bundle.serverkeys import KEY_ENV
    from .config import DB_ENV, HOME_ENV
    from .db import redact_url
    from .same_origin import TRUSTED_ENV

    settings = c.settings()
    check_port(host, port)  # free now, or a worded refusal before the passphrase is asked
    engine = c.engine()  # database reachable and at the current schema, or a clear error now
    warn_autovacuum_off(engine)
    engine.dispose()
    keystore = c.keystore()  # the passphrase is asked once; workers get the derived key
    if workers > 1:  # multiprocessing's helper process, started now, never gets the key in its environment
        from multiprocessing import resource_tracker

        resource_tracker.ensure_running()
    os.environ[KEY_ENV] = keystore.file_key.hex()  # each worker reads it and forgets it (KeyStore.open)
    os.environ[HOME_ENV] = str(c.home)
    if c.db:
        os.environ[DB_ENV] = c.db
    os.environ[TRUSTED_ENV] = trusted  # uvicorn's own default for it; the workers' untrusted-proxy warning reads it
    click.echo(i18n.t("server.serving", host=host, port=port, workers=workers, db=redact_url(settings.db_url)))
    serve_notes(host, workers, trusted, settings.db_url)
    watch_workers()
    # log_config=None: uvicorn's own loggers (its error log prints tracebacks) go through the
    # root handler and its privacy filter instead of handlers of their own. Its error log at
    # INFO (INTAKE_LOG=INFO shows its start and stop; a worker's death is raised to WARNING by
    # watch_workers); no access log at all: a request's line holds its query string.
    uvicorn.run("intake_app.server.app:app_from_env", factory=True, host=host, port=port, workers=workers,
                log_level="info", access_log=False, proxy_headers=True, forwarded_allow_ips=trusted,
                log_config=None)


def serve_notes(host: str, workers: int, trusted: str, db_url: str) -> None:
    """What ``serve`` says on standard error before it starts, about choices that work but may
    not be what was meant: several processes on SQLite (correct, since writers take turns, but
    they wait for each other: PostgreSQL is the database for that), and listening beyond this
    host while trusting only a proxy on it (a proxy on another host would be ignored: cookies
    without ``Secure``, the pages' forms refused as from another site)."""
    from sqlalchemy.engine import make_url

    if workers > 1 and make_url(db_url).get_backend_name() == "sqlite":
        click.echo(i18n.t("server.workers_on_sqlite", workers=workers), err=True)
    if trusted.strip() == "127.0.0.1" and not _loopback(host):
        click.echo(i18n.t("server.trusted_proxy_local_only", host=host), err=True)


def warn_autovacuum_off(engine) -> None:
    """PostgreSQL with ``autovacuum`` off (``SHOW autovacuum``): said once at the start, one
    line in the log, and the server starts. The dashboard's fold empties ``dash_delta`` with
    DELETE, and without autovacuum its dead rows are never reclaimed (docs/server.md §4)."""
    if engine.dialect.name != "postgresql":
        return
    try:
        with engine.connect() as conn:
            value = str(conn.exec_driver_sql("SHOW autovacuum").scalar() or "")
    except Exception:  # noqa: BLE001 - a check only: the server starts either way
        return
    if value.strip().lower() in ("off", "false", "no", "0"):
        logging.getLogger(__name__).warning(
            "autovacuum está desactivado en PostgreSQL: las tablas que se vacían con DELETE (dash_delta "
            "del tablero) crecen sin límite y las vistas se vuelven más lentas; actívelo (autovacuum = on, "
            "el valor por defecto; docs/server.md §4) / autovacuum is off in PostgreSQL: tables emptied "
            "with DELETE (the dashboard's dash_delta) grow without limit and views slow down; turn it on "
            "(autovacuum = on, the default; docs/server.md §4)")


def _loopback(host: str) -> bool:
    import ipaddress

    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name: it may be reached from elsewhere
        return False


class WorkerDeaths(logging.Filter):
    """uvicorn's supervisor says at INFO that a worker died (and starts another in its place),
    below the WARNING an operator's log shows by default: a death is raised to WARNING and says
    the worker was replaced. Other lines pass as they are."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING and record.name == "uvicorn.error":
            message = record.getMessage()
            if message.startswith("Child process [") and message.endswith("] died"):
                pid = message[len("Child process "):-len(" died")]
                record.msg, record.args = (f"el proceso del servidor {pid} terminó; se inicia otro en su lugar / "
                                           f"{message}; a new worker is started in its place"), ()
                record.levelno, record.levelname = logging.WARNING, logging.getLevelName(logging.WARNING)
        return True


def watch_workers() -> None:
    """Let a worker's death reach the log at the default level (once per process)."""
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, WorkerDeaths) for f in logger.filters):
        logger.addFilter(WorkerDeaths())


def register(cli: click.Group) -> None:
    cli.add_command(init)
    cli.add_command(serve)
