from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansinh.core.period import Period, period_range


def test_parse_and_print_round_trip() -> None:
    assert str(Period.parse("2024-07")) == "2024-07"
    assert Period.parse("2024-07") == Period(2024, 7)


@pytest.mark.parametrize("bad", ["2024-7", "2024-13", "24-07", "2024/07", "", "2024-00"])
def test_parse_refuses_malformed_periods(bad: str) -> None:
    with pytest.raises(ValueError, match=r"month|YYYY-MM"):
        Period.parse(bad)


def test_arithmetic_crosses_year_boundaries() -> None:
    assert Period(2024, 12) + 1 == Period(2025, 1)
    assert Period(2024, 1) - 1 == Period(2023, 12)
    assert Period(2024, 5).months_until(Period(2024, 8)) == 3


def test_range_includes_both_ends() -> None:
    assert [str(p) for p in period_range(Period(2024, 11), Period(2025, 2))] == [
        "2024-11",
        "2024-12",
        "2025-01",
        "2025-02",
    ]


def test_first_and_last_day_know_leap_years() -> None:
    assert Period(2024, 2).last_day == date(2024, 2, 29)
    assert Period(2025, 2).last_day == date(2025, 2, 28)
    assert Period(2025, 2).first_day == date(2025, 2, 1)


def test_vietnamese_label() -> None:
    assert Period(2024, 7).label_vi() == "tháng 07/2024"


@given(st.integers(min_value=1920 * 12, max_value=2180 * 12), st.integers(min_value=-240, max_value=240))
def test_adding_then_subtracting_months_returns_the_same_period(index: int, months: int) -> None:
    period = Period.from_index(index)
    assert (period + months) - months == period
    assert period.months_until(period + months) == months
