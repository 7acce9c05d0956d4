"""/api/v1/auth, /api/v1/me, /api/v1/users — bearer tokens and user administration."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field

from ansinh.access import services
from ansinh.access.domain import ROLE_LABELS, Permission, Principal, Role
from ansinh.core.uow import UnitOfWork
from ansinh.web.schemas import ERRORS, INVALID, NOT_FOUND, ErrorOut
from ansinh.web.security import bearer_token, current_principal, password_login, public, requires, unit_of_work

router = APIRouter(prefix="/api/v1", tags=["access"])
UoW = Annotated[UnitOfWork, Depends(unit_of_work)]
Me = Annotated[Principal, Depends(current_principal)]


class TokenIn(BaseModel):
    username: str = Field(max_length=64)
    password: str = Field(max_length=200)


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_at: datetime


class MeOut(BaseModel):
    username: str
    full_name: str
    role: Role
    role_label: str
    province_code: str | None
    commune_codes: list[str]


class UserIn(BaseModel):
    username: str = Field(max_length=64)
    full_name: str = Field(max_length=200)
    password: str = Field(max_length=200)
    role: Role
    province_code: str | None = Field(default=None, max_length=3)
    commune_codes: list[str] = Field(default_factory=list, max_length=500)


class UserOut(BaseModel):
    username: str
    full_name: str
    role: Role
    province_code: str | None
    commune_codes: list[str]
    disabled: bool
    locked: bool

    @classmethod
    def of(cls, view: services.UserView) -> UserOut:
        return cls(**view.__dict__)


@router.post("/auth/token", response_model=TokenOut, responses={401: {"model": ErrorOut}}, tags=["auth"])
@public
def issue_token(body: TokenIn, request: Request) -> TokenOut:
    """Exchange a user name and password for a bearer token (send it as ``Authorization: Bearer …``)."""
    issued = password_login(request, username=body.username, password=body.password, kind="api")
    if issued is None:
        raise services.login_failed()
    return TokenOut(access_token=issued.secret, expires_at=issued.expires_at)


@router.delete("/auth/token", status_code=204, responses=ERRORS, tags=["auth"])
@requires(Permission.HOME)
def revoke_token(request: Request, uow: UoW) -> Response:
    """Log this token out."""
    token = bearer_token(request)
    if token is not None:
        services.revoke_token(uow, secret=token)
        uow.commit()
    return Response(status_code=204)


@router.get("/me", response_model=MeOut, responses=ERRORS)
@requires(Permission.HOME)
def me(principal: Me) -> MeOut:
    return MeOut(
        username=principal.username,
        full_name=principal.full_name,
        role=principal.role,
        role_label=ROLE_LABELS[principal.role][0],
        province_code=principal.area.province_code,
        commune_codes=sorted(principal.area.commune_codes),
    )


@router.get("/users", response_model=list[UserOut], responses=ERRORS)
@requires(Permission.USER_READ)
def list_users(uow: UoW) -> list[UserOut]:
    return [UserOut.of(v) for v in services.list_users(uow)]


@router.post("/users", response_model=UserOut, status_code=201, responses={**ERRORS, **INVALID, **NOT_FOUND})
@requires(Permission.USER_MANAGE)
def create_user(body: UserIn, uow: UoW, principal: Me) -> UserOut:
    view = services.create_user(
        uow,
        username=body.username,
        full_name=body.full_name,
        password=body.password,
        role=body.role,
        province_code=body.province_code,
        commune_codes=body.commune_codes,
        actor_area=principal.area,
    )
    uow.commit()
    return UserOut.of(view)


@router.post("/users/{username}/disable", response_model=UserOut, responses={**ERRORS, **NOT_FOUND})
@requires(Permission.USER_MANAGE)
def disable_user(username: str, uow: UoW, principal: Me) -> UserOut:
    view = services.disable_user(uow, username=username, actor_area=principal.area)
    uow.commit()
    return UserOut.of(view)
