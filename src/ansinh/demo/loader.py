"""`ansinh demo`: initialise, then add one user per role (passwords printed once, kept in var/)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select

from ansinh.access import services as access
from ansinh.access.domain import Role
from ansinh.access.tables import User
from ansinh.core.errors import ConfigError
from ansinh.core.settings import Environment
from ansinh.setup import InitReport, initialise

if TYPE_CHECKING:
    from ansinh.cli.context import Context

CAN_THO = "92"
CAO_BANG = "04"
# (user name, role, full name, province, communes) — Cần Thơ is the demo's main province.
DEMO_USERS: list[tuple[str, Role, str, str | None, list[str]]] = [
    ("admin", Role.ADMIN, "Quản trị viên Nguyễn Văn An", None, []),
    ("xa.ninhkieu", Role.COMMUNE_OFFICER, "Trần Thị Bích (Phường Ninh Kiều)", CAN_THO, ["31135"]),
    ("nghiepvu", Role.PROGRAM_OFFICER, "Lê Văn Cường", CAN_THO, []),
    ("pheduyet", Role.APPROVER, "Phạm Thị Dung", CAN_THO, []),
    ("taichinh", Role.FINANCE_OFFICER, "Hoàng Văn Em", CAN_THO, []),
    ("buudien", Role.PROVIDER_OPERATOR, "Bưu điện Cần Thơ", CAN_THO, []),
    ("kiemtoan", Role.AUDITOR, "Vũ Thị Giang", None, []),
    ("lanhdao", Role.VIEWER, "Đỗ Văn Hùng", None, []),
]


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    password: str


@dataclass
class DemoReport:
    init: InitReport
    credentials_file: str
    created_users: list[DemoAccount] = field(default_factory=list)


def load_demo(ctx: Context) -> DemoReport:
    settings = ctx.settings
    if settings.env not in (Environment.DEMO, Environment.TEST):
        raise ConfigError(
            "Dữ liệu mẫu chỉ được nạp khi ANSINH_ENV=demo (hoặc test), không bao giờ vào cơ sở dữ liệu thật",
            "Demo data loads only with ANSINH_ENV=demo (or test), never into a production database",
        )
    init = initialise(ctx)
    credentials = settings.var_dir / "demo-credentials.txt"
    report = DemoReport(init=init, credentials_file=str(credentials))
    with ctx.uow(actor="demo") as uow:
        existing = set(uow.session.scalars(select(User.username)))
        for username, role, full_name, province, communes in DEMO_USERS:
            if username in existing:
                continue
            password = f"{username}-{secrets.token_urlsafe(6)}"
            access.create_user(
                uow,
                username=username,
                full_name=full_name,
                password=password,
                role=role,
                province_code=province,
                commune_codes=communes,
            )
            report.created_users.append(DemoAccount(username, role.value, password))
        uow.commit()
    if report.created_users:
        _save(credentials, report.created_users)
    return report


def _save(path: Path, accounts: list[DemoAccount]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"{a.username}\t{a.role}\t{a.password}\n" for a in accounts]
    with open(path, "a", encoding="utf-8") as handle:
        handle.writelines(lines)
    os.chmod(path, 0o600)
