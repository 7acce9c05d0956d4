"""The clock is injected: services ask it for the time, tests and the demo set it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Protocol
from zoneinfo import ZoneInfo

# Officials work on Vietnamese calendar days; timestamps are stored in UTC.
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware UTC."""
        ...

    def today(self) -> date:
        """The current calendar day in Vietnam."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return self.now().astimezone(VIETNAM).date()


@dataclass
class FixedDayClock:
    """Real time of day on a chosen calendar day (``ANSINH_TODAY``): the demo and the tests replay months."""

    day: date

    def now(self) -> datetime:
        wall = datetime.now(VIETNAM).timetz()
        return datetime.combine(
            self.day, time(wall.hour, wall.minute, wall.second, wall.microsecond), VIETNAM
        ).astimezone(UTC)

    def today(self) -> date:
        return self.day


@dataclass
class FrozenClock:
    """A clock that stands still unless moved; for unit tests."""

    instant: datetime

    def now(self) -> datetime:
        return self.instant

    def today(self) -> date:
        return self.instant.astimezone(VIETNAM).date()
