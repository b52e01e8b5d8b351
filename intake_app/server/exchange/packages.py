"""Outgoing packages as stored, and whose they are: what a page or a command reads of a
package, the institution scope, and the audit of a package refused to a supervisor.

A package belongs to its preparer's institution. A supervisor of another institution who
names it (to approve, cancel or send it) is told it does not exist (``PackageUnknown``),
exactly as for an id no package has; the try is audited as ``access_refused`` (reason
``other_institution`` or ``not_found``, the attempt, the package id as target), as
``review.py`` does for cases, so an insider trying other institutions' package ids shows in
the log without learning which exist. ``institution=None`` is national scope.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from .. import audit
from .errors import PackageUnknown
from .models import ExchangePackage, ExchangePackageCase

log = logging.getLogger(__name__)
packages_t = ExchangePackage.__table__
pcases_t = ExchangePackageCase.__table__
PACKAGE_ID = re.compile(r"xp-[0-9a-f]{32}", re.ASCII)  # outgoing.new_package_id


@dataclass(frozen=True)
class PackageInfo:
    package_id: str
    kind: str
    recipient_key: str
    purpose: str
    status: str
    case_count: int
    fields: list
    spec: dict
    prepared_by: str
    prepared_at: datetime
    approved_by: str | None
    approved_at: datetime | None
    sent_by: str | None
    sent_at: datetime | None
    sha256: str | None
    institution: str | None = None


def info(row) -> PackageInfo:
    return PackageInfo(row.package_id, row.kind, row.recipient_key, row.purpose, row.status, row.case_count,
                       list(row.fields or []), dict(row.spec or {}), row.prepared_by, row.prepared_at,
                       row.approved_by, row.approved_at, row.sent_by, row.sent_at, row.sha256, row.institution)


def in_scope(q, institution: str | None):
    return q if institution is None else q.where(packages_t.c.institution == institution)


def unknown(conn: Connection, package_id: str, institution: str | None) -> PackageUnknown:
    """The error for a package this scope does not hold, with why (kept on the error for
    :func:`audit_unknown`, never in the answer): another institution's, or none such."""
    other = institution is not None and conn.execute(
        select(packages_t.c.package_id).where(packages_t.c.package_id == package_id)).first() is not None
    err = PackageUnknown(package_id=package_id)
    err.refusal = "other_institution" if other else "not_found"
    return err


def locked(conn: Connection, package_id: str, institution: str | None = None):
    """The package's row (locked for update on PostgreSQL), or ``PackageUnknown``."""
    q = in_scope(select(packages_t).where(packages_t.c.package_id == package_id), institution)
    if conn.dialect.name == "postgresql":
        q = q.with_for_update()
    row = conn.execute(q).first()
    if row is None:
        raise unknown(conn, package_id, institution)
    return row


def audit_unknown(engine: Engine, err: PackageUnknown, *, actor: str, role: str, attempt: str) -> None:
    """``access_refused`` for a package refused as unknown (in its own transaction: the
    refused one rolled back). The target is the package id only when it is one as this
    server makes them: text typed into an address never reaches the log. The refusal stands
    even if it cannot be logged now."""
    reason = getattr(err, "refusal", None)
    if reason is None:
        return
    typed = str(err.params.get("package_id", ""))
    try:
        audit.refused(engine, actor, role, reason, typed if PACKAGE_ID.fullmatch(typed) else None, attempt=attempt)
    except Exception as exc:  # the log cannot be written now: said in the server's log (codes only)
        log.warning("exchange refusal not audited (access_refused): %s", type(exc).__name__)


# --- reading ---------------------------------------------------------------------------------------------
def get_package(engine: Engine, package_id: str, institution: str | None = None) -> PackageInfo:
    """The package, or ``PackageUnknown`` carrying why (for :func:`audit_unknown`, which a
    caller refusing a supervisor runs, as ``exchange cancel`` does before it asks)."""
    with engine.connect() as conn:
        row = conn.execute(in_scope(select(packages_t).where(packages_t.c.package_id == package_id),
                                    institution)).first()
        if row is None:
            raise unknown(conn, package_id, institution)
    return info(row)


def list_packages(engine: Engine, status: str | None = None, limit: int = 200,
                  institution: str | None = None) -> list[PackageInfo]:
    q = in_scope(select(packages_t), institution).order_by(packages_t.c.prepared_at.desc()).limit(limit)
    if status:
        q = q.where(packages_t.c.status == status)
    with engine.connect() as conn:
        return [info(r) for r in conn.execute(q)]


def package_cases(engine: Engine, package_id: str) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(pcases_t.c.case_id, pcases_t.c.revision_id,
                                                              pcases_t.c.basis)
                                                       .where(pcases_t.c.package_id == package_id)
                                                       .order_by(pcases_t.c.case_id))]
