"""Pages: the administrative-unit browser."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from ansinh.access.domain import Permission
from ansinh.core.uow import UnitOfWork
from ansinh.geo import services
from ansinh.web.security import requires, unit_of_work
from ansinh.web.templating import render

router = APIRouter(prefix="/geo", tags=["pages"])
UoW = Annotated[UnitOfWork, Depends(unit_of_work)]


@router.get("", response_class=HTMLResponse)
@requires(Permission.GEO_READ)
def index(request: Request, uow: UoW, q: Annotated[str, Query(max_length=100)] = "") -> HTMLResponse:
    results = services.search(uow, q, legacy=True, limit=100) if q.strip() else None
    return render(request, "geo/index.html", q=q, results=results, provinces=services.list_provinces(uow))


@router.get("/provinces/{code}", response_class=HTMLResponse)
@requires(Permission.GEO_READ)
def province(request: Request, code: str, uow: UoW) -> HTMLResponse:
    unit = services.get_province(uow, code)
    return render(
        request,
        "geo/province.html",
        province=unit,
        communes=services.communes_of(uow, unit.code),
        legacy=services.legacy_sources_of_province(uow, unit.code),
    )


@router.get("/communes/{code}", response_class=HTMLResponse)
@requires(Permission.GEO_READ)
def commune(request: Request, code: str, uow: UoW) -> HTMLResponse:
    unit = services.get_commune(uow, code)
    return render(request, "geo/commune.html", commune=unit, legacy=services.legacy_sources_of_commune(uow, unit.code))


@router.get("/legacy/wards/{code}", response_class=HTMLResponse)
@requires(Permission.GEO_READ)
def legacy_ward(request: Request, code: str, uow: UoW) -> HTMLResponse:
    return render(request, "geo/legacy_ward.html", view=services.get_legacy_ward(uow, code))
