"""/api/v1/registry — verification against the national population database, one person or a whole commune."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, Field

from ansinh.access.domain import Permission, Principal
from ansinh.core import jobs
from ansinh.core.uow import UnitOfWork
from ansinh.registry import verification
from ansinh.registry.domain import VerificationOutcome
from ansinh.web.jobs import JobOut
from ansinh.web.schemas import ERRORS, INVALID, NOT_FOUND, ErrorOut
from ansinh.web.security import current_principal, requires, unit_of_work

router = APIRouter(prefix="/api/v1", tags=["registry"])
UoW = Annotated[UnitOfWork, Depends(unit_of_work)]
Me = Annotated[Principal, Depends(current_principal)]
PersonId = Annotated[int, Path(ge=1, le=2**63 - 1, description="Số người trong sổ / person id")]
UNAVAILABLE: dict[int | str, dict[str, object]] = {
    503: {"model": ErrorOut, "description": "Chưa cấu hình CSDL dân cư / population database not configured"}
}


def population_registry(request: Request) -> Iterator[verification.PopulationRegistry]:
    """The adapter configured by ANSINH_POPULATION_URL (tests override this dependency)."""
    with verification.registry_from_settings(request.app.state.settings) as registry:
        yield registry


def population_configured(request: Request) -> None:
    """Refuse to queue work that no worker could do (checked again by the worker, whose settings may differ)."""
    verification.require_configured(request.app.state.settings)


Registry = Annotated[verification.PopulationRegistry, Depends(population_registry)]


class VerificationOut(BaseModel):
    id: int
    person_id: int
    outcome: VerificationOutcome
    registry_full_name: str | None
    registry_date_of_birth: date | None
    registry_date_of_death: date | None
    reason: str | None = Field(description="Lý do không có câu trả lời / why the service gave no answer")
    proposed_decision_ids: list[int] = Field(
        description="Dự thảo quyết định thôi hưởng, mai táng phí / drafts proposed after a reported death"
    )
    job_id: int | None
    checked_by: str
    checked_at: datetime

    @classmethod
    def of(cls, view: verification.VerificationView) -> VerificationOut:
        return cls.model_validate(view, from_attributes=True)


class BulkIn(BaseModel):
    commune_code: str = Field(min_length=1, max_length=5, description="Mã xã / commune code, e.g. 31135")


@router.post(
    "/registry/persons/{person_id}/verify",
    response_model=VerificationOut,
    responses={**ERRORS, **NOT_FOUND, **UNAVAILABLE},
)
@requires(Permission.REGISTRY_WRITE)
def verify_person(person_id: PersonId, uow: UoW, principal: Me, registry: Registry) -> VerificationOut:
    """Xác thực một người với CSDL quốc gia về dân cư / verify one person against the population database.

    A service that does not answer gives the outcome ``unavailable`` and leaves the person's status as it was.
    """
    view = verification.verify_person(uow, area=principal.area, person_id=person_id, registry=registry)
    uow.commit()
    return VerificationOut.of(view)


@router.get(
    "/registry/persons/{person_id}/verifications",
    response_model=list[VerificationOut],
    responses={**ERRORS, **NOT_FOUND},
)
@requires(Permission.REGISTRY_READ)
def list_verifications(
    person_id: PersonId, uow: UoW, principal: Me, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> list[VerificationOut]:
    """Các lần xác thực của một người, mới nhất trước / a person's verifications, newest first."""
    views = verification.list_verifications(uow, area=principal.area, person_id=person_id, limit=limit)
    return [VerificationOut.of(view) for view in views]


@router.post(
    "/registry/verifications/bulk",
    response_model=JobOut,
    status_code=202,
    responses={**ERRORS, **NOT_FOUND, **INVALID, **UNAVAILABLE},
    dependencies=[Depends(population_configured)],
)
@requires(Permission.REGISTRY_WRITE)
def start_bulk(body: BulkIn, uow: UoW, principal: Me, response: Response) -> JobOut:
    """Xác thực cả xã trong nền / verify a whole commune in the background; follow it at /api/v1/jobs/{id}."""
    job_id = verification.start_bulk_verification(uow, area=principal.area, commune_code=body.commune_code)
    uow.commit()
    response.headers["Location"] = f"/api/v1/jobs/{job_id}"
    return JobOut.of(jobs.JobView.of(jobs.get(uow.session, job_id)))
