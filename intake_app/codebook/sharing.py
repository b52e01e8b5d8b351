"""Sharing profiles: which fields a recipient may see, for which purpose, under which consent.

The profiles are data, in the codebook file's top-level ``sharing_profiles`` section (the
codebook loader ignores it; this module reads and checks it). They serve every place where
data leaves the record: the redacted printed copy and the exchange between institutions and
countries.

- A profile belongs to a recipient category (vocabulary ``consent_recipients``) and a
  purpose (vocabulary ``consent_purposes``); an optional ``institution`` narrows it to one
  institution (vocabulary ``institutions``) of that category and wins over the general one.
- A field is shared when it is in ``allow``, or when its sensitivity class is in ``classes``
  and it is not in ``deny``.
- :func:`decide` says whether a record may go to a recipient at all: the consent given must
  cover the category and the purpose; when consent could not be obtained, the record's
  ``legal_basis`` may still allow it (``without_consent``). A person's explicit refusal is
  overridden only by a rule marked ``also_when_refused`` (child protection for a minor):
  never by a legal obligation towards, say, migration authorities.
- ``refuse_if`` belongs to the **recipient**, not to the purpose it is written under: the
  condition blocks that recipient category (or that one institution, when the profile names
  one) whatever the consent **and for every purpose**, including purposes that have no
  profile today (a refugee's consulate: services, statistics, research, anything). A profile
  added later without the condition cannot reopen it.
- A person's record goes out only for the purposes in :data:`RECORD_PURPOSES` (services,
  prosecution). Statistics and research get aggregate figures (dashboard, aggregate
  packages, the k = 11 HTCDS file), never one person's record: even without a name, age,
  nationality, post and dates single a person out (``statistics_are_aggregates``).
- A field is **withheld with** the field it reveals: a field shown only when another one has
  certain values (its ``show_if``) tells those values by being there, so when the profile
  withholds the controlling field it withholds the dependent one too ("Quién decidió la
  condición" and "Fecha de acreditación" are recorded only for some victim statuses). The
  dependencies come from the codebook's own ``show_if``; a profile that names such a field in
  ``allow`` (a custom codebook's) is warned about at load (a logged WARNING naming the fields)
  and the field is withheld anyway. Only ``consent_status`` is exempt (:data:`DISCLOSED_BY_BASIS`):
  the basis for sharing, on every copy and with every record sent, already says whether
  consent was given.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from functools import cache
from typing import Any, Mapping

from ..errors import CodebookError
from . import conditions
from .model import SENSITIVITIES, Codebook, Field

log = logging.getLogger(__name__)

SECTION = "sharing_profiles"
PROFILE_KEYS = {"recipient", "institution", "purpose", "classes", "allow", "deny", "refuse_if", "without_consent"}

# reasons a decision refuses (codes, worded by front ends)
CONSENT_MISSING = "consent_missing"
CONSENT_REFUSED = "consent_refused"
CONSENT_NOT_POSSIBLE = "consent_not_possible"
RECIPIENT_NOT_COVERED = "recipient_not_covered"
PURPOSE_NOT_COVERED = "purpose_not_covered"
NO_PROFILE = "no_profile"
PROTECTION_RISK = "protection_risk"
STATISTICS_ARE_AGGREGATES = "statistics_are_aggregates"

# the purposes a person's record (a redacted copy, a referral) may go for; the others
# (reporting, research) get aggregate figures only
RECORD_PURPOSES = ("services", "prosecution")
# controlling fields whose value every shared record discloses anyway (its basis: consent, or
# a legal basis): a field shown only for some of their values reveals nothing more
DISCLOSED_BY_BASIS = frozenset({"consent_status"})


@dataclass(frozen=True)
class WithoutConsent:
    legal_basis: str
    institutions: frozenset[str]
    when: dict | None = None
    also_when_refused: bool = False  # a refusal stands unless the rule says so (child protection)


@dataclass(frozen=True)
class SharingProfile:
    recipient: str  # a consent_recipients code
    purpose: str  # a consent_purposes code
    classes: frozenset[str]
    allow: frozenset[str] = frozenset()
    deny: frozenset[str] = frozenset()
    institution: str | None = None
    refuse_if: dict | None = None
    without_consent: tuple[WithoutConsent, ...] = ()
    # fields withheld with a field they reveal (their show_if names a withheld field): computed
    # from the codebook at load (:func:`revealing_fields`), never written in a profile
    withheld_with: frozenset[str] = frozenset()

    @property
    def name(self) -> str:
        """``recipient/purpose`` or ``recipient:institution/purpose`` (for errors and audit)."""
        who = f"{self.recipient}:{self.institution}" if self.institution else self.recipient
        return f"{who}/{self.purpose}"

    def allows(self, fdef: Field) -> bool:
        if fdef.key in self.deny or fdef.key in self.withheld_with:
            return False
        return fdef.key in self.allow or fdef.sensitivity in self.classes

    def withheld_only_with(self, fdef: Field) -> bool:
        """Withheld only because it reveals a withheld field: its own ``allow``/``classes``
        and ``deny`` let it through. A sender not yet updated still sends such a field; the
        receiving server drops it on arrival instead of refusing the package."""
        return fdef.key in self.withheld_with and fdef.key not in self.deny \
            and (fdef.key in self.allow or fdef.sensitivity in self.classes)

    def filter(self, cb: Codebook, content: Mapping[str, Any]) -> dict[str, Any]:
        """The answers this profile lets through (fields and derived fields)."""
        out = {}
        for key, value in content.items():
            fdef = cb.fields.get(key) or cb.derived_fields.get(key)
            if fdef is not None and self.allows(fdef):
                out[key] = value
        return out


@dataclass(frozen=True)
class Decision:
    """Whether a record may go to a recipient; ``basis`` is ``consent`` or a legal_basis code."""

    allowed: bool
    recipient: str  # the category
    purpose: str
    institution: str | None
    profile: SharingProfile | None
    basis: str | None = None
    reason: str | None = None  # when refused


class SharingPolicy:
    def __init__(self, cb: Codebook, profiles: list[SharingProfile]) -> None:
        self.codebook = cb
        self.profiles = tuple(profiles)
        self._index = {(p.recipient, p.institution, p.purpose): p for p in profiles}
        # refuse_if is the recipient's (category, or one institution), whatever the purpose
        blocks: dict[tuple[str, str | None], list[dict]] = {}
        for p in profiles:
            if p.refuse_if is not None and p.refuse_if not in blocks.setdefault((p.recipient, p.institution), []):
                blocks[(p.recipient, p.institution)].append(p.refuse_if)
        self._blocks = {k: tuple(v) for k, v in blocks.items()}
        self._category_of: dict[str, str] = {}
        for term in cb.vocab("consent_recipients").terms:
            for inst in term.attrs.get("institutions") or []:
                self._category_of.setdefault(inst, term.code)

    def category_of(self, institution: str) -> str | None:
        """The consent_recipients category an institution belongs to (None when in none)."""
        return self._category_of.get(institution)

    def refuse_if(self, recipient: str, institution: str | None = None) -> tuple[dict, ...]:
        """The conditions that block ``recipient`` (and ``institution``) for every purpose."""
        found = self._blocks.get((recipient, None), ())
        if institution is not None:
            found += self._blocks.get((recipient, institution), ())
        return found

    def profile(self, recipient: str, purpose: str, institution: str | None = None) -> SharingProfile | None:
        if institution is not None:
            specific = self._index.get((recipient, institution, purpose))
            if specific is not None:
                return specific
        return self._index.get((recipient, None, purpose))

    def decide(self, content: Mapping[str, Any], derived: Mapping[str, Any], purpose: str,
               institution: str | None = None, recipient: str | None = None) -> Decision:
        """May this record go to ``institution`` (or to the category ``recipient``) for ``purpose``?"""
        if recipient is None:
            recipient = self.category_of(institution or "")
        profile = self.profile(recipient, purpose, institution) if recipient else None

        def refuse(reason: str) -> Decision:
            return Decision(False, recipient or "", purpose, institution, profile, None, reason)

        values = {**content, **derived}
        if recipient and any(conditions.evaluate(c, values) for c in self.refuse_if(recipient, institution)):
            return refuse(PROTECTION_RISK)  # the recipient's block: before the purpose, whatever it is
        if purpose not in RECORD_PURPOSES:
            return refuse(STATISTICS_ARE_AGGREGATES)
        if profile is None:
            return refuse(NO_PROFILE)
        status = content.get("consent_status")
        if status == "given":
            if recipient not in (content.get("consent_recipients") or []):
                return refuse(RECIPIENT_NOT_COVERED)
            if purpose not in (content.get("consent_purposes") or []):
                return refuse(PURPOSE_NOT_COVERED)
            return Decision(True, recipient, purpose, institution, profile, "consent")
        basis = content.get("legal_basis")
        if basis:
            for rule in profile.without_consent:
                if status == "refused" and not rule.also_when_refused:
                    continue
                if rule.legal_basis == basis and institution in rule.institutions \
                        and conditions.evaluate(rule.when, values):
                    return Decision(True, recipient, purpose, institution, profile, basis)
        if status == "refused":
            return refuse(CONSENT_REFUSED)
        if status == "not_possible":
            return refuse(CONSENT_NOT_POSSIBLE)
        return refuse(CONSENT_MISSING)


# --- loading and checking ---------------------------------------------------------------
def _fail(where: str, problem: str) -> CodebookError:
    return CodebookError(field=f"{SECTION}.{where}", problem=problem)


def _codes(raw: Any, where: str, problem: str) -> list[str]:
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not raw or not all(isinstance(x, str) for x in raw):
        raise _fail(where, problem)
    return raw


def revealing_fields(cb: Codebook, shown) -> dict[str, str]:
    """Fields ``shown`` lets through whose ``show_if`` names a field it withholds (directly or
    through another such field): {field: the withheld field its presence reveals}."""
    fields = {**cb.fields, **cb.derived_fields}
    hidden: dict[str, str] = {}
    changed = True
    while changed:
        changed = False
        for key, f in fields.items():
            if key in hidden or not f.show_if or not shown(f):
                continue
            for ref in sorted(set(conditions.referenced_fields(f.show_if)) - DISCLOSED_BY_BASIS):
                if ref in hidden or (ref in fields and not shown(fields[ref])):
                    hidden[key] = hidden.get(ref, ref)
                    changed = True
                    break
    return hidden


def _with_dependencies(cb: Codebook, profile: SharingProfile) -> SharingProfile:
    hidden = revealing_fields(cb, profile.allows)
    for key in sorted(set(hidden) & profile.allow):  # allowed by name, yet it gives away a withheld field
        # withheld anyway (the safe choice), said once at load: refusing the profile would stop
        # every print and exchange until the custom codebook is fixed (codes only, never values)
        log.warning("perfil de intercambio %s: «%s» está en allow pero revela «%s», que el perfil no comparte: "
                    "se retiene igualmente / sharing profile %s: “%s” is in allow but reveals “%s”, which the profile "
                    "withholds: withheld anyway", profile.name, key, hidden[key], profile.name, key, hidden[key])
    return replace(profile, withheld_with=frozenset(hidden))


def parse_profiles(cb: Codebook, raw: Any) -> list[SharingProfile]:
    """Check the ``sharing_profiles`` section against ``cb``; CodebookError names the profile."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise _fail("?", "not_a_list")
    categories = cb.vocab("consent_recipients")
    purposes = cb.vocab("consent_purposes")
    institutions = cb.vocab("institutions")
    bases = cb.vocab("legal_bases")
    known_fields = set(cb.fields) | set(cb.derived_fields)
    profiles: list[SharingProfile] = []
    seen: set[tuple] = set()
    for i, entry in enumerate(raw):
        if not isinstance(entry, dict):
            raise _fail(f"[{i}]", "profile_not_a_mapping")
        recipients = _codes(entry.get("recipient"), f"[{i}]", "missing_recipient")
        purpose = entry.get("purpose")
        name = f"{'+'.join(recipients)}/{purpose}"
        extra = set(entry) - PROFILE_KEYS
        if extra:
            raise _fail(name, f"unknown_attribute_{sorted(extra)[0]}")
        for r in recipients:
            if r not in categories:
                raise _fail(name, f"unknown_recipient_{r}")
        if not isinstance(purpose, str) or purpose not in purposes:
            raise _fail(name, "unknown_purpose")
        institution = entry.get("institution")
        if institution is not None:
            if len(recipients) != 1:
                raise _fail(name, "institution_needs_one_recipient")
            members = categories.get(recipients[0]).attrs.get("institutions") or []
            if institution not in institutions or institution not in members:
                raise _fail(name, f"institution_not_in_category_{institution}")
            name = f"{recipients[0]}:{institution}/{purpose}"
        classes = entry.get("classes") or []
        if not isinstance(classes, list) or any(c not in SENSITIVITIES for c in classes):
            raise _fail(name, "unknown_sensitivity_class")
        lists = {}
        for key in ("allow", "deny"):
            values = entry.get(key) or []
            if not isinstance(values, list):
                raise _fail(name, f"{key}_not_a_list")
            for f in values:
                if f not in known_fields:
                    raise _fail(name, f"{key}_unknown_field_{f}")
            lists[key] = frozenset(values)
        both = lists["allow"] & lists["deny"]
        if both:
            raise _fail(name, f"allowed_and_denied_{sorted(both)[0]}")
        refuse_if = entry.get("refuse_if")
        if refuse_if is not None:
            for p in conditions.problems(refuse_if):
                raise _fail(name, f"refuse_if_{p}")
            for ref in conditions.referenced_fields(refuse_if):
                if ref not in known_fields:
                    raise _fail(name, f"refuse_if_unknown_field_{ref}")
        rules = []
        for j, rule in enumerate(entry.get("without_consent") or []):
            if not isinstance(rule, dict) or rule.get("legal_basis") not in bases:
                raise _fail(name, f"without_consent_{j}_unknown_legal_basis")
            insts = rule.get("institutions")
            if not isinstance(insts, list) or not insts:
                raise _fail(name, f"without_consent_{j}_needs_institutions")
            for inst in insts:
                members = {m for r in recipients for m in categories.get(r).attrs.get("institutions") or []}
                if inst not in members:
                    raise _fail(name, f"without_consent_{j}_institution_not_in_category_{inst}")
            when = rule.get("when")
            if when is not None:
                for p in conditions.problems(when):
                    raise _fail(name, f"without_consent_{j}_{p}")
            refused = rule.get("also_when_refused", False)
            if not isinstance(refused, bool) or set(rule) - {"legal_basis", "institutions", "when", "also_when_refused"}:
                raise _fail(name, f"without_consent_{j}_unknown_key")
            rules.append(WithoutConsent(rule["legal_basis"], frozenset(insts), when, refused))
        for r in recipients:
            key = (r, institution, purpose)
            if key in seen:
                raise _fail(name, "duplicate_profile")
            seen.add(key)
            profiles.append(_with_dependencies(cb, SharingProfile(
                recipient=r, purpose=purpose, classes=frozenset(classes), allow=lists["allow"],
                deny=lists["deny"], institution=institution, refuse_if=refuse_if, without_consent=tuple(rules))))
    return profiles


@cache
def _policy(version: str) -> SharingPolicy:
    """Checked once per process and version, from the loader's own single reading of the file."""
    from .loader import load_codebook, shipped_section

    cb = load_codebook(version)
    return SharingPolicy(cb, parse_profiles(cb, shipped_section(version, SECTION)))


def sharing_policy(cb: Codebook | None = None) -> SharingPolicy:
    """The sharing profiles of ``cb``'s version (default: the newest codebook), checked once."""
    if cb is None:
        from .loader import load_codebook

        cb = load_codebook()
    return _policy(cb.version)
