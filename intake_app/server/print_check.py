"""A printed summary checked at the central office, from its QR.

The QR on every printed summary carries the case id, the printed revision's full content
hash and the printing device's full Ed25519 signature (``intake_app.printing.verify``). The
server holds every received revision's content hash and every enrolled device's Ed25519
public key, so it can say whether a paper is genuine without the laptop that printed it: a
receiving institution calls the office, the supervisor scans the QR (a QR reader types the
text) and reads the answer. The answer holds no personal data: case id, revision number,
copy, recipient institution, the purpose of a redacted copy (or that the code was issued before
purposes were bound), the printing device's post, and whether a newer revision exists.

A typed short code carries only a 55-bit tag of the signature, which only the printing
laptop can recompute; the server says so (:class:`PrintNeedsQr`) instead of guessing.

A genuine paper is also looked up in the printing device's own audit log as received
(``device_audit``): every print writes a ``case_print`` entry with its code. A genuine paper
with no such entry means the laptop has not sent that part of its log yet, or the entry was
removed from it (a log rewritten before sending passes the hash-chain check; this does not).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ed25519
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from ..codebook import load_codebook
from ..printing.errors import PrintCodeInvalid, PrintCodeMalformed
from ..printing.verify import candidates, parse_code
from . import audit
from .db import transaction
from .errors import ServerError
from .models import Case, Device, DeviceAudit, Revision

cases_t, devices_t, revisions_t, devaudit_t = Case.__table__, Device.__table__, Revision.__table__, DeviceAudit.__table__


class PrintNeedsQr(ServerError):
    """A typed short code: only the printing laptop can check its tag. params: case."""

    code = "print_needs_qr"
    status = 422


class PrintNotReceived(ServerError):
    """The server has no revision of the case with the printed content (not synced yet, or
    an altered paper). params: case, known (1 when the server holds the case at all)."""

    code = "print_not_received"
    status = 404


@dataclass(frozen=True)
class OfficeCheck:
    case_id: str
    revision_id: str
    revision_number: int  # 1 = the first revision the server holds of the case
    revisions: int  # how many the server holds
    current: bool  # the printed revision is the case's current head
    copy: str  # official, redacted or person
    recipient: str | None  # institution code of a redacted copy
    device_id: str
    post: str  # the printing device's border post
    device_status: str  # active, revoked, ...
    created_at: str  # when the printed revision was saved (ISO 8601, UTC, as the device wrote it)
    logged: bool = True  # the device's log, as received, has this print's case_print entry
    purpose: str | None = None  # a redacted copy's purpose (services, prosecution); None otherwise or unbound
    purpose_bound: bool = True  # False: a code issued before purposes were bound (v1 message)


def check_print(engine: Engine, text: str, *, actor: str) -> OfficeCheck:
    """Check a scanned QR text against the server; raises PrintCodeMalformed, PrintNeedsQr,
    PrintNotReceived or PrintCodeInvalid. Every check is audited (ids and the outcome only)."""
    try:
        parsed = parse_code(text)
    except PrintCodeMalformed:
        _audit(engine, actor, None, outcome="malformed")
        raise
    except PrintCodeInvalid as err:  # the QR's hash or signature disagrees with its own short code
        _audit(engine, actor, err.params.get("case"), outcome="invalid")
        raise
    if parsed.signature is None:
        _audit(engine, actor, parsed.case_id, outcome="needs_qr")
        raise PrintNeedsQr(case=parsed.case_id)
    digest = parsed.full_hash.hex()
    with engine.connect() as conn:
        rows = conn.execute(select(revisions_t.c.revision_id, revisions_t.c.device_id, revisions_t.c.created_at,
                                   revisions_t.c.codebook_version, devices_t.c.ed25519, devices_t.c.post,
                                   devices_t.c.status)
                            .join(devices_t, devices_t.c.device_id == revisions_t.c.device_id)
                            .where(revisions_t.c.case_id == parsed.case_id, revisions_t.c.content_hash == digest)
                            ).all()
        case = conn.execute(select(cases_t.c.head_revision_id).where(cases_t.c.case_id == parsed.case_id)).first()
        found = _verified(rows, parsed, digest)
        if found is not None:
            rev, cand = found
            total = conn.execute(select(func.count()).select_from(revisions_t)
                                 .where(revisions_t.c.case_id == parsed.case_id)).scalar_one()
            before = conn.execute(select(func.count()).select_from(revisions_t).where(
                revisions_t.c.case_id == parsed.case_id, revisions_t.c.created_at < rev.created_at)).scalar_one()
            logged = _logged(conn, rev.device_id, parsed.case_id, _short(text))
    if found is None:
        outcome = "not_received" if not rows else "invalid"
        _audit(engine, actor, parsed.case_id, outcome=outcome)
        if not rows:
            raise PrintNotReceived(case=parsed.case_id, known=int(case is not None))
        raise PrintCodeInvalid(case=parsed.case_id)
    result = OfficeCheck(parsed.case_id, rev.revision_id, before + 1, total,
                         case is not None and case.head_revision_id == rev.revision_id, parsed.copy, cand.recipient,
                         rev.device_id, rev.post, rev.status, rev.created_at, logged, cand.purpose, cand.purpose_bound)
    _audit(engine, actor, parsed.case_id, outcome="valid" if result.current else "superseded",
           revision=rev.revision_id, copy=parsed.copy, recipient=cand.recipient or "-",
           purpose=cand.purpose or "-", purpose_bound=cand.purpose_bound, logged=logged)
    return result


def _verified(rows, parsed, digest: str):
    """(revision row, verify.Candidate) whose device signed this paper, or None: the candidate
    tells the recipient, the purpose and whether the code binds it (v2) or predates that (v1)."""
    for row in rows:
        public = ed25519.Ed25519PublicKey.from_public_bytes(bytes(row.ed25519))
        recipients = load_codebook(row.codebook_version).vocab("institutions").codes \
            if parsed.copy == "redacted" else [None]  # official and the person's copy: no recipient
        for cand in candidates(parsed.case_id, digest, parsed.copy, recipients):
            try:
                public.verify(parsed.signature, cand.message)
            except InvalidSignature:
                continue
            return row, cand
    return None


def _short(text: str) -> str:
    """The QR's short code, as the print's audit entry writes it minus the dashes."""
    return text.strip().upper().split(":")[1]


def _logged(conn, device_id: str, case_id: str, short: str) -> bool:
    for (entry,) in conn.execute(select(devaudit_t.c.entry).where(devaudit_t.c.device_id == device_id)):
        entry = json.loads(entry) if isinstance(entry, str) else entry
        if entry.get("action") == "case_print" and entry.get("case_id") == case_id \
                and str((entry.get("detail") or {}).get("code", "")).replace("-", "").upper() == short:
            return True
    return False


def _audit(engine: Engine, actor: str, case_id: str | None, **detail) -> None:
    with transaction(engine) as conn:
        audit.append(conn, actor, "print_check", case_id, **detail)


def describe(check: OfficeCheck, lang: str) -> str:
    """The answer in words (Spanish or English), with the codebook's labels."""
    from ..i18n import t
    from ..printing import check_purpose_words
    from ..timefmt import utc_time_iso

    cb = load_codebook()
    copy = t("server.print_check.redacted", lang, recipient=cb.vocab("institutions").label(check.recipient, lang)) \
        if check.copy == "redacted" else t(f"server.print_check.{check.copy}", lang)
    post = cb.vocab("border_posts").label(check.post, lang) if check.post in cb.vocab("border_posts") else check.post
    text = t("server.print_check.valid" if check.current else "server.print_check.superseded", lang,
             case=check.case_id, number=check.revision_number, total=check.revisions, copy=copy, post=post,
             saved=utc_time_iso(check.created_at))
    text += check_purpose_words(check.purpose, check.purpose_bound, lang)
    if not check.logged:
        text += " " + t("server.print_check.not_logged", lang)
    if check.device_status == "revoked":
        text += " " + t("server.print_check.revoked", lang)
    return text
