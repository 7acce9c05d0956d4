"""Double-entry ledger: journal entries whose debits equal their credits, in integer VND.

The chart of accounts (``Account``) is small and fixed; a provider's deposit is one account per provider
(``provider_deposit:VNPOST``). Entries are only ever added: a correction is a new, reversing entry. The payroll posts
funding; the reconciliation context posts what was paid and returned. Invariant 4 of the architecture: for every
provider, ``provider_deposit`` = funded − paid − returned at every moment (``deposit_check``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ansinh.core.db import Base, BigId, UTCDateTime
from ansinh.core.errors import ValidationFailed


class Account(StrEnum):
    BUDGET = "budget"  # the program's budget estimate at the State Treasury (credited when money leaves it)
    PROVIDER_DEPOSIT = "provider_deposit"  # money held by a payment provider for the agency, one per provider
    BENEFICIARY_PAYABLE = "beneficiary_payable"  # owed to beneficiaries: approved and not yet delivered
    PAID = "paid"  # delivered to beneficiaries (the expense)
    RETURNED = "returned"  # given back by a provider to the treasury


def account(kind: Account, provider_code: str | None = None) -> str:
    """The account's name as posted: ``provider_deposit:VNPOST`` for a provider's deposit, else the kind."""
    if (kind is Account.PROVIDER_DEPOSIT) != (provider_code is not None):
        raise ValueError("a provider's deposit account, and only it, names its provider")
    return f"{kind}:{provider_code}" if provider_code is not None else str(kind)


class JournalEntry(Base):
    __tablename__ = "ledger_entries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    province_code: Mapped[str] = mapped_column(String(2), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # payroll.approved | funding.confirmed | payment.paid | …
    reference: Mapped[str] = mapped_column(String(64))  # what the entry is about, e.g. "payroll:12"
    memo: Mapped[str] = mapped_column(String(500))
    posted_by: Mapped[str] = mapped_column(String(64))
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Posting(Base):
    __tablename__ = "ledger_postings"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("ledger_entries.id"), index=True)
    province_code: Mapped[str] = mapped_column(String(2))
    account: Mapped[str] = mapped_column(String(64))
    debit: Mapped[int] = mapped_column(BigInteger, default=0)
    credit: Mapped[int] = mapped_column(BigInteger, default=0)

    __table_args__ = (
        Index("ix_ledger_postings_account", "province_code", "account"),
        # One side per posting, never negative: a reversal is a posting on the other side.
        CheckConstraint("debit >= 0 AND credit >= 0 AND (debit = 0) <> (credit = 0)", name="one_side"),
    )


@dataclass(frozen=True, slots=True)
class Leg:
    account: str
    debit: int = 0
    credit: int = 0


def post(
    session: Session,
    *,
    province_code: str,
    kind: str,
    reference: str,
    memo: str,
    legs: Sequence[Leg],
    posted_by: str,
    posted_at: datetime,
) -> int:
    """Add one balanced journal entry; an unbalanced one is refused before anything is written."""
    legs = [leg for leg in legs if leg.debit or leg.credit]
    debits = sum(leg.debit for leg in legs)
    credits = sum(leg.credit for leg in legs)
    if not legs or debits != credits:
        raise ValidationFailed(
            f"Bút toán không cân: Nợ {debits} ≠ Có {credits}", f"unbalanced entry: debits {debits} ≠ credits {credits}"
        )
    for leg in legs:
        if not isinstance(leg.debit, int) or not isinstance(leg.credit, int):
            raise TypeError("ledger amounts are integers of VND")
    entry = JournalEntry(
        province_code=province_code,
        kind=kind,
        reference=reference,
        memo=memo,
        posted_by=posted_by,
        posted_at=posted_at,
    )
    session.add(entry)
    session.flush()
    session.add_all(
        Posting(entry_id=entry.id, province_code=province_code, account=leg.account, debit=leg.debit, credit=leg.credit)
        for leg in legs
    )
    session.flush()
    return entry.id


def balances(session: Session, *, province_code: str) -> dict[str, int]:
    """Debit − credit per account of a province."""
    rows = session.execute(
        select(Posting.account, func.sum(Posting.debit) - func.sum(Posting.credit))
        .where(Posting.province_code == province_code)
        .group_by(Posting.account)
    )
    return {name: int(value or 0) for name, value in rows}


def unbalanced_entries(session: Session, *, province_code: str | None = None) -> list[int]:
    """Ids of entries whose debits differ from their credits: always empty unless the tables were edited."""
    query = select(Posting.entry_id).group_by(Posting.entry_id)
    if province_code is not None:
        query = query.where(Posting.province_code == province_code)
    query = query.having(func.sum(Posting.debit) != func.sum(Posting.credit))
    return [int(entry_id) for entry_id in session.scalars(query)]


def legs_total(legs: Iterable[Leg]) -> tuple[int, int]:
    legs = list(legs)
    return sum(leg.debit for leg in legs), sum(leg.credit for leg in legs)
