"""Values every provider adapter shares: what we ask a provider to pay, and what it tells us back.

Plain frozen dataclasses, no I/O. The rules of one protocol (field lengths, character sets) live in that
protocol's adapter, which refuses what it cannot carry; these types only fix the vocabulary.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from ansinh.core.money import VND


@dataclass(frozen=True, slots=True)
class Debtor:
    """The paying agency and the deposit account the provider debits."""

    name: str
    account: str
    bank_bin: str  # NAPAS BIN of the bank holding ``account``, 6 digits


@dataclass(frozen=True, slots=True)
class PaymentInstruction:
    """One payment to one payee; ``idempotency_key`` is fixed at payroll approval, reused on every retry."""

    idempotency_key: str
    amount: VND
    creditor_name: str
    creditor_account: str
    creditor_bank_bin: str  # NAPAS BIN, 6 digits
    remittance_info: str = ""


@dataclass(frozen=True, slots=True)
class PaymentBatch:
    """Instructions sent to one provider in one file or call, debited from one account.

    ``created_at`` is part of the batch, not read from a clock, so re-sending a batch rebuilds the same bytes.
    """

    reference: str
    debtor: Debtor
    requested_execution_date: date
    created_at: datetime
    instructions: tuple[PaymentInstruction, ...]


class PaymentStatus(StrEnum):
    """What a provider says happened to one instruction."""

    ACCEPTED = "accepted"  # taken for processing; money not yet known to have moved
    SETTLED = "settled"  # money left our account towards the payee
    REJECTED = "rejected"  # refused: nothing was paid
    RETURNED = "returned"  # paid, then sent back by the payee's bank
    PENDING = "pending"  # the provider has not decided yet


@dataclass(frozen=True, slots=True)
class PaymentResult:
    """A provider's statement about one instruction, with the evidence it was read from."""

    idempotency_key: str
    status: PaymentStatus
    reason_code: str | None = None  # e.g. ISO 20022 AC01, AC04, AM04
    amount: VND | None = None
    booking_date: date | None = None
    provider_reference: str | None = None
    raw_evidence: str = ""  # the provider's own words (an XML fragment, a JSON object), kept for audit


class EntryDirection(StrEnum):
    CREDIT = "credit"  # money came into the account: funding, a return
    DEBIT = "debit"  # money left the account: a payment, a fee


class EntryStatus(StrEnum):
    BOOKED = "booked"
    PENDING = "pending"
    INFORMATION = "information"  # announced only; never moves a balance


@dataclass(frozen=True, slots=True)
class AccountEntry:
    """One movement on an account as the bank reports it (camt.054), for results and reconciliation."""

    account: str
    direction: EntryDirection
    status: EntryStatus
    amount: VND
    booking_date: date | None
    value_date: date | None
    end_to_end_id: str | None
    provider_reference: str | None
    return_reason: str | None
    reversal: bool
    raw_evidence: str
