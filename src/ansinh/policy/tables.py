"""The rule tables as data: one row per (table, key, period of validity), never edited in place.

A change retires the rows it replaces (``retired_at``) and adds new ones, so every earlier state of the rules can
be shown and audited. ``id`` only grows: the largest id in use is the rules' version, which the payroll records; a
row added after a payroll (``id`` above its version) whose ``changes_from`` lies before the payroll's period is what
makes the next payroll look back for arrears.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ansinh.core.db import Base, BigId, UTCDateTime

RULE_TABLES = (
    "standard_levels",
    "category_rates",
    "rounding_units",
    "one_time_multiples",
    "funeral_rules",
    "base_salary",
    "categories",
    "programs",
)


class RuleRow(Base):
    __tablename__ = "policy_rules"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    table_name: Mapped[str] = mapped_column(String(24))
    # The row's key within its table as canonical JSON, e.g. '["social_assistance", "92"]'.
    key: Mapped[str] = mapped_column(String(200))
    province_code: Mapped[str | None] = mapped_column(String(2))  # set for a province's own row
    valid_from: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    valid_to: Mapped[str | None] = mapped_column(String(7))  # YYYY-MM, included; None: until further notice
    value: Mapped[object] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(500))  # the legal instrument, or who entered it and why
    # First month whose amounts this row changed when it was added (its valid_from, or later when it only
    # closed or re-stated an earlier row): where the payroll's look-back for arrears starts.
    changes_from: Mapped[str] = mapped_column(String(7))
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    retired_by: Mapped[str | None] = mapped_column(String(64))
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        Index("ix_policy_rules_table_key", "table_name", "key"),
        CheckConstraint(f"table_name IN {RULE_TABLES}", name="table_name"),
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="valid_range"),
    )
