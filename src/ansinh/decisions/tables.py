"""Decisions: the legal acts that change a beneficiary's entitlement, each with its maker and checker."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ansinh.core.db import Base, BigId, UTCDateTime


class Decision(Base):
    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("registry_beneficiaries.id"), index=True)
    province_code: Mapped[str] = mapped_column(ForeignKey("geo_provinces.code"))
    commune_code: Mapped[str] = mapped_column(ForeignKey("geo_communes.code"))
    kind: Mapped[str] = mapped_column(String(16))
    # draft (proposed by the system, e.g. after a death report) → submitted (maker) → approved | rejected (checker)
    status: Mapped[str] = mapped_column(String(12))
    number: Mapped[str | None] = mapped_column(String(50), index=True)  # e.g. 123/QĐ-UBND; set by the maker
    signed_on: Mapped[date | None] = mapped_column(Date)
    signer: Mapped[str | None] = mapped_column(String(200))
    effective_from: Mapped[str | None] = mapped_column(String(7))  # YYYY-MM: sorts as text
    legal_basis: Mapped[str | None] = mapped_column(String(500))
    # What the act says: categories, reason, date of death and cause, organiser, one-time kind and amount basis …
    details: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    source: Mapped[str] = mapped_column(String(16))  # officer | import | verification | reconciliation
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    submitted_by: Mapped[str | None] = mapped_column(String(64))  # the maker
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reviewed_by: Mapped[str | None] = mapped_column(String(64))  # the checker
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rejection_reason: Mapped[str | None] = mapped_column(String(500))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (
        Index("ix_decisions_province_status", "province_code", "status"),
        CheckConstraint(
            "kind IN ('grant', 'adjust', 'suspend', 'resume', 'terminate', 'one_time', 'funeral')", name="kind"
        ),
        CheckConstraint("status IN ('draft', 'submitted', 'approved', 'rejected')", name="status"),
        # Maker-checker, enforced by the database as well as by the service.
        CheckConstraint(
            "reviewed_by IS NULL OR submitted_by IS NULL OR reviewed_by <> submitted_by", name="maker_checker"
        ),
    )
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads a plain dict here
