"""/api/v1/audit — read the audit log and check its hash chain (auditors and administrators)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from sqlalchemy import select

from ansinh.access.domain import Permission
from ansinh.core import audit
from ansinh.core.uow import UnitOfWork
from ansinh.web.schemas import ERRORS
from ansinh.web.security import requires, unit_of_work

router = APIRouter(prefix="/api/v1/audit", tags=["audit"], responses=ERRORS)
UoW = Annotated[UnitOfWork, Depends(unit_of_work)]


class AuditRecordOut(BaseModel):
    seq: int
    occurred_at: datetime
    actor: str
    action: str
    entity_type: str
    entity_id: str
    province_code: str | None
    detail: str
    hash: str


class AuditProblemOut(BaseModel):
    seq: int
    id: int | None
    kind: str
    message: str
    message_en: str


class VerifyOut(BaseModel):
    ok: bool
    checked: int
    problems: list[AuditProblemOut]


@router.get("", response_model=list[AuditRecordOut])
@requires(Permission.AUDIT_READ)
def list_records(
    uow: UoW,
    after: Annotated[
        int, Query(ge=0, le=2**63 - 1, description="Trả về các bản ghi sau số này / records after this seq")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AuditRecordOut]:
    """Audit records in order, paginated by sequence number."""
    rows = uow.session.scalars(
        select(audit.AuditRecord).where(audit.AuditRecord.seq > after).order_by(audit.AuditRecord.seq).limit(limit)
    )
    return [
        AuditRecordOut(
            seq=r.seq,
            occurred_at=r.occurred_at,
            actor=r.actor,
            action=r.action,
            entity_type=r.entity_type,
            entity_id=r.entity_id,
            province_code=r.province_code,
            detail=r.detail,
            hash=r.hash,
        )
        for r in rows
    ]


@router.get("/verify", response_model=VerifyOut)
@requires(Permission.AUDIT_READ)
def verify(uow: UoW) -> VerifyOut:
    """Recompute the hash chain; every edited, removed or re-linked record is named."""
    return VerifyOut.model_validate(audit.verify(uow.session).as_dict())
