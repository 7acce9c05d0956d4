"""/api/v1/decisions and the beneficiary timeline — thin: every rule lives in the services."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field

from ansinh.access.domain import Permission, Principal
from ansinh.core.errors import ValidationFailed
from ansinh.core.period import Period
from ansinh.core.uow import UnitOfWork
from ansinh.decisions import services
from ansinh.decisions.domain import DecisionKind, DecisionStatus, FuneralCause
from ansinh.registry.importing import Program
from ansinh.web.schemas import ERRORS, INVALID, NOT_FOUND
from ansinh.web.security import current_principal, requires, unit_of_work

router = APIRouter(prefix="/api/v1", tags=["decisions"], responses={**ERRORS, **NOT_FOUND, **INVALID})
UoW = Annotated[UnitOfWork, Depends(unit_of_work)]
Me = Annotated[Principal, Depends(current_principal)]
MAX_ID = 2**63 - 1  # the databases' bigint: a larger id cannot exist
DecisionId = Annotated[int, Path(ge=1, le=MAX_ID)]
MONTH = r"^\d{4}-\d{2}$"


def _month(text: str | None) -> Period | None:
    if text is None:
        return None
    try:
        return Period.parse(text)
    except ValueError:
        raise ValidationFailed(
            f"Tháng hiệu lực {text!r} không hợp lệ (YYYY-MM)",
            f"the effective month {text!r} is not valid (YYYY-MM)",
            field="effective_from",
        ) from None


class CategoryIn(BaseModel):
    code: str = Field(max_length=80)
    units: int = Field(default=1, ge=1, le=50, description="Số người được nuôi, chăm sóc / persons raised or cared for")
    injury_rate: int | None = Field(default=None, ge=0, le=100, description="Tỷ lệ tổn thương (%) / injury rate")


class ActIn(BaseModel):
    number: str = Field(max_length=50, description="Số quyết định, ví dụ 123/QĐ-UBND / decision number")
    signed_on: date = Field(description="Ngày ký / signing date")
    signer: str = Field(max_length=200, description="Người ký / signer")
    effective_from: str | None = Field(
        default=None, pattern=MONTH, description="Tháng hiệu lực YYYY-MM (mặc định: tháng ký) / effective month"
    )


class EnrolmentIn(ActIn):
    person_id: int = Field(ge=1, le=MAX_ID)
    program: Program
    commune_code: str | None = Field(default=None, max_length=5, description="Mặc định: xã của người / default")
    legal_basis: str = Field(max_length=500, description="Căn cứ pháp lý / legal basis")
    categories: list[CategoryIn] = Field(min_length=1, max_length=20)
    note: str | None = Field(default=None, max_length=500)


class DecisionIn(ActIn):
    beneficiary_code: str = Field(max_length=24)
    kind: DecisionKind
    legal_basis: str = Field(max_length=500)
    details: dict[str, Any] = Field(
        default_factory=dict, description="Nội dung quyết định theo loại / what the act says, by kind"
    )


class SubmitIn(ActIn):
    legal_basis: str | None = Field(default=None, max_length=500)
    organiser_person_id: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="Người tổ chức mai táng / funeral organiser"
    )
    cause: FuneralCause | None = None


class RejectIn(BaseModel):
    reason: str = Field(max_length=500, description="Lý do từ chối / why")


class DecisionOut(BaseModel):
    id: int
    beneficiary_code: str
    program: str
    province_code: str
    commune_code: str
    kind: DecisionKind
    status: DecisionStatus
    number: str | None
    signed_on: date | None
    signer: str | None
    effective_from: str | None
    legal_basis: str | None
    details: dict[str, Any]
    source: str
    created_by: str
    created_at: datetime
    submitted_by: str | None
    submitted_at: datetime | None
    reviewed_by: str | None
    reviewed_at: datetime | None
    rejection_reason: str | None
    summary_vi: str
    summary_en: str

    @classmethod
    def of(cls, view: services.DecisionView) -> DecisionOut:
        return cls(**view.__dict__)


class TimelineEntryOut(BaseModel):
    decision_id: int
    kind: DecisionKind
    status: DecisionStatus
    number: str | None
    signed_on: date | None
    effective_from: str | None
    summary_vi: str
    summary_en: str
    source: str
    maker: str | None
    checker: str | None
    rejection_reason: str | None

    @classmethod
    def of(cls, entry: services.TimelineEntry) -> TimelineEntryOut:
        return cls(**entry.__dict__)


@router.post("/decisions/enrolments", response_model=DecisionOut, status_code=201)
@requires(Permission.DECISION_PROPOSE)
def enrol(body: EnrolmentIn, uow: UoW, principal: Me) -> DecisionOut:
    """Đăng ký hưởng: đối tượng chờ duyệt và quyết định hưởng / enrol a person: a pending beneficiary and its grant."""
    view = services.enrol(
        uow,
        area=principal.area,
        person_id=body.person_id,
        program=body.program,
        commune_code=body.commune_code,
        number=body.number,
        signed_on=body.signed_on,
        signer=body.signer,
        effective_from=_month(body.effective_from),
        legal_basis=body.legal_basis,
        categories=[c.model_dump() for c in body.categories],
        note=body.note,
    )
    uow.commit()
    return DecisionOut.of(view)


@router.post("/decisions", response_model=DecisionOut, status_code=201)
@requires(Permission.DECISION_PROPOSE)
def propose(body: DecisionIn, uow: UoW, principal: Me) -> DecisionOut:
    """Nhập một quyết định đã ký, chờ phê duyệt / enter a signed decision for a checker."""
    view = services.propose(
        uow,
        area=principal.area,
        beneficiary_code=body.beneficiary_code,
        kind=body.kind,
        number=body.number,
        signed_on=body.signed_on,
        signer=body.signer,
        effective_from=_month(body.effective_from),
        legal_basis=body.legal_basis,
        details=body.details,
    )
    uow.commit()
    return DecisionOut.of(view)


@router.get("/decisions", response_model=list[DecisionOut])
@requires(Permission.REGISTRY_READ)
def list_decisions(
    *,
    uow: UoW,
    principal: Me,
    status: DecisionStatus | None = None,
    kind: DecisionKind | None = None,
    beneficiary: Annotated[str | None, Query(max_length=24, description="Mã đối tượng / beneficiary code")] = None,
    after: Annotated[int | None, Query(ge=0, le=MAX_ID, description="Sau mã quyết định / after this id")] = None,
    limit: Annotated[int, Query(ge=1, le=services.MAX_LIMIT)] = 50,
) -> list[DecisionOut]:
    """Quyết định trong địa bàn; hàng chờ duyệt: status=submitted / decisions in your area; the queue: submitted."""
    views = services.list_decisions(
        uow,
        area=principal.area,
        status=status,
        kind=kind,
        beneficiary_code=beneficiary,
        after_id=after,
        limit=limit,
    )
    return [DecisionOut.of(v) for v in views]


@router.get("/decisions/{decision_id}", response_model=DecisionOut)
@requires(Permission.REGISTRY_READ)
def get_decision(decision_id: DecisionId, uow: UoW, principal: Me) -> DecisionOut:
    return DecisionOut.of(services.get_decision(uow, area=principal.area, decision_id=decision_id))


@router.post("/decisions/{decision_id}/submit", response_model=DecisionOut)
@requires(Permission.DECISION_PROPOSE)
def submit(decision_id: DecisionId, body: SubmitIn, uow: UoW, principal: Me) -> DecisionOut:
    """Xác nhận một đề xuất của hệ thống; người xác nhận là người lập / confirm a system proposal as its maker."""
    view = services.submit_draft(
        uow,
        area=principal.area,
        decision_id=decision_id,
        number=body.number,
        signed_on=body.signed_on,
        signer=body.signer,
        legal_basis=body.legal_basis,
        effective_from=_month(body.effective_from),
        organiser_person_id=body.organiser_person_id,
        cause=body.cause.value if body.cause else None,
    )
    uow.commit()
    return DecisionOut.of(view)


@router.post("/decisions/{decision_id}/approve", response_model=DecisionOut)
@requires(Permission.DECISION_APPROVE)
def approve(decision_id: DecisionId, uow: UoW, principal: Me) -> DecisionOut:
    """Phê duyệt (người khác người lập) / approve (not the maker): the act applies to the beneficiary."""
    view = services.approve(uow, principal=principal, decision_id=decision_id)
    uow.commit()
    return DecisionOut.of(view)


@router.post("/decisions/{decision_id}/reject", response_model=DecisionOut)
@requires(Permission.DECISION_APPROVE)
def reject(decision_id: DecisionId, body: RejectIn, uow: UoW, principal: Me) -> DecisionOut:
    """Từ chối, nêu lý do / reject, saying why."""
    view = services.reject(uow, principal=principal, decision_id=decision_id, reason=body.reason)
    uow.commit()
    return DecisionOut.of(view)


@router.get("/registry/beneficiaries/{beneficiary_code}/timeline", response_model=list[TimelineEntryOut])
@requires(Permission.REGISTRY_READ)
def timeline(beneficiary_code: Annotated[str, Path(max_length=24)], uow: UoW, principal: Me) -> list[TimelineEntryOut]:
    """Diễn biến hưởng của một đối tượng / a beneficiary's decisions in order."""
    entries = services.timeline(uow, area=principal.area, beneficiary_code=beneficiary_code)
    return [TimelineEntryOut.of(e) for e in entries]
