"""``intake case add|show|list|search``."""

from __future__ import annotations

import json
import sys

import click

from .. import i18n
from ..codebook.present import present
from ..screening import describe, screen
from ..sync.state import check_lease_for_new_intake
from . import cli
from .common import Context, Refused, case_id_param, case_lookup, interactive, pass_ctx

JSON_HELP = "Archivo JSON con las respuestas («-»: entrada estándar) / JSON file with the answers («-»: stdin)."
MIN_PARENT = 12  # the revision id ``case show`` prints
MAX_COUNT = 1_000_000_000  # --limit / --offset: far past any vault, well inside SQLite's 64-bit integers


@cli.group()
def case() -> None:
    """Casos / cases."""


def _load_json(path: str) -> dict:
    try:
        with (sys.stdin if path == "-" else open(path, encoding="utf-8")) as fh:
            data = json.load(fh)
    except FileNotFoundError:
        raise click.UsageError(i18n.t("cli.json_missing", path=path)) from None
    except (OSError, ValueError):
        raise click.UsageError(i18n.t("cli.bad_json")) from None
    if not isinstance(data, dict):
        raise click.UsageError(i18n.t("cli.bad_json"))
    return {k: v for k, v in data.items() if not k.startswith("_")}  # "_comment" keys in samples


@case.command("add")
@click.option("--json", "json_file", required=True, type=click.Path(dir_okay=False, allow_dash=True), help=JSON_HELP)
@pass_ctx
def case_add(ctx: Context, json_file: str) -> None:
    """Registra un caso desde JSON e imprime su identificador / add a case, print its id."""
    data = _load_json(json_file)  # a missing or bad file is said before the passphrase is asked
    v = ctx.vault()
    check_lease_for_new_intake(v)  # as in the desktop app: past the lease, sync first
    result = v.save_case(data)
    click.echo(result.case_id)
    for hint in result.duplicates:
        reasons = ", ".join(i18n.t("duplicate." + r) for r in hint.reasons)
        click.echo(i18n.t("cli.duplicate_hint", case=hint.case_id, reasons=reasons), err=True)


def _parent(v, case_id: str, parent: str) -> str:
    """``--parent`` as given, or the current revision's full id when it is a prefix of it of
    at least :data:`MIN_PARENT` characters (what ``case show`` prints). Only the current
    revision is looked at, so an older one is still refused as a concurrent edit; and
    ``save_case`` compares again inside its transaction."""
    typed = parent.strip().lower()
    if len(typed) < MIN_PARENT:
        raise Refused(i18n.t("cli.parent_too_short", count=MIN_PARENT))
    head = v.get_case(case_id).revision_id
    return head if head.startswith(typed) else parent


@case.command("edit")
@click.argument("case_id", callback=case_id_param)
@click.option("--json", "json_file", required=True, type=click.Path(dir_okay=False, allow_dash=True), help=JSON_HELP)
@click.option("--parent", default=None,
              help="Revisión que se editó, como la muestra «case show» (al menos 12 caracteres); si el caso cambió "
                   "después, no se guarda / revision edited, as «case show» prints it (12 characters or more); if the "
                   "case changed since, nothing is saved.")
@pass_ctx
def case_edit(ctx: Context, case_id: str, json_file: str, parent: str | None) -> None:
    """Guarda una nueva revisión de un caso / save a new revision of a case."""
    data = _load_json(json_file)
    v = ctx.vault()
    with case_lookup(case_id):
        if parent is not None:
            parent = _parent(v, case_id, parent)
        result = v.save_case(data, case_id=case_id, parent_revision=parent)
    click.echo(result.revision_id)


@case.command("show")
@click.argument("case_id", callback=case_id_param)
@click.option("--json", "as_json", is_flag=True, help="Respuestas en JSON / answers as JSON.")
@pass_ctx
def case_show(ctx: Context, case_id: str, as_json: bool) -> None:
    """Muestra el registro actual de un caso / show a case's current record."""
    v = ctx.vault()
    with case_lookup(case_id):
        rec = v.view_case(case_id)
    if as_json:
        click.echo(json.dumps({"case_id": rec.case_id, "revision_id": rec.revision_id, "content": rec.content,
                               "derived": rec.derived}, ensure_ascii=False, indent=2))
        return
    lang = i18n.language()
    cb = v.codebook_for(rec.codebook_version)
    click.echo(i18n.t("cli.case_header", case=rec.case_id, revision=rec.revision_id[:12],
                      count=rec.revision_count, version=rec.codebook_version))
    for section, rows in present(cb, rec.content, lang):
        click.echo(f"\n== {section} ==")
        for label, value in rows:
            sep = " " if label.endswith(("?", ":")) else ": "  # "¿qué le ocurrió? Captación", not "?:"
            click.echo(f"  {label}{sep}{value}")
    click.echo(f"\n== {i18n.t('screening.title', lang)} ==")
    described = describe(cb, screen(cb, rec.content), lang)
    if not described:
        click.echo("  " + i18n.t("screening.none", lang))
    for text, reasons in described:
        click.echo(f"  • {text}")
        for line in reasons:
            click.echo(f"      - {line}")
    click.echo("  " + i18n.t("screening.disclaimer", lang))


def _columns() -> list[tuple[str, int]]:
    """Each column's heading, in the language in use, and its width: the widest value a row
    prints there (a post cut at 28 characters, a gender at 14), or the heading if wider."""
    headings = (i18n.t("cli.case_col_case"), i18n.t("cli.case_col_date"), i18n.t("cli.case_col_post"),
                i18n.t("cli.case_col_gender"), i18n.t("cli.case_col_age"), i18n.t("cli.case_col_citizenship"),
                i18n.t("cli.case_col_marks"), i18n.t("cli.case_col_sync"))
    return [(h, max(len(h), w)) for h, w in zip(headings, (14, 10, 28, 14, 6, 2, 7, 0))]


def _line(cells, widths) -> str:
    """One line of the list: every cell but the last padded to its column's width."""
    return "  ".join(cell.ljust(width) for cell, width in zip(cells[:-1], widths)) + "  " + cells[-1]


def _print_rows(v, rows) -> None:
    """The rows on stdout, under their headings on stderr (stdout stays the rows, for a script)."""
    cb, lang = v.codebook, i18n.language()
    columns = _columns()
    widths = [w for _, w in columns]
    if rows:
        click.echo(_line([h for h, _ in columns], widths), err=True)
    for r in rows:
        flags = "".join(ch for bit, ch in ((1, "T"), (2, "M"), (4, "A"), (8, "U"), (16, "<18")) if r.flags & bit)
        post = cb.vocab("border_posts").label(r.border_post, lang) if r.border_post else ""
        gender = cb.vocab("genders").label(r.gender, lang) if r.gender else ""
        click.echo(_line([r.case_id, r.record_date or "", post[:28], gender[:14], r.age_band or "",
                          r.citizenship or "", flags, i18n.t("sync." + r.sync_state)], widths))
    if any(r.flags & 31 for r in rows):  # what the letters mean, beside the count (stdout stays the rows)
        click.echo(i18n.t("cli.case_flags_legend"), err=True)


LIMIT_HELP = "Cuántos casos como máximo / at most this many cases."


@case.command("list")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(min=1, max=MAX_COUNT),
              help=LIMIT_HELP)
@click.option("--offset", default=0, show_default=True, type=click.IntRange(min=0, max=MAX_COUNT),
              help="Saltar los primeros N (páginas) / skip the first N (pages).")
@click.option("--filter", "filter_", type=click.Choice(["all", "pending", "review", "conflict"]), default="all",
              show_default=True, help="all: todos / every case; pending: por enviar / not yet sent; review: para "
                                      "revisar / to review; conflict: en conflicto / in conflict.")
@pass_ctx
def case_list(ctx: Context, limit: int, offset: int, filter_: str) -> None:
    """Lista casos, los más recientes primero (sin nombres) / list cases (no names)."""
    v = ctx.vault()
    rows = v.list_cases(offset=offset, limit=limit, filter="" if filter_ == "all" else filter_)
    _print_rows(v, rows)
    if not rows:
        click.echo(i18n.t("cli.case_list_empty"), err=True)
    click.echo(i18n.t("cli.case_count", count=v.count_cases()), err=True)


def _search_text() -> str:
    """The search text typed at a prompt, or the next line of standard input (a script): a
    name on the command line stays in the shell's history and, while the command runs, in
    the process list any user of the laptop can read."""
    if interactive():
        text = click.prompt(i18n.t("cli.case_search_prompt"), default="", show_default=False, err=True)
    else:
        text = sys.stdin.readline()
    if not text.strip():
        raise Refused(i18n.t("cli.case_search_no_text"))
    return text.strip()


@case.command("search")
@click.argument("text", required=False)
@click.option("--limit", default=50, show_default=True, type=click.IntRange(min=1, max=MAX_COUNT),
              help=LIMIT_HELP)
@pass_ctx
def case_search(ctx: Context, text: str | None, limit: int) -> None:
    """Busca por nombres o número de documento; sin TEXT (o con -) lo pide o lo lee de la
    entrada, y no queda en el historial ni a la vista de otros usuarios / search names and
    document numbers; without TEXT (or with -) it is asked for or read from standard input,
    kept out of the shell history and other users' sight."""
    v = ctx.vault()
    if text in (None, "-"):
        text = _search_text()
    rows = v.search(text, limit=limit, audit=True)  # one entry per command: the count, never the text
    _print_rows(v, rows)
    if not rows:
        click.echo(i18n.t("cli.case_search_empty"), err=True)
