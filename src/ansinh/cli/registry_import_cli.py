"""Commands added to `ansinh registry`: template, import, export (thin: the rules live in the services).

Without ``--user`` a command acts as the operator of this installation, with the whole country as its area: whoever
runs the command line already holds the database. With ``--user`` (or ``ANSINH_USER``) it acts as that user, inside
their area, and the audit log names them.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ansinh.access.domain import Area, Permission
from ansinh.cli.context import UserOption, acting_user, ctx, emit_json
from ansinh.core.errors import ValidationFailed
from ansinh.registry.export import export_format, export_registry, write_template
from ansinh.registry.import_service import MAX_ERRORS, ImportReport, file_error_body, import_file
from ansinh.registry.importing import ImportFileError

JsonFlag = Annotated[bool, typer.Option("--json", help="In kết quả dạng JSON / print JSON")]
OPERATOR = "cli"


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `registry` group."""
    app.command("template")(template)
    app.command("import")(import_command)
    app.command("export")(export_command)


def _actor(user: str | None, permission: Permission) -> tuple[str, Area]:
    if user:
        principal = acting_user(user, permission)
        return principal.username, principal.area
    return OPERATOR, Area()


def template(
    out: Annotated[Path, typer.Option("--out", help="Tệp .xlsx sẽ ghi / the .xlsx file to write")],
) -> None:
    """Ghi tệp mẫu nhập danh sách / write the import template (.xlsx, Vietnamese headers, a guide sheet)."""
    if out.suffix.lower() != ".xlsx":
        raise ValidationFailed("Tệp mẫu phải có đuôi .xlsx.", "The template file must end in .xlsx.", field="out")
    with out.open("wb") as target:
        write_template(target)
    typer.echo(f"Đã ghi mẫu nhập / template written: {out}")


def import_command(
    file: Annotated[Path, typer.Argument(help="Tệp .xlsx hoặc .csv / the .xlsx or .csv file", dir_okay=False)],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Chỉ kiểm tra, không ghi / check only")] = False,
    json_output: JsonFlag = False,
    user: UserOption = None,
    max_bytes: Annotated[
        int | None, typer.Option("--max-bytes", min=1, help="Giới hạn kích thước tệp / size limit in bytes")
    ] = None,
    max_errors: Annotated[
        int, typer.Option("--max-errors", min=1, help="Số lỗi liệt kê tối đa / errors listed at most")
    ] = MAX_ERRORS,
) -> None:
    """Nhập danh sách đối tượng (tất cả hoặc không) / import a registry file, all or nothing; exit 1 if rejected."""
    actor, area = _actor(user, Permission.REGISTRY_WRITE)
    limit = max_bytes or ctx.settings.import_max_bytes
    with ctx.uow(actor=actor) as uow:
        try:
            report = import_file(uow, path=file, area=area, dry_run=dry_run, max_bytes=limit, max_errors=max_errors)
        except ImportFileError as error:
            if json_output:
                emit_json(file_error_body(error))
                sys.exit(1)
            raise
        if report.should_commit:
            uow.commit()
    if json_output:
        emit_json(report.as_dict())
    else:
        _summary(report)
    if not report.ok:
        sys.exit(1)


def _summary(report: ImportReport) -> None:
    mode = " (chạy thử, không ghi / dry run, nothing written)" if report.dry_run else ""
    typer.echo(f"{report.file_name}{mode}")
    typer.echo(
        f"Nhận {report.accepted}, từ chối {report.rejected} dòng; tạo mới {report.created}, cập nhật "
        f"{report.updated}, không đổi {report.unchanged} / accepted {report.accepted}, rejected {report.rejected}; "
        f"created {report.created}, updated {report.updated}, unchanged {report.unchanged}"
    )
    for mapping in report.commune_mappings:
        typer.echo(
            f"  dòng/row {mapping.row}: mã xã cũ / legacy commune {mapping.legacy_code} → {mapping.current_code}"
        )
    if report.duplicates_flagged:
        typer.echo(f"  {report.duplicates_flagged} cặp nghi trùng cần xem / likely duplicates to review")
    for error in report.errors:
        column = f" [{error.column}]" if error.column else ""
        typer.echo(f"  dòng/row {error.row}{column}: {error.message_vi} | {error.message_en}", err=True)
    if report.errors_omitted:
        typer.echo(f"  … và {report.errors_omitted} lỗi nữa / and {report.errors_omitted} more errors", err=True)
    if not report.ok:
        typer.echo("Không dòng nào được ghi / nothing was written", err=True)


def export_command(
    out: Annotated[Path, typer.Option("--out", help="Tệp .csv hoặc .xlsx sẽ ghi / the .csv or .xlsx file")],
    commune: Annotated[str | None, typer.Option("--commune", help="Chỉ một xã / one commune only")] = None,
    user: UserOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Xuất danh sách theo mẫu nhập / export the registry in the import format (full identifiers; audited)."""
    export_format(out)  # refuse a wrong extension before touching the database
    actor, area = _actor(user, Permission.PII_READ)
    with ctx.uow(actor=actor) as uow:
        report = export_registry(uow, area=area, commune_code=commune, out=out)
        uow.commit()
    if json_output:
        emit_json({"rows": report.rows, "format": report.format, "commune_code": report.commune_code, "out": str(out)})
    else:
        typer.echo(f"Đã xuất {report.rows} dòng / exported {report.rows} rows: {out}")
