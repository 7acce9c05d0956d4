"""Test data for enrolment: the bank list, a provider of each kind, cash methods, relations written to the tables."""

from __future__ import annotations

from datetime import UTC, date, datetime

from vietnam_qr_pay import QRPay

from ansinh.access.domain import Area
from ansinh.core.uow import UnitOfWork
from ansinh.enrolment import services
from ansinh.enrolment.tables import PaymentMethod as MethodRow
from ansinh.providers.services import ProviderKind, add_provider
from ansinh.registry.tables import Beneficiary, Person, Relation

VCB_BIN = "970436"  # Vietcombank, in vietnam-qr-pay's list
VBSP_BIN = "999001"  # a made-up BIN for the Bank for Social Policies, which that list lacks
PROVINCE = Area(province_code="92")
NINH_KIEU_ONLY = Area(province_code="92", commune_codes=frozenset({"31135"}))
_NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


def make_reference_data(uow: UnitOfWork) -> None:
    """The seeded bank list, VBSP added, and one provider per kind."""
    services.load_banks(uow)
    services.add_bank(uow, bin=VBSP_BIN, short_name="VBSP", name="Ngân hàng Chính sách xã hội", swift_code="VBSPVNVX")
    add_provider(uow, code="VNPOST", name="Bưu điện Việt Nam", kind=ProviderKind.CASH_PAYER)
    add_provider(uow, code="VCB", name="Vietcombank", kind=ProviderKind.BANK, bank_bin=VCB_BIN)
    add_provider(uow, code="VBSP", name="Ngân hàng Chính sách xã hội", kind=ProviderKind.BANK, bank_bin=VBSP_BIN)
    add_provider(uow, code="VIETTEL_MONEY", name="Viettel Money", kind=ProviderKind.MOBILE_MONEY)


def cash_method(uow: UnitOfWork, beneficiary: Beneficiary, *, valid_from: date = date(2025, 1, 1)) -> MethodRow:
    """A cash-at-a-payment-point method to the beneficiary themself, written straight to the table."""
    row = MethodRow(
        beneficiary_id=beneficiary.id,
        province_code=beneficiary.province_code,
        kind="cash_point",
        provider_code="VNPOST",
        payee_person_id=beneficiary.person_id,
        payee_role="beneficiary",
        valid_from=valid_from,
        source="import",
        created_by="test",
        created_at=_NOW,
    )
    uow.session.add(row)
    uow.session.flush()
    return row


def make_relation(
    uow: UnitOfWork,
    beneficiary: Beneficiary,
    person: Person,
    *,
    role: str,
    valid_from: date,
    valid_to: date | None = None,
) -> Relation:
    relation = Relation(
        beneficiary_id=beneficiary.id,
        person_id=person.id,
        province_code=beneficiary.province_code,
        role=role,
        valid_from=valid_from,
        valid_to=valid_to,
        document_number="UQ-01/2026" if role == "proxy" else None,
        created_by="test",
        created_at=_NOW,
    )
    uow.session.add(relation)
    uow.session.flush()
    return relation


def vietqr(bank_bin: str, account: str, name: str | None = None) -> str:
    """A real VietQR transfer-to-account string, built with vietnam-qr-pay's encoder."""
    qr = QRPay.init_viet_qr(bank_bin=bank_bin, bank_number=account)
    if name is not None:
        qr.merchant.name = name
    text: str = qr.build()
    return text
