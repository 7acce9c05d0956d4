"""Decisions as pure rules: kinds, the maker-checker states, what approval does to a beneficiary, what an act says.

No I/O: the services load what these functions need (the beneficiary's status, its program, the months of the
decisions already approved, today) and pass it in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from ansinh.core.errors import IllegalTransition, ValidationFailed
from ansinh.core.period import Period
from ansinh.policy import Category
from ansinh.registry.catalogue import categories as catalogue
from ansinh.registry.catalogue import find_category, program_of
from ansinh.registry.domain import BeneficiaryStatus
from ansinh.registry.importing import Program

MAX_TEXT = 500
MAX_UNITS = 50
MAX_ID = 2**63 - 1  # the databases' bigint


class DecisionKind(StrEnum):
    GRANT = "grant"  # hưởng trợ cấp
    ADJUST = "adjust"  # điều chỉnh (category, units, injury rate)
    SUSPEND = "suspend"  # tạm dừng
    RESUME = "resume"  # tiếp tục hưởng
    TERMINATE = "terminate"  # thôi hưởng
    ONE_TIME = "one_time"  # trợ cấp một lần
    FUNERAL = "funeral"  # hỗ trợ mai táng


class DecisionStatus(StrEnum):
    DRAFT = "draft"  # proposed by the system (e.g. a death reported by the population database)
    SUBMITTED = "submitted"  # signed and entered by a maker, waiting for a checker
    APPROVED = "approved"
    REJECTED = "rejected"


class DecisionSource(StrEnum):
    OFFICER = "officer"
    IMPORT = "import"  # already signed in the ministry's software: stored approved
    VERIFICATION = "verification"  # the population database reported something
    RECONCILIATION = "reconciliation"  # e.g. not collected for 3 months → proposed suspension


class FuneralCause(StrEnum):
    ORDINARY = "ordinary"  # at least 20 × the standard level (Decree 20/2021 Art 11)
    ACCIDENT_OR_DISASTER = "accident_or_disaster"  # at least 50 × (Art 14): disaster, traffic or work accident
    IN_FACILITY = "in_facility"  # at least 50 × (Art 25.3): death in a social-protection facility


class OneTimeKind(StrEnum):
    """One-time allowances of meritorious people (Decree 75/2021 Appendix IV; Ordinance 02/2020 on death)."""

    MARTYR_RECOGNISED = "martyr_recognised"
    INJURY = "injury"
    SENIORITY_PER_YEAR = "seniority_per_year"
    DEATH_GRANT = "death_grant"  # relatives: 3 months of the monthly allowance


# The reason code of a termination caused by death: payment stops from the month after (Decree 20/2021 Art 8.2).
DEATH = "death"

KIND_LABELS: dict[DecisionKind, tuple[str, str]] = {
    DecisionKind.GRANT: ("Hưởng trợ cấp", "Grant"),
    DecisionKind.ADJUST: ("Điều chỉnh", "Adjustment"),
    DecisionKind.SUSPEND: ("Tạm dừng", "Suspension"),
    DecisionKind.RESUME: ("Tiếp tục hưởng", "Resumption"),
    DecisionKind.TERMINATE: ("Thôi hưởng", "Termination"),
    DecisionKind.ONE_TIME: ("Trợ cấp một lần", "One-time allowance"),
    DecisionKind.FUNERAL: ("Hỗ trợ mai táng", "Funeral support"),
}
STATUS_LABELS: dict[DecisionStatus, tuple[str, str]] = {
    DecisionStatus.DRAFT: ("Dự thảo", "Draft"),
    DecisionStatus.SUBMITTED: ("Chờ phê duyệt", "Submitted"),
    DecisionStatus.APPROVED: ("Đã phê duyệt", "Approved"),
    DecisionStatus.REJECTED: ("Bị từ chối", "Rejected"),
}
CAUSE_LABELS: dict[FuneralCause, tuple[str, str]] = {
    FuneralCause.ORDINARY: ("thông thường", "ordinary"),
    FuneralCause.ACCIDENT_OR_DISASTER: ("do thiên tai, tai nạn", "disaster or accident"),
    FuneralCause.IN_FACILITY: ("tại cơ sở trợ giúp xã hội", "in a social-protection facility"),
}
ONE_TIME_LABELS: dict[OneTimeKind, tuple[str, str]] = {
    OneTimeKind.MARTYR_RECOGNISED: ("công nhận liệt sĩ", "martyr recognised"),
    OneTimeKind.INJURY: ("thương tật 5–20%", "injury of 5–20%"),
    OneTimeKind.SENIORITY_PER_YEAR: ("theo thâm niên", "seniority"),
    OneTimeKind.DEATH_GRANT: ("khi người có công từ trần", "on the death of the meritorious person"),
}


# ---------------------------------------------------------------------------------------------------------------
# Maker-checker states


_TRANSITIONS: Mapping[DecisionStatus, frozenset[DecisionStatus]] = {
    # A system proposal the officer finds wrong (a false death report) is dismissed by a checker, with a reason.
    DecisionStatus.DRAFT: frozenset({DecisionStatus.SUBMITTED, DecisionStatus.REJECTED}),
    DecisionStatus.SUBMITTED: frozenset({DecisionStatus.APPROVED, DecisionStatus.REJECTED}),
    DecisionStatus.APPROVED: frozenset(),
    DecisionStatus.REJECTED: frozenset(),
}


def transition(current: DecisionStatus, target: DecisionStatus) -> DecisionStatus:
    """``target`` if a decision may move there: draft → submitted → approved | rejected; a draft may be rejected."""
    if target not in _TRANSITIONS[current]:
        vi_current, en_current = STATUS_LABELS[current]
        vi_target, en_target = STATUS_LABELS[target]
        raise IllegalTransition(
            f"Quyết định đang ở trạng thái “{vi_current}”, không thể chuyển sang “{vi_target}”",
            f"the decision is {en_current.lower()}: it cannot become {en_target.lower()}",
            field="status",
        )
    return target


# ---------------------------------------------------------------------------------------------------------------
# The effect of approval on the beneficiary


class NotApplicable(IllegalTransition):
    """A decision of this kind cannot apply to a beneficiary in this status (e.g. resuming an active one)."""

    code = "decision_not_applicable"


_STATUS_VI = {
    BeneficiaryStatus.PENDING: "chờ quyết định hưởng",
    BeneficiaryStatus.ACTIVE: "đang hưởng",
    BeneficiaryStatus.SUSPENDED: "tạm dừng",
    BeneficiaryStatus.TERMINATED: "thôi hưởng",
}

_EFFECTS: Mapping[DecisionKind, Mapping[BeneficiaryStatus, BeneficiaryStatus]] = {
    DecisionKind.GRANT: {BeneficiaryStatus.PENDING: BeneficiaryStatus.ACTIVE},
    DecisionKind.ADJUST: {
        BeneficiaryStatus.ACTIVE: BeneficiaryStatus.ACTIVE,
        BeneficiaryStatus.SUSPENDED: BeneficiaryStatus.SUSPENDED,
    },
    DecisionKind.SUSPEND: {BeneficiaryStatus.ACTIVE: BeneficiaryStatus.SUSPENDED},
    DecisionKind.RESUME: {BeneficiaryStatus.SUSPENDED: BeneficiaryStatus.ACTIVE},
    DecisionKind.TERMINATE: {
        BeneficiaryStatus.ACTIVE: BeneficiaryStatus.TERMINATED,
        BeneficiaryStatus.SUSPENDED: BeneficiaryStatus.TERMINATED,
    },
    # A one-time allowance or a funeral grant changes no status; it needs a beneficiary who was ever granted.
    DecisionKind.ONE_TIME: {s: s for s in BeneficiaryStatus if s is not BeneficiaryStatus.PENDING},
    DecisionKind.FUNERAL: {s: s for s in BeneficiaryStatus if s is not BeneficiaryStatus.PENDING},
}


def status_after(kind: DecisionKind, status: BeneficiaryStatus) -> BeneficiaryStatus:
    """The beneficiary's status once a decision of ``kind`` is approved; ``NotApplicable`` if it cannot apply."""
    after = _EFFECTS[kind].get(status)
    if after is None:
        allowed = ", ".join(_STATUS_VI[s] for s in _EFFECTS[kind])
        allowed_en = ", ".join(s.value for s in _EFFECTS[kind])
        raise NotApplicable(
            f"Không thể ra quyết định {KIND_LABELS[kind][0].lower()} cho đối tượng đang ở trạng thái "
            f"“{_STATUS_VI[status]}” (chỉ áp dụng khi: {allowed})",
            f"a {kind.value} decision cannot apply to a beneficiary who is {status.value} (only when: {allowed_en})",
            field="kind",
        )
    return after


# ---------------------------------------------------------------------------------------------------------------
# What the act says: ``details`` per kind (the JSON contract), validated into frozen dataclasses


@dataclass(frozen=True, slots=True)
class CategoryChoice:
    code: str
    units: int = 1  # children raised by a single parent, persons cared for (per-unit categories only)
    injury_rate: int | None = None  # percent, for categories paid by injury rate (and only those)

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "units": self.units, "injury_rate": self.injury_rate}


@dataclass(frozen=True, slots=True)
class CategoryDetails:
    """grant / adjust: the categories held from the effective month on (they replace the previous ones)."""

    categories: tuple[CategoryChoice, ...]
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"categories": [c.to_json() for c in self.categories]}
        if self.note is not None:
            body["note"] = self.note
        return body


@dataclass(frozen=True, slots=True)
class SuspendDetails:
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"reason": self.reason}


@dataclass(frozen=True, slots=True)
class ResumeDetails:
    reason: str
    repay_suspended_months: bool | None = None  # None: the program's default (social assistance repays)

    def to_json(self) -> dict[str, Any]:
        return {"reason": self.reason, "repay_suspended_months": self.repay_suspended_months}


@dataclass(frozen=True, slots=True)
class TerminateDetails:
    reason: str
    date_of_death: date | None = None

    @property
    def for_death(self) -> bool:
        return self.reason == DEATH

    def to_json(self) -> dict[str, Any]:
        return {
            "reason": self.reason,
            "date_of_death": self.date_of_death.isoformat() if self.date_of_death else None,
        }


@dataclass(frozen=True, slots=True)
class OneTimeDetails:
    one_time_kind: OneTimeKind
    reason: str | None = None
    years: Decimal | None = None  # seniority: whole and half years (≥ 6 leftover months count as a year)

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"one_time_kind": self.one_time_kind.value}
        if self.reason is not None:
            body["reason"] = self.reason
        if self.years is not None:
            # a whole or half number of years is exact as a JSON number
            body["years"] = int(self.years) if self.years == self.years.to_integral_value() else float(self.years)
        return body


@dataclass(frozen=True, slots=True)
class FuneralDetails:
    date_of_death: date
    cause: FuneralCause
    organiser_person_id: int | None = None  # who arranges the funeral and receives the grant

    def to_json(self) -> dict[str, Any]:
        return {
            "date_of_death": self.date_of_death.isoformat(),
            "cause": self.cause.value,
            "organiser_person_id": self.organiser_person_id,
        }


Details = CategoryDetails | SuspendDetails | ResumeDetails | TerminateDetails | OneTimeDetails | FuneralDetails


def _invalid(field: str, vi: str, en: str) -> ValidationFailed:
    return ValidationFailed(f"{field}: {vi}", f"{field}: {en}", field=field)


def _object(raw: object, field: str) -> Mapping[str, object]:
    if not isinstance(raw, Mapping) or not all(isinstance(key, str) for key in raw):
        raise _invalid(field, "phải là một đối tượng JSON", "must be a JSON object")
    return raw


def _only(raw: Mapping[str, object], allowed: set[str], field: str) -> None:
    """Unknown keys are refused: a misspelt key would otherwise be dropped without a word."""
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise _invalid(
            f"{field}.{unknown[0]}",
            f"trường không có trong loại quyết định này (chỉ có: {', '.join(sorted(allowed))})",
            f"not a field of this kind of decision (only: {', '.join(sorted(allowed))})",
        )


def _text(raw: Mapping[str, object], key: str, field: str, *, required: bool) -> str | None:
    value = raw.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise _invalid(f"{field}.{key}", "bắt buộc", "is required")
        return None
    if not isinstance(value, str):
        raise _invalid(f"{field}.{key}", "phải là chuỗi ký tự", "must be text")
    text = " ".join(value.split())
    if len(text) > MAX_TEXT:
        raise _invalid(f"{field}.{key}", f"dài quá {MAX_TEXT} ký tự", f"longer than {MAX_TEXT} characters")
    return text


def _integer(raw: Mapping[str, object], key: str, field: str) -> int | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _invalid(f"{field}.{key}", "phải là số nguyên", "must be a whole number")
    return value


def _day(raw: Mapping[str, object], key: str, field: str, *, required: bool) -> date | None:
    value = raw.get(key)
    if value is None:
        if required:
            raise _invalid(f"{field}.{key}", "bắt buộc (YYYY-MM-DD)", "is required (YYYY-MM-DD)")
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise _invalid(f"{field}.{key}", "phải là ngày dạng YYYY-MM-DD", "must be a date written YYYY-MM-DD")


def _death_day(raw: Mapping[str, object], field: str, *, today: date, required: bool) -> date | None:
    day = _day(raw, "date_of_death", field, required=required)
    if day is not None and day > today:
        raise _invalid(
            f"{field}.date_of_death",
            f"ngày mất {day:%d/%m/%Y} ở tương lai",
            f"the date of death {day.isoformat()} is in the future",
        )
    return day


def _category(code: str, *, program: Program, province_code: str, field: str) -> Category:
    category = catalogue(program).get(code)
    if category is None:
        other = find_category(code)
        if other is not None:
            owner = program_of(other).value
            raise _invalid(
                field,
                f"diện {code} thuộc chương trình {owner}, không thuộc {program.value}",
                f"category {code} belongs to the {owner} program, not to {program.value}",
            )
        raise _invalid(field, f"không có diện {code}", f"unknown category {code}")
    if category.province_code is not None and category.province_code != province_code:
        raise _invalid(
            field,
            f"diện {code} chỉ có ở tỉnh {category.province_code}",
            f"category {code} exists only in province {category.province_code}",
        )
    return category


def _units(entry: Mapping[str, object], category: Category, where: str) -> int:
    units = _integer(entry, "units", where)
    units = 1 if units is None else units
    if units < 1:
        raise _invalid(f"{where}.units", "phải từ 1 trở lên", "must be at least 1")
    if units > 1 and not category.per_unit:
        raise _invalid(
            f"{where}.units",
            f"diện {category.code} không tính theo số người (chỉ được 1)",
            f"category {category.code} is not paid per person raised or cared for (units must be 1)",
        )
    if units > MAX_UNITS:  # no one raises or cares for more; a typo would multiply the allowance
        raise _invalid(f"{where}.units", f"không quá {MAX_UNITS}", f"at most {MAX_UNITS}")
    return units


def _injury_rate(entry: Mapping[str, object], category: Category, where: str) -> int | None:
    rate = _integer(entry, "injury_rate", where)
    if category.injury_rates is None:
        if rate is not None:
            raise _invalid(
                f"{where}.injury_rate",
                f"diện {category.code} không tính theo tỷ lệ tổn thương",
                f"category {category.code} is not paid by injury rate",
            )
        return None
    lowest, highest = category.injury_rates
    if rate is None:
        raise _invalid(
            f"{where}.injury_rate",
            f"diện {category.code} cần tỷ lệ tổn thương ({lowest}–{highest}%)",
            f"category {category.code} needs an injury rate ({lowest}–{highest}%)",
        )
    if not lowest <= rate <= highest:
        raise _invalid(
            f"{where}.injury_rate",
            f"tỷ lệ tổn thương của diện {category.code} từ {lowest} đến {highest}%",
            f"the injury rate of category {category.code} is {lowest}–{highest}%",
        )
    return rate


def parse_categories(raw: object, *, program: Program, province_code: str, field: str) -> tuple[CategoryChoice, ...]:
    """Categories a beneficiary of ``program`` may hold, with units and injury rates as each category allows."""
    if not isinstance(raw, list | tuple) or not raw:
        raise _invalid(field, "cần ít nhất một diện hưởng", "needs at least one category")
    choices: list[CategoryChoice] = []
    for index, item in enumerate(raw):
        where = f"{field}[{index}]"
        entry = _object(item, where)
        _only(entry, {"code", "units", "injury_rate"}, where)
        code = _required_text(entry, "code", where)
        category = _category(code, program=program, province_code=province_code, field=f"{where}.code")
        if any(choice.code == code for choice in choices):
            raise _invalid(f"{where}.code", f"diện {code} bị lặp", f"category {code} is listed twice")
        choices.append(CategoryChoice(code, _units(entry, category, where), _injury_rate(entry, category, where)))
    return tuple(choices)


def _years(raw: Mapping[str, object], field: str) -> Decimal | None:
    value = raw.get("years")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise _invalid(f"{field}.years", "phải là một số", "must be a number")
    try:
        years = Decimal(str(value))
    except InvalidOperation:
        raise _invalid(f"{field}.years", "phải là một số", "must be a number") from None
    if not years.is_finite() or years <= 0 or years > 100 or (years * 2) % 1 != 0:
        raise _invalid(
            f"{field}.years",
            "số năm phải dương, tính theo năm hoặc nửa năm (≥ 6 tháng lẻ tính 1 năm, dưới 6 tháng tính nửa năm)",
            "years must be positive, in whole or half years (6+ leftover months count as a year, fewer as half)",
        )
    return years


@dataclass(frozen=True, slots=True)
class _Facts:
    program: Program
    province_code: str
    today: date
    field: str


def _category_details(body: Mapping[str, object], facts: _Facts) -> Details:
    _only(body, {"categories", "note"}, facts.field)
    choices = parse_categories(
        body.get("categories"),
        program=facts.program,
        province_code=facts.province_code,
        field=f"{facts.field}.categories",
    )
    return CategoryDetails(choices, _text(body, "note", facts.field, required=False))


def _suspend_details(body: Mapping[str, object], facts: _Facts) -> Details:
    _only(body, {"reason"}, facts.field)
    return SuspendDetails(_required_text(body, "reason", facts.field))


def _resume_details(body: Mapping[str, object], facts: _Facts) -> Details:
    _only(body, {"reason", "repay_suspended_months"}, facts.field)
    repay = body.get("repay_suspended_months")
    if repay is not None and not isinstance(repay, bool):
        raise _invalid(f"{facts.field}.repay_suspended_months", "phải là true, false hoặc null", "must be a boolean")
    return ResumeDetails(_required_text(body, "reason", facts.field), repay)


def _terminate_details(body: Mapping[str, object], facts: _Facts) -> Details:
    field = facts.field
    _only(body, {"reason", "date_of_death"}, field)
    reason = _required_text(body, "reason", field)
    death = _death_day(body, field, today=facts.today, required=reason == DEATH)
    if death is not None and reason != DEATH:
        raise _invalid(
            f"{field}.date_of_death",
            f'chỉ ghi ngày mất khi lý do là "{DEATH}"',
            f'a date of death goes only with the reason "{DEATH}"',
        )
    return TerminateDetails(reason, death)


def _one_time_details(body: Mapping[str, object], facts: _Facts) -> Details:
    field = facts.field
    _only(body, {"one_time_kind", "reason", "years"}, field)
    if facts.program is not Program.MERITORIOUS:
        raise _invalid(
            "kind",
            "trợ cấp một lần chỉ dành cho người có công (Nghị định 75/2021, Phụ lục IV)",
            "one-time allowances are for meritorious people only (Decree 75/2021, Appendix IV)",
        )
    one_time = _choice(OneTimeKind, _required_text(body, "one_time_kind", field), f"{field}.one_time_kind")
    years = _years(body, field)
    if one_time is OneTimeKind.SENIORITY_PER_YEAR and years is None:
        raise _invalid(f"{field}.years", "bắt buộc với trợ cấp theo thâm niên", "is required for seniority")
    if one_time is not OneTimeKind.SENIORITY_PER_YEAR and years is not None:
        raise _invalid(f"{field}.years", "chỉ dùng cho trợ cấp theo thâm niên", "is for seniority only")
    return OneTimeDetails(one_time, _text(body, "reason", field, required=False), years)


def _funeral_details(body: Mapping[str, object], facts: _Facts) -> Details:
    field = facts.field
    _only(body, {"date_of_death", "cause", "organiser_person_id"}, field)
    death = _death_day(body, field, today=facts.today, required=True)
    assert death is not None
    cause = _choice(FuneralCause, _required_text(body, "cause", field), f"{field}.cause")
    organiser = _integer(body, "organiser_person_id", field)
    if organiser is not None and not 1 <= organiser <= MAX_ID:
        raise _invalid(f"{field}.organiser_person_id", "không hợp lệ", "is not a person id")
    return FuneralDetails(death, cause, organiser)


def _choice[E: StrEnum](enum: type[E], value: str, field: str) -> E:
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        raise _invalid(
            field, f"không có giá trị {value} (có: {allowed})", f"unknown value {value} ({allowed})"
        ) from None


_PARSERS = {
    DecisionKind.GRANT: _category_details,
    DecisionKind.ADJUST: _category_details,
    DecisionKind.SUSPEND: _suspend_details,
    DecisionKind.RESUME: _resume_details,
    DecisionKind.TERMINATE: _terminate_details,
    DecisionKind.ONE_TIME: _one_time_details,
    DecisionKind.FUNERAL: _funeral_details,
}


def parse_details(
    kind: DecisionKind,
    raw: object,
    *,
    program: Program,
    province_code: str,
    today: date,
    field: str = "details",
) -> Details:
    """Validate what a decision of ``kind`` says (the JSON contract) for a beneficiary of ``program``."""
    body = _object({} if raw is None else raw, field)
    return _PARSERS[kind](body, _Facts(program, province_code, today, field))


def _required_text(raw: Mapping[str, object], key: str, field: str) -> str:
    text = _text(raw, key, field, required=True)
    assert text is not None
    return text


# ---------------------------------------------------------------------------------------------------------------
# Effective months (Decree 20/2021 Art 8)


def effective_month(details: Details, *, signed_on: date | None, requested: Period | None) -> Period | None:
    """The first month the decision takes effect.

    Payment starts from the month the decision is signed unless the act says otherwise (Art 8.1: the month a
    person turns 75/80, the month a disability certificate was issued …), so a requested month wins. A stop for
    death is never asked for: it is the month after the death (Art 8.2). None while a draft has no signing date.
    """
    if isinstance(details, TerminateDetails) and details.date_of_death is not None:
        after_death = Period.of(details.date_of_death).next()
        if requested is not None and requested != after_death:
            raise ValidationFailed(
                f"Thôi hưởng do chết có hiệu lực từ tháng sau tháng mất ({after_death}), không phải {requested}",
                f"a termination for death takes effect the month after the death ({after_death}), not {requested}",
                field="effective_from",
            )
        return after_death
    if requested is not None:
        return requested
    return Period.of(signed_on) if signed_on is not None else None


@dataclass(frozen=True, slots=True)
class History:
    """Months of the decisions already approved for one beneficiary (what a new one must come after)."""

    start: Period | None = None  # first month of the approved grant
    last_status_change: Period | None = None  # latest approved suspend, resume or terminate
    last_category_change: Period | None = None  # latest approved grant or adjust


def check_effective_order(kind: DecisionKind, effective: Period, history: History) -> None:
    """A change cannot take effect before the entitlement starts, nor before (or with) the change it follows.

    The payroll replays status changes month by month, one per month, in order.
    """
    if kind in (DecisionKind.GRANT, DecisionKind.ONE_TIME, DecisionKind.FUNERAL) or history.start is None:
        return
    if effective < history.start:
        raise ValidationFailed(
            f"Tháng hiệu lực {effective} trước tháng bắt đầu hưởng {history.start}",
            f"the effective month {effective} is before the entitlement starts ({history.start})",
            field="effective_from",
        )
    if kind is DecisionKind.ADJUST:
        last = history.last_category_change
        if last is not None and effective < last:
            raise ValidationFailed(
                f"Tháng hiệu lực {effective} trước lần điều chỉnh diện hưởng gần nhất ({last})",
                f"the effective month {effective} is before the latest category change ({last})",
                field="effective_from",
            )
        return
    last = history.last_status_change
    if last is not None and effective <= last:
        raise ValidationFailed(
            f"Tháng hiệu lực {effective} phải sau lần thay đổi trạng thái gần nhất ({last})",
            f"the effective month {effective} must come after the latest status change ({last})",
            field="effective_from",
        )


# ---------------------------------------------------------------------------------------------------------------
# One readable line per decision, for the timeline


def _month(period: str | None) -> str:
    if not period:
        return "?"
    try:
        parsed = Period.parse(period)
    except ValueError:
        return period
    return f"{parsed.month:02d}/{parsed.year}"


def _category_text(raw: object) -> tuple[str, str]:
    """Category titles, and the code itself for a category the catalogue no longer knows."""
    if not isinstance(raw, list):
        return "", ""
    vi_parts: list[str] = []
    en_parts: list[str] = []
    for item in raw:
        if not isinstance(item, Mapping):
            continue
        code = str(item.get("code", "?"))
        category = find_category(code)
        vi, en = (category.title_vi, category.title_en) if category else (code, code)
        units, rate = item.get("units"), item.get("injury_rate")
        if isinstance(units, int) and units > 1:
            vi, en = f"{vi} (× {units})", f"{en} (× {units})"
        if isinstance(rate, int):
            vi, en = f"{vi}, tỷ lệ tổn thương {rate}%", f"{en}, injury rate {rate}%"
        vi_parts.append(vi)
        en_parts.append(en)
    return "; ".join(vi_parts), "; ".join(en_parts)


def _vn_date(raw: object) -> tuple[str, str]:
    if isinstance(raw, str):
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            return raw, raw
        return f"{day:%d/%m/%Y}", day.isoformat()
    return "?", "?"


def _reason(details: Mapping[str, object]) -> str:
    reason = details.get("reason")
    return f": {reason}" if isinstance(reason, str) and reason else ""


def _grant_line(details: Mapping[str, object], month: str) -> tuple[str, str]:
    vi, en = _category_text(details.get("categories"))
    return f"Hưởng trợ cấp từ {month}: {vi}", f"Allowance from {month}: {en}"


def _adjust_line(details: Mapping[str, object], month: str) -> tuple[str, str]:
    vi, en = _category_text(details.get("categories"))
    return f"Điều chỉnh diện hưởng từ {month}: {vi}", f"Categories changed from {month}: {en}"


def _suspend_line(details: Mapping[str, object], month: str) -> tuple[str, str]:
    return f"Tạm dừng hưởng từ {month}{_reason(details)}", f"Suspended from {month}{_reason(details)}"


def _resume_line(details: Mapping[str, object], month: str) -> tuple[str, str]:
    repay = details.get("repay_suspended_months")
    vi = {True: " (truy lĩnh các tháng tạm dừng)", False: " (không truy lĩnh các tháng tạm dừng)"}
    en = {True: " (suspended months repaid)", False: " (suspended months not repaid)"}
    vi_repay = vi[repay] if isinstance(repay, bool) else ""
    en_repay = en[repay] if isinstance(repay, bool) else ""
    return (
        f"Tiếp tục hưởng từ {month}{_reason(details)}{vi_repay}",
        f"Resumed from {month}{_reason(details)}{en_repay}",
    )


def _terminate_line(details: Mapping[str, object], month: str) -> tuple[str, str]:
    if details.get("reason") == DEATH:
        vi_day, en_day = _vn_date(details.get("date_of_death"))
        return f"Thôi hưởng từ {month}: đã mất ngày {vi_day}", f"Terminated from {month}: died on {en_day}"
    return f"Thôi hưởng từ {month}{_reason(details)}", f"Terminated from {month}{_reason(details)}"


def _one_time_line(details: Mapping[str, object], month: str) -> tuple[str, str]:
    name = str(details.get("one_time_kind"))
    vi_kind, en_kind = ONE_TIME_LABELS[OneTimeKind(name)] if name in set(OneTimeKind) else (name, name)
    years = details.get("years")
    vi_years = f", {years} năm" if years is not None else ""
    en_years = f", {years} years" if years is not None else ""
    return (
        f"Trợ cấp một lần {vi_kind}{vi_years} ({month}){_reason(details)}",
        f"One-time allowance, {en_kind}{en_years} ({month}){_reason(details)}",
    )


def _funeral_line(details: Mapping[str, object], month: str) -> tuple[str, str]:
    vi_day, en_day = _vn_date(details.get("date_of_death"))
    cause = str(details.get("cause"))
    vi_cause, en_cause = CAUSE_LABELS[FuneralCause(cause)] if cause in set(FuneralCause) else (cause, cause)
    return (
        f"Hỗ trợ mai táng ({month}): mất ngày {vi_day}, {vi_cause}",
        f"Funeral support ({month}): died on {en_day}, {en_cause}",
    )


_LINES = {
    DecisionKind.GRANT: _grant_line,
    DecisionKind.ADJUST: _adjust_line,
    DecisionKind.SUSPEND: _suspend_line,
    DecisionKind.RESUME: _resume_line,
    DecisionKind.TERMINATE: _terminate_line,
    DecisionKind.ONE_TIME: _one_time_line,
    DecisionKind.FUNERAL: _funeral_line,
}


def summary(kind: DecisionKind, details: Mapping[str, object], effective_from: str | None) -> tuple[str, str]:
    """E.g. ``Hưởng trợ cấp từ 08/2024: Người cao tuổi nghèo …`` and its English twin.

    Read leniently: imported decisions were written by other software and are shown as they are.
    """
    return _LINES[kind](details, _month(effective_from))
