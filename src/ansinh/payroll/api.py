"""/api/v1/payrolls — run, review, approve, cancel, fund; lines, funding orders, batches, ledger. Thin over services."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field

from ansinh.access.domain import Permission, Principal
from ansinh.core.errors import ValidationFailed
from ansinh.core.period import Period
from ansinh.core.uow import UnitOfWork
from ansinh.payroll import lifecycle, views
from ansinh.registry.importing import Program
from ansinh.web.schemas import ERRORS, INVALID, NOT_FOUND
from ansinh.web.security import current_principal, requires, unit_of_work

router = APIRouter(prefix="/api/v1/payrolls", tags=["payroll"], responses={**ERRORS, **NOT_FOUND, **INVALID})
UoW = Annotated[UnitOfWork, Depends(unit_of_work)]
Me = Annotated[Principal, Depends(current_principal)]
MAX_ID = 2**63 - 1  # the databases' bigint: a larger id cannot exist
PayrollId = Annotated[int, Path(ge=1, le=MAX_ID)]
MONTH = r"^\d{4}-\d{2}$"
PROVINCE = r"^\d{2}$"
COMMUNE = r"^\d{5}$"
Status = Literal["draft", "reviewed", "approved", "funded", "cancelled"]


def _period(text: str) -> Period:
    try:
        return Period.parse(text)
    except ValueError:
        raise ValidationFailed(
            f"Kỳ chi trả {text!r} không hợp lệ (YYYY-MM)", f"the period {text!r} is not valid (YYYY-MM)", field="period"
        ) from None


class RunIn(BaseModel):
    period: str = Field(pattern=MONTH, description="Tháng chi trả YYYY-MM / the month paid")
    province_code: str = Field(pattern=PROVINCE, description="Mã tỉnh / province code")
    program: Program = Field(default=Program.SOCIAL_ASSISTANCE, description="Chương trình / program")
    communes: list[Annotated[str, Field(pattern=COMMUNE)]] | None = Field(
        default=None, max_length=200, description="Chỉ các xã này (mặc định: cả tỉnh) / only these communes"
    )


class CancelIn(BaseModel):
    reason: str | None = Field(
        default=None, max_length=500, description="Lý do (bắt buộc khi đã phê duyệt) / why (required once approved)"
    )


class ConfirmIn(BaseModel):
    treasury_reference: str = Field(
        min_length=1, max_length=64, description="Số chứng từ của Kho bạc / the treasury's reference"
    )


class PayrollOut(BaseModel):
    id: int
    period: str
    province_code: str
    program: str
    communes: list[str] | None
    status: str
    due_on: date
    late: bool = Field(description="Chưa phê duyệt khi đã quá hạn ngày 25 / not approved by the 25th")
    rules_version: int
    line_count: int
    total: int
    totals: dict[str, int]
    diff: dict[str, Any] = Field(description="So với kỳ trước: tăng, giảm, thay đổi / against the previous period")
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

    @classmethod
    def of(cls, view: views.PayrollView) -> PayrollOut:
        return cls(**view.__dict__)


class LineOut(BaseModel):
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
    account_number: str | None = Field(description="Che bớt / masked")
    batch_id: int | None
    idempotency_key: str | None
    delivery_status: str
    carried_into: int | None

    @classmethod
    def of(cls, view: views.LineView) -> LineOut:
        return cls(**view.__dict__)


class ItemOut(BaseModel):
    id: int
    component: str
    first_month: str | None
    last_month: str | None
    per_month: int | None
    amount: int
    decision_id: int | None
    source_line_id: int | None


class LineDetailOut(LineOut):
    items: list[ItemOut]

    @classmethod
    def detail(cls, view: views.LineDetail) -> LineDetailOut:
        return cls(**view.line.__dict__, items=[ItemOut(**item.__dict__) for item in view.items])


class FundingOrderOut(BaseModel):
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

    @classmethod
    def of(cls, view: views.FundingOrderView) -> FundingOrderOut:
        return cls(**view.__dict__)


class BatchOut(BaseModel):
    id: int
    payroll_id: int
    provider_code: str
    method: str
    reference: str
    line_count: int
    total: int
    status: str
    created_at: datetime

    @classmethod
    def of(cls, view: views.BatchView) -> BatchOut:
        return cls(**view.__dict__)


class ProviderDepositOut(BaseModel):
    provider_code: str
    funded: int
    deposit: int


class LedgerOut(BaseModel):
    province_code: str
    balances: dict[str, int] = Field(description="Nợ − Có theo tài khoản / debit − credit per account")
    unbalanced_entries: list[int]
    providers: list[ProviderDepositOut]


# Fixed paths first: "/ledger" must not be read as a payroll id.
@router.get("/ledger", response_model=LedgerOut)
@requires(Permission.PAYROLL_READ)
def ledger(
    uow: UoW, principal: Me, province: Annotated[str, Query(pattern=PROVINCE, description="Mã tỉnh / province")]
) -> LedgerOut:
    """Số dư sổ cái của tỉnh / the province's ledger balances, and each provider's deposit beside what was funded."""
    view = views.ledger_balances(uow, area=principal.area, province_code=province)
    return LedgerOut(
        province_code=view.province_code,
        balances=view.balances,
        unbalanced_entries=view.unbalanced_entries,
        providers=[ProviderDepositOut(**p.__dict__) for p in view.providers],
    )


@router.post("/funding-orders/{order_id}/confirm", response_model=FundingOrderOut)
@requires(Permission.FUNDING_MANAGE)
def confirm_funding(
    order_id: Annotated[int, Path(ge=1, le=MAX_ID)], body: ConfirmIn, uow: UoW, principal: Me
) -> FundingOrderOut:
    """Ghi nhận Kho bạc đã chuyển kinh phí / record the treasury's transfer to the provider (posted to the ledger)."""
    view = lifecycle.confirm_funding(
        uow, principal=principal, order_id=order_id, treasury_reference=body.treasury_reference
    )
    uow.commit()
    return FundingOrderOut.of(view)


@router.post("", response_model=PayrollOut, status_code=201)
@requires(Permission.PAYROLL_PREPARE)
def run(body: RunIn, uow: UoW, principal: Me) -> PayrollOut:
    """Lập (hoặc lập lại) danh sách chi trả dự thảo / compute (or re-compute) a draft payroll."""
    from ansinh.payroll import engine

    payroll_id = engine.run_payroll(
        uow,
        principal=principal,
        period=_period(body.period),
        province_code=body.province_code,
        program=body.program.value,
        communes=body.communes,
    )
    uow.commit()
    return PayrollOut.of(views.get_payroll(uow, area=principal.area, payroll_id=payroll_id))


@router.get("", response_model=list[PayrollOut])
@requires(Permission.PAYROLL_READ)
def list_payrolls(
    *,
    uow: UoW,
    principal: Me,
    period: Annotated[str | None, Query(pattern=MONTH, description="Kỳ YYYY-MM / period")] = None,
    status: Status | None = None,
    late: Annotated[bool | None, Query(description="Chỉ danh sách trễ hạn / only late ones")] = None,
    program: Program | None = None,
    before: Annotated[int | None, Query(ge=1, le=MAX_ID, description="Trước mã / before this id")] = None,
    limit: Annotated[int, Query(ge=1, le=views.MAX_LIMIT)] = 100,
) -> list[PayrollOut]:
    """Danh sách chi trả trong địa bàn, mới nhất trước / payrolls in your area, newest first."""
    found = views.list_payrolls(
        uow,
        area=principal.area,
        period=period,
        status=status,
        late=late,
        program=program.value if program else None,
        before=before,
        limit=limit,
    )
    return [PayrollOut.of(v) for v in found]


@router.get("/{payroll_id}", response_model=PayrollOut)
@requires(Permission.PAYROLL_READ)
def get_payroll(payroll_id: PayrollId, uow: UoW, principal: Me) -> PayrollOut:
    """Một danh sách chi trả, với so sánh kỳ trước / one payroll, with its diff against the previous period."""
    return PayrollOut.of(views.get_payroll(uow, area=principal.area, payroll_id=payroll_id))


@router.get("/{payroll_id}/lines", response_model=list[LineOut])
@requires(Permission.PAYROLL_READ)
def list_lines(
    *,
    payroll_id: PayrollId,
    uow: UoW,
    principal: Me,
    after: Annotated[int | None, Query(ge=0, le=MAX_ID, description="Sau dòng / after this line id")] = None,
    limit: Annotated[int, Query(ge=1, le=views.MAX_LIMIT)] = 100,
    commune: Annotated[str | None, Query(pattern=COMMUNE, description="Mã xã / commune")] = None,
) -> list[LineOut]:
    """Các dòng của danh sách theo thứ tự / the payroll's lines in order (keyset: after the last id seen)."""
    lines = views.list_lines(uow, area=principal.area, payroll_id=payroll_id, after=after, limit=limit, commune=commune)
    return [LineOut.of(line) for line in lines]


@router.get("/{payroll_id}/lines/{line_id}", response_model=LineDetailOut)
@requires(Permission.PAYROLL_READ)
def get_line(
    payroll_id: PayrollId, line_id: Annotated[int, Path(ge=1, le=MAX_ID)], uow: UoW, principal: Me
) -> LineDetailOut:
    """Một dòng và cách tính các khoản / one line and how its components were made."""
    return LineDetailOut.detail(views.get_line(uow, area=principal.area, payroll_id=payroll_id, line_id=line_id))


@router.post("/{payroll_id}/review", response_model=PayrollOut)
@requires(Permission.PAYROLL_PREPARE)
def review(payroll_id: PayrollId, uow: UoW, principal: Me) -> PayrollOut:
    """Đánh dấu đã rà soát / mark as reviewed (the maker has read the diff)."""
    view = lifecycle.mark_reviewed(uow, principal=principal, payroll_id=payroll_id)
    uow.commit()
    return PayrollOut.of(view)


@router.post("/{payroll_id}/approve", response_model=PayrollOut)
@requires(Permission.PAYROLL_APPROVE)
def approve(payroll_id: PayrollId, uow: UoW, principal: Me) -> PayrollOut:
    """Phê duyệt (người khác người lập): khóa danh sách, tạo lô và lệnh cấp kinh phí / approve (not the maker)."""
    view = lifecycle.approve(uow, principal=principal, payroll_id=payroll_id)
    uow.commit()
    return PayrollOut.of(view)


# The maker may cancel a draft and the checker any payroll: the gate lets readers through, the service decides.
@router.post("/{payroll_id}/cancel", response_model=PayrollOut)
@requires(Permission.PAYROLL_READ)
def cancel(payroll_id: PayrollId, body: CancelIn, uow: UoW, principal: Me) -> PayrollOut:
    """Hủy cả danh sách, nêu lý do / cancel the whole payroll, saying why (required once approved)."""
    view = lifecycle.cancel(uow, principal=principal, payroll_id=payroll_id, reason=body.reason)
    uow.commit()
    return PayrollOut.of(view)


@router.get("/{payroll_id}/funding-orders", response_model=list[FundingOrderOut])
@requires(Permission.PAYROLL_READ)
def funding_orders(payroll_id: PayrollId, uow: UoW, principal: Me) -> list[FundingOrderOut]:
    """Lệnh cấp kinh phí theo tổ chức chi trả / funding orders, one per provider."""
    return [FundingOrderOut.of(o) for o in views.funding_orders(uow, area=principal.area, payroll_id=payroll_id)]


@router.get("/{payroll_id}/batches", response_model=list[BatchOut])
@requires(Permission.PAYROLL_READ)
def batches(payroll_id: PayrollId, uow: UoW, principal: Me) -> list[BatchOut]:
    """Lô chi trả theo tổ chức và hình thức / payment batches, one per provider and method."""
    return [BatchOut.of(b) for b in views.batches(uow, area=principal.area, payroll_id=payroll_id)]
