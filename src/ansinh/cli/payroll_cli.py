"""`ansinh payroll` — run a period's payroll, review, approve, cancel, fund, and show it.

Every command acts as a named user (``--user`` or ``ANSINH_USER``): maker-checker and the user's area apply on the
command line exactly as on the API.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ansinh.access.domain import Permission
from ansinh.cli.context import UserOption, acting_user, ctx, emit_json
from ansinh.core.errors import ValidationFailed
from ansinh.core.money import format_vnd
from ansinh.core.period import Period
from ansinh.payroll import lifecycle, views
from ansinh.registry.importing import Program

app = typer.Typer(help="Danh sách chi trả hằng tháng / monthly payrolls", no_args_is_help=True)

JsonFlag = Annotated[bool, typer.Option("--json", help="In kết quả dạng JSON / print JSON")]
PayrollArgument = Annotated[int, typer.Argument(help="Mã danh sách chi trả / payroll id")]
COMPONENT_LABELS = {
    "monthly": "hằng tháng / monthly",
    "arrears": "truy lĩnh / arrears",
    "one_time": "một lần / one-time",
    "funeral": "mai táng / funeral",
    "carry_over": "chưa nhận kỳ trước / carried over",
}


def _period(text: str) -> Period:
    try:
        return Period.parse(text)
    except ValueError:
        raise ValidationFailed(
            f"Kỳ chi trả {text!r} không hợp lệ (YYYY-MM)", f"the period {text!r} is not valid (YYYY-MM)", field="period"
        ) from None


def _status(status: str) -> str:
    vi, en = lifecycle.STATUS_LABELS.get(status, (status, status))
    return f"{vi} / {en}"


def _diff_lines(diff: dict[str, Any], indent: str = "    ") -> list[str]:
    """The engine's diff, whatever its nesting: counts first, then the reasons under them."""
    out = []
    for key, value in diff.items():
        if isinstance(value, dict):
            out.append(f"{indent}{key}:")
            out.extend(_diff_lines(value, indent + "  "))
        elif isinstance(value, list):
            out.append(f"{indent}{key}: {', '.join(str(v) for v in value) or '—'}")
        else:
            out.append(f"{indent}{key}: {value}")
    return out


def _print_payroll(view: views.PayrollView) -> None:
    scope = f"tỉnh {view.province_code}" + (f", xã {', '.join(view.communes)}" if view.communes else "")
    typer.echo(f"#{view.id}  kỳ / period {view.period}  {view.program}  {scope}")
    late = "  TRỄ HẠN / LATE" if view.late else ""
    typer.echo(f"  Trạng thái / status: {_status(view.status)}; hạn duyệt / due {view.due_on:%d/%m/%Y}{late}")
    typer.echo(f"  {view.line_count} dòng / lines, tổng / total {format_vnd(view.total)}")
    for component, amount in view.totals.items():
        typer.echo(f"    {COMPONENT_LABELS.get(component, component)}: {format_vnd(amount)}")
    if view.diff:
        typer.echo("  So với kỳ trước / against the previous period:")
        for line in _diff_lines(view.diff):
            typer.echo(line)
    typer.echo(f"  Người lập / maker: {view.computed_by}; rà soát / reviewed: {view.reviewed_by or '—'}")
    typer.echo(f"  Người duyệt / checker: {view.approved_by or '—'}")
    if view.status == "cancelled":
        typer.echo(f"  Đã hủy bởi / cancelled by {view.cancelled_by}: {view.cancel_reason or '—'}")


def _output(view: views.PayrollView, json_output: bool) -> None:
    if json_output:
        emit_json(view)
    else:
        _print_payroll(view)


@app.command()
def run(
    period: Annotated[str, typer.Option("--period", help="Tháng chi trả YYYY-MM / the month paid")],
    province: Annotated[str, typer.Option("--province", help="Mã tỉnh / province code")],
    program: Annotated[Program, typer.Option(help="Chương trình / program")] = Program.SOCIAL_ASSISTANCE,
    commune: Annotated[
        list[str] | None, typer.Option("--commune", help="Chỉ xã này, lặp lại được / only this commune, repeatable")
    ] = None,
    user: UserOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Lập (hoặc lập lại) danh sách dự thảo / compute (or re-compute) a draft payroll."""
    from ansinh.payroll import engine

    principal = acting_user(user, Permission.PAYROLL_PREPARE)
    with ctx.uow(actor=principal.username) as uow:
        payroll_id = engine.run_payroll(
            uow,
            principal=principal,
            period=_period(period),
            province_code=province,
            program=program.value,
            communes=commune or None,
        )
        uow.commit()
        view = views.get_payroll(uow, area=principal.area, payroll_id=payroll_id)
    _output(view, json_output)


@app.command("list")
def list_payrolls(
    period: Annotated[str | None, typer.Option(help="Kỳ YYYY-MM / period")] = None,
    status: Annotated[str | None, typer.Option(help="Trạng thái / status")] = None,
    late: Annotated[bool | None, typer.Option("--late/--on-time", help="Trễ hạn hay không / late or not")] = None,
    limit: Annotated[int, typer.Option(help="Tối đa / at most")] = 100,
    user: UserOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Danh sách chi trả trong địa bàn, mới nhất trước / payrolls in your area, newest first."""
    principal = acting_user(user, Permission.PAYROLL_READ)
    with ctx.uow(actor=principal.username) as uow:
        found = views.list_payrolls(uow, area=principal.area, period=period, status=status, late=late, limit=limit)
    if json_output:
        emit_json(found)
        return
    for view in found:
        late_mark = " TRỄ HẠN / LATE" if view.late else ""
        typer.echo(
            f"#{view.id:<6} {view.period} {view.province_code} {view.program:<17} {view.status:<9} "
            f"{view.line_count:>7} dòng {format_vnd(view.total):>20}{late_mark}"
        )
    if not found:
        typer.echo("Chưa có danh sách chi trả nào / no payrolls")


@app.command()
def show(
    payroll_id: PayrollArgument,
    lines: Annotated[bool, typer.Option("--lines", help="Kèm các dòng / with the lines")] = False,
    limit: Annotated[int, typer.Option(help="Số dòng tối đa / at most this many lines")] = 100,
    after: Annotated[int | None, typer.Option(help="Sau dòng / after this line id")] = None,
    user: UserOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Xem một danh sách chi trả, lô và lệnh cấp kinh phí / show a payroll, its batches and funding orders."""
    principal = acting_user(user, Permission.PAYROLL_READ)
    with ctx.uow(actor=principal.username) as uow:
        view = views.get_payroll(uow, area=principal.area, payroll_id=payroll_id)
        orders = views.funding_orders(uow, area=principal.area, payroll_id=payroll_id)
        made = views.batches(uow, area=principal.area, payroll_id=payroll_id)
        rows = (
            views.list_lines(uow, area=principal.area, payroll_id=payroll_id, after=after, limit=limit) if lines else []
        )
    if json_output:
        body: dict[str, Any] = {"payroll": view, "funding_orders": orders, "batches": made}
        if lines:
            body["lines"] = rows
        emit_json(body)
        return
    _print_payroll(view)
    if made:
        typer.echo("  Lô chi trả / batches:")
    for batch in made:
        typer.echo(
            f"    {batch.reference}  {batch.provider_code:<14} {batch.method:<15} {batch.line_count:>6} dòng "
            f"{format_vnd(batch.total):>18}  {batch.status}"
        )
    if orders:
        typer.echo("  Lệnh cấp kinh phí / funding orders:")
    for order in orders:
        typer.echo(
            f"    #{order.id:<5} {order.provider_code:<14} {format_vnd(order.amount):>18}  {order.status}"
            + (f"  ({order.treasury_reference})" if order.treasury_reference else "")
        )
    if lines:
        typer.echo("  Dòng / lines:")
        for line in rows:
            typer.echo(
                f"    {line.id:<8} {line.beneficiary_code:<16} {line.payee_name or '—':<24} "
                f"{line.method or '—':<14} {line.account_number or '':<16} {format_vnd(line.total):>15}  "
                f"{line.delivery_status}"
            )
        if not rows:
            typer.echo("    Không có dòng nào / no lines")


@app.command()
def review(payroll_id: PayrollArgument, user: UserOption = None, json_output: JsonFlag = False) -> None:
    """Đánh dấu đã rà soát (người lập) / mark as reviewed (the maker has read the diff)."""
    principal = acting_user(user, Permission.PAYROLL_PREPARE)
    with ctx.uow(actor=principal.username) as uow:
        view = lifecycle.mark_reviewed(uow, principal=principal, payroll_id=payroll_id)
        uow.commit()
    _output(view, json_output)


@app.command()
def approve(payroll_id: PayrollArgument, user: UserOption = None, json_output: JsonFlag = False) -> None:
    """Phê duyệt (người khác người lập): khóa danh sách / approve (not the maker): the payroll is frozen."""
    principal = acting_user(user, Permission.PAYROLL_APPROVE)
    with ctx.uow(actor=principal.username) as uow:
        view = lifecycle.approve(uow, principal=principal, payroll_id=payroll_id)
        uow.commit()
    _output(view, json_output)


@app.command()
def cancel(
    payroll_id: PayrollArgument,
    reason: Annotated[str | None, typer.Option(help="Lý do (bắt buộc khi đã phê duyệt) / why")] = None,
    user: UserOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Hủy cả danh sách / cancel the whole payroll (an approved one: by the checker, with a reason)."""
    principal = acting_user(user, Permission.PAYROLL_READ)  # the service checks maker or checker by the state
    with ctx.uow(actor=principal.username) as uow:
        view = lifecycle.cancel(uow, principal=principal, payroll_id=payroll_id, reason=reason)
        uow.commit()
    _output(view, json_output)


@app.command()
def fund(
    payroll_id: Annotated[
        int | None, typer.Argument(help="Mã danh sách: xác nhận mọi lệnh đang chờ / payroll id")
    ] = None,
    order: Annotated[int | None, typer.Option("--order", help="Chỉ một lệnh / only this funding order")] = None,
    reference: Annotated[
        str | None, typer.Option("--reference", help="Số chứng từ của Kho bạc / the treasury's reference")
    ] = None,
    user: UserOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Ghi nhận Kho bạc đã chuyển kinh phí / record the treasury's transfers (each posted to the ledger)."""
    if (payroll_id is None) == (order is None):
        raise ValidationFailed(
            "Cho biết mã danh sách hoặc --order (một trong hai)",
            "give either a payroll id or --order, not both",
            field="order",
        )
    if order is not None and not reference:
        raise ValidationFailed(
            "Thiếu --reference: số chứng từ của Kho bạc",
            "--reference is required: the treasury's reference",
            field="treasury_reference",
        )
    principal = acting_user(user, Permission.FUNDING_MANAGE)
    with ctx.uow(actor=principal.username) as uow:
        if order is not None:
            ids = [order]
        else:
            assert payroll_id is not None
            ids = lifecycle.open_funding_orders(uow, principal=principal, payroll_id=payroll_id)
            if not ids:
                raise ValidationFailed(
                    f"Danh sách {payroll_id} không còn lệnh cấp kinh phí nào chờ xác nhận",
                    f"payroll {payroll_id} has no funding order waiting for confirmation",
                    field="order",
                )
        # Several orders may share one treasury slip: the same reference is recorded on each.
        confirmed = [
            lifecycle.confirm_funding(uow, principal=principal, order_id=order_id, treasury_reference=reference)
            for order_id in ids
        ]
        uow.commit()
    if json_output:
        emit_json(confirmed)
        return
    for done in confirmed:
        typer.echo(
            f"Đã xác nhận lệnh #{done.id} {done.provider_code} {format_vnd(done.amount)} "
            f"({done.treasury_reference or 'không số chứng từ / no reference'}) / funding order confirmed"
        )


@app.command()
def ledger(
    province: Annotated[str, typer.Option("--province", help="Mã tỉnh / province code")],
    user: UserOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Số dư sổ cái của tỉnh / the province's ledger balances and each provider's deposit."""
    principal = acting_user(user, Permission.PAYROLL_READ)
    with ctx.uow(actor=principal.username) as uow:
        view = views.ledger_balances(uow, area=principal.area, province_code=province)
    if json_output:
        emit_json(view)
        return
    typer.echo(f"Sổ cái tỉnh / ledger of province {view.province_code} (Nợ − Có / debit − credit):")
    for name, balance in view.balances.items():
        typer.echo(f"  {name:<40} {format_vnd(balance):>22}")
    if not view.balances:
        typer.echo("  Chưa có bút toán nào / no entries yet")
    for provider in view.providers:
        typer.echo(
            f"  {provider.provider_code}: đã cấp / funded {format_vnd(provider.funded)}, "
            f"số dư tiền gửi / deposit {format_vnd(provider.deposit)}"
        )
    if view.unbalanced_entries:
        ids = ", ".join(str(i) for i in view.unbalanced_entries)
        typer.echo(f"  CẢNH BÁO: bút toán không cân / WARNING: unbalanced entries: {ids}")
