"""Enrolment tables: the bank list, payment methods with their history, account-opening requests."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from ansinh.core.db import Base, BigId, UTCDateTime


class Bank(Base):
    """A bank by its NAPAS BIN: seeded from vietnam-qr-pay's list; an administrator adds the others (e.g. VBSP)."""

    __tablename__ = "enrolment_banks"

    bin: Mapped[str] = mapped_column(String(6), primary_key=True)
    short_name: Mapped[str] = mapped_column(String(50))
    name: Mapped[str] = mapped_column(String(200))
    swift_code: Mapped[str | None] = mapped_column(String(11))
    source: Mapped[str] = mapped_column(String(16))  # vietqr | administrator
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


_METHOD_KINDS = "('cash_point', 'cash_home', 'bank_account', 'ewallet', 'postal_account')"


class PaymentMethod(Base):
    """How and to whom a beneficiary is paid, from ``valid_from``; a change closes the previous one (history)."""

    __tablename__ = "enrolment_payment_methods"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("registry_beneficiaries.id"), index=True)
    province_code: Mapped[str] = mapped_column(ForeignKey("geo_provinces.code"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    provider_code: Mapped[str | None] = mapped_column(ForeignKey("providers.code"))
    bank_bin: Mapped[str | None] = mapped_column(ForeignKey("enrolment_banks.bin"))
    account_number: Mapped[str | None] = mapped_column(String(40))
    home_delivery_reason: Mapped[str | None] = mapped_column(String(20))
    payee_person_id: Mapped[int] = mapped_column(ForeignKey("registry_persons.id"), index=True)
    payee_role: Mapped[str] = mapped_column(String(12))  # beneficiary | guardian | proxy
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)  # inclusive; None: the method in use
    source: Mapped[str] = mapped_column(String(16))  # officer | import | vietqr | account_opening
    account_name: Mapped[str | None] = mapped_column(String(100))  # as the provider or the VietQR code gave it
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        # One method in use per beneficiary, whatever the database.
        Index(
            "uq_enrolment_payment_methods_open",
            "beneficiary_id",
            unique=True,
            sqlite_where=text("valid_to IS NULL"),
            postgresql_where=text("valid_to IS NULL"),
        ),
        CheckConstraint(f"kind IN {_METHOD_KINDS}", name="kind"),
        CheckConstraint("payee_role IN ('beneficiary', 'guardian', 'proxy')", name="payee_role"),
        CheckConstraint(
            "(kind IN ('cash_point', 'cash_home')) = (account_number IS NULL)", name="account_only_for_accounts"
        ),
        CheckConstraint("(kind = 'cash_home') = (home_delivery_reason IS NOT NULL)", name="home_delivery_reason"),
        CheckConstraint("(kind = 'bank_account') = (bank_bin IS NOT NULL)", name="bank_bin_for_banks"),
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="valid_range"),
    )


class AccountRequest(Base):
    """A commune's list of beneficiaries who want an account, sent to a provider and answered by it."""

    __tablename__ = "enrolment_account_requests"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    province_code: Mapped[str] = mapped_column(ForeignKey("geo_provinces.code"), index=True)
    commune_code: Mapped[str] = mapped_column(ForeignKey("geo_communes.code"))
    provider_code: Mapped[str] = mapped_column(ForeignKey("providers.code"))
    status: Mapped[str] = mapped_column(String(12))  # compiled | sent | answered
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (CheckConstraint("status IN ('compiled', 'sent', 'answered')", name="status"),)


class AccountRequestLine(Base):
    __tablename__ = "enrolment_account_request_lines"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("enrolment_account_requests.id"), index=True)
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("registry_beneficiaries.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending | opened | refused
    account_number: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(String(500))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        UniqueConstraint("request_id", "beneficiary_id"),
        CheckConstraint("status IN ('pending', 'opened', 'refused')", name="status"),
    )
