"""The monthly allowance of one entitlement, at the rates in force in the month; amounts worked out by hand."""

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
    IllegalStatusTransitionError,
    InjuryRateNotLoadedError,
    InvalidEntitlementError,
    LevelKey,
    MonthState,
    NotDueReason,
    PolicyRules,
    Program,
    Rate,
    RateTable,
    Status,
    StatusChange,
    age_in_month,
    monthly_amount,
    standard_level,
    stop_from,
)
from ansinh.policy import defaults as d
from ansinh.policy.defaults import default_rules

SA = Program.SOCIAL_ASSISTANCE
MERIT = Program.MERITORIOUS
DECREE_20_START = Period(2021, 7)


def person(
    *categories: CategoryHolding,
    born: date = date(1950, 3, 10),
    start: Period = DECREE_20_START,
    province: str = "04",
    program: Program = SA,
    changes: tuple[StatusChange, ...] = (),
    died: date | None = None,
) -> Entitlement:
    return Entitlement(
        program=program,
        province_code=province,
        date_of_birth=born,
        start=start,
        categories=categories,
        status_changes=changes,
        death_date=died,
    )


def held(
    code: str,
    start: Period = DECREE_20_START,
    *,
    quantity: int = 1,
    injury_rate: int | None = None,
    cared_person_birth_date: date | None = None,
) -> CategoryHolding:
    return CategoryHolding(
        code,
        start,
        quantity=quantity,
        injury_rate=injury_rate,
        cared_person_birth_date=cared_person_birth_date,
    )


def with_province_level(rules: PolicyRules, province: str, valid_from: Period, amount: int) -> PolicyRules:
    rows = (*rules.standard_levels.rows, Rate(LevelKey(SA, province), valid_from, VND(amount), None, "test"))
    return dataclasses.replace(rules, standard_levels=RateTable("standard_levels", rows))


# -- standard level changes


def test_the_standard_level_rises_from_360000_to_500000_in_july_2024() -> None:
    elderly = person(held(d.SA_ELDERLY_POOR))  # born March 1950: 74 in 2024, coefficient 1.5
    june = monthly_amount(elderly, Period(2024, 6), default_rules())
    july = monthly_amount(elderly, Period(2024, 7), default_rules())
    assert june.total == 540_000  # 360,000 × 1.5
    assert july.total == 750_000  # 500,000 × 1.5
    assert july.lines[0].standard_level == 500_000
    assert july.lines[0].rule == Coefficient(Decimal("1.5"))


def test_a_province_with_a_higher_standard_level_pays_more() -> None:
    rules = with_province_level(default_rules(), "92", Period(2025, 1), 600_000)
    in_can_tho = person(held(d.SA_ELDERLY_POOR), province="92")
    in_cao_bang = person(held(d.SA_ELDERLY_POOR), province="04")
    assert monthly_amount(in_can_tho, Period(2025, 1), rules).total == 900_000  # 600,000 × 1.5
    assert monthly_amount(in_cao_bang, Period(2025, 1), rules).total == 750_000  # 500,000 × 1.5


def test_a_provincial_level_overtaken_by_the_national_level_no_longer_applies() -> None:
    rules = with_province_level(default_rules(), "92", Period(2021, 7), 400_000)
    assert standard_level(rules, SA, "92", Period(2024, 6)) == 400_000  # above the national 360,000
    assert standard_level(rules, SA, "92", Period(2024, 7)) == 500_000  # the national 500,000 is a floor


# -- ages


def test_a_child_crossing_age_4_moves_to_the_lower_coefficient_in_the_birthday_month() -> None:
    orphan = person(held(d.SA_CHILD_NO_SUPPORT, Period(2024, 7)), born=date(2021, 3, 15), start=Period(2024, 7))
    february = monthly_amount(orphan, Period(2025, 2), default_rules())
    march = monthly_amount(orphan, Period(2025, 3), default_rules())
    assert february.total == 1_250_000  # aged 3: 500,000 × 2.5
    assert march.total == 750_000  # turns 4 on 15 March: 500,000 × 1.5 for the whole month


def test_a_child_ageing_out_at_16_is_paid_the_birthday_month_and_stops_the_month_after() -> None:
    orphan = person(held(d.SA_CHILD_NO_SUPPORT, Period(2024, 7)), born=date(2009, 3, 15), start=Period(2024, 7))
    march = monthly_amount(orphan, Period(2025, 3), default_rules())
    april = monthly_amount(orphan, Period(2025, 4), default_rules())
    assert march.total == 750_000  # 500,000 × 1.5: Art 8.2 stops from the month after the loss
    assert april.state is MonthState.NOT_DUE
    assert april.reason is NotDueReason.NO_CATEGORY
    assert april.out_of_age == (d.SA_CHILD_NO_SUPPORT,)


def test_an_elderly_person_turning_80_gets_coefficient_2_in_the_birthday_month() -> None:
    elderly = person(held(d.SA_ELDERLY_POOR), born=date(1945, 9, 30))
    assert monthly_amount(elderly, Period(2025, 8), default_rules()).total == 750_000  # 79: 500,000 × 1.5
    assert monthly_amount(elderly, Period(2025, 9), default_rules()).total == 1_000_000  # 80: 500,000 × 2.0


def test_age_in_month_counts_the_birthday_month_whatever_the_day() -> None:
    assert age_in_month(date(2021, 3, 31), Period(2025, 3)) == 4
    assert age_in_month(date(2021, 3, 1), Period(2025, 2)) == 3


# -- several categories


def test_several_categories_pay_only_the_highest() -> None:
    elderly_disabled = person(held(d.SA_ELDERLY_POOR), held(d.SA_DISABLED_SEVERE))  # aged 75 in 2025
    month = monthly_amount(elderly_disabled, Period(2025, 1), default_rules())
    assert month.total == 1_000_000  # severe disability, elderly: 500,000 × 2.0 beats 500,000 × 1.5
    assert [line.category for line in month.lines] == [d.SA_DISABLED_SEVERE]
    assert [line.amount for line in month.displaced] == [750_000]


def test_a_poor_single_parent_who_is_also_disabled_receives_both() -> None:
    parent = person(
        held(d.SA_SINGLE_PARENT, quantity=2), held(d.SA_DISABLED_SEVERE), born=date(1985, 6, 1)
    )  # aged 39 in 2025
    month = monthly_amount(parent, Period(2025, 1), default_rules())
    # single parent: 500,000 × 1.0 × 2 children = 1,000,000; severe disability, adult: 500,000 × 1.5 = 750,000
    assert month.total == 1_750_000
    assert month.displaced == ()


def test_a_poor_single_parent_also_in_a_clause_outside_5_6_8_gets_only_the_highest() -> None:
    parent = person(held(d.SA_SINGLE_PARENT), held(d.SA_CHILD_IN_SCHOOL), born=date(2005, 6, 1))  # aged 19 in 2025
    month = monthly_amount(parent, Period(2025, 1), default_rules())
    assert month.total == 750_000  # in school 500,000 × 1.5 beats single parent 500,000 × 1.0
    assert [line.category for line in month.displaced] == [d.SA_SINGLE_PARENT]


def test_caregiver_support_is_paid_on_top_of_the_caregivers_own_allowance() -> None:
    caregiver = person(
        held(d.SA_DISABLED_SEVERE),
        held(d.CG_CHILD_NO_SUPPORT, cared_person_birth_date=date(2022, 6, 1)),
        born=date(1980, 1, 1),
    )
    # own allowance 500,000 × 1.5 = 750,000; child taken in, aged 2: 500,000 × 2.5 = 1,250,000
    assert monthly_amount(caregiver, Period(2025, 1), default_rules()).total == 2_000_000
    # the child turns 4 in June 2026: 750,000 + 500,000 × 1.5 = 1,500,000
    assert monthly_amount(caregiver, Period(2026, 6), default_rules()).total == 1_500_000


def test_a_caregiver_category_without_the_cared_persons_birth_date_is_refused() -> None:
    caregiver = person(held(d.CG_CHILD_NO_SUPPORT), born=date(1980, 1, 1))
    with pytest.raises(InvalidEntitlementError):
        monthly_amount(caregiver, Period(2025, 1), default_rules())


# -- start, suspension, stop


def test_nothing_is_due_before_the_start_month() -> None:
    elderly = person(held(d.SA_ELDERLY_POOR, Period(2024, 5)), start=Period(2024, 5))
    april = monthly_amount(elderly, Period(2024, 4), default_rules())
    assert (april.state, april.total, april.reason) == (MonthState.NOT_DUE, 0, NotDueReason.BEFORE_START)
    assert monthly_amount(elderly, Period(2024, 5), default_rules()).total == 540_000  # 360,000 × 1.5


def test_death_stops_payment_from_the_month_after() -> None:
    elderly = person(held(d.SA_ELDERLY_POOR), died=date(2025, 3, 20))
    assert stop_from(date(2025, 3, 20)) == Period(2025, 4)
    assert monthly_amount(elderly, Period(2025, 3), default_rules()).total == 750_000  # 500,000 × 1.5
    april = monthly_amount(elderly, Period(2025, 4), default_rules())
    assert (april.state, april.total, april.reason) == (MonthState.NOT_DUE, 0, NotDueReason.AFTER_DEATH)


def test_a_suspended_month_is_computed_but_withheld() -> None:
    elderly = person(held(d.SA_ELDERLY_POOR), changes=(StatusChange(Period(2025, 1), Status.SUSPENDED),))
    month = monthly_amount(elderly, Period(2025, 1), default_rules())
    assert (month.state, month.total) == (MonthState.WITHHELD, 750_000)


def test_a_terminated_entitlement_pays_nothing() -> None:
    elderly = person(held(d.SA_ELDERLY_POOR), changes=(StatusChange(Period(2025, 1), Status.TERMINATED),))
    assert monthly_amount(elderly, Period(2025, 1), default_rules()).reason is NotDueReason.TERMINATED


def test_a_terminated_entitlement_cannot_be_resumed() -> None:
    changes = (StatusChange(Period(2025, 1), Status.TERMINATED), StatusChange(Period(2025, 3), Status.ACTIVE))
    with pytest.raises(IllegalStatusTransitionError):
        person(held(d.SA_ELDERLY_POOR), changes=changes)


def test_a_province_code_must_have_two_digits() -> None:
    with pytest.raises(InvalidEntitlementError):
        person(held(d.SA_ELDERLY_POOR), province="092")


# -- meritorious people


def test_meritorious_categories_are_all_paid_together_except_the_carer_highest_only() -> None:
    mother = person(
        held(d.MER_HEROIC_MOTHER, Period(2024, 7)),
        held(d.MER_HEROIC_MOTHER_SUPPLEMENT, Period(2024, 7)),
        held(d.MER_CARER_81_PLUS, Period(2024, 7)),
        held(d.MER_CARER_81_PLUS_ESPECIALLY_SEVERE, Period(2024, 7)),
        program=MERIT,
        born=date(1930, 1, 1),
        start=Period(2024, 7),
    )
    month = monthly_amount(mother, Period(2024, 7), default_rules())
    assert month.total == 14_286_000  # 8,367,000 + 2,337,000 + max(2,789,000, 3,582,000)
    assert [line.amount for line in month.displaced] == [2_789_000]


def test_meritorious_amounts_from_the_standard_level_round_to_the_nearest_1000() -> None:
    rows = (
        *default_rules().category_rates.rows,
        Rate(CategoryRateKey("test_coefficient_0_8"), Period(2024, 7), CategoryRate.flat(Coefficient(Decimal("0.8")))),
    )
    category = dataclasses.replace(
        default_rules().category(d.MER_EXTRA_CARING), code="test_coefficient_0_8", group=None
    )
    rules = dataclasses.replace(
        default_rules(),
        categories=(*default_rules().categories, category),
        category_rates=RateTable("category_rates", rows),
    )
    survivor = person(held("test_coefficient_0_8", Period(2024, 7)), program=MERIT, start=Period(2024, 7))
    # 2,789,000 × 0.8 = 2,231,200 → 2,231,000, the amount Appendix I prints for the extra caring allowance
    assert monthly_amount(survivor, Period(2024, 7), rules).total == 2_231_000


def test_a_war_invalid_is_paid_from_the_injury_rate_table() -> None:
    invalid = person(held(d.MER_WAR_INVALID, Period(2024, 7), injury_rate=21), program=MERIT, start=Period(2024, 7))
    assert monthly_amount(invalid, Period(2024, 7), default_rules()).total == 1_878_000


def test_an_injury_rate_missing_from_the_partial_table_is_refused_not_guessed() -> None:
    invalid = person(held(d.MER_WAR_INVALID, Period(2024, 7), injury_rate=50), program=MERIT, start=Period(2024, 7))
    with pytest.raises(InjuryRateNotLoadedError):
        monthly_amount(invalid, Period(2024, 7), default_rules())
    assert len(default_rules().missing_injury_rates(d.MER_WAR_INVALID, Period(2024, 7))) == 78  # 80 rows − 2
