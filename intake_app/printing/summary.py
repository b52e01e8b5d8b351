"""What a printed summary says, before any layout: the redaction and consent policy.

:func:`build_summary` turns a case record into a :class:`Summary` (plain strings in one
language, in codebook order) for one of three copies:

- ``official``: the whole record, for the post's paper file;
- ``redacted``: what the record's sharing decision allows one recipient institution
  (:mod:`intake_app.codebook.sharing`); a copy that consent does not cover raises a
  :class:`~intake_app.printing.errors.PrintRefused` subclass naming the recipient and reason;
- ``person``: a neutral copy the person keeps (:mod:`intake_app.printing.person`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .. import i18n
from ..codebook.model import Codebook, Field
from ..codebook.present import present
from ..codebook.sharing import (RECIPIENT_NOT_COVERED, RECORD_PURPOSES, Decision,
                               sharing_policy)
from ..timefmt import local_time
from . import framing
from ..codebook.crossborder import OTHER_COUNTRY, sharing_category
from .errors import (REFUSALS, PrintCopyUnknown, PrintLanguageUnknown, PrintOtherCountryNotCovered,
                     PrintPurposeUnknown, PrintRecipientNotForOfficial, PrintRecipientNotForPerson,
                     PrintRecipientRequired, PrintRecipientUnknown, PrintRefused)
from .purged import notice as purged_notice
from .screening_view import ScreeningView, official_view, profile_shows_any, redacted_view

COPIES = ("official", "redacted", "person")
DEFAULT_PURPOSE = "services"
LONG_VALUE = 400  # characters: longer values flow as paragraphs outside the tables
DERIVED_AFTER = ("identity", "demographics")
DERIVED_SHOWN = ("age_years", "minor", "foreign_national", "unaccompanied_minor")


def redacted_purposes(cb: Codebook) -> list:
    """The consent purposes a redacted copy can be printed for (vocabulary terms, codebook order):
    what a print dialog offers."""
    return [t for t in cb.vocab("consent_purposes").terms if t.code in RECORD_PURPOSES]


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
    bullets: tuple[str, ...] = ()  # short paragraphs (the person's rights)
    empty: str | None = None  # printed when the block has nothing else


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
    screening: tuple[tuple[str, tuple[str, ...]], ...]  # (indication, reason lines) shown
    screening_shown: bool  # False: no screening section (the profile lets no indication through)
    notice: str | None  # the redacted copy's line: what was left out and why
    signatures: tuple[tuple[str, str], ...]  # (caption, name line): one or two
    printed_at: str
    marking: str  # top left of every page: CONFIDENCIAL, or DOCUMENTO PERSONAL on the person's copy
    header_copy: str  # top right of every page, after the case id: "copia para INAMU"
    verify_help: str  # under the QR
    handover: str | None = None  # under the title of a redacted copy: who opens the envelope
    screening_empty: str = ""  # the screening section's line when no indication is listed
    screening_note: str | None = None  # the profile withholds some indication (same on every record)
    screening_missing: tuple[str, ...] = ()  # official copy: indications recorded only in part
    recipient: str | None = None
    purpose: str | None = None
    basis: str | None = None  # "consent" or a legal_basis code (redacted copies)
    purged: str | None = None  # identity data removed here after delivery: the notice line (purged.py)


def check_options(cb: Codebook, copy: str, recipient: str | None, lang: str, purpose: str) -> None:
    if copy not in COPIES:
        raise PrintCopyUnknown(copy=copy)
    if lang not in i18n.LANGUAGES:
        raise PrintLanguageUnknown(lang=lang)
    if purpose not in cb.vocab("consent_purposes"):
        raise PrintPurposeUnknown(purpose=purpose)
    if copy == "official" and recipient is not None:
        raise PrintRecipientNotForOfficial()
    if copy == "person" and recipient is not None:
        raise PrintRecipientNotForPerson()
    if copy != "redacted":
        return
    if not recipient:
        raise PrintRecipientRequired()
    if recipient not in cb.vocab("institutions"):
        raise PrintRecipientUnknown(recipient=recipient)


def decide(cb: Codebook, rec, recipient: str, purpose: str) -> Decision:
    """The sharing decision for a redacted copy; raises the typed refusal when not allowed.

    The recipient's consent category is the exchange's (:mod:`.crossborder`): an institution
    of the other country than the case's post (PANI or INAMU for a Panamanian post, SENNIAF
    for a Costa Rican one) needs consent to ``other_country``. A copy for statistics or
    research is refused (:class:`PrintStatisticsAreAggregates`), as a referral is, and a
    recipient's ``refuse_if`` (a refugee's consulate) refuses every purpose."""
    policy = sharing_policy(cb)
    term = cb.vocab("institutions").get(recipient)
    country = term.attrs.get("country") if term is not None else None
    post_country = rec.derived.get("post_country")
    category = sharing_category(policy.category_of, recipient, country, post_country)
    decision = policy.decide(rec.content, rec.derived, purpose, institution=recipient, recipient=category)
    if not decision.allowed:
        params = dict(recipient=recipient, purpose=purpose, reason=decision.reason)
        if category == OTHER_COUNTRY and decision.reason == RECIPIENT_NOT_COVERED:
            raise PrintOtherCountryNotCovered(**params, country=country, post_country=post_country,
                                              category=OTHER_COUNTRY)
        raise REFUSALS[decision.reason](**params)
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




def _official_signatures(vault, cb: Codebook, content: dict, derived: dict, lang: str) -> tuple:
    """The officer (named) and, unless nobody could be asked for consent, the person's line."""
    officer = (i18n.t("print.signature.officer", lang), vault.officer.name)
    caption = framing.person_caption(cb, content, derived, lang)
    return (officer,) if caption is None else (officer, (caption, ""))


def _screening_fields(view: ScreeningView | None) -> dict:
    if view is None:
        return {"screening": (), "screening_shown": False}
    return {"screening": view.items, "screening_shown": True, "screening_empty": view.empty,
            "screening_note": view.note, "screening_missing": view.missing}


def build_summary(vault, rec, copy: str, lang: str, recipient: str | None = None,
                  purpose: str = DEFAULT_PURPOSE, decision: Decision | None = None,
                  printed_at: datetime | None = None) -> Summary:
    """The content of a printed summary of ``rec`` (a CaseRecord) for ``copy``."""
    cb = vault.codebook_for(rec.codebook_version)
    check_options(cb, copy, recipient, lang, purpose)
    printed_text = local_time(printed_at or datetime.now())
    if copy == "person":
        from .person import build_person_summary

        return build_person_summary(vault, rec, lang, printed_text)
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

    meta = framing.meta_rows(vault, cb, rec, lang, keep_key, printed_text, official=profile is None)
    purged = purged_notice(vault, rec, lang)
    common = dict(
        lang=lang, copy=copy, case_id=rec.case_id, revision_id=rec.revision_id,
        revision_number=rec.revision_count, content_hash=rec.content_hash, codebook_version=rec.codebook_version,
        title=i18n.t("print.title", lang), blocks=tuple(blocks), printed_at=printed_text,
        marking=i18n.t("print.confidential", lang), verify_help=i18n.t("print.verify.help", lang), purged=purged,
    )
    if profile is None:
        return Summary(
            **common, **_screening_fields(official_view(cb, content, derived, lang)),
            copy_label=i18n.t("print.copy_official", lang), meta=tuple(meta), notice=None,
            signatures=_official_signatures(vault, cb, content, derived, lang),
            header_copy=i18n.t("print.header.official", lang),
        )
    institutions = cb.vocab("institutions")
    rlabel = institutions.label(recipient, lang)
    meta += framing.recipient_rows(cb, content, decision, recipient, purpose, lang)
    view = redacted_view(cb, content, derived, lang, keep_key) if profile_shows_any(keep_key) else None
    return Summary(
        **common, **_screening_fields(view),
        copy_label=i18n.t("print.copy_redacted", lang, recipient=rlabel), meta=tuple(meta),
        notice=framing.withheld_notice(cb, profile, keep_key, rlabel, lang, kept=purged is None),
        signatures=((i18n.t("print.signature.officer", lang), ""),
                    (i18n.t("print.signature.receiver", lang, recipient=rlabel), "")),
        header_copy=i18n.t("print.header.redacted", lang, recipient=framing.short_name(institutions, recipient, lang)),
        handover=i18n.t("print.handover", lang, recipient=rlabel),
        recipient=recipient, purpose=purpose, basis=decision.basis,
    )
