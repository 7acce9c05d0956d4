"""Test data for the access context."""

from __future__ import annotations

from ansinh.access import services
from ansinh.access.domain import Role
from ansinh.core.uow import UnitOfWork

PASSWORD = "correct-horse-battery"

# One user per role, with an area each role may hold (Cần Thơ, or its Ninh Kiều ward for the commune officer).
ROLE_USERS: dict[Role, tuple[str | None, list[str]]] = {
    Role.COMMUNE_OFFICER: ("92", ["31135"]),
    Role.PROGRAM_OFFICER: ("92", []),
    Role.APPROVER: ("92", []),
    Role.FINANCE_OFFICER: ("92", []),
    Role.PROVIDER_OPERATOR: ("92", []),
    Role.AUDITOR: (None, []),
    Role.VIEWER: (None, []),
    Role.ADMIN: (None, []),
}


def make_user(uow: UnitOfWork, role: Role, username: str | None = None, password: str = PASSWORD) -> str:
    province, communes = ROLE_USERS[role]
    name = username or role.value.replace("_", "-")
    services.create_user(
        uow,
        username=name,
        full_name=f"Người dùng {role.value}",
        password=password,
        role=role,
        province_code=province,
        commune_codes=communes,
    )
    return name


def make_all_roles(uow: UnitOfWork) -> dict[Role, str]:
    return {role: make_user(uow, role) for role in Role}
