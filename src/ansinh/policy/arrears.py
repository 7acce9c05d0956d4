"""Arrears (truy lĩnh): for each past month, the amount due at that month's rate minus what was already paid.

Decree 131/2021 Art 183.2: arrears are paid at the rate in force in each month covered. The rules define no
recovery of overpayments, so a month paid more than due is reported on its own, never netted against another
month's arrears: an officer decides what to do with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ansinh.core.money import VND, vnd
from ansinh.core.period import Period
from ansinh.policy.errors import InvalidAmountError


@dataclass(frozen=True, slots=True)
class ArrearsLine:
    period: Period
    due: VND
    paid: VND

    @property
    def difference(self) -> VND:
        """Positive: still owed to the person; negative: paid more than due."""
        return VND(self.due - self.paid)


@dataclass(frozen=True, slots=True)
class Arrears:
    """Every month where the amount due and the amount paid differ, oldest first."""

    lines: tuple[ArrearsLine, ...]

    @property
    def underpaid(self) -> tuple[ArrearsLine, ...]:
        return tuple(line for line in self.lines if line.difference > 0)

    @property
    def overpaid(self) -> tuple[ArrearsLine, ...]:
        return tuple(line for line in self.lines if line.difference < 0)

    @property
    def to_pay(self) -> VND:
        """The arrears to put on the next payroll: the sum of the months still owed."""
        return vnd(sum(line.difference for line in self.underpaid))

    @property
    def overpayment(self) -> VND:
        """Paid beyond what was due, reported for an officer's decision (never deducted here)."""
        return vnd(-sum(line.difference for line in self.overpaid))

    def per_month(self) -> dict[Period, VND]:
        """The arrears to pay, month by month (the payroll line keeps the month it covers)."""
        return {line.period: line.difference for line in self.underpaid}


def compute_arrears(due: Mapping[Period, int], paid: Mapping[Period, int]) -> Arrears:
    """Compare, month by month, what was due (at that month's rate) with what was paid for it."""
    for kind, amounts in (("due", due), ("paid", paid)):
        for period, amount in amounts.items():
            if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
                kind_vi = "phải trả" if kind == "due" else "đã trả"
                raise InvalidAmountError(
                    f"Số tiền {kind_vi} của {period.label_vi()} không hợp lệ: {amount!r}",
                    f"invalid {kind} amount for {period}: {amount!r}",
                )
    lines = tuple(
        ArrearsLine(period, vnd(due.get(period, 0)), vnd(paid.get(period, 0)))
        for period in sorted(set(due) | set(paid))
    )
    return Arrears(tuple(line for line in lines if line.difference != 0))


def sum_payments(payments: Iterable[tuple[Period, int]]) -> dict[Period, VND]:
    """Add up what was paid for each month (the monthly payment plus any arrears already paid for it)."""
    totals: dict[Period, int] = {}
    for period, amount in payments:
        totals[period] = totals.get(period, 0) + amount
    return {period: vnd(amount) for period, amount in totals.items()}
