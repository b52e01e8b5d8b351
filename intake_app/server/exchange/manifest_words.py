"""A package's manifest as the supervisor reads it before importing: who sends it, for whom,
what kind, for which purpose, how many cases and which fields, in words (the registry's
institution names, the codebook's labels) instead of registry keys and field codes.

Nothing here is verified yet (the import checks signatures and content): the words only
translate what the manifest says. A code the registry or the codebook does not know is
shown as it is, marked as unknown, so an odd package still reads as odd.
"""

from __future__ import annotations

from ...codebook import load_codebook
from ...errors import IntakeError
from ...i18n import t
from ...timefmt import utc_time_iso
from .envelope import Manifest
from .registry import load_registry


def kind_label(kind: str, lang: str) -> str:
    return t("exchange.page.kind_" + kind, lang) if kind in ("referral", "aggregate", "withdrawal") else kind


def institution(key: str, lang: str) -> str:
    rec = load_registry().recipients.get(key)
    return rec.label(lang) if rec else t("exchange.manifest_view.unknown", lang, code=key)


def purpose_label(purpose: str, lang: str, kind: str | None = None) -> str:
    """A consent purpose by the codebook's label (a withdrawal notice, whose purpose is no
    consent purpose, by its kind, as the packages page shows it)."""
    purposes = load_codebook().vocab("consent_purposes")
    if purpose in purposes:
        return purposes.label(purpose, lang)
    return kind_label(kind, lang) if kind else t("exchange.manifest_view.unknown", lang, code=purpose)


# an exchange error's params that name a registry entry, a consent purpose or a package kind:
# worded for its sentence ("UIA – …", «Atención y servicios de protección»), never the code;
# the page's address and the audit log keep the codes
def when(stamp: str, lang: str) -> str:
    """A UTC stamp of the format ("2031-01-01T00:00:00Z") as the server's pages write times."""
    from ...timefmt import utc_time_iso

    return utc_time_iso(stamp) or stamp


_WORDED = {"recipient": institution, "sender": institution, "holder": institution, "purpose": purpose_label,
           "kind": kind_label, "found": when, "current": when, "created_at": when, "now": when}
# the recipient is not in the registry: its sentence says so, naming the key that was typed
_KEEP_CODES = ("exchange_recipient_unknown",)
# sentences that send the operator to a command (keys import / remove): the institution, and the
# registry key that command takes, "UIA – … (pa_uia)"
_WITH_KEY = ("exchange_recipient_no_keys", "exchange_key_other_institution")


def error_params(code: str, params: dict, lang: str) -> dict:
    """The params of exchange error ``code`` in words (as ``describe_error`` words roles);
    a value left out ("?", from a hand-typed address) stays as it is."""
    if not code.startswith("exchange_") or code in _KEEP_CODES:
        return dict(params)

    def worded(name: str, value: str) -> str:
        words = _WORDED[name](value, lang)
        return f"{words} ({value})" if code in _WITH_KEY and _WORDED[name] is institution else words

    return {name: worded(name, value) if name in _WORDED and isinstance(value, str) and value
            and value != "?" else value for name, value in params.items()}


def imported_words(result, lang: str) -> str:
    """What an import says (:class:`incoming.ImportResult`): a referral counts its records; a
    withdrawal notice names cases, and says how many records held here it withdrew; an
    aggregate package holds figures, no record."""
    words = dict(package=result.package_id, kind=kind_label(result.kind, lang), sender=institution(result.sender, lang),
                 cases=result.cases, withdrawn=result.withdrawn)
    key = {"withdrawal": "exchange.imported_notice", "aggregate": "exchange.imported_aggregate"}.get(result.kind,
                                                                                                    "exchange.imported")
    return t(key, lang, **words)


def state_label(state: str, lang: str) -> str:
    return t("exchange.page.state_" + state, lang)


def person(actor: str | None, lang: str) -> str:
    """Who did it, as the packages page shows it: ``user:maria.sup`` is maria.sup; the
    server's operator (a command without a signed-in user) in words."""
    if not actor:
        return "-"
    if actor == "operator":
        return t("exchange.actor_operator", lang)
    if actor.startswith("operator:"):  # a command run by that login (audit.operator_actor)
        return f"{t('exchange.actor_operator', lang)} ({actor.removeprefix('operator:')})"
    return actor.removeprefix("user:")


def period_label(period: str, lang: str) -> str:
    """An aggregate package's period as the dashboard writes it: 2026-Q3 is T3 2026 (Q3 2026)."""
    from ..dashboard.filters import quarter_label

    return "..".join(quarter_label(end, lang, space=" ") for end in period.split(".."))  # for the terminal


def _codebook(version: str):
    try:
        return load_codebook(version)
    except IntakeError:  # a version this server does not have: the import will refuse it
        return load_codebook()


def manifest_rows(m: Manifest, lang: str) -> dict:
    """{"rows": [[label, text]], "fields_label": str, "fields": [field labels, codebook order]}."""
    cb = _codebook(m.codebook_version)
    purposes = cb.vocab("consent_purposes")
    kind = kind_label(m.kind, lang)
    purpose = purposes.label(m.purpose, lang) if m.purpose in purposes \
        else kind if m.kind == m.purpose == "withdrawal" \
        else t("exchange.manifest_view.unknown", lang, code=m.purpose)  # a notice's purpose is its kind
    rows = [
        [t("exchange.page.sender", lang), institution(m.sender, lang)],
        [t("exchange.page.recipient", lang), institution(m.recipient, lang)],
        [t("exchange.page.kind", lang), kind],
        [t("exchange.page.purpose", lang), purpose],
        [t("exchange.page.count", lang), str(m.cases)],
        [t("exchange.manifest_view.created", lang), utc_time_iso(m.created_at) or m.created_at],
        [t("exchange.manifest_view.codebook", lang), m.codebook_version],
        [t("exchange.page.package", lang), m.package_id],
    ]
    order = [f.key for sec in cb.sections for f in sec.fields] + [f.key for f in cb.derived]
    known = [k for k in order if k in m.fields]
    unknown = [k for k in m.fields if k not in order]
    fields = [cb.field(k).label(lang) for k in known] + \
             [t("exchange.manifest_view.unknown", lang, code=k) for k in unknown]
    label = t("exchange.manifest_view.fields", lang, count=len(fields)) if fields \
        else t("exchange.manifest_view.no_fields", lang)
    return {"rows": rows, "fields_label": label, "fields": fields}
