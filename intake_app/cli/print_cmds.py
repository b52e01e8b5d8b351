"""``intake case print`` and ``intake verify-print``."""

from __future__ import annotations

import os
from pathlib import Path

import click

from .. import i18n
from ..codebook.sharing import RECORD_PURPOSES
from ..printing import PrintError, check_code, copy_label, describe_check, describe_print_error, print_summary
from ..printing.summary import COPIES, DEFAULT_PURPOSE
from . import cli
from .case_cmds import case
from .common import Context, Refused, case_id_param, case_lookup, pass_ctx


def _out_unwritable(out: str) -> Refused:
    return Refused(i18n.t("print.cli.out_unwritable", path=out))


def _fail(err: PrintError) -> None:
    """Word a printing error with institution labels (not codes); exit status 2."""
    raise Refused(describe_print_error(err)) from None


@case.command("print")
@click.argument("case_id", callback=case_id_param)
@click.option("--copy", "copy", type=click.Choice(COPIES), default="official", show_default=True,
              help="official: registro completo / whole record; redacted: copia resumida para una institución / "
                   "for an institution; person: constancia para la persona, sin evaluación / for the person to "
                   "keep, no screening.")
@click.option("--recipient", default=None, help="Institución destinataria de la copia resumida / institution the redacted copy is for (inamu, pani, "
                   "shelter, consulate, uia, ...).")
@click.option("--purpose", default=DEFAULT_PURPOSE, show_default=True,
              help="Propósito de una copia resumida / purpose of a redacted copy: " + " | ".join(RECORD_PURPOSES)
                   + ".")
@click.option("--lang", "doc_lang", type=click.Choice(i18n.LANGUAGES), default=None,
              help="Idioma del documento / document language (es | en).")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True),
              help="Archivo PDF que se escribe / PDF file to write.")
@pass_ctx
def case_print(ctx: Context, case_id: str, copy: str, recipient: str | None, purpose: str, doc_lang: str | None,
               out: str) -> None:
    """Imprime el resumen de un caso en PDF / print a case summary to PDF."""
    lang = doc_lang or i18n.language()
    folder = Path(out).parent
    if not folder.is_dir() or not os.access(folder, os.W_OK):  # said before the passphrase is asked
        raise _out_unwritable(out)
    try:
        with case_lookup(case_id):
            result = print_summary(ctx.vault(), case_id, out, copy=copy, recipient=recipient, lang=lang,
                                   purpose=purpose)
    except PrintError as err:
        _fail(err)
        return
    except OSError as err:  # the file itself (or its temporary twin) could not be written: no temp name shown
        if err.filename is None or Path(err.filename).parent != folder:
            raise
        raise _out_unwritable(out) from None
    click.echo(i18n.t("print.cli.written", path=out, copy=copy_label(copy, recipient, i18n.language()),
                      code=result.code))


@cli.command("verify-print")
@click.argument("code", nargs=-1, required=True)
@pass_ctx
def verify_print_cmd(ctx: Context, code: tuple[str, ...]) -> None:
    """Comprueba el código de un resumen impreso / check a printed summary's code."""
    try:
        check = check_code(ctx.vault(), " ".join(code))
    except PrintError as err:
        _fail(err)
        return
    click.echo(describe_check(check, i18n.language()))
