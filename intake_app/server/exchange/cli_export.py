"""``intake-server export htcds``, and what the exchange's commands share about files and
questions: a file that exists is replaced only with ``--force`` (refused, exit 2, before
anything is done or asked), and a question nobody can answer (standard input closed or at
its end, a script without ``--yes``) is refused in words (exit 2), never taken as "no"."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import click

from ... import i18n
from ...cli.common import Refused
from ...fsutil import atomic_write
from ..audit import operator_actor
from .htcds import K as HTCDS_K

t = i18n.t
FORCE = click.option("--force", is_flag=True,
                     help="Reemplazar el archivo si ya existe / replace the file if it already exists.")


def check_new_file(out: str, force: bool) -> None:
    """``--out`` names a file that exists: refused unless ``--force`` (a package or an export
    written over another file by a slip of the name loses that file); a folder, a pipe or a
    device is refused even with ``--force``. Its folder must exist and
    be writable: checked here, before anything is done (a package is not marked sent, nor an
    export audited, for a file that cannot be written)."""
    path = Path(out)
    try:
        kind = os.lstat(path).st_mode
    except OSError:
        kind = None
    if kind is not None and not (stat.S_ISREG(kind) or stat.S_ISLNK(kind)):  # a pipe, a device: never written
        raise Refused(t("exchange.out_not_plain", path=out))                  # through, even with --force
    if not force and (path.exists() or path.is_symlink()):
        raise Refused(t("exchange.out_exists", path=out))
    folder = path.parent
    if not folder.is_dir():
        raise Refused(t("exchange.out_no_folder", path=out, folder=str(folder)))
    if not os.access(folder, os.W_OK | os.X_OK):
        raise Refused(t("exchange.out_folder_not_writable", path=out, folder=str(folder)))


# --- export htcds -----------------------------------------------------------------------------
@click.group(name="export")
def export_group() -> None:
    """Exportaciones / exports."""


def _k_flag(ctx, param, value):
    """``--k-anonymous`` is a flag: k is always HTCDS_K. A number after it (``--k-anonymous 1``,
    meaning "yes", or ``=0``) is refused, never taken as k."""
    if value is None:
        return None
    if value != _FLAG:
        raise click.UsageError(t("exchange.htcds_k_takes_no_value", value=value[:20], k=HTCDS_K), ctx)
    return HTCDS_K


_FLAG = "\x00flag"
_EXTENSIONS = {".csv": "csv", ".json": "json"}


@export_group.command(name="htcds")
@click.option("--out", required=True, type=click.Path(dir_okay=False),
              help="Archivo a escribir (.csv o .json) / file to write (.csv or .json).")
@click.option("--format", "fmt", type=click.Choice(("csv", "json")), default=None,
              help="Por defecto, según la extensión (.csv o .json) / default: from the file extension (.csv or .json).")
@click.option("--k-anonymous", "k", is_flag=False, flag_value=_FLAG, default=None, callback=_k_flag,
              metavar="", help=f"Variante k-anónima para publicar (k={HTCDS_K}, sin valor) / k-anonymized variant "
                               f"for release (k={HTCDS_K}, no value).")  # "k = 11" could wrap in a terminal
@FORCE
@click.pass_obj
def export_htcds_cmd(c, out: str, fmt: str | None, k: int | None, force: bool) -> None:
    """Casos en campos y valores HTCDS 2.0 / cases in HTCDS 2.0 field names and values."""
    from .. import audit
    from ..db import transaction
    from .htcds import export_htcds

    by_name = _EXTENSIONS.get(Path(out).suffix.lower())
    if fmt is None and by_name is None:
        raise click.UsageError(t("exchange.htcds_unknown_extension", path=out))
    if fmt is not None and by_name is not None and fmt != by_name:
        raise click.UsageError(t("exchange.htcds_extension_mismatch", path=out, fmt=fmt.upper()))
    fmt = fmt or by_name
    check_new_file(out, force)
    engine = c.engine()
    data, summary = export_htcds(engine, fmt, k=k)
    atomic_write(Path(out), data)
    released = summary.get("released", summary["cases"])
    with transaction(engine) as conn:
        audit.append(conn, operator_actor(), "htcds_export", None, format=fmt, k=k, cases=summary["cases"], released=released)
    if k:
        click.echo(t("exchange.htcds_written_k", path=out, rows=released, fmt=fmt.upper(), k=k))
        _k_summary(summary)
    else:
        click.echo(t("exchange.htcds_written", path=out, rows=released, fmt=fmt.upper(), k=HTCDS_K))


def _k_summary(summary: dict) -> None:
    """What k-anonymity cost, in words: records left out, and per column (its codebook
    label, then its HTCDS name) how many values were emptied."""
    from ...codebook import load_codebook
    from .htcds import MAJORITY, columns

    lang, cb = i18n.language(), load_codebook()
    field_of = {col.name: col.field for col in columns(cb)}
    click.echo(t("exchange.htcds_k_dropped", dropped=summary["dropped_records"], cases=summary["cases"],
                 k=summary["k"]))
    suppressed = summary["suppressed_values"]
    if not suppressed:
        click.echo(t("exchange.htcds_k_none_suppressed"))
        return
    click.echo(t("exchange.htcds_k_suppressed"))
    for name, count in sorted(suppressed.items(), key=lambda kv: (-kv[1], kv[0])):
        key = field_of.get(name)
        label = t("exchange.htcds_majority", lang) if name == MAJORITY else \
            cb.field(key).label(lang) if key and (key in cb.fields or key in cb.derived_fields) else name
        click.echo(t("exchange.htcds_k_column", label=label, column=name, count=count))
