"""From a beneficiary's approved decisions to the policy's ``Entitlement`` and to month segments (pure).

The payroll computes amounts on sets: it stores, per beneficiary, runs of months with the same categories and
state (segments), and prices each distinct (categories, province, month, age) once with the policy's pure rules.
This module is the bridge, with no database: decisions in, ``Entitlement`` and segments out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from ansinh.core.period import Period
from ansinh.policy import (
    AgeBasis,
    CategoryHolding,
    Entitlement,
    PolicyRules,
    Status,
    StatusChange,
)
from ansinh.policy import Program as PolicyProgram

PAYABLE = "payable"
WITHHELD = "withheld"
STATUS_KINDS = {"suspend": Status.SUSPENDED, "resume": Status.ACTIVE, "terminate": Status.TERMINATED}
ENTITLEMENT_KINDS = frozenset({"grant", "adjust", *STATUS_KINDS})


@dataclass(frozen=True, slots=True)
class DecisionRow:
    """The fields of an approved decision the payroll reads."""

    id: int
    kind: str
    effective_from: Period | None
    details: Mapping[str, Any]
    source: str = "officer"


@dataclass(frozen=True, slots=True)
class Holding:
    code: str
    units: int = 1
    injury_rate: int | None = None


def holdings_key(holdings: Iterable[Holding]) -> str:
    """Canonical text of a set of categories: ``code:units:rate`` sorted, joined by ``|`` (rate empty if none)."""
    parts = sorted(f"{h.code}:{h.units}:{'' if h.injury_rate is None else h.injury_rate}" for h in holdings)
    return "|".join(parts)


def parse_holdings_key(key: str) -> tuple[Holding, ...]:
    if not key:
        return ()
    holdings = []
    for part in key.split("|"):
        code, units, rate = part.split(":")
        holdings.append(Holding(code, int(units), int(rate) if rate else None))
    return tuple(holdings)


def _holdings(details: Mapping[str, Any]) -> tuple[Holding, ...]:
    raw = details.get("categories") or []
    return tuple(
        Holding(str(item["code"]), int(item.get("units") or 1), _int_or_none(item.get("injury_rate"))) for item in raw
    )


def _int_or_none(value: object) -> int | None:
    return None if value is None else int(str(value))


@dataclass(frozen=True, slots=True)
class SegmentRow:
    first_month: int
    last_month: int | None
    state: str
    released_from: int | None
    holdings: str
    cared_birth_month: int | None


def entitlement_of(
    decisions: Sequence[DecisionRow],
    *,
    program: PolicyProgram,
    province_code: str,
    date_of_birth: date,
    date_of_death: date | None,
    cared_person_birth_date: date | None,
    rules: PolicyRules,
) -> Entitlement | None:
    """The policy's view of the approved ``decisions`` (in the order they take effect); None before any grant.

    A grant or adjustment replaces the categories from its month; suspend, resume and terminate change the status.
    A later grant after a termination starts a new entitlement: only the last one is returned (the months of the
    earlier one were paid by earlier payrolls and stay as they are).
    """
    ordered = sorted(
        (d for d in decisions if d.kind in ENTITLEMENT_KINDS and d.effective_from is not None),
        key=lambda d: (d.effective_from, d.id),
    )
    grants = [i for i, d in enumerate(ordered) if d.kind == "grant"]
    if not grants:
        return None
    ordered = ordered[grants[-1] :]
    start = ordered[0].effective_from
    assert start is not None
    category_changes: list[tuple[Period, tuple[Holding, ...]]] = []
    status_changes: list[StatusChange] = []
    status = Status.ACTIVE
    for decision in ordered:
        month = decision.effective_from
        assert month is not None
        if decision.kind in ("grant", "adjust"):
            if category_changes and category_changes[-1][0] == month:
                category_changes[-1] = (month, _holdings(decision.details))
            else:
                category_changes.append((month, _holdings(decision.details)))
            continue
        target = STATUS_KINDS[decision.kind]
        if target is status or status is Status.TERMINATED:
            continue  # already there (e.g. a resume of an active record): the decisions context refuses these
        repay = decision.details.get("repay_suspended_months") if decision.kind == "resume" else None
        if status_changes and status_changes[-1].period == month:
            status_changes[-1] = StatusChange(month, target, repay)  # two acts in one month: the later one holds
        else:
            status_changes.append(StatusChange(month, target, repay))
        status = target
    holdings: list[CategoryHolding] = []
    for index, (month, chosen) in enumerate(category_changes):
        end = category_changes[index + 1][0].previous() if index + 1 < len(category_changes) else None
        for holding in chosen:
            category = rules.category(holding.code)
            cared = cared_person_birth_date if category.age_basis is AgeBasis.CARED_PERSON else None
            holdings.append(
                CategoryHolding(
                    holding.code,
                    month,
                    end,
                    quantity=holding.units,
                    injury_rate=holding.injury_rate,
                    cared_person_birth_date=cared,
                )
            )
    return Entitlement(
        program=program,
        province_code=province_code,
        date_of_birth=date_of_birth,
        start=start,
        categories=tuple(holdings),
        status_changes=_valid_changes(start, status_changes),
        death_date=date_of_death,
    )


def _valid_changes(start: Period, changes: list[StatusChange]) -> tuple[StatusChange, ...]:
    """Status changes after the start, in order (a change in the start month itself applies from the start)."""
    kept: list[StatusChange] = []
    for change in changes:
        period = change.period if change.period > start.previous() else start
        if period == start and change.status is Status.ACTIVE and not kept:
            continue  # a resume in the very first month changes nothing
        if kept and kept[-1].period == period:
            kept[-1] = StatusChange(period, change.status, change.repay_suspended_months)
        else:
            kept.append(StatusChange(period, change.status, change.repay_suspended_months))
    return tuple(kept)


def segments_of(entitlement: Entitlement | None, rules: PolicyRules) -> tuple[SegmentRow, ...]:
    """The entitlement as runs of months with one set of categories and one state (payable or withheld).

    Terminated months and months after death have no segment. A withheld run carries ``released_from``: the month
    of the resume that repays it (the payroll of that month or later pays those months as arrears), else None.
    """
    if entitlement is None:
        return ()
    last = entitlement.last_month
    cared_births = [h.cared_person_birth_date for h in entitlement.categories if h.cared_person_birth_date]
    cared_birth_month = Period.of(min(cared_births)).index if cared_births else None
    bounds = {entitlement.start}
    for holding in entitlement.categories:
        bounds.add(holding.start)
        if holding.end is not None:
            bounds.add(holding.end.next())
    for change in entitlement.status_changes:
        bounds.add(change.period)
    if last is not None:
        bounds.add(last.next())
    starts = sorted(b for b in bounds if b >= entitlement.start)
    runs: list[SegmentRow] = []
    for index, first in enumerate(starts):
        end = starts[index + 1].previous() if index + 1 < len(starts) else None
        if last is not None and first > last:
            break
        status = entitlement.status_in(first)
        if status is Status.TERMINATED:
            continue
        held = [h for h in entitlement.categories if h.covers(first)]
        if not held:
            continue
        key = holdings_key(Holding(h.category, h.quantity, h.injury_rate) for h in held)
        released: int | None = None
        if status is Status.SUSPENDED:
            released = _released_from(entitlement, first, rules)
        state = WITHHELD if status is Status.SUSPENDED else PAYABLE
        last_month = end.index if end is not None else None
        if last is not None and (last_month is None or last_month > last.index):
            last_month = last.index
        _append(runs, SegmentRow(first.index, last_month, state, released, key, cared_birth_month))
    return tuple(runs)


def _append(runs: list[SegmentRow], row: SegmentRow) -> None:
    """Add ``row``, merged into the previous run when it continues it unchanged."""
    previous = runs[-1] if runs else None
    if (
        previous is not None
        and previous.last_month == row.first_month - 1
        and (previous.state, previous.released_from, previous.holdings, previous.cared_birth_month)
        == (row.state, row.released_from, row.holdings, row.cared_birth_month)
    ):
        runs[-1] = SegmentRow(
            previous.first_month, row.last_month, row.state, row.released_from, row.holdings, row.cared_birth_month
        )
    else:
        runs.append(row)


def _released_from(entitlement: Entitlement, period: Period, rules: PolicyRules) -> int | None:
    for change in entitlement.status_changes:
        if change.period > period:
            if change.status is not Status.ACTIVE:
                return None
            repay = change.repay_suspended_months
            if repay is None:
                repay = rules.program(entitlement.program).repay_suspended_months
            return change.period.index if repay else None
    return None


def _state_at(segments: Sequence[SegmentRow], month: int) -> tuple[str, int | None, str, int | None] | None:
    for segment in segments:
        if segment.first_month <= month and (segment.last_month is None or month <= segment.last_month):
            return (segment.state, segment.released_from, segment.holdings, segment.cared_birth_month)
    return None


def first_difference(old: Sequence[SegmentRow], new: Sequence[SegmentRow]) -> int | None:
    """The first month whose state, categories or release differ between two sets of segments; None if equal."""
    bounds: set[int] = set()
    for segment in (*old, *new):
        bounds.add(segment.first_month)
        if segment.last_month is not None:
            bounds.add(segment.last_month + 1)
    for month in sorted(bounds):
        if _state_at(old, month) != _state_at(new, month):
            return month
    return None
