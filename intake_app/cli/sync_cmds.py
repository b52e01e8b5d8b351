"""``intake sync export|receipts|purge|push|enroll|reinstate|new-identity|status`` and ``intake device enroll-request|enroll-import|show``."""

from __future__ import annotations

from contextlib import contextmanager
from urllib.parse import urlsplit

import click

from .. import i18n
from . import cli
from .common import Context, Refused, case_id_param, case_not_found, confirm, pass_ctx

LABEL_HELP = ("Etiqueta de rol, nunca un nombre: letras sin tilde, números, punto, guion, dos puntos o guion bajo, sin "
              "espacios (p. ej. eri-turno-2) / role label, never a name: unaccented letters, digits, dot, dash, "
              "colon or underscore, no spaces (e.g. eri-turno-2).")


def _check_labels(labels: tuple[str, ...]) -> list[str]:
    """Role labels travel in the enrollment request's cleartext, where the format admits only
    identifiers (docs/bundle-format.md, "Common rules"): a name with a space or an accent
    must not pass. Said before the vault is opened or anything is sent; the label itself
    is not repeated (it may be a name)."""
    from ..bundle.codec import FieldError, check_id

    for number, label in enumerate(labels, 1):
        try:
            check_id(label, "officer_labels")
        except FieldError:
            raise Refused(i18n.t("sync_cli.label_invalid", number=number)) from None
    return list(labels)


def _check_url(ctx: click.Context, param: click.Parameter, url: str | None) -> str | None:
    """Click callback for ``--server``: http or https and a host, said before the passphrase
    is asked (a missing scheme is not a network problem)."""
    if url is None:
        return None
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        parts = None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise Refused(i18n.t("sync_cli.server_url_invalid", url=url))
    return url.strip()


FINGERPRINT_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")  # base32: 20 of them, in 5 groups of 4


def _check_fingerprint(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Click callback for ``--server-fingerprint``: the shape of one (20 base32 characters,
    dashes and spaces aside, any case), said before the passphrase is asked; whether it is
    this server's is checked against its keys."""
    if value is None:
        return None
    code = value.replace("-", "").replace(" ", "").upper()
    if len(code) != 20 or not set(code) <= FINGERPRINT_CHARS:
        raise Refused(i18n.t("sync_cli.fingerprint_invalid"))
    return value


@contextmanager
def _contacting(url: str):
    """The server could not be reached (after the client's own retries) or was busy: said for
    the command line, where nothing tries again by itself (the desktop's background sync
    does, and keeps the shared wording)."""
    from ..sync.errors import ServerUnreachable

    try:
        yield
    except ServerUnreachable as err:
        reason = err.params.get("reason")
        if err.code == "sync_server_busy":
            key = "sync_cli.server_busy"
        elif reason in ("web_page", "revocation_unconfirmed", "too_slow"):  # worded apart: the advice differs
            key = f"sync_cli.{reason}"
        elif getattr(err, "upload_out", False) and getattr(err, "uploading", False):
            key = "sync_cli.upload_cut"  # it left whole: it may or may not have arrived (client.push)
        elif getattr(err, "uploading", False) and reason != "connect":
            key = "sync_cli.upload_cut_midway"  # the server answered the reads; the upload broke off
        else:
            key = "sync_cli.server_unreachable"
        raise Refused(i18n.t(key, server=url)) from None


@contextmanager
def _fingerprint_words():
    """A first enrollment without ``--server-fingerprint``: the command-line words (the option
    to add) rather than the shared ones."""
    from ..sync.errors import ServerFingerprintRequired

    try:
        yield
    except ServerFingerprintRequired:
        raise Refused(i18n.t("sync_cli.fingerprint_required")) from None


def _check_post(post: str) -> str:
    """A border post code from the codebook; a typo is answered with the closest codes and
    the list, before the vault is opened."""
    import difflib

    from ..codebook import load_codebook

    codes = [term.code for term in load_codebook().vocab("border_posts").terms]
    if post in codes:
        return post
    close = difflib.get_close_matches(post.strip().lower(), codes, n=3, cutoff=0.6)
    hint = i18n.t("sync_cli.post_did_you_mean", codes=", ".join(close)) + " " if close else ""
    raise Refused(i18n.t("sync_cli.post_unknown", post=post, hint=hint, codes=", ".join(codes)))


def _when(stamp: str | None) -> str:
    """A stored UTC stamp as the person reads it: local time with its offset."""
    from ..timefmt import local_time_iso

    return local_time_iso(stamp) if stamp else "-"


def _lease(state: str, vault=None) -> str:
    """The lease state in words; given the vault, an expiry that only the clock offset of the
    last sync makes (this clock was behind the server's then), or that only this clock makes
    (it was ahead of the server's then), says so."""
    if state == "expired" and vault is not None:
        from ..sync.state import expired_by_clock_ahead, expired_by_offset

        if expired_by_offset(vault):
            return i18n.t("sync_cli.lease_expired_clock_behind")
        if expired_by_clock_ahead(vault):  # ahead at the last sync: still ahead, or put right since
            return i18n.t("sync_cli.lease_expired_clock_ahead")
    return i18n.t({"ok": "sync_cli.lease_ok", "expiring": "sync_cli.lease_expiring",
                   "expired": "sync_cli.lease_expired"}[state])


@cli.group()
def sync() -> None:
    """Sincronización con el servidor central / sync with the central server."""


@sync.command("export")
@click.option("--to", "target", required=True, type=click.Path(file_okay=False),
              help="Carpeta destino (memoria USB) / target folder (USB stick).")
@pass_ctx
def sync_export(ctx: Context, target: str) -> None:
    """Escribe los lotes pendientes y su manifiesto firmado / write pending bundles and a signed manifest."""
    from ..sync import export_to

    report = export_to(ctx.vault(), target)
    if not report.written:
        click.echo(i18n.t("sync_cli.export_nothing"))
        return
    if report.revisions == 0:  # only the audit log's own bundles (an unlock, a view...): as sync push says it
        click.echo(i18n.t("sync_cli.exported_nothing_new", bundles=len(report.written)))
        _room_warning(report)
        return
    click.echo(i18n.t("sync_cli.exported", bundles=len(report.written), new=len(report.new),
                      revisions=report.revisions, first=report.written[0], last=report.written[-1]))
    _room_warning(report)


def _room_warning(report) -> None:
    """A stick left too full for the office's receipts and status: said, the export stands."""
    from ..sync.usb import room_words

    if report.room_short:
        click.echo(room_words(report), err=True)


@sync.command("receipts")
@click.option("--from", "source", required=True, type=click.Path(file_okay=False, exists=True),
              help="Carpeta con los recibos del servidor / folder with the server's receipts.")
@pass_ctx
def sync_receipts(ctx: Context, source: str) -> None:
    """Verifica los recibos y marca lo entregado / verify receipts, mark what was delivered."""
    from ..sync import import_receipts
    from ..sync.usb import waiting_words

    report = import_receipts(ctx.vault(), source)
    click.echo(i18n.t("sync_cli.receipts", delivered=len(report.delivered), revisions=report.revisions,
                      already=len(report.already), refused=len(report.refused)))
    if report.lease_state:
        click.echo(i18n.t("sync_cli.lease_after_receipts", state=_lease(report.lease_state, ctx.vault())))
    for line in waiting_words(report, export=i18n.t("sync_cli.export_command")):  # the desktop's words too
        click.echo(line)
    for name, err in report.refused:
        click.echo(f"  {name}: {i18n.describe_error(err)}", err=True)
    if report.refused:
        raise SystemExit(2)


@sync.command("purge")
@click.option("--case", "case_ids", multiple=True, metavar="CASE_ID", callback=case_id_param,
              help="Solo este caso (se puede repetir) / only this case (repeatable).")
@click.option("--yes", is_flag=True, help="No preguntar / do not ask.")
@pass_ctx
def sync_purge(ctx: Context, case_ids: tuple[str, ...], yes: bool) -> None:
    """Borra los datos de identidad de los casos ya entregados / remove identity data of delivered cases."""
    from ..sync.purge import purge, purgeable_cases

    v = ctx.vault()
    unknown = [c for c in case_ids if v.conn.execute("SELECT 1 FROM cases WHERE case_id = ?", (c,)).fetchone() is None]
    if unknown and len(unknown) == len(case_ids):  # a typo is not "nothing to purge"
        raise case_not_found(unknown[0])
    for case_id in unknown:  # beside cases that are here: said, and the others purged
        click.echo(case_not_found(case_id).message, err=True)
    eligible = purgeable_cases(v)
    chosen = [c for c in eligible if c in set(case_ids)] if case_ids else eligible
    if not chosen:
        click.echo(i18n.t("sync_cli.purge_nothing"))
        return
    if not yes and not confirm(i18n.t("sync_cli.purge_confirm", count=len(chosen))):
        click.echo(i18n.t("cli.aborted"))
        return
    report = purge(v, list(case_ids) if case_ids else None)
    click.echo(i18n.t("sync_cli.purged", cases=report.cases, revisions=report.revisions,
                      kept=report.kept_unacknowledged))


SERVER_HELP = "URL del servidor (http:// o https://) / server URL (http:// or https://)."


@sync.command("push")
@click.option("--server", "server_url", required=True, callback=_check_url, help=SERVER_HELP)
@pass_ctx
def sync_push(ctx: Context, server_url: str) -> None:
    """Envía los lotes por la red y recibe los recibos / upload bundles, fetch receipts."""
    from ..sync import push

    v = ctx.vault()
    click.echo(i18n.t("sync_cli.contacting", server=server_url), err=True)  # a slow network can take a while
    with _contacting(server_url):
        report = push(v, server_url)
    lease = _lease(report.lease_state)
    cases = len(report.delivered) - report.audit_only  # the audit log's own bundles (an unlock...) not counted
    if cases == 0 and not report.already:
        click.echo(i18n.t("sync_cli.pushed_nothing_new", lease=lease))
        return
    click.echo(i18n.t("sync_cli.pushed", delivered=cases, revisions=report.revisions,
                      already=len(report.already), lease=lease))


@sync.command("enroll")
@click.option("--server", "server_url", required=True, callback=_check_url, help=SERVER_HELP)
@click.option("--post", required=True, help="Código del puesto fronterizo / border post code.")
@click.option("--label", "labels", multiple=True, help=LABEL_HELP)
@click.option("--server-fingerprint", default=None, callback=_check_fingerprint,
              help="La huella leída por el administrador / as read aloud.")
@pass_ctx
def sync_enroll(ctx: Context, server_url: str, post: str, labels: tuple[str, ...],
                server_fingerprint: str | None) -> None:
    """Inscribe el equipo por la red; repítalo tras la aprobación / enroll online; run again once approved."""
    from ..sync import identity
    from ..sync.client import enroll_online
    from ..sync.errors import EnrollmentPending

    labels = _check_labels(labels)
    post = _check_post(post)
    v = ctx.vault()
    try:
        with _contacting(server_url), _fingerprint_words():
            response = enroll_online(v, server_url, post, labels, expected_server_fingerprint=server_fingerprint)
    except EnrollmentPending:  # with the fingerprint given already, the next run is this same command
        key = "sync_cli.enroll_pending_with_fingerprint" if server_fingerprint else "sync_cli.enroll_pending"
        click.echo(i18n.t(key, fingerprint=identity(v).fingerprint))
        return
    click.echo(i18n.t("sync_cli.enrolled", server=response.server.fingerprint(), until=_when(response.lease_until)))


@sync.command("reinstate")
@click.option("--server", "server_url", default=None, callback=_check_url, help=SERVER_HELP)
@click.option("--from", "source", default=None, type=click.Path(file_okay=False),
              help="Memoria con el estado firmado / stick with the signed status.")
@pass_ctx
def sync_reinstate(ctx: Context, server_url: str | None, source: str | None) -> None:
    """Reactiva un equipo revocado por error, con el estado firmado por el servidor / reinstate a laptop
    revoked by mistake, with the server's signed status."""
    from ..sync.reinstate import StickStatusBeforeReinstatement, reinstate_from_stick, reinstate_online

    if (server_url is None) == (source is None):
        raise click.UsageError(i18n.t("sync_cli.reinstate_one_source"))
    v = ctx.vault(for_reinstatement=True)  # opened only to apply the status: nothing is shown
    device_id = v.device_id
    try:
        if server_url is not None:
            with _contacting(server_url):
                reinstate_online(v, server_url)  # still revoked: DeviceRevoked, the server's own words
        else:
            reinstate_from_stick(v, source)
    except StickStatusBeforeReinstatement:
        ctx.close()  # still revoked: lock again at once
        # the stick's status still says revoked, or is older than the revocation (left
        # from an earlier sync): the office has not written a reinstatement on it
        raise Refused(i18n.t("sync_cli.reinstate_old_status", device=device_id)) from None
    except BaseException:
        ctx.close()  # still revoked (or no status): lock again at once
        raise
    click.echo(i18n.t("sync_cli.reinstated", device=v.device_id))


@sync.command("new-identity")
@click.option("--yes", is_flag=True, help="No preguntar / do not ask.")
@pass_ctx
def sync_new_identity(ctx: Context, yes: bool) -> None:
    """Identidad nueva para un equipo clonado o restaurado cuyos envíos el servidor rechaza (bundle_fork) /
    a new identity for a cloned or restored laptop whose uploads the server refuses (bundle_fork)."""
    from ..sync.new_identity import new_identity, undelivered_revisions

    v = ctx.vault()
    if not yes and not confirm(i18n.t("sync_cli.new_identity_confirm", device=v.device_id,
                                      revisions=undelivered_revisions(v))):
        click.echo(i18n.t("cli.aborted"))
        return
    done = new_identity(v)
    click.echo(i18n.t("sync_cli.new_identity_done", device=done.device_id, old_device=done.old_device_id,
                      fingerprint=done.fingerprint, revisions=done.undelivered_revisions))


@sync.command("status")
@pass_ctx
def sync_status(ctx: Context) -> None:
    """Qué falta por enviar y hasta cuándo dura el plazo sin conexión / what is pending, offline lease."""
    from ..sync import identity, pending

    v = ctx.vault()
    p = pending(v)
    ident = identity(v)
    counts = dict(v.conn.execute("SELECT sync_state, count(*) FROM cases GROUP BY sync_state").fetchall())
    click.echo(i18n.t("sync_cli.status_cases", pending=counts.get("pending", 0), sent=counts.get("sent", 0),
                      delivered=counts.get("delivered", 0)))
    click.echo(i18n.t("sync_cli.status_outbox", revisions=p.revisions, bundles=p.outstanding,
                      in_bundles=p.outstanding_revisions))
    if ident.enrolled:
        click.echo(i18n.t("sync_cli.status_lease", until=_when(ident.lease_until),
                          state=_lease(ident.lease_state, v)))
    else:
        click.echo(i18n.t("sync_cli.not_enrolled"))


@cli.group()
def device() -> None:
    """Este equipo ante el servidor / this laptop and the server."""


@device.command("enroll-request")
@click.option("--to", "target", required=True, type=click.Path(file_okay=False),
              help="Carpeta destino (memoria USB) / target folder (USB stick).")
@click.option("--post", required=True, help="Código del puesto fronterizo / border post code.")
@click.option("--label", "labels", multiple=True, help=LABEL_HELP)
@pass_ctx
def device_enroll_request(ctx: Context, target: str, post: str, labels: tuple[str, ...]) -> None:
    """Escribe la solicitud de inscripción del equipo / write this laptop's enrollment request."""
    from ..sync import identity, write_enrollment_request

    labels = _check_labels(labels)
    post = _check_post(post)
    v = ctx.vault()
    path = write_enrollment_request(v, target, post, labels)
    click.echo(i18n.t("sync_cli.request_written", file=path.name, fingerprint=identity(v).fingerprint))


@device.command("enroll-import")
@click.argument("source", type=click.Path(exists=True))
@click.option("--server-fingerprint", default=None, callback=_check_fingerprint,
              help="La huella leída por el administrador / as read aloud.")
@pass_ctx
def device_enroll_import(ctx: Context, source: str, server_fingerprint: str | None) -> None:
    """Importa la respuesta firmada del servidor / import the server's signed response."""
    from ..sync import import_enrollment_response

    v = ctx.vault()
    with _fingerprint_words():
        response = import_enrollment_response(v, source, server_fingerprint)
    click.echo(i18n.t("sync_cli.enrolled", server=response.server.fingerprint(), until=_when(response.lease_until)))


@device.command("show")
@pass_ctx
def device_show(ctx: Context) -> None:
    """Identificador y huella de este equipo / this laptop's id and fingerprint."""
    from ..sync import identity

    ident = identity(ctx.vault())
    click.echo(i18n.t("sync_cli.device_id", device=ident.device_id))
    click.echo(i18n.t("sync_cli.fingerprint", fingerprint=ident.fingerprint))
    if ident.enrolled:
        click.echo(i18n.t("sync_cli.server", server=ident.server_fingerprint, key_id=ident.server_key_id))
        click.echo(i18n.t("sync_cli.status_lease", until=_when(ident.lease_until),
                          state=_lease(ident.lease_state, ctx.vault())))
    else:
        click.echo(i18n.t("sync_cli.not_enrolled"))
