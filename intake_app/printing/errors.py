"""Typed errors of printing and print verification: codes and params, never personal data.

``recipient`` is an institution code, ``purpose`` a consent_purposes code; front ends show
their labels (:func:`intake_app.printing.describe_print_error` does that).
"""

from __future__ import annotations

from ..errors import IntakeError


class PrintError(IntakeError):
    code = "print_failed"


class PrintCopyUnknown(PrintError):
    """params: copy."""

    code = "print_copy_unknown"


class PrintRecipientRequired(PrintError):
    code = "print_recipient_required"


class PrintRecipientUnknown(PrintError):
    """params: recipient."""

    code = "print_recipient_unknown"


class PrintRecipientNotForOfficial(PrintError):
    code = "print_recipient_not_for_official"


class PrintRecipientNotForPerson(PrintError):
    code = "print_recipient_not_for_person"


class PrintPurposeUnknown(PrintError):
    """params: purpose."""

    code = "print_purpose_unknown"


class PrintLanguageUnknown(PrintError):
    """params: lang."""

    code = "print_language_unknown"


class PrintPersonCopyPurged(PrintError):
    """The case's identity data were removed from this laptop after delivery (the central
    server keeps them): the copy for the person, which carries their name, cannot be
    printed here. params: case."""

    code = "print_person_copy_purged"


# --- a redacted copy that consent does not cover (params: recipient, purpose, reason) ----------
class PrintRefused(PrintError):
    """Base of the refusals; ``reason`` is the sharing decision's reason code."""

    code = "print_refused"


class PrintConsentRefused(PrintRefused):
    code = "print_consent_refused"


class PrintConsentNotPossible(PrintRefused):
    code = "print_consent_not_possible"


class PrintConsentMissing(PrintRefused):
    code = "print_consent_missing"


class PrintRecipientNotCovered(PrintRefused):
    code = "print_recipient_not_covered"


class PrintOtherCountryNotCovered(PrintRecipientNotCovered):
    """An institution of the other country (CR ↔ PA) and a consent without ``other_country``.
    Extra params: ``country`` (the institution's), ``post_country`` (the case's post's),
    ``category`` (``other_country``)."""

    code = "print_other_country_not_covered"


class PrintPurposeNotCovered(PrintRefused):
    code = "print_purpose_not_covered"


class PrintNoProfile(PrintRefused):
    code = "print_no_profile"


class PrintProtectionRisk(PrintRefused):
    code = "print_protection_risk"


class PrintStatisticsAreAggregates(PrintRefused):
    """A redacted copy is one person's record: never for statistics or research, which get
    aggregate figures (the dashboard, the exchange's aggregate packages). params: recipient,
    purpose, reason (``statistics_are_aggregates``)."""

    code = "print_statistics_are_aggregates"


REFUSALS: dict[str, type[PrintRefused]] = {
    "consent_refused": PrintConsentRefused,
    "consent_not_possible": PrintConsentNotPossible,
    "consent_missing": PrintConsentMissing,
    "recipient_not_covered": PrintRecipientNotCovered,
    "purpose_not_covered": PrintPurposeNotCovered,
    "no_profile": PrintNoProfile,
    "protection_risk": PrintProtectionRisk,
    "statistics_are_aggregates": PrintStatisticsAreAggregates,
}


# --- verification of a printed code --------------------------------------------------------
class PrintCodeMalformed(PrintError):
    """params: problem (length, characters, check)."""

    code = "print_code_malformed"


class PrintCodeUnknownCase(PrintError):
    """The case of the code is not in this vault (params: case, the case id)."""

    code = "print_code_unknown_case"


class PrintCodeInvalid(PrintError):
    """No revision of the case matches the code's hash and device signature (params: case)."""

    code = "print_code_invalid"


class PrintSuperseded(PrintError):
    """The paper shows an older revision (params: case, revision, newer)."""

    code = "print_superseded"
