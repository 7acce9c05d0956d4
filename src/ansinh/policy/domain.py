"""Pure rules of the monthly allowance: rule tables as frozen dataclasses; what a person is due each month.

Nothing here reads a clock, a database or a file: the month, the person's entitlement and the rule tables are
passed in, so the payroll can compute any past month at that month's rate (Decree 131/2021 Art 183.2).
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

from ansinh.core.money import VND, ZERO, multiply, vnd
from ansinh.core.period import Period, period_range
from ansinh.policy.effective import RateTable
from ansinh.policy.errors import (
    IllegalStatusTransitionError,
    InconsistentRulesError,
    InjuryRateNotLoadedError,
    InvalidEntitlementError,
    RuleTableError,
    UnknownCategoryError,
)

_PROVINCE_CODE = re.compile(r"^\d{2}$")


class Program(StrEnum):
    SOCIAL_ASSISTANCE = "social_assistance"
    MERITORIOUS = "meritorious"


def check_province_code(code: str) -> str:
    """Return ``code`` if it is a 2-digit province code ("92", "04"), else refuse it."""
    if not _PROVINCE_CODE.match(code):
        raise InvalidEntitlementError(
            f"Mã tỉnh phải gồm 2 chữ số, nhận được {code!r}",
            f"a province code is 2 digits, got {code!r}",
        )
    return code


# -- what a category pays


@dataclass(frozen=True, slots=True)
class Coefficient:
    """A multiple of the standard level in force in the month (hệ số)."""

    value: Decimal

    def __post_init__(self) -> None:
        if not isinstance(self.value, Decimal):  # never a float: 0.1 + 0.2 is not 0.3
            raise TypeError(f"a coefficient is a Decimal, got {self.value!r}")
        if not self.value.is_finite() or self.value <= 0:
            raise RuleTableError(
                f"Hệ số phải là số dương, nhận được {self.value}", f"a coefficient is positive, got {self.value}"
            )


@dataclass(frozen=True, slots=True)
class FixedAmount:
    """An amount in VND set by the decree's appendix (meritorious monthly amounts)."""

    amount: VND

    def __post_init__(self) -> None:
        if self.amount < 0:
            raise RuleTableError(f"Mức tiền không được âm: {self.amount}", f"an amount is not negative: {self.amount}")


type AmountRule = Coefficient | FixedAmount


@dataclass(frozen=True, slots=True)
class AgeBand:
    """``rule`` applies from age ``from_age`` up to, not including, ``below_age`` (None: no upper limit)."""

    rule: AmountRule
    from_age: int = 0
    below_age: int | None = None

    def holds_for(self, age: int) -> bool:
        return self.from_age <= age and (self.below_age is None or age < self.below_age)


@dataclass(frozen=True, slots=True)
class CategoryRate:
    """What a category pays in one period of validity, by age band; outside every band it pays nothing."""

    bands: tuple[AgeBand, ...]

    def __post_init__(self) -> None:
        if not self.bands:
            raise RuleTableError("Cần ít nhất một nhóm tuổi", "a category rate needs at least one age band")
        for band in self.bands:
            if band.below_age is not None and band.below_age <= band.from_age:
                raise RuleTableError(
                    f"Nhóm tuổi rỗng: từ {band.from_age} đến dưới {band.below_age}",
                    f"empty age band: from {band.from_age} to below {band.below_age}",
                )
        for earlier, later in itertools.pairwise(self.bands):
            if earlier.below_age is None or later.from_age < earlier.below_age:
                raise RuleTableError(
                    "Các nhóm tuổi phải theo thứ tự và không chồng lên nhau",
                    "age bands must be in order and must not overlap",
                )

    @classmethod
    def flat(cls, rule: AmountRule) -> CategoryRate:
        return cls((AgeBand(rule),))

    def band_for(self, age: int) -> AgeBand | None:
        return next((band for band in self.bands if band.holds_for(age)), None)


class AgeBasis(StrEnum):
    HOLDER = "holder"  # the beneficiary's own age (a child, an elderly person)
    CARED_PERSON = "cared_person"  # caregiver support depends on the age of the person cared for (Art 20)


@dataclass(frozen=True, slots=True)
class Category:
    """One category of beneficiary; what it pays lives in the effective-dated ``category_rates`` table."""

    code: str
    program: Program
    title_vi: str
    title_en: str
    legal_basis: str
    # Categories of one group compete: only the best `shares` of them are paid (GroupRule); no group: summed.
    group: str | None = None
    age_basis: AgeBasis = AgeBasis.HOLDER
    # (lowest, highest) injury rate in percent when the amount is read from an injury-rate table.
    injury_rates: tuple[int, int] | None = None
    per_unit: bool = False  # paid once per child raised or person cared for (`quantity` in the holding)
    province_code: str | None = None  # a group a province added on its own budget (Art 4.3)


@dataclass(frozen=True, slots=True)
class GroupRule:
    """Within a group only the highest ``shares`` amounts are paid.

    ``paid_together`` lists exceptions: whoever holds a category of the first set and one of the second
    receives the best of each when that pays more (Decree 20/2021 Art 6.2: a poor single parent who is also
    elderly, disabled or living with HIV).
    """

    shares: int = 1
    paid_together: tuple[tuple[frozenset[str], frozenset[str]], ...] = ()


@dataclass(frozen=True, slots=True)
class ProgramRules:
    """How a program combines its categories and what a resumed suspension does to the suspended months."""

    program: Program
    groups: Mapping[str, GroupRule]
    # What a resume does to the suspended months when the decision does not say (StatusChange).
    repay_suspended_months: bool


class LevelKey(NamedTuple):
    program: Program
    province_code: str | None = None  # None: the national level


class CategoryRateKey(NamedTuple):
    category: str
    injury_rate: int | None = None


class OneTimeKind(StrEnum):
    """One-time allowances of meritorious people, multiples of the standard level (Decree 75/2021 App. IV)."""

    MARTYR_RECOGNISED = "martyr_recognised"
    INJURY = "injury"  # injury of 5–20%, multiple by band of injury rate
    SENIORITY_PER_YEAR = "seniority_per_year"


class OneTimeKey(NamedTuple):
    kind: OneTimeKind
    lowest_rate: int | None = None  # injury band, percent, both ends included
    highest_rate: int | None = None

    def covers(self, injury_rate: int) -> bool:
        if self.lowest_rate is None or self.highest_rate is None:
            return False
        return self.lowest_rate <= injury_rate <= self.highest_rate

    @property
    def label(self) -> str:
        if self.lowest_rate is None:
            return str(self.kind)
        return f"{self.kind}_{self.lowest_rate}_{self.highest_rate}"


class FuneralCause(StrEnum):
    ORDINARY = "ordinary"
    # Death in a disaster, a traffic or work accident, or in a social-protection facility (Art 14, 25.3).
    SPECIAL = "special"


class FuneralBasis(StrEnum):
    STANDARD_LEVEL = "standard_level"  # social assistance: a multiple of the standard level
    BASE_SALARY = "base_salary"  # meritorious: the social-insurance funeral rate, × the base salary


class FuneralKey(NamedTuple):
    program: Program
    cause: FuneralCause = FuneralCause.ORDINARY
    province_code: str | None = None  # "at least 20×": a province may pay more


@dataclass(frozen=True, slots=True)
class FuneralRule:
    multiple: Decimal
    basis: FuneralBasis


BASE_SALARY_KEY = "national"


@dataclass(frozen=True, eq=False)
class PolicyRules:
    """Every rule table the payroll needs, checked for consistency when built."""

    programs: tuple[ProgramRules, ...]
    categories: tuple[Category, ...]
    standard_levels: RateTable[LevelKey, VND]
    category_rates: RateTable[CategoryRateKey, CategoryRate]
    rounding_units: RateTable[Program, int]
    one_time_multiples: RateTable[OneTimeKey, Decimal]
    funeral_rules: RateTable[FuneralKey, FuneralRule]
    base_salary: RateTable[str, VND]
    _programs: dict[Program, ProgramRules] = field(init=False, repr=False)
    _categories: dict[str, Category] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_programs", {rules.program: rules for rules in self.programs})
        object.__setattr__(self, "_categories", {category.code: category for category in self.categories})
        self._check_consistency()

    def _check_consistency(self) -> None:
        if len(self._categories) != len(self.categories):
            raise InconsistentRulesError("Danh mục có mã diện trùng nhau", "the catalogue repeats a category code")
        for category in self.categories:
            groups = self.program(category.program).groups
            if category.group is not None and category.group not in groups:
                raise _inconsistent(f"nhóm {category.group} của {category.code}", f"group {category.group}")
        for program_rules in self.programs:
            for group in program_rules.groups.values():
                for first, second in group.paid_together:
                    for code in first | second:
                        self.category(code)
        for key in self.category_rates.keys():  # noqa: SIM118 (a table, not a dict)
            category = self.category(key.category)
            if (category.injury_rates is None) != (key.injury_rate is None):
                raise _inconsistent(f"tỷ lệ thương tật của {key}", f"injury rate of {key}")

    def program(self, program: Program) -> ProgramRules:
        try:
            return self._programs[program]
        except KeyError:
            raise _inconsistent(f"chương trình {program}", f"program {program}") from None

    def category(self, code: str) -> Category:
        try:
            return self._categories[code]
        except KeyError:
            raise UnknownCategoryError(
                f"Không có diện đối tượng {code!r} trong danh mục",
                f"no category {code!r} in the catalogue",
            ) from None

    def rounding_unit(self, program: Program, period: Period) -> int:
        return self.rounding_units.value_at(program, period)

    def missing_injury_rates(self, code: str, period: Period) -> tuple[int, ...]:
        """Injury rates of ``code`` with no amount in ``period``: what remains to load from the appendix."""
        category = self.category(code)
        if category.injury_rates is None:
            return ()
        lowest, highest = category.injury_rates
        return tuple(
            rate
            for rate in range(lowest, highest + 1)
            if self.category_rates.find(CategoryRateKey(code, rate), period) is None
        )


def _inconsistent(what_vi: str, what_en: str) -> InconsistentRulesError:
    return InconsistentRulesError(
        f"Bộ quy định tham chiếu {what_vi} chưa được định nghĩa",
        f"the rules refer to an undefined {what_en}",
    )


def with_standard_levels(rules: PolicyRules, rows: Iterable[tuple[LevelKey, Period, VND, str]]) -> PolicyRules:
    """Rules where each ``(key, from, amount, source)`` applies from its month on (a decree, even late)."""
    table = rules.standard_levels
    for key, valid_from, amount, source in rows:
        table = table.with_rate(key, valid_from, amount, source=source)
    return dataclasses.replace(rules, standard_levels=table)


def standard_level(rules: PolicyRules, program: Program, province_code: str, period: Period) -> VND:
    """The standard level for ``province_code`` in ``period``.

    Decree 20/2021 Art 4.3 lets a province set a *higher* level only, so the national level is a floor: a
    provincial level overtaken by a national increase no longer lowers anyone's allowance.
    """
    national = rules.standard_levels.value_at(LevelKey(program), period)
    provincial = rules.standard_levels.find(LevelKey(program, check_province_code(province_code)), period)
    return national if provincial is None else max(national, provincial.value)


# -- one person's entitlement


class Status(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"  # not paid now; the months may be repaid when payment resumes
    TERMINATED = "terminated"


_TRANSITIONS: Mapping[Status, frozenset[Status]] = {
    Status.ACTIVE: frozenset({Status.SUSPENDED, Status.TERMINATED}),
    Status.SUSPENDED: frozenset({Status.ACTIVE, Status.TERMINATED}),
    Status.TERMINATED: frozenset(),  # paying again takes a new decision, that is a new entitlement
}


def transition(current: Status, target: Status) -> Status:
    """Return ``target`` if the rules allow moving to it from ``current``."""
    if target not in _TRANSITIONS[current]:
        raise IllegalStatusTransitionError(
            f"Không thể chuyển trạng thái hưởng từ {current} sang {target}",
            f"cannot change an entitlement from {current} to {target}",
        )
    return target


@dataclass(frozen=True, slots=True)
class StatusChange:
    """From ``period`` on, the entitlement is in ``status``.

    On a resume (SUSPENDED → ACTIVE), ``repay_suspended_months`` says whether the suspended months are paid as
    arrears; None takes the program's default (social assistance: yes, Circular 02/2021 Art 2.3).
    """

    period: Period
    status: Status
    repay_suspended_months: bool | None = None


@dataclass(frozen=True, slots=True)
class CategoryHolding:
    """The person belongs to ``category`` from ``start`` to ``end``, both included (None: still held)."""

    category: str
    start: Period
    end: Period | None = None
    quantity: int = 1  # children raised by a single parent (Art 6.1.d "1.0 per child"), persons cared for
    injury_rate: int | None = None  # percent, for categories paid by injury rate
    cared_person_birth_date: date | None = None  # caregiver support depends on the cared person's age

    def __post_init__(self) -> None:
        if self.end is not None and self.end < self.start:
            raise InvalidEntitlementError(
                f"Diện {self.category}: tháng kết thúc {self.end} trước tháng bắt đầu {self.start}",
                f"category {self.category}: ends {self.end} before it starts {self.start}",
            )
        if self.quantity < 1:
            raise InvalidEntitlementError(
                f"Diện {self.category}: số lượng phải từ 1 trở lên",
                f"category {self.category}: quantity must be at least 1",
            )

    def covers(self, period: Period) -> bool:
        return self.start <= period and (self.end is None or period <= self.end)


@dataclass(frozen=True, slots=True)
class Entitlement:
    """What a decision grants one person in one program.

    ``start`` is the first month paid, supplied by the decision: Decree 20/2021 Art 8.1 says the month the
    decision is signed, except elderly 5(b)/(c) from the month they turn 75/80, disabled people from the month
    the disability certificate was issued, and after a move from the month after the old locality stopped.
    Those cases are the decision-maker's facts, so the rules take the resulting month rather than guess it.
    """

    program: Program
    province_code: str
    date_of_birth: date
    start: Period
    categories: tuple[CategoryHolding, ...]
    status_changes: tuple[StatusChange, ...] = ()
    death_date: date | None = None

    def __post_init__(self) -> None:
        check_province_code(self.province_code)
        status = Status.ACTIVE
        previous = self.start.previous()
        for change in self.status_changes:
            if change.period <= previous:
                raise InvalidEntitlementError(
                    f"Thay đổi trạng thái {change.period} phải sau {previous} và theo thứ tự",
                    f"status change {change.period} must come after {previous}, in order",
                )
            status = transition(status, change.status)
            previous = change.period
        if self.death_date is not None and self.death_date < self.date_of_birth:
            raise InvalidEntitlementError("Ngày mất trước ngày sinh", "date of death before date of birth")

    @property
    def last_month(self) -> Period | None:
        """The last month due: the month of death (Art 8.2 stops from the month after), or None."""
        return None if self.death_date is None else Period.of(self.death_date)

    def status_in(self, period: Period) -> Status:
        status = Status.ACTIVE
        for change in self.status_changes:
            if change.period > period:
                break
            status = change.status
        return status

    def is_released(self, period: Period, rules: PolicyRules, *, as_of: Period) -> bool:
        """Whether a suspended ``period`` has been resumed, with repayment, by the payroll of ``as_of``."""
        for change in self.status_changes:
            if change.period > period:
                if change.period > as_of or change.status is not Status.ACTIVE:
                    return False
                repay = change.repay_suspended_months
                return rules.program(self.program).repay_suspended_months if repay is None else repay
        return False


def stop_from(event: date) -> Period:
    """First month no longer paid after death or loss of eligibility on ``event`` (Decree 20/2021 Art 8.2)."""
    return Period.of(event).next()


def age_in_month(birth: date, period: Period) -> int:
    """Age reached during ``period``: a person born in March 2021 counts as 4 for the whole of March 2025.

    We read "changes in the month the person crosses the age" (domain-rules §1) and Art 8.1 "from the month
    they turn 75/80" as the month of the birthday, whatever the day.
    """
    return period.year - birth.year - (1 if period.month < birth.month else 0)


# -- the monthly amount


class MonthState(StrEnum):
    PAYABLE = "payable"
    WITHHELD = "withheld"  # suspended: computed, not paid now, payable later if the suspension is lifted
    NOT_DUE = "not_due"


class NotDueReason(StrEnum):
    BEFORE_START = "before_start"
    AFTER_DEATH = "after_death"
    TERMINATED = "terminated"
    NO_CATEGORY = "no_category"
    SUSPENDED = "suspended"


@dataclass(frozen=True, slots=True)
class BreakdownLine:
    """One category's amount in one month, and how it was obtained."""

    category: str
    amount: VND
    rule: AmountRule
    quantity: int
    standard_level: VND | None  # None when the amount is fixed by an appendix
    age: int | None  # the age that chose the band (holder's or cared person's)
    injury_rate: int | None = None


@dataclass(frozen=True, slots=True)
class MonthlyAmount:
    """What one entitlement gives in one month: ``total`` is the sum of ``lines``."""

    period: Period
    state: MonthState
    total: VND
    lines: tuple[BreakdownLine, ...] = ()
    displaced: tuple[BreakdownLine, ...] = ()  # held but not paid: a higher category of the same group won
    out_of_age: tuple[str, ...] = ()  # categories held whose age bands do not cover the person this month
    reason: NotDueReason | None = None


def monthly_amount(entitlement: Entitlement, period: Period, rules: PolicyRules) -> MonthlyAmount:
    """The allowance of ``entitlement`` for ``period`` at the rates in force in ``period``."""
    if period < entitlement.start:
        return MonthlyAmount(period, MonthState.NOT_DUE, ZERO, reason=NotDueReason.BEFORE_START)
    last = entitlement.last_month
    if last is not None and period > last:
        return MonthlyAmount(period, MonthState.NOT_DUE, ZERO, reason=NotDueReason.AFTER_DEATH)
    status = entitlement.status_in(period)
    if status is Status.TERMINATED:
        return MonthlyAmount(period, MonthState.NOT_DUE, ZERO, reason=NotDueReason.TERMINATED)

    candidates: list[BreakdownLine] = []
    out_of_age: list[str] = []
    for holding in entitlement.categories:
        if not holding.covers(period):
            continue
        line = _line(entitlement, holding, period, rules)
        if line is None:
            out_of_age.append(holding.category)
        else:
            candidates.append(line)
    if not candidates:
        return MonthlyAmount(
            period, MonthState.NOT_DUE, ZERO, out_of_age=tuple(out_of_age), reason=NotDueReason.NO_CATEGORY
        )

    paid, displaced = _combine(candidates, rules, rules.program(entitlement.program))
    total = vnd(sum(line.amount for line in paid))
    suspended = status is Status.SUSPENDED
    return MonthlyAmount(
        period=period,
        state=MonthState.WITHHELD if suspended else MonthState.PAYABLE,
        total=total,
        lines=paid,
        displaced=displaced,
        out_of_age=tuple(out_of_age),
        reason=NotDueReason.SUSPENDED if suspended else None,
    )


def amount_due(entitlement: Entitlement, period: Period, rules: PolicyRules, *, as_of: Period) -> VND:
    """What the payroll of ``as_of`` owes for ``period``; a suspended month once resumed with repayment."""
    month = monthly_amount(entitlement, period, rules)
    if month.state is MonthState.PAYABLE:
        return month.total
    if month.state is MonthState.WITHHELD and entitlement.is_released(period, rules, as_of=as_of):
        return month.total
    return ZERO


def amounts_due(
    entitlement: Entitlement, first: Period, last: Period, rules: PolicyRules, *, as_of: Period
) -> dict[Period, VND]:
    """``amount_due`` for every month from ``first`` to ``last``, each at its own month's rate."""
    return {period: amount_due(entitlement, period, rules, as_of=as_of) for period in period_range(first, last)}


def _line(
    entitlement: Entitlement, holding: CategoryHolding, period: Period, rules: PolicyRules
) -> BreakdownLine | None:
    category = rules.category(holding.category)
    _check_holding(entitlement, holding, category)
    key = CategoryRateKey(category.code, holding.injury_rate if category.injury_rates else None)
    row = rules.category_rates.find(key, period)
    if row is None and key.injury_rate is not None and rules.category_rates.history(key) == ():
        raise InjuryRateNotLoadedError(
            f"Bảng mức trợ cấp theo tỷ lệ thương tật của {category.code} chưa có tỷ lệ {key.injury_rate}%",
            f"the injury-rate table of {category.code} has no row for {key.injury_rate}% yet",
        )
    rate = rules.category_rates.value_at(key, period) if row is None else row.value

    birth = entitlement.date_of_birth
    if category.age_basis is AgeBasis.CARED_PERSON:
        assert holding.cared_person_birth_date is not None  # _check_holding refused the holding otherwise
        birth = holding.cared_person_birth_date
    age = age_in_month(birth, period)
    band = rate.band_for(age)
    if band is None:
        # Ageing out of a category is a loss of eligibility: Art 8.2 still pays the month it happens.
        before = rate.band_for(age_in_month(birth, period.previous()))
        if before is None or before.below_age != age:
            return None
        band = before

    if isinstance(band.rule, FixedAmount):
        amount = vnd(band.rule.amount * holding.quantity)
        return BreakdownLine(category.code, amount, band.rule, holding.quantity, None, age, key.injury_rate)
    level = standard_level(rules, entitlement.program, entitlement.province_code, period)
    unit = rules.rounding_unit(entitlement.program, period)
    amount = multiply(level * holding.quantity, band.rule.value, unit=unit)
    return BreakdownLine(category.code, amount, band.rule, holding.quantity, level, age, key.injury_rate)


def _check_holding(entitlement: Entitlement, holding: CategoryHolding, category: Category) -> None:
    code = category.code
    if category.program is not entitlement.program:
        raise InvalidEntitlementError(
            f"Diện {code} thuộc chương trình {category.program}, không phải {entitlement.program}",
            f"category {code} belongs to {category.program}, not {entitlement.program}",
        )
    if category.province_code is not None and category.province_code != entitlement.province_code:
        raise InvalidEntitlementError(
            f"Diện {code} chỉ áp dụng tại tỉnh {category.province_code}",
            f"category {code} applies only in province {category.province_code}",
        )
    if holding.quantity > 1 and not category.per_unit:
        raise InvalidEntitlementError(
            f"Diện {code} không tính theo số người", f"category {code} is not paid per person"
        )
    if category.age_basis is AgeBasis.CARED_PERSON and holding.cared_person_birth_date is None:
        raise InvalidEntitlementError(
            f"Diện {code} cần ngày sinh của người được chăm sóc",
            f"category {code} needs the cared person's date of birth",
        )
    if category.injury_rates is not None:
        lowest, highest = category.injury_rates
        if holding.injury_rate is None or not lowest <= holding.injury_rate <= highest:
            raise InvalidEntitlementError(
                f"Diện {code} cần tỷ lệ thương tật từ {lowest}% đến {highest}%",
                f"category {code} needs an injury rate from {lowest}% to {highest}%",
            )


def _combine(
    candidates: list[BreakdownLine], rules: PolicyRules, program_rules: ProgramRules
) -> tuple[tuple[BreakdownLine, ...], tuple[BreakdownLine, ...]]:
    """Split the lines into paid and displaced by the program's group rules; ungrouped lines are all paid."""
    paid: list[BreakdownLine] = []
    displaced: list[BreakdownLine] = []
    grouped: dict[str, list[BreakdownLine]] = {}
    for line in candidates:
        group = rules.category(line.category).group
        if group is None:
            paid.append(line)
        else:
            grouped.setdefault(group, []).append(line)
    for group, members in sorted(grouped.items()):
        rule = program_rules.groups[group]
        ranked = sorted(members, key=lambda line: (-line.amount, line.category))
        best = ranked[: rule.shares]
        for first, second in rule.paid_together:
            from_first = [line for line in ranked if line.category in first]
            from_second = [line for line in ranked if line.category in second]
            if from_first and from_second:
                option = [from_first[0], from_second[0]]
                if sum(line.amount for line in option) > sum(line.amount for line in best):
                    best = option
        paid.extend(best)
        displaced.extend(line for line in ranked if not any(line is chosen for chosen in best))
    return tuple(paid), tuple(displaced)
