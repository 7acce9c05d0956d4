"""Rule tables with effective dates refuse gaps and overlaps, and take a new decree retroactively."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ansinh.core.money import VND
from ansinh.core.period import Period
from ansinh.policy import (
    AgeBand,
    CategoryRate,
    Coefficient,
    EffectiveDateGapError,
    EffectiveDateOverlapError,
    InvalidEffectiveRangeError,
    LevelKey,
    Program,
    Rate,
    RateTable,
    RuleNotInForceError,
    RuleTableError,
)

NATIONAL = LevelKey(Program.SOCIAL_ASSISTANCE)
CAN_THO = LevelKey(Program.SOCIAL_ASSISTANCE, "92")


def test_a_gap_between_two_rows_of_one_key_is_refused() -> None:
    rows = (
        Rate(NATIONAL, Period(2021, 7), VND(360_000), Period(2024, 5)),
        Rate(NATIONAL, Period(2024, 7), VND(500_000)),
    )
    with pytest.raises(EffectiveDateGapError) as error:
        RateTable("standard_levels", rows)
    assert str(error.value).startswith("Bảng standard_levels")  # Vietnamese first
    assert "no rule from 2024-06 to 2024-06" in str(error.value)  # then English


def test_an_open_row_followed_by_another_row_is_an_overlap() -> None:
    rows = (Rate(NATIONAL, Period(2021, 7), VND(360_000)), Rate(NATIONAL, Period(2024, 7), VND(500_000)))
    with pytest.raises(EffectiveDateOverlapError):
        RateTable("standard_levels", rows)


def test_two_closed_rows_sharing_a_month_are_an_overlap() -> None:
    rows = (
        Rate(NATIONAL, Period(2021, 7), VND(360_000), Period(2024, 7)),
        Rate(NATIONAL, Period(2024, 7), VND(500_000)),
    )
    with pytest.raises(EffectiveDateOverlapError):
        RateTable("standard_levels", rows)


def test_table_errors_are_value_errors() -> None:
    assert issubclass(EffectiveDateGapError, RuleTableError)
    assert issubclass(EffectiveDateOverlapError, ValueError)


def test_a_row_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(InvalidEffectiveRangeError):
        Rate(NATIONAL, Period(2024, 7), VND(500_000), Period(2024, 6))


def test_rows_of_different_keys_do_not_conflict() -> None:
    table = RateTable(
        "standard_levels",
        (Rate(NATIONAL, Period(2021, 7), VND(360_000)), Rate(CAN_THO, Period(2025, 1), VND(600_000))),
    )
    assert table.value_at(NATIONAL, Period(2025, 1)) == 360_000
    assert table.value_at(CAN_THO, Period(2025, 1)) == 600_000


def test_a_month_before_the_first_row_has_no_rule() -> None:
    table = RateTable("standard_levels", (Rate(NATIONAL, Period(2021, 7), VND(360_000)),))
    with pytest.raises(RuleNotInForceError):
        table.at(NATIONAL, Period(2021, 6))


def test_a_closed_last_row_ends_the_rule() -> None:
    table = RateTable("category_rates", (Rate("5b", Period(2021, 7), 1, Period(2025, 6)),))
    assert table.find("5b", Period(2025, 6)) is not None
    assert table.find("5b", Period(2025, 7)) is None


def test_a_new_rate_closes_the_row_in_force_the_month_before() -> None:
    table = RateTable("standard_levels", (Rate(NATIONAL, Period(2024, 7), VND(500_000)),))
    updated = table.with_rate(NATIONAL, Period(2026, 7), VND(540_000), source="demo")
    assert updated.value_at(NATIONAL, Period(2026, 6)) == 500_000
    assert updated.value_at(NATIONAL, Period(2026, 7)) == 540_000
    assert updated.history(NATIONAL)[0].valid_to == Period(2026, 6)
    assert table.value_at(NATIONAL, Period(2026, 7)) == 500_000  # the original table is unchanged


def test_a_new_rate_before_a_later_row_is_refused_as_an_overlap() -> None:
    table = RateTable(
        "standard_levels",
        (
            Rate(NATIONAL, Period(2021, 7), VND(360_000), Period(2024, 6)),
            Rate(NATIONAL, Period(2024, 7), VND(500_000)),
        ),
    )
    with pytest.raises(EffectiveDateOverlapError):
        table.with_rate(NATIONAL, Period(2023, 1), VND(400_000))


def test_overlapping_age_bands_are_refused() -> None:
    with pytest.raises(RuleTableError):
        CategoryRate((AgeBand(Coefficient(Decimal("2.5")), 0, 5), AgeBand(Coefficient(Decimal("1.5")), 4, 16)))


def test_a_float_coefficient_is_refused() -> None:
    with pytest.raises(TypeError):
        Coefficient(1.5)  # type: ignore[arg-type]
