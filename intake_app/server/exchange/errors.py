"""Typed errors of the exchange between institutions and countries.

Each names a catalog message ``error.<code>`` (``resources/i18n/exchange.<lang>.json``)
and carries parameters that are never personal data: registry keys, purposes, package
ids, case ids (random identifiers), field keys, reason codes.
"""

from __future__ import annotations

from ..errors import ServerError


class ExchangeError(ServerError):
    code = "exchange_error"
    status = 400

    def worded_params(self, lang: str) -> dict:
        """Registry keys, purposes and kinds in words, for ``i18n.describe_error`` (the audit
        log and page addresses keep the codes)."""
        from .manifest_words import error_params

        return error_params(self.code, self.params, lang)


# --- registry and keys -----------------------------------------------------------------
class RegistryMalformed(ExchangeError):
    """resources/exchange/recipients.yaml is wrong. params: where, problem."""

    code = "exchange_registry_malformed"


class UnknownRecipient(ExchangeError):
    """params: recipient (a registry key)."""

    code = "exchange_recipient_unknown"
    status = 404


class RecipientMissing(ExchangeError):
    """No recipient chosen: on a page, the list is empty while no institution's keys are imported."""

    code = "exchange_recipient_missing"
    status = 400


class PurposeNotAllowed(ExchangeError):
    """The registry does not let this recipient receive data for this purpose. params: recipient, purpose."""

    code = "exchange_purpose_not_allowed"
    status = 403


class RecipientHasNoKeys(ExchangeError):
    """No public keys were imported for this recipient yet. params: recipient."""

    code = "exchange_recipient_no_keys"
    status = 409


class KeyFingerprintMismatch(ExchangeError):
    """The key file's fingerprint is not the one given in person. params: recipient (never
    the file's fingerprint: it would be copied and retried)."""

    code = "exchange_key_fingerprint_mismatch"


class KeyIsOwn(ExchangeError):
    """The key file is this server's own: importing it as a peer's would seal packages to
    ourselves and trust our own signature as theirs. params: recipient."""

    code = "exchange_key_is_own"
    status = 409


class KeyAlreadyImported(ExchangeError):
    """The peer already has a verified key with another fingerprint: replacing it needs an
    explicit ``replace``. params: recipient, old, new (fingerprints)."""

    code = "exchange_key_already_imported"
    status = 409


class KeyHeldByAnotherPeer(ExchangeError):
    """The file's signing key is already trusted as another institution's: one server's key
    under two names would let that server read what is sealed to either. params: recipient
    (the entry named), holder (the entry that already has it)."""

    code = "exchange_key_other_institution"
    status = 409


class KeyOlderThanImported(ExchangeError):
    """The same peer's key file, but older than the one imported (a rollback to an encryption
    key it replaced). params: recipient, found (the file's issue time), current (the imported one's)."""

    code = "exchange_key_older"
    status = 409


class KeyFileInvalid(ExchangeError):
    """The public key file is not a valid, self-endorsed server key file. params: reason."""

    code = "exchange_key_file_invalid"


class IdentityNotSet(ExchangeError):
    """This server has not said which registry entry it is. params: none."""

    code = "exchange_identity_not_set"
    status = 409


class IdentityChangeNeedsConfirmation(ExchangeError):
    """``exchange identity`` names another entry while packages were already prepared, sent
    or received under the current one: refused unless the operator confirms (``--yes``).
    params: old, new (registry keys), sent, pending, received (counts)."""

    code = "exchange_identity_change_confirm"
    status = 409


class IdentityChangeStrandsWithdrawals(IdentityChangeNeedsConfirmation):
    """``exchange identity`` names another entry while records this server sent under the
    current one could still have to be withdrawn: refused even with ``--yes``. A notice goes
    under the server's current name, and the recipient withdraws only records received from
    the sender the notice names, so a person's withdrawal of consent would never reach them.
    (A subclass: whoever catches "the change was refused" catches this one too.)
    params: old, new (registry keys), cases (records sent that no notice sent since withdrew),
    sealed (referrals sealed under the current name, not sent yet)."""

    code = "exchange_identity_change_strands_withdrawals"
    status = 409


# --- preparing, approving, sending -----------------------------------------------------
class ConsentDoesNotCover(ExchangeError):
    """A case may not go to this recipient for this purpose. params: case_id, recipient,
    purpose, reason (a sharing-profile reason code: consent_missing, recipient_not_covered, ...)."""

    code = "exchange_consent_does_not_cover"
    status = 403


class RefusedConsentMissing(ConsentDoesNotCover):
    code = "exchange_refused_consent_missing"


class RefusedConsentRefused(ConsentDoesNotCover):
    code = "exchange_refused_consent_refused"


class RefusedConsentNotPossible(ConsentDoesNotCover):
    code = "exchange_refused_consent_not_possible"


class RefusedRecipientNotCovered(ConsentDoesNotCover):
    code = "exchange_refused_recipient_not_covered"


class RefusedPurposeNotCovered(ConsentDoesNotCover):
    code = "exchange_refused_purpose_not_covered"


class RefusedNoProfile(ConsentDoesNotCover):
    code = "exchange_refused_no_profile"


class RefusedProtectionRisk(ConsentDoesNotCover):
    code = "exchange_refused_protection_risk"


_BY_REASON = {"consent_missing": RefusedConsentMissing, "consent_refused": RefusedConsentRefused,
              "consent_not_possible": RefusedConsentNotPossible, "recipient_not_covered": RefusedRecipientNotCovered,
              "purpose_not_covered": RefusedPurposeNotCovered, "no_profile": RefusedNoProfile,
              "protection_risk": RefusedProtectionRisk}


def refusal(case_id: str, recipient: str, purpose: str, reason: str) -> ConsentDoesNotCover:
    """The typed refusal for a sharing-policy reason code (its own message per reason)."""
    return _BY_REASON.get(reason, ConsentDoesNotCover)(case_id=case_id, recipient=recipient, purpose=purpose,
                                                        reason=reason)


class CaseUnknown(ExchangeError):
    """The server holds no case with this id (received cases are never re-shared). params: case_id."""

    code = "exchange_case_unknown"
    status = 404


class NoCases(ExchangeError):
    code = "exchange_no_cases"


class PackageUnknown(ExchangeError):
    """params: package_id."""

    code = "exchange_package_unknown"
    status = 404


class PackageWrongState(ExchangeError):
    """params: package_id, state (the package's), needed; reason (the state, for the
    wording of each case: prepared, approved, sent, cancelled, too many cases)."""

    code = "exchange_package_wrong_state"
    status = 409


class SelfApproval(ExchangeError):
    """The supervisor who prepared a package cannot approve it. params: package_id."""

    code = "exchange_self_approval"
    status = 403


class ApproverNotSupervisor(ExchangeError):
    """params: role."""

    code = "exchange_approver_not_supervisor"
    status = 403


class StatisticsAreAggregates(ExchangeError):
    """Statistics and research go as aggregate figures, never as individual records (even
    without names, a record with age, nationality, post and dates singles a person out).
    params: recipient, purpose."""

    code = "exchange_statistics_are_aggregates"
    status = 403


class KindNotAllowed(ExchangeError):
    """The registry does not let this recipient receive this kind of package. params: recipient, kind."""

    code = "exchange_kind_not_allowed"
    status = 403


class AggregatePeriodInvalid(ExchangeError):
    """params: period."""

    code = "exchange_period_invalid"


class AggregatePeriodNotClosed(ExchangeError):
    """The period reaches the quarter still running (or a later one, by the server's UTC
    clock): its figures still change, so two packages of it would differ by the cases in
    between. params: period, current (the running quarter), last_closed."""

    code = "exchange_period_not_closed"


class CaseChangedSincePrepared(ExchangeError):
    """A case of the package has a newer revision than the one prepared: the package would
    carry old data (and an old consent). params: package_id, case_id."""

    code = "exchange_case_changed"
    status = 409


class PackageSealedToOldKey(ExchangeError):
    """The package was sealed to a key of the recipient that is no longer its current one.
    params: package_id, recipient."""

    code = "exchange_package_old_key"
    status = 409


# --- receiving ---------------------------------------------------------------------------
class NotAPackage(ExchangeError):
    """Not an exchange package file at all."""

    code = "exchange_not_a_package"
    status = 422


class PackageMalformed(ExchangeError):
    """Framing, manifest or payload that a correct sender never writes. params: part (a code
    worded by ``error.exchange_package_malformed.<part>``; ``content``: the decrypted payload's
    structure, with ``field`` naming where)."""

    code = "exchange_package_malformed"
    status = 422


class PackageVersionTooNew(ExchangeError):
    """params: found, supported."""

    code = "exchange_package_version_too_new"
    status = 422


class PackageNotForUs(ExchangeError):
    """Addressed to another recipient. params: recipient (the manifest's), key_id, reason
    (``other_recipient``: its own wording). A package for us sealed to a key we do not hold
    is :class:`PackageKeyNotHeld`."""

    code = "exchange_package_not_for_us"
    status = 403


class PackageKeyNotHeld(PackageNotForUs):
    """Addressed to this server, but sealed to an encryption key it does not hold (one it no
    longer has, or the sender imported an old key file). params: recipient, key_id, sender."""

    code = "exchange_package_key_not_held"


class PackageFromTheFuture(ExchangeError):
    """The manifest's creation time is later than this server's clock allows (more than the
    tolerated skew ahead). params: created_at, now (this server's clock), minutes (the skew allowed)."""

    code = "exchange_package_from_future"
    status = 422


class PackageEmpty(ExchangeError):
    """A referral or withdrawal notice that names no case: a correct sender never makes one.
    params: package_id, kind."""

    code = "exchange_package_empty"
    status = 422


class PackageUnknownSender(ExchangeError):
    """Signed by a sender this server has no keys for. params: sender (a registry key this
    server knows); or reason "not_in_registry" and no sender, for a name that is no registry
    key at all (unverified text is never echoed)."""

    code = "exchange_package_unknown_sender"
    status = 403


class PackageTampered(ExchangeError):
    """The signatures do not verify under the sender's registered keys (the bytes were
    changed, or someone else signed it). params: sender, part ("ciphertext": the signatures
    hold but the content does not open under this server's own key, e.g. a peer re-signed
    another's package after rewriting its sender)."""

    code = "exchange_package_tampered"
    status = 422


class PackageAlreadyReceived(ExchangeError):
    """A replay: this package was received before; nothing was stored again.
    params: package_id, received_at."""

    code = "exchange_package_already_received"
    status = 409


class NotYourInstitution(ExchangeError):
    """A supervisor of another institution than the one this server receives for (its
    registry key) tried to read or import a package. params: recipient."""

    code = "exchange_not_your_institution"
    status = 403


class SenderCannotRefer(ExchangeError):
    """A referral (individual records) from a registry entry with no institution: a coalition
    sends aggregate figures only. params: sender."""

    code = "exchange_sender_cannot_refer"
    status = 422


class PackageInvalidContent(ExchangeError):
    """A record does not validate against the codebook version it names, or carries
    fields the manifest does not list. params: case_id, problems ("field:rule", never values)."""

    code = "exchange_package_invalid_content"
    status = 422


class ReceivedCaseUnknown(ExchangeError):
    """params: record_id."""

    code = "exchange_received_case_unknown"
    status = 404


class ReceivedCaseWithdrawn(ExchangeError):
    """The person withdrew consent at the sender: the data was erased here. params: record_id."""

    code = "exchange_received_case_withdrawn"
    status = 410
