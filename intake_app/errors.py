"""Typed errors raised by the core.

Errors carry data (field keys, counts, seconds), never sentences and never personal
data. Front ends (CLI, desktop, server) word them through :mod:`intake_app.i18n`
using the message key in ``code``: ``t("error." + err.code, **err.params)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class IntakeError(Exception):
    """Base class. ``code`` names a catalog message ``error.<code>``."""

    code = "internal"

    def __init__(self, **params: Any) -> None:
        self.params = params
        # The exception text is the code and the params' keys only: an
        # exception that reaches a crash log can never carry a value typed by a person.
        super().__init__(f"{self.code}({', '.join(sorted(params))})")


# --- vault -----------------------------------------------------------------
class VaultNotFound(IntakeError):
    code = "vault_not_found"


class VaultExists(IntakeError):
    code = "vault_exists"


class VaultLocked(IntakeError):
    code = "vault_locked"


class VaultCorrupt(IntakeError):
    """params: part, ``keyring`` (keyring.json unreadable), ``keyring_mismatch`` (not this
    vault's), ``database`` (vault.db damaged), ``key`` (the passphrase opened the keyring's key
    but it does not open a vault.db that looks whole: keyring.json older than the vault, an
    officer removed since, or one of the files damaged; worded ``error.vault_corrupt.key``)."""

    code = "vault_corrupt"


class VaultIncomplete(IntakeError):
    """One of the vault's two files is missing beside the other (a crash while the vault
    was being created, or a file moved away). params: part, the missing one: ``keyring``
    (keyring.json, without which the database cannot be opened) or ``database`` (vault.db).
    Nothing is deleted or created."""

    code = "vault_incomplete"


class VaultDiskError(IntakeError):
    """The vault's disk refused a read or a write (not damage to the vault): nothing was
    lost, and whatever the action was, nothing of it was kept. params: reason, ``no_space``
    (full), ``io`` (a read or write error), ``access`` (read-only, no permission)."""

    code = "vault_disk"


class OfficerRemoveUnfinished(VaultDiskError):
    """The vault's disk failed during an officer removal, after it had started: no case was
    lost, the officer can no longer unlock here, and running the removal again finishes it (a
    :class:`VaultDiskError` whose "nothing changed" would not be true). params: name,
    reason (as :class:`VaultDiskError`'s, or absent)."""

    code = "officer_remove_unfinished"


class VaultTooNew(IntakeError):
    """params: found (schema version in the file), supported."""

    code = "vault_too_new"


class VaultBusy(IntakeError):
    code = "vault_busy"


class WrongPassphrase(IntakeError):
    """params: failures (consecutive), retry_after (seconds before the next try)."""

    code = "wrong_passphrase"


class UnlockThrottled(IntakeError):
    """params: retry_after (seconds)."""

    code = "unlock_throttled"


class UnknownOfficer(IntakeError):
    code = "unknown_officer"


class OfficerNameInvalid(IntakeError):
    """An officer name that could not be typed the same way at the unlock prompt. params:
    reason (empty, spaces, control, too_long), max_length. The name is never a param."""

    code = "officer_name_invalid"


class OfficerExists(IntakeError):
    code = "officer_exists"


class OfficerRemoveSelf(IntakeError):
    """The signed-in officer cannot remove themself: another officer of the vault does it."""

    code = "officer_remove_self"


class OfficersMustUnlock(IntakeError):
    """An officer cannot be removed yet: these remaining officers' keyring entries have no box
    (a vault from before removal existed), which their next unlock adds. params: count,
    names (the officers' login names, comma-separated: the one exception to "no names in
    errors", since they are the officers of this laptop, never people in the cases)."""

    code = "officers_must_unlock"


class OfficerBoxReplaced(IntakeError):
    """The officer's passphrase is right but no longer opens the vault, and their keyring box
    is not the one their passphrase seals (or the seal an officer's removal left in it does not
    open): someone who could write keyring.json and held the database key (an officer removed
    since) swapped it before the removal, which then sealed the new key to their box. Not
    damage: another officer removes this one and adds them again (a new re-key)."""

    code = "officer_box_replaced"


class VaultOpenElsewhere(IntakeError):
    """Another program (the desktop app, another command) has the vault open, so it cannot be
    re-keyed (an officer's removal). Nothing was changed."""

    code = "vault_open_elsewhere"


class WeakPassphrase(IntakeError):
    """params: min_length."""

    code = "weak_passphrase"


class CaseNotFound(IntakeError):
    code = "case_not_found"


class StaleRevision(IntakeError):
    """The case changed since the form was opened (params: expected, current)."""

    code = "stale_revision"


class AuditBroken(IntakeError):
    """params: seq (first entry that does not verify), reason."""

    code = "audit_broken"


# --- codebook and records ----------------------------------------------------
class CodebookError(IntakeError):
    """A malformed codebook. params: field (key or path), problem (a short code)."""

    code = "codebook_malformed"


class UnknownCodebookVersion(IntakeError):
    code = "codebook_unknown_version"


@dataclass(frozen=True)
class FieldProblem:
    """One invalid value: the field key and the rule it broke (with the rule's args)."""

    field: str
    rule: str
    args: dict[str, Any] = field(default_factory=dict)


class InvalidRecord(IntakeError):
    """params: problems (list of FieldProblem). Nothing is stored."""

    code = "invalid_record"

    def __init__(self, problems: list[FieldProblem]) -> None:
        self.problems = problems
        super().__init__(problems=problems)
        # name the fields and rules, never the values
        self.args = ("invalid_record: " + ", ".join(f"{p.field}:{p.rule}" for p in problems),)
