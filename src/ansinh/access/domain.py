"""Roles, permissions and areas: pure rules, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    COMMUNE_OFFICER = "commune_officer"
    PROGRAM_OFFICER = "program_officer"  # maker
    APPROVER = "approver"  # checker
    FINANCE_OFFICER = "finance_officer"
    PROVIDER_OPERATOR = "provider_operator"
    AUDITOR = "auditor"
    VIEWER = "viewer"  # ministry / province: aggregates only
    ADMIN = "admin"


ROLE_LABELS: dict[Role, tuple[str, str]] = {
    Role.COMMUNE_OFFICER: ("Cán bộ xã", "Commune officer"),
    Role.PROGRAM_OFFICER: ("Cán bộ nghiệp vụ", "Program officer"),
    Role.APPROVER: ("Người phê duyệt", "Approver"),
    Role.FINANCE_OFFICER: ("Cán bộ tài chính", "Finance officer"),
    Role.PROVIDER_OPERATOR: ("Tổ chức dịch vụ chi trả", "Provider operator"),
    Role.AUDITOR: ("Kiểm toán viên", "Auditor"),
    Role.VIEWER: ("Lãnh đạo (xem tổng hợp)", "Ministry/province viewer"),
    Role.ADMIN: ("Quản trị hệ thống", "Administrator"),
}


class Permission(StrEnum):
    HOME = "home"
    GEO_READ = "geo.read"
    USER_READ = "user.read"
    USER_MANAGE = "user.manage"
    AUDIT_READ = "audit.read"
    REGISTRY_READ = "registry.read"  # persons, beneficiaries, decisions, payment methods in the area (masked)
    REGISTRY_WRITE = "registry.write"  # register and edit persons, relations, payment methods; verify; import
    PII_READ = "pii.read"  # full citizen ID, phone and account numbers (each view audited)
    DECISION_PROPOSE = "decision.propose"  # the maker
    DECISION_APPROVE = "decision.approve"  # the checker
    REFERENCE_READ = "reference.read"  # the bank list and the providers (no personal data)
    REFERENCE_MANAGE = "reference.manage"  # the bank list and the providers
    POLICY_MANAGE = "policy.manage"  # rule tables: standard levels, coefficients, appendices (administrators)
    PAYROLL_READ = "payroll.read"  # payrolls, their lines and diffs, funding orders, batches
    PAYROLL_PREPARE = "payroll.prepare"  # run (and re-run) a draft payroll, mark it reviewed (the maker)
    PAYROLL_APPROVE = "payroll.approve"  # approve or cancel a payroll (the checker)
    FUNDING_MANAGE = "funding.manage"  # record the treasury's confirmation of a funding order


# Everyone may read the rule tables: an officer must be able to see why an amount is what it is.
_EVERYONE = frozenset({Permission.HOME, Permission.GEO_READ, Permission.REFERENCE_READ})

# Default deny: a permission not listed for a role is refused.
_REGISTRY_OFFICER = frozenset(
    {
        Permission.REGISTRY_READ,
        Permission.REGISTRY_WRITE,
        Permission.PII_READ,
        Permission.DECISION_PROPOSE,
    }
)
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.COMMUNE_OFFICER: _EVERYONE | _REGISTRY_OFFICER,
    Role.PROGRAM_OFFICER: _EVERYONE | _REGISTRY_OFFICER | {Permission.PAYROLL_READ, Permission.PAYROLL_PREPARE},
    Role.APPROVER: _EVERYONE
    | {
        Permission.REGISTRY_READ,
        Permission.PII_READ,
        Permission.DECISION_APPROVE,
        Permission.PAYROLL_READ,
        Permission.PAYROLL_APPROVE,
    },
    Role.FINANCE_OFFICER: _EVERYONE | {Permission.REGISTRY_READ, Permission.PAYROLL_READ, Permission.FUNDING_MANAGE},
    Role.PROVIDER_OPERATOR: _EVERYONE,
    Role.AUDITOR: _EVERYONE
    | {
        Permission.AUDIT_READ,
        Permission.USER_READ,
        Permission.REGISTRY_READ,
        Permission.PII_READ,
        Permission.PAYROLL_READ,
    },
    Role.VIEWER: _EVERYONE,
    Role.ADMIN: _EVERYONE
    | {
        Permission.USER_READ,
        Permission.USER_MANAGE,
        Permission.AUDIT_READ,
        Permission.REFERENCE_MANAGE,
        Permission.POLICY_MANAGE,
    },
}

# Only these roles may hold the whole country as their area.
NATIONAL_ROLES = frozenset({Role.ADMIN, Role.VIEWER, Role.AUDITOR})


class AreaError(ValueError):
    """An area that cannot be given to a user."""


@dataclass(frozen=True)
class Area:
    """Where a user may act: the whole country (``province_code`` None), a province, or communes of one province."""

    province_code: str | None = None
    commune_codes: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if self.commune_codes and self.province_code is None:
            raise AreaError("communes belong to one province: give the province too")

    @property
    def is_national(self) -> bool:
        return self.province_code is None

    def covers_province(self, province_code: str) -> bool:
        """The whole province is in the area (communes-only users do not cover their province)."""
        return self.province_code is None or (self.province_code == province_code and not self.commune_codes)

    def touches_province(self, province_code: str) -> bool:
        """Some part of the province is in the area."""
        return self.province_code is None or self.province_code == province_code

    def covers_commune(self, commune_code: str, province_code: str) -> bool:
        if self.province_code is None:
            return True
        if self.province_code != province_code:
            return False
        return not self.commune_codes or commune_code in self.commune_codes

    def describe(self) -> str:
        if self.province_code is None:
            return "toàn quốc"
        if not self.commune_codes:
            return f"tỉnh {self.province_code}"
        return f"tỉnh {self.province_code}, xã {', '.join(sorted(self.commune_codes))}"


def check_area_for_role(role: Role, area: Area) -> None:
    if area.is_national and role not in NATIONAL_ROLES:
        raise AreaError(f"role {role} needs a province or communes as its area")


@dataclass(frozen=True)
class Principal:
    """Who is acting: the user as the authorisation layer sees them."""

    user_id: int
    username: str
    full_name: str
    role: Role
    area: Area

    def has(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]
