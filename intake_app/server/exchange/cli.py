"""``intake-server exchange …`` and ``intake-server export htcds``: registered into the
server's click group by :func:`register`. Messages are Spanish first (``--lang en``),
never with personal data: packages, cases and recipients are named by their ids."""

from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path

import click

from ... import i18n
from ...fsutil import atomic_write
pass_ctx = click.pass_obj  # the server CLI's Ctx (home, database, key file, secrets)

t = i18n.t
ACTOR = "operator"
SUPERVISOR = click.option("--supervisor", required=True,
                          help="Usuario supervisor, con su contraseña / supervising user, with their password.")


@contextmanager
def signed_in(c, username: str):
    """The supervisor, signed in with their password for this one command (the same lockout
    as the pages): whoever prepares, approves or sends a package is a named person of an
    institution, never the anonymous operator."""
    from ..auth import authenticate, login, logout, require_role

    engine, settings = c.engine(), c.settings()
    token, _ = login(engine, settings, username, c.password(confirm=False))
    try:
        yield require_role(authenticate(engine, settings, token), "supervisor")
    finally:
        logout(engine, token)


@click.group(name="exchange")
def exchange() -> None:
    """Intercambio entre instituciones y países / exchange between institutions and countries."""


@exchange.command(name="identity")
@click.argument("key")
@pass_ctx
def identity_cmd(c, key: str) -> None:
    """Qué institución del registro es este servidor / which registry entry this server is."""
    from .registry import set_self_key

    rec = set_self_key(c.engine(), key, actor=ACTOR)
    click.echo(t("exchange.identity_set", entry=rec.key, name=rec.label(i18n.language())))


@exchange.command(name="recipients")
@pass_ctx
def recipients_cmd(c) -> None:
    """Destinatarios, propósitos y llaves / recipients, purposes and keys."""
    from .registry import list_peers, load_registry

    peers = list_peers(c.engine())
    lang = i18n.language()
    click.echo(t("exchange.recipients_header"))
    for rec in load_registry():
        keys = peers.get(rec.key)
        click.echo("\t".join([rec.key, rec.country, ",".join(rec.purposes), ", ".join(map(_kind, rec.kinds)),
                              keys["fingerprint"] if keys else t("exchange.no_keys"), rec.label(lang)]))


def _kind(kind: str) -> str:
    return t("exchange.page.kind_" + kind)


@exchange.group(name="keys")
def keys_group() -> None:
    """Llaves públicas de intercambio / exchange public keys."""


@keys_group.command(name="export")
@click.option("--out", required=True, type=click.Path(dir_okay=False))
@pass_ctx
def keys_export(c, out: str) -> None:
    """Archivo firmado con las llaves públicas de este servidor / this server's signed public key file."""
    info = c.keystore().keys().public_info()
    atomic_write(Path(out), info.to_bytes())
    click.echo(t("exchange.keys_exported", path=out, fingerprint=info.fingerprint()))


@keys_group.command(name="import")
@click.argument("key")
@click.argument("file", type=click.Path(dir_okay=False, exists=True))
@click.option("--fingerprint", required=True, help="Huella leída en persona / fingerprint read aloud in person.")
@pass_ctx
def keys_import(c, key: str, file: str, fingerprint: str) -> None:
    """Importar la llave pública de otra institución, tras comparar su huella / import another institution's public key after comparing its fingerprint."""
    from .registry import import_peer_key

    peer = import_peer_key(c.engine(), key, Path(file).read_bytes(), fingerprint, actor=ACTOR)
    click.echo(t("exchange.keys_imported", entry=key, fingerprint=peer.fingerprint))


@exchange.command(name="prepare")
@click.option("--recipient", required=True)
@click.option("--purpose", required=True)
@click.option("--case", "cases", multiple=True, help="Id de caso (repetible) / case id (repeatable).")
@click.option("--period", default=None, help="Paquete agregado: 2026, 2026-Q3 o AAAA-MM-DD..AAAA-MM-DD.")
@SUPERVISOR
@pass_ctx
def prepare_cmd(c, recipient: str, purpose: str, cases: tuple[str, ...], period: str | None, supervisor: str) -> None:
    """Preparar un paquete (queda pendiente de la aprobación de otra persona) / prepare a package (awaits
    someone else's approval)."""
    from .outgoing import prepare_aggregate, prepare_referral

    engine = c.engine()
    with signed_in(c, supervisor) as who:
        if period:
            pkg = prepare_aggregate(engine, recipient, period, actor=who.actor, institution=who.institution)
        else:
            pkg = prepare_referral(engine, recipient, purpose, list(cases), actor=who.actor,
                                   institution=who.institution)
    click.echo(t("exchange.prepared", package=pkg.package_id, kind=pkg.kind, recipient=pkg.recipient_key,
                 purpose=pkg.purpose, cases=pkg.case_count))


@exchange.command(name="approve")
@click.argument("package_id")
@SUPERVISOR
@pass_ctx
def approve_cmd(c, package_id: str, supervisor: str) -> None:
    """Aprobación de un supervisor (con su contraseña) / a supervisor's approval (with their password)."""
    from .outgoing import approve

    with signed_in(c, supervisor) as who:
        pkg = approve(c.engine(), c.keystore(), package_id, approver=who.actor, approver_role=who.role,
                      institution=who.institution)
    click.echo(t("exchange.approved", package=pkg.package_id, supervisor=supervisor, sha256=pkg.sha256[:16]))


@exchange.command(name="list")
@click.option("--status", default=None, type=click.Choice(("prepared", "approved", "sent", "cancelled")))
@pass_ctx
def list_cmd(c, status: str | None) -> None:
    """Paquetes de intercambio preparados y enviados / exchange packages prepared and sent."""
    from .outgoing import list_packages

    found = list_packages(c.engine(), status)
    if not found:
        click.echo(t("exchange.list_empty"))
        return
    click.echo(t("exchange.list_header"))
    for p in found:
        click.echo("\t".join([p.package_id, _kind(p.kind), p.recipient_key, p.purpose,
                              t("exchange.page.state_" + p.status), str(p.case_count), p.prepared_by,
                              p.approved_by or "-"]))


@exchange.command(name="export")
@click.argument("package_id")
@click.option("--out", required=True, type=click.Path(dir_okay=False))
@SUPERVISOR
@pass_ctx
def export_cmd(c, package_id: str, out: str, supervisor: str) -> None:
    """Escribir un paquete aprobado para enviarlo / write an approved package to send it."""
    from .outgoing import export

    with signed_in(c, supervisor) as who:
        data = export(c.engine(), package_id, actor=who.actor, institution=who.institution)
    atomic_write(Path(out), data)
    click.echo(t("exchange.exported", package=package_id, path=out, size=len(data)))


@exchange.command(name="withdrawals")
@pass_ctx
def withdrawals_cmd(c) -> None:
    """Avisos firmados de retiro de consentimiento / signed consent-withdrawal notices."""
    from .outgoing import prepare_withdrawals

    made = prepare_withdrawals(c.engine(), c.keystore(), actor=ACTOR)
    for p in made:
        click.echo(t("exchange.withdrawal_ready", package=p.package_id, recipient=p.recipient_key, cases=p.case_count))
    if not made:
        click.echo(t("exchange.no_withdrawals"))


@exchange.command(name="inspect")
@click.argument("file", type=click.Path(dir_okay=False, exists=True))
def inspect_cmd(file: str) -> None:
    """Leer el manifiesto antes de importar / read the manifest before importing."""
    from .incoming import inspect
    from .manifest_words import manifest_rows

    words = manifest_rows(inspect(Path(file).read_bytes()), i18n.language())  # as the import page reads it
    for label, text in words["rows"]:
        click.echo(f"{label}: {text}")
    click.echo(f"{words['fields_label']}: {', '.join(words['fields'])}" if words["fields"] else words["fields_label"])


@exchange.command(name="import")
@click.argument("file", type=click.Path(dir_okay=False, exists=True))
@pass_ctx
def import_cmd(c, file: str) -> None:
    """Importar un paquete recibido / import a received package."""
    from .incoming import import_package

    r = import_package(c.engine(), c.keystore(), Path(file).read_bytes(), actor=ACTOR)
    click.echo(t("exchange.imported", package=r.package_id, kind=r.kind, sender=r.sender, cases=r.cases,
                 withdrawn=r.withdrawn))


@exchange.command(name="received")
@pass_ctx
def received_cmd(c) -> None:
    """Paquetes y registros recibidos (sin su contenido) / received packages and records (no content)."""
    from .incoming import list_received, list_received_cases

    engine = c.engine()
    packages, records = list_received(engine), list_received_cases(engine, include_withdrawn=True)
    if not packages and not records:
        click.echo(t("exchange.received_empty"))
        return
    if packages:
        click.echo(t("exchange.received_header"))
    for p in packages:
        click.echo("\t".join([p["package_id"], _kind(p["kind"]), p["sender_key"], p["purpose"],
                              str(p["case_count"])]))
    if records:
        click.echo(t("exchange.received_records_header"))
    for r in records:
        state = t("exchange.state_withdrawn") if r["withdrawn"] else t("exchange.state_active")
        click.echo("\t".join([str(r["id"]), r["sender_key"], r["sender_case_id"], r["purpose"], state]))


# --- export htcds -----------------------------------------------------------------------------
@click.group(name="export")
def export_group() -> None:
    """Exportaciones / exports."""


@export_group.command(name="htcds")
@click.option("--out", required=True, type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(("csv", "json")), default=None,
              help="Por defecto, según la extensión / default: from the file extension.")
@click.option("--k-anonymous", "k", type=int, default=None, flag_value=11, is_flag=False,
              help="Variante k-anónima (k = 11) / k-anonymized variant (k = 11).")
@pass_ctx
def export_htcds_cmd(c, out: str, fmt: str | None, k: int | None) -> None:
    """Casos en campos y valores HTCDS 2.0 / cases in HTCDS 2.0 field names and values."""
    from .. import audit
    from ..db import transaction
    from .htcds import export_htcds

    fmt = fmt or ("json" if out.lower().endswith(".json") else "csv")
    engine = c.engine()
    data, summary = export_htcds(engine, fmt, k=k)
    atomic_write(Path(out), data)
    with transaction(engine) as conn:
        audit.append(conn, ACTOR, "htcds_export", None, format=fmt, k=k, cases=summary["cases"],
                     released=summary.get("released", summary["cases"]))
    click.echo(t("exchange.htcds_written", path=out, rows=summary.get("released", summary["cases"]),
                 fmt=fmt, k=k or "-"))
    if k:
        click.echo(t("exchange.htcds_k_summary", dropped=summary["dropped_records"],
                     suppressed=json.dumps(summary["suppressed_values"], sort_keys=True)))


def register(cli: click.Group) -> None:
    """Add ``exchange`` and ``export`` to the server's command line."""
    cli.add_command(exchange)
    cli.add_command(export_group)
