"""Checks an outgoing package passes again before it is sealed or leaves, and what the
audit log keeps of it (see outgoing.py):

- the cases are still at the revision prepared (an edited case goes out only after it is
  prepared again, so neither old answers nor an old consent leave);
- the sealed bytes are encrypted to the recipient's *current* key (a key replaced after
  the sealing means: prepare again);
- the audit entries name the package's cases by a digest of its case/revision list and
  its count (never a name); refusals are logged, then raised.
"""

from __future__ import annotations

import hashlib
import logging
from contextlib import contextmanager
from typing import Iterable

from sqlalchemy.engine import Connection, Engine

from ...bundle.keys import hpke_key_id
from .. import audit
from ..db import transaction
from . import envelope
from .errors import CaseChangedSincePrepared, CaseUnknown, ConsentDoesNotCover, ExchangeError, IdentityNotSet, \
    PackageSealedToOldKey
from .registry import load_registry, require_peer

log = logging.getLogger(__name__)


def cases_digest(pairs: Iterable[tuple[str, str | None]]) -> str:
    """SHA-256 of the sorted ``case_id:revision_id`` lines: which records a package holds,
    checkable later against the package, without listing them in the log."""
    lines = sorted(f"{case_id}:{revision_id or ''}" for case_id, revision_id in pairs)
    return hashlib.sha256("\n".join(lines).encode("ascii")).hexdigest()


def check_unchanged(package_id: str, case_id: str, prepared_revision: str, head_revision: str) -> None:
    if head_revision != prepared_revision:
        raise CaseChangedSincePrepared(package_id=package_id, case_id=case_id)


def check_current_key(conn: Connection, pkg) -> None:
    """The sealed bytes were encrypted to the key the recipient holds now."""
    sealed_to = envelope.read_manifest(bytes(pkg.data)).recipient_key_id
    if sealed_to != hpke_key_id(require_peer(conn, pkg.recipient_key).hpke_public):
        raise PackageSealedToOldKey(package_id=pkg.package_id, recipient=pkg.recipient_key)


def audit_refused(engine: Engine, actor: str, action: str, target: str | None, **detail) -> None:
    """A refusal in the log (codes and ids only); the refusal stands even if it cannot be logged now."""
    try:
        with transaction(engine) as conn:
            audit.append(conn, actor, action, target, **detail)
    except Exception as exc:  # the log cannot be written now: said in the server's log (codes only)
        log.warning("exchange refusal not audited (%s): %s", action, type(exc).__name__)


@contextmanager
def audit_prepare_refused(engine: Engine, *, actor: str, role: str, kind: str, recipient: str, purpose: str):
    """A refused preparation in the log, then raised. A case of another institution, or none
    such, is ``access_refused`` (reason ``other_institution`` or ``not_found``, attempt
    ``package_prepare``, the case id as target only when the server holds that case: an id
    of no case, e.g. a 12-digit document number, which has a case id's shape once dashed,
    never stays in the permanent log), as for the cases pages; any other refusal (the
    registry's recipient, purpose or kind, no case, too many, a coalition that refers) is ``exchange_prepare_refused`` with its code and the
    recipient and purpose only when they are registry and codebook codes: what was typed
    elsewhere never reaches the log. A consent refusal is ``exchange_refused`` already; a
    server without an identity refuses nobody in particular."""
    try:
        yield
    except (ConsentDoesNotCover, IdentityNotSet):
        raise
    except CaseUnknown as err:
        reason = getattr(err, "refusal", "not_found")  # other_institution: a case this server holds
        held = str(err.params.get("case_id", "")) if reason == "other_institution" else None
        try:
            audit.refused(engine, actor, role, reason, held, attempt="package_prepare")
        except Exception as exc:  # the refusal stands even if it cannot be logged now
            log.warning("exchange refusal not audited (access_refused): %s", type(exc).__name__)
        raise
    except ExchangeError as err:
        from ...codebook import load_codebook

        known = load_codebook().vocab("consent_purposes")
        audit_refused(engine, actor, "exchange_prepare_refused", None, role=role, code=err.code, kind=kind,
                      recipient=recipient if recipient in load_registry().recipients else None,
                      purpose=purpose if purpose in known else None)
        raise
