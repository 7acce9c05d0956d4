"""A payment period is a calendar month: ``Period(2024, 7)`` is July 2024."""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True, order=True, slots=True)
class Period:
    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise ValueError(f"month must be 1..12, got {self.month}")
        if not 1900 <= self.year <= 2200:
            raise ValueError(f"year out of range: {self.year}")

    @classmethod
    def parse(cls, text: str) -> Period:
        """Parse ``YYYY-MM``."""
        match = _PATTERN.match(text.strip())
        if match is None:
            raise ValueError(f"a period is written YYYY-MM, got {text!r}")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, day: date) -> Period:
        return cls(day.year, day.month)

    @property
    def index(self) -> int:
        """Months since year 0: makes arithmetic and storage as one integer easy."""
        return self.year * 12 + self.month - 1

    @classmethod
    def from_index(cls, index: int) -> Period:
        return cls(index // 12, index % 12 + 1)

    def __add__(self, months: int) -> Period:
        return Period.from_index(self.index + months)

    def __sub__(self, other: int) -> Period:
        return Period.from_index(self.index - other)

    def months_until(self, other: Period) -> int:
        """How many months from ``self`` to ``other`` (negative when ``other`` is earlier)."""
        return other.index - self.index

    def next(self) -> Period:
        return self + 1

    def previous(self) -> Period:
        return self - 1

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def contains(self, day: date) -> bool:
        return day.year == self.year and day.month == self.month

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def label_vi(self) -> str:
        """As an official writes it: ``tháng 07/2024``."""
        return f"tháng {self.month:02d}/{self.year}"


def period_range(first: Period, last: Period) -> Iterator[Period]:
    """Every period from ``first`` to ``last``, both included."""
    for index in range(first.index, last.index + 1):
        yield Period.from_index(index)
