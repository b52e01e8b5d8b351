"""``intake-server device …``: enrollment decisions, revocation and reinstatement of field
laptops, registered into the server's click group by :func:`register`. Devices are named by
their ids only: the whole id, or a unique beginning of at least 8 characters (the laptop's
``intake vault init`` prints the first 12)."""

from __future__ import annotations

import click

from .. import i18n
from .audit import operator_actor

pass_ctx = click.pass_obj  # the server CLI's Ctx (home, database, key file, secrets)


def full_id(engine, text: str) -> str:
    """The device id ``text`` names, checked before any passphrase is asked: none is
    DeviceIdUnknown (a beginning under 8 characters is refused saying so), an ambiguous
    beginning is refused with the candidates."""
    from ..cli.common import Refused
    from .devices import MIN_PREFIX, resolve_id
    from .errors import DeviceIdUnknown

    found = resolve_id(engine, text)
    if len(found) > 1:
        raise Refused(i18n.t("server.device_id_ambiguous", prefix=text, count=len(found),
                             devices=", ".join(found[:5]) + (", …" if len(found) > 5 else "")))
    if not found and len(text) < MIN_PREFIX:
        raise Refused(i18n.t("server.device_id_too_short", device=text, min=MIN_PREFIX))
    if not found:
        raise DeviceIdUnknown(device_id=text)
    return found[0]


def same_fingerprint(requested: str, given: str | None) -> bool:
    """Whether the operator compared the request's fingerprint with the laptop's screen:
    ``--fingerprint`` (any case, dashes and spaces aside) must be it, else a question at a
    terminal. Without both, anyone who sent a request under a laptop's id first would be
    approved in its place. Piped without ``--fingerprint``: refused, exit 2."""
    from ..cli.common import Refused, confirm, interactive
    from .devices import same_fingerprint_code
    from .errors import DeviceFingerprintMismatch

    if given is not None:
        if not same_fingerprint_code(requested, given):
            raise DeviceFingerprintMismatch()
        return True
    if not interactive():
        raise Refused(i18n.t("server.device_fingerprint_needed"))
    click.echo(i18n.t("server.device_fingerprint_compare", fingerprint=requested), err=True)
    if confirm(i18n.t("server.device_fingerprint_same")):
        return True
    click.echo(i18n.t("server.device_not_approved"), err=True)
    return False


@click.group()
def device() -> None:
    """Equipos de campo / field laptops."""


@device.command(name="list")
@pass_ctx
def device_list(c) -> None:
    """Equipos, su estado y su plazo sin conexión / laptops, their state and offline lease."""
    from ..codebook import load_codebook
    from ..timefmt import utc_time_iso
    from .devices import iso, list_devices

    settings = c.settings()
    found = list_devices(c.engine())
    if not found:
        click.echo(i18n.t("server.device_list_empty"))
        return
    posts, lang = load_codebook().vocab("border_posts"), i18n.language()
    click.echo(i18n.t("server.device_list_header"))
    for d in found:
        lease = d.lease_until(settings.lease_days)
        post = posts.label(d.post, lang) if d.post in posts else (d.post or "-")
        click.echo(f"{d.device_id}\t{i18n.t('server.device_state.' + d.status)}\t{d.fingerprint}\t{post}\t"
                   f"{utc_time_iso(iso(lease)) if lease else '-'}")


@device.command(name="show")
@click.argument("device_id")
@pass_ctx
def device_show(c, device_id: str) -> None:
    """Un equipo en detalle / one laptop in detail."""
    from ..codebook import load_codebook
    from ..timefmt import utc_time_iso
    from .devices import device_info, iso, learned_revocation

    settings, engine = c.settings(), c.engine()
    d = device_info(engine, full_id(engine, device_id))
    posts = load_codebook().vocab("border_posts")

    def when(moment) -> str:
        return utc_time_iso(iso(moment)) if moment else "-"

    click.echo(i18n.t("server.device_show", device=d.device_id, state=i18n.t("server.device_state." + d.status),
                      fingerprint=d.fingerprint, post=posts.label(d.post, i18n.language()) if d.post in posts
                      else (d.post or "-"), requested=when(d.requested_at), approved=when(d.approved_at),
                      revoked=when(d.revoked_at), contact=when(d.last_contact_at),
                      lease=when(d.lease_until(settings.lease_days)) if d.status == "active" else "-"))
    if d.status == "revoked":  # has the lost laptop learned it (and locked), or not yet?
        click.echo(i18n.t("server.device_learned_revocation" if learned_revocation(d)
                          else "server.device_not_yet_learned_revocation"))


@device.command(name="approve")
@click.argument("device_id")
@click.option("--dir", "directory", type=click.Path(file_okay=False, exists=True),
              help="Escribir la respuesta en esta memoria / write the response to this stick.")
@click.option("--fingerprint", default=None,
              help="La huella que muestra el equipo, para compararla (sin terminal, obligatoria) / the fingerprint the "
                   "laptop shows, to compare (required without a terminal).")
@pass_ctx
def device_approve(c, device_id: str, directory: str | None, fingerprint: str | None) -> None:
    """Aprobar tras comparar la huella / approve after comparing the fingerprint."""
    from .devices import approve, device_info
    from .errors import DeviceApproveRevoked
    from .usb import check_response_slot, write_enrollment_response, write_on_stick

    settings, engine = c.settings(), c.engine()
    device_id = full_id(engine, device_id)
    info = device_info(engine, device_id)
    if info.status == "revoked":  # before the passphrase is asked
        raise DeviceApproveRevoked(device_id=device_id)
    if not same_fingerprint(info.fingerprint, fingerprint):
        return
    keystore = c.keystore()
    if directory:  # another server's response on the stick: refused before anything is approved
        check_response_slot(directory, device_id, keystore.keys().signing_public)
    response = approve(engine, keystore, device_id, actor=operator_actor(), lease_days=settings.lease_days,
                       fingerprint=info.fingerprint)  # the one compared: checked again under the row's lock
    click.echo(i18n.t("server.device_approved", device=device_id))
    if directory:
        path = write_on_stick(write_enrollment_response, directory, device_id, response)
        click.echo(i18n.t("server.response_written", path=str(path)))


@device.command(name="refuse")
@click.argument("device_id")
@pass_ctx
def device_refuse(c, device_id: str) -> None:
    """Rechazar una solicitud de inscripción / refuse an enrollment request."""
    from .devices import refuse

    engine = c.engine()
    device_id = full_id(engine, device_id)
    changed = refuse(engine, device_id, actor=operator_actor())  # an active or revoked laptop: refused in words
    click.echo(i18n.t("server.device_refused" if changed else "server.device_already_refused", device=device_id))


@device.command(name="clear-pending")
@click.option("--older-than-hours", type=click.IntRange(0, 24 * 365), default=None,
              help="Solo las que esperan hace más de tantas horas / only those waiting longer than this.")
@pass_ctx
def device_clear_pending(c, older_than_hours: int | None) -> None:
    """Olvidar solicitudes de inscripción en espera / forget waiting enrollment requests."""
    from datetime import timedelta

    from .devices import clear_pending

    older = timedelta(hours=older_than_hours) if older_than_hours is not None else None
    count = clear_pending(c.engine(), actor=operator_actor(), older_than=older)
    click.echo(i18n.t("server.pending_cleared", count=count))


@device.command(name="revoke")
@click.argument("device_id")
@click.option("--yes", "assume_yes", is_flag=True, help="Sin preguntar / do not ask for confirmation (scripts).")
@pass_ctx
def device_revoke(c, device_id: str, assume_yes: bool) -> None:
    """Revocar un equipo perdido (pide confirmación) / revoke a lost laptop (asks to confirm)."""
    from ..cli.common import confirm
    from ..timefmt import utc_time_iso
    from .devices import device_info, iso, revoke

    engine = c.engine()
    device_id = full_id(engine, device_id)
    d = device_info(engine, device_id)
    if d.status == "revoked":
        click.echo(i18n.t("server.device_already_revoked", device=device_id,
                          revoked=utc_time_iso(iso(d.revoked_at)) if d.revoked_at else "-"))
        return
    if not assume_yes:  # a wrong beginning of an id would lock a laptop in the field
        click.echo(i18n.t("server.device_revoke_check", device=device_id, post=_post(d.post),
                          contact=utc_time_iso(iso(d.last_contact_at)) if d.last_contact_at else "-",
                          state=i18n.t("server.device_state." + d.status)))
        if not confirm(i18n.t("server.device_revoke_confirm", device=device_id)):
            click.echo(i18n.t("server.device_revoke_kept", device=device_id))
            return
    if revoke(engine, device_id, actor=operator_actor()):
        click.echo(i18n.t("server.device_revoked", device=device_id))
    else:  # revoked meanwhile by another administrator
        click.echo(i18n.t("server.device_already_revoked", device=device_id, revoked="-"))


def _post(code: str | None) -> str:
    from ..codebook import load_codebook

    posts = load_codebook().vocab("border_posts")
    return posts.label(code, i18n.language()) if code in posts else (code or "-")


@device.command(name="reinstate")
@click.argument("device_id")
@click.option("--dir", "directory", type=click.Path(file_okay=False, exists=True),
              help="Escribir el estado firmado en esta memoria / write the signed status to this stick.")
@pass_ctx
def device_reinstate(c, device_id: str, directory: str | None) -> None:
    """Reactivar un equipo revocado por error / reinstate a laptop revoked by mistake."""
    from .devices import reinstate, status_bytes
    from .errors import DeviceNotRevoked
    from .usb import write_on_stick, write_status

    engine = c.engine()
    device_id = full_id(engine, device_id)
    try:
        reinstate(engine, device_id, actor=operator_actor())
        click.echo(i18n.t("server.device_reinstated", device=device_id))
    except DeviceNotRevoked as err:  # as revoking a revoked laptop: said, nothing changed, exit 0
        if err.params.get("reason") != "active":  # a waiting request is approved, never reinstated
            raise
        click.echo(i18n.t("server.device_already_active", device=device_id))
    if directory:
        # an administrator's act, not the laptop's: no contact (its next sync is one)
        data = status_bytes(engine, c.keystore(), device_id, lease_days=c.settings().lease_days, contact=False)
        click.echo(i18n.t("server.status_written", path=str(write_on_stick(write_status, directory, device_id, data))))


def register(cli: click.Group) -> None:
    cli.add_command(device)
