"""Rule tables with effective dates: each row holds one value for one key from one month to another.

Decrees change amounts and coefficients every year or two, often retroactively, so no value is a constant:
a value is looked up for the month being paid. Months are the unit because allowances are monthly and every
change in domain-rules.md takes effect on the first day of a month; a decree's later entry into force (Decree
55/2023: in force 5 Sep 2023, applied from 1 July 2023) is recorded in ``source``, the row starts on the month
the value applies from.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Hashable
from dataclasses import dataclass, field

from ansinh.core.period import Period
from ansinh.policy.errors import (
    EffectiveDateGapError,
    EffectiveDateOverlapError,
    InvalidEffectiveRangeError,
    RuleNotInForceError,
)


@dataclass(frozen=True, slots=True)
class Rate[K: Hashable, V]:
    """One row: ``value`` holds for ``key`` from ``valid_from`` to ``valid_to`` (both months included)."""

    key: K
    valid_from: Period
    value: V
    valid_to: Period | None = None  # None: in force until a later row closes it
    source: str = ""  # the legal instrument and how sure we are of it, e.g. "Decree 20/2021 Art 4.2 [R]"

    def __post_init__(self) -> None:
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise InvalidEffectiveRangeError(
                f"Dòng {self.key}: hết hiệu lực ({self.valid_to}) trước khi có hiệu lực ({self.valid_from})",
                f"row {self.key}: ends ({self.valid_to}) before it starts ({self.valid_from})",
            )

    def covers(self, period: Period) -> bool:
        return self.valid_from <= period and (self.valid_to is None or period <= self.valid_to)


@dataclass(frozen=True, slots=True)
class RateTable[K: Hashable, V]:
    """Rows of one rule, refused at construction if one key has a gap or an overlap between its rows.

    A key may start late and may end (a category closed from a date); between its first and last row every
    month must have exactly one row.
    """

    name: str
    rows: tuple[Rate[K, V], ...]
    _index: dict[K, tuple[Rate[K, V], ...]] = field(init=False, repr=False, compare=False)
    _starts: dict[K, list[int]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        grouped: dict[K, list[Rate[K, V]]] = {}
        for row in self.rows:
            grouped.setdefault(row.key, []).append(row)
        index: dict[K, tuple[Rate[K, V], ...]] = {}
        for key, rows in grouped.items():
            ordered = sorted(rows, key=lambda row: row.valid_from)
            for earlier, later in itertools.pairwise(ordered):
                self._check_adjacent(key, earlier, later)
            index[key] = tuple(ordered)
        object.__setattr__(self, "_index", index)
        starts = {key: [row.valid_from.index for row in rows] for key, rows in index.items()}
        object.__setattr__(self, "_starts", starts)

    def _check_adjacent(self, key: K, earlier: Rate[K, V], later: Rate[K, V]) -> None:
        if earlier.valid_to is None or later.valid_from <= earlier.valid_to:
            until = "không thời hạn" if earlier.valid_to is None else str(earlier.valid_to)
            until_en = "open-ended" if earlier.valid_to is None else str(earlier.valid_to)
            raise EffectiveDateOverlapError(
                f"Bảng {self.name}, {key}: dòng từ {earlier.valid_from} đến {until} chồng lên dòng từ "
                f"{later.valid_from}",
                f"table {self.name}, {key}: the row from {earlier.valid_from} to {until_en} overlaps the row "
                f"from {later.valid_from}",
            )
        if later.valid_from != earlier.valid_to.next():
            raise EffectiveDateGapError(
                f"Bảng {self.name}, {key}: không có quy định từ {earlier.valid_to.next()} đến "
                f"{later.valid_from.previous()}",
                f"table {self.name}, {key}: no rule from {earlier.valid_to.next()} to {later.valid_from.previous()}",
            )

    def keys(self) -> frozenset[K]:
        return frozenset(self._index)

    def history(self, key: K) -> tuple[Rate[K, V], ...]:
        """Every row of ``key``, oldest first."""
        return self._index.get(key, ())

    def find(self, key: K, period: Period) -> Rate[K, V] | None:
        """The row of ``key`` in force in ``period``, or None."""
        rows = self._index.get(key)
        if not rows:
            return None
        position = bisect.bisect_right(self._starts[key], period.index) - 1
        if position < 0 or not rows[position].covers(period):
            return None
        return rows[position]

    def at(self, key: K, period: Period) -> Rate[K, V]:
        """The row of ``key`` in force in ``period``; refuses when there is none."""
        row = self.find(key, period)
        if row is None:
            raise RuleNotInForceError(
                f"Bảng {self.name}: không có quy định cho {key} vào {period.label_vi()}",
                f"table {self.name}: no rule for {key} in {period}",
            )
        return row

    def value_at(self, key: K, period: Period) -> V:
        return self.at(key, period).value

    def with_rate(self, key: K, valid_from: Period, value: V, *, source: str = "") -> RateTable[K, V]:
        """A new table where ``value`` applies to ``key`` from ``valid_from`` on (a decree, even retroactive).

        The row in force at ``valid_from`` is closed the month before; a row that starts on or after
        ``valid_from`` is a correction, not a new decree, and is refused as an overlap.
        """
        rows: list[Rate[K, V]] = []
        for row in self.rows:
            if row.key == key and row.covers(valid_from) and row.valid_from < valid_from:
                rows.append(Rate(row.key, row.valid_from, row.value, valid_from.previous(), row.source))
            else:
                rows.append(row)
        rows.append(Rate(key, valid_from, value, None, source))
        return RateTable(self.name, tuple(rows))
