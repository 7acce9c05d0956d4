"""Enrolment use cases: the bank list, payment methods with their history, VietQR capture, account opening.

Every function takes the unit of work first and keyword-only arguments, and never commits. Whatever reads or
writes a beneficiary's payment method takes the acting user's ``area`` and is scoped by ``area_clause``: a
beneficiary outside the area is "not found".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, insert, literal, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute

from ansinh.access.domain import Area
from ansinh.access.scoping import area_clause, require_commune
from ansinh.core.errors import Conflict, IllegalTransition, NotFound, ValidationFailed
from ansinh.core.uow import UnitOfWork
from ansinh.enrolment import account_files
from ansinh.enrolment.account_files import FileFormat, RequestRow
from ansinh.enrolment.domain import (
    ACCOUNT_KINDS,
    AccountRequestStatus,
    HomeDeliveryReason,
    LineStatus,
    MethodSpec,
    PayeeRole,
    PaymentMethod,
    check_method,
    closing_day,
    normalise_account_number,
    parse_enum,
)
from ansinh.enrolment.tables import AccountRequest, AccountRequestLine, Bank
from ansinh.enrolment.tables import PaymentMethod as MethodRow
from ansinh.geo import domain as geo_domain
from ansinh.geo.tables import Commune, Province
from ansinh.providers.services import ProviderKind, normalise_code
from ansinh.providers.tables import Provider
from ansinh.registry.domain import BeneficiaryStatus, RelationRole, VerificationStatus, mask
from ansinh.registry.importing import RowError
from ansinh.registry.tables import Beneficiary, Person
from ansinh.registry.vietqr import capture_account

# ----------------------------------------------------------------------------------------------------
# Banks

_BIN = re.compile(r"[0-9]{6}")
_SWIFT = re.compile(r"[A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?")
SOURCE_VIETQR = "vietqr"
SOURCE_ADMINISTRATOR = "administrator"


@dataclass(frozen=True, slots=True)
class BankView:
    bin: str
    short_name: str
    name: str
    swift_code: str | None
    source: str
    active: bool


def _bank_view(bank: Bank) -> BankView:
    return BankView(bank.bin, bank.short_name, bank.name, bank.swift_code, bank.source, bank.active)


def _vietqr_banks() -> list[BankView]:
    """The NAPAS banks ``vietnam-qr-pay`` knows, one per BIN.

    The list keeps merged banks under their old names beside the new ones with the same BIN (Ocean Bank and
    MBV, LienVietPostBank and LPBank): the bank that is not marked deprecated is the one that answers today.
    """
    from vietnam_qr_pay import BanksObject

    chosen: dict[str, BankView] = {}
    for bank in BanksObject.values():
        if not bank.bin or not _BIN.fullmatch(bank.bin):
            continue  # e.g. BIDC, which has no NAPAS BIN
        if bank.bin in chosen and bank.deprecated:
            continue
        chosen[bank.bin] = BankView(
            bin=bank.bin,
            short_name=str(bank.short_name)[:50],
            name=str(bank.name)[:200],
            swift_code=bank.swift_code or None,
            source=SOURCE_VIETQR,
            active=True,
        )
    return [chosen[key] for key in sorted(chosen)]


def load_banks(uow: UnitOfWork) -> int:
    """Seed the bank list from vietnam-qr-pay; idempotent: a BIN already listed is left as it is."""
    known = set(uow.session.scalars(select(Bank.bin)))
    missing = [bank for bank in _vietqr_banks() if bank.bin not in known]
    if not missing:
        return 0
    now = uow.clock.now()
    uow.session.execute(
        insert(Bank),
        [
            {
                "bin": bank.bin,
                "short_name": bank.short_name,
                "name": bank.name,
                "swift_code": bank.swift_code,
                "source": bank.source,
                "active": True,
                "created_at": now,
            }
            for bank in missing
        ],
    )
    uow.audit(
        "enrolment.bank.load",
        entity_type="bank_list",
        entity_id=SOURCE_VIETQR,
        detail={"added": len(missing), "bins": [bank.bin for bank in missing]},
    )
    return len(missing)


def add_bank(uow: UnitOfWork, *, bin: str, short_name: str, name: str, swift_code: str | None = None) -> BankView:
    """Add a bank the seeded list lacks (e.g. the Bank for Social Policies, VBSP); a BIN is listed once."""
    key = bin.strip()
    if not _BIN.fullmatch(key):
        raise ValidationFailed(
            "Mã BIN ngân hàng phải gồm đúng 6 chữ số.", "A bank BIN has exactly 6 digits.", field="bin"
        )
    short = " ".join(short_name.split())
    if not short or len(short) > 50:
        raise ValidationFailed(
            "Tên viết tắt của ngân hàng phải có từ 1 đến 50 ký tự.",
            "The bank's short name must have 1 to 50 characters.",
            field="short_name",
        )
    full = " ".join(name.split())
    if not full or len(full) > 200:
        raise ValidationFailed(
            "Tên ngân hàng phải có từ 1 đến 200 ký tự.", "The bank's name must have 1 to 200 characters.", field="name"
        )
    swift = swift_code.strip().upper() if swift_code is not None and swift_code.strip() else None
    if swift is not None and not _SWIFT.fullmatch(swift):
        raise ValidationFailed(
            "Mã SWIFT gồm 8 hoặc 11 ký tự (ví dụ VBSPVNVX).",
            "A SWIFT code has 8 or 11 characters (e.g. VBSPVNVX).",
            field="swift_code",
        )
    existing = uow.session.get(Bank, key)
    if existing is not None:
        raise Conflict(
            f"Mã BIN {key} đã có trong danh mục ({existing.short_name}).",
            f"BIN {key} is already listed ({existing.short_name}).",
            field="bin",
        )
    bank = Bank(
        bin=key,
        short_name=short,
        name=full,
        swift_code=swift,
        source=SOURCE_ADMINISTRATOR,
        active=True,
        created_at=uow.clock.now(),
    )
    uow.session.add(bank)
    uow.session.flush()
    uow.audit(
        "enrolment.bank.create",
        entity_type="bank",
        entity_id=key,
        detail={"short_name": short, "name": full, "swift_code": swift},
    )
    return _bank_view(bank)


def list_banks(uow: UnitOfWork, *, active_only: bool = False) -> list[BankView]:
    query = select(Bank).order_by(Bank.short_name, Bank.bin)
    if active_only:
        query = query.where(Bank.active.is_(True))
    return [_bank_view(b) for b in uow.session.scalars(query)]


def get_bank(uow: UnitOfWork, *, bin: str) -> BankView:
    bank = uow.session.get(Bank, bin.strip())
    if bank is None:
        raise NotFound(f"Không có ngân hàng mã BIN «{bin[:10]}».", f"No bank with BIN {bin[:10]!r}.", field="bin")
    return _bank_view(bank)


# ----------------------------------------------------------------------------------------------------
# Payment methods

SOURCES = frozenset({"officer", "import", "vietqr", "account_opening"})
# A method may be entered ahead of time (a decision taking effect next month), not years ahead.
MAX_DAYS_AHEAD = 366


@dataclass(frozen=True, slots=True)
class PaymentMethodView:
    """A payment method as lists show it: account and citizen ID masked unless revealed (PII_READ, audited)."""

    id: int
    beneficiary_code: str
    kind: PaymentMethod
    provider_code: str | None
    bank_bin: str | None
    bank_short_name: str | None
    account_number: str | None
    account_name: str | None
    home_delivery_reason: HomeDeliveryReason | None
    payee_role: PayeeRole
    payee_person_id: int
    payee_full_name: str
    payee_national_id: str | None
    valid_from: date
    valid_to: date | None
    source: str
    created_by: str
    created_at: datetime
    unchanged: bool = False  # set_payment_method: the same method was already in use, nothing was written


def _beneficiary(uow: UnitOfWork, area: Area, code: str) -> Beneficiary:
    beneficiary = uow.session.scalar(
        select(Beneficiary).where(
            Beneficiary.code == code.strip(),
            area_clause(area, Beneficiary.province_code, Beneficiary.commune_code),
        )
    )
    if beneficiary is None:
        raise NotFound(
            f"Không có đối tượng mã «{code[:30]}» trong địa bàn của bạn.",
            f"No beneficiary {code[:30]!r} in your area.",
            field="beneficiary_code",
        )
    return beneficiary


def _method_views(
    uow: UnitOfWork, beneficiary: Beneficiary, rows: Sequence[MethodRow], *, reveal: bool
) -> list[PaymentMethodView]:
    persons = {
        p.id: p for p in uow.session.scalars(select(Person).where(Person.id.in_({row.payee_person_id for row in rows})))
    }
    bins = {row.bank_bin for row in rows if row.bank_bin}
    banks = {b.bin: b.short_name for b in uow.session.scalars(select(Bank).where(Bank.bin.in_(bins)))} if bins else {}
    views = []
    for row in rows:
        payee = persons[row.payee_person_id]
        views.append(
            PaymentMethodView(
                id=row.id,
                beneficiary_code=beneficiary.code,
                kind=PaymentMethod(row.kind),
                provider_code=row.provider_code,
                bank_bin=row.bank_bin,
                bank_short_name=banks.get(row.bank_bin) if row.bank_bin else None,
                account_number=row.account_number if reveal else mask(row.account_number),
                account_name=row.account_name,
                home_delivery_reason=HomeDeliveryReason(row.home_delivery_reason) if row.home_delivery_reason else None,
                payee_role=PayeeRole(row.payee_role),
                payee_person_id=payee.id,
                payee_full_name=payee.full_name,
                payee_national_id=payee.national_id if reveal else mask(payee.national_id),
                valid_from=row.valid_from,
                valid_to=row.valid_to,
                source=row.source,
                created_by=row.created_by,
                created_at=row.created_at,
            )
        )
    return views


def _audit_reveal(uow: UnitOfWork, beneficiary: Beneficiary, what: str) -> None:
    uow.audit(
        "enrolment.payment_method.reveal",
        entity_type="beneficiary",
        entity_id=beneficiary.code,
        province_code=beneficiary.province_code,
        detail={"view": what},
    )


def _open_method(uow: UnitOfWork, beneficiary_id: int) -> MethodRow | None:
    return uow.session.scalar(
        select(MethodRow).where(MethodRow.beneficiary_id == beneficiary_id, MethodRow.valid_to.is_(None))
    )


def _latest_start(uow: UnitOfWork, beneficiary_id: int) -> date | None:
    return uow.session.scalar(select(func.max(MethodRow.valid_from)).where(MethodRow.beneficiary_id == beneficiary_id))


def _resolve_spec(
    uow: UnitOfWork,
    *,
    kind: PaymentMethod | str,
    provider_code: str,
    bank_bin: str | None,
    account_number: str | None,
    home_delivery_reason: HomeDeliveryReason | str | None,
) -> MethodSpec:
    method = parse_enum(PaymentMethod, kind, field="kind")
    reason = (
        parse_enum(HomeDeliveryReason, home_delivery_reason, field="home_delivery_reason")
        if home_delivery_reason
        else None
    )
    code = normalise_code(provider_code)
    provider = uow.session.get(Provider, code) if code else None
    if provider is None:
        raise ValidationFailed(
            f"Tổ chức chi trả «{provider_code[:40]}» không có trong danh sách.",
            f"Payment service provider {provider_code[:40]!r} is not in the list.",
            field="provider_code",
        )
    bin_value = bank_bin.strip() if bank_bin is not None and bank_bin.strip() else None
    if bin_value is not None and not _BIN.fullmatch(bin_value):
        raise ValidationFailed(
            "Mã BIN ngân hàng phải gồm đúng 6 chữ số.", "A bank BIN has exactly 6 digits.", field="bank_bin"
        )
    bank = uow.session.get(Bank, bin_value) if bin_value is not None else None
    account = account_number.strip() if account_number is not None and account_number.strip() else None
    spec = check_method(
        method,
        provider_code=provider.code,
        provider_kind=ProviderKind(provider.kind),
        provider_active=provider.active,
        bank_bin=bin_value,
        bank_known_active=bank is not None and bank.active,
        account_number=account,
        home_delivery_reason=reason,
    )
    if spec.account_number is None:
        return spec
    return MethodSpec(
        spec.kind,
        spec.provider_code,
        spec.bank_bin,
        normalise_account_number(spec.account_number),
        spec.home_delivery_reason,
    )


def _payee(
    uow: UnitOfWork,
    beneficiary: Beneficiary,
    *,
    role: PayeeRole,
    payee_national_id: str | None,
    on: date,
) -> Person:
    own = uow.session.get(Person, beneficiary.person_id)
    assert own is not None  # a foreign key guarantees it
    national_id = payee_national_id.strip() if payee_national_id is not None and payee_national_id.strip() else None
    if role is PayeeRole.BENEFICIARY:
        if national_id is not None and national_id != own.national_id:
            raise ValidationFailed(
                "Người nhận là chính đối tượng: để trống số định danh người nhận thay, hoặc chọn vai trò "
                "guardian (người giám hộ) hay proxy (người được ủy quyền).",
                "The payee is the beneficiary: leave the payee's citizen ID blank, or choose the role guardian "
                "or proxy.",
                field="payee_national_id",
            )
        return own
    if national_id is None:
        raise ValidationFailed(
            "Người nhận thay (người giám hộ hoặc người được ủy quyền) cần số định danh cá nhân.",
            "A guardian or proxy payee needs their citizen ID.",
            field="payee_national_id",
        )
    payee = uow.session.scalar(select(Person).where(Person.national_id == national_id))
    if payee is None:
        raise ValidationFailed(
            "Chưa có người nào mang số định danh này trong hệ thống: hãy đăng ký người nhận thay trước.",
            "No registered person has this citizen ID: register the guardian or proxy first.",
            field="payee_national_id",
        )
    if payee.id == own.id:
        raise ValidationFailed(
            "Đối tượng không thể là người giám hộ hay người được ủy quyền của chính mình: chọn vai trò beneficiary.",
            "A beneficiary cannot be their own guardian or proxy: choose the role beneficiary.",
            field="payee_role",
        )
    from ansinh.registry.services import is_valid_payee

    if not is_valid_payee(
        uow.session, beneficiary_id=beneficiary.id, person_id=payee.id, role=RelationRole(role.value), on=on
    ):
        role_vi = "người giám hộ" if role is PayeeRole.GUARDIAN else "người được ủy quyền"
        raise ValidationFailed(
            f"{payee.full_name} không phải là {role_vi} của đối tượng {beneficiary.code} có giấy tờ còn hiệu lực "
            f"ngày {on:%d/%m/%Y}.",
            f"{payee.full_name} is not a {role.value} of beneficiary {beneficiary.code} with papers valid on "
            f"{on.isoformat()}.",
            field="payee_role",
        )
    return payee


def _same_method(row: MethodRow, spec: MethodSpec, payee: Person, role: PayeeRole) -> bool:
    return (
        row.kind == spec.kind.value
        and row.provider_code == spec.provider_code
        and row.bank_bin == spec.bank_bin
        and row.account_number == spec.account_number
        and row.home_delivery_reason == (spec.home_delivery_reason.value if spec.home_delivery_reason else None)
        and row.payee_person_id == payee.id
        and row.payee_role == role.value
    )


def _check_start(uow: UnitOfWork, beneficiary: Beneficiary, valid_from: date) -> None:
    latest = _latest_start(uow, beneficiary.id)
    if latest is not None and valid_from <= latest:
        raise ValidationFailed(
            f"Hình thức mới phải bắt đầu sau ngày {latest:%d/%m/%Y}, ngày bắt đầu của hình thức gần nhất "
            "(lịch sử không được ghi đè).",
            f"The new method must start after {latest.isoformat()}, when the latest one started "
            "(history is never overwritten).",
            field="valid_from",
        )
    if valid_from > uow.clock.today() + timedelta(days=MAX_DAYS_AHEAD):
        raise ValidationFailed(
            f"Ngày bắt đầu {valid_from:%d/%m/%Y} quá xa trong tương lai (tối đa {MAX_DAYS_AHEAD} ngày).",
            f"The start date {valid_from.isoformat()} is too far ahead (at most {MAX_DAYS_AHEAD} days).",
            field="valid_from",
        )


def _refuse_terminated(beneficiary: Beneficiary) -> None:
    if beneficiary.status == BeneficiaryStatus.TERMINATED.value:
        raise IllegalTransition(
            f"Đối tượng {beneficiary.code} đã thôi hưởng: không ghi hình thức chi trả mới.",
            f"Beneficiary {beneficiary.code} is terminated: no new payment method can be set.",
            field="beneficiary_code",
        )


def _store_method(
    uow: UnitOfWork,
    beneficiary: Beneficiary,
    spec: MethodSpec,
    payee: Person,
    role: PayeeRole,
    *,
    valid_from: date,
    source: str,
    account_name: str | None,
) -> tuple[MethodRow, MethodRow | None]:
    """Close the method in use the day before ``valid_from`` and insert the new one; returns (new, closed)."""
    current = _open_method(uow, beneficiary.id)
    if current is not None:
        current.valid_to = closing_day(valid_from)
        # Flushed before the insert: the partial unique index allows one open method per beneficiary.
        uow.session.flush()
    row = MethodRow(
        beneficiary_id=beneficiary.id,
        province_code=beneficiary.province_code,
        kind=spec.kind.value,
        provider_code=spec.provider_code,
        bank_bin=spec.bank_bin,
        account_number=spec.account_number,
        home_delivery_reason=spec.home_delivery_reason.value if spec.home_delivery_reason else None,
        payee_person_id=payee.id,
        payee_role=role.value,
        valid_from=valid_from,
        valid_to=None,
        source=source,
        account_name=account_name[:100] if account_name else None,
        created_by=uow.actor,
        created_at=uow.clock.now(),
    )
    uow.session.add(row)
    uow.session.flush()
    return row, current


def set_payment_method(
    uow: UnitOfWork,
    *,
    area: Area,
    beneficiary_code: str,
    kind: PaymentMethod | str,
    provider_code: str,
    bank_bin: str | None = None,
    account_number: str | None = None,
    home_delivery_reason: HomeDeliveryReason | str | None = None,
    payee_national_id: str | None = None,
    payee_role: PayeeRole | str = PayeeRole.BENEFICIARY,
    valid_from: date,
    source: str = "officer",
    account_name: str | None = None,
) -> PaymentMethodView:
    """Set how a beneficiary is paid from ``valid_from``; the method in use is closed the day before.

    Setting the method already in use changes nothing and answers ``unchanged``.
    """
    if source not in SOURCES:
        raise ValidationFailed(
            f"Nguồn «{source[:20]}» không hợp lệ.", f"Unknown source {source[:20]!r}.", field="source"
        )
    beneficiary = _beneficiary(uow, area, beneficiary_code)
    _refuse_terminated(beneficiary)
    spec = _resolve_spec(
        uow,
        kind=kind,
        provider_code=provider_code,
        bank_bin=bank_bin,
        account_number=account_number,
        home_delivery_reason=home_delivery_reason,
    )
    role = parse_enum(PayeeRole, payee_role, field="payee_role")
    payee = _payee(uow, beneficiary, role=role, payee_national_id=payee_national_id, on=valid_from)
    current = _open_method(uow, beneficiary.id)
    if current is not None and _same_method(current, spec, payee, role):
        (view,) = _method_views(uow, beneficiary, [current], reveal=False)
        return _unchanged(view)
    _check_start(uow, beneficiary, valid_from)
    row, closed = _store_method(
        uow, beneficiary, spec, payee, role, valid_from=valid_from, source=source, account_name=account_name
    )
    uow.audit(
        "enrolment.payment_method.set",
        entity_type="beneficiary",
        entity_id=beneficiary.code,
        province_code=beneficiary.province_code,
        detail={
            "method_id": row.id,
            "closed_method_id": closed.id if closed is not None else None,
            "kind": spec.kind.value,
            "provider_code": spec.provider_code,
            "bank_bin": spec.bank_bin,
            "account_number": mask(spec.account_number),
            "payee_role": role.value,
            "payee_person_id": payee.id,
            "valid_from": valid_from.isoformat(),
            "source": source,
        },
    )
    (view,) = _method_views(uow, beneficiary, [row], reveal=False)
    return view


def _unchanged(view: PaymentMethodView) -> PaymentMethodView:
    return replace(view, unchanged=True)


def capture_from_vietqr(
    uow: UnitOfWork,
    *,
    area: Area,
    beneficiary_code: str,
    qr_text: str,
    provider_code: str,
    valid_from: date,
    payee_national_id: str | None = None,
    payee_role: PayeeRole | str = PayeeRole.BENEFICIARY,
) -> PaymentMethodView:
    """Set a bank-account method from a VietQR code scanned or pasted from the payee's banking app."""
    _beneficiary(uow, area, beneficiary_code)  # an outsider learns nothing about the code from the QR checks
    account = capture_account(qr_text)
    bank = uow.session.get(Bank, account.bank_bin)
    if bank is None or not bank.active:
        raise ValidationFailed(
            f"Mã VietQR thuộc ngân hàng có mã BIN {account.bank_bin}, không có trong danh mục ngân hàng đang hoạt "
            "động: quản trị viên cần thêm ngân hàng này trước.",
            f"The VietQR code is for the bank with BIN {account.bank_bin}, which is not in the list of active "
            "banks: an administrator must add it first.",
            field="vietqr",
        )
    return set_payment_method(
        uow,
        area=area,
        beneficiary_code=beneficiary_code,
        kind=PaymentMethod.BANK_ACCOUNT,
        provider_code=provider_code,
        bank_bin=account.bank_bin,
        account_number=account.account_number,
        payee_national_id=payee_national_id,
        payee_role=payee_role,
        valid_from=valid_from,
        source="vietqr",
        account_name=account.account_name,
    )


def payment_method_history(
    uow: UnitOfWork, *, area: Area, beneficiary_code: str, reveal: bool = False
) -> list[PaymentMethodView]:
    """Every method the beneficiary had, newest first. ``reveal`` (PII_READ, checked by the caller) is audited."""
    beneficiary = _beneficiary(uow, area, beneficiary_code)
    rows = list(
        uow.session.scalars(
            select(MethodRow)
            .where(MethodRow.beneficiary_id == beneficiary.id)
            .order_by(MethodRow.valid_from.desc(), MethodRow.id.desc())
        )
    )
    if reveal:
        _audit_reveal(uow, beneficiary, "history")
    return _method_views(uow, beneficiary, rows, reveal=reveal)


def current_payment_method(
    uow: UnitOfWork, *, area: Area, beneficiary_code: str, on: date | None = None, reveal: bool = False
) -> PaymentMethodView | None:
    """The method in force on ``on`` (today by default), or None."""
    beneficiary = _beneficiary(uow, area, beneficiary_code)
    day = on or uow.clock.today()
    row = uow.session.scalar(
        select(MethodRow).where(
            MethodRow.beneficiary_id == beneficiary.id,
            MethodRow.valid_from <= day,
            (MethodRow.valid_to.is_(None)) | (MethodRow.valid_to >= day),
        )
    )
    if row is None:
        return None
    if reveal:
        _audit_reveal(uow, beneficiary, "current")
    (view,) = _method_views(uow, beneficiary, [row], reveal=reveal)
    return view


# ----------------------------------------------------------------------------------------------------
# Account opening

CASH_KINDS = (PaymentMethod.CASH_POINT.value, PaymentMethod.CASH_HOME.value)
# The providers that open accounts, and the method an opened account becomes.
OPENING_METHOD: dict[ProviderKind, PaymentMethod] = {
    ProviderKind.BANK: PaymentMethod.BANK_ACCOUNT,
    ProviderKind.MOBILE_MONEY: PaymentMethod.EWALLET,
}
MAX_REASON = 500


@dataclass(frozen=True, slots=True)
class AccountRequestLineView:
    line_id: int
    beneficiary_code: str
    full_name: str
    status: LineStatus
    account_number: str | None  # masked unless revealed
    reason: str | None
    answered_at: datetime | None


@dataclass(frozen=True, slots=True)
class AccountRequestView:
    id: int
    reference: str
    province_code: str
    commune_code: str
    provider_code: str
    status: AccountRequestStatus
    created_by: str
    created_at: datetime
    sent_at: datetime | None
    answered_at: datetime | None
    pending: int
    opened: int
    refused: int
    lines: list[AccountRequestLineView]


@dataclass(frozen=True, slots=True)
class SkippedLine:
    """An opened account the provider reported, recorded on its line, but not made the payment method."""

    line_id: int
    beneficiary_code: str
    code: str
    message: str
    message_en: str


@dataclass(frozen=True, slots=True)
class AnswerReport:
    request_id: int
    reference: str
    applied: bool  # False: a row was rejected and nothing was written
    accepted: int
    rejected: int
    opened: int
    refused: int
    methods_created: int
    pending: int  # lines still waiting for an answer after this file
    status: AccountRequestStatus
    errors: list[dict[str, object]] = field(default_factory=list)
    skipped: list[SkippedLine] = field(default_factory=list)


def _request(uow: UnitOfWork, area: Area, request_id: int) -> AccountRequest:
    request = uow.session.scalar(
        select(AccountRequest).where(
            AccountRequest.id == request_id,
            area_clause(area, AccountRequest.province_code, AccountRequest.commune_code),
        )
    )
    if request is None:
        raise NotFound(
            f"Không có danh sách mở tài khoản số {request_id} trong địa bàn của bạn.",
            f"No account-opening request {request_id} in your area.",
            field="request_id",
        )
    return request


def _opening_provider(uow: UnitOfWork, provider_code: str) -> tuple[Provider, PaymentMethod]:
    code = normalise_code(provider_code)
    provider = uow.session.get(Provider, code) if code else None
    if provider is None:
        raise ValidationFailed(
            f"Tổ chức chi trả «{provider_code[:40]}» không có trong danh sách.",
            f"Payment service provider {provider_code[:40]!r} is not in the list.",
            field="provider_code",
        )
    method = OPENING_METHOD.get(ProviderKind(provider.kind))
    if method is None or not provider.active:
        raise ValidationFailed(
            f"{provider.code} không mở tài khoản: cần một ngân hàng hoặc nhà cung cấp ví điện tử đang hoạt động.",
            f"{provider.code} does not open accounts: choose an active bank or mobile-money provider.",
            field="provider_code",
        )
    if method is PaymentMethod.BANK_ACCOUNT:
        bank = uow.session.get(Bank, provider.bank_bin) if provider.bank_bin else None
        if bank is None or not bank.active:
            raise ValidationFailed(
                f"Ngân hàng {provider.code} chưa có mã BIN trong danh mục ngân hàng đang hoạt động.",
                f"Bank {provider.code} has no BIN in the list of active banks.",
                field="provider_code",
            )
    return provider, method


def _ready_for_account(
    province_code: str, commune_code: str, *columns: ColumnElement[Any] | InstrumentedAttribute[Any]
) -> Select[Any]:
    """Active beneficiaries of the commune paid in cash to themselves, with complete papers, not already listed.

    Complete papers: the population database confirmed the person (``match``) and a phone number to reach them.
    """
    open_method = and_(MethodRow.beneficiary_id == Beneficiary.id, MethodRow.valid_to.is_(None))
    pending_line = exists().where(
        AccountRequestLine.beneficiary_id == Beneficiary.id, AccountRequestLine.status == LineStatus.PENDING.value
    )
    return (
        select(*columns)
        .select_from(Beneficiary)
        .join(Person, Person.id == Beneficiary.person_id)
        .join(MethodRow, open_method)
        .where(
            Beneficiary.province_code == province_code,
            Beneficiary.commune_code == commune_code,
            Beneficiary.status == BeneficiaryStatus.ACTIVE.value,
            MethodRow.kind.in_(CASH_KINDS),
            MethodRow.payee_role == PayeeRole.BENEFICIARY.value,
            Person.verification_status == VerificationStatus.MATCH.value,
            Person.phone.is_not(None),
            Person.phone != "",
            Person.date_of_death.is_(None),
            ~pending_line,
        )
    )


def compile_account_request(
    uow: UnitOfWork, *, area: Area, commune_code: str, provider_code: str
) -> AccountRequestView:
    """Draw up a commune's list of beneficiaries ready for an account, for one provider (reference MTK-…)."""
    try:
        commune_key = geo_domain.commune_code(commune_code)
    except ValueError:
        commune_key = None
    commune = uow.session.get(Commune, commune_key) if commune_key else None
    if commune is None:
        raise NotFound(
            f"Không có xã, phường mã «{commune_code[:10]}».", f"No commune {commune_code[:10]!r}.", field="commune_code"
        )
    require_commune(area, commune_code=commune.code, province_code=commune.province_code)
    provider, _method = _opening_provider(uow, provider_code)
    count = uow.session.scalar(_ready_for_account(commune.province_code, commune.code, func.count())) or 0
    if count == 0:
        raise ValidationFailed(
            f"Xã {commune.code} không có đối tượng nào đủ điều kiện mở tài khoản (đang nhận tiền mặt, đã xác minh "
            "với CSDL dân cư, có số điện thoại, chưa có trong danh sách đang chờ).",
            f"No beneficiary of commune {commune.code} is ready for an account (paid in cash, verified against the "
            "population database, with a phone, not already in a pending list).",
            field="commune_code",
        )
    serial = (uow.session.scalar(select(func.count()).where(AccountRequest.commune_code == commune.code)) or 0) + 1
    now = uow.clock.now()
    request = AccountRequest(
        reference=f"MTK-{commune.province_code}-{commune.code}-{serial:06d}",
        province_code=commune.province_code,
        commune_code=commune.code,
        provider_code=provider.code,
        status=AccountRequestStatus.COMPILED.value,
        created_by=uow.actor,
        created_at=now,
    )
    uow.session.add(request)
    try:
        with uow.session.begin_nested():
            uow.session.flush()
    except IntegrityError:
        raise Conflict(
            "Một danh sách khác của xã vừa được lập cùng lúc: hãy thử lại.",
            "Another list of this commune was compiled at the same moment: try again.",
            field="commune_code",
        ) from None
    # Set-based: one INSERT … SELECT, however many beneficiaries the commune has.
    uow.session.execute(
        insert(AccountRequestLine).from_select(
            ["request_id", "beneficiary_id", "status"],
            _ready_for_account(
                commune.province_code,
                commune.code,
                literal(request.id),
                Beneficiary.id,
                literal(LineStatus.PENDING.value),
            ),
        )
    )
    uow.audit(
        "enrolment.account_request.compile",
        entity_type="account_request",
        entity_id=request.reference,
        province_code=request.province_code,
        detail={"request_id": request.id, "commune_code": commune.code, "provider_code": provider.code, "lines": count},
    )
    return _request_view(uow, request, reveal=False)


def _request_view(uow: UnitOfWork, request: AccountRequest, *, reveal: bool) -> AccountRequestView:
    rows = uow.session.execute(
        select(AccountRequestLine, Beneficiary.code, Person.full_name)
        .join(Beneficiary, Beneficiary.id == AccountRequestLine.beneficiary_id)
        .join(Person, Person.id == Beneficiary.person_id)
        .where(AccountRequestLine.request_id == request.id)
        .order_by(AccountRequestLine.id)
    ).all()
    lines = [
        AccountRequestLineView(
            line_id=line.id,
            beneficiary_code=code,
            full_name=full_name,
            status=LineStatus(line.status),
            account_number=line.account_number if reveal else mask(line.account_number),
            reason=line.reason,
            answered_at=line.answered_at,
        )
        for line, code, full_name in rows
    ]
    counts = {status: sum(1 for line in lines if line.status is status) for status in LineStatus}
    return AccountRequestView(
        id=request.id,
        reference=request.reference,
        province_code=request.province_code,
        commune_code=request.commune_code,
        provider_code=request.provider_code,
        status=AccountRequestStatus(request.status),
        created_by=request.created_by,
        created_at=request.created_at,
        sent_at=request.sent_at,
        answered_at=request.answered_at,
        pending=counts[LineStatus.PENDING],
        opened=counts[LineStatus.OPENED],
        refused=counts[LineStatus.REFUSED],
        lines=lines,
    )


def get_account_request(uow: UnitOfWork, *, area: Area, request_id: int, reveal: bool = False) -> AccountRequestView:
    request = _request(uow, area, request_id)
    if reveal:
        uow.audit(
            "enrolment.account_request.reveal",
            entity_type="account_request",
            entity_id=request.reference,
            province_code=request.province_code,
            detail={"request_id": request.id},
        )
    return _request_view(uow, request, reveal=reveal)


def _address(street: str | None, commune: str, province: str) -> str:
    return ", ".join(part for part in (street, commune, province) if part)


def export_account_request(uow: UnitOfWork, *, area: Area, request_id: int, fmt: str = "xlsx") -> bytes:
    """The list as the provider receives it; the first export marks the request ``sent``. Audited (it holds PII)."""
    if fmt not in account_files.FORMATS:
        raise ValidationFailed(
            f"Định dạng «{fmt[:10]}» không hỗ trợ: chọn xlsx hoặc csv.",
            f"Format {fmt[:10]!r} is not supported: choose xlsx or csv.",
            field="format",
        )
    file_format: FileFormat = "csv" if fmt == "csv" else "xlsx"
    request = _request(uow, area, request_id)
    rows = uow.session.execute(
        select(AccountRequestLine.id, Beneficiary.code, Person, Commune.name, Province.name)
        .join(Beneficiary, Beneficiary.id == AccountRequestLine.beneficiary_id)
        .join(Person, Person.id == Beneficiary.person_id)
        .join(Commune, Commune.code == Person.commune_code)
        .join(Province, Province.code == Person.province_code)
        .where(AccountRequestLine.request_id == request.id)
        .order_by(AccountRequestLine.id)
    ).all()
    content = account_files.write_request_file(
        [
            RequestRow(
                line_id=line_id,
                beneficiary_code=code,
                national_id=person.national_id,
                full_name=person.full_name,
                date_of_birth=person.date_of_birth,
                phone=person.phone or "",
                address=_address(person.address, commune_name, province_name),
            )
            for line_id, code, person, commune_name, province_name in rows
        ],
        file_format,
        sheet_title=request.reference,
    )
    first_time = request.status == AccountRequestStatus.COMPILED.value
    if first_time:
        request.status = AccountRequestStatus.SENT.value
        request.sent_at = uow.clock.now()
    uow.audit(
        "enrolment.account_request.export",
        entity_type="account_request",
        entity_id=request.reference,
        province_code=request.province_code,
        detail={"request_id": request.id, "format": file_format, "lines": len(rows), "marked_sent": first_time},
    )
    return content


def export_filename(uow: UnitOfWork, *, area: Area, request_id: int, fmt: str) -> str:
    request = _request(uow, area, request_id)
    return account_files.export_filename(request.reference, "csv" if fmt == "csv" else "xlsx")


@dataclass
class _Answer:
    row: int
    line: AccountRequestLine
    account_number: str | None
    reason: str | None


class _AnswerChecker:
    """Checks the rows of one answer file against one request, collecting every error with its row and column."""

    def __init__(self, uow: UnitOfWork, request: AccountRequest, rows: Sequence[account_files.AnswerRow]) -> None:
        self.reference = request.reference
        self.lines = {
            line.id: (line, code)
            for line, code in uow.session.execute(
                select(AccountRequestLine, Beneficiary.code)
                .join(Beneficiary, Beneficiary.id == AccountRequestLine.beneficiary_id)
                .where(AccountRequestLine.request_id == request.id)
            )
        }
        self.line_ids = {raw.row: _line_id(raw) for raw in rows}
        unknown = {i for i in self.line_ids.values() if i is not None and i not in self.lines}
        self.foreign_ids = (
            set(uow.session.scalars(select(AccountRequestLine.id).where(AccountRequestLine.id.in_(unknown))))
            if unknown
            else set()
        )
        self.first_row_of: dict[int, int] = {}
        self.errors: list[RowError] = []

    def error(self, row: int, column: str | None, code: str, message_vi: str, message_en: str) -> None:
        self.errors.append(RowError(row, column, code, message_vi, message_en))

    def check(self, raw: account_files.AnswerRow) -> _Answer | None:
        before = len(self.errors)
        for key, value in raw.values.items():
            if key not in account_files.ANSWER_REQUIRED and value.strip():
                self.error(
                    raw.row,
                    key,
                    "unexpected_value",
                    f"Cột {key} có giá trị nhưng không có tiêu đề.",
                    f"Column {key} has a value but no header.",
                )
        account, reason = self._answer(raw)
        line = self._line(raw)
        if line is None or len(self.errors) > before:
            return None
        return _Answer(raw.row, line, account, reason)

    def _line(self, raw: account_files.AnswerRow) -> AccountRequestLine | None:
        row, line_id = raw.row, self.line_ids[raw.row]
        text = raw.values.get("line_id", "").strip()
        if line_id is None:
            if text:
                self.error(
                    row,
                    "line_id",
                    "line_id_invalid",
                    f"Mã dòng «{text[:20]}» phải là một số của danh sách.",
                    f"The line id {text[:20]!r} must be a number from the list.",
                )
            else:
                self.error(row, "line_id", "missing_value", "Thiếu «Mã dòng».", "line_id is required.")
            return None
        if line_id not in self.lines:
            if line_id in self.foreign_ids:
                self.error(
                    row,
                    "line_id",
                    "line_of_another_request",
                    f"Dòng {line_id} thuộc một danh sách khác, không thuộc {self.reference}.",
                    f"Line {line_id} belongs to another request, not to {self.reference}.",
                )
            else:
                self.error(
                    row,
                    "line_id",
                    "line_unknown",
                    f"Không có dòng {line_id} trong danh sách {self.reference}.",
                    f"There is no line {line_id} in request {self.reference}.",
                )
            return None
        line, code = self.lines[line_id]
        given_code = raw.values.get("beneficiary_code", "").strip()
        if given_code != code:
            self.error(
                row,
                "beneficiary_code",
                "beneficiary_mismatch",
                f"Dòng {line_id} là của đối tượng {code}, không phải «{given_code[:30]}».",
                f"Line {line_id} is for beneficiary {code}, not {given_code[:30]!r}.",
            )
        if line_id in self.first_row_of:
            first = self.first_row_of[line_id]
            self.error(
                row,
                "line_id",
                "line_answered_twice",
                f"Dòng {line_id} đã được trả lời ở dòng {first} của tệp.",
                f"Line {line_id} is already answered at row {first} of the file.",
            )
            return None
        self.first_row_of[line_id] = row
        if line.status != LineStatus.PENDING.value:
            self.error(
                row,
                "line_id",
                "line_already_answered",
                f"Dòng {line_id} đã được trả lời trước đây ({line.status}).",
                f"Line {line_id} was already answered earlier ({line.status}).",
            )
        return line

    def _answer(self, raw: account_files.AnswerRow) -> tuple[str | None, str | None]:
        row = raw.row
        account_text = "".join(raw.values.get("account_number", "").split())
        reason = " ".join(raw.values.get("refusal_reason", "").split())
        if account_text and reason:
            self.error(
                row,
                "account_number",
                "answer_both",
                "Mỗi dòng ghi số tài khoản HOẶC lý do không mở được, không ghi cả hai.",
                "Each line gives an account number OR a refusal reason, not both.",
            )
        elif not account_text and not reason:
            self.error(
                row,
                "account_number",
                "answer_missing",
                "Dòng chưa có câu trả lời: ghi số tài khoản đã mở hoặc lý do không mở được.",
                "The line has no answer: give the account number opened or the refusal reason.",
            )
        elif account_text:
            try:
                return normalise_account_number(account_text), None
            except ValidationFailed as error:
                self.error(row, "account_number", "account_invalid", error.message_vi, error.message_en)
        elif len(reason) > MAX_REASON:
            self.error(
                row,
                "refusal_reason",
                "too_long",
                f"Lý do dài quá {MAX_REASON} ký tự.",
                f"The refusal reason is longer than {MAX_REASON} characters.",
            )
        else:
            return None, reason
        return None, None


def _line_id(raw: account_files.AnswerRow) -> int | None:
    text = raw.values.get("line_id", "").strip()
    return int(text) if text.isdigit() and len(text) <= 18 else None


def import_account_answers(
    uow: UnitOfWork,
    *,
    area: Area,
    request_id: int,
    file: bytes,
    filename: str,
    max_bytes: int = account_files.MAX_ANSWER_BYTES,
) -> AnswerReport:
    """Apply the provider's answer, all or nothing: each opened account becomes the beneficiary's payment method.

    A rejected row (unknown line, another request's line, both or neither of account and reason, a line answered
    twice) rejects the file; the report lists every error with its row and column, and nothing is written.
    """
    request = _request(uow, area, request_id)
    if request.status == AccountRequestStatus.COMPILED.value:
        raise IllegalTransition(
            f"Danh sách {request.reference} chưa được gửi cho tổ chức chi trả: hãy xuất tệp trước.",
            f"Request {request.reference} was not sent to the provider yet: export it first.",
            field="request_id",
        )
    if request.status == AccountRequestStatus.ANSWERED.value:
        raise IllegalTransition(
            f"Danh sách {request.reference} đã được trả lời đầy đủ.",
            f"Request {request.reference} is already fully answered.",
            field="request_id",
        )
    rows = list(account_files.read_answer_file(file, filename, max_bytes=max_bytes))
    if not rows:
        raise ValidationFailed(
            "Tệp trả lời không có dòng dữ liệu nào.", "The answer file has no data rows.", field="file"
        )
    checker = _AnswerChecker(uow, request, rows)
    answers = [answer for answer in (checker.check(raw) for raw in rows) if answer is not None]
    errors = checker.errors
    if errors:
        rejected_rows = {error.row for error in errors}
        return AnswerReport(
            request_id=request.id,
            reference=request.reference,
            applied=False,
            accepted=len(rows) - len(rejected_rows),
            rejected=len(rejected_rows),
            opened=0,
            refused=0,
            methods_created=0,
            pending=_pending(uow, request.id),
            status=AccountRequestStatus(request.status),
            errors=[error.as_dict() for error in errors],
        )
    provider, method = _opening_provider(uow, request.provider_code)
    now = uow.clock.now()
    today = uow.clock.today()
    opened = refused = created = 0
    skipped: list[SkippedLine] = []
    for answer in answers:
        line = answer.line
        line.answered_at = now
        if answer.account_number is None:
            line.status = LineStatus.REFUSED.value
            line.reason = answer.reason
            refused += 1
            continue
        line.status = LineStatus.OPENED.value
        line.account_number = answer.account_number
        opened += 1
        outcome = _open_account_method(
            uow, line, provider=provider, method=method, account_number=answer.account_number, today=today
        )
        if isinstance(outcome, SkippedLine):
            skipped.append(outcome)
        else:
            created += 1
    uow.session.flush()
    pending = _pending(uow, request.id)
    if pending == 0:
        request.status = AccountRequestStatus.ANSWERED.value
        request.answered_at = now
    uow.audit(
        "enrolment.account_request.answer",
        entity_type="account_request",
        entity_id=request.reference,
        province_code=request.province_code,
        detail={
            "request_id": request.id,
            "filename": filename[:100],
            "opened": opened,
            "refused": refused,
            "methods_created": created,
            "skipped_line_ids": [s.line_id for s in skipped],
            "pending": pending,
        },
    )
    return AnswerReport(
        request_id=request.id,
        reference=request.reference,
        applied=True,
        accepted=len(answers),
        rejected=0,
        opened=opened,
        refused=refused,
        methods_created=created,
        pending=pending,
        status=AccountRequestStatus(request.status),
        skipped=skipped,
    )


def _pending(uow: UnitOfWork, request_id: int) -> int:
    return (
        uow.session.scalar(
            select(func.count()).where(
                AccountRequestLine.request_id == request_id, AccountRequestLine.status == LineStatus.PENDING.value
            )
        )
        or 0
    )


def _open_account_method(
    uow: UnitOfWork,
    line: AccountRequestLine,
    *,
    provider: Provider,
    method: PaymentMethod,
    account_number: str,
    today: date,
) -> MethodRow | SkippedLine:
    """Make the opened account the beneficiary's method from today, unless things changed since the list."""
    beneficiary = uow.session.get(Beneficiary, line.beneficiary_id)
    assert beneficiary is not None

    def skip(code: str, message_vi: str, message_en: str) -> SkippedLine:
        return SkippedLine(line.id, beneficiary.code, code, message_vi, message_en)

    if beneficiary.status == BeneficiaryStatus.TERMINATED.value:
        return skip(
            "beneficiary_terminated",
            "Đối tượng đã thôi hưởng: tài khoản được ghi nhận nhưng không dùng để chi trả.",
            "The beneficiary is terminated: the account is recorded but not used for payment.",
        )
    current = _open_method(uow, beneficiary.id)
    if current is not None and PaymentMethod(current.kind) in ACCOUNT_KINDS:
        return skip(
            "already_has_account",
            "Đối tượng đã được chi trả qua tài khoản khác từ khi lập danh sách: giữ nguyên hình thức đang dùng.",
            "The beneficiary was given another account since the list was compiled: the method in use is kept.",
        )
    latest = _latest_start(uow, beneficiary.id)
    if latest is not None and latest >= today:
        return skip(
            "method_changed_today",
            "Hình thức chi trả của đối tượng vừa được đổi hôm nay: hãy ghi tài khoản mới từ ngày mai.",
            "The beneficiary's payment method was changed today: set the new account from tomorrow.",
        )
    person = uow.session.get(Person, beneficiary.person_id)
    assert person is not None
    spec = MethodSpec(
        kind=method,
        provider_code=provider.code,
        bank_bin=provider.bank_bin if method is PaymentMethod.BANK_ACCOUNT else None,
        account_number=account_number,
        home_delivery_reason=None,
    )
    row, _closed = _store_method(
        uow,
        beneficiary,
        spec,
        person,
        PayeeRole.BENEFICIARY,
        valid_from=today,
        source="account_opening",
        account_name=None,
    )
    return row
