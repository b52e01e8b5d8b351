"""The server's tables (SQLAlchemy 2). Migrations under ``migrations/`` build the same
schema; ``tests/server/test_migrations.py`` compares the two.

Identity content stays in ``revisions.content``. ``case_facts`` (one row per case, from
its head revision) and ``case_fact_exploitation`` hold only non-identifying dimensions,
written in the ingest transaction, for the dashboard and the exchange.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

JsonDoc = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in and out, on SQLite (naive text) as on PostgreSQL (timestamptz)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Device(Base):
    __tablename__ = "devices"

    device_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))  # pending, active, revoked, refused
    ed25519: Mapped[bytes] = mapped_column(LargeBinary)
    mldsa65: Mapped[bytes] = mapped_column(LargeBinary)
    fingerprint: Mapped[str] = mapped_column(String(32))
    post: Mapped[str] = mapped_column(String(64))
    request: Mapped[bytes] = mapped_column(LargeBinary)
    response: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    approved_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    last_contact_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Bundle(Base):
    __tablename__ = "bundles"
    __table_args__ = (UniqueConstraint("device_id", "sequence", name="uq_bundles_device_sequence"),
                      UniqueConstraint("bundle_hash", name="uq_bundles_bundle_hash"))

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.device_id"))
    sequence: Mapped[int] = mapped_column(BigInteger)
    bundle_hash: Mapped[bytes] = mapped_column(LargeBinary)
    prev_hash: Mapped[bytes] = mapped_column(LargeBinary)
    payload_sha256: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[str] = mapped_column(String(40))  # the device's clock, as sent
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(String(8))  # http, usb
    revision_count: Mapped[int] = mapped_column(Integer)
    audit_count: Mapped[int] = mapped_column(Integer)
    new_revisions: Mapped[int] = mapped_column(Integer)
    receipt: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


class Revision(Base):
    """Every case revision ever received, append-only. ``content`` holds identity data."""

    __tablename__ = "revisions"
    __table_args__ = (Index("ix_revisions_case", "case_id"), Index("ix_revisions_parent", "parent_id"))

    revision_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(64))
    parent_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    officer_id: Mapped[str] = mapped_column(String(64))
    device_id: Mapped[str] = mapped_column(String(64))
    bundle_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[str] = mapped_column(String(40))  # the device's clock, as sent
    codebook_version: Mapped[str] = mapped_column(String(32))
    content_hash: Mapped[str] = mapped_column(String(64))
    content: Mapped[dict] = mapped_column(JsonDoc)


class DeviceAudit(Base):
    """The devices' own audit entries (ids, actions and codes only), as received."""

    __tablename__ = "device_audit"

    device_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    bundle_id: Mapped[int] = mapped_column(BigInteger)
    entry: Mapped[dict] = mapped_column(JsonDoc)


class Case(Base):
    """The server's current view of a case: its head revision (the latest it accepted)."""

    __tablename__ = "cases"

    case_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    head_revision_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    revision_count: Mapped[int] = mapped_column(Integer, default=0)
    open_conflicts: Mapped[int] = mapped_column(Integer, default=0)
    review_state: Mapped[str] = mapped_column(String(16), default="new")  # new, reviewed
    first_received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Conflict(Base):
    """A revision whose parent was not the server's head for its case: kept, and queued here."""

    __tablename__ = "conflicts"
    __table_args__ = (Index("ix_conflicts_status", "status", "case_id"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)
    case_id: Mapped[str] = mapped_column(String(64))
    head_revision_id: Mapped[str] = mapped_column(String(64))
    revision_id: Mapped[str] = mapped_column(String(64), unique=True)
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open, resolved
    resolution: Mapped[str | None] = mapped_column(String(16), nullable=True)  # kept_head, took_incoming, superseded
    resolved_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class CaseFacts(Base):
    """Non-identifying dimensions of each case's head revision (codes, dates, flags)."""

    __tablename__ = "case_facts"
    __table_args__ = (Index("ix_case_facts_quarter_post", "quarter", "border_post"),
                      Index("ix_case_facts_institution", "institution"))

    case_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    revision_id: Mapped[str] = mapped_column(String(64))
    codebook_version: Mapped[str] = mapped_column(String(32))
    record_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    year: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    quarter: Mapped[str | None] = mapped_column(String(7), nullable=True)  # 2026-Q3
    border_post: Mapped[str | None] = mapped_column(String(64), nullable=True)
    post_country: Mapped[str | None] = mapped_column(String(2), nullable=True)
    institution: Mapped[str | None] = mapped_column(String(32), nullable=True)
    intake_setting: Mapped[str | None] = mapped_column(String(32), nullable=True)
    gender: Mapped[str | None] = mapped_column(String(32), nullable=True)
    sex_age_group: Mapped[str | None] = mapped_column(String(16), nullable=True)
    age_band: Mapped[str | None] = mapped_column(String(16), nullable=True)
    minor: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    citizenship: Mapped[str | None] = mapped_column(String(2), nullable=True)
    foreign_national: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    cross_border: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    flag_trafficking: Mapped[bool] = mapped_column(Boolean, default=False)
    flag_smuggling: Mapped[bool] = mapped_column(Boolean, default=False)
    flag_aggravated_smuggling: Mapped[bool] = mapped_column(Boolean, default=False)
    flag_urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    unaccompanied_minor: Mapped[bool] = mapped_column(Boolean, default=False)
    trafficking_status: Mapped[str | None] = mapped_column(String(32), nullable=True)
    case_status: Mapped[str | None] = mapped_column(String(32), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CaseFactExploitation(Base):
    """One row per (case, form of exploitation) of the head revision."""

    __tablename__ = "case_fact_exploitation"

    case_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    exploitation_type: Mapped[str] = mapped_column(String(48), primary_key=True)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))
    institution: Mapped[str | None] = mapped_column(String(32), nullable=True)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class UserSession(Base):
    """Only the token's SHA-256 is stored: a copy of the database cannot log anyone in."""

    __tablename__ = "sessions"
    __table_args__ = (Index("ix_sessions_user", "user_id"),)

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)  # absolute end
    idle_until: Mapped[datetime] = mapped_column(UTCDateTime)  # slides with use
    ended: Mapped[bool] = mapped_column(Boolean, default=False)


class FormToken(Base):
    """A used one-time token of a supervisors' page form (``exchange/outgoing_web.py``): its
    primary key makes a form sent twice be done once, across server processes. Only the
    token's hash and who sent it; a row goes a day after ``used_at``, at a later form."""

    __tablename__ = "form_tokens"
    __table_args__ = (Index("ix_form_tokens_used_at", "used_at"),)

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    used_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AuditEntry(Base):
    """The server's hash-chained audit log: ids, actions and codes, never personal data."""

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(48))
    target: Mapped[str | None] = mapped_column(String(128), nullable=True)
    detail: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """One row: the last entry's seq and hash. Appenders lock it, so the chain stays one
    line even with several server processes."""

    __tablename__ = "audit_head"

    one: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))


class Meta(Base):
    __tablename__ = "server_meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


# The exchange's tables live on this same base (migration 0003); importing them here keeps
# the Alembic environment and the schema comparison complete.
from .exchange import models as _exchange_models  # noqa: E402,F401
from .dashboard import models as _dashboard_models  # noqa: E402,F401  (the dashboard's rollup, migration 0004)
