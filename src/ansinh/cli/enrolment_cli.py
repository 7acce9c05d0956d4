"""`ansinh enrolment …` — payment methods, VietQR capture, account opening (thin: rules live in services)."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from ansinh.access.domain import Permission
from ansinh.cli.context import UserOption, acting_user, ctx, emit_json
from ansinh.core.errors import PermissionDenied, ValidationFailed
from ansinh.enrolment import account_files, services
from ansinh.enrolment.domain import HomeDeliveryReason, PayeeRole, PaymentMethod
from ansinh.registry.importing import FileTooLargeError, ImportFileError

app = typer.Typer(no_args_is_help=True)
request_app = typer.Typer(
    help="Danh sách đề nghị mở tài khoản / account-opening requests (compile, export, answer, show)",
    no_args_is_help=True,
)
app.add_typer(request_app, name="account-request")

JsonFlag = Annotated[bool, typer.Option("--json", help="In kết quả dạng JSON / print JSON")]
RevealFlag = Annotated[
    bool,
    typer.Option("--reveal", help="Hiện đủ số tài khoản, số định danh (ghi nhật ký) / show full numbers (audited)"),
]
CodeArgument = Annotated[str, typer.Argument(help="Mã đối tượng / beneficiary code, e.g. 92-TG-00000001")]
ProviderOption = Annotated[str, typer.Option("--provider", help="Mã tổ chức chi trả / provider code")]
ValidFromOption = Annotated[
    str | None, typer.Option("--valid-from", help="Áp dụng từ ngày YYYY-MM-DD (mặc định hôm nay) / from this day")
]
PayeeRoleOption = Annotated[PayeeRole, typer.Option("--payee-role", help="Người nhận / payee role")]
PayeeIdOption = Annotated[
    str | None,
    typer.Option("--payee-id", help="Số định danh người giám hộ hoặc được ủy quyền / guardian's or proxy's ID"),
]
RequestIdArgument = Annotated[int, typer.Argument(help="Mã danh sách / request id", min=1)]


def _valid_from(text: str | None) -> date:
    if text is None:
        return ctx.settings.clock().today()
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationFailed(
            f"«{text}» không phải ngày dạng YYYY-MM-DD.", f"{text!r} is not a YYYY-MM-DD date.", field="valid_from"
        ) from None


def _method_line(view: services.PaymentMethodView) -> str:
    if view.kind is PaymentMethod.BANK_ACCOUNT:
        where = f"{view.bank_short_name or view.bank_bin} {view.account_number}"
    elif view.account_number:
        where = view.account_number
    elif view.home_delivery_reason:
        where = view.home_delivery_reason.value
    else:
        where = ""
    until = f"{view.valid_to:%d/%m/%Y}" if view.valid_to else "…"
    payee = (
        view.payee_full_name
        if view.payee_role is PayeeRole.BENEFICIARY
        else f"{view.payee_full_name} ({view.payee_role.value})"
    )
    return (
        f"{view.valid_from:%d/%m/%Y} → {until:<10}  {view.kind.value:<14} {view.provider_code or '':<14} "
        f"{where:<30} {payee}  [{view.source}]"
    )


def _report_method(view: services.PaymentMethodView, json_output: bool) -> None:
    if json_output:
        emit_json(view)
        return
    if view.unchanged:
        typer.echo(f"Không thay đổi (hình thức này đang được dùng) / unchanged: {_method_line(view)}")
    else:
        typer.echo(f"Đã ghi / set: {_method_line(view)}")


@app.command("set")
def set_method(
    beneficiary_code: CodeArgument,
    kind: Annotated[PaymentMethod, typer.Option("--kind", help="Hình thức chi trả / payment method")],
    provider: ProviderOption,
    bank_bin: Annotated[str | None, typer.Option("--bank-bin", help="Mã BIN ngân hàng / bank BIN")] = None,
    account: Annotated[str | None, typer.Option("--account", help="Số tài khoản hoặc số ví / account")] = None,
    home_reason: Annotated[
        HomeDeliveryReason | None, typer.Option("--home-reason", help="Lý do chi trả tại nhà / home-delivery reason")
    ] = None,
    payee_role: PayeeRoleOption = PayeeRole.BENEFICIARY,
    payee_id: PayeeIdOption = None,
    valid_from: ValidFromOption = None,
    user: UserOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Đặt hình thức chi trả / set a beneficiary's payment method (the one in use ends the day before)."""
    principal = acting_user(user, Permission.REGISTRY_WRITE)
    with ctx.uow(actor=principal.username) as uow:
        view = services.set_payment_method(
            uow,
            area=principal.area,
            beneficiary_code=beneficiary_code,
            kind=kind,
            provider_code=provider,
            bank_bin=bank_bin,
            account_number=account,
            home_delivery_reason=home_reason,
            payee_national_id=payee_id,
            payee_role=payee_role,
            valid_from=_valid_from(valid_from),
        )
        uow.commit()
    _report_method(view, json_output)


@app.command("vietqr")
def vietqr(
    beneficiary_code: CodeArgument,
    provider: ProviderOption,
    qr: Annotated[
        str | None, typer.Option("--qr", help="Chuỗi VietQR; bỏ trống để đọc từ stdin / the code, or read stdin")
    ] = None,
    payee_role: PayeeRoleOption = PayeeRole.BENEFICIARY,
    payee_id: PayeeIdOption = None,
    valid_from: ValidFromOption = None,
    user: UserOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Ghi tài khoản ngân hàng từ mã VietQR / set a bank account from a VietQR code."""
    principal = acting_user(user, Permission.REGISTRY_WRITE)
    text = qr if qr is not None else sys.stdin.read(2000)
    with ctx.uow(actor=principal.username) as uow:
        view = services.capture_from_vietqr(
            uow,
            area=principal.area,
            beneficiary_code=beneficiary_code,
            qr_text=text,
            provider_code=provider,
            payee_national_id=payee_id,
            payee_role=payee_role,
            valid_from=_valid_from(valid_from),
        )
        uow.commit()
    _report_method(view, json_output)


@app.command("history")
def history(
    beneficiary_code: CodeArgument,
    reveal: RevealFlag = False,
    user: UserOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Lịch sử hình thức chi trả, mới nhất trước / payment-method history, newest first."""
    principal = acting_user(user, Permission.REGISTRY_READ)
    if reveal and not principal.has(Permission.PII_READ):
        raise PermissionDenied(
            "Vai trò của bạn không được xem đầy đủ thông tin cá nhân", "Your role may not see full personal identifiers"
        )
    with ctx.uow(actor=principal.username) as uow:
        views = services.payment_method_history(
            uow, area=principal.area, beneficiary_code=beneficiary_code, reveal=reveal
        )
        if reveal:
            uow.commit()  # the audit record of who looked
    if json_output:
        emit_json(views)
        return
    if not views:
        typer.echo("Chưa có hình thức chi trả / no payment method yet")
    for view in views:
        typer.echo(_method_line(view))


# ----------------------------------------------------------------------------------------------------
# account-request


def _show_request(view: services.AccountRequestView, json_output: bool) -> None:
    if json_output:
        emit_json(view)
        return
    typer.echo(
        f"{view.reference} (#{view.id})  xã/commune {view.commune_code}  {view.provider_code}  {view.status.value}  "
        f"chờ/pending {view.pending}, mở/opened {view.opened}, từ chối/refused {view.refused}"
    )
    for line in view.lines:
        answer = line.account_number or line.reason or ""
        typer.echo(
            f"  {line.line_id:>8}  {line.beneficiary_code:<16} {line.full_name:<30} {line.status.value:<8} {answer}"
        )


@request_app.command("compile")
def request_compile(
    commune: Annotated[str, typer.Option("--commune", help="Mã xã / commune code")],
    provider: ProviderOption,
    user: UserOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Lập danh sách đề nghị mở tài khoản của một xã / compile a commune's list."""
    principal = acting_user(user, Permission.REGISTRY_WRITE)
    with ctx.uow(actor=principal.username) as uow:
        view = services.compile_account_request(uow, area=principal.area, commune_code=commune, provider_code=provider)
        uow.commit()
    _show_request(view, json_output)


@request_app.command("show")
def request_show(
    request_id: RequestIdArgument,
    reveal: RevealFlag = False,
    user: UserOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Xem danh sách và câu trả lời / show a request and its answers."""
    principal = acting_user(user, Permission.REGISTRY_READ)
    if reveal and not principal.has(Permission.PII_READ):
        raise PermissionDenied(
            "Vai trò của bạn không được xem đầy đủ thông tin cá nhân", "Your role may not see full personal identifiers"
        )
    with ctx.uow(actor=principal.username) as uow:
        view = services.get_account_request(uow, area=principal.area, request_id=request_id, reveal=reveal)
        if reveal:
            uow.commit()
    _show_request(view, json_output)


@request_app.command("export")
def request_export(
    request_id: RequestIdArgument,
    out: Annotated[Path, typer.Option("--out", help="Tệp .xlsx hoặc .csv / output file", dir_okay=False)],
    user: UserOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Xuất tệp gửi tổ chức chi trả (lần đầu: đánh dấu đã gửi) / write the provider's file (first time: sent)."""
    principal = acting_user(user, Permission.REGISTRY_WRITE)
    if not principal.has(Permission.PII_READ):
        raise PermissionDenied(
            "Tệp chứa đủ số định danh: vai trò của bạn không được xuất", "The file holds full IDs: your role may not"
        )
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in account_files.FORMATS:
        raise ValidationFailed(
            "Tên tệp phải có đuôi .xlsx hoặc .csv.", "The output file must end in .xlsx or .csv.", field="out"
        )
    with ctx.uow(actor=principal.username) as uow:
        content = services.export_account_request(uow, area=principal.area, request_id=request_id, fmt=fmt)
        out.write_bytes(content)
        uow.commit()  # only once the file is written: a failed write leaves the request unsent
    if json_output:
        emit_json({"request_id": request_id, "file": str(out), "bytes": len(content)})
        return
    typer.echo(f"Đã ghi / written: {out} ({len(content)} bytes)")


@request_app.command("answer")
def request_answer(
    request_id: RequestIdArgument,
    file: Annotated[Path, typer.Argument(help="Tệp trả lời .xlsx hoặc .csv / the provider's answer", dir_okay=False)],
    user: UserOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Nhận kết quả mở tài khoản, tất cả hoặc không / apply the provider's answer, all or nothing."""
    principal = acting_user(user, Permission.REGISTRY_WRITE)
    limit = account_files.MAX_ANSWER_BYTES
    try:
        if file.stat().st_size > limit:
            raise FileTooLargeError(
                f"Tệp lớn hơn giới hạn {limit:,} byte.".replace(",", "."),
                f"The file is larger than the limit of {limit:,} bytes.",
            )
        data = file.read_bytes()
    except OSError:
        raise ImportFileError(f"Không mở được tệp «{file.name}».", f"Cannot open the file {file.name!r}.") from None
    with ctx.uow(actor=principal.username) as uow:
        report = services.import_account_answers(
            uow, area=principal.area, request_id=request_id, file=data, filename=file.name
        )
        if report.applied:
            uow.commit()
    if json_output:
        emit_json(report)
    else:
        typer.echo(
            f"{report.reference}: mở/opened {report.opened}, từ chối/refused {report.refused}, "
            f"hình thức mới/methods {report.methods_created}, còn chờ/pending {report.pending}"
            if report.applied
            else f"{report.reference}: tệp bị từ chối, không ghi gì / file rejected, nothing written"
        )
        for error in report.errors:
            typer.echo(f"  dòng/row {error['row']} [{error['column']}]: {error['message']} | {error['message_en']}")
        for skipped in report.skipped:
            typer.echo(f"  {skipped.beneficiary_code}: {skipped.message} | {skipped.message_en}")
    if not report.applied:
        raise typer.Exit(1)
