"""Test data for the registry: persons and beneficiaries written straight to the tables (no decision needed)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

from ansinh.core.uow import UnitOfWork
from ansinh.registry.domain import BeneficiaryStatus, beneficiary_code
from ansinh.registry.importing import Program
from ansinh.registry.names import name_key
from ansinh.registry.tables import Beneficiary, BeneficiaryCategory, Person

NINH_KIEU = "31135"  # a ward of Cần Thơ (92)
CAN_THO = "92"
_SERIAL = itertools.count(1)
_NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


def national_id_for(date_of_birth: date, *, female: bool = False, birth_province: str = "092") -> str:
    """A citizen ID consistent with the date of birth and sex (legacy province 092 = old Cần Thơ)."""
    century = (date_of_birth.year // 100 - 19) * 2 + (1 if female else 0)
    return f"{birth_province}{century}{date_of_birth.year % 100:02d}{next(_SERIAL):06d}"


def make_person(
    uow: UnitOfWork,
    *,
    full_name: str = "Nguyễn Văn An",
    date_of_birth: date = date(1950, 3, 14),
    female: bool = False,
    commune_code: str = NINH_KIEU,
    province_code: str = CAN_THO,
    phone: str | None = None,
    national_id: str | None = None,
) -> Person:
    person = Person(
        national_id=national_id or national_id_for(date_of_birth, female=female),
        full_name=full_name,
        name_key=name_key(full_name),
        date_of_birth=date_of_birth,
        sex="female" if female else "male",
        province_code=province_code,
        commune_code=commune_code,
        address="Số 1, đường 30/4",
        phone=phone,
        identity_warnings=[],
        created_at=_NOW,
        updated_at=_NOW,
    )
    uow.session.add(person)
    uow.session.flush()
    return person


def make_beneficiary(
    uow: UnitOfWork,
    person: Person,
    *,
    program: Program = Program.SOCIAL_ASSISTANCE,
    status: BeneficiaryStatus = BeneficiaryStatus.ACTIVE,
    categories: tuple[str, ...] = ("sa_elderly_poor_no_supporter",),
) -> Beneficiary:
    beneficiary = Beneficiary(
        code=beneficiary_code(person.province_code, program, person.id),
        person_id=person.id,
        program=program.value,
        province_code=person.province_code,
        commune_code=person.commune_code,
        status=status.value,
        created_at=_NOW,
        updated_at=_NOW,
    )
    uow.session.add(beneficiary)
    uow.session.flush()
    for code in categories:
        uow.session.add(BeneficiaryCategory(beneficiary_id=beneficiary.id, category_code=code, units=1))
    uow.session.flush()
    return beneficiary
