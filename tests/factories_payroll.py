"""Test data for the payroll: runs and lines inserted straight into the tables, as the engine would leave them.

The lifecycle (review, approval, cancellation, funding) does not care how a draft was computed, so its tests build
small drafts here, with set-based inserts, instead of going through decisions and the engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import insert, select
from tests.factories_registry import CAN_THO, NINH_KIEU, make_beneficiary, make_person

from ansinh.access.domain import Principal
from ansinh.access.services import principal_for
from ansinh.core.period import Period
from ansinh.core.uow import UnitOfWork
from ansinh.payroll.tables import LineItem, PayrollLine, PayrollRun
from ansinh.registry.tables import Beneficiary

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
MAKER = "program-officer"  # tests.factories.make_user's name for the program officer
CHECKER = "approver"
FINANCE = "finance-officer"
NEXT_PERIOD = Period(2026, 12)  # the month after the test clock's day: its payroll is due on 25/11/2026


@dataclass(frozen=True)
class LineSpec:
    monthly: int = 500_000
    arrears: int = 0
    one_time: int = 0
    decision_id: int | None = None  # the one-time decision the ``one_time`` amount pays
    provider_code: str | None = "VNPOST"
    method: str | None = "cash_point"
    account_number: str | None = None
    commune_code: str = NINH_KIEU


@dataclass
class MadePayroll:
    id: int
    line_ids: list[int] = field(default_factory=list)
    beneficiary_ids: list[int] = field(default_factory=list)
    beneficiary_codes: list[str] = field(default_factory=list)

    @property
    def first_line(self) -> int:
        return self.line_ids[0]


STANDARD_LINES = (
    LineSpec(monthly=500_000),
    LineSpec(monthly=750_000, arrears=1_000_000),
    LineSpec(monthly=500_000, provider_code="VBSP", method="bank_account", account_number="1234567890123"),
    LineSpec(monthly=1_000_000, provider_code="VBSP", method="bank_account", account_number="9876543210987"),
    LineSpec(monthly=350_000, provider_code="VIETTEL_MONEY", method="ewallet", account_number="0912345678"),
)


def due_on(period: Period) -> date:
    before = period.previous()
    return date(before.year, before.month, 25)


def make_payroll(
    uow: UnitOfWork,
    *,
    lines: Sequence[LineSpec] = STANDARD_LINES,
    period: Period = NEXT_PERIOD,
    province_code: str = CAN_THO,
    program: str = "social_assistance",
    status: str = "draft",
    computed_by: str = MAKER,
    beneficiary_ids: Sequence[int] | None = None,
) -> MadePayroll:
    """A payroll of ``lines`` (one new beneficiary each, unless given) in ``status``; arrears get one item each."""
    session = uow.session
    run = PayrollRun(
        period=str(period),
        period_index=period.index,
        province_code=province_code,
        program=program,
        communes=None,
        status=status,
        due_on=due_on(period),
        rules_version=1,
        line_count=len(lines),
        total=sum(s.monthly + s.arrears + s.one_time for s in lines),
        totals={
            "monthly": sum(s.monthly for s in lines),
            "arrears": sum(s.arrears for s in lines),
            "one_time": sum(s.one_time for s in lines),
        },
        diff={"added": len(lines), "removed": 0, "changed": 0, "reasons": {"grant": len(lines)}},
        computed_by=computed_by,
        computed_at=NOW,
        reviewed_by=computed_by if status != "draft" else None,
        reviewed_at=NOW if status != "draft" else None,
    )
    session.add(run)
    session.flush()
    made = MadePayroll(run.id)
    if beneficiary_ids is None:
        ids = []
        for number, spec in enumerate(lines):
            person = make_person(uow, full_name=f"Nguyễn Thị Mẫu {number}", commune_code=spec.commune_code)
            ids.append(make_beneficiary(uow, person).id)
        beneficiary_ids = ids
    rows = session.execute(
        select(Beneficiary.id, Beneficiary.person_id, Beneficiary.code).where(Beneficiary.id.in_(beneficiary_ids))
    ).all()
    persons = {b: p for b, p, _ in rows}
    codes = {b: c for b, _, c in rows}
    session.execute(
        insert(PayrollLine),
        [
            {
                "payroll_id": run.id,
                "period_index": period.index,
                "province_code": province_code,
                "commune_code": spec.commune_code,
                "beneficiary_id": beneficiary_id,
                "kind": "entitlement",
                "active": status != "cancelled",
                "monthly": spec.monthly,
                "arrears": spec.arrears,
                "one_time": spec.one_time,
                "total": spec.monthly + spec.arrears + spec.one_time,
                "holdings": "sa_elderly_poor_no_supporter:1:",
                "payee_person_id": persons[beneficiary_id],
                "payee_role": "beneficiary",
                "method": spec.method,
                "provider_code": spec.provider_code,
                "account_number": spec.account_number,
                "delivery_status": "pending" if status != "cancelled" else "cancelled",
            }
            for spec, beneficiary_id in zip(lines, beneficiary_ids, strict=True)
        ],
    )
    found = session.execute(
        select(PayrollLine.id, PayrollLine.beneficiary_id, PayrollLine.arrears)
        .where(PayrollLine.payroll_id == run.id)
        .order_by(PayrollLine.id)
    ).all()
    items: list[dict[str, object]] = []
    # Lines were inserted in the order of ``lines``, so ids pair with their specs.
    for (line_id, beneficiary_id, _), spec in zip(found, lines, strict=True):
        common = {"line_id": line_id, "payroll_id": run.id, "beneficiary_id": beneficiary_id}
        if spec.arrears:
            items.append(
                {
                    **common,
                    "province_code": province_code,
                    "component": "arrears",
                    "first_month": (period - 2).index,
                    "last_month": (period - 1).index,
                    "per_month": spec.arrears // 2,
                    "amount": spec.arrears,
                }
            )
        if spec.one_time:
            items.append(
                {
                    **common,
                    "province_code": province_code,
                    "component": "one_time",
                    "first_month": None,
                    "last_month": None,
                    "per_month": None,
                    "amount": spec.one_time,
                    "decision_id": spec.decision_id,
                }
            )
    if items:
        session.execute(insert(LineItem), items)
    made.line_ids = [row[0] for row in found]
    made.beneficiary_ids = [row[1] for row in found]
    made.beneficiary_codes = [codes[row[1]] for row in found]
    session.flush()
    return made


def principal(uow: UnitOfWork, username: str) -> Principal:
    return principal_for(uow, username=username)
