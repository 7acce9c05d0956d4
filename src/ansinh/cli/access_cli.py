"""`ansinh user` — users, roles and areas."""

from __future__ import annotations

import secrets
from typing import Annotated

import typer

from ansinh.access import services
from ansinh.access.domain import Role
from ansinh.cli.context import ctx, emit_json

app = typer.Typer(help="Người dùng / users", no_args_is_help=True)
JsonFlag = Annotated[bool, typer.Option("--json", help="In kết quả dạng JSON / print JSON")]


@app.command()
def create(
    username: Annotated[str, typer.Argument(help="Tên đăng nhập / user name")],
    role: Annotated[Role, typer.Option(help="Vai trò / role")],
    full_name: Annotated[str, typer.Option("--full-name", help="Họ tên / full name")],
    province: Annotated[str | None, typer.Option(help="Mã tỉnh của địa bàn / area province code")] = None,
    commune: Annotated[list[str] | None, typer.Option(help="Mã xã (lặp lại được) / commune code (repeatable)")] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Đọc mật khẩu từ stdin / read the password from stdin")
    ] = False,
    json_output: JsonFlag = False,
) -> None:
    """Tạo người dùng; mật khẩu ngẫu nhiên được in ra nếu không đọc từ stdin / create a user."""
    generated = not password_stdin
    password = secrets.token_urlsafe(12) if generated else typer.get_text_stream("stdin").readline().rstrip("\n")
    with ctx.uow() as uow:
        view = services.create_user(
            uow,
            username=username,
            full_name=full_name,
            password=password,
            role=role,
            province_code=province,
            commune_codes=commune or [],
        )
        uow.commit()
    if json_output:
        emit_json({"user": view, "password": password if generated else None})
        return
    typer.echo(f"Đã tạo / created: {view.username} ({view.role.value})")
    if generated:
        typer.echo(f"Mật khẩu / password: {password}")


@app.command("list")
def list_users(json_output: JsonFlag = False) -> None:
    """Liệt kê người dùng / list users."""
    with ctx.uow() as uow:
        users = services.list_users(uow)
    if json_output:
        emit_json(users)
        return
    for user in users:
        area = user.province_code or "toàn quốc"
        if user.commune_codes:
            area += ":" + ",".join(user.commune_codes)
        state = "disabled" if user.disabled else "locked" if user.locked else "active"
        typer.echo(f"{user.username:<20} {user.role.value:<18} {area:<20} {state}")


@app.command()
def disable(username: str, json_output: JsonFlag = False) -> None:
    """Khoá người dùng và đăng xuất mọi phiên / disable a user and end all their sessions."""
    with ctx.uow() as uow:
        view = services.disable_user(uow, username=username)
        uow.commit()
    if json_output:
        emit_json(view)
    else:
        typer.echo(f"Đã khoá / disabled: {view.username}")
