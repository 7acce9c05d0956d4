"""Funeral support, the meritorious death grant and one-time allowances; amounts worked out by hand."""

from __future__ import annotations

import dataclasses
from datetime import date
from fractions import Fraction

import pytest

from ansinh.core.money import VND
from ansinh.core.period import Period
from ansinh.policy import (
    CategoryHolding,
    Entitlement,
    FuneralCause,
    LevelKey,
    NotEntitledError,
    OneTimeKey,
    OneTimeKind,
    Program,
    Rate,
    RateTable,
    Status,
    StatusChange,
    death_grant,
    funeral_support,
    injury_one_time,
    one_time_allowance,
    seniority_allowance,
    seniority_years,
)
from ansinh.policy import defaults as d
from ansinh.policy.defaults import default_rules

SA = Program.SOCIAL_ASSISTANCE
MERIT = Program.MERITORIOUS


def deceased(
    code: str = d.SA_ELDERLY_POOR,
    *,
    died: date | None = date(2025, 3, 20),
    program: Program = SA,
    province: str = "04",
    changes: tuple[StatusChange, ...] = (),
) -> Entitlement:
    return Entitlement(
        program=program,
        province_code=province,
        date_of_birth=date(1940, 5, 1),
        start=Period(2024, 7),
        categories=(CategoryHolding(code, Period(2024, 7)),),
        status_changes=changes,
        death_date=died,
    )


def test_funeral_support_is_20_times_the_standard_level_of_the_month_of_death() -> None:
    grant = funeral_support(deceased(), default_rules())
    assert grant.amount == 10_000_000  # 20 × 500,000 in March 2025
    assert grant.period == Period(2025, 3)
    assert grant.basis_amount == 500_000
    assert grant.multiple == 20


def test_funeral_support_after_a_disaster_or_accident_is_50_times_the_standard_level() -> None:
    grant = funeral_support(deceased(), default_rules(), cause=FuneralCause.SPECIAL)
    assert grant.amount == 25_000_000  # 50 × 500,000


def test_funeral_support_uses_the_provinces_higher_standard_level() -> None:
    rules = default_rules()
    rows = (*rules.standard_levels.rows, Rate(LevelKey(SA, "92"), Period(2025, 1), VND(600_000)))
    rules = dataclasses.replace(rules, standard_levels=RateTable("standard_levels", rows))
    assert funeral_support(deceased(province="92"), rules).amount == 12_000_000  # 20 × 600,000


def test_meritorious_funeral_allowance_is_10_times_the_base_salary() -> None:
    grant = funeral_support(deceased(d.MER_HEROIC_MOTHER, program=MERIT), default_rules())
    assert grant.amount == 23_400_000  # 10 × 2,340,000


def test_no_funeral_support_without_a_date_of_death() -> None:
    with pytest.raises(NotEntitledError):
        funeral_support(deceased(died=None), default_rules())


def test_no_funeral_support_for_someone_terminated_before_death() -> None:
    person = deceased(changes=(StatusChange(Period(2025, 1), Status.TERMINATED),))
    with pytest.raises(NotEntitledError):
        funeral_support(person, default_rules())


def test_a_meritorious_death_grant_is_three_months_of_allowance_and_supplements() -> None:
    mother = Entitlement(
        program=MERIT,
        province_code="04",
        date_of_birth=date(1930, 1, 1),
        start=Period(2024, 7),
        categories=(
            CategoryHolding(d.MER_HEROIC_MOTHER, Period(2024, 7)),
            CategoryHolding(d.MER_HEROIC_MOTHER_SUPPLEMENT, Period(2024, 7)),
        ),
        death_date=date(2025, 2, 10),
    )
    assert death_grant(mother, default_rules()).amount == 32_112_000  # 3 × (8,367,000 + 2,337,000)


@pytest.mark.parametrize(
    ("months", "years"),
    [(0, 0), (5, Fraction(1, 2)), (6, 1), (12, 1), (125, Fraction(21, 2)), (126, 11), (127, 11)],
)
def test_seniority_counts_6_leftover_months_as_a_year_and_fewer_as_half(months: int, years: Fraction) -> None:
    assert seniority_years(months) == years


def test_seniority_allowance_is_0_3_standard_level_per_year_rounded_to_1000() -> None:
    # 10 years 7 months → 11 years: 0.3 × 11 × 2,789,000 = 9,203,700 → 9,204,000
    assert seniority_allowance(127, Period(2025, 1), default_rules(), province_code="04").amount == 9_204_000
    # 10 years 5 months → 10.5 years: 0.3 × 10.5 × 2,789,000 = 8,785,350 → 8,785,000
    assert seniority_allowance(125, Period(2025, 1), default_rules(), province_code="04").amount == 8_785_000


def test_a_martyr_recognised_gives_20_times_the_standard_level() -> None:
    grant = one_time_allowance(
        OneTimeKey(OneTimeKind.MARTYR_RECOGNISED), Period(2025, 1), default_rules(), province_code="04"
    )
    assert grant.amount == 55_780_000  # 20 × 2,789,000


def test_a_light_injury_gives_the_multiple_of_its_band() -> None:
    rules = default_rules()
    assert injury_one_time(8, Period(2025, 1), rules, province_code="04").amount == 11_156_000  # 4 × 2,789,000
    assert injury_one_time(12, Period(2025, 1), rules, province_code="04").amount == 16_734_000  # 6 × 2,789,000
    assert injury_one_time(20, Period(2025, 1), rules, province_code="04").amount == 22_312_000  # 8 × 2,789,000


def test_an_injury_above_20_percent_has_no_one_time_allowance() -> None:
    with pytest.raises(NotEntitledError):
        injury_one_time(21, Period(2025, 1), default_rules(), province_code="04")
