"""/api/v1/registry — persons, beneficiaries (read), relations, likely duplicates. Thin: rules live in services."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field

from ansinh.access.domain import Permission, Principal
from ansinh.core.errors import PermissionDenied, ValidationFailed
from ansinh.core.uow import UnitOfWork
from ansinh.registry import services
from ansinh.registry.domain import BeneficiaryStatus, RelationRole
from ansinh.registry.identity import Sex
from ansinh.registry.importing import Program
from ansinh.web.schemas import ERRORS, INVALID, NOT_FOUND
from ansinh.web.security import current_principal, requires, unit_of_work

router = APIRouter(prefix="/api/v1", tags=["registry"], responses={**ERRORS, **INVALID})
UoW = Annotated[UnitOfWork, Depends(unit_of_work)]
Me = Annotated[Principal, Depends(current_principal)]

# Ids are bigint: anything larger cannot name a row, and SQLite's driver cannot even bind it.
MAX_ID = 2**63 - 1
PersonId = Annotated[int, Path(ge=1, le=MAX_ID)]
FlagId = Annotated[int, Path(ge=1, le=MAX_ID)]
BeneficiaryCode = Annotated[
    str, Path(max_length=24, description="Mã đối tượng / beneficiary code, e.g. 92-TG-00000001")
]
After = Annotated[int | None, Query(ge=0, le=MAX_ID, description="Trang sau mã này / the page after this id")]
Limit = Annotated[int, Query(ge=1, le=services.MAX_PAGE)]
CommuneFilter = Annotated[str | None, Query(max_length=10, description="Mã xã / commune code")]


# ----------------------------------------------------------------------------------------------------
# Shapes


class PersonIn(BaseModel):
    national_id: str = Field(max_length=20, description="Số định danh cá nhân 12 số / 12-digit personal ID")
    full_name: str = Field(max_length=100)
    date_of_birth: date
    sex: Sex
    commune_code: str = Field(max_length=10)
    address: str | None = Field(default=None, max_length=255)
    phone: str | None = Field(default=None, max_length=20)
    identity_override_reason: str | None = Field(
        default=None, max_length=500, description="Lý do chấp nhận cảnh báo số định danh / why a warning is accepted"
    )


class PersonPatch(BaseModel):
    """Only the fields sent are changed; ``version`` is the one you read (a stale one is refused with 409)."""

    national_id: str | None = Field(default=None, max_length=20)
    full_name: str | None = Field(default=None, max_length=100)
    date_of_birth: date | None = None
    sex: Sex | None = None
    commune_code: str | None = Field(default=None, max_length=10)
    address: str | None = Field(default=None, max_length=255)
    phone: str | None = Field(default=None, max_length=20)
    identity_override_reason: str | None = Field(default=None, max_length=500)
    version: int | None = Field(default=None, ge=1, le=2**31 - 1)


class PersonOut(BaseModel):
    id: int
    national_id: str
    full_name: str
    date_of_birth: date
    sex: Sex
    province_code: str
    commune_code: str
    commune_name: str
    address: str | None
    phone: str | None
    identity_warnings: list[str]
    identity_override_reason: str | None
    verification_status: str
    verified_at: datetime | None
    date_of_death: date | None
    version: int
    revealed: bool

    @classmethod
    def of(cls, view: services.PersonView) -> PersonOut:
        return cls(**{**view.__dict__, "identity_warnings": list(view.identity_warnings)})


class PersonPage(BaseModel):
    items: list[PersonOut]
    next_after: int | None


class CategoryOut(BaseModel):
    code: str
    title_vi: str
    title_en: str
    units: int
    injury_rate: int | None


class RelationIn(BaseModel):
    person_id: int = Field(ge=1, le=MAX_ID)
    role: RelationRole
    valid_from: date
    valid_to: date | None = None
    document_number: str | None = Field(default=None, max_length=50)


class RelationEndIn(BaseModel):
    valid_to: date


class RelationOut(BaseModel):
    id: int
    beneficiary_id: int
    person_id: int
    full_name: str
    national_id: str
    role: RelationRole
    valid_from: date
    valid_to: date | None
    document_number: str | None
    created_by: str
    current: bool

    @classmethod
    def of(cls, view: services.RelationView) -> RelationOut:
        return cls(**view.__dict__)


class PaymentMethodOut(BaseModel):
    id: int
    kind: str
    provider_code: str | None
    bank_bin: str | None
    bank_short_name: str | None
    account_number: str | None
    account_name: str | None
    home_delivery_reason: str | None
    payee_person_id: int
    payee_full_name: str
    payee_role: str
    valid_from: date


class BeneficiaryOut(BaseModel):
    id: int
    code: str
    program: Program
    status: BeneficiaryStatus
    province_code: str
    commune_code: str
    person: PersonOut
    categories: list[CategoryOut]
    relations: list[RelationOut]
    payment_method: PaymentMethodOut | None
    version: int

    @classmethod
    def of(cls, view: services.BeneficiaryView) -> BeneficiaryOut:
        method = view.payment_method
        return cls(
            id=view.id,
            code=view.code,
            program=view.program,
            status=view.status,
            province_code=view.province_code,
            commune_code=view.commune_code,
            person=PersonOut.of(view.person),
            categories=[CategoryOut(**c.__dict__) for c in view.categories],
            relations=[RelationOut.of(r) for r in view.relations],
            payment_method=None if method is None else PaymentMethodOut(**method.__dict__),
            version=view.version,
        )


class BeneficiarySummaryOut(BaseModel):
    id: int
    code: str
    program: Program
    status: BeneficiaryStatus
    commune_code: str
    person_id: int
    full_name: str
    date_of_birth: date
    national_id: str


class BeneficiaryPage(BaseModel):
    items: list[BeneficiarySummaryOut]
    next_after: int | None


class DuplicatePersonOut(BaseModel):
    id: int
    full_name: str
    date_of_birth: date
    commune_code: str
    national_id: str
    phone: str | None


class DuplicateFlagOut(BaseModel):
    id: int
    reason: str
    status: str
    person: DuplicatePersonOut
    other_person: DuplicatePersonOut
    note: str | None
    created_at: datetime
    reviewed_by: str | None
    reviewed_at: datetime | None

    @classmethod
    def of(cls, view: services.DuplicateFlagView) -> DuplicateFlagOut:
        return cls(
            **{
                **view.__dict__,
                "person": DuplicatePersonOut(**view.person.__dict__),
                "other_person": DuplicatePersonOut(**view.other_person.__dict__),
            }
        )


class DuplicatePage(BaseModel):
    items: list[DuplicateFlagOut]
    next_after: int | None


class ReviewIn(BaseModel):
    verdict: Literal["distinct", "same_person"]
    note: str | None = Field(default=None, max_length=500)


# ----------------------------------------------------------------------------------------------------
# Persons


@router.post("/registry/persons", response_model=PersonOut, status_code=201)
@requires(Permission.REGISTRY_WRITE)
def register_person(body: PersonIn, uow: UoW, principal: Me) -> PersonOut:
    """Đăng ký một người / register a person (identity checks; likely duplicates are flagged)."""
    view = services.register_person(uow, area=principal.area, **body.model_dump())
    uow.commit()
    return PersonOut.of(view)


@router.get("/registry/persons", response_model=PersonPage)
@requires(Permission.REGISTRY_READ)
def search_persons(
    *,
    uow: UoW,
    principal: Me,
    q: Annotated[
        str | None, Query(max_length=100, description="Tên (không cần dấu), số định danh hoặc số điện thoại")
    ] = None,
    commune_code: CommuneFilter = None,
    after: After = None,
    limit: Limit = 50,
) -> PersonPage:
    """Tìm người trong địa bàn / search persons in your area: name without diacritics, ID prefix or phone."""
    page = services.search_persons(
        uow, area=principal.area, query=q, commune_code=commune_code, after_id=after, limit=limit
    )
    return PersonPage(items=[PersonOut.of(p) for p in page.items], next_after=page.next_after)


@router.get("/registry/persons/{person_id}", response_model=PersonOut, responses=NOT_FOUND)
@requires(Permission.REGISTRY_READ)
def get_person(person_id: PersonId, uow: UoW, principal: Me, reveal: bool = False) -> PersonOut:
    """Một người; ``reveal=true`` (quyền xem thông tin cá nhân, được ghi nhật ký) hiện đủ số định danh và điện thoại."""
    if reveal:
        _require_pii(principal)
    view = services.get_person(uow, area=principal.area, person_id=person_id, reveal=reveal)
    if reveal:
        uow.commit()  # the audit record of who looked
    return PersonOut.of(view)


_NOT_NULL = ("national_id", "full_name", "date_of_birth", "sex", "commune_code")


@router.patch("/registry/persons/{person_id}", response_model=PersonOut, responses=NOT_FOUND)
@requires(Permission.REGISTRY_WRITE)
def update_person(person_id: PersonId, body: PersonPatch, uow: UoW, principal: Me) -> PersonOut:
    """Sửa hồ sơ một người / correct a person's record (same checks as registration)."""
    changes = body.model_dump(exclude_unset=True)
    for key in _NOT_NULL:
        if key in changes and changes[key] is None:
            raise ValidationFailed(f"Không thể xoá trường {key}.", f"{key} cannot be removed.", field=key)
    view = services.update_person(uow, area=principal.area, person_id=person_id, **changes)
    uow.commit()
    return PersonOut.of(view)


def _require_pii(principal: Principal) -> None:
    if not principal.has(Permission.PII_READ):
        raise PermissionDenied(
            "Vai trò của bạn không được xem đầy đủ thông tin cá nhân",
            "Your role may not see full personal identifiers",
            field="reveal",
        )


# ----------------------------------------------------------------------------------------------------
# Beneficiaries and relations


@router.get("/registry/beneficiaries", response_model=BeneficiaryPage)
@requires(Permission.REGISTRY_READ)
def list_beneficiaries(
    *,
    uow: UoW,
    principal: Me,
    commune_code: CommuneFilter = None,
    program: Program | None = None,
    status: BeneficiaryStatus | None = None,
    after: After = None,
    limit: Limit = 50,
) -> BeneficiaryPage:
    """Danh sách đối tượng trong địa bàn (che số định danh) / beneficiaries in your area, masked."""
    page = services.list_beneficiaries(
        uow,
        area=principal.area,
        commune_code=commune_code,
        program=program,
        status=status,
        after_id=after,
        limit=limit,
    )
    return BeneficiaryPage(items=[BeneficiarySummaryOut(**b.__dict__) for b in page.items], next_after=page.next_after)


@router.get("/registry/beneficiaries/{beneficiary_code}", response_model=BeneficiaryOut, responses=NOT_FOUND)
@requires(Permission.REGISTRY_READ)
def get_beneficiary(beneficiary_code: BeneficiaryCode, uow: UoW, principal: Me, reveal: bool = False) -> BeneficiaryOut:
    """Một đối tượng: người, diện, người liên quan, hình thức chi trả / one beneficiary with everything around them."""
    if reveal:
        _require_pii(principal)
    view = services.get_beneficiary(uow, area=principal.area, code=beneficiary_code, reveal=reveal)
    if reveal:
        uow.commit()
    return BeneficiaryOut.of(view)


@router.post(
    "/registry/beneficiaries/{beneficiary_code}/relations",
    response_model=RelationOut,
    status_code=201,
    responses=NOT_FOUND,
)
@requires(Permission.REGISTRY_WRITE)
def add_relation(beneficiary_code: BeneficiaryCode, body: RelationIn, uow: UoW, principal: Me) -> RelationOut:
    """Thêm người giám hộ, người được ủy quyền, người chăm sóc… / add a guardian, proxy, caregiver…"""
    beneficiary_id = services.beneficiary_id_for_code(uow, area=principal.area, code=beneficiary_code)
    view = services.add_relation(uow, area=principal.area, beneficiary_id=beneficiary_id, **body.model_dump())
    uow.commit()
    return RelationOut.of(view)


@router.post(
    "/registry/beneficiaries/{beneficiary_code}/relations/{relation_id}/end",
    response_model=RelationOut,
    responses=NOT_FOUND,
)
@requires(Permission.REGISTRY_WRITE)
def end_relation(
    *,
    beneficiary_code: BeneficiaryCode,
    relation_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    body: RelationEndIn,
    uow: UoW,
    principal: Me,
) -> RelationOut:
    """Kết thúc một quan hệ (ngày cuối còn hiệu lực) / end a relation on its last valid day."""
    beneficiary_id = services.beneficiary_id_for_code(uow, area=principal.area, code=beneficiary_code)
    view = services.end_relation(
        uow, area=principal.area, relation_id=relation_id, valid_to=body.valid_to, beneficiary_id=beneficiary_id
    )
    uow.commit()
    return RelationOut.of(view)


# ----------------------------------------------------------------------------------------------------
# Likely duplicates


@router.get("/registry/duplicates", response_model=DuplicatePage)
@requires(Permission.REGISTRY_READ)
def list_duplicates(
    *,
    uow: UoW,
    principal: Me,
    status: Literal["open", "distinct", "same_person", "all"] = "open",
    after: After = None,
    limit: Limit = 50,
) -> DuplicatePage:
    """Các cặp có thể trùng trong địa bàn / likely duplicates touching your area."""
    page = services.list_duplicate_flags(
        uow, area=principal.area, status=None if status == "all" else status, after_id=after, limit=limit
    )
    return DuplicatePage(items=[DuplicateFlagOut.of(f) for f in page.items], next_after=page.next_after)


@router.post("/registry/duplicates/{flag_id}/review", response_model=DuplicateFlagOut, responses=NOT_FOUND)
@requires(Permission.REGISTRY_WRITE)
def review_duplicate(flag_id: FlagId, body: ReviewIn, uow: UoW, principal: Me) -> DuplicateFlagOut:
    """Kết luận một cặp nghi trùng (một lần) / record the verdict on a likely duplicate (once)."""
    view = services.review_duplicate_flag(
        uow, area=principal.area, flag_id=flag_id, verdict=body.verdict, note=body.note
    )
    uow.commit()
    return DuplicateFlagOut.of(view)
