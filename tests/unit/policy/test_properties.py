"""Properties over generated entitlements and payment histories."""

from __future__ import annotations

import dataclasses
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from ansinh.core.money import VND
from ansinh.core.period import Period, period_range
from ansinh.policy import (
    AgeBasis,
    CategoryHolding,
    Entitlement,
    LevelKey,
    MonthState,
    PolicyRules,
    Program,
    Rate,
    RateTable,
    Status,
    StatusChange,
    amount_due,
    amounts_due,
    compute_arrears,
    monthly_amount,
    sum_payments,
    with_standard_levels,
)
from ansinh.policy.defaults import default_rules

FIRST = Period(2021, 7)  # Decree 20/2021: the first month the default catalogue covers
LAST = Period(2029, 12)
MERIT_FIRST = Period(2024, 7)  # the meritorious amounts are loaded from Appendix I of 2024


def _rules() -> PolicyRules:
    """Defaults plus a higher level in province 92, so that provincial lookups are exercised too."""
    rules = default_rules()
    extra = Rate(LevelKey(Program.SOCIAL_ASSISTANCE, "92"), Period(2022, 1), VND(450_000))
    return dataclasses.replace(
        rules, standard_levels=RateTable("standard_levels", (*rules.standard_levels.rows, extra))
    )


RULES = _rules()
NEXT_STATUS = {
    Status.ACTIVE: [Status.SUSPENDED, Status.TERMINATED],
    Status.SUSPENDED: [Status.ACTIVE, Status.TERMINATED],
}


def periods(first: Period = FIRST, last: Period = LAST) -> st.SearchStrategy[Period]:
    return st.integers(first.index, last.index).map(Period.from_index)


@st.composite
def holdings(draw: st.DrawFn, program: Program, first: Period) -> CategoryHolding:
    codes = sorted(
        category.code for category in RULES.categories if category.program is program and category.injury_rates is None
    )
    category = RULES.category(draw(st.sampled_from(codes)))
    start = draw(periods(first))
    end = draw(st.none() | periods(start, LAST))
    return CategoryHolding(
        category.code,
        start,
        end,
        quantity=draw(st.integers(1, 4)) if category.per_unit else 1,
        cared_person_birth_date=(
            draw(st.dates(date(1920, 1, 1), date(2029, 12, 31)))
            if category.age_basis is AgeBasis.CARED_PERSON
            else None
        ),
    )


@st.composite
def status_changes(draw: st.DrawFn, start: Period) -> tuple[StatusChange, ...]:
    changes: list[StatusChange] = []
    status, after = Status.ACTIVE, start
    for _ in range(draw(st.integers(0, 4))):
        if status is Status.TERMINATED or after >= LAST:
            break
        allowed = (
            [Status.SUSPENDED, Status.TERMINATED] if status is Status.ACTIVE else [Status.ACTIVE, Status.TERMINATED]
        )
        target = draw(st.sampled_from(allowed))
        after = draw(periods(after.next(), LAST))
        changes.append(StatusChange(after, target, draw(st.none() | st.booleans())))
        status = target
    return tuple(changes)


@st.composite
def entitlements(draw: st.DrawFn) -> Entitlement:
    program = draw(st.sampled_from(list(Program)))
    first = FIRST if program is Program.SOCIAL_ASSISTANCE else MERIT_FIRST
    start = draw(periods(first, LAST))
    born = draw(st.dates(date(1920, 1, 1), date(2025, 12, 31)))
    return Entitlement(
        program=program,
        province_code=draw(st.sampled_from(["04", "92"])),
        date_of_birth=born,
        start=start,
        categories=tuple(draw(st.lists(holdings(program, first), min_size=1, max_size=4))),
        status_changes=draw(status_changes(start)),
        death_date=draw(st.none() | st.dates(max(born, date(2021, 7, 1)), date(2029, 12, 31))),
    )


@given(entitlement=entitlements(), period=periods(FIRST, LAST))
def test_monthly_amounts_are_whole_dong_and_the_breakdown_sums_to_the_total(
    entitlement: Entitlement, period: Period
) -> None:
    if entitlement.program is Program.MERITORIOUS and period < MERIT_FIRST:
        period = MERIT_FIRST
    month = monthly_amount(entitlement, period, RULES)
    assert type(month.total) is int
    assert all(type(line.amount) is int and line.amount >= 0 for line in month.lines + month.displaced)
    assert sum(line.amount for line in month.lines) == month.total
    if month.state is MonthState.NOT_DUE:
        assert month.total == 0


amounts = st.integers(0, 20_000_000)
histories = st.dictionaries(periods(), amounts, max_size=24)


@given(due=histories, paid=histories)
def test_arrears_paid_once_make_every_month_paid_as_due_and_report_overpayments_apart(
    due: dict[Period, int], paid: dict[Period, int]
) -> None:
    arrears = compute_arrears(due, paid)
    after = sum_payments([*paid.items(), *arrears.per_month().items()])
    overpaid = {line.period: -line.difference for line in arrears.overpaid}
    for period in set(due) | set(paid):
        assert after.get(period, 0) == due.get(period, 0) + overpaid.get(period, 0)
    assert compute_arrears(due, after).to_pay == 0  # nothing left to pay: arrears are paid once
    assert arrears.to_pay == sum(max(due.get(p, 0) - paid.get(p, 0), 0) for p in set(due) | set(paid))
    assert arrears.overpayment == sum(overpaid.values())


@settings(max_examples=60)
@given(
    entitlement=entitlements(),
    decree_from=periods(Period(2024, 8), Period(2028, 12)),
    new_level=st.integers(100_000, 2_000_000),
)
def test_a_retroactive_decree_paid_as_arrears_makes_each_month_paid_at_its_own_rate(
    entitlement: Entitlement, decree_from: Period, new_level: int
) -> None:
    program = entitlement.program
    window = list(period_range(decree_from, decree_from + 11))
    # What each payroll paid at the time, under the tables of the time.
    paid = {period: amount_due(entitlement, period, RULES, as_of=period) for period in window}
    decree = [(LevelKey(program), decree_from, VND(new_level), "generated")]
    later = with_standard_levels(RULES, decree)
    as_of = window[-1].next()
    due = amounts_due(entitlement, window[0], window[-1], later, as_of=as_of)

    arrears = compute_arrears(due, paid)
    settled = sum_payments([*paid.items(), *arrears.per_month().items()])
    overpaid = {line.period: -line.difference for line in arrears.overpaid}
    for period in window:
        assert settled.get(period, 0) - overpaid.get(period, 0) == due[period]
