"""The dashboard's tables, on the server's declarative base (migration ``0004_dashboard``).

``dash_case``: one row per case, the rollup key of its head revision and the cells it
adds (codes only: never a name, a document, a date of birth or a narrative). Ingest reads
it to take a case's old contribution out of the rollup before adding the new one.

``dash_rollup``: how many persons fall in each cell, per quarter, post, registering
institution, sex/age group and age band. Every view of the dashboard is a ``GROUP BY``
over a range of this table's primary key, never a scan of the cases.

``dash_delta``: the changes ingest made to those counts and that are not yet folded into
``dash_rollup`` (append-only, no key: an ingest never waits for another one's cells). The
views read both, so figures are exact at every moment; see ``rollup.fold``.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..models import Base

# the rollup key of a case, in primary-key order after ``dim``
KEY_COLUMNS = ("quarter", "border_post", "institution", "sex_age_group", "age_band")


class DashCase(Base):
    __tablename__ = "dash_case"

    case_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    quarter: Mapped[str] = mapped_column(String(7))  # "" when unknown
    border_post: Mapped[str] = mapped_column(String(64))
    institution: Mapped[str] = mapped_column(String(32))
    sex_age_group: Mapped[str] = mapped_column(String(16))
    age_band: Mapped[str] = mapped_column(String(16))
    cells: Mapped[str] = mapped_column(Text)  # JSON [[dim, code], ...]


class DashRollup(Base):
    __tablename__ = "dash_rollup"

    dim: Mapped[str] = mapped_column(String(16), primary_key=True)
    quarter: Mapped[str] = mapped_column(String(7), primary_key=True)
    border_post: Mapped[str] = mapped_column(String(64), primary_key=True)
    institution: Mapped[str] = mapped_column(String(32), primary_key=True)
    sex_age_group: Mapped[str] = mapped_column(String(16), primary_key=True)
    age_band: Mapped[str] = mapped_column(String(16), primary_key=True)
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger)


ROLLUP_COLUMNS = ("dim", *KEY_COLUMNS, "code", "n")

dash_delta = Table(
    "dash_delta", Base.metadata,
    Column("dim", String(16), nullable=False),
    *(Column(c, DashRollup.__table__.c[c].type, nullable=False) for c in KEY_COLUMNS),
    Column("code", String(64), nullable=False),
    Column("n", BigInteger, nullable=False),
)
