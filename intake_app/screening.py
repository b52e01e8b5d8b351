"""Screening indications computed from the answers. The app flags; people decide.

Each flag carries the answers that produced it (field key and the values that
counted), so the desktop app and the PDF can show *why*. Wording lives in the
catalogs (``screening.*``) and is always an indication for the ERI (Costa Rica) or
the UIA (Panama) to assess, never a verdict.

- possible trafficking victim (Palermo Protocol art. 3): act AND purpose AND (means OR child),
  where a means may also be recorded as a method of control or an ILO indicator that is one
  (``CONTROL_AS_MEANS``, ``ILO_AS_MEANS``);
- smuggled migrant (Smuggling Protocol art. 3): irregular entry AND a benefit paid or
  promised AND the person is not a national of the post's country; aggravating
  circumstances (art. 6): life or safety endangered, inhuman or degrading treatment;
- urgent protection needs: any immediate need, or an unaccompanied/separated child;
- ILO forced-labour indicator count (0–11).
The trafficking and smuggling flags are independent: a person can have both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from .codebook.model import Codebook

# Raise when a rule below changes what a record is flagged with: the laptop's case list
# computes its stored flags again on the next unlock (intake_app/vault/reflag.py).
# 1: the first rules; 2: ILO indicators and more control methods count as means.
RULES_VERSION = 2

# methods of control that are Palermo "means" in themselves
CONTROL_AS_MEANS = {
    "physical_threats": "threat", "threats_law_enforcement": "threat", "threatens_family": "threat",
    "debt_bondage": "coercion", "false_promises": "deception", "physical_abuse": "force",
    "sexual_abuse": "force", "psychoactive_substances": "coercion", "withholds_documents": "coercion",
    "restricts_movement": "coercion", "psychological_abuse": "coercion", "withholds_necessities": "coercion",
}
# ILO forced-labour indicators that are Palermo "means" too (deception, threats, force,
# abuse of vulnerability, and the coercion of documents, debts and confinement); the
# others (isolation, wages, conditions, overtime) describe the exploitation, not the means
ILO_AS_MEANS = {
    "abuse_of_vulnerability": "abuse_of_vulnerability", "deception": "deception",
    "intimidation_threats": "threat", "physical_sexual_violence": "force", "retention_documents": "coercion",
    "debt_bondage": "coercion", "restriction_of_movement": "coercion",
}


@dataclass(frozen=True)
class Reason:
    """One answer that counted: a field and the values of it that counted."""

    field: str
    values: tuple[Any, ...]


@dataclass(frozen=True)
class Flag:
    key: str  # trafficking, smuggling, aggravated_smuggling, urgent
    raised: bool
    reasons: tuple[Reason, ...] = ()
    missing: tuple[str, ...] = ()  # elements not found (act, means, purpose, ...)
    # of those, the ones answered "No" (an explicit False): an answer, not missing information
    answered_no: tuple[str, ...] = ()


@dataclass(frozen=True)
class ScreeningResult:
    flags: dict[str, Flag]
    ilo_count: int
    ilo_reasons: tuple[Reason, ...] = field(default=())

    def raised(self, key: str) -> bool:
        return self.flags[key].raised

    @property
    def summary(self) -> str:
        """both / trafficking / smuggling / neither (the combined indication)."""
        t, s = self.raised("trafficking"), self.raised("smuggling")
        return "both" if t and s else "trafficking" if t else "smuggling" if s else "neither"

    def as_derived(self) -> dict[str, Any]:
        return {
            "flag_trafficking": self.raised("trafficking"),
            "flag_smuggling": self.raised("smuggling"),
            "flag_aggravated_smuggling": self.raised("aggravated_smuggling"),
            "flag_urgent": self.raised("urgent"),
            "ilo_count": self.ilo_count,
        }


def _list(content: Mapping[str, Any], key: str) -> list:
    v = content.get(key)
    return list(v) if isinstance(v, list) else []


def _trafficking(content: Mapping[str, Any], derived: Mapping[str, Any]) -> Flag:
    acts = _list(content, "tr_acts")
    purposes = _list(content, "tr_purposes")
    means = _list(content, "tr_means")
    control = [c for c in _list(content, "tr_control_methods") if c in CONTROL_AS_MEANS]
    ilo = [c for c in _list(content, "tr_ilo_indicators") if c in ILO_AS_MEANS]
    minor = derived.get("minor") is True
    reasons, missing = [], []
    # in the Protocol's order: act, means, purpose
    if acts:
        reasons.append(Reason("tr_acts", tuple(acts)))
    else:
        missing.append("act")
    if means:
        reasons.append(Reason("tr_means", tuple(means)))
    if control:
        reasons.append(Reason("tr_control_methods", tuple(control)))
    if ilo:
        reasons.append(Reason("tr_ilo_indicators", tuple(ilo)))
    if minor:
        reasons.append(Reason("minor", (True,)))
    if not (means or control or ilo or minor):
        missing.append("means")
    if purposes:
        reasons.append(Reason("tr_purposes", tuple(purposes)))
    else:
        missing.append("purpose")
    return Flag("trafficking", not missing, tuple(reasons), tuple(missing))


def _smuggling(content: Mapping[str, Any], derived: Mapping[str, Any]) -> tuple[Flag, Flag]:
    reasons, missing, answered_no = [], [], []
    for key, element in (("sm_irregular_entry", "irregular_entry"), ("sm_paid_facilitator", "benefit")):
        value = content.get(key)
        if value is True:
            reasons.append(Reason(key, (True,)))
        else:
            missing.append(element)
            if value is False:  # "No" is an answer: the element is absent, not unrecorded
                answered_no.append(element)
    if derived.get("foreign_national") is True:
        reasons.append(Reason("foreign_national", (True,)))
    else:  # "national": recorded, and a national of the post's country (not smuggled into it)
        missing.append("national" if derived.get("foreign_national") is False else "foreign_national")
    smuggled = Flag("smuggling", not missing, tuple(reasons), tuple(missing), tuple(answered_no))
    aggr = [Reason(k, (True,)) for k in ("sm_life_endangered", "sm_inhuman_treatment") if content.get(k) is True]
    aggravated = Flag("aggravated_smuggling", smuggled.raised and bool(aggr), tuple(aggr))
    return smuggled, aggravated


def _urgent(content: Mapping[str, Any], derived: Mapping[str, Any]) -> Flag:
    reasons = [Reason(k, (True,)) for k in ("pn_medical_urgent", "pn_immediate_danger", "pn_no_shelter", "pn_pregnant")
               if content.get(k) is True]
    if derived.get("unaccompanied_minor") is True:
        reasons.append(Reason("accompaniment", (content.get("accompaniment"),)))
    return Flag("urgent", bool(reasons), tuple(reasons))


def screen(cb: Codebook, content: Mapping[str, Any], derived: Mapping[str, Any] | None = None) -> ScreeningResult:
    if derived is None:
        from .codebook.derive import derive_demographics

        derived = derive_demographics(cb, content)
    smuggled, aggravated = _smuggling(content, derived)
    flags = {  # in the order every explanation lists them: urgent protection needs first
        "urgent": _urgent(content, derived),  # (the officer under time pressure sees them at the top)
        "trafficking": _trafficking(content, derived),
        "smuggling": smuggled,
        "aggravated_smuggling": aggravated,
    }
    ilo = _list(content, "tr_ilo_indicators")
    return ScreeningResult(flags, len(ilo), (Reason("tr_ilo_indicators", tuple(ilo)),) if ilo else ())


def suggested_referrals(cb: Codebook, content: Mapping[str, Any], derived: Mapping[str, Any]) -> list[str]:
    """Institutions whose codebook ``suggest_if`` holds for this person (a suggestion only)."""
    from .codebook.conditions import evaluate

    values = {**content, **derived}
    return [t.code for t in cb.vocab("institutions").terms
            if "suggest_if" in t.attrs and evaluate(t.attrs["suggest_if"], values)]


def referral_refusals(cb: Codebook, content: Mapping[str, Any], derived: Mapping[str, Any],
                      codes: list[str]) -> dict[str, str]:
    """Of the institutions ``codes``, those the person's consent (or a legal basis) does not
    let the officer refer to for services, with the sharing policy's reason
    (``consent_refused``, ``recipient_not_covered``, ...): the panel names them without an
    "add" link, so a suggestion never leads past a refusal."""
    from .codebook.sharing import sharing_policy

    policy = sharing_policy(cb)
    out = {}
    for code in codes:
        decision = policy.decide(content, derived, "services", institution=code)
        if not decision.allowed:
            out[code] = decision.reason
    return out


def describe(cb: Codebook, result: ScreeningResult, lang: str) -> list[tuple[str, list[str]]]:
    """Each raised flag as (indication text, [reason lines]) in ``lang``: for the UI and the PDF."""
    from . import i18n

    out = []
    for key, flag in result.flags.items():
        if not flag.raised:
            continue
        lines = []
        for r in flag.reasons:
            fdef = cb.field(r.field)
            value = list(r.values) if fdef.type == "multi" else r.values[0]
            label = fdef.label(lang)
            sep = " " if label.endswith(("?", ":")) else ": "  # "¿qué le ocurrió? Captación", not "?:"
            lines.append(f"{label}{sep}{cb.value_label(fdef, value, lang)}")
        out.append((i18n.t(f"screening.{key}", lang), lines))
    if result.ilo_count:
        fdef = cb.field("tr_ilo_indicators")
        vals = list(result.ilo_reasons[0].values)
        out.append((i18n.t("screening.ilo_count", lang, count=result.ilo_count),
                    [cb.value_label(fdef, vals, lang)]))
    return out


# (elements in the protocol's order, the ones an officer records: without one of these, being
# a child or a foreigner alone is no reason to say anything)
PARTIAL = {"trafficking": (("act", "means", "purpose"), {"act", "purpose"}),
           "smuggling": (("irregular_entry", "benefit", "foreign_national"), {"irregular_entry", "benefit"})}


ADULT_DOUBT = range(18, 21)  # an estimated age this close to 18 may be a child's


def describe_partial(result: ScreeningResult, lang: str, content: Mapping[str, Any] | None = None) -> list[str]:
    """For the officer only (the screen and the official copy): an indication with some of
    its elements recorded but not all, so the missing ones can be asked about; and, given the
    answers (``content``), an estimated age just over 18 (a child, if in doubt). Worded as
    missing information, never as an indication: "Trata: registrado acción, fin; sin
    registrar: medios. Valore preguntar." Elements in the Palermo order (act, means, purpose).
    An element answered "No" (e.g. no payment to anyone) is an answer, not missing information:
    the indication cannot follow whatever else is asked, so nothing is said about it."""
    from . import i18n

    out = []
    estimate = (content or {}).get("age_estimate")
    if content is not None and not content.get("birth_date") and estimate in ADULT_DOUBT:
        # the age is an officer's estimate, just over 18: in doubt, a person is treated as a child
        out.append(i18n.t("screening.partial.age_doubt", lang, age=estimate))
    for key, (elements, answered) in PARTIAL.items():
        flag = result.flags[key]
        missing = [e for e in elements if e in flag.missing]
        if flag.raised or not missing or answered <= set(missing) or "national" in flag.missing \
                or flag.answered_no:
            continue  # a national cannot be smuggled into their own country, nor one who answered No: nothing to ask
        name = lambda e: i18n.t(f"screening.element.{e}", lang)  # noqa: E731
        out.append(i18n.t(f"screening.partial.{key}", lang,
                          recorded=", ".join(name(e) for e in elements if e not in missing),
                          missing=", ".join(name(e) for e in missing)))
    return out

