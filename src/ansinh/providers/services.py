"""The list of payment service organisations the agency contracts: add, list, look up."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select

from ansinh.core.errors import Conflict, NotFound, ValidationFailed
from ansinh.core.uow import UnitOfWork
from ansinh.providers.tables import Provider


class ProviderKind(StrEnum):
    BANK = "bank"
    MOBILE_MONEY = "mobile_money"  # Viettel Money, VNPT Money, MoMo …
    G2P = "g2p"  # a G2P Connect disbursement service
    CASH_PAYER = "cash_payer"  # Vietnam Post: payment points, home delivery and postal accounts


PROVIDER_KIND_LABELS: dict[ProviderKind, tuple[str, str]] = {
    ProviderKind.BANK: ("Ngân hàng", "Bank"),
    ProviderKind.MOBILE_MONEY: ("Ví điện tử / Mobile Money", "E-wallet / mobile money"),
    ProviderKind.G2P: ("Dịch vụ chi trả G2P", "G2P disbursement service"),
    ProviderKind.CASH_PAYER: ("Tổ chức chi trả tiền mặt (Bưu điện)", "Cash payer (post office)"),
}

# Codes travel in file names, batch references and the import file's provider column: plain and upper-case.
_CODE = re.compile(r"[A-Z0-9_]{2,32}")
_BIN = re.compile(r"[0-9]{6}")
MAX_NAME = 200


@dataclass(frozen=True, slots=True)
class ProviderView:
    code: str
    name: str
    kind: ProviderKind
    bank_bin: str | None
    active: bool


def _view(provider: Provider) -> ProviderView:
    return ProviderView(provider.code, provider.name, ProviderKind(provider.kind), provider.bank_bin, provider.active)


def normalise_code(raw: str) -> str:
    """``vnpost`` and `` VNPOST `` are the code VNPOST: spreadsheets and people vary the case."""
    return raw.strip().upper()


def add_provider(
    uow: UnitOfWork, *, code: str, name: str, kind: ProviderKind | str, bank_bin: str | None = None
) -> ProviderView:
    """Register a payment service organisation (administrator); a bank needs its NAPAS BIN."""
    key = normalise_code(code)
    if not _CODE.fullmatch(key):
        raise ValidationFailed(
            f"Mã tổ chức chi trả «{code[:40]}» phải gồm 2–32 chữ in hoa, chữ số hoặc dấu gạch dưới (ví dụ VNPOST).",
            f"The provider code {code[:40]!r} must be 2–32 upper-case letters, digits or underscores (e.g. VNPOST).",
            field="code",
        )
    clean_name = " ".join(name.split())
    if not clean_name or len(clean_name) > MAX_NAME:
        raise ValidationFailed(
            f"Tên tổ chức chi trả phải có từ 1 đến {MAX_NAME} ký tự.",
            f"The provider name must have 1 to {MAX_NAME} characters.",
            field="name",
        )
    try:
        provider_kind = ProviderKind(kind)
    except ValueError:
        raise ValidationFailed(
            f"Loại tổ chức chi trả «{str(kind)[:20]}» không hợp lệ (bank, mobile_money, g2p, cash_payer).",
            f"Unknown provider kind {str(kind)[:20]!r} (bank, mobile_money, g2p, cash_payer).",
            field="kind",
        ) from None
    bin_value = bank_bin.strip() if bank_bin is not None and bank_bin.strip() else None
    if bin_value is not None and not _BIN.fullmatch(bin_value):
        raise ValidationFailed(
            "Mã BIN ngân hàng phải gồm đúng 6 chữ số.", "A bank BIN has exactly 6 digits.", field="bank_bin"
        )
    if provider_kind is ProviderKind.BANK and bin_value is None:
        # Accounts opened by this bank are recorded under its BIN: without one they could not be paid.
        raise ValidationFailed(
            "Tổ chức chi trả là ngân hàng cần mã BIN (NAPAS) của ngân hàng.",
            "A bank provider needs the bank's NAPAS BIN.",
            field="bank_bin",
        )
    if uow.session.get(Provider, key) is not None:
        raise Conflict(f"Tổ chức chi trả {key} đã có trong danh sách.", f"Provider {key} already exists.", field="code")
    provider = Provider(
        code=key, name=clean_name, kind=provider_kind.value, bank_bin=bin_value, active=True, created_at=uow.clock.now()
    )
    uow.session.add(provider)
    uow.session.flush()
    uow.audit(
        "providers.provider.create",
        entity_type="provider",
        entity_id=key,
        detail={"name": clean_name, "kind": provider_kind.value, "bank_bin": bin_value},
    )
    return _view(provider)


def list_providers(
    uow: UnitOfWork, *, kind: ProviderKind | None = None, active_only: bool = False
) -> list[ProviderView]:
    query = select(Provider).order_by(Provider.code)
    if kind is not None:
        query = query.where(Provider.kind == kind.value)
    if active_only:
        query = query.where(Provider.active.is_(True))
    return [_view(p) for p in uow.session.scalars(query)]


def get_provider(uow: UnitOfWork, *, code: str) -> ProviderView:
    provider = uow.session.get(Provider, normalise_code(code)) if code.strip() else None
    if provider is None:
        raise NotFound(
            f"Không có tổ chức chi trả mã «{code[:40]}».", f"No payment service provider {code[:40]!r}.", field="code"
        )
    return _view(provider)
