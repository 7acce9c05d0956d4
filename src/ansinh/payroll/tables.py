"""Payroll tables: each beneficiary's derived entitlement, payroll runs and lines, funding orders, batches.

Months are stored as integer indexes (``Period.index``: year × 12 + month − 1) wherever SQL does arithmetic on
them (ages, ranges); the payroll's own period is also kept as ``YYYY-MM`` text for people reading the table.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from ansinh.core.db import Base, BigId, UTCDateTime


class Entitlement(Base):
    """What the payroll derived from a beneficiary's approved decisions, and from which version of the record.

    ``source_version`` is the beneficiary's ``version`` when derived: every approved decision bumps it, so a
    beneficiary whose version moved on is derived again before the next payroll (set-based: only those).
    """

    __tablename__ = "payroll_entitlements"

    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("registry_beneficiaries.id"), primary_key=True)
    province_code: Mapped[str] = mapped_column(ForeignKey("geo_provinces.code"))
    commune_code: Mapped[str] = mapped_column(String(5))
    program: Mapped[str] = mapped_column(String(20))  # the registry's program: social_assistance | meritorious | …
    birth_month: Mapped[int] = mapped_column(Integer)  # Period.index of the date of birth
    start_month: Mapped[int | None] = mapped_column(Integer)  # first month due (the grant's effective month)
    # First month this system is responsible for: months before were paid elsewhere (imported records) and are
    # never owed as arrears. Set by the grant for people enrolled here, by the first approved payroll otherwise.
    ledger_from: Mapped[int | None] = mapped_column(Integer)
    # Earliest month whose amount may have changed since the last approved payroll (a late or retroactive
    # decision); None: nothing to look back at. Cleared when a payroll that looked back is approved.
    dirty_from: Mapped[int | None] = mapped_column(Integer)
    source_version: Mapped[int] = mapped_column(Integer)
    revision: Mapped[int] = mapped_column(Integer, default=1)  # bumped whenever the segments change
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_payroll_entitlements_area", "province_code", "program", "commune_code"),)


class Segment(Base):
    """A run of months with the same categories and state: ``first_month`` to ``last_month`` (None: open)."""

    __tablename__ = "payroll_segments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("registry_beneficiaries.id"), index=True)
    province_code: Mapped[str] = mapped_column(String(2))
    first_month: Mapped[int] = mapped_column(Integer)
    last_month: Mapped[int | None] = mapped_column(Integer)
    # payable | withheld (suspended: due only from ``released_from``, the month of a resume that repays)
    state: Mapped[str] = mapped_column(String(10))
    released_from: Mapped[int | None] = mapped_column(Integer)
    # Canonical text of the category holdings, e.g. "sa_elderly_poor_no_supporter:1:" — the key of the amount table
    holdings: Mapped[str] = mapped_column(String(500))
    cared_birth_month: Mapped[int | None] = mapped_column(Integer)  # caregiver support by the cared person's age

    __table_args__ = (
        CheckConstraint("state IN ('payable', 'withheld')", name="state"),
        CheckConstraint("last_month IS NULL OR last_month >= first_month", name="range"),
    )


PAYROLL_STATUSES = ("draft", "reviewed", "approved", "funded", "cancelled")


class PayrollRun(Base):
    """A payroll for one period, province (optionally some of its communes) and program."""

    __tablename__ = "payroll_runs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    period: Mapped[str] = mapped_column(String(7))  # YYYY-MM, the month paid
    period_index: Mapped[int] = mapped_column(Integer)
    province_code: Mapped[str] = mapped_column(ForeignKey("geo_provinces.code"), index=True)
    program: Mapped[str] = mapped_column(String(20))
    communes: Mapped[list[str] | None] = mapped_column(JSON)  # None: the whole province
    # draft → reviewed → approved (frozen from here) → funded; cancelled (from draft, reviewed or approved)
    status: Mapped[str] = mapped_column(String(10))
    due_on: Mapped[date] = mapped_column(Date)  # the 25th of the month before the period
    rules_version: Mapped[int] = mapped_column(BigInteger)  # the rule tables' version it was computed with
    line_count: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(BigInteger, default=0)
    totals: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)  # per component
    diff: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)  # against the previous period, counts
    computed_by: Mapped[str] = mapped_column(String(64))  # the maker
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reviewed_by: Mapped[str | None] = mapped_column(String(64))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    approved_by: Mapped[str | None] = mapped_column(String(64))  # the checker
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    funded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_by: Mapped[str | None] = mapped_column(String(64))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (
        Index("ix_payroll_runs_scope", "province_code", "program", "period_index"),
        CheckConstraint(f"status IN {PAYROLL_STATUSES}", name="status"),
        CheckConstraint("approved_by IS NULL OR approved_by <> computed_by", name="maker_checker"),
    )
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads a plain dict here


class PayrollLine(Base):
    """One beneficiary and payee in one payroll; the components add up to ``total`` (a check constraint).

    ``active`` is true while the payroll is not cancelled: the partial unique index makes paying a beneficiary
    twice for one period and kind impossible, whatever the code above does (invariant 2).
    """

    __tablename__ = "payroll_lines"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    payroll_id: Mapped[int] = mapped_column(ForeignKey("payroll_runs.id"), index=True)
    period_index: Mapped[int] = mapped_column(Integer)
    province_code: Mapped[str] = mapped_column(String(2))
    commune_code: Mapped[str] = mapped_column(String(5))
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("registry_beneficiaries.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))  # entitlement | funeral (paid to the funeral organiser)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    monthly: Mapped[int] = mapped_column(BigInteger, default=0)
    arrears: Mapped[int] = mapped_column(BigInteger, default=0)
    one_time: Mapped[int] = mapped_column(BigInteger, default=0)
    funeral: Mapped[int] = mapped_column(BigInteger, default=0)
    carry_over: Mapped[int] = mapped_column(BigInteger, default=0)
    total: Mapped[int] = mapped_column(BigInteger)
    holdings: Mapped[str | None] = mapped_column(String(500))  # the categories paid this month
    # Who and how, as they were when the payroll was computed; frozen with it.
    payee_person_id: Mapped[int | None] = mapped_column(Integer)
    payee_role: Mapped[str | None] = mapped_column(String(16))
    method: Mapped[str | None] = mapped_column(String(16))  # None: no payment method on file (held, see note)
    provider_code: Mapped[str | None] = mapped_column(String(32))
    bank_bin: Mapped[str | None] = mapped_column(String(6))
    account_number: Mapped[str | None] = mapped_column(String(40))
    entitlement_revision: Mapped[int | None] = mapped_column(Integer)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("payroll_batches.id"), index=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(35), unique=True)  # fixed at approval
    # What happened to the money (the disbursement and reconciliation contexts set it): pending | paid | unpaid
    # | returned | cancelled. An unpaid line is carried into a later payroll once (carried_into).
    delivery_status: Mapped[str] = mapped_column(String(10), default="pending")
    carried_into: Mapped[int | None] = mapped_column(BigInteger, index=True)

    __table_args__ = (
        Index(
            "uq_payroll_lines_once",
            "beneficiary_id",
            "period_index",
            "kind",
            unique=True,
            sqlite_where=text("active"),
            postgresql_where=text("active"),
        ),
        Index("ix_payroll_lines_scope", "province_code", "period_index"),
        CheckConstraint("kind IN ('entitlement', 'funeral')", name="kind"),
        CheckConstraint(
            "monthly >= 0 AND arrears >= 0 AND one_time >= 0 AND funeral >= 0 AND carry_over >= 0", name="positive"
        ),
        CheckConstraint("total = monthly + arrears + one_time + funeral + carry_over", name="total"),
        CheckConstraint(
            "delivery_status IN ('pending', 'paid', 'unpaid', 'returned', 'cancelled')", name="delivery_status"
        ),
    )


class LineItem(Base):
    """How a component other than ``monthly`` was made: arrears by run of months, a decision, a carried line.

    ``component`` is arrears | overpaid | one_time | funeral | carry_over. An ``overpaid`` item is reported to the
    officer, never deducted (Decree 131/2021: arrears pay new − already paid, a month overpaid is not clawed back
    by the payroll). Arrears items cover ``first_month``..``last_month`` at ``per_month`` each.
    """

    __tablename__ = "payroll_line_items"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("payroll_lines.id"), index=True)
    payroll_id: Mapped[int] = mapped_column(ForeignKey("payroll_runs.id"), index=True)
    beneficiary_id: Mapped[int] = mapped_column(Integer, index=True)
    province_code: Mapped[str] = mapped_column(String(2))
    component: Mapped[str] = mapped_column(String(10))
    first_month: Mapped[int | None] = mapped_column(Integer)
    last_month: Mapped[int | None] = mapped_column(Integer)
    per_month: Mapped[int | None] = mapped_column(BigInteger)
    amount: Mapped[int] = mapped_column(BigInteger)
    decision_id: Mapped[int | None] = mapped_column(Integer)
    source_line_id: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (
        CheckConstraint("component IN ('arrears', 'overpaid', 'one_time', 'funeral', 'carry_over')", name="component"),
        # A decision's one-time or funeral amount is paid once, across periods: cancelling an approved payroll
        # clears its items' decision_id (the amount is owed again), re-running a draft deletes its items.
        Index(
            "uq_payroll_line_items_decision",
            "decision_id",
            unique=True,
            sqlite_where=text("decision_id IS NOT NULL"),
            postgresql_where=text("decision_id IS NOT NULL"),
        ),
    )


class Batch(Base):
    """One payment batch per provider and method of an approved payroll."""

    __tablename__ = "payroll_batches"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    payroll_id: Mapped[int] = mapped_column(ForeignKey("payroll_runs.id"), index=True)
    province_code: Mapped[str] = mapped_column(String(2))
    provider_code: Mapped[str] = mapped_column(String(32))
    method: Mapped[str] = mapped_column(String(16))
    reference: Mapped[str] = mapped_column(String(35), unique=True)  # e.g. the pain.001 MsgId
    line_count: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(12), default="ready")  # ready → (disbursement) …
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("payroll_id", "provider_code", "method"),)


class FundingOrder(Base):
    """What the treasury transfers to one provider's deposit account for one payroll."""

    __tablename__ = "payroll_funding_orders"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    payroll_id: Mapped[int] = mapped_column(ForeignKey("payroll_runs.id"), index=True)
    province_code: Mapped[str] = mapped_column(String(2))
    provider_code: Mapped[str] = mapped_column(String(32))
    amount: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(10), default="ordered")  # ordered | confirmed | cancelled
    treasury_reference: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    confirmed_by: Mapped[str | None] = mapped_column(String(64))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        UniqueConstraint("payroll_id", "provider_code"),
        CheckConstraint("amount > 0", name="amount"),
        CheckConstraint("status IN ('ordered', 'confirmed', 'cancelled')", name="status"),
    )
