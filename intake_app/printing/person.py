"""The copy for the person: a paper they may keep and carry safely.

It must tell nothing to someone who takes it from them (a recruiter, a smuggler, whoever
controls them): a neutral title, no screening, no sensitive or quasi-identifying answer, no
narrative, no document number, no officer's user name, no post. It shows their own name, the
case id and the verification code (no personal data; an institution can check with it that
the paper is genuine), the services they were referred to and their rights.

Referrals to national authorities (police, prosecution, migration, the victim-identification
teams ERI/UIA) are left out: a paper that says the person went to the police can put them in
danger. Institutions are named by their short name ("INAMU", "OAPVD"), never by a long name
that spells out the context. The codebook holds no addresses, telephones or help line for
institutions; when it does, they belong in the referral table here.
"""

from __future__ import annotations

from .. import i18n
from ..codebook.sharing import sharing_policy
from .errors import PrintPersonCopyPurged
from .framing import short_name
from .purged import is_purged
from .summary import Block, Summary, Table

HIDDEN_CATEGORIES = ("national_authorities",)  # consent_recipients categories never named on this copy
# the consent bullet of the rights, by consent_status: withdrawing is offered only for a consent given
CONSENT_RIGHT = {"refused": "print.person.rights.not_given", "not_possible": "print.person.rights.not_asked"}


def _rights(content, lang: str) -> tuple[str, ...]:
    """The person's rights in short. The consent bullet follows what happened: a consent given
    can be withdrawn (by whoever gave it: the person, or on a child's behalf); a consent refused
    can still be given later; one that could not be asked for can be given or refused later; no
    consent recorded at all: no bullet."""
    status = content.get("consent_status")
    if status == "given":
        by = content.get("consent_by")
        consent = "print.person.rights.withdraw" if by in (None, "self") else "print.person.rights.withdraw_other"
    else:
        consent = CONSENT_RIGHT.get(status)
    keys = ["print.person.rights.protected", "print.person.rights.access", consent, "print.person.rights.how"]
    return tuple(i18n.t(k, lang) for k in keys if k)


def _referrals(cb, content, lang: str) -> Table | None:
    policy = sharing_policy(cb)
    fdef = cb.field("referrals")
    date = next(sf for sf in fdef.subfields if sf.key == "date")
    institutions = cb.vocab("institutions")
    rows = tuple((short_name(institutions, item["institution"], lang), cb.value_label(date, item.get("date"), lang))
                 for item in content.get("referrals") or []
                 if item.get("institution") in institutions
                 and policy.category_of(item["institution"]) not in HIDDEN_CATEGORIES)
    if not rows:
        return None
    header = (i18n.t("print.person.institution", lang), i18n.t("print.person.date", lang))
    return Table("", header, rows)


def build_person_summary(vault, rec, lang: str, printed_text: str) -> Summary:
    if is_purged(rec):  # their name is gone from this laptop: an empty "Nombre" would mislead
        raise PrintPersonCopyPurged(case=rec.case_id)
    cb = vault.codebook_for(rec.codebook_version)
    content = rec.content
    name = " ".join(content.get(k) or "" for k in ("given_names", "surnames")).strip()
    table = _referrals(cb, content, lang)
    blocks = (
        Block(i18n.t("print.person.referrals", lang), tables=(table,) if table else (),
              empty=None if table else i18n.t("print.person.no_referrals", lang)),
        Block(i18n.t("print.person.rights.title", lang), bullets=_rights(content, lang)),
    )
    meta = ((i18n.t("print.person.name", lang), name), (i18n.t("print.meta.case", lang), rec.case_id),
            (i18n.t("print.person.issued", lang), printed_text))
    return Summary(
        lang=lang, copy="person", case_id=rec.case_id, revision_id=rec.revision_id,
        revision_number=rec.revision_count, content_hash=rec.content_hash, codebook_version=rec.codebook_version,
        title=i18n.t("print.person.title", lang), copy_label=i18n.t("print.copy_person", lang), meta=meta,
        blocks=blocks, screening=(), screening_shown=False, notice=None,
        signatures=((i18n.t("print.signature.officer", lang), ""),),
        printed_at=printed_text, marking=i18n.t("print.person.marking", lang),
        header_copy=i18n.t("print.header.person", lang), verify_help=i18n.t("print.person.verify_help", lang),
    )
