"""Printed intake summaries: official, redacted and person's copies, verification codes, audit.

Public API (core code, no Qt: the CLI and the desktop app call the same)::

    render_summary(vault, case_id, copy="official", recipient=None, lang="es",
                   purpose="services", destination="printer") -> bytes
    print_summary(vault, case_id, out, copy=..., recipient=..., lang=..., purpose=...) -> PrintResult
    verify_print(vault, code_or_qr_text) -> PrintCheck
    describe_print_error(err, lang) -> str

Every successful print adds one audit entry ``case_print`` (copy, lang, recipient, purpose,
basis, destination, code); a print or save of a redacted copy refused for lack of consent adds
``case_print_refused`` (recipient, purpose, reason) and raises a PrintRefused subclass (a
preview through :func:`prepare` raises it without an audit entry).
The PDF exists only in memory until it is written to ``out`` (atomically) or handed back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .. import i18n
from ..fsutil import atomic_write, remove_stale_parts
from .errors import PrintCodeMalformed, PrintError, PrintRefused
from .summary import DEFAULT_PURPOSE, Summary, build_summary, check_options, decide
from .verify import PrintCheck, PrintCode, make_code, verify_print

__all__ = [
    "PrintCheck", "PrintCode", "PrintError", "PrintRefused", "PrintResult", "Summary", "check_code",
    "check_purpose_words", "copy_label", "describe_check", "describe_print_error", "prepare", "print_summary",
    "render_summary", "verify_print",
]


CODE_PROBLEMS = {  # literal keys, so the catalog check sees them
    "length": "print.code_problem.length",
    "characters": "print.code_problem.characters",
    "check": "print.code_problem.check",
}


@dataclass(frozen=True)
class PrintResult:
    case_id: str
    revision_id: str
    copy: str
    lang: str
    recipient: str | None
    basis: str | None  # "consent" or a legal_basis code (redacted copies)
    code: str  # the short verification code printed
    pdf: bytes


def prepare(vault, case_id: str, copy: str = "official", recipient: str | None = None, lang: str = "es",
            purpose: str = DEFAULT_PURPOSE, printed_at: datetime | None = None,
            record_refusal: bool = False) -> PrintResult:
    """Render without writing an audit entry (the desktop preview, benchmarks, tests).

    Raises the same typed errors as :func:`render_summary`. A refusal is audited only with
    ``record_refusal`` (an actual print or save attempt): a preview the consent does not cover
    prints nothing, so it leaves nothing in the audit log either."""
    from .layout import render_pdf

    rec = vault.get_case(case_id)
    cb = vault.codebook_for(rec.codebook_version)
    check_options(cb, copy, recipient, lang, purpose)
    decision = None
    if copy == "redacted":
        try:
            decision = decide(cb, rec, recipient, purpose)
        except PrintRefused as err:
            if record_refusal:
                vault.record("case_print_refused", rec.case_id, rec.revision_id, copy=copy, lang=lang,
                             recipient=recipient, purpose=purpose, reason=err.params["reason"])
            raise
    summary = build_summary(vault, rec, copy, lang, recipient, purpose, decision, printed_at)
    code = make_code(vault.device_keys().ed25519_seed, rec.case_id, rec.content_hash, copy, recipient, purpose)
    pdf = render_pdf(summary, code)
    return PrintResult(rec.case_id, rec.revision_id, copy, lang, recipient, summary.basis, code.short, pdf)


def _audit(vault, result: PrintResult, purpose: str, destination: str) -> None:
    vault.record("case_print", result.case_id, result.revision_id, copy=result.copy, lang=result.lang,
                 recipient=result.recipient, purpose=purpose if result.copy == "redacted" else None,
                 basis=result.basis, destination=destination, code=result.code)


def render_summary(vault, case_id: str, copy: str = "official", recipient: str | None = None, lang: str = "es",
                   purpose: str = DEFAULT_PURPOSE, destination: str = "printer") -> bytes:
    """The PDF of a case's current revision, as bytes, audited as a print.

    For the desktop app: hand the bytes to the printer. ``copy``: "official" (whole record,
    no recipient), "redacted" (``recipient``: an institution code such as "inamu", "pani",
    "shelter", "consulate", "uia") or "person" (the neutral copy the person keeps, no
    recipient). ``lang``: "es" or "en". ``purpose``: a consent purpose (redacted copies).
    """
    result = prepare(vault, case_id, copy, recipient, lang, purpose, record_refusal=True)
    _audit(vault, result, purpose, destination)
    return result.pdf


def print_summary(vault, case_id: str, out: str | Path, copy: str = "official", recipient: str | None = None,
                  lang: str = "es", purpose: str = DEFAULT_PURPOSE) -> PrintResult:
    """Write the PDF to ``out`` (atomically, 0600) and audit it; nothing else touches disk.
    A temporary twin left beside ``out`` by a process that died before its rename (a whole
    plaintext copy) is removed first."""
    result = prepare(vault, case_id, copy, recipient, lang, purpose, record_refusal=True)
    remove_stale_parts(Path(out))
    atomic_write(Path(out), result.pdf)
    _audit(vault, result, purpose, "file")
    return result


def copy_label(copy: str, recipient: str | None, lang: str) -> str:
    """"copia oficial", "copia para INAMU" or "copia para la persona", as the page header says it."""
    if copy == "official":
        return i18n.t("print.header.official", lang)
    if copy == "person":
        return i18n.t("print.header.person", lang)
    from ..codebook import load_codebook

    label = load_codebook().vocab("institutions").label(recipient or "", lang).split(" – ")[0]
    return i18n.t("print.header.redacted", lang, recipient=label)


def check_code(vault, text: str) -> PrintCheck:
    """:func:`verify_print`, audited (``print_verify``: ids and the outcome code): what the
    CLI and the desktop app call when someone shows a printed summary."""
    try:
        check = verify_print(vault, text)
    except PrintError as err:
        vault.record("print_verify", ok=False, problem=err.code)
        raise
    vault.record("print_verify", check.case_id, check.revision_id, ok=True, purpose=check.purpose,
                 purpose_bound=check.purpose_bound)
    return check


def describe_check(check: PrintCheck, lang: str | None = None) -> str:
    lang = lang or i18n.language()
    text = i18n.t("print.cli.verified", lang, case=check.case_id, revision=check.revision_id[:12],
                  number=check.revision_number, copy=copy_label(check.copy, check.recipient, lang))
    return text + check_purpose_words(check.purpose, check.purpose_bound, lang)


def check_purpose_words(purpose: str | None, bound: bool, lang: str) -> str:
    """What a check adds about the purpose (a verified code, on the laptop or at the office):
    the purpose a redacted copy's code binds («Propósito de la copia, firmado en el código:
    Investigación penal.»), or, for a code signed before purposes were bound, that it says
    nothing of the purpose; "" otherwise (official copy, copy for the person)."""
    if not bound:
        return " " + i18n.t("print.check.unbound", lang)
    if purpose is None:
        return ""
    from ..codebook import load_codebook

    label = load_codebook().vocab("consent_purposes").label(purpose, lang)
    return " " + i18n.t("print.check.purpose", lang, purpose=label)


def describe_print_error(err: Exception, lang: str | None = None) -> str:
    """Word an error for a person, with institution and purpose labels instead of codes."""
    if not isinstance(err, PrintError):
        return i18n.describe_error(err, lang)
    from ..codebook import load_codebook

    lang = lang or i18n.language()
    cb = load_codebook()
    params = dict(err.params)
    if params.get("recipient") in cb.vocab("institutions"):
        params["recipient"] = cb.vocab("institutions").label(params["recipient"], lang)
    for key in ("country", "post_country"):  # the cross-border refusal: "Costa Rica", "Panamá"
        if params.get(key) in cb.vocab("countries"):
            params[key] = cb.vocab("countries").label(params[key], lang)
    if params.get("category") in cb.vocab("consent_recipients"):
        params["category"] = cb.vocab("consent_recipients").label(params["category"], lang)
    if params.get("purpose") in cb.vocab("consent_purposes"):
        params["purpose"] = cb.vocab("consent_purposes").label(params["purpose"], lang)
    if isinstance(err, PrintCodeMalformed):
        params["problem"] = i18n.t(CODE_PROBLEMS.get(params.get("problem"), "print.code_problem.format"), lang)
    return i18n.t("error." + err.code, lang, **params)
