"""Read side of payrolls: runs with their review diff and late flag, lines, items, funding orders, batches, ledger.

Every read is scoped by the acting user's area (``area_clause`` on the province, and the commune where a row has
one): something outside it is "not found", its existence is not revealed. A payroll run carries no commune of its
own, so a commune user sees no run (the payroll roles are provincial). Account numbers are masked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import aliased

from ansinh.access.domain import Area
from ansinh.access.scoping import area_clause
from ansinh.core import ledger
from ansinh.core.errors import NotFound, ValidationFailed
from ansinh.core.period import Period
from ansinh.core.uow import UnitOfWork
from ansinh.payroll.tables import PAYROLL_STATUSES, Batch, FundingOrder, LineItem, PayrollLine, PayrollRun
from ansinh.registry.domain import mask
from ansinh.registry.tables import Beneficiary, Person

MAX_LIMIT = 500
# A payroll still being prepared after its due day is late: it should have been approved by the 25th.
LATE_STATUSES = ("draft", "reviewed")
COMPONENTS = ("monthly", "arrears", "one_time", "funeral", "carry_over")


@dataclass(frozen=True)
class PayrollView:
    id: int
    period: str  # YYYY-MM
    province_code: str
    program: str
    communes: list[str] | None
    status: str
    due_on: date
    late: bool
    rules_version: int
    line_count: int
    total: int
    totals: dict[str, int]
    diff: dict[str, Any]  # against the previous period: added / removed / changed, with reasons (the engine's)
    computed_by: str
    computed_at: datetime
    reviewed_by: str | None
    reviewed_at: datetime | None
    approved_by: str | None
    approved_at: datetime | None
    funded_at: datetime | None
    cancelled_by: str | None
    cancelled_at: datetime | None
    cancel_reason: str | None


@dataclass(frozen=True)
class LineView:
    id: int
    payroll_id: int
    beneficiary_code: str
    commune_code: str
    kind: str
    active: bool
    monthly: int
    arrears: int
    one_time: int
    funeral: int
    carry_over: int
    total: int
    holdings: str | None
    payee_name: str | None
    payee_role: str | None
    method: str | None
    provider_code: str | None
    bank_bin: str | None
    account_number: str | None  # masked
    batch_id: int | None
    idempotency_key: str | None
    delivery_status: str
    carried_into: int | None


@dataclass(frozen=True)
class ItemView:
    id: int
    component: str
    first_month: str | None  # YYYY-MM
    last_month: str | None
    per_month: int | None
    amount: int
    decision_id: int | None
    source_line_id: int | None


@dataclass(frozen=True)
class LineDetail:
    line: LineView
    items: list[ItemView]


@dataclass(frozen=True)
class FundingOrderView:
    id: int
    payroll_id: int
    province_code: str
    provider_code: str
    amount: int
    status: str
    treasury_reference: str | None
    created_at: datetime
    confirmed_by: str | None
    confirmed_at: datetime | None


@dataclass(frozen=True)
class BatchView:
    id: int
    payroll_id: int
    provider_code: str
    method: str
    reference: str
    line_count: int
    total: int
    status: str
    created_at: datetime


@dataclass(frozen=True)
class ProviderDeposit:
    provider_code: str
    funded: int  # confirmed funding orders
    deposit: int  # the provider's deposit account in the ledger (funded − paid − returned)


@dataclass(frozen=True)
class LedgerView:
    province_code: str
    balances: dict[str, int]  # debit − credit per account
    unbalanced_entries: list[int]  # always empty unless someone edited the tables
    providers: list[ProviderDeposit]


def is_late(status: str, due_on: date, today: date) -> bool:
    """Not approved by its due day (the 25th of the month before the period)."""
    return status in LATE_STATUSES and today > due_on


def payroll_view(run: PayrollRun, today: date) -> PayrollView:
    return PayrollView(
        id=run.id,
        period=run.period,
        province_code=run.province_code,
        program=run.program,
        communes=list(run.communes) if run.communes is not None else None,
        status=run.status,
        due_on=run.due_on,
        late=is_late(run.status, run.due_on, today),
        rules_version=run.rules_version,
        line_count=run.line_count,
        total=run.total,
        totals={str(k): int(v) for k, v in (run.totals or {}).items()},
        diff=dict(run.diff or {}),
        computed_by=run.computed_by,
        computed_at=run.computed_at,
        reviewed_by=run.reviewed_by,
        reviewed_at=run.reviewed_at,
        approved_by=run.approved_by,
        approved_at=run.approved_at,
        funded_at=run.funded_at,
        cancelled_by=run.cancelled_by,
        cancelled_at=run.cancelled_at,
        cancel_reason=run.cancel_reason,
    )


def payroll_not_found(payroll_id: int) -> NotFound:
    return NotFound(
        f"Không tìm thấy danh sách chi trả {payroll_id}", f"payroll {payroll_id} not found", field="payroll_id"
    )


def run_in_area(uow: UnitOfWork, *, area: Area, payroll_id: int, for_update: bool = False) -> PayrollRun:
    """The payroll if it lies in the area; ``for_update`` locks its row (PostgreSQL) so transitions serialise."""
    query = select(PayrollRun).where(PayrollRun.id == payroll_id, area_clause(area, PayrollRun.province_code, None))
    if for_update:
        query = query.with_for_update()
    run = uow.session.scalars(query).one_or_none()
    if run is None:
        raise payroll_not_found(payroll_id)
    return run


def get_payroll(uow: UnitOfWork, *, area: Area, payroll_id: int) -> PayrollView:
    return payroll_view(run_in_area(uow, area=area, payroll_id=payroll_id), uow.clock.today())


def _period(text: str) -> Period:
    try:
        return Period.parse(text)
    except ValueError:
        raise ValidationFailed(
            f"Kỳ {text!r} không hợp lệ (YYYY-MM)", f"the period {text!r} is not valid (YYYY-MM)", field="period"
        ) from None


def list_payrolls(
    uow: UnitOfWork,
    *,
    area: Area,
    period: str | None = None,
    status: str | None = None,
    late: bool | None = None,
    program: str | None = None,
    province_code: str | None = None,
    before: int | None = None,
    limit: int = 100,
) -> list[PayrollView]:
    """Payrolls in the area, newest first; ``before`` pages on by id, ``late`` keeps only (or drops) late ones."""
    if status is not None and status not in PAYROLL_STATUSES:
        raise ValidationFailed(
            f"Trạng thái {status!r} không hợp lệ; chọn một trong {', '.join(PAYROLL_STATUSES)}",
            f"unknown status {status!r}; choose one of {', '.join(PAYROLL_STATUSES)}",
            field="status",
        )
    today = uow.clock.today()
    query = select(PayrollRun).where(area_clause(area, PayrollRun.province_code, None))
    if period is not None:
        query = query.where(PayrollRun.period_index == _period(period).index)
    if status is not None:
        query = query.where(PayrollRun.status == status)
    if program is not None:
        query = query.where(PayrollRun.program == program)
    if province_code is not None:
        query = query.where(PayrollRun.province_code == province_code)
    if late is not None:
        overdue = and_(PayrollRun.status.in_(LATE_STATUSES), PayrollRun.due_on < today)
        query = query.where(overdue if late else ~overdue)
    if before is not None:
        query = query.where(PayrollRun.id < before)
    query = query.order_by(PayrollRun.id.desc()).limit(max(1, min(limit, MAX_LIMIT)))
    return [payroll_view(run, today) for run in uow.session.scalars(query)]


def _line_query(area: Area) -> Any:
    payee = aliased(Person)
    return (
        select(PayrollLine, Beneficiary.code, payee.full_name)
        .join(Beneficiary, Beneficiary.id == PayrollLine.beneficiary_id)
        .outerjoin(payee, payee.id == PayrollLine.payee_person_id)
        .where(area_clause(area, PayrollLine.province_code, PayrollLine.commune_code))
    )


def _line_view(line: PayrollLine, code: str, payee_name: str | None) -> LineView:
    return LineView(
        id=line.id,
        payroll_id=line.payroll_id,
        beneficiary_code=code,
        commune_code=line.commune_code,
        kind=line.kind,
        active=line.active,
        monthly=line.monthly,
        arrears=line.arrears,
        one_time=line.one_time,
        funeral=line.funeral,
        carry_over=line.carry_over,
        total=line.total,
        holdings=line.holdings,
        payee_name=payee_name,
        payee_role=line.payee_role,
        method=line.method,
        provider_code=line.provider_code,
        bank_bin=line.bank_bin,
        account_number=mask(line.account_number),
        batch_id=line.batch_id,
        idempotency_key=line.idempotency_key,
        delivery_status=line.delivery_status,
        carried_into=line.carried_into,
    )


def list_lines(
    uow: UnitOfWork,
    *,
    area: Area,
    payroll_id: int,
    after: int | None = None,
    limit: int = 100,
    commune: str | None = None,
) -> list[LineView]:
    """A page of the payroll's lines in id order (keyset: ``after`` the last id seen)."""
    run_in_area(uow, area=area, payroll_id=payroll_id)
    query = _line_query(area).where(PayrollLine.payroll_id == payroll_id)
    if commune is not None:
        query = query.where(PayrollLine.commune_code == commune)
    if after is not None:
        query = query.where(PayrollLine.id > after)
    query = query.order_by(PayrollLine.id).limit(max(1, min(limit, MAX_LIMIT)))
    return [_line_view(line, code, name) for line, code, name in uow.session.execute(query)]


def _month(index: int | None) -> str | None:
    return str(Period.from_index(index)) if index is not None else None


def get_line(uow: UnitOfWork, *, area: Area, payroll_id: int, line_id: int) -> LineDetail:
    """One line with the items that explain its components (arrears by run of months, decisions, carried lines)."""
    run_in_area(uow, area=area, payroll_id=payroll_id)
    row = uow.session.execute(
        _line_query(area).where(PayrollLine.payroll_id == payroll_id, PayrollLine.id == line_id)
    ).one_or_none()
    if row is None:
        raise NotFound(f"Không tìm thấy dòng {line_id}", f"payroll line {line_id} not found", field="line_id")
    items = uow.session.scalars(select(LineItem).where(LineItem.line_id == line_id).order_by(LineItem.id))
    return LineDetail(
        line=_line_view(row[0], row[1], row[2]),
        items=[
            ItemView(
                id=item.id,
                component=item.component,
                first_month=_month(item.first_month),
                last_month=_month(item.last_month),
                per_month=item.per_month,
                amount=item.amount,
                decision_id=item.decision_id,
                source_line_id=item.source_line_id,
            )
            for item in items
        ],
    )


def funding_order_view(order: FundingOrder) -> FundingOrderView:
    return FundingOrderView(
        id=order.id,
        payroll_id=order.payroll_id,
        province_code=order.province_code,
        provider_code=order.provider_code,
        amount=order.amount,
        status=order.status,
        treasury_reference=order.treasury_reference,
        created_at=order.created_at,
        confirmed_by=order.confirmed_by,
        confirmed_at=order.confirmed_at,
    )


def funding_orders(uow: UnitOfWork, *, area: Area, payroll_id: int) -> list[FundingOrderView]:
    run_in_area(uow, area=area, payroll_id=payroll_id)
    orders = uow.session.scalars(
        select(FundingOrder).where(FundingOrder.payroll_id == payroll_id).order_by(FundingOrder.provider_code)
    )
    return [funding_order_view(order) for order in orders]


def batches(uow: UnitOfWork, *, area: Area, payroll_id: int) -> list[BatchView]:
    run_in_area(uow, area=area, payroll_id=payroll_id)
    rows = uow.session.scalars(select(Batch).where(Batch.payroll_id == payroll_id).order_by(Batch.reference))
    return [
        BatchView(
            id=batch.id,
            payroll_id=batch.payroll_id,
            provider_code=batch.provider_code,
            method=batch.method,
            reference=batch.reference,
            line_count=batch.line_count,
            total=batch.total,
            status=batch.status,
            created_at=batch.created_at,
        )
        for batch in rows
    ]


def ledger_balances(uow: UnitOfWork, *, area: Area, province_code: str) -> LedgerView:
    """The province's accounts, any unbalanced entry, and each provider's deposit beside what was funded."""
    if not area.covers_province(province_code):
        raise NotFound(
            f"Không tìm thấy sổ cái của tỉnh {province_code}",
            f"no ledger for province {province_code}",
            field="province",
        )
    session = uow.session
    balances = ledger.balances(session, province_code=province_code)
    funded: dict[str, int] = {}
    for provider, amount in session.execute(
        select(FundingOrder.provider_code, FundingOrder.amount).where(
            FundingOrder.province_code == province_code, FundingOrder.status == "confirmed"
        )
    ):
        funded[provider] = funded.get(provider, 0) + int(amount)
    prefix = f"{ledger.Account.PROVIDER_DEPOSIT}:"
    providers = sorted(funded.keys() | {name.removeprefix(prefix) for name in balances if name.startswith(prefix)})
    return LedgerView(
        province_code=province_code,
        balances=dict(sorted(balances.items())),
        unbalanced_entries=ledger.unbalanced_entries(session, province_code=province_code),
        providers=[
            ProviderDeposit(
                provider_code=code,
                funded=funded.get(code, 0),
                deposit=balances.get(ledger.account(ledger.Account.PROVIDER_DEPOSIT, code), 0),
            )
            for code in providers
        ],
    )
