"""/api/v1 — banks, providers, payment methods, VietQR capture, account opening. Thin: rules live in services."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Path, Query, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from ansinh.access.domain import Permission, Principal
from ansinh.core.errors import PermissionDenied
from ansinh.core.uow import UnitOfWork
from ansinh.enrolment import account_files, services
from ansinh.enrolment.domain import AccountRequestStatus, HomeDeliveryReason, LineStatus, PayeeRole, PaymentMethod
from ansinh.providers import services as provider_services
from ansinh.providers.services import ProviderKind
from ansinh.registry.importing import FileTooLargeError, ImportFileError
from ansinh.web.schemas import ERRORS, INVALID, NOT_FOUND, ErrorOut
from ansinh.web.security import current_principal, requires, unit_of_work

router = APIRouter(prefix="/api/v1", tags=["enrolment"], responses={**ERRORS, **INVALID})
UoW = Annotated[UnitOfWork, Depends(unit_of_work)]
Me = Annotated[Principal, Depends(current_principal)]

MAX_ID = 2**63 - 1  # ids are bigint: a larger number names no row, and SQLite's driver cannot bind it
RequestId = Annotated[int, Path(ge=1, le=MAX_ID)]
BeneficiaryCode = Annotated[
    str, Path(max_length=24, description="Mã đối tượng / beneficiary code, e.g. 92-TG-00000001")
]
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
_READ_BLOCK = 1 << 20


# ----------------------------------------------------------------------------------------------------
# Shapes


class BankIn(BaseModel):
    bin: str = Field(max_length=6, description="Mã BIN NAPAS 6 số / 6-digit NAPAS BIN")
    short_name: str = Field(max_length=50)
    name: str = Field(max_length=200)
    swift_code: str | None = Field(default=None, max_length=11)


class BankOut(BaseModel):
    bin: str
    short_name: str
    name: str
    swift_code: str | None
    source: str
    active: bool

    @classmethod
    def of(cls, view: services.BankView) -> BankOut:
        return cls(
            bin=view.bin,
            short_name=view.short_name,
            name=view.name,
            swift_code=view.swift_code,
            source=view.source,
            active=view.active,
        )


class ProviderIn(BaseModel):
    code: str = Field(max_length=32, description="Mã in hoa, ví dụ VNPOST / upper-case code, e.g. VNPOST")
    name: str = Field(max_length=200)
    kind: ProviderKind
    bank_bin: str | None = Field(default=None, max_length=6)


class ProviderOut(BaseModel):
    code: str
    name: str
    kind: ProviderKind
    bank_bin: str | None
    active: bool

    @classmethod
    def of(cls, view: provider_services.ProviderView) -> ProviderOut:
        return cls(code=view.code, name=view.name, kind=view.kind, bank_bin=view.bank_bin, active=view.active)


class PaymentMethodIn(BaseModel):
    kind: PaymentMethod
    provider_code: str = Field(max_length=32)
    bank_bin: str | None = Field(default=None, max_length=6)
    account_number: str | None = Field(default=None, max_length=40)
    home_delivery_reason: HomeDeliveryReason | None = None
    payee_role: PayeeRole = PayeeRole.BENEFICIARY
    payee_national_id: str | None = Field(default=None, max_length=20)
    valid_from: date | None = Field(default=None, description="Mặc định hôm nay / today when omitted")


class VietQRIn(BaseModel):
    qr_text: str = Field(max_length=1000, description="Chuỗi VietQR quét hoặc dán / the scanned or pasted code")
    provider_code: str = Field(max_length=32)
    payee_role: PayeeRole = PayeeRole.BENEFICIARY
    payee_national_id: str | None = Field(default=None, max_length=20)
    valid_from: date | None = None


class PaymentMethodOut(BaseModel):
    id: int
    beneficiary_code: str
    kind: PaymentMethod
    provider_code: str | None
    bank_bin: str | None
    bank_short_name: str | None
    account_number: str | None
    account_name: str | None
    home_delivery_reason: HomeDeliveryReason | None
    payee_role: PayeeRole
    payee_person_id: int
    payee_full_name: str
    payee_national_id: str | None
    valid_from: date
    valid_to: date | None
    source: str
    created_by: str
    created_at: datetime
    unchanged: bool

    @classmethod
    def of(cls, view: services.PaymentMethodView) -> PaymentMethodOut:
        return cls(**view_fields(view))


class AccountRequestIn(BaseModel):
    commune_code: str = Field(max_length=10)
    provider_code: str = Field(max_length=32)


class AccountRequestLineOut(BaseModel):
    line_id: int
    beneficiary_code: str
    full_name: str
    status: LineStatus
    account_number: str | None
    reason: str | None
    answered_at: datetime | None


class AccountRequestOut(BaseModel):
    id: int
    reference: str
    province_code: str
    commune_code: str
    provider_code: str
    status: AccountRequestStatus
    created_by: str
    created_at: datetime
    sent_at: datetime | None
    answered_at: datetime | None
    pending: int
    opened: int
    refused: int
    lines: list[AccountRequestLineOut]

    @classmethod
    def of(cls, view: services.AccountRequestView) -> AccountRequestOut:
        fields = view_fields(view)
        fields["lines"] = [AccountRequestLineOut(**view_fields(line)) for line in view.lines]
        return cls(**fields)


class RowErrorOut(BaseModel):
    row: int
    column: str | None
    code: str
    message: str
    message_en: str


class SkippedLineOut(BaseModel):
    line_id: int
    beneficiary_code: str
    code: str
    message: str
    message_en: str


class AnswerReportOut(BaseModel):
    request_id: int
    reference: str
    applied: bool
    accepted: int
    rejected: int
    opened: int
    refused: int
    methods_created: int
    pending: int
    status: AccountRequestStatus
    errors: list[RowErrorOut]
    skipped: list[SkippedLineOut]


class AnswerFileErrorOut(ErrorOut):
    row: int | None = None
    errors: list[RowErrorOut] = Field(default_factory=list)


def view_fields(view: Any) -> dict[str, Any]:
    """A frozen slotted dataclass's fields, for the matching response model."""
    return {name: getattr(view, name) for name in view.__dataclass_fields__}


def _require_pii(principal: Principal) -> None:
    if not principal.has(Permission.PII_READ):
        raise PermissionDenied(
            "Vai trò của bạn không được xem đầy đủ thông tin cá nhân",
            "Your role may not see full personal identifiers",
            field="reveal",
        )


# ----------------------------------------------------------------------------------------------------
# Banks and providers


@router.get("/enrolment/banks", response_model=list[BankOut])
@requires(Permission.REFERENCE_READ)
def list_banks(uow: UoW, active_only: bool = False) -> list[BankOut]:
    """Danh mục ngân hàng theo mã BIN NAPAS / the bank list by NAPAS BIN."""
    return [BankOut.of(b) for b in services.list_banks(uow, active_only=active_only)]


@router.post("/enrolment/banks", response_model=BankOut, status_code=201)
@requires(Permission.REFERENCE_MANAGE)
def add_bank(body: BankIn, uow: UoW) -> BankOut:
    """Thêm ngân hàng chưa có (ví dụ Ngân hàng Chính sách xã hội) / add a bank the list lacks (e.g. VBSP)."""
    view = services.add_bank(uow, bin=body.bin, short_name=body.short_name, name=body.name, swift_code=body.swift_code)
    uow.commit()
    return BankOut.of(view)


@router.get("/providers", response_model=list[ProviderOut])
@requires(Permission.REFERENCE_READ)
def list_providers(uow: UoW, kind: ProviderKind | None = None, active_only: bool = False) -> list[ProviderOut]:
    """Tổ chức dịch vụ chi trả / payment service providers."""
    return [ProviderOut.of(p) for p in provider_services.list_providers(uow, kind=kind, active_only=active_only)]


@router.post("/providers", response_model=ProviderOut, status_code=201)
@requires(Permission.REFERENCE_MANAGE)
def add_provider(body: ProviderIn, uow: UoW) -> ProviderOut:
    view = provider_services.add_provider(uow, code=body.code, name=body.name, kind=body.kind, bank_bin=body.bank_bin)
    uow.commit()
    return ProviderOut.of(view)


# ----------------------------------------------------------------------------------------------------
# Payment methods


@router.put(
    "/registry/beneficiaries/{beneficiary_code}/payment-method", response_model=PaymentMethodOut, responses=NOT_FOUND
)
@requires(Permission.REGISTRY_WRITE)
def set_payment_method(
    beneficiary_code: BeneficiaryCode, body: PaymentMethodIn, uow: UoW, principal: Me
) -> PaymentMethodOut:
    """Đặt hình thức chi trả từ một ngày; hình thức đang dùng kết thúc hôm trước / set the method from a day.

    Sending the method already in use writes nothing and answers ``unchanged: true``.
    """
    view = services.set_payment_method(
        uow,
        area=principal.area,
        beneficiary_code=beneficiary_code,
        kind=body.kind,
        provider_code=body.provider_code,
        bank_bin=body.bank_bin,
        account_number=body.account_number,
        home_delivery_reason=body.home_delivery_reason,
        payee_national_id=body.payee_national_id,
        payee_role=body.payee_role,
        valid_from=body.valid_from or uow.clock.today(),
    )
    uow.commit()
    return PaymentMethodOut.of(view)


@router.post(
    "/registry/beneficiaries/{beneficiary_code}/payment-method/vietqr",
    response_model=PaymentMethodOut,
    responses=NOT_FOUND,
)
@requires(Permission.REGISTRY_WRITE)
def capture_vietqr(beneficiary_code: BeneficiaryCode, body: VietQRIn, uow: UoW, principal: Me) -> PaymentMethodOut:
    """Ghi tài khoản ngân hàng từ mã VietQR / set a bank account from a VietQR code (CRC checked)."""
    view = services.capture_from_vietqr(
        uow,
        area=principal.area,
        beneficiary_code=beneficiary_code,
        qr_text=body.qr_text,
        provider_code=body.provider_code,
        payee_national_id=body.payee_national_id,
        payee_role=body.payee_role,
        valid_from=body.valid_from or uow.clock.today(),
    )
    uow.commit()
    return PaymentMethodOut.of(view)


@router.get(
    "/registry/beneficiaries/{beneficiary_code}/payment-methods",
    response_model=list[PaymentMethodOut],
    responses=NOT_FOUND,
)
@requires(Permission.REGISTRY_READ)
def payment_method_history(
    beneficiary_code: BeneficiaryCode, uow: UoW, principal: Me, reveal: bool = False
) -> list[PaymentMethodOut]:
    """Lịch sử hình thức chi trả, mới nhất trước / payment-method history, newest first.

    ``reveal=true`` (PII_READ; recorded in the audit log) shows full account numbers and citizen IDs.
    """
    if reveal:
        _require_pii(principal)
    views = services.payment_method_history(uow, area=principal.area, beneficiary_code=beneficiary_code, reveal=reveal)
    if reveal:
        uow.commit()  # the audit record of who looked
    return [PaymentMethodOut.of(v) for v in views]


# ----------------------------------------------------------------------------------------------------
# Account opening


@router.post("/enrolment/account-requests", response_model=AccountRequestOut, status_code=201, responses=NOT_FOUND)
@requires(Permission.REGISTRY_WRITE)
def compile_account_request(body: AccountRequestIn, uow: UoW, principal: Me) -> AccountRequestOut:
    """Lập danh sách đề nghị mở tài khoản của một xã / compile a commune's account-opening list."""
    view = services.compile_account_request(
        uow, area=principal.area, commune_code=body.commune_code, provider_code=body.provider_code
    )
    uow.commit()
    return AccountRequestOut.of(view)


@router.get("/enrolment/account-requests/{request_id}", response_model=AccountRequestOut, responses=NOT_FOUND)
@requires(Permission.REGISTRY_READ)
def get_account_request(request_id: RequestId, uow: UoW, principal: Me, reveal: bool = False) -> AccountRequestOut:
    if reveal:
        _require_pii(principal)
    view = services.get_account_request(uow, area=principal.area, request_id=request_id, reveal=reveal)
    if reveal:
        uow.commit()
    return AccountRequestOut.of(view)


@router.get(
    "/enrolment/account-requests/{request_id}/file",
    response_class=Response,
    responses={
        200: {
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
            },
            "description": "Danh sách gửi tổ chức chi trả / the list for the provider",
        },
        **NOT_FOUND,
    },
)
@requires(Permission.REGISTRY_WRITE)
def export_account_request(
    request_id: RequestId,
    uow: UoW,
    principal: Me,
    format: Annotated[Literal["xlsx", "csv"], Query(description="xlsx (nhãn tiếng Việt) hoặc csv")] = "xlsx",
) -> Response:
    """Tệp danh sách (đủ số định danh: cần quyền xem thông tin cá nhân) / the list file; the first marks it sent."""
    _require_pii(principal)
    content = services.export_account_request(uow, area=principal.area, request_id=request_id, fmt=format)
    name = services.export_filename(uow, area=principal.area, request_id=request_id, fmt=format)
    uow.commit()
    return Response(
        content,
        media_type=CSV_MEDIA_TYPE if format == "csv" else XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


_ANSWER_RESPONSES: dict[int | str, dict[str, Any]] = {
    **NOT_FOUND,
    413: {"model": AnswerFileErrorOut, "description": "Tệp quá lớn / the file is over the size limit"},
    415: {"model": AnswerFileErrorOut, "description": "Không phải .xlsx hoặc .csv / not an .xlsx or .csv file"},
    422: {
        "model": AnswerReportOut | AnswerFileErrorOut,
        "description": "Có dòng bị từ chối (báo cáo, không ghi gì), hoặc tệp không đọc được / rows rejected (the "
        "report; nothing written), or an unreadable file",
    },
}


@router.post(
    "/enrolment/account-requests/{request_id}/answers", response_model=AnswerReportOut, responses=_ANSWER_RESPONSES
)
@requires(Permission.REGISTRY_WRITE)
def import_account_answers(
    request_id: RequestId,
    uow: UoW,
    principal: Me,
    file: Annotated[UploadFile, File(description="Tệp trả lời .xlsx hoặc .csv của tổ chức chi trả / the answer")],
) -> Response:
    """Nhận kết quả mở tài khoản: tất cả hoặc không / apply the provider's answer, all or nothing.

    200 with the report when applied; 422 with the report (every rejected row, nothing written) otherwise.
    """
    try:
        data = _read_limited(file, account_files.MAX_ANSWER_BYTES)
        report = services.import_account_answers(
            uow, area=principal.area, request_id=request_id, file=data, filename=file.filename or ""
        )
    except ImportFileError as error:
        body: dict[str, Any] = {
            **error.as_dict(),
            "row": error.row,
            "errors": [e.as_dict() for e in getattr(error, "errors", ())],
        }
        return JSONResponse(body, status_code=error.http_status)
    if report.applied:
        uow.commit()
    out = AnswerReportOut(
        **{
            **view_fields(report),
            "errors": [RowErrorOut(**e) for e in report.errors],
            "skipped": [SkippedLineOut(**view_fields(s)) for s in report.skipped],
        }
    )
    return JSONResponse(out.model_dump(mode="json"), status_code=200 if report.applied else 422)


def _read_limited(upload: UploadFile, max_bytes: int) -> bytes:
    """Read the upload, refusing it at the limit rather than after."""
    chunks: list[bytes] = []
    size = 0
    while block := upload.file.read(_READ_BLOCK):
        size += len(block)
        if size > max_bytes:
            raise FileTooLargeError(
                f"Tệp lớn hơn giới hạn {max_bytes:,} byte.".replace(",", "."),
                f"The file is larger than the limit of {max_bytes:,} bytes.",
            )
        chunks.append(block)
    return b"".join(chunks)
