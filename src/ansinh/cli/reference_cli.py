"""`ansinh reference …` — the bank list and the payment service providers (thin: rules live in services)."""

from __future__ import annotations

from typing import Annotated

import typer

from ansinh.access.domain import Permission, Principal
from ansinh.cli.context import UserOption, acting_user, ctx, emit_json
from ansinh.enrolment import services
from ansinh.providers import services as provider_services
from ansinh.providers.services import ProviderKind

app = typer.Typer(no_args_is_help=True)
bank_app = typer.Typer(help="Danh mục ngân hàng (mã BIN NAPAS) / the bank list (NAPAS BIN)", no_args_is_help=True)
provider_app = typer.Typer(help="Tổ chức dịch vụ chi trả / payment service providers", no_args_is_help=True)
app.add_typer(bank_app, name="bank")
app.add_typer(provider_app, name="provider")

JsonFlag = Annotated[bool, typer.Option("--json", help="In kết quả dạng JSON / print JSON")]


def _reader(username: str | None) -> Principal:
    """Reference lists hold no personal data: every role reads them."""
    return acting_user(username, Permission.REFERENCE_READ)


@bank_app.command("list")
def bank_list(
    active_only: Annotated[bool, typer.Option("--active-only", help="Chỉ ngân hàng đang hoạt động")] = False,
    user: UserOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Liệt kê ngân hàng / list the banks."""
    _reader(user)
    with ctx.uow() as uow:
        banks = services.list_banks(uow, active_only=active_only)
    if json_output:
        emit_json(banks)
        return
    for bank in banks:
        state = "" if bank.active else "  (ngừng / inactive)"
        typer.echo(f"{bank.bin}  {bank.short_name:<20} {bank.name}{state}")


@bank_app.command("add")
def bank_add(
    bin: Annotated[str, typer.Argument(help="Mã BIN 6 số / 6-digit BIN")],
    short_name: Annotated[str, typer.Option("--short-name", help="Tên viết tắt / short name")],
    name: Annotated[str, typer.Option("--name", help="Tên đầy đủ / full name")],
    swift: Annotated[str | None, typer.Option("--swift", help="Mã SWIFT / SWIFT code")] = None,
    user: UserOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Thêm ngân hàng (quản trị viên), ví dụ Ngân hàng Chính sách xã hội / add a bank (administrator)."""
    principal = acting_user(user, Permission.REFERENCE_MANAGE)
    with ctx.uow(actor=principal.username) as uow:
        view = services.add_bank(uow, bin=bin, short_name=short_name, name=name, swift_code=swift)
        uow.commit()
    if json_output:
        emit_json(view)
        return
    typer.echo(f"Đã thêm ngân hàng / bank added: {view.bin} {view.short_name}")


@provider_app.command("list")
def provider_list(
    kind: Annotated[ProviderKind | None, typer.Option("--kind", help="Loại / kind")] = None,
    user: UserOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Liệt kê tổ chức dịch vụ chi trả / list the providers."""
    _reader(user)
    with ctx.uow() as uow:
        providers = provider_services.list_providers(uow, kind=kind)
    if json_output:
        emit_json(providers)
        return
    for provider in providers:
        state = "" if provider.active else "  (ngừng / inactive)"
        typer.echo(f"{provider.code:<16} {provider.kind.value:<13} {provider.bank_bin or '':<7}{provider.name}{state}")


@provider_app.command("add")
def provider_add(
    code: Annotated[str, typer.Argument(help="Mã in hoa, ví dụ VNPOST / upper-case code")],
    name: Annotated[str, typer.Option("--name", help="Tên / name")],
    kind: Annotated[ProviderKind, typer.Option("--kind", help="Loại / kind")],
    bank_bin: Annotated[str | None, typer.Option("--bank-bin", help="Mã BIN (ngân hàng) / BIN of a bank")] = None,
    user: UserOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Thêm tổ chức dịch vụ chi trả (quản trị viên) / add a provider (administrator)."""
    principal = acting_user(user, Permission.REFERENCE_MANAGE)
    with ctx.uow(actor=principal.username) as uow:
        view = provider_services.add_provider(uow, code=code, name=name, kind=kind, bank_bin=bank_bin)
        uow.commit()
    if json_output:
        emit_json(view)
        return
    typer.echo(f"Đã thêm / added: {view.code} ({view.kind.value}) {view.name}")
