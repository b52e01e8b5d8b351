"""What frames a copy's answers: the lines at the top (case, revision, post, who), the basis for
sharing, the withheld-data notice and the signature captions.

On a redacted copy every top line that shows recorded data passes the same keep rule as the
fields (``border_post`` for the post, ``record_date`` for the save date, ``institution`` for the
registering institution), and no officer's user name is printed: the paper travels with the
person. The withheld-data notice depends on the sharing profile only, never on the answers, so
it tells nothing about what was recorded or raised.
"""

from __future__ import annotations

from datetime import datetime
from typing import Callable

from .. import i18n
from ..codebook.model import Codebook
from ..codebook.sharing import Decision, SharingProfile
from ..timefmt import local_time
from .screening_view import profile_hides_some

CLASS_ORDER = ("direct", "quasi", "sensitive", "none")
CHILD_PROTECTION = {"CR": "pani", "PA": "senniaf"}  # the authority of the post's country


def short_name(vocab, code: str, lang: str) -> str:
    """An institution's short name: "INAMU" for "INAMU – Instituto Nacional de las Mujeres"."""
    return vocab.label(code, lang).split(" – ")[0]


def meta_rows(vault, cb: Codebook, rec, lang: str, keep_key: Callable[[str], bool], printed_text: str,
              official: bool) -> list[tuple[str, str]]:
    content = rec.content
    if keep_key("record_date"):
        revision = i18n.t("print.meta.revision_value", lang, revision=rec.revision_id[:12],
                          number=rec.revision_count, date=local_time(datetime.fromisoformat(rec.created_at)))
    else:
        revision = i18n.t("print.meta.revision_value_nodate", lang, revision=rec.revision_id[:12],
                          number=rec.revision_count)
    rows = [(i18n.t("print.meta.case", lang), rec.case_id), (i18n.t("print.meta.revision", lang), revision)]
    if content.get("border_post") and keep_key("border_post"):
        rows.append((i18n.t("print.meta.post", lang), cb.vocab("border_posts").label(content["border_post"], lang)))
    if official:
        officers = {o.id: o.name for o in vault.officers()}
        rows.append((i18n.t("print.meta.recorded_by", lang), officers.get(rec.officer_id, rec.officer_id)))
        rows.append((i18n.t("print.meta.printed_by", lang), vault.officer.name))
    elif content.get("institution") and keep_key("institution"):
        fdef = cb.field("institution")
        rows.append((fdef.label(lang), cb.value_label(fdef, content["institution"], lang)))
    rows.append((i18n.t("print.meta.printed_at", lang), printed_text))
    rows.append((i18n.t("print.meta.codebook", lang), f"{cb.id} {cb.version}"))
    return rows


def recipient_rows(cb: Codebook, content, decision: Decision, recipient: str, purpose: str,
                   lang: str) -> list[tuple[str, str]]:
    """Recipient, purpose and the basis for sharing (consent, by whom; or the legal basis)."""
    if decision.basis == "consent":
        giver = cb.vocab("consent_givers").label(content["consent_by"], lang) if content.get("consent_by") else ""
        basis = i18n.t("print.basis.consent", lang, giver=giver,
                       category=cb.vocab("consent_recipients").label(decision.recipient, lang))
    else:
        basis = i18n.t("print.basis.legal", lang, basis=cb.vocab("legal_bases").label(decision.basis, lang))
    return [(i18n.t("print.meta.recipient", lang), cb.vocab("institutions").label(recipient, lang)),
            (i18n.t("print.meta.purpose", lang), cb.vocab("consent_purposes").label(purpose, lang)),
            (i18n.t("print.meta.basis", lang), basis)]


def withheld_notice(cb: Codebook, profile: SharingProfile, keep_key: Callable[[str], bool], recipient_label: str,
                    lang: str, kept: bool = True) -> str:
    """Which kinds of data this profile leaves out, the same for every record: no counts (a count
    of sensitive answers or of indications tells how much was found). Screening indications are
    part of "other data". A kind the profile keeps in part is worded "some ..." (the shelter's copy
    shows the names, a direct identifier, and leaves out the document number). ``kept``: the
    post's official copy keeps what is left out (False once the identity data were purged here)."""
    left_out = {f.sensitivity for f in cb.fields.values() if not profile.allows(f)}
    shown = {f.sensitivity for f in cb.fields.values() if profile.allows(f)}
    if profile_hides_some(keep_key):
        left_out.add("none")
    if not left_out:
        return i18n.t("print.withheld_none", lang)
    classes = "; ".join(i18n.t(("print.class_some." if c in shown else "print.class.") + c, lang)
                        for c in CLASS_ORDER if c in left_out)
    text = i18n.t("print.withheld", lang, classes=classes, recipient=recipient_label)
    return text + " " + i18n.t("print.withheld_kept", lang) if kept else text


def person_caption(cb: Codebook, content, derived, lang: str) -> str | None:
    """The official copy's second signature: whoever gave consent signs. Without consent the
    person (or, for a child, whoever accompanies them) signs that the interview took place, and
    the caption says it gives no consent; when consent could not be obtained at all there is no
    second line (see docs/printing.md)."""
    status = content.get("consent_status")
    if status == "not_possible":
        return None
    if status != "given":  # refused, or not recorded
        if derived.get("minor") is True:
            return i18n.t("print.signature.person_no_consent", lang)
        return i18n.t("print.signature.self_no_consent", lang)
    by = content.get("consent_by")
    if by == "guardian":
        return i18n.t("print.signature.guardian", lang)
    if by == "child_protection":
        code = CHILD_PROTECTION.get(derived.get("post_country") or "")
        names = [code] if code else list(CHILD_PROTECTION.values())
        authority = " / ".join(short_name(cb.vocab("institutions"), c, lang) for c in names)
        return i18n.t("print.signature.child_protection", lang, authority=authority)
    if by == "self" or derived.get("minor") is not True:
        return i18n.t("print.signature.self", lang)
    return i18n.t("print.signature.person", lang)  # a child, giver not recorded: whoever accompanies them
