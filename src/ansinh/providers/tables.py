"""The payment service organisations the agency contracts (banks, mobile-money operators, cash payers)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from ansinh.core.db import Base, UTCDateTime


class Provider(Base):
    __tablename__ = "providers"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)  # e.g. VBSP, VIETTEL_MONEY, VNPOST
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))  # bank | mobile_money | g2p | cash_payer
    # A bank's NAPAS BIN; no foreign key, because providers sit below enrolment, which owns the bank list.
    bank_bin: Mapped[str | None] = mapped_column(String(6))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (CheckConstraint("kind IN ('bank', 'mobile_money', 'g2p', 'cash_payer')", name="kind"),)
