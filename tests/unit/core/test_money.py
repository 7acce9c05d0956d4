from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansinh.core.money import format_vnd, multiply, round_to, vnd


def test_vnd_accepts_whole_numbers_and_vietnamese_notation() -> None:
    assert vnd(500_000) == 500_000
    assert vnd("1.250.000 ₫") == 1_250_000
    assert vnd(Decimal("360000")) == 360_000


@pytest.mark.parametrize("bad", [1.5, 500000.0, True, Decimal("0.5"), None])
def test_vnd_refuses_floats_fractions_and_booleans(bad: object) -> None:
    with pytest.raises((TypeError, ValueError)):
        vnd(bad)


def test_vnd_refuses_text_that_is_not_money() -> None:
    with pytest.raises(ValueError, match="not an amount"):
        vnd("năm trăm")


def test_standard_level_times_coefficient_is_exact() -> None:
    # 360,000 × 2.5 = 900,000; 500,000 × 1.5 = 750,000
    assert multiply(360_000, "2.5") == 900_000
    assert multiply(500_000, Decimal("1.5")) == 750_000


def test_meritorious_amounts_round_to_the_nearest_thousand() -> None:
    # 2,789,000 × 0.3 = 836,700 → 837,000; 2,055,000 × 1.25 = 2,568,750 → 2,569,000
    assert multiply(2_789_000, "0.3", unit=1000) == 837_000
    assert multiply(2_055_000, "1.25", unit=1000) == 2_569_000


def test_halves_round_away_from_zero() -> None:
    assert round_to(Fraction(1500), 1000) == 2000
    assert round_to(Fraction(-1500), 1000) == -2000
    assert round_to(Fraction(1499), 1000) == 1000


def test_multiply_refuses_a_float_coefficient() -> None:
    with pytest.raises(TypeError):
        multiply(360_000, 2.5)  # type: ignore[arg-type]


def test_format_uses_dots_and_the_dong_sign() -> None:
    assert format_vnd(1_250_000) == "1.250.000 ₫"
    assert format_vnd(0) == "0 ₫"
    assert format_vnd(-5_000) == "-5.000 ₫"


@given(st.integers(min_value=0, max_value=10**12), st.fractions(min_value=0, max_value=100))
def test_multiply_always_returns_an_int_within_half_a_unit(amount: int, factor: Fraction) -> None:
    result = multiply(amount, factor, unit=1000)
    assert type(result) is int
    assert result % 1000 == 0
    assert abs(Fraction(result) - amount * factor) <= 500
