"""One-time grants: funeral support, the meritorious death grant, one-time allowances (multiples of a level).

Each person receives one funeral grant only (Art 11; the social-insurance rule for meritorious people): a
uniqueness the database enforces across payrolls; these functions only compute the amount.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from ansinh.core.money import VND, multiply, vnd
from ansinh.core.period import Period
from ansinh.policy.domain import (
    BASE_SALARY_KEY,
    Entitlement,
    FuneralBasis,
    FuneralCause,
    FuneralKey,
    MonthState,
    OneTimeKey,
    OneTimeKind,
    PolicyRules,
    Program,
    monthly_amount,
    standard_level,
)
from ansinh.policy.errors import InvalidEntitlementError, NotEntitledError


@dataclass(frozen=True, slots=True)
class OneTimeAmount:
    """A one-time amount: ``multiple`` × ``basis_amount``, rounded by the program's rule."""

    kind: str
    period: Period  # the month whose rates were used (month of death, of the decision)
    basis_amount: VND  # standard level, base salary, or the monthly allowance
    multiple: Fraction
    amount: VND


def funeral_support(
    entitlement: Entitlement, rules: PolicyRules, *, cause: FuneralCause = FuneralCause.ORDINARY
) -> OneTimeAmount:
    """Funeral support for a beneficiary who died while entitled, at the rates of the month of death.

    Social assistance: at least 20 × the standard level (Decree 20/2021 Art 11), 50 × for a death in a
    disaster, a traffic or work accident, or in a social-protection facility (Art 14, 25.3). Meritorious
    people: the social-insurance funeral rate, 10 × the base salary in the month of death. A province's own
    row wins over the national one; a cause without its own row falls back to the ordinary one.
    """
    if entitlement.death_date is None:
        raise NotEntitledError("Chưa có ngày mất", "no date of death recorded")
    period = Period.of(entitlement.death_date)
    if monthly_amount(entitlement, period, rules).state is MonthState.NOT_DUE:
        raise NotEntitledError(
            f"Không hưởng trợ cấp hằng tháng vào {period.label_vi()}, tháng mất",
            f"not a monthly beneficiary in {period}, the month of death",
        )
    program, province = entitlement.program, entitlement.province_code
    table = rules.funeral_rules
    row = (
        table.find(FuneralKey(program, cause, province), period)
        or table.find(FuneralKey(program, cause), period)
        or table.find(FuneralKey(program, FuneralCause.ORDINARY, province), period)
        or table.at(FuneralKey(program), period)
    )
    rule = row.value
    if rule.basis is FuneralBasis.BASE_SALARY:
        basis, unit = rules.base_salary.value_at(BASE_SALARY_KEY, period), 1
    else:
        basis = standard_level(rules, program, province, period)
        unit = rules.rounding_unit(program, period)
    return OneTimeAmount(
        f"funeral_{cause}", period, basis, Fraction(rule.multiple), multiply(basis, rule.multiple, unit=unit)
    )


def death_grant(entitlement: Entitlement, rules: PolicyRules) -> OneTimeAmount:
    """Meritorious: relatives receive once 3 months of the allowance and supplements of the month of death."""
    if entitlement.program is not Program.MERITORIOUS or entitlement.death_date is None:
        raise NotEntitledError(
            "Trợ cấp một lần khi mất chỉ dành cho người có công đã mất",
            "the death grant is for a deceased meritorious person only",
        )
    period = Period.of(entitlement.death_date)
    month = monthly_amount(entitlement, period, rules)
    if month.state is MonthState.NOT_DUE:
        raise NotEntitledError(
            f"Không hưởng trợ cấp hằng tháng vào {period.label_vi()}, tháng mất",
            f"not a monthly beneficiary in {period}, the month of death",
        )
    return OneTimeAmount("death_grant", period, month.total, Fraction(3), vnd(3 * month.total))


def one_time_allowance(
    key: OneTimeKey,
    period: Period,
    rules: PolicyRules,
    *,
    province_code: str,
    times: Fraction = Fraction(1),
) -> OneTimeAmount:
    """``times`` × the multiple of ``key`` × the meritorious standard level of ``period``, rounded."""
    program = Program.MERITORIOUS
    level = standard_level(rules, program, province_code, period)
    multiple = Fraction(rules.one_time_multiples.value_at(key, period)) * times
    unit = rules.rounding_unit(program, period)
    return OneTimeAmount(key.label, period, level, multiple, multiply(level, multiple, unit=unit))


def seniority_years(service_months: int) -> Fraction:
    """Years counted for the seniority allowance: 6 leftover months or more count as a year, fewer as half."""
    if service_months < 0:
        raise InvalidEntitlementError("Số tháng công tác âm", "negative months of service")
    years, leftover = divmod(service_months, 12)
    if leftover >= 6:
        return Fraction(years + 1)
    return Fraction(years) + (Fraction(1, 2) if leftover else 0)


def seniority_allowance(
    service_months: int, period: Period, rules: PolicyRules, *, province_code: str
) -> OneTimeAmount:
    """One-time seniority allowance: 0.3 × the standard level per year counted (Decree 75/2021 App. IV)."""
    return one_time_allowance(
        OneTimeKey(OneTimeKind.SENIORITY_PER_YEAR),
        period,
        rules,
        province_code=province_code,
        times=seniority_years(service_months),
    )


def injury_one_time(injury_rate: int, period: Period, rules: PolicyRules, *, province_code: str) -> OneTimeAmount:
    """One-time allowance for a light injury: the multiple of the injury band holding ``injury_rate``."""
    keys = rules.one_time_multiples.keys()
    bands = (key for key in keys if key.kind is OneTimeKind.INJURY)
    for key in bands:
        if key.covers(injury_rate) and rules.one_time_multiples.find(key, period) is not None:
            return one_time_allowance(key, period, rules, province_code=province_code)
    raise NotEntitledError(
        f"Không có mức trợ cấp một lần cho tỷ lệ thương tật {injury_rate}% vào {period.label_vi()}",
        f"no one-time injury allowance for a rate of {injury_rate}% in {period}",
    )
