"""Arrears: each past month at that month's rate, minus what was paid for it; overpayments reported apart."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pytest

from ansinh.core.money import VND
from ansinh.core.period import Period
from ansinh.policy import (
    CategoryHolding,
    CategoryRate,
    CategoryRateKey,
    Coefficient,
    Entitlement,
    InvalidAmountError,
    LevelKey,
    Program,
    Rate,
    RateTable,
    Status,
    StatusChange,
    amount_due,
    amounts_due,
    compute_arrears,
    monthly_amount,
    sum_payments,
    with_standard_levels,
)
from ansinh.policy import defaults as d
from ansinh.policy.defaults import DEMO_UNVERIFIED_2026_DECREE, default_rules

SA = Program.SOCIAL_ASSISTANCE
MERIT = Program.MERITORIOUS


def elderly(start: Period, *changes: StatusChange, program: Program = SA, category: str = "") -> Entitlement:
    """A poor elderly person born March 1950 (coefficient 1.5 until 2030)."""
    return Entitlement(
        program=program,
        province_code="04",
        date_of_birth=date(1950, 3, 10),
        start=start,
        categories=(CategoryHolding(category or d.SA_ELDERLY_POOR, start),),
        status_changes=changes,
    )


def test_a_decision_signed_in_may_first_paid_in_august_pays_may_to_july_at_each_months_rate() -> None:
    person = elderly(Period(2024, 5))
    august = Period(2024, 8)
    due = amounts_due(person, Period(2024, 5), Period(2024, 7), default_rules(), as_of=august)
    arrears = compute_arrears(due, paid={})
    # May and June at 360,000 × 1.5 = 540,000; July at 500,000 × 1.5 = 750,000
    assert arrears.per_month() == {Period(2024, 5): 540_000, Period(2024, 6): 540_000, Period(2024, 7): 750_000}
    assert arrears.to_pay == 1_830_000  # 540,000 + 540,000 + 750,000
    assert monthly_amount(person, august, default_rules()).total == 750_000  # August itself, the monthly line


def test_a_standard_level_entered_after_its_month_was_paid_gives_the_difference_as_arrears() -> None:
    person = elderly(Period(2026, 1))
    before = default_rules()
    paid = sum_payments(
        (period, monthly_amount(person, period, before).total) for period in (Period(2026, 7), Period(2026, 8))
    )  # July and August paid at 500,000 × 1.5 = 750,000
    after = with_standard_levels(before, DEMO_UNVERIFIED_2026_DECREE)  # 540,000 back to July 2026
    due = amounts_due(person, Period(2026, 7), Period(2026, 8), after, as_of=Period(2026, 9))
    arrears = compute_arrears(due, paid)
    # 540,000 × 1.5 = 810,000 due; 810,000 − 750,000 = 60,000 for each month
    assert arrears.per_month() == {Period(2026, 7): 60_000, Period(2026, 8): 60_000}
    assert arrears.to_pay == 120_000
    assert arrears.overpayment == 0


def test_a_meritorious_level_applied_back_to_july_2023_pays_the_difference_for_each_month() -> None:
    # Decree 55/2023, in force 5 Sep 2023, raised 1,624,000 to 2,055,000 from 1 July 2023. A survivor paid
    # 1.0 × the standard level (a test category) was paid July and August at the old level.
    base = default_rules()
    old_levels = RateTable(  # as the tables stood before the decree: 1,624,000 still open-ended
        "standard_levels", (Rate(LevelKey(MERIT), Period(2021, 7), VND(1_624_000)),)
    )
    rate = Rate(CategoryRateKey("test_one_share"), Period(2021, 7), CategoryRate.flat(Coefficient(Decimal(1))))
    category = dataclasses.replace(base.category(d.MER_HEROIC_MOTHER), code="test_one_share")
    before = dataclasses.replace(
        base,
        standard_levels=old_levels,
        categories=(*base.categories, category),
        category_rates=RateTable("category_rates", (*base.category_rates.rows, rate)),
    )
    person = elderly(Period(2023, 1), program=MERIT, category="test_one_share")
    paid = {period: monthly_amount(person, period, before).total for period in (Period(2023, 7), Period(2023, 8))}
    assert paid == {Period(2023, 7): 1_624_000, Period(2023, 8): 1_624_000}
    after = with_standard_levels(before, [(LevelKey(MERIT), Period(2023, 7), VND(2_055_000), "Decree 55/2023")])
    due = amounts_due(person, Period(2023, 7), Period(2023, 8), after, as_of=Period(2023, 9))
    assert compute_arrears(due, paid).to_pay == 862_000  # (2,055,000 − 1,624,000) × 2 months


def test_suspended_months_are_not_due_while_the_suspension_lasts() -> None:
    person = elderly(Period(2024, 7), StatusChange(Period(2025, 1), Status.SUSPENDED))
    due = amounts_due(person, Period(2025, 1), Period(2025, 3), default_rules(), as_of=Period(2025, 3))
    assert set(due.values()) == {0}


def test_a_resumed_suspension_pays_the_suspended_months_as_arrears() -> None:
    person = elderly(
        Period(2024, 7),
        StatusChange(Period(2025, 1), Status.SUSPENDED),
        StatusChange(Period(2025, 4), Status.ACTIVE),
    )
    due = amounts_due(person, Period(2025, 1), Period(2025, 3), default_rules(), as_of=Period(2025, 4))
    arrears = compute_arrears(due, paid={})
    assert arrears.to_pay == 2_250_000  # January to March at 500,000 × 1.5 = 750,000 each


def test_a_meritorious_suspension_is_not_repaid_unless_the_decision_says_so() -> None:
    resume = StatusChange(Period(2025, 4), Status.ACTIVE)
    suspend = StatusChange(Period(2025, 1), Status.SUSPENDED)
    mother = elderly(Period(2024, 7), suspend, resume, program=MERIT, category=d.MER_HEROIC_MOTHER)
    assert amount_due(mother, Period(2025, 2), default_rules(), as_of=Period(2025, 4)) == 0
    repaid = dataclasses.replace(resume, repay_suspended_months=True)
    mother = elderly(Period(2024, 7), suspend, repaid, program=MERIT, category=d.MER_HEROIC_MOTHER)
    assert amount_due(mother, Period(2025, 2), default_rules(), as_of=Period(2025, 4)) == 8_367_000


def test_a_suspension_ended_by_termination_releases_nothing() -> None:
    person = elderly(
        Period(2024, 7),
        StatusChange(Period(2025, 1), Status.SUSPENDED),
        StatusChange(Period(2025, 4), Status.TERMINATED),
    )
    assert amount_due(person, Period(2025, 2), default_rules(), as_of=Period(2025, 6)) == 0


def test_an_overpaid_month_is_reported_and_not_netted_against_arrears() -> None:
    due = {Period(2025, 1): 750_000, Period(2025, 2): 750_000}
    paid = {Period(2025, 1): 1_000_000, Period(2025, 2): 500_000}
    arrears = compute_arrears(due, paid)
    assert arrears.to_pay == 250_000  # February: 750,000 − 500,000
    assert arrears.overpayment == 250_000  # January: 1,000,000 − 750,000, left to an officer
    assert [line.period for line in arrears.overpaid] == [Period(2025, 1)]


def test_a_month_paid_but_not_due_is_an_overpayment() -> None:
    arrears = compute_arrears(due={}, paid={Period(2025, 4): 750_000})  # e.g. paid after the month of death
    assert (arrears.to_pay, arrears.overpayment) == (0, 750_000)


def test_a_negative_amount_is_refused() -> None:
    with pytest.raises(InvalidAmountError):
        compute_arrears(due={Period(2025, 1): -1}, paid={})


def test_payments_for_the_same_month_add_up() -> None:
    paid = sum_payments([(Period(2025, 1), 750_000), (Period(2025, 1), 60_000), (Period(2025, 2), 810_000)])
    assert paid == {Period(2025, 1): 810_000, Period(2025, 2): 810_000}
