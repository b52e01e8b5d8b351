"""What a printed summary says, before any layout: the redaction and consent policy.

:func:`build_summary` turns a case record into a :class:`Summary` (plain strings in one
language, in codebook order) for the official copy or a redacted copy for one recipient.
The redacted copy keeps only what the record's sharing decision allows
(:mod:`intake_app.codebook.sharing`); a copy that consent does not cover raises a
:class:`~intake_app.printing.errors.PrintRefused` subclass naming the recipient and reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .. import i18n
from ..codebook.model import Codebook, Field
from ..codebook.present import present
from ..codebook.sharing import Decision, sharing_policy
from ..screening import Flag, ScreeningResult, describe, screen
from ..timefmt import local_time
from .errors import (REFUSALS, PrintCopyUnknown, PrintLanguageUnknown, PrintPurposeUnknown,
                     PrintRecipientNotForOfficial, PrintRecipientRequired, PrintRecipientUnknown)

COPIES = ("official", "redacted")
DEFAULT_PURPOSE = "services"
LONG_VALUE = 400  # characters: longer values flow as paragraphs outside the tables
DERIVED_AFTER = ("identity", "demographics")
DERIVED_SHOWN = ("age_years", "minor", "foreign_national", "unaccompanied_minor")
FLAG_FIELDS = {"trafficking": "flag_trafficking", "smuggling": "flag_smuggling",
               "aggravated_smuggling": "flag_aggravated_smuggling", "urgent": "flag_urgent"}
CLASS_ORDER = ("direct", "quasi", "sensitive", "none")


@dataclass(frozen=True)
class Row:
    label: str
    value: str
    long: bool = False  # a narrative or a very long list: printed as paragraphs


@dataclass(frozen=True)
class Table:
    """A repeat field (referrals): a header row and one row per item."""

    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Block:
    title: str
    rows: tuple[Row, ...] = ()
    tables: tuple[Table, ...] = ()


@dataclass(frozen=True)
class Summary:
    lang: str
    copy: str
    case_id: str
    revision_id: str
    revision_number: int
    content_hash: str
    codebook_version: str
    title: str
    copy_label: str
    meta: tuple[tuple[str, str], ...]
    blocks: tuple[Block, ...]
    screening: tuple[tuple[str, tuple[str, ...]], ...]
    screening_shown: bool  # False when the profile lets no indication through
    screening_partial: bool  # some indications were withheld from this copy
    notice: str | None  # the redacted copy's line: what was left out and why
    signatures: tuple[tuple[str, str], ...]  # (caption, name line)
    printed_at: str
    recipient: str | None = None
    recipient_short: str | None = None  # the institution's short name for page headers
    purpose: str | None = None
    basis: str | None = None  # "consent" or a legal_basis code (redacted copies)
    withheld: dict[str, int] = field(default_factory=dict)


def check_options(cb: Codebook, copy: str, recipient: str | None, lang: str, purpose: str) -> None:
    if copy not in COPIES:
        raise PrintCopyUnknown(copy=copy)
    if lang not in i18n.LANGUAGES:
        raise PrintLanguageUnknown(lang=lang)
    if purpose not in cb.vocab("consent_purposes"):
        raise PrintPurposeUnknown(purpose=purpose)
    if copy == "official":
        if recipient is not None:
            raise PrintRecipientNotForOfficial()
        return
    if not recipient:
        raise PrintRecipientRequired()
    if recipient not in cb.vocab("institutions"):
        raise PrintRecipientUnknown(recipient=recipient)


def decide(cb: Codebook, rec, recipient: str, purpose: str) -> Decision:
    """The sharing decision for a redacted copy; raises the typed refusal when not allowed."""
    decision = sharing_policy(cb).decide(rec.content, rec.derived, purpose, institution=recipient)
    if not decision.allowed:
        raise REFUSALS[decision.reason](recipient=recipient, purpose=purpose, reason=decision.reason)
    return decision


def _value_rows(cb: Codebook, content: dict, lang: str, keep) -> list[tuple[str, str, list[Row], list[Table]]]:
    """(section key, section label, rows, repeat tables) in codebook order: rows through ``present``, and
    each repeat field (referrals) as a table after its section's rows."""
    presented = dict(present(cb, content, lang, keep=lambda f: f.type != "repeat" and keep(f)))
    result = []
    for section in cb.sections:
        label = section.label(lang)
        long_labels = {f.label(lang) for f in section.fields if f.type == "longtext"}
        rows = [Row(lab, val, lab in long_labels or len(val) > LONG_VALUE) for lab, val in presented.get(label, [])]
        tables = []
        for f in section.fields:
            if f.type == "repeat" and content.get(f.key) and keep(f):
                header = tuple(sf.label(lang) for sf in f.subfields)
                items = tuple(tuple(cb.value_label(sf, item.get(sf.key), lang) for sf in f.subfields)
                              for item in content[f.key])
                tables.append(Table(f.label(lang), header, items))
        if rows or tables:
            result.append((section.key, label, rows, tables))
    return result


def _derived_rows(cb: Codebook, derived: dict, lang: str, keep) -> list[Row]:
    rows = []
    for key in DERIVED_SHOWN:
        fdef = cb.derived_fields.get(key)
        if fdef is not None and key in derived and keep(fdef):
            rows.append(Row(fdef.label(lang), cb.value_label(fdef, derived[key], lang)))
    return rows


def _filtered_screening(result: ScreeningResult, keep_key) -> tuple[ScreeningResult, int]:
    """Only the indications (and reasons) the profile lets through; count of indications withheld."""
    flags, hidden = {}, 0
    for key, flag in result.flags.items():
        if not flag.raised:
            flags[key] = flag
        elif keep_key(FLAG_FIELDS[key]):
            flags[key] = Flag(key, True, tuple(r for r in flag.reasons if keep_key(r.field)), flag.missing)
        else:
            flags[key] = Flag(key, False)
            hidden += 1
    ilo_count, ilo_reasons = result.ilo_count, result.ilo_reasons
    if ilo_count and not (keep_key("ilo_count") and keep_key("tr_ilo_indicators")):
        ilo_count, ilo_reasons, hidden = 0, (), hidden + 1
    return ScreeningResult(flags, ilo_count, ilo_reasons), hidden


def build_summary(vault, rec, copy: str, lang: str, recipient: str | None = None,
                  purpose: str = DEFAULT_PURPOSE, decision: Decision | None = None,
                  printed_at: datetime | None = None) -> Summary:
    """The content of a printed summary of ``rec`` (a CaseRecord) for ``copy``."""
    cb = vault.codebook_for(rec.codebook_version)
    check_options(cb, copy, recipient, lang, purpose)
    if copy == "redacted" and decision is None:
        decision = decide(cb, rec, recipient, purpose)
    profile = decision.profile if decision else None

    def keep(fdef: Field) -> bool:
        return profile is None or profile.allows(fdef)

    def keep_key(key: str) -> bool:
        return keep(cb.field(key))

    content, derived = rec.content, rec.derived
    sections = _value_rows(cb, content, lang, keep)
    blocks = [Block(label, tuple(rows), tuple(tables)) for _, label, rows, tables in sections]
    drows = _derived_rows(cb, derived, lang, keep)
    if drows:  # computed age and the like, right after the person's demographics
        keys = [key for key, *_ in sections]
        at = max((i + 1 for i, k in enumerate(keys) if k in DERIVED_AFTER), default=len(blocks))
        blocks.insert(at, Block(i18n.t("print.section.derived", lang), tuple(drows)))

    result = screen(cb, content, derived)
    hidden_flags = 0
    if profile is not None:
        result, hidden_flags = _filtered_screening(result, keep_key)
    screening = tuple((text, tuple(lines)) for text, lines in describe(cb, result, lang))
    screening_shown = profile is None or any(keep_key(k) for k in FLAG_FIELDS.values())

    withheld: dict[str, int] = {}
    if profile is not None:
        for key in content:
            fdef = cb.fields.get(key)
            if fdef is not None and not profile.allows(fdef):
                withheld[fdef.sensitivity] = withheld.get(fdef.sensitivity, 0) + 1
        if hidden_flags:
            withheld["screening"] = hidden_flags

    posts = cb.vocab("border_posts")
    post = posts.label(content["border_post"], lang) if content.get("border_post") else ""
    officers = {o.id: o.name for o in vault.officers()}
    printed = printed_at or datetime.now()
    printed_text = local_time(printed)
    created = datetime.fromisoformat(rec.created_at)
    meta = [
        (i18n.t("print.meta.case", lang), rec.case_id),
        (i18n.t("print.meta.revision", lang),
         i18n.t("print.meta.revision_value", lang, revision=rec.revision_id[:12], number=rec.revision_count,
                date=local_time(created))),
        (i18n.t("print.meta.post", lang), post),
        (i18n.t("print.meta.recorded_by", lang), officers.get(rec.officer_id, rec.officer_id)),
        (i18n.t("print.meta.printed_by", lang), vault.officer.name),
        (i18n.t("print.meta.printed_at", lang), printed_text),
        (i18n.t("print.meta.codebook", lang), f"{cb.id} {cb.version}"),
    ]
    institutions = cb.vocab("institutions")
    notice = None
    if copy == "official":
        copy_label = i18n.t("print.copy_official", lang)
        signatures = ((i18n.t("print.signature.officer", lang), vault.officer.name),
                      (i18n.t("print.signature.person", lang), ""))
    else:
        rlabel = institutions.label(recipient, lang)
        copy_label = i18n.t("print.copy_redacted", lang, recipient=rlabel)
        meta.append((i18n.t("print.meta.recipient", lang), rlabel))
        meta.append((i18n.t("print.meta.purpose", lang), cb.vocab("consent_purposes").label(purpose, lang)))
        if decision.basis == "consent":
            giver = cb.vocab("consent_givers").label(content.get("consent_by") or "", lang) \
                if content.get("consent_by") else ""
            basis_text = i18n.t("print.basis.consent", lang, giver=giver,
                                category=cb.vocab("consent_recipients").label(decision.recipient, lang))
        else:
            basis_text = i18n.t("print.basis.legal", lang, basis=cb.vocab("legal_bases").label(decision.basis, lang))
        meta.append((i18n.t("print.meta.basis", lang), basis_text))
        total = sum(withheld.values())
        if total:
            parts = [i18n.t("print.class." + c, lang, count=withheld[c])
                     for c in (*CLASS_ORDER, "screening") if withheld.get(c)]
            notice = i18n.t("print.withheld", lang, count=total, classes="; ".join(parts), recipient=rlabel)
        else:
            notice = i18n.t("print.withheld_none", lang)
        signatures = ((i18n.t("print.signature.officer", lang), vault.officer.name),
                      (i18n.t("print.signature.receiver", lang, recipient=rlabel), ""))
    return Summary(
        lang=lang, copy=copy, case_id=rec.case_id, revision_id=rec.revision_id,
        revision_number=rec.revision_count, content_hash=rec.content_hash, codebook_version=rec.codebook_version,
        title=i18n.t("print.title", lang), copy_label=copy_label, meta=tuple(meta), blocks=tuple(blocks),
        screening=screening, screening_shown=screening_shown, screening_partial=hidden_flags > 0,
        notice=notice, signatures=signatures, printed_at=printed_text, recipient=recipient,
        recipient_short=institutions.label(recipient, lang).split(" – ")[0] if recipient else None,
        purpose=purpose if copy == "redacted" else None, basis=decision.basis if decision else None,
        withheld=withheld,
    )

