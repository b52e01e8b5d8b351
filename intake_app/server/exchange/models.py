"""The exchange's tables, on the server's declarative base (so the server's Alembic
environment and its schema comparison see them). Migration: ``0003_exchange``.

Outgoing: ``exchange_packages`` (one per prepared package, with its state and, once a
supervisor approved it, the sealed bytes) and ``exchange_package_cases`` (which case
and revision went, on which basis). Incoming: ``exchange_received`` (one row per
package id: receiving twice stores once) and ``exchange_received_cases`` (the minimized
records as received, with where they came from; erased when consent is withdrawn).
``exchange_peers`` holds the public keys imported for other institutions' servers.
``exchange_received_withdrawals`` (migration 0008) keeps what each withdrawal notice received
names (sender, case, referral package), so a referral that arrives after its notice is
stored withdrawn too.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from ..models import Base, UTCDateTime

JsonDoc = JSON().with_variant(JSONB(), "postgresql")
BigId = BigInteger().with_variant(Integer, "sqlite")


class ExchangePeer(Base):
    """Another institution's server: its signing keys and HPKE key, imported by an operator."""

    __tablename__ = "exchange_peers"

    recipient_key: Mapped[str] = mapped_column(String(48), primary_key=True)
    ed25519: Mapped[bytes] = mapped_column(LargeBinary)
    mldsa65: Mapped[bytes] = mapped_column(LargeBinary)
    hpke_public: Mapped[bytes] = mapped_column(LargeBinary)
    hpke_key_id: Mapped[str] = mapped_column(String(64))
    fingerprint: Mapped[str] = mapped_column(String(32))
    issued_at: Mapped[str] = mapped_column(String(40))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    imported_by: Mapped[str] = mapped_column(String(80))


class ExchangePackage(Base):
    """An outgoing package: prepared → approved (sealed) → sent; or cancelled."""

    __tablename__ = "exchange_packages"
    __table_args__ = (Index("ix_exchange_packages_status", "status"),)

    package_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # referral, aggregate, withdrawal
    recipient_key: Mapped[str] = mapped_column(String(48))
    purpose: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))  # prepared, approved, sent, cancelled
    fields: Mapped[list] = mapped_column(JsonDoc)  # field keys a referral carries (none for aggregates)
    spec: Mapped[dict] = mapped_column(JsonDoc)  # aggregate period / withdrawal references (no personal data)
    case_count: Mapped[int] = mapped_column(Integer)
    institution: Mapped[str | None] = mapped_column(String(32), nullable=True)  # the preparer's (None: national)
    prepared_by: Mapped[str] = mapped_column(String(80))
    prepared_at: Mapped[datetime] = mapped_column(UTCDateTime)
    approved_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    sent_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    data: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)  # sealed: only ciphertext


class ExchangePackageCase(Base):
    """One case in an outgoing referral (or named by a withdrawal notice)."""

    __tablename__ = "exchange_package_cases"
    __table_args__ = (Index("ix_exchange_package_cases_case", "case_id"),)

    package_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    revision_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    basis: Mapped[str | None] = mapped_column(String(32), nullable=True)  # consent or a legal_basis code


class ExchangeReceived(Base):
    """An incoming package, stored once per package id."""

    __tablename__ = "exchange_received"

    package_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    sender_key: Mapped[str] = mapped_column(String(48))
    purpose: Mapped[str] = mapped_column(String(32))
    sha256: Mapped[str] = mapped_column(String(64))
    manifest: Mapped[dict] = mapped_column(JsonDoc)  # the cleartext manifest (no personal data)
    tables: Mapped[dict | None] = mapped_column(JsonDoc, nullable=True)  # aggregate packages only
    case_count: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_by: Mapped[str] = mapped_column(String(80))


class ExchangeReceivedCase(Base):
    """A minimized record as received from another institution, with where it came from."""

    __tablename__ = "exchange_received_cases"
    __table_args__ = (UniqueConstraint("package_id", "sender_case_id", name="uq_exchange_received_cases_package"),
                      Index("ix_exchange_received_cases_sender", "sender_key", "sender_case_id"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    package_id: Mapped[str] = mapped_column(String(40))
    sender_key: Mapped[str] = mapped_column(String(48))
    sender_case_id: Mapped[str] = mapped_column(String(64))
    revision_id: Mapped[str] = mapped_column(String(64))
    codebook_version: Mapped[str] = mapped_column(String(32))
    purpose: Mapped[str] = mapped_column(String(32))
    basis: Mapped[str] = mapped_column(String(32))
    content: Mapped[dict] = mapped_column(JsonDoc)  # erased ({}) when consent is withdrawn
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    withdrawn_by_notice: Mapped[str | None] = mapped_column(String(40), nullable=True)


class ExchangeReceivedWithdrawal(Base):
    """One (case, referral package) a received withdrawal notice names: applied to the
    records already here and to those of that package imported later."""

    __tablename__ = "exchange_received_withdrawals"
    __table_args__ = (Index("ix_exchange_received_withdrawals_case", "sender_key", "sender_case_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    sender_key: Mapped[str] = mapped_column(String(48))
    sender_case_id: Mapped[str] = mapped_column(String(64))
    package_id: Mapped[str] = mapped_column(String(40))  # the referral the notice withdraws
    notice_id: Mapped[str] = mapped_column(String(40))  # the notice's own package id
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
