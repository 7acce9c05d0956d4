"""Property tests of the payroll engine, on both databases.

For a generated history — a grant (possibly entered months late), age bands crossed, a suspension and a resume
(repaid or not, possibly entered late), a change of category, a death, the July 2024 level entered late, failed
payments — paying every month's payroll from the first period to the last:
- pays each month exactly the amount due at that month's rate (as the pure rules compute it from the final
  history): never twice, never lost;
- re-running a draft gives the same lines;
- every line's components add up to its total, and every failed payment is carried over exactly once.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update
from tests.conftest import Database
from tests.factories_enrolment import cash_method, make_reference_data
from tests.factories_registry import make_beneficiary, make_person
from tests.integration.payroll.test_engine import NOW, Rules, _without_july_2024

from ansinh.access.domain import Area, Principal, Role
from ansinh.core.period import Period, period_range
from ansinh.decisions.tables import Decision
from ansinh.geo.tables import Commune
from ansinh.payroll import derive, engine
from ansinh.payroll.tables import LineItem, PayrollLine, PayrollRun
from ansinh.policy import LevelKey, amount_due
from ansinh.policy import Program as PolicyProgram
from ansinh.registry.tables import Beneficiary

FIRST = Period(2024, 1)
LAST = Period(2025, 3)
PROVINCES = ("92", "04", "01", "79", "48", "31", "38", "40", "46", "51", "56", "66", "68", "75", "80", "82")
CATEGORIES = (
    "sa_elderly_poor_no_supporter",  # 60–80: 1.5, 80+: 2.0
    "sa_child_no_support",  # under 4: 2.5, 4–16: 1.5
    "sa_disabled_severe",  # child 2.0, adult 1.5, elderly 2.0
    "sa_hiv_poor",  # 1.5 flat
)
_examples = itertools.count()


@dataclass(frozen=True)
class Story:
    born: date
    category: str
    new_category: str
    grant: int  # month offsets from FIRST
    grant_late: int  # entered this many months after it takes effect
    adjust: int | None
    suspend: int | None
    resume: int | None
    resume_late: int
    repay: bool | None
    death: int | None
    level_entered: int  # the July 2024 level is entered in this month (offset), ≥ July 2024
    failures: frozenset[int]


@st.composite
def stories(draw: st.DrawFn) -> Story:
    span = LAST.index - FIRST.index
    grant = draw(st.integers(0, 8))
    category = draw(st.sampled_from(CATEGORIES))
    if category == "sa_child_no_support":
        born = draw(st.dates(date(2019, 1, 1), date(2023, 12, 31)))
    elif category == "sa_elderly_poor_no_supporter":
        born = draw(st.dates(date(1940, 1, 1), date(1964, 1, 1)))
    else:
        born = draw(st.dates(date(1940, 1, 1), date(2020, 1, 1)))
    suspend = draw(st.none() | st.integers(grant + 1, span - 2))
    resume = None if suspend is None else draw(st.none() | st.integers(suspend + 1, span - 1))
    death_from = max(grant, resume or suspend or grant) + 1
    death = draw(st.none() | st.integers(death_from, span)) if death_from <= span else None
    adjust_until = (death or span) - 1
    adjust = draw(st.none() | st.integers(grant + 1, adjust_until)) if grant + 1 <= adjust_until else None
    new_category = "sa_hiv_poor" if category != "sa_hiv_poor" else "sa_disabled_severe"
    return Story(
        born=born,
        category=category,
        new_category=new_category,
        grant=grant,
        grant_late=draw(st.integers(0, 3)),
        adjust=adjust,
        suspend=suspend,
        resume=resume,
        resume_late=draw(st.integers(0, 2)),
        repay=draw(st.sampled_from((True, False, None))),
        death=death,
        level_entered=draw(st.integers(Period(2024, 7).index - FIRST.index, span)),
        failures=frozenset(draw(st.sets(st.integers(0, span), max_size=3))),
    )


@dataclass
class Pending:
    entered: int
    kind: str
    month: int
    details: dict[str, Any]


def _plan(story: Story) -> list[Pending]:
    """Each decision with the month it is entered (approved just before that month's payroll)."""
    categories = [{"code": story.category, "units": 1, "injury_rate": None}]
    plan = [Pending(story.grant + story.grant_late, "grant", story.grant, {"categories": categories})]
    if story.adjust is not None:
        new = [{"code": story.new_category, "units": 1, "injury_rate": None}]
        plan.append(Pending(story.adjust, "adjust", story.adjust, {"categories": new}))
    if story.suspend is not None:
        plan.append(Pending(story.suspend, "suspend", story.suspend, {"reason": "not collected"}))
    if story.resume is not None:
        details = {"reason": "back", "repay_suspended_months": story.repay}
        plan.append(Pending(story.resume + story.resume_late, "resume", story.resume, details))
    if story.death is not None:
        death_day = (FIRST + story.death - 1).first_day.replace(day=15)
        details = {"reason": "death", "date_of_death": death_day.isoformat()}
        plan.append(Pending(story.death, "terminate", story.death, details))
    return plan


PROPERTY_SETTINGS = settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def reference(db: Database) -> Database:
    with db.uow() as uow:
        make_reference_data(uow)
        uow.commit()
    return db


@PROPERTY_SETTINGS
@given(story=stories())
def test_paying_every_period_pays_each_month_exactly_what_is_due(
    reference: Database, monkeypatch: pytest.MonkeyPatch, story: Story
) -> None:
    db = reference
    province = PROVINCES[next(_examples) % len(PROVINCES)]
    rules = Rules()
    _without_july_2024(rules)
    monkeypatch.setattr(engine, "load_rules", rules.load)
    maker = Principal(0, "nghiepvu", "", Role.PROGRAM_OFFICER, Area(province_code=province))
    with db.uow() as uow:
        # Each example in a province of its own: payrolls of one province are a sequence.
        uow.session.execute(update(PayrollRun).where(PayrollRun.province_code == province).values(status="cancelled"))
        uow.session.execute(update(PayrollLine).where(PayrollLine.province_code == province).values(active=False))
        commune = uow.session.scalars(select(Commune.code).where(Commune.province_code == province)).first()
        assert commune is not None
        person = make_person(uow, date_of_birth=story.born, province_code=province, commune_code=commune)
        beneficiary = make_beneficiary(uow, person, categories=(story.category,))
        cash_method(uow, beneficiary)
        beneficiary_id = beneficiary.id
        uow.commit()
    plan = _plan(story)
    approved: list[int] = []
    for offset in range(LAST.index - FIRST.index + 1):
        month = FIRST + offset
        if offset == story.level_entered:
            rules.enter(LevelKey(PolicyProgram.SOCIAL_ASSISTANCE), Period(2024, 7), 500_000)
        due_now = [p for p in plan if p.entered == offset]
        if due_now:
            with db.uow() as uow:
                row = uow.session.get(Beneficiary, beneficiary_id)
                assert row is not None
                for pending in due_now:
                    _approve_decision(uow, row, pending)
                uow.commit()
        payroll_id = _run(db, maker, month, province)
        first_lines = _snapshot(db, payroll_id)
        assert _run(db, maker, month, province) == payroll_id
        assert _snapshot(db, payroll_id) == first_lines  # re-running a draft is idempotent
        _approve(db, payroll_id)
        approved.append(payroll_id)
        if offset in story.failures:
            with db.uow() as uow:
                uow.session.execute(
                    update(PayrollLine).where(PayrollLine.payroll_id == payroll_id).values(delivery_status="unpaid")
                )
                uow.commit()

    with db.uow() as uow:
        scheduled = _scheduled(uow, beneficiary_id)
        lines = list(uow.session.scalars(select(PayrollLine).where(PayrollLine.beneficiary_id == beneficiary_id)))
        for line in lines:
            assert line.total == line.monthly + line.arrears + line.one_time + line.funeral + line.carry_over
        unpaid = [line for line in lines if line.delivery_status == "unpaid" and line.period_index < LAST.index]
        assert all(line.carried_into is not None for line in unpaid)  # every failed payment carried over …
        carried = sum(line.carry_over for line in lines)
        assert carried == sum(line.total for line in lines if line.delivery_status == "unpaid" and line.carried_into)
        decisions = [
            derive.DecisionRow(d.id, d.kind, Period.parse(d.effective_from), d.details, d.source)
            for d in uow.session.scalars(select(Decision).where(Decision.beneficiary_id == beneficiary_id))
        ]
        death = story.death
        entitlement = derive.entitlement_of(
            decisions,
            program=PolicyProgram.SOCIAL_ASSISTANCE,
            province_code=province,
            date_of_birth=story.born,
            date_of_death=None if death is None else (FIRST + death - 1).first_day.replace(day=15),
            cared_person_birth_date=None,
            rules=rules.rules,
        )
    assert entitlement is not None
    for month in period_range(FIRST, LAST):
        expected = int(amount_due(entitlement, month, rules.rules, as_of=LAST))
        # Earlier months settle through later payrolls' arrears; the last payroll pays its own month.
        assert scheduled.get(month.index, 0) == expected, (str(month), story)


def _approve_decision(uow: Any, beneficiary: Beneficiary, pending: Pending) -> None:
    uow.session.add(
        Decision(
            beneficiary_id=beneficiary.id,
            province_code=beneficiary.province_code,
            commune_code=beneficiary.commune_code,
            kind=pending.kind,
            status="approved",
            number=f"{pending.kind}/QĐ",
            signed_on=(FIRST + pending.entered).first_day,
            effective_from=str(FIRST + pending.month),
            details=pending.details,
            source="officer",
            created_by="test",
            created_at=NOW,
            submitted_by="maker",
            submitted_at=NOW,
            reviewed_by="checker",
            reviewed_at=NOW,
        )
    )
    beneficiary.version += 1
    uow.session.flush()


def _run(db: Database, maker: Principal, month: Period, province: str) -> int:
    with db.uow() as uow:
        payroll_id = engine.run_payroll(
            uow, principal=maker, period=month, province_code=province, program="social_assistance"
        )
        uow.commit()
        return payroll_id


def _approve(db: Database, payroll_id: int) -> None:
    with db.uow() as uow:
        run = uow.session.get(PayrollRun, payroll_id)
        assert run is not None
        run.status = "approved"
        run.approved_by = "pheduyet"
        run.approved_at = NOW
        uow.session.flush()
        engine.on_approved(uow.session, run)
        uow.commit()


def _snapshot(db: Database, payroll_id: int) -> list[tuple[Any, ...]]:
    with db.uow() as uow:
        lines = uow.session.execute(
            select(
                PayrollLine.beneficiary_id,
                PayrollLine.kind,
                PayrollLine.monthly,
                PayrollLine.arrears,
                PayrollLine.carry_over,
                PayrollLine.total,
            )
            .where(PayrollLine.payroll_id == payroll_id)
            .order_by(PayrollLine.beneficiary_id, PayrollLine.kind)
        ).all()
        items = uow.session.execute(
            select(LineItem.component, LineItem.first_month, LineItem.last_month, LineItem.per_month, LineItem.amount)
            .where(LineItem.payroll_id == payroll_id)
            .order_by(LineItem.component, LineItem.first_month)
        ).all()
        return [tuple(row) for row in lines] + [tuple(row) for row in items]


def _scheduled(uow: Any, beneficiary_id: int) -> dict[int, int]:
    """What approved payrolls scheduled for each month: that month's ``monthly`` plus later arrears items."""
    result: dict[int, int] = {}
    active = (PayrollLine.active.is_(True), PayrollRun.status.in_(("approved", "funded")))
    for month, monthly in uow.session.execute(
        select(PayrollLine.period_index, PayrollLine.monthly)
        .join(PayrollRun, PayrollRun.id == PayrollLine.payroll_id)
        .where(PayrollLine.beneficiary_id == beneficiary_id, PayrollLine.kind == "entitlement", *active)
    ):
        result[month] = result.get(month, 0) + monthly
    for first, last, per_month in uow.session.execute(
        select(LineItem.first_month, LineItem.last_month, LineItem.per_month)
        .join(PayrollLine, PayrollLine.id == LineItem.line_id)
        .join(PayrollRun, PayrollRun.id == PayrollLine.payroll_id)
        .where(LineItem.beneficiary_id == beneficiary_id, LineItem.component == "arrears", *active)
    ):
        for month in range(first, last + 1):
            result[month] = result.get(month, 0) + per_month
    return result
