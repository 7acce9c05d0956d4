"""Commands added to `ansinh registry`: person, beneficiary, relation, duplicates (thin: rules live in services)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from enum import StrEnum
from typing import Annotated

import typer

from ansinh.access.domain import Permission
from ansinh.cli.context import UserOption, acting_user, ctx, emit_json
from ansinh.core.errors import ValidationFailed
from ansinh.registry import services
from ansinh.registry.domain import BeneficiaryStatus, RelationRole
from ansinh.registry.identity import Sex
from ansinh.registry.importing import Program

JsonFlag = Annotated[bool, typer.Option("--json", help="In kết quả dạng JSON / print JSON")]
RevealFlag = Annotated[
    bool,
    typer.Option("--reveal", help="Hiện đủ số định danh, điện thoại (ghi nhật ký) / show full identifiers (audited)"),
]
AfterOption = Annotated[int | None, typer.Option("--after", help="Trang sau mã này / the page after this id")]
LimitOption = Annotated[int, typer.Option("--limit", min=1, max=services.MAX_PAGE, help="Số dòng / rows per page")]
CommuneOption = Annotated[str | None, typer.Option("--commune", help="Mã xã / commune code")]

person_app = typer.Typer(help="Người (hồ sơ cá nhân) / persons", no_args_is_help=True)
beneficiary_app = typer.Typer(help="Đối tượng thụ hưởng (chỉ xem) / beneficiaries (read only)", no_args_is_help=True)
relation_app = typer.Typer(
    help="Người giám hộ, ủy quyền, chăm sóc… / guardians, proxies, caregivers…", no_args_is_help=True
)
duplicates_app = typer.Typer(help="Hồ sơ nghi trùng / likely duplicates", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `registry` group."""
    app.add_typer(person_app, name="person")
    app.add_typer(beneficiary_app, name="beneficiary")
    app.add_typer(relation_app, name="relation")
    app.add_typer(duplicates_app, name="duplicates")


def _day(text: str | None, field: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationFailed(
            f"«{text}» không phải ngày dạng YYYY-MM-DD.", f"{text!r} is not a YYYY-MM-DD date.", field=field
        ) from None


def _required_day(text: str, field: str) -> date:
    day = _day(text, field)
    assert day is not None
    return day


def _person_line(person: services.PersonView) -> str:
    return (
        f"{person.id:>8}  {person.national_id}  {person.full_name:<30} {person.date_of_birth:%d/%m/%Y}  "
        f"{person.commune_code} {person.commune_name}  {person.phone or ''}"
    )


def _print_page[T](page: services.Page[T], line: Callable[[T], str], *, json_output: bool, empty: str) -> None:
    """One page of a list: JSON, or a line per item, what to say when empty, and how to ask for the next page."""
    if json_output:
        emit_json(page)
        return
    for item in page.items:
        typer.echo(line(item))
    if not page.items:
        typer.echo(empty)
    if page.next_after is not None:
        typer.echo(f"… trang sau / next page: --after {page.next_after}")


# ----------------------------------------------------------------------------------------------------
# person


@person_app.command("add")
def person_add(
    national_id: Annotated[str, typer.Option("--national-id", help="Số định danh 12 số / 12-digit personal ID")],
    full_name: Annotated[str, typer.Option("--full-name", help="Họ và tên / full name")],
    date_of_birth: Annotated[str, typer.Option("--date-of-birth", help="Ngày sinh YYYY-MM-DD / date of birth")],
    sex: Annotated[Sex, typer.Option("--sex", help="Giới tính / sex")],
    commune: Annotated[str, typer.Option("--commune", help="Mã xã thường trú / commune code")],
    address: Annotated[str | None, typer.Option("--address", help="Địa chỉ / street address")] = None,
    phone: Annotated[str | None, typer.Option("--phone", help="Số điện thoại / phone")] = None,
    override_reason: Annotated[
        str | None,
        typer.Option("--override-reason", help="Lý do chấp nhận cảnh báo số định danh / why a warning is accepted"),
    ] = None,
    user: UserOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Đăng ký một người / register a person (identity checks, duplicate flags)."""
    principal = acting_user(user, Permission.REGISTRY_WRITE)
    with ctx.uow(actor=principal.username) as uow:
        view = services.register_person(
            uow,
            area=principal.area,
            national_id=national_id,
            full_name=full_name,
            date_of_birth=_required_day(date_of_birth, "date_of_birth"),
            sex=sex,
            commune_code=commune,
            address=address,
            phone=phone,
            identity_override_reason=override_reason,
        )
        uow.commit()
    if json_output:
        emit_json(view)
        return
    typer.echo(f"Đã đăng ký / registered: {_person_line(view)}")


@person_app.command("show")
def person_show(
    person_id: Annotated[int, typer.Argument(help="Mã người / person id", min=1)],
    reveal: RevealFlag = False,
    user: UserOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Xem một người / show one person."""
    principal = acting_user(user, Permission.PII_READ if reveal else Permission.REGISTRY_READ)
    with ctx.uow(actor=principal.username) as uow:
        view = services.get_person(uow, area=principal.area, person_id=person_id, reveal=reveal)
        uow.commit()  # with --reveal: the audit record of who looked
    if json_output:
        emit_json(view)
        return
    typer.echo(_person_line(view))
    typer.echo(f"  {view.sex.label_vi}, {view.address or ''}; xác thực / verification: {view.verification_status}")
    if view.identity_warnings:
        typer.echo(f"  cảnh báo đã chấp nhận / accepted warnings: {', '.join(view.identity_warnings)}")
        typer.echo(f"  lý do / reason: {view.identity_override_reason}")


@person_app.command("search")
def person_search(
    query: Annotated[
        str | None, typer.Argument(help="Tên (không cần dấu), số định danh hoặc điện thoại / name, ID or phone")
    ] = None,
    commune: CommuneOption = None,
    after: AfterOption = None,
    limit: LimitOption = 50,
    user: UserOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Tìm người trong địa bàn / search persons in your area ("nguyen van an" finds "Nguyễn Văn An")."""
    principal = acting_user(user, Permission.REGISTRY_READ)
    with ctx.uow(actor=principal.username) as uow:
        page = services.search_persons(
            uow, area=principal.area, query=query, commune_code=commune, after_id=after, limit=limit
        )
    _print_page(page, _person_line, json_output=json_output, empty="Không tìm thấy / nothing found")


# ----------------------------------------------------------------------------------------------------
# beneficiary


def _beneficiary_line(item: services.BeneficiarySummary) -> str:
    return (
        f"{item.code:<16} {item.program.value:<18} {item.status.value:<10} {item.national_id}  "
        f"{item.full_name:<30} {item.date_of_birth:%d/%m/%Y} {item.commune_code}"
    )


@beneficiary_app.command("show")
def beneficiary_show(
    code: Annotated[str, typer.Argument(help="Mã đối tượng / beneficiary code, e.g. 92-TG-00000001")],
    reveal: RevealFlag = False,
    user: UserOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Xem một đối tượng / show one beneficiary with categories, relations and payment method."""
    principal = acting_user(user, Permission.PII_READ if reveal else Permission.REGISTRY_READ)
    with ctx.uow(actor=principal.username) as uow:
        view = services.get_beneficiary(uow, area=principal.area, code=code, reveal=reveal)
        uow.commit()
    if json_output:
        emit_json(view)
        return
    typer.echo(f"{view.code}  {view.program.value}  {view.status.value}")
    typer.echo(f"  {_person_line(view.person)}")
    for category in view.categories:
        typer.echo(f"  diện / category: {category.code} — {category.title_vi}")
    for relation in view.relations:
        until = f"{relation.valid_to:%d/%m/%Y}" if relation.valid_to else "…"
        typer.echo(
            f"  {relation.role.value}: {relation.full_name} ({relation.national_id}) "
            f"{relation.valid_from:%d/%m/%Y}–{until}"
        )
    method = view.payment_method
    if method is not None:
        account = ""
        if method.account_number:
            account = f" {method.bank_short_name or method.provider_code or ''} {method.account_number}"
        typer.echo(f"  chi trả / payment: {method.kind}{account} → {method.payee_full_name} ({method.payee_role})")


@beneficiary_app.command("list")
def beneficiary_list(
    commune: CommuneOption = None,
    program: Annotated[Program | None, typer.Option("--program", help="Chế độ / program")] = None,
    status: Annotated[BeneficiaryStatus | None, typer.Option("--status", help="Trạng thái / status")] = None,
    after: AfterOption = None,
    limit: LimitOption = 50,
    user: UserOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Danh sách đối tượng trong địa bàn / beneficiaries in your area (citizen IDs masked)."""
    principal = acting_user(user, Permission.REGISTRY_READ)
    with ctx.uow(actor=principal.username) as uow:
        page = services.list_beneficiaries(
            uow, area=principal.area, commune_code=commune, program=program, status=status, after_id=after, limit=limit
        )
    _print_page(page, _beneficiary_line, json_output=json_output, empty="Không có / none")


# ----------------------------------------------------------------------------------------------------
# relation


@relation_app.command("add")
def relation_add(
    beneficiary_code: Annotated[str, typer.Argument(help="Mã đối tượng / beneficiary code")],
    person_id: Annotated[int, typer.Option("--person-id", min=1, help="Mã người liên quan / the related person's id")],
    role: Annotated[RelationRole, typer.Option("--role", help="Vai trò / role")],
    valid_from: Annotated[str, typer.Option("--from", help="Hiệu lực từ YYYY-MM-DD / valid from")],
    valid_to: Annotated[str | None, typer.Option("--to", help="Đến hết ngày YYYY-MM-DD / valid to")] = None,
    document: Annotated[
        str | None, typer.Option("--document", help="Số giấy ủy quyền, giám hộ / document number")
    ] = None,
    user: UserOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Thêm người giám hộ, ủy quyền, chăm sóc… / add a relation (a proxy needs --document and --to)."""
    principal = acting_user(user, Permission.REGISTRY_WRITE)
    with ctx.uow(actor=principal.username) as uow:
        beneficiary_id = services.beneficiary_id_for_code(uow, area=principal.area, code=beneficiary_code)
        view = services.add_relation(
            uow,
            area=principal.area,
            beneficiary_id=beneficiary_id,
            person_id=person_id,
            role=role,
            valid_from=_required_day(valid_from, "valid_from"),
            valid_to=_day(valid_to, "valid_to"),
            document_number=document,
        )
        uow.commit()
    if json_output:
        emit_json(view)
        return
    typer.echo(f"Đã thêm / added: #{view.id} {view.role.value} {view.full_name} ({view.national_id})")


@relation_app.command("end")
def relation_end(
    beneficiary_code: Annotated[str, typer.Argument(help="Mã đối tượng / beneficiary code")],
    relation_id: Annotated[int, typer.Argument(min=1, help="Mã quan hệ / relation id")],
    valid_to: Annotated[str, typer.Option("--to", help="Ngày cuối còn hiệu lực YYYY-MM-DD / last valid day")],
    user: UserOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Kết thúc một quan hệ / end a relation."""
    principal = acting_user(user, Permission.REGISTRY_WRITE)
    with ctx.uow(actor=principal.username) as uow:
        beneficiary_id = services.beneficiary_id_for_code(uow, area=principal.area, code=beneficiary_code)
        view = services.end_relation(
            uow,
            area=principal.area,
            relation_id=relation_id,
            valid_to=_required_day(valid_to, "valid_to"),
            beneficiary_id=beneficiary_id,
        )
        uow.commit()
    if json_output:
        emit_json(view)
        return
    typer.echo(f"Đã kết thúc / ended: #{view.id} {view.role.value} {view.full_name} → {view.valid_to}")


# ----------------------------------------------------------------------------------------------------
# duplicates


class FlagStatus(StrEnum):
    OPEN = "open"
    DISTINCT = "distinct"
    SAME_PERSON = "same_person"
    ALL = "all"


class Verdict(StrEnum):
    DISTINCT = "distinct"
    SAME_PERSON = "same_person"


def _flag_line(flag: services.DuplicateFlagView) -> str:
    first, second = flag.person, flag.other_person
    return (
        f"#{flag.id:<6} {flag.reason:<8} {flag.status:<11} "
        f"{first.id} {first.full_name} ({first.date_of_birth:%d/%m/%Y}, {first.commune_code}) ↔ "
        f"{second.id} {second.full_name} ({second.date_of_birth:%d/%m/%Y}, {second.commune_code})"
    )


@duplicates_app.command("list")
def duplicates_list(
    status: Annotated[FlagStatus, typer.Option("--status", help="Trạng thái / status")] = FlagStatus.OPEN,
    after: AfterOption = None,
    limit: LimitOption = 50,
    user: UserOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Các cặp nghi trùng trong địa bàn / likely duplicates touching your area."""
    principal = acting_user(user, Permission.REGISTRY_READ)
    with ctx.uow(actor=principal.username) as uow:
        page = services.list_duplicate_flags(
            uow,
            area=principal.area,
            status=None if status is FlagStatus.ALL else status.value,
            after_id=after,
            limit=limit,
        )
    _print_page(page, _flag_line, json_output=json_output, empty="Không có / none")


@duplicates_app.command("review")
def duplicates_review(
    flag_id: Annotated[int, typer.Argument(min=1, help="Mã cảnh báo / flag id")],
    verdict: Annotated[Verdict, typer.Option("--verdict", help="Kết luận / verdict")],
    note: Annotated[str | None, typer.Option("--note", help="Ghi chú / note")] = None,
    user: UserOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Kết luận một cặp nghi trùng (một lần) / record the verdict on a likely duplicate (once)."""
    principal = acting_user(user, Permission.REGISTRY_WRITE)
    with ctx.uow(actor=principal.username) as uow:
        view = services.review_duplicate_flag(
            uow, area=principal.area, flag_id=flag_id, verdict=verdict.value, note=note
        )
        uow.commit()
    if json_output:
        emit_json(view)
        return
    typer.echo(f"Đã ghi kết luận / recorded: {_flag_line(view)}")
