"""/api/v1/registry — import a file, export the registry in the import format, download the template."""

from __future__ import annotations

import io
import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import FileResponse, JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.background import BackgroundTask

from ansinh.access.domain import Permission, Principal
from ansinh.core.uow import UnitOfWork
from ansinh.registry.export import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE, export_registry, write_template
from ansinh.registry.import_service import file_error_body, import_file
from ansinh.registry.importing import FileTooLargeError, ImportFileError, UnsupportedFileTypeError
from ansinh.web.schemas import ERRORS, NOT_FOUND, ErrorOut
from ansinh.web.security import current_principal, requires, unit_of_work

router = APIRouter(prefix="/api/v1", tags=["registry"], responses=ERRORS)
UoW = Annotated[UnitOfWork, Depends(unit_of_work)]
Me = Annotated[Principal, Depends(current_principal)]
_COPY_BLOCK = 1 << 20


class RowErrorOut(BaseModel):
    row: int
    column: str | None
    code: str
    message: str
    message_en: str


class CommuneMappingOut(BaseModel):
    row: int
    legacy_code: str
    current_code: str


class ImportReportOut(BaseModel):
    file_name: str
    sha256: str
    dry_run: bool
    accepted: int
    rejected: int
    created: int
    updated: int
    unchanged: int
    errors: list[RowErrorOut]
    errors_omitted: int
    commune_mappings: list[CommuneMappingOut]
    commune_mappings_omitted: int
    duplicates_flagged: int


class ImportFileErrorOut(ErrorOut):
    row: int | None = None
    errors: list[RowErrorOut] = Field(default_factory=list)


_FILE_RESPONSES: dict[int | str, dict[str, Any]] = {
    413: {"model": ImportFileErrorOut, "description": "Tệp quá lớn / the file is over the size limit"},
    415: {"model": ImportFileErrorOut, "description": "Không phải .xlsx hoặc .csv / not an .xlsx or .csv file"},
    422: {
        "model": ImportReportOut | ImportFileErrorOut,
        "description": "Có dòng bị từ chối (báo cáo), hoặc tệp không đọc được / rows rejected (the report), or an "
        "unreadable file",
    },
}
_SPREADSHEET = {
    "content": {XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}},
    "description": "Tệp Excel / an Excel file",
}


@router.post("/registry/imports", response_model=ImportReportOut, responses=_FILE_RESPONSES)
@requires(Permission.REGISTRY_WRITE)
def import_registry_file(
    request: Request,
    uow: UoW,
    me: Me,
    file: Annotated[UploadFile, File(description="Tệp .xlsx hoặc .csv theo mẫu nhập / the import file")],
    dry_run: Annotated[bool, Form(description="Chỉ kiểm tra, không ghi / check only, write nothing")] = False,
) -> Response:
    """Import a registry file: all or nothing. 200 with the report when every row was accepted, else 422."""
    max_bytes: int = request.app.state.settings.import_max_bytes
    suffix = Path(file.filename or "").suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise UnsupportedFileTypeError(
            f"Chỉ nhận tệp .xlsx hoặc .csv (tệp đang là «{suffix or 'không có phần mở rộng'}»).",
            f"Only .xlsx or .csv files are accepted (got {suffix or 'no extension'!r}).",
        )
    with tempfile.TemporaryDirectory(prefix="ansinh-import-") as folder:
        path = Path(folder) / f"upload{suffix}"
        try:
            _copy_limited(file, path, max_bytes)
            report = import_file(
                uow,
                path=path,
                area=me.area,
                dry_run=dry_run,
                max_bytes=max_bytes,
                file_name=Path(file.filename or path.name).name[:200],
            )
        except ImportFileError as error:
            # The file as a whole is refused: say where reading stopped, and list the header's problems.
            return JSONResponse(file_error_body(error), status_code=error.http_status)
    if report.should_commit:
        uow.commit()
    return JSONResponse(report.as_dict(), status_code=200 if report.ok else 422)


def _copy_limited(upload: UploadFile, path: Path, max_bytes: int) -> None:
    """Copy the upload to a file of our own, refusing it at the limit rather than after."""
    copied = 0
    with path.open("wb") as target:
        while block := upload.file.read(_COPY_BLOCK):
            copied += len(block)
            if copied > max_bytes:
                raise FileTooLargeError(
                    f"Tệp lớn hơn giới hạn {max_bytes:,} byte: hãy chia thành nhiều tệp.".replace(",", "."),
                    f"The file is larger than the limit of {max_bytes:,} bytes: split it into several files.",
                )
            target.write(block)


@router.get(
    "/registry/export",
    response_class=Response,
    responses={
        200: {
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
            },
            "description": "Danh sách theo mẫu nhập / the registry in the import format",
        },
        **NOT_FOUND,
        422: {"model": ErrorOut, "description": "Dữ liệu không hợp lệ / invalid input"},
    },
)
@requires(Permission.PII_READ)
def export_registry_file(
    uow: UoW,
    me: Me,
    format: Annotated[
        Literal["csv", "xlsx"], Query(description="csv (khóa tiếng Anh) hoặc xlsx (nhãn tiếng Việt)")
    ] = "xlsx",
    commune: Annotated[str | None, Query(max_length=10, description="Chỉ một xã / one commune only")] = None,
) -> Response:
    """The registry of the caller's area in the import format, full identifiers included (PII_READ; audited)."""
    folder = Path(tempfile.mkdtemp(prefix="ansinh-export-"))
    try:
        path = folder / f"danh-sach-doi-tuong.{format}"
        export_registry(uow, area=me.area, commune_code=commune, out=path)
        uow.commit()
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return FileResponse(
        path,
        media_type=CSV_MEDIA_TYPE if format == "csv" else XLSX_MEDIA_TYPE,
        filename=path.name,
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )


@router.get("/registry/template", response_class=Response, responses={200: _SPREADSHEET})
@requires(Permission.REGISTRY_READ)
def import_template() -> Response:
    """The import template (.xlsx): Vietnamese headers, and a guide sheet with every allowed value."""
    buffer = io.BytesIO()
    write_template(buffer)
    return Response(
        buffer.getvalue(),
        media_type=XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": 'attachment; filename="mau-nhap-doi-tuong.xlsx"'},
    )
