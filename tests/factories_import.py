"""Test data for the registry import: reference rows (banks, providers), valid file rows, files, table counts."""

from __future__ import annotations

import csv
import itertools
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import func, select

from ansinh.access.domain import Area
from ansinh.core.audit import AuditRecord
from ansinh.core.uow import UnitOfWork
from ansinh.decisions.tables import Decision
from ansinh.enrolment.tables import Bank
from ansinh.enrolment.tables import PaymentMethod as MethodRow
from ansinh.providers.tables import Provider
from ansinh.registry.importing import COLUMN_KEYS, LABELS_VI, safe_cell
from ansinh.registry.tables import Beneficiary, BeneficiaryCategory, DuplicateFlag, Person, Relation

CAN_THO = Area(province_code="92")
NINH_KIEU_AREA = Area(province_code="92", commune_codes=frozenset({"31135"}))
NATIONAL = Area()
NINH_KIEU = "31135"
TAN_AN = "31147"  # another ward of Cần Thơ
LEGACY_NINH_KIEU = "31123"  # a pre-2025 ward merged into Ninh Kiều only
SPLIT_LEGACY = "31178"  # a pre-2025 ward split between 31120 and 31168
CAO_BANG_COMMUNE = "01273"
BANK_BIN = "970436"  # Vietcombank
_NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
_SERIAL = itertools.count(100001)

TABLES = (Person, Beneficiary, BeneficiaryCategory, Decision, MethodRow, Relation, DuplicateFlag, AuditRecord)


def add_reference(uow: UnitOfWork) -> None:
    """The bank and providers the test rows name (the real lists are seeded by `ansinh init`)."""
    if uow.session.get(Bank, BANK_BIN) is None:
        uow.session.add(
            Bank(
                bin=BANK_BIN,
                short_name="Vietcombank",
                name="Ngân hàng TMCP Ngoại thương Việt Nam",
                swift_code=None,
                source="administrator",
                active=True,
                created_at=_NOW,
            )
        )
    for code, kind in (("VNPOST", "cash_payer"), ("VIETTEL_MONEY", "mobile_money"), ("VCB", "bank")):
        if uow.session.get(Provider, code) is None:
            uow.session.add(Provider(code=code, name=code, kind=kind, bank_bin=None, active=True, created_at=_NOW))
    uow.session.flush()


def national_id(date_of_birth: date, *, female: bool = False, province: str = "092") -> str:
    century = (date_of_birth.year // 100 - 19) * 2 + (1 if female else 0)
    return f"{province}{century}{date_of_birth.year % 100:02d}{next(_SERIAL):06d}"


def row(**changes: str) -> dict[str, str]:
    """A valid row (a fresh citizen ID each call) with some values replaced."""
    born = date(1950, 3, 14)
    values = {
        "national_id": national_id(born),
        "full_name": "Nguyễn Văn An",
        "date_of_birth": "14/03/1950",
        "sex": "Nam",
        "commune_code": NINH_KIEU,
        "address": "Số 1, đường 30/4",
        "phone": "",
        "program": "social_assistance",
        "category": "sa_elderly_poor_no_supporter",
        "decision_number": "123/QĐ-UBND",
        "decision_date": "20/06/2024",
        "effective_from": "07/2024",
        "payment_method": "cash_point",
        "provider": "VNPOST",
        "bank_bin": "",
        "account_number": "",
        "payee_national_id": "",
        "payee_role": "",
    }
    values.update(changes)
    return values


def write_csv(path: Path, rows: Sequence[Mapping[str, str]], *, keys: Sequence[str] = COLUMN_KEYS) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(keys)
        for values in rows:
            writer.writerow([values.get(key, "") for key in keys])
    return path


def write_xlsx(path: Path, rows: Sequence[Mapping[str, object]], *, safe: bool = True) -> Path:
    """An .xlsx with Vietnamese labels; ``safe=False`` writes text starting with '=' as a real formula cell."""
    from openpyxl import Workbook  # type: ignore[import-untyped]

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Danh sách")
    sheet.append([LABELS_VI[key] for key in COLUMN_KEYS])
    for values in rows:
        cells = [values.get(key, "") for key in COLUMN_KEYS]
        sheet.append([safe_cell(c) if safe and isinstance(c, str) else c for c in cells])
    workbook.save(path)
    return path


def counts(uow: UnitOfWork) -> dict[str, int]:
    return {table.__tablename__: uow.session.scalar(select(func.count()).select_from(table)) or 0 for table in TABLES}


def register_person(
    uow: UnitOfWork,
    national_id_value: str,
    *,
    full_name: str = "Trần Thị Bình",
    born: date = date(1980, 5, 1),
    female: bool = True,
    commune_code: str = NINH_KIEU,
    province_code: str = "92",
) -> int:
    """A person straight into the table (a guardian or proxy registered before the import)."""
    person = Person(
        national_id=national_id_value,
        full_name=full_name,
        name_key=full_name.lower(),
        date_of_birth=born,
        sex="female" if female else "male",
        province_code=province_code,
        commune_code=commune_code,
        address=None,
        phone=None,
        identity_warnings=[],
        created_at=_NOW,
        updated_at=_NOW,
    )
    uow.session.add(person)
    uow.session.flush()
    return person.id
