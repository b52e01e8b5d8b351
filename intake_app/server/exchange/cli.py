"""``intake-server exchange …`` and ``intake-server export htcds``: registered into the
server's click group by :func:`register`. Messages are Spanish first (``--lang en``),
never with personal data: packages, cases and recipients are named by their ids."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

import click

from ... import i18n
from ...cli.common import case_id_param  # ids as the laptop's CLI takes them: yhnksfp5gp08 is YHNK-SFP5-GP08
from ...fsutil import atomic_write, atomic_writer
from ...numbers import group
from ...timefmt import local_time_iso
from ..audit import operator_actor
from .errors import PackageAlreadyReceived, PackageWrongState
from .cli_export import FORCE
from .htcds import K as HTCDS_K  # the k of the analysts' web export too: one value, everywhere

pass_ctx = click.pass_obj  # the server CLI's Ctx (home, database, key file, secrets)

t = i18n.t
SUPERVISOR = click.option("--supervisor", required=True,
                          help="Usuario supervisor, con su contraseña / supervising user, with their password.")


@contextmanager
def next_step(package_id: str):
    """A package in the wrong state is refused in words (the catalog's, as on the pages),
    then the command that moves it on, if there is one."""
    try:
        yield
    except PackageWrongState as err:
        click.echo(t("cli.error_prefix") + " " + i18n.describe_error(err), err=True)
        hint = "exchange.next." + str(err.params.get("state"))
        if hint in i18n.catalog(i18n.language()):
            click.echo(t(hint, package=package_id), err=True)
        raise SystemExit(2) from None


def _lang() -> str:
    return i18n.language()


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
@click.option("--yes", "assume_yes", is_flag=True,
              help="Cambiarla aunque ya se hayan preparado, enviado o recibido paquetes (nunca mientras un retiro "
                   "del consentimiento aún pueda tener que llegar a lo enviado) / change it even though packages were "
                   "already prepared, sent or received (never while a withdrawal of consent could still have to "
                   "reach what was sent).")
@pass_ctx
def identity_cmd(c, key: str, assume_yes: bool) -> None:
    """Qué institución del registro es este servidor / which registry entry this server is."""
    from .registry import set_self_key

    # once packages went or came under another entry, only with --yes (the refusal says what changes)
    rec = set_self_key(c.engine(), key, actor=operator_actor(), confirmed=assume_yes)
    click.echo(t("exchange.identity_set", entry=rec.key, name=rec.label(i18n.language())))


@exchange.command(name="recipients")
@pass_ctx
def recipients_cmd(c) -> None:
    """Destinatarios, propósitos y llaves / recipients, purposes and keys."""
    from .manifest_words import purpose_label
    from .registry import list_peers, load_registry

    peers = list_peers(c.engine())
    lang = i18n.language()
    click.echo(t("exchange.recipients_header"))
    for rec in load_registry():
        keys = peers.get(rec.key)
        click.echo("\t".join([rec.key, rec.country, "; ".join(purpose_label(p, lang) for p in rec.purposes),
                              ", ".join(map(_kind, rec.kinds)),
                              keys["fingerprint"] if keys else t("exchange.no_keys"), rec.label(lang)]))


def _kind(kind: str) -> str:
    return t("exchange.page.kind_" + kind)


@exchange.group(name="keys")
def keys_group() -> None:
    """Llaves públicas de intercambio / exchange public keys."""


@keys_group.command(name="export")
@click.option("--out", required=True, type=click.Path(dir_okay=False),
              help="Archivo de llaves públicas a escribir / public key file to write.")
@FORCE
@pass_ctx
def keys_export(c, out: str, force: bool) -> None:
    """Archivo firmado con las llaves públicas de este servidor / this server's signed public key file."""
    from .cli_export import check_new_file

    check_new_file(out, force)  # before the passphrase is asked
    info = c.keystore().keys().public_info()
    atomic_write(Path(out), info.to_bytes())
    click.echo(t("exchange.keys_exported", path=out, fingerprint=info.fingerprint()))


@keys_group.command(name="import")
@click.argument("key")
@click.argument("file", type=click.Path(dir_okay=False, exists=True))
@click.option("--fingerprint", required=True, help="Huella leída en persona / fingerprint read aloud in person.")
@click.option("--replace", is_flag=True,
              help="Reemplazar la llave ya verificada de esa institución (tras verificar la nueva en persona) / "
                   "replace that institution's already verified key (after verifying the new one in person).")
@pass_ctx
def keys_import(c, key: str, file: str, fingerprint: str, replace: bool) -> None:
    """Importar la llave pública de otra institución, tras comparar su huella / import another institution's public key after comparing its fingerprint."""
    from .registry import import_peer_key_checked

    own = c.keystore().keys().signing_public  # never this server's own file as another's
    done = import_peer_key_checked(c.engine(), key, Path(file).read_bytes(), fingerprint, actor=operator_actor(), own=own,
                                   replace=replace)
    new = done.peer.fingerprint
    if done.old_fingerprint is None:
        click.echo(t("exchange.keys_imported", entry=key, fingerprint=new))
    elif done.unchanged:  # the same file again: nothing to update
        click.echo(t("exchange.keys_unchanged", entry=key, fingerprint=new))
    elif done.old_fingerprint == new:
        click.echo(t("exchange.keys_refreshed", entry=key, fingerprint=new))
    else:
        click.echo(t("exchange.keys_replaced", entry=key, old=done.old_fingerprint, fingerprint=new))


@keys_group.command(name="remove")
@click.argument("key")
@click.option("--yes", "assume_yes", is_flag=True, help="Sin preguntar / do not ask for confirmation (scripts).")
@pass_ctx
def keys_remove(c, key: str, assume_yes: bool) -> None:
    """Retirar la llave de otra institución (servidor perdido o comprometido) / remove another institution's key
    (a lost or compromised server)."""
    from ...cli.common import confirm as ask
    from .registry import list_peers, remove_peer_key

    engine = c.engine()
    known = list_peers(engine).get(key)
    if known is not None and not assume_yes:
        click.echo(t("exchange.keys_remove_check", entry=key, fingerprint=known["fingerprint"]))
        if not ask(t("exchange.keys_remove_confirm", entry=key)):
            click.echo(t("exchange.keys_remove_kept", entry=key))
            return
    old = remove_peer_key(engine, key, actor=operator_actor())  # no key: RecipientHasNoKeys, worded
    click.echo(t("exchange.keys_removed", entry=key, fingerprint=old))


@exchange.command(name="prepare")
@click.option("--recipient", required=True,
              help="Código de la institución destinataria (intake-server exchange recipients) / recipient institution code.")
@click.option("--purpose", default=None,
              help="Referencia: services o prosecution; un paquete agregado es siempre reporting / referral: "
                   "services or prosecution; an aggregate package is always reporting.")
@click.option("--case", "cases", multiple=True, callback=case_id_param,
              help="Id de caso (repetible; en mayúsculas o minúsculas, con o sin guiones) / case id (repeatable; "
                   "any case, with or without dashes).")
@click.option("--period", default=None,
              help="Paquete de cifras agregadas: un año (2026), un trimestre (2026-Q3 o T3 2026) o varios "
                   "(2026-Q1..2026-Q3) / aggregate package: a year (2026), a quarter (2026-Q3 or Q3 2026) or "
                   "several (2026-Q1..2026-Q3).")
@SUPERVISOR
@pass_ctx
def prepare_cmd(c, recipient: str, purpose: str | None, cases: tuple[str, ...], period: str | None,
                supervisor: str) -> None:
    """Preparar un paquete (queda pendiente de la aprobación de otra persona) / prepare a package (awaits
    someone else's approval)."""
    from .aggregate import check_closed, parse_period
    from .manifest_words import institution, kind_label, period_label, purpose_label
    from .outgoing import prepare_aggregate, prepare_referral

    if period is not None:  # contradictions are refused before the password is asked
        if cases:
            raise click.UsageError(t("exchange.prepare_period_and_cases"))
        if purpose not in (None, "reporting"):
            raise click.UsageError(t("exchange.prepare_aggregate_purpose", purpose=purpose))
        check_closed(period, parse_period(period)[1])
    elif purpose is None:
        raise click.UsageError(t("exchange.prepare_needs_purpose"))
    elif not cases:
        raise click.UsageError(t("exchange.prepare_needs_cases"))
    engine = c.engine()
    with signed_in(c, supervisor) as who:
        if period is not None:
            pkg = prepare_aggregate(engine, recipient, period, actor=who.actor, institution=who.institution,
                                    role=who.role)
        else:
            pkg = prepare_referral(engine, recipient, purpose, list(cases), actor=who.actor,
                                   institution=who.institution, role=who.role)
    lang = _lang()
    words = dict(package=pkg.package_id, kind=kind_label(pkg.kind, lang),
                 recipient=institution(pkg.recipient_key, lang), purpose=purpose_label(pkg.purpose, lang, pkg.kind),
                 cases=pkg.case_count)
    if pkg.kind == "aggregate":
        click.echo(t("exchange.prepared_aggregate", period=period_label(pkg.spec.get("period", ""), lang), **words))
    else:
        click.echo(t("exchange.prepared", **words))
    click.echo(t("exchange.next.prepared", package=pkg.package_id))


@exchange.command(name="approve")
@click.argument("package_id")
@SUPERVISOR
@pass_ctx
def approve_cmd(c, package_id: str, supervisor: str) -> None:
    """Aprobación de un supervisor (con su contraseña) / a supervisor's approval (with their password)."""
    from .outgoing import approve

    with next_step(package_id), signed_in(c, supervisor) as who:
        pkg = approve(c.engine(), c.keystore(), package_id, approver=who.actor, approver_role=who.role,
                      institution=who.institution)
    click.echo(t("exchange.approved", package=pkg.package_id, supervisor=supervisor, sha256=pkg.sha256[:16]))
    click.echo(t("exchange.next.approved", package=pkg.package_id))


@exchange.command(name="cancel")
@click.argument("package_id")
@SUPERVISOR
@click.option("--yes", "assume_yes", is_flag=True, help="Sin preguntar / do not ask for confirmation (scripts).")
@pass_ctx
def cancel_cmd(c, package_id: str, supervisor: str, assume_yes: bool) -> None:
    """Anular un paquete preparado o aprobado (borra sus datos cifrados) / cancel a prepared or approved package
    (drops its sealed data)."""
    from ...cli.common import confirm as ask
    from .manifest_words import institution, kind_label, state_label
    from .errors import PackageUnknown
    from .outgoing import audit_unknown, cancel, get_package

    engine, lang = c.engine(), _lang()
    with next_step(package_id), signed_in(c, supervisor) as who:
        try:
            pkg = get_package(engine, package_id, institution=who.institution)
        except PackageUnknown as err:  # another institution's (or none such): audited as the pages do
            audit_unknown(engine, err, actor=who.actor, role=who.role, attempt="package_cancel")
            raise
        if not assume_yes and pkg.status in ("prepared", "approved"):
            click.echo(t("exchange.cancel_check", package=pkg.package_id, kind=kind_label(pkg.kind, lang),
                         recipient=institution(pkg.recipient_key, lang), state=state_label(pkg.status, lang),
                         cases=pkg.case_count))
            if not ask(t("exchange.cancel_confirm", package=pkg.package_id)):
                click.echo(t("exchange.cancel_kept", package=pkg.package_id))
                return
        cancel(engine, package_id, actor=who.actor, institution=who.institution)
    click.echo(t("exchange.cancelled", package=package_id))


@exchange.command(name="list")
@click.option("--status", default=None, type=click.Choice(("prepared", "approved", "sent", "cancelled")),
              help="Solo los paquetes en este estado / only packages in this state.")
@pass_ctx
def list_cmd(c, status: str | None) -> None:
    """Paquetes de intercambio preparados y enviados / exchange packages prepared and sent."""
    from .manifest_words import person, purpose_label, state_label
    from .outgoing import list_packages

    found = list_packages(c.engine(), status)
    if not found:
        click.echo(t("exchange.list_empty"))
        return
    lang = _lang()
    click.echo(t("exchange.list_header"))
    for p in found:
        click.echo("\t".join([p.package_id, _kind(p.kind), p.recipient_key, purpose_label(p.purpose, lang, p.kind),
                              state_label(p.status, lang), str(p.case_count), person(p.prepared_by, lang),
                              person(p.approved_by, lang)]))


@exchange.command(name="export")
@click.argument("package_id")
@click.option("--out", required=True, type=click.Path(dir_okay=False),
              help="Archivo del paquete a escribir / package file to write.")
@SUPERVISOR
@FORCE
@pass_ctx
def export_cmd(c, package_id: str, out: str, supervisor: str, force: bool) -> None:
    """Escribir un paquete aprobado para enviarlo / write an approved package to send it."""
    from .cli_export import check_new_file
    from .outgoing import export

    check_new_file(out, force)  # before the password, and before the package is marked sent
    with next_step(package_id), signed_in(c, supervisor) as who, atomic_writer(Path(out)) as fh:
        def write(data: bytes) -> None:  # on disk (a full stick fails here) before it is marked sent
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        data = export(c.engine(), package_id, actor=who.actor, institution=who.institution, write=write)
    click.echo(t("exchange.exported", package=package_id, path=out, size=len(data)))


@exchange.command(name="withdrawals")
@pass_ctx
def withdrawals_cmd(c) -> None:
    """Avisos firmados de retiro de consentimiento / signed consent-withdrawal notices."""
    from .outgoing import prepare_withdrawals

    from .manifest_words import institution

    made = prepare_withdrawals(c.engine(), c.keystore(), actor=operator_actor())
    for p in made:
        click.echo(t("exchange.withdrawal_ready", package=p.package_id, recipient=institution(p.recipient_key, _lang()),
                     cases=p.case_count))
        click.echo(t("exchange.next.approved", package=p.package_id))  # a notice needs no approval: export it
    if not made:
        click.echo(t("exchange.no_withdrawals"))


def read_package(file: str) -> bytes:
    """A package file, refused past the size any sender writes (as the pages refuse an
    upload) before it is read whole: a wrong file (a disk image) never fills the memory."""
    from .envelope import MAX_PACKAGE
    from .errors import PackageMalformed

    with open(file, "rb") as f:
        if os.fstat(f.fileno()).st_size > MAX_PACKAGE:
            raise PackageMalformed(part="file_size")
        data = f.read(MAX_PACKAGE + 1)  # a pipe or a device has no size to ask
    if len(data) > MAX_PACKAGE:
        raise PackageMalformed(part="file_size")
    return data


@exchange.command(name="inspect")
@click.argument("file", type=click.Path(dir_okay=False, exists=True))
def inspect_cmd(file: str) -> None:
    """Leer el manifiesto antes de importar / read the manifest before importing."""
    from .incoming import inspect
    from .manifest_words import manifest_rows

    words = manifest_rows(inspect(read_package(file)), i18n.language())  # as the import page reads it
    for label, text in words["rows"]:
        click.echo(f"{label}: {text}")
    click.echo(f"{words['fields_label']}: {', '.join(words['fields'])}" if words["fields"] else words["fields_label"])


@exchange.command(name="import")
@click.argument("file", type=click.Path(dir_okay=False, exists=True))
@click.option("--supervisor", default=None,
              help="Importar a nombre de este usuario supervisor, con su contraseña (si no, queda como el operador) / "
                   "import in this supervising user's name, with their password (otherwise as the operator).")
@pass_ctx
def import_cmd(c, file: str, supervisor: str | None) -> None:
    """Importar un paquete recibido / import a received package."""
    from .incoming import import_package
    from .manifest_words import imported_words

    data, engine, keystore = read_package(file), c.engine(), c.keystore()
    try:
        if supervisor is None:
            r = import_package(engine, keystore, data, actor=operator_actor())
        else:  # audited in their name; one of another institution may not (as on the page)
            with signed_in(c, supervisor) as who:
                r = import_package(engine, keystore, data, actor=who.actor, institution=who.institution)
    except PackageAlreadyReceived as err:  # when, as a clock reads here
        err.params["received_at"] = local_time_iso(str(err.params.get("received_at", "")))
        raise
    lang = _lang()
    click.echo(imported_words(r, lang))
    if r.dropped:  # an older sender still sends fields withheld with a withheld one (docs/exchange.md)
        click.echo(t("exchange.imported_withheld_dropped", dropped=group(r.dropped, lang)))


@exchange.command(name="received")
@click.option("--tables", "tables_of", default=None, metavar="ID",
              help="Las tablas de un paquete agregado recibido (consulta registrada) / a received aggregate "
                   "package's tables (the view is logged).")
@pass_ctx
def received_cmd(c, tables_of: str | None) -> None:
    """Paquetes y registros recibidos (sin su contenido) / received packages and records (no content)."""
    from .incoming import list_received, list_received_cases, open_received_tables
    from .manifest_words import purpose_label

    engine, lang = c.engine(), _lang()
    if tables_of is not None:
        from .received_tables import text_lines

        pkg = open_received_tables(engine, tables_of, actor=operator_actor(), role="operator")
        click.echo("\n".join(text_lines(pkg, lang)))
        return
    packages, records = list_received(engine), list_received_cases(engine, include_withdrawn=True)
    if not packages and not records:
        click.echo(t("exchange.received_empty"))
        return
    if packages:
        click.echo(t("exchange.received_header"))
    for p in packages:
        click.echo("\t".join([p["package_id"], _kind(p["kind"]), p["sender_key"],
                              purpose_label(p["purpose"], lang, p["kind"]), str(p["case_count"])]))
    if records:
        click.echo(t("exchange.received_records_header"))
    for r in records:
        state = t("exchange.state_withdrawn") if r["withdrawn"] else t("exchange.state_active")
        click.echo("\t".join([str(r["id"]), r["sender_key"], r["sender_case_id"], purpose_label(r["purpose"], lang),
                              state]))


def register(cli: click.Group) -> None:
    """Add ``exchange`` and ``export`` to the server's command line."""
    from .cli_export import export_group

    cli.add_command(exchange)
    cli.add_command(export_group)
