"""`ansinh decision` — enrol, propose, confirm proposals, approve or reject, list, show, timeline.

Every command acts as a named user (``--user`` or ``ANSINH_USER``): the maker-checker rule and the user's area apply
on the command line exactly as on the API.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Annotated, Any

import typer

from ansinh.access.domain import Permission
from ansinh.cli.context import UserOption, acting_user, ctx, emit_json
from ansinh.core.errors import ValidationFailed
from ansinh.core.period import Period
from ansinh.decisions import services
from ansinh.decisions.domain import STATUS_LABELS, DecisionKind, DecisionStatus, FuneralCause
from ansinh.registry.importing import Program

app = typer.Typer(help="Quyết định và phê duyệt / decisions and approval", no_args_is_help=True)

JsonFlag = Annotated[bool, typer.Option("--json", help="In kết quả dạng JSON / print JSON")]
Number = Annotated[str, typer.Option("--number", help="Số quyết định, ví dụ 123/QĐ-UBND / decision number")]
SignedOn = Annotated[
    datetime, typer.Option("--signed-on", formats=["%Y-%m-%d"], help="Ngày ký YYYY-MM-DD / signing date")
]
Signer = Annotated[str, typer.Option("--signer", help="Người ký / signer")]
LegalBasis = Annotated[str, typer.Option("--legal-basis", help="Căn cứ pháp lý / legal basis")]
EffectiveFrom = Annotated[
    str | None,
    typer.Option("--effective-from", help="Tháng hiệu lực YYYY-MM (mặc định: tháng ký) / effective month"),
]
CategoryOption = Annotated[
    list[str] | None,
    typer.Option(
        "--category",
        help="Diện hưởng MÃ[:units=N][:rate=R], lặp lại được / category CODE[:units=N][:rate=R], repeatable",
    ),
]


def _period(text: str | None) -> Period | None:
    if text is None:
        return None
    try:
        return Period.parse(text)
    except ValueError:
        raise ValidationFailed(
            f"Tháng hiệu lực {text!r} không hợp lệ (YYYY-MM)",
            f"the effective month {text!r} is not valid (YYYY-MM)",
            field="effective_from",
        ) from None


def parse_category(text: str) -> dict[str, object]:
    """``sa_single_parent_poor:units=2`` → ``{"code": …, "units": 2}``; ``mer_war_invalid:rate=61`` → injury rate."""
    code, *options = text.strip().split(":")
    entry: dict[str, object] = {"code": code.strip()}
    for option in options:
        key, _, value = option.partition("=")
        name = {"units": "units", "rate": "injury_rate"}.get(key.strip())
        if name is None or not value.strip().isdigit():
            raise ValidationFailed(
                f"--category {text!r}: viết MÃ[:units=N][:rate=R]",
                f"--category {text!r}: write CODE[:units=N][:rate=R]",
                field="categories",
            )
        entry[name] = int(value)
    return entry


def _details(raw: str | None, categories: list[str] | None) -> dict[str, Any]:
    details: dict[str, Any] = {}
    if raw is not None:
        try:
            loaded = json.loads(raw)
        except json.JSONDecodeError as error:
            raise ValidationFailed(
                f"--details không phải JSON hợp lệ: {error.msg}", f"--details is not valid JSON: {error.msg}"
            ) from None
        if not isinstance(loaded, dict):
            raise ValidationFailed("--details phải là một đối tượng JSON", "--details must be a JSON object")
        details = loaded
    if categories:
        details["categories"] = [parse_category(c) for c in categories]
    return details


def _print(view: services.DecisionView) -> None:
    status = STATUS_LABELS[view.status][0]
    typer.echo(f"#{view.id}  {view.beneficiary_code}  {view.kind.value:<9} {status}")
    typer.echo(f"  {view.summary_vi}")
    if view.number:
        signed = view.signed_on.strftime("%d/%m/%Y") if view.signed_on else "?"
        typer.echo(f"  Số / number {view.number}, ký ngày / signed {signed}, {view.signer}")
    typer.echo(f"  Người lập / maker: {view.submitted_by or '—'}; người duyệt / checker: {view.reviewed_by or '—'}")
    if view.rejection_reason:
        typer.echo(f"  Lý do từ chối / rejected because: {view.rejection_reason}")


def _output(view: services.DecisionView, json_output: bool) -> None:
    if json_output:
        emit_json(view)
    else:
        _print(view)


def _day(value: datetime | None) -> date | None:
    return value.date() if value is not None else None


@app.command()
def enrol(
    person_id: Annotated[int, typer.Argument(help="Mã người / person id")],
    program: Annotated[Program, typer.Option(help="Chương trình / program")],
    number: Number,
    signed_on: SignedOn,
    signer: Signer,
    legal_basis: LegalBasis,
    category: CategoryOption = None,
    effective_from: EffectiveFrom = None,
    commune: Annotated[str | None, typer.Option(help="Mã xã (mặc định: xã của người) / commune code")] = None,
    note: Annotated[str | None, typer.Option(help="Ghi chú / note")] = None,
    user: UserOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Đăng ký hưởng: đối tượng chờ duyệt và quyết định hưởng / enrol: a pending beneficiary and its grant."""
    principal = acting_user(user, Permission.DECISION_PROPOSE)
    with ctx.uow(actor=principal.username) as uow:
        view = services.enrol(
            uow,
            area=principal.area,
            person_id=person_id,
            program=program,
            commune_code=commune,
            number=number,
            signed_on=signed_on.date(),
            signer=signer,
            effective_from=_period(effective_from),
            legal_basis=legal_basis,
            categories=[parse_category(c) for c in category or []],
            note=note,
        )
        uow.commit()
    _output(view, json_output)


@app.command()
def propose(
    beneficiary_code: Annotated[str, typer.Argument(help="Mã đối tượng / beneficiary code")],
    kind: Annotated[DecisionKind, typer.Option(help="Loại quyết định / kind")],
    number: Number,
    signed_on: SignedOn,
    signer: Signer,
    legal_basis: LegalBasis,
    effective_from: EffectiveFrom = None,
    details: Annotated[
        str | None, typer.Option(help='Nội dung JSON, ví dụ {"reason": "…"} / what the act says, as JSON')
    ] = None,
    category: CategoryOption = None,
    user: UserOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Nhập một quyết định đã ký, chờ phê duyệt / enter a signed decision for a checker."""
    principal = acting_user(user, Permission.DECISION_PROPOSE)
    with ctx.uow(actor=principal.username) as uow:
        view = services.propose(
            uow,
            area=principal.area,
            beneficiary_code=beneficiary_code,
            kind=kind,
            number=number,
            signed_on=signed_on.date(),
            signer=signer,
            effective_from=_period(effective_from),
            legal_basis=legal_basis,
            details=_details(details, category),
        )
        uow.commit()
    _output(view, json_output)


@app.command()
def submit(
    decision_id: Annotated[int, typer.Argument(help="Mã quyết định / decision id")],
    number: Number,
    signed_on: SignedOn,
    signer: Signer,
    legal_basis: Annotated[str | None, typer.Option("--legal-basis", help="Căn cứ pháp lý / legal basis")] = None,
    effective_from: EffectiveFrom = None,
    organiser: Annotated[
        int | None, typer.Option(help="Mã người tổ chức mai táng / funeral organiser's person id")
    ] = None,
    cause: Annotated[FuneralCause | None, typer.Option(help="Nguyên nhân mất / cause of death")] = None,
    user: UserOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Xác nhận đề xuất của hệ thống, trở thành người lập / confirm a system proposal and become its maker."""
    principal = acting_user(user, Permission.DECISION_PROPOSE)
    with ctx.uow(actor=principal.username) as uow:
        view = services.submit_draft(
            uow,
            area=principal.area,
            decision_id=decision_id,
            number=number,
            signed_on=signed_on.date(),
            signer=signer,
            legal_basis=legal_basis,
            effective_from=_period(effective_from),
            organiser_person_id=organiser,
            cause=cause.value if cause else None,
        )
        uow.commit()
    _output(view, json_output)


@app.command()
def approve(
    decision_id: Annotated[int, typer.Argument(help="Mã quyết định / decision id")],
    user: UserOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Phê duyệt (người khác người lập) / approve (not the maker): the act applies to the beneficiary."""
    principal = acting_user(user, Permission.DECISION_APPROVE)
    with ctx.uow(actor=principal.username) as uow:
        view = services.approve(uow, principal=principal, decision_id=decision_id)
        uow.commit()
    _output(view, json_output)


@app.command()
def reject(
    decision_id: Annotated[int, typer.Argument(help="Mã quyết định / decision id")],
    reason: Annotated[str, typer.Option(help="Lý do từ chối / why")],
    user: UserOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Từ chối, nêu lý do / reject, saying why."""
    principal = acting_user(user, Permission.DECISION_APPROVE)
    with ctx.uow(actor=principal.username) as uow:
        view = services.reject(uow, principal=principal, decision_id=decision_id, reason=reason)
        uow.commit()
    _output(view, json_output)


@app.command("list")
def list_decisions(
    status: Annotated[DecisionStatus | None, typer.Option(help="Trạng thái / status")] = None,
    kind: Annotated[DecisionKind | None, typer.Option(help="Loại / kind")] = None,
    beneficiary: Annotated[str | None, typer.Option(help="Mã đối tượng / beneficiary code")] = None,
    after: Annotated[int | None, typer.Option(help="Sau mã quyết định / after this id")] = None,
    limit: Annotated[int, typer.Option(help="Tối đa / at most")] = 50,
    user: UserOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Quyết định trong địa bàn; hàng chờ duyệt: --status submitted / decisions in your area; the queue."""
    principal = acting_user(user, Permission.REGISTRY_READ)
    with ctx.uow(actor=principal.username) as uow:
        views = services.list_decisions(
            uow,
            area=principal.area,
            status=status,
            kind=kind,
            beneficiary_code=beneficiary,
            after_id=after,
            limit=limit,
        )
    if json_output:
        emit_json(views)
        return
    for view in views:
        typer.echo(
            f"#{view.id:<6} {view.beneficiary_code:<16} {view.kind.value:<9} {view.status.value:<9} {view.summary_vi}"
        )
    if not views:
        typer.echo("Không có quyết định nào / no decisions")


@app.command()
def show(
    decision_id: Annotated[int, typer.Argument(help="Mã quyết định / decision id")],
    user: UserOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Xem một quyết định / show one decision."""
    principal = acting_user(user, Permission.REGISTRY_READ)
    with ctx.uow(actor=principal.username) as uow:
        view = services.get_decision(uow, area=principal.area, decision_id=decision_id)
    _output(view, json_output)


@app.command()
def timeline(
    beneficiary_code: Annotated[str, typer.Argument(help="Mã đối tượng / beneficiary code")],
    user: UserOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Diễn biến hưởng của một đối tượng / a beneficiary's decisions in order."""
    principal = acting_user(user, Permission.REGISTRY_READ)
    with ctx.uow(actor=principal.username) as uow:
        entries = services.timeline(uow, area=principal.area, beneficiary_code=beneficiary_code)
    if json_output:
        emit_json(entries)
        return
    for entry in entries:
        signed = entry.signed_on.strftime("%d/%m/%Y") if entry.signed_on else "—"
        status = STATUS_LABELS[entry.status][0]
        typer.echo(
            f"{entry.effective_from or '—':<8} {signed:<10} #{entry.decision_id:<6} {status:<14} {entry.summary_vi}"
        )
        if entry.rejection_reason:
            typer.echo(f"{'':<36}Lý do từ chối / rejected because: {entry.rejection_reason}")
    if not entries:
        typer.echo("Chưa có quyết định nào / no decisions yet")
