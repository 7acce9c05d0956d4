"""/api/v1/geo — administrative units (read-only reference data)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from ansinh.access.domain import Permission
from ansinh.core.uow import UnitOfWork
from ansinh.geo import services
from ansinh.geo.domain import Unit
from ansinh.web.schemas import ERRORS, NOT_FOUND
from ansinh.web.security import requires, unit_of_work

router = APIRouter(prefix="/api/v1/geo", tags=["geo"], responses=ERRORS)
UoW = Annotated[UnitOfWork, Depends(unit_of_work)]


class UnitOut(BaseModel):
    kind: str
    code: str
    name: str
    division_type: str
    province_code: str | None = None
    province_name: str | None = None
    district_code: str | None = None
    district_name: str | None = None

    @classmethod
    def of(cls, unit: Unit) -> UnitOut:
        return cls(**unit.__dict__)


class LegacyWardOut(BaseModel):
    ward: UnitOut
    current: list[UnitOut]


class LegacyProvinceOut(BaseModel):
    province: UnitOut
    current: list[UnitOut]


@router.get("/provinces", response_model=list[UnitOut])
@requires(Permission.GEO_READ)
def list_provinces(uow: UoW) -> list[UnitOut]:
    """The 34 provinces and centrally-run cities (from 1 July 2025)."""
    return [UnitOut.of(u) for u in services.list_provinces(uow)]


@router.get("/provinces/{code}", response_model=UnitOut, responses=NOT_FOUND)
@requires(Permission.GEO_READ)
def get_province(code: str, uow: UoW) -> UnitOut:
    return UnitOut.of(services.get_province(uow, code))


@router.get("/provinces/{code}/communes", response_model=list[UnitOut], responses=NOT_FOUND)
@requires(Permission.GEO_READ)
def list_communes(code: str, uow: UoW) -> list[UnitOut]:
    return [UnitOut.of(u) for u in services.communes_of(uow, code)]


@router.get("/communes/{code}", response_model=UnitOut, responses=NOT_FOUND)
@requires(Permission.GEO_READ)
def get_commune(code: str, uow: UoW) -> UnitOut:
    return UnitOut.of(services.get_commune(uow, code))


@router.get("/search", response_model=list[UnitOut])
@requires(Permission.GEO_READ)
def search(
    uow: UoW,
    q: Annotated[str, Query(max_length=100, description="Tên, có hoặc không dấu / name, diacritics optional")],
    province: Annotated[str | None, Query(max_length=3)] = None,
    legacy: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[UnitOut]:
    """Units whose name contains every word of ``q``, ignoring case and diacritics ("can tho" → Cần Thơ)."""
    return [UnitOut.of(u) for u in services.search(uow, q, province_code=province, legacy=legacy, limit=limit)]


@router.get("/legacy/wards/{code}", response_model=LegacyWardOut, responses=NOT_FOUND)
@requires(Permission.GEO_READ)
def get_legacy_ward(code: str, uow: UoW) -> LegacyWardOut:
    """A commune as it was before 1 July 2025, and the current commune(s) it became part of."""
    view = services.get_legacy_ward(uow, code)
    return LegacyWardOut(ward=UnitOut.of(view.ward), current=[UnitOut.of(u) for u in view.current])


@router.get("/legacy/provinces/{code}", response_model=LegacyProvinceOut, responses=NOT_FOUND)
@requires(Permission.GEO_READ)
def get_legacy_province(code: str, uow: UoW) -> LegacyProvinceOut:
    view = services.get_legacy_province(uow, code)
    return LegacyProvinceOut(province=UnitOut.of(view.province), current=[UnitOut.of(u) for u in view.current])
