"""/api/v1/jobs — the progress of a background job (bulk verification and the like)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel

from ansinh.access.domain import Permission, Principal
from ansinh.core import jobs
from ansinh.core.uow import UnitOfWork
from ansinh.web.schemas import ERRORS, NOT_FOUND
from ansinh.web.security import current_principal, requires, unit_of_work

router = APIRouter(prefix="/api/v1", tags=["jobs"])
UoW = Annotated[UnitOfWork, Depends(unit_of_work)]
Me = Annotated[Principal, Depends(current_principal)]
JobId = Annotated[int, Path(ge=1, le=2**63 - 1, description="Số công việc / job id")]


class JobOut(BaseModel):
    id: int
    kind: str
    status: str  # queued | running | done | failed
    done: int
    total: int
    percent: int
    result: dict[str, Any]
    error: str | None
    created_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def of(cls, view: jobs.JobView) -> JobOut:
        return cls(
            id=view.id,
            kind=view.kind,
            status=view.status,
            done=view.done,
            total=view.total,
            percent=view.percent,
            result=view.result,
            error=view.error,
            created_by=view.created_by,
            created_at=view.created_at,
            started_at=view.started_at,
            finished_at=view.finished_at,
        )


@router.get("/jobs/{job_id}", response_model=JobOut, responses={**ERRORS, **NOT_FOUND})
@requires(Permission.REGISTRY_READ)
def get_job(job_id: JobId, uow: UoW, principal: Me) -> JobOut:
    """Trạng thái và tiến độ một công việc nền / a background job's status and progress.

    Only jobs of the caller's province, or started by the caller, are visible; any other answers 404.
    """
    view = jobs.get_visible(
        uow.session, job_id, province_code=principal.area.province_code, username=principal.username
    )
    return JobOut.of(view)
