"""The payroll engine on real databases: amounts computed by hand in each test, per domain-rules §1–§2."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import select, update
from tests.conftest import Database
from tests.factories import make_user
from tests.factories_enrolment import cash_method, make_reference_data
from tests.factories_registry import make_beneficiary, make_person

from ansinh.access.domain import Role
from ansinh.access.services import principal_for
from ansinh.core.errors import Conflict
from ansinh.core.money import VND
from ansinh.core.period import Period
from ansinh.decisions.tables import Decision
from ansinh.payroll import engine
from ansinh.payroll.tables import LineItem, PayrollLine, PayrollRun
from ansinh.policy import CategoryRate, CategoryRateKey, FixedAmount, LevelKey, Program, with_standard_levels
from ansinh.policy.defaults import default_rules
from ansinh.registry.domain import RelationRole
from ansinh.registry.importing import Program as Enrolment
from ansinh.registry.tables import Beneficiary, Relation

NOW = datetime(2026, 11, 23, tzinfo=UTC)
SA = Program.SOCIAL_ASSISTANCE
ELDERLY = "sa_elderly_poor_no_supporter"


@dataclasses.dataclass(frozen=True)
class RuleChange:
    """As the policy storage reports a rule row added after a version."""

    program: Program | None
    province_code: str | None
    changes_from: Period


@dataclasses.dataclass
class Rules:
    """The rule tables the engine sees, and the changes it is told about (what the policy storage provides)."""

    rules: Any = dataclasses.field(default_factory=default_rules)
    version: int = 1
    changes: list[tuple[int, RuleChange]] = dataclasses.field(default_factory=list)

    def load(self, _session: object) -> tuple[Any, int, Any]:
        return self.rules, self.version, self

    def changes_since(self, _session: object, version: int) -> list[RuleChange]:
        return [change for number, change in self.changes if number > version]

    def enter(self, key: LevelKey, start: Period, amount: int) -> None:
        """An administrator enters a level from ``start`` (possibly months already paid)."""
        self.rules = with_standard_levels(self.rules, [(key, start, amount, "test")])
        self.version += 1
        self.changes.append((self.version, RuleChange(key.program, key.province_code, start)))


@pytest.fixture
def rules(monkeypatch: pytest.MonkeyPatch) -> Rules:
    state = Rules()
    monkeypatch.setattr(engine, "load_rules", state.load)
    return state


def _without_july_2024(rules: Rules) -> None:
    """The rule tables as they stood before Decree 76/2024 was entered: 360,000 goes on."""
    table = rules.rules.standard_levels
    rows = [row for row in table.rows if not (row.key == LevelKey(SA) and row.valid_from >= Period(2024, 7))]
    rows = [
        dataclasses.replace(row, valid_to=None) if row.key == LevelKey(SA) and row.valid_to == Period(2024, 6) else row
        for row in rows
    ]
    rules.rules = dataclasses.replace(rules.rules, standard_levels=type(table)(table.name, tuple(rows)))


@pytest.fixture
def setup(db: Database) -> dict[str, str]:
    with db.uow() as uow:
        make_reference_data(uow)
        users = {
            "maker": make_user(uow, Role.PROGRAM_OFFICER, "nghiepvu"),
            "checker": make_user(uow, Role.APPROVER, "pheduyet"),
        }
        uow.commit()
    return users


def _beneficiary(
    db: Database,
    *,
    born: date = date(1950, 3, 14),
    start: str = "2024-01",
    source: str = "import",
    categories: tuple[dict[str, Any], ...] = ({"code": ELDERLY, "units": 1, "injury_rate": None},),
    program: Enrolment = Enrolment.SOCIAL_ASSISTANCE,
) -> int:
    with db.uow() as uow:
        person = make_person(uow, date_of_birth=born)
        beneficiary = make_beneficiary(uow, person, program=program, categories=tuple(c["code"] for c in categories))
        cash_method(uow, beneficiary)
        _decision(uow, beneficiary, "grant", start, {"categories": list(categories)}, source=source)
        uow.commit()
        return beneficiary.id


def _decision(
    uow: Any,
    beneficiary: Beneficiary,
    kind: str,
    month: str | None,
    details: dict[str, Any],
    *,
    source: str = "officer",
) -> int:
    decision = Decision(
        beneficiary_id=beneficiary.id,
        province_code=beneficiary.province_code,
        commune_code=beneficiary.commune_code,
        kind=kind,
        status="approved",
        number="1/QĐ",
        signed_on=date(2024, 1, 1) if month is None else Period.parse(month).first_day,
        effective_from=month,
        details=details,
        source=source,
        created_by="test",
        created_at=NOW,
        submitted_by="maker",
        submitted_at=NOW,
        reviewed_by=None if source == "import" else "checker",
        reviewed_at=NOW,
    )
    uow.session.add(decision)
    beneficiary.version += 1  # what the decisions context's approval does
    uow.session.flush()
    return decision.id


def _add_decision(db: Database, beneficiary_id: int, kind: str, month: str | None, details: dict[str, Any]) -> int:
    with db.uow() as uow:
        beneficiary = uow.session.get(Beneficiary, beneficiary_id)
        assert beneficiary is not None
        decision_id = _decision(uow, beneficiary, kind, month, details)
        uow.commit()
        return decision_id


def _run(db: Database, users: dict[str, str], period: str, program: str = "social_assistance") -> int:
    with db.uow() as uow:
        principal = principal_for(uow, username=users["maker"])
        payroll_id = engine.run_payroll(
            uow, principal=principal, period=Period.parse(period), province_code="92", program=program
        )
        uow.commit()
        return payroll_id


def _approve(db: Database, payroll_id: int) -> None:
    """The checker's approval, as far as the engine's bookkeeping is concerned."""
    with db.uow() as uow:
        run = uow.session.get(PayrollRun, payroll_id)
        assert run is not None
        run.status = "approved"
        run.approved_by = "pheduyet"
        run.approved_at = NOW
        uow.session.flush()
        engine.on_approved(uow.session, run)
        uow.commit()


def _lines(db: Database, payroll_id: int) -> list[PayrollLine]:
    with db.uow() as uow:
        lines = list(uow.session.scalars(select(PayrollLine).where(PayrollLine.payroll_id == payroll_id)))
        uow.session.expunge_all()
        return lines


def _items(db: Database, payroll_id: int) -> list[tuple[str, int | None, int | None, int | None, int]]:
    with db.uow() as uow:
        i = LineItem
        return [
            (row.component, row.first_month, row.last_month, row.per_month, row.amount)
            for row in uow.session.execute(
                select(i.component, i.first_month, i.last_month, i.per_month, i.amount)
                .where(i.payroll_id == payroll_id)
                .order_by(i.component, i.first_month)
            )
        ]


def test_an_imported_beneficiary_is_paid_the_monthly_amount_without_arrears(
    db: Database, setup: dict[str, str], rules: Rules
) -> None:
    _beneficiary(db, born=date(1950, 3, 14), start="2024-01")
    payroll_id = _run(db, setup, "2026-12")
    [line] = _lines(db, payroll_id)
    # Born March 1950: 76 in December 2026 → 1.5 × 500,000.
    assert (line.monthly, line.arrears, line.total) == (750_000, 0, 750_000)
    assert (line.method, line.provider_code, line.payee_role) == ("cash_point", "VNPOST", "beneficiary")
    assert _items(db, payroll_id) == []


def test_a_decision_signed_in_may_first_paid_in_august_pays_each_month_at_its_rate(
    db: Database, setup: dict[str, str], rules: Rules
) -> None:
    _beneficiary(db, start="2024-05", source="officer")
    payroll_id = _run(db, setup, "2024-08")
    [line] = _lines(db, payroll_id)
    # May, June at 1.5 × 360,000 = 540,000; July at 1.5 × 500,000 = 750,000; August 750,000 monthly.
    assert (line.monthly, line.arrears, line.total) == (750_000, 1_830_000, 2_580_000)
    may, july = Period(2024, 5).index, Period(2024, 7).index
    assert _items(db, payroll_id) == [
        ("arrears", may, may + 1, 540_000, 1_080_000),
        ("arrears", july, july, 750_000, 750_000),
    ]


def test_a_level_entered_after_its_month_was_paid_pays_the_difference_as_arrears(
    db: Database, setup: dict[str, str], rules: Rules
) -> None:
    _without_july_2024(rules)
    _beneficiary(db, start="2024-01")
    for period in ("2024-07", "2024-08"):
        payroll_id = _run(db, setup, period)
        assert [line.monthly for line in _lines(db, payroll_id)] == [540_000]  # 1.5 × 360,000
        _approve(db, payroll_id)
    rules.enter(LevelKey(SA), Period(2024, 7), 500_000)  # Decree 76/2024, entered in September
    september = _run(db, setup, "2024-09")
    [line] = _lines(db, september)
    # (750,000 − 540,000) × 2 months.
    assert (line.monthly, line.arrears) == (750_000, 420_000)
    # Once approved, the difference is settled: October looks back no more.
    _approve(db, september)
    [october] = _lines(db, _run(db, setup, "2024-10"))
    assert (october.monthly, october.arrears) == (750_000, 0)


def test_rerunning_a_draft_replaces_it_with_the_same_result(db: Database, setup: dict[str, str], rules: Rules) -> None:
    for born in (date(1950, 3, 14), date(1940, 6, 1), date(1960, 1, 2)):
        _beneficiary(db, born=born, start="2024-05", source="officer")
    first = _run(db, setup, "2024-08")
    before = [(line.beneficiary_id, line.monthly, line.arrears, line.total) for line in _lines(db, first)]
    items = _items(db, first)
    again = _run(db, setup, "2024-08")
    assert again == first
    assert [(line.beneficiary_id, line.monthly, line.arrears, line.total) for line in _lines(db, again)] == before
    assert _items(db, again) == items


def test_a_frozen_later_period_refuses_an_earlier_payroll(db: Database, setup: dict[str, str], rules: Rules) -> None:
    _beneficiary(db)
    _approve(db, _run(db, setup, "2026-12"))
    with pytest.raises(Conflict):
        _run(db, setup, "2026-11")
    with pytest.raises(Conflict):
        _run(db, setup, "2026-12")


def test_a_failed_payment_is_carried_into_the_next_period_once(
    db: Database, setup: dict[str, str], rules: Rules
) -> None:
    _beneficiary(db)
    november = _run(db, setup, "2026-11")
    _approve(db, november)
    with db.uow() as uow:
        uow.session.execute(
            update(PayrollLine).where(PayrollLine.payroll_id == november).values(delivery_status="unpaid")
        )
        uow.commit()
    december = _run(db, setup, "2026-12")
    [line] = _lines(db, december)
    assert (line.monthly, line.carry_over, line.total) == (750_000, 750_000, 1_500_000)
    _approve(db, december)
    [january] = _lines(db, _run(db, setup, "2027-01"))
    assert january.carry_over == 0  # carried once


def test_death_stops_the_month_after_and_funeral_support_goes_to_the_organiser(
    db: Database, setup: dict[str, str], rules: Rules
) -> None:
    beneficiary_id = _beneficiary(db)
    with db.uow() as uow:
        organiser = make_person(uow, full_name="Trần Văn Bình", date_of_birth=date(1975, 1, 1))
        beneficiary = uow.session.get(Beneficiary, beneficiary_id)
        assert beneficiary is not None
        uow.session.add(
            Relation(
                beneficiary_id=beneficiary_id,
                person_id=organiser.id,
                province_code="92",
                role=RelationRole.FUNERAL_ORGANISER.value,
                valid_from=date(2026, 9, 12),
                created_by="test",
                created_at=NOW,
            )
        )
        organiser_id = organiser.id
        uow.commit()
    _approve(db, _run(db, setup, "2026-09"))
    _add_decision(db, beneficiary_id, "terminate", "2026-10", {"reason": "death", "date_of_death": "2026-09-10"})
    _add_decision(db, beneficiary_id, "funeral", "2026-09", {"date_of_death": "2026-09-10", "cause": "ordinary"})
    october = _run(db, setup, "2026-10")
    [funeral] = _lines(db, october)
    # September (the month of death) was paid; October is not; funeral support 20 × 500,000 to the organiser.
    assert (funeral.kind, funeral.funeral, funeral.monthly, funeral.total) == ("funeral", 10_000_000, 0, 10_000_000)
    assert (funeral.payee_person_id, funeral.payee_role) == (organiser_id, "organiser")
    _approve(db, october)
    assert _lines(db, _run(db, setup, "2026-11")) == []  # paid once


def test_who_cannot_be_priced_is_listed_not_paid_and_paid_later_as_arrears(
    db: Database, setup: dict[str, str], rules: Rules
) -> None:
    war_invalid = ({"code": "mer_war_invalid", "units": 1, "injury_rate": 61},)
    beneficiary_id = _beneficiary(db, start="2024-07", categories=war_invalid, program=Enrolment.MERITORIOUS)
    unknown = _beneficiary(
        db, start="2024-07", categories=({"code": "no_such_category", "units": 1, "injury_rate": None},)
    )
    first = _run(db, setup, "2026-11", program="meritorious")
    assert _lines(db, first) == []
    with db.uow() as uow:
        run = uow.session.get(PayrollRun, first)
        assert run is not None
        reasons = {entry["beneficiary"]: entry["reason"] for entry in run.diff["exceptions"]}
        code = uow.session.get(Beneficiary, beneficiary_id).code  # type: ignore[union-attr]
        assert run.diff["exceptions_count"] == 1
    assert "61" in reasons[code]  # the injury-rate table has no row for 61 % yet
    _approve(db, first)
    # The appendix row is loaded (here: 61 % at 5,454,000); December pays December and November as arrears.
    key = CategoryRateKey("mer_war_invalid", 61)
    rate = CategoryRate.flat(FixedAmount(VND(5_454_000)))
    rules.rules = dataclasses.replace(
        rules.rules, category_rates=rules.rules.category_rates.with_rate(key, Period(2024, 7), rate)
    )
    [line] = _lines(db, _run(db, setup, "2026-12", program="meritorious"))
    assert (line.monthly, line.arrears) == (5_454_000, 5_454_000)
    # A category the rules do not know is reported by the social-assistance run.
    sa = _run(db, setup, "2026-12")
    with db.uow() as uow:
        run = uow.session.get(PayrollRun, sa)
        assert run is not None
        unknown_code = uow.session.get(Beneficiary, unknown).code  # type: ignore[union-attr]
        assert unknown_code in {entry["beneficiary"] for entry in run.diff["exceptions"]}
