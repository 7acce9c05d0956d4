"""Money is an integer number of Vietnamese đồng (VND has no minor unit in use)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import NewType

VND = NewType("VND", int)

ZERO = VND(0)


def vnd(value: object) -> VND:
    """Return ``value`` as VND, refusing anything that is not an exact whole number of đồng."""
    if isinstance(value, bool):
        raise TypeError("a boolean is not an amount of money")
    if isinstance(value, int):
        return VND(value)
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return VND(int(value))
    if isinstance(value, str):
        text = value.strip().removesuffix("₫").strip().replace(".", "").replace(",", "")
        if text.removeprefix("-").isdigit():
            return VND(int(text))
        raise ValueError(f"not an amount of money in đồng: {value!r}")
    raise TypeError(f"not an amount of money in đồng: {value!r} ({type(value).__name__})")


def round_to(value: Fraction | Decimal | int, unit: int = 1) -> VND:
    """Round ``value`` to the nearest multiple of ``unit`` đồng, halves away from zero."""
    if unit <= 0:
        raise ValueError("the rounding unit must be a positive number of đồng")
    exact = Fraction(value) / unit
    whole = int(exact)  # truncates toward zero
    if abs(exact - whole) * 2 >= 1:
        whole += 1 if exact > 0 else -1
    return VND(whole * unit)


def multiply(amount: int, factor: Decimal | Fraction | int | str, *, unit: int = 1) -> VND:
    """``amount × factor`` rounded half-up to a multiple of ``unit`` đồng, computed exactly (no float)."""
    if isinstance(factor, float):
        raise TypeError("coefficients are Decimal, Fraction or str, never float")
    exact = Fraction(amount) * (Fraction(Decimal(factor)) if isinstance(factor, str) else Fraction(factor))
    return round_to(exact, unit)


def format_vnd(amount: int) -> str:
    """Vietnamese money format: ``1.250.000 ₫`` (dot as thousands separator)."""
    sign = "-" if amount < 0 else ""
    return f"{sign}{abs(amount):,}".replace(",", ".") + " ₫"
