"""`ansinh demo`: initialise, add one user per role (passwords printed once, kept in var/), then the registry.

The registry part runs once, on an empty registry: the demo's payment service organisations, the guardians and
proxies, the generated ministry file imported through the real import, and the population simulator's file
beside it. A second ``ansinh demo`` finds the beneficiaries there and changes nothing.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Select, func, insert, select

from ansinh.access import services as access
from ansinh.access.domain import Area, Role
from ansinh.access.tables import User
from ansinh.core.errors import ConfigError, ValidationFailed
from ansinh.core.settings import Environment
from ansinh.core.uow import UnitOfWork
from ansinh.demo import generate
from ansinh.enrolment.services import add_bank, load_banks
from ansinh.enrolment.tables import Bank
from ansinh.enrolment.tables import PaymentMethod as PaymentMethodRow
from ansinh.geo.tables import Commune
from ansinh.providers.services import ProviderKind, add_provider
from ansinh.providers.tables import Provider
from ansinh.registry.import_service import import_file
from ansinh.registry.names import name_key
from ansinh.registry.services import flag_likely_duplicates
from ansinh.registry.tables import Beneficiary, Person
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


DEFAULT_BENEFICIARIES = 20_000
DEMO_SEED = 2026
IMPORT_FILE = "demo-registry.csv"
NAME_KEY_LENGTH = 100  # registry_persons.name_key's size; a key only compares, so a cut one still does
POPULATION_FILE = "population.csv"

# (code, name, kind, bank BIN): the organisations the generated file pays through.
DEMO_PROVIDERS: tuple[tuple[str, str, ProviderKind, str | None], ...] = (
    ("VNPOST", "Tổng công ty Bưu điện Việt Nam (VNPost)", ProviderKind.CASH_PAYER, None),
    ("VIETTEL_MONEY", "Viettel Money – Tổng Công ty Dịch vụ số Viettel", ProviderKind.MOBILE_MONEY, None),
    ("VNPT_MONEY", "VNPT Money – Công ty Cổ phần Công nghệ Tài chính VNPT", ProviderKind.MOBILE_MONEY, None),
    ("VBSP", "Ngân hàng Chính sách xã hội", ProviderKind.BANK, generate.VBSP_BIN),
    ("AGRIBANK", "Ngân hàng Nông nghiệp và Phát triển Nông thôn Việt Nam", ProviderKind.BANK, "970405"),
    ("VIETINBANK", "Ngân hàng TMCP Công thương Việt Nam", ProviderKind.BANK, "970415"),
)
# The Bank for Social Policies has a NAPAS BIN but is not in vietnam-qr-pay's list: added as an administrator would.
VBSP_BANK = {"bin": generate.VBSP_BIN, "short_name": "VBSP", "name": "Ngân hàng Chính sách xã hội"}


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    password: str


@dataclass
class DemoRegistryReport:
    loaded: bool  # False: the registry already had beneficiaries, nothing was added
    beneficiaries: int
    by_province: dict[str, int]
    by_program: dict[str, int]
    by_payment_method: dict[str, int]
    payees_registered: int = 0
    providers_created: list[str] = field(default_factory=list)
    import_file: str | None = None
    commune_codes_mapped: int = 0  # rows that gave a pre-2025 ward code
    duplicates_flagged: int = 0
    population_file: str | None = None
    population: dict[str, int] = field(default_factory=dict)  # expected verification outcome → persons


@dataclass
class DemoReport:
    init: InitReport
    credentials_file: str
    created_users: list[DemoAccount] = field(default_factory=list)
    registry: DemoRegistryReport | None = None


def load_demo(ctx: Context, *, size: int = DEFAULT_BENEFICIARIES) -> DemoReport:
    """Users, then (on an empty registry) ``size`` beneficiaries in Cần Thơ and Cao Bằng; idempotent."""
    settings = ctx.settings
    if settings.env not in (Environment.DEMO, Environment.TEST):
        raise ConfigError(
            "Dữ liệu mẫu chỉ được nạp khi ANSINH_ENV=demo (hoặc test), không bao giờ vào cơ sở dữ liệu thật",
            "Demo data loads only with ANSINH_ENV=demo (or test), never into a production database",
        )
    if not 1 <= size <= generate.MAX_ROWS:
        raise ValidationFailed(
            f"Số đối tượng mẫu phải từ 1 đến {generate.MAX_ROWS:,} (đang là {size:,}).".replace(",", "."),
            f"The number of demo beneficiaries must be from 1 to {generate.MAX_ROWS:,} (got {size:,}).",
            field="beneficiaries",
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
    with ctx.uow(actor="demo") as uow:
        report.registry = load_registry(uow, var_dir=settings.var_dir, max_bytes=settings.import_max_bytes, size=size)
        uow.commit()
    return report


def load_registry(
    uow: UnitOfWork,
    *,
    var_dir: Path,
    max_bytes: int,
    size: int = DEFAULT_BENEFICIARIES,
    seed: int = DEMO_SEED,
) -> DemoRegistryReport:
    """Providers, payees, the generated file imported, the population file written; nothing when already there.

    Writes in ``uow`` without committing (the caller commits); the two files go to ``var_dir`` at once.
    """
    if uow.session.scalar(select(func.count()).select_from(Beneficiary)):
        return _registry_counts(uow, loaded=False)
    providers = load_reference_data(uow)
    var_dir.mkdir(parents=True, exist_ok=True)
    path, population = var_dir / IMPORT_FILE, var_dir / POPULATION_FILE
    files = generate.write_demo_files(path, population, rows=size, seed=seed, today=uow.clock.today())
    payees = register_payees(uow, files.payees)
    imported = import_file(uow, path=path, area=Area(), max_bytes=max(max_bytes, path.stat().st_size))
    if not imported.should_commit:
        first = imported.errors[0] if imported.errors else None
        detail = f" (dòng {first.row}, {first.column}: {first.message_en})" if first else ""
        raise ConfigError(
            f"Không nạp được tệp mẫu {path.name}: {imported.rejected} dòng bị từ chối{detail}.",
            f"The demo file {path.name} could not be imported: {imported.rejected} rows rejected{detail}.",
        )
    report = _registry_counts(uow, loaded=True)
    report.payees_registered = payees
    report.providers_created = providers
    report.import_file = str(path)
    report.commune_codes_mapped = len(imported.commune_mappings) + imported.commune_mappings_omitted
    report.duplicates_flagged = imported.duplicates_flagged
    report.population_file = str(population)
    report.population = files.population
    return report


def load_reference_data(uow: UnitOfWork) -> list[str]:
    """The bank list, the VBSP bank and the demo's payment service organisations, those missing.

    Returns the provider codes added.
    """
    load_banks(uow)  # `ansinh init` has loaded it already; a database migrated by other means may lack it
    if uow.session.get(Bank, VBSP_BANK["bin"]) is None:
        add_bank(uow, **VBSP_BANK)
    existing = set(uow.session.scalars(select(Provider.code)))
    created = []
    for code, name, kind, bank_bin in DEMO_PROVIDERS:
        if code not in existing:
            add_provider(uow, code=code, name=name, kind=kind, bank_bin=bank_bin)
            created.append(code)
    return created


def register_payees(uow: UnitOfWork, payees: Iterable[generate.GeneratedPerson], *, batch: int = 2000) -> int:
    """Register the guardians and proxies the generated rows name, in bulk: they must exist before the import.

    Bulk (not ``registry.services.register_person`` one by one) because the demo registers thousands; the rows
    come from the generator, whose IDs and communes the tests hold to the same checks. One audit record.
    """
    province_of = {
        row.code: row.province_code for row in uow.session.execute(select(Commune.code, Commune.province_code))
    }
    now = uow.clock.now()
    ids: list[int] = []
    pending: list[dict[str, object]] = []

    def flush() -> None:
        if pending:
            ids.extend(uow.session.scalars(insert(Person).returning(Person.id, sort_by_parameter_order=True), pending))
            pending.clear()

    for person in payees:
        pending.append(
            {
                "national_id": person.national_id,
                "full_name": person.full_name,
                "name_key": name_key(person.full_name)[:NAME_KEY_LENGTH],
                "date_of_birth": person.date_of_birth,
                "sex": person.sex.value,
                "province_code": province_of[person.commune_code],
                "commune_code": person.commune_code,
                "address": person.address,
                "phone": person.phone,
                "identity_warnings": [],
                "verification_status": "unverified",
                "created_at": now,
                "updated_at": now,
                "version": 1,
            }
        )
        if len(pending) >= batch:
            flush()
    flush()
    if ids:
        flag_likely_duplicates(uow, person_ids=ids)
        uow.audit(
            "registry.person.create_bulk",
            entity_type="person",
            entity_id=f"{ids[0]}..{ids[-1]}",
            detail={"persons": len(ids), "source": "demo", "roles": "guardian/proxy"},
        )
    return len(ids)


def _registry_counts(uow: UnitOfWork, *, loaded: bool) -> DemoRegistryReport:
    session = uow.session

    def counts(query: Select[str, int]) -> dict[str, int]:
        return {row[0]: row[1] for row in sorted(session.execute(query).all())}

    methods = PaymentMethodRow
    return DemoRegistryReport(
        loaded=loaded,
        beneficiaries=session.scalar(select(func.count()).select_from(Beneficiary)) or 0,
        by_province=counts(select(Beneficiary.province_code, func.count()).group_by(Beneficiary.province_code)),
        by_program=counts(select(Beneficiary.program, func.count()).group_by(Beneficiary.program)),
        by_payment_method=counts(
            select(methods.kind, func.count()).where(methods.valid_to.is_(None)).group_by(methods.kind)
        ),
    )


def _save(path: Path, accounts: list[DemoAccount]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"{a.username}\t{a.role}\t{a.password}\n" for a in accounts]
    with open(path, "a", encoding="utf-8") as handle:
        handle.writelines(lines)
    os.chmod(path, 0o600)
