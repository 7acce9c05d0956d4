"""Decisions as pure rules: states, effects on the beneficiary, what each kind of act must say, effective months."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from ansinh.core.errors import IllegalTransition, ValidationFailed
from ansinh.core.period import Period
from ansinh.decisions.domain import (
    CategoryChoice,
    CategoryDetails,
    DecisionKind,
    DecisionStatus,
    FuneralCause,
    FuneralDetails,
    History,
    NotApplicable,
    OneTimeDetails,
    OneTimeKind,
    ResumeDetails,
    SuspendDetails,
    TerminateDetails,
    check_effective_order,
    effective_month,
    parse_details,
    status_after,
    summary,
    transition,
)
from ansinh.registry.domain import BeneficiaryStatus
from ansinh.registry.importing import Program

TODAY = date(2026, 11, 23)
S = DecisionStatus
B = BeneficiaryStatus
K = DecisionKind


def parse(kind: DecisionKind, raw: Any, program: Program = Program.SOCIAL_ASSISTANCE) -> Any:
    return parse_details(kind, raw, program=program, province_code="92", today=TODAY)


def refused(kind: DecisionKind, raw: Any, program: Program = Program.SOCIAL_ASSISTANCE) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as caught:
        parse(kind, raw, program)
    return caught.value


# --- maker-checker states ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "target"),
    [(S.DRAFT, S.SUBMITTED), (S.DRAFT, S.REJECTED), (S.SUBMITTED, S.APPROVED), (S.SUBMITTED, S.REJECTED)],
)
def test_the_allowed_transitions(current: DecisionStatus, target: DecisionStatus) -> None:
    assert transition(current, target) is target


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.DRAFT, S.APPROVED),  # a system proposal is never approved before an officer signs and submits it
        (S.SUBMITTED, S.SUBMITTED),
        (S.APPROVED, S.REJECTED),
        (S.APPROVED, S.APPROVED),
        (S.REJECTED, S.APPROVED),
        (S.REJECTED, S.SUBMITTED),
    ],
)
def test_every_other_transition_is_refused_in_both_languages(current: DecisionStatus, target: DecisionStatus) -> None:
    with pytest.raises(IllegalTransition) as caught:
        transition(current, target)
    assert "Quyết định đang ở trạng thái" in caught.value.message_vi
    assert "cannot become" in caught.value.message_en


# --- effects -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "before", "after"),
    [
        (K.GRANT, B.PENDING, B.ACTIVE),
        (K.ADJUST, B.ACTIVE, B.ACTIVE),
        (K.ADJUST, B.SUSPENDED, B.SUSPENDED),
        (K.SUSPEND, B.ACTIVE, B.SUSPENDED),
        (K.RESUME, B.SUSPENDED, B.ACTIVE),
        (K.TERMINATE, B.ACTIVE, B.TERMINATED),
        (K.TERMINATE, B.SUSPENDED, B.TERMINATED),
        (K.ONE_TIME, B.ACTIVE, B.ACTIVE),
        (K.ONE_TIME, B.TERMINATED, B.TERMINATED),
        (K.FUNERAL, B.TERMINATED, B.TERMINATED),
        (K.FUNERAL, B.SUSPENDED, B.SUSPENDED),
    ],
)
def test_what_approval_does_to_the_beneficiary(kind: DecisionKind, before: B, after: B) -> None:
    assert status_after(kind, before) is after


@pytest.mark.parametrize(
    ("kind", "before"),
    [
        (K.GRANT, B.ACTIVE),
        (K.GRANT, B.TERMINATED),
        (K.ADJUST, B.PENDING),
        (K.ADJUST, B.TERMINATED),
        (K.SUSPEND, B.SUSPENDED),
        (K.SUSPEND, B.PENDING),
        (K.RESUME, B.ACTIVE),
        (K.TERMINATE, B.TERMINATED),
        (K.TERMINATE, B.PENDING),
        (K.ONE_TIME, B.PENDING),
        (K.FUNERAL, B.PENDING),
    ],
)
def test_a_decision_that_cannot_apply_is_a_named_error(kind: DecisionKind, before: B) -> None:
    with pytest.raises(NotApplicable) as caught:
        status_after(kind, before)
    assert caught.value.code == "decision_not_applicable"
    assert caught.value.field == "kind"
    assert before.value in caught.value.message_en


# --- categories ----------------------------------------------------------------------------------------------------


def test_categories_are_read_with_their_units_and_injury_rates() -> None:
    details = parse(K.GRANT, {"categories": [{"code": "sa_single_parent_poor", "units": 3}], "note": " hai  con "})
    assert details == CategoryDetails((CategoryChoice("sa_single_parent_poor", 3, None),), "hai con")
    invalid = parse(K.ADJUST, {"categories": [{"code": "mer_war_invalid", "injury_rate": 61}]}, Program.MERITORIOUS)
    assert invalid.categories == (CategoryChoice("mer_war_invalid", 1, 61),)
    assert invalid.to_json() == {"categories": [{"code": "mer_war_invalid", "units": 1, "injury_rate": 61}]}


def test_an_unknown_category_is_refused_naming_the_field() -> None:
    error = refused(K.GRANT, {"categories": [{"code": "sa_elderly_poor_no_supporter"}, {"code": "khong_co"}]})
    assert error.field == "details.categories[1].code"
    assert "khong_co" in error.message_vi
    assert "unknown category" in error.message_en


def test_a_category_of_another_program_is_refused_naming_the_program() -> None:
    error = refused(K.GRANT, {"categories": [{"code": "mer_war_invalid", "injury_rate": 50}]})
    assert error.field == "details.categories[0].code"
    assert "meritorious" in error.message_vi
    assert "belongs to the meritorious program" in error.message_en


@pytest.mark.parametrize(
    ("entry", "field", "words"),
    [
        ({"code": "sa_elderly_poor_no_supporter", "units": 2}, "units", "not paid per person"),
        ({"code": "sa_single_parent_poor", "units": 0}, "units", "at least 1"),
        ({"code": "sa_single_parent_poor", "units": 500}, "units", "at most"),
        ({"code": "sa_single_parent_poor", "units": "2"}, "units", "whole number"),
        ({"code": "sa_single_parent_poor", "units": True}, "units", "whole number"),
        ({"code": "sa_elderly_poor_no_supporter", "injury_rate": 61}, "injury_rate", "not paid by injury rate"),
        ({"code": "sa_elderly_poor_no_supporter", "level": 2}, "level", "not a field"),
        ({"units": 1}, "code", "required"),
    ],
)
def test_units_and_injury_rates_only_where_the_category_allows(entry: dict[str, Any], field: str, words: str) -> None:
    error = refused(K.GRANT, {"categories": [entry]})
    assert error.field == f"details.categories[0].{field}"
    assert words in error.message_en


@pytest.mark.parametrize(("rate", "words"), [(None, "needs an injury rate"), (20, "21–100"), (101, "21–100")])
def test_an_injury_rate_category_needs_a_rate_in_its_range(rate: int | None, words: str) -> None:
    error = refused(K.GRANT, {"categories": [{"code": "mer_war_invalid", "injury_rate": rate}]}, Program.MERITORIOUS)
    assert error.field == "details.categories[0].injury_rate"
    assert words in error.message_en


@pytest.mark.parametrize("raw", [{}, {"categories": []}, {"categories": "sa_hiv_poor"}])
def test_a_grant_needs_at_least_one_category(raw: dict[str, Any]) -> None:
    assert refused(K.GRANT, raw).field == "details.categories"


def test_the_same_category_twice_is_refused() -> None:
    twice = {"categories": [{"code": "sa_hiv_poor"}, {"code": "sa_hiv_poor"}]}
    assert refused(K.GRANT, twice).field == "details.categories[1].code"


# --- the other kinds -----------------------------------------------------------------------------------------------


def test_suspend_and_resume_need_a_reason() -> None:
    assert parse(K.SUSPEND, {"reason": "Không nhận 3 tháng"}) == SuspendDetails("Không nhận 3 tháng")
    assert refused(K.SUSPEND, {"reason": "  "}).field == "details.reason"
    assert parse(K.RESUME, {"reason": "Đã nhận lại", "repay_suspended_months": False}) == ResumeDetails(
        "Đã nhận lại", False
    )
    assert refused(K.RESUME, {"reason": "x", "repay_suspended_months": "yes"}).field == (
        "details.repay_suspended_months"
    )


def test_a_termination_for_death_needs_the_date_of_death() -> None:
    assert refused(K.TERMINATE, {"reason": "death"}).field == "details.date_of_death"
    details = parse(K.TERMINATE, {"reason": "death", "date_of_death": "2026-10-05"})
    assert details == TerminateDetails("death", date(2026, 10, 5))
    assert details.for_death


def test_a_date_of_death_is_refused_in_the_future_or_with_another_reason() -> None:
    future = refused(K.TERMINATE, {"reason": "death", "date_of_death": "2026-11-24"})
    assert future.field == "details.date_of_death"
    assert "future" in future.message_en
    other = refused(K.TERMINATE, {"reason": "Chuyển đi nơi khác", "date_of_death": "2026-10-05"})
    assert other.field == "details.date_of_death"
    assert refused(K.TERMINATE, {"reason": "death", "date_of_death": "05/10/2026"}).field == "details.date_of_death"


def test_funeral_support_needs_a_date_of_death_and_a_cause() -> None:
    details = parse(K.FUNERAL, {"date_of_death": "2026-10-05", "cause": "in_facility", "organiser_person_id": 7})
    assert details == FuneralDetails(date(2026, 10, 5), FuneralCause.IN_FACILITY, 7)
    assert refused(K.FUNERAL, {"cause": "ordinary"}).field == "details.date_of_death"
    assert refused(K.FUNERAL, {"date_of_death": "2026-10-05"}).field == "details.cause"
    assert refused(K.FUNERAL, {"date_of_death": "2026-10-05", "cause": "old_age"}).field == "details.cause"
    huge = {"date_of_death": "2026-10-05", "cause": "ordinary", "organiser_person_id": 2**64}
    assert refused(K.FUNERAL, huge).field == "details.organiser_person_id"


def test_one_time_allowances_are_for_meritorious_people_with_years_only_for_seniority() -> None:
    seniority = parse(K.ONE_TIME, {"one_time_kind": "seniority_per_year", "years": 12.5}, Program.MERITORIOUS)
    assert seniority == OneTimeDetails(OneTimeKind.SENIORITY_PER_YEAR, None, Decimal("12.5"))
    assert seniority.to_json() == {"one_time_kind": "seniority_per_year", "years": 12.5}
    assert refused(K.ONE_TIME, {"one_time_kind": "martyr_recognised"}).field == "kind"
    no_years = refused(K.ONE_TIME, {"one_time_kind": "seniority_per_year"}, Program.MERITORIOUS)
    assert no_years.field == "details.years"
    third = refused(K.ONE_TIME, {"one_time_kind": "seniority_per_year", "years": 3.3}, Program.MERITORIOUS)
    assert "half years" in third.message_en
    extra = refused(K.ONE_TIME, {"one_time_kind": "martyr_recognised", "years": 2}, Program.MERITORIOUS)
    assert extra.field == "details.years"
    unknown = refused(K.ONE_TIME, {"one_time_kind": "bonus"}, Program.MERITORIOUS)
    assert unknown.field == "details.one_time_kind"


def test_details_that_are_not_an_object_are_refused() -> None:
    assert refused(K.SUSPEND, ["reason"]).field == "details"


# --- effective months ----------------------------------------------------------------------------------------------


def test_a_termination_for_death_takes_effect_the_month_after_the_death() -> None:
    death = TerminateDetails("death", date(2026, 10, 31))
    assert effective_month(death, signed_on=date(2026, 11, 20), requested=None) == Period(2026, 11)
    assert effective_month(death, signed_on=None, requested=Period(2026, 11)) == Period(2026, 11)
    december = TerminateDetails("death", date(2025, 12, 1))
    assert effective_month(december, signed_on=None, requested=None) == Period(2026, 1)
    with pytest.raises(ValidationFailed) as caught:
        effective_month(death, signed_on=date(2026, 11, 20), requested=Period(2026, 10))
    assert caught.value.field == "effective_from"
    assert "2026-11" in caught.value.message_vi


def test_other_decisions_take_effect_from_the_month_signed_unless_the_act_says_otherwise() -> None:
    suspend = SuspendDetails("x")
    assert effective_month(suspend, signed_on=date(2026, 9, 30), requested=None) == Period(2026, 9)
    assert effective_month(suspend, signed_on=date(2026, 9, 30), requested=Period(2026, 7)) == Period(2026, 7)
    assert effective_month(suspend, signed_on=None, requested=None) is None


def test_changes_follow_the_entitlement_start_and_each_other() -> None:
    history = History(start=Period(2024, 8), last_status_change=Period(2025, 3), last_category_change=Period(2024, 8))
    check_effective_order(K.RESUME, Period(2025, 4), history)
    check_effective_order(K.ADJUST, Period(2024, 8), history)
    check_effective_order(K.FUNERAL, Period(2020, 1), history)  # no order: a grant paid once
    for kind, month in [(K.SUSPEND, Period(2024, 7)), (K.RESUME, Period(2025, 3)), (K.ADJUST, Period(2024, 7))]:
        with pytest.raises(ValidationFailed) as caught:
            check_effective_order(kind, month, history)
        assert caught.value.field == "effective_from"


# --- the timeline's one line ---------------------------------------------------------------------------------------


def test_a_grant_reads_as_an_official_writes_it() -> None:
    vi, en = summary(K.GRANT, {"categories": [{"code": "sa_elderly_poor_no_supporter", "units": 1}]}, "2024-08")
    assert vi == "Hưởng trợ cấp từ 08/2024: Người cao tuổi nghèo không có người phụng dưỡng"
    assert en == "Allowance from 08/2024: poor elderly with no one obliged to support them"


def test_summaries_of_the_other_kinds() -> None:
    assert summary(K.TERMINATE, {"reason": "death", "date_of_death": "2026-10-05"}, "2026-11")[0] == (
        "Thôi hưởng từ 11/2026: đã mất ngày 05/10/2026"
    )
    assert summary(K.SUSPEND, {"reason": "Không nhận 3 tháng"}, "2026-02")[1] == (
        "Suspended from 02/2026: Không nhận 3 tháng"
    )
    resume = summary(K.RESUME, {"reason": "Đã nhận", "repay_suspended_months": True}, "2026-05")
    assert resume[0] == "Tiếp tục hưởng từ 05/2026: Đã nhận (truy lĩnh các tháng tạm dừng)"
    funeral = summary(K.FUNERAL, {"date_of_death": "2026-10-05", "cause": "accident_or_disaster"}, None)
    assert funeral[0] == "Hỗ trợ mai táng (?): mất ngày 05/10/2026, do thiên tai, tai nạn"
    injured = summary(K.ADJUST, {"categories": [{"code": "mer_war_invalid", "injury_rate": 61}]}, "2025-01")
    assert injured[0] == "Điều chỉnh diện hưởng từ 01/2025: Thương binh, tỷ lệ tổn thương 61%"
    # imported by other software with a code the catalogue does not know: shown as it is, never a crash
    assert (
        summary(K.GRANT, {"categories": [{"code": "old_code"}, "junk"]}, "bad")[0] == "Hưởng trợ cấp từ bad: old_code"
    )
