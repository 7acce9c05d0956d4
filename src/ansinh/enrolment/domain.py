"""Pure enrolment rules: which payment methods a provider can serve, what each method needs, account numbers.

No database, no clock: the services look up the provider and the bank list, and pass what they found here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from ansinh.core.errors import ValidationFailed
from ansinh.providers.services import ProviderKind
from ansinh.registry.importing import HomeDeliveryReason, PayeeRole, PaymentMethod

__all__ = [
    "ACCOUNT_KINDS",
    "METHOD_LABELS",
    "PROVIDER_KINDS_FOR",
    "AccountRequestStatus",
    "HomeDeliveryReason",
    "LineStatus",
    "MethodSpec",
    "PayeeRole",
    "PaymentMethod",
    "check_method",
    "closing_day",
    "normalise_account_number",
    "parse_enum",
]

# Which kinds of provider can pay by which method. A G2P Connect service disburses to accounts and wallets;
# Vietnam Post (a cash payer) runs the payment points, the home deliveries and its own postal accounts.
PROVIDER_KINDS_FOR: dict[PaymentMethod, frozenset[ProviderKind]] = {
    PaymentMethod.CASH_POINT: frozenset({ProviderKind.CASH_PAYER}),
    PaymentMethod.CASH_HOME: frozenset({ProviderKind.CASH_PAYER}),
    PaymentMethod.BANK_ACCOUNT: frozenset({ProviderKind.BANK, ProviderKind.G2P}),
    PaymentMethod.EWALLET: frozenset({ProviderKind.MOBILE_MONEY, ProviderKind.G2P}),
    PaymentMethod.POSTAL_ACCOUNT: frozenset({ProviderKind.CASH_PAYER}),
}
ACCOUNT_KINDS = frozenset({PaymentMethod.BANK_ACCOUNT, PaymentMethod.EWALLET, PaymentMethod.POSTAL_ACCOUNT})

METHOD_LABELS: dict[PaymentMethod, tuple[str, str]] = {
    PaymentMethod.CASH_POINT: ("tiền mặt tại điểm chi trả", "cash at a payment point"),
    PaymentMethod.CASH_HOME: ("tiền mặt tại nhà", "cash at home"),
    PaymentMethod.BANK_ACCOUNT: ("tài khoản ngân hàng", "bank account"),
    PaymentMethod.EWALLET: ("ví điện tử", "e-wallet"),
    PaymentMethod.POSTAL_ACCOUNT: ("tài khoản bưu điện", "postal account"),
}


class AccountRequestStatus(StrEnum):
    COMPILED = "compiled"  # the list is drawn up, not yet sent
    SENT = "sent"  # the file went to the provider
    ANSWERED = "answered"  # every line has an answer


class LineStatus(StrEnum):
    PENDING = "pending"
    OPENED = "opened"
    REFUSED = "refused"


# NAPAS account numbers are up to 19 characters; some banks issue letter "nickname" accounts.
_ACCOUNT = re.compile(r"[0-9A-Za-z]{1,19}")
_GROUPING = re.compile(r"[\s.-]")
_INTERNATIONAL_MOBILE = re.compile(r"\+84([35789][0-9]{8})")


def normalise_account_number(raw: str, *, field: str = "account_number") -> str:
    """Drop the grouping people write (``0011 0012 3456``); a +84 wallet number is written the national way."""
    text = _GROUPING.sub("", raw)
    if match := _INTERNATIONAL_MOBILE.fullmatch(text):
        text = "0" + match[1]
    if not _ACCOUNT.fullmatch(text):
        raise ValidationFailed(
            "Số tài khoản hoặc số ví chỉ gồm chữ số và chữ cái không dấu, tối đa 19 ký tự.",
            "An account or wallet number holds digits and unaccented letters only, at most 19 characters.",
            field=field,
        )
    return text


def parse_enum[E: StrEnum](enum: type[E], value: str | E, *, field: str) -> E:
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        raise ValidationFailed(
            f"Giá trị «{str(value)[:30]}» không hợp lệ cho {field} (chọn một trong: {allowed}).",
            f"{str(value)[:30]!r} is not a valid {field} (one of: {allowed}).",
            field=field,
        ) from None


@dataclass(frozen=True, slots=True)
class MethodSpec:
    """A payment method that passed every rule, ready to be compared with the one in use and stored."""

    kind: PaymentMethod
    provider_code: str
    bank_bin: str | None
    account_number: str | None
    home_delivery_reason: HomeDeliveryReason | None


def check_method(
    kind: PaymentMethod,
    *,
    provider_code: str,
    provider_kind: ProviderKind,
    provider_active: bool,
    bank_bin: str | None,
    bank_known_active: bool,
    account_number: str | None,
    home_delivery_reason: HomeDeliveryReason | None,
) -> MethodSpec:
    """Apply what each method needs; raise ``ValidationFailed`` naming the field at fault."""
    method_vi, method_en = METHOD_LABELS[kind]
    if not provider_active:
        raise ValidationFailed(
            f"Tổ chức chi trả {provider_code} đã ngừng hoạt động.",
            f"Provider {provider_code} is no longer active.",
            field="provider_code",
        )
    if provider_kind not in PROVIDER_KINDS_FOR[kind]:
        kinds = ", ".join(sorted(k.value for k in PROVIDER_KINDS_FOR[kind]))
        raise ValidationFailed(
            f"Tổ chức {provider_code} ({provider_kind.value}) không chi trả bằng {method_vi}: "
            f"cần tổ chức loại {kinds}.",
            f"Provider {provider_code} ({provider_kind.value}) does not pay by {method_en}: "
            f"it needs a {kinds} provider.",
            field="provider_code",
        )
    if kind is PaymentMethod.CASH_HOME and home_delivery_reason is None:
        raise ValidationFailed(
            "Chi trả tại nhà cần lý do: bedridden (nằm liệt giường), severe_disability (khuyết tật nặng) "
            "hoặc no_proxy (không có người nhận thay).",
            "Home delivery needs a reason: bedridden, severe_disability or no_proxy.",
            field="home_delivery_reason",
        )
    if kind is not PaymentMethod.CASH_HOME and home_delivery_reason is not None:
        raise ValidationFailed(
            "Chỉ ghi lý do chi trả tại nhà khi hình thức là chi trả tiền mặt tại nhà (cash_home).",
            "A home-delivery reason is only given for cash at home (cash_home).",
            field="home_delivery_reason",
        )
    if kind not in ACCOUNT_KINDS:
        if account_number is not None:
            raise ValidationFailed(
                f"Chi trả {method_vi} không có số tài khoản: xoá số tài khoản hoặc đổi hình thức chi trả.",
                f"Payment by {method_en} has no account number: remove it or change the payment method.",
                field="account_number",
            )
    elif account_number is None:
        raise ValidationFailed(
            f"Chi trả bằng {method_vi} cần số tài khoản hoặc số ví.",
            f"Payment by {method_en} needs an account or wallet number.",
            field="account_number",
        )
    if kind is PaymentMethod.BANK_ACCOUNT:
        if bank_bin is None:
            raise ValidationFailed(
                "Tài khoản ngân hàng cần mã BIN của ngân hàng (6 chữ số).",
                "A bank account needs the bank's BIN (6 digits).",
                field="bank_bin",
            )
        if not bank_known_active:
            raise ValidationFailed(
                f"Mã BIN {bank_bin} không có trong danh mục ngân hàng đang hoạt động.",
                f"BIN {bank_bin} is not in the list of active banks.",
                field="bank_bin",
            )
    elif bank_bin is not None:
        raise ValidationFailed(
            f"Chỉ ghi mã BIN ngân hàng cho tài khoản ngân hàng, không cho {method_vi}.",
            f"A bank BIN is only given for a bank account, not for {method_en}.",
            field="bank_bin",
        )
    return MethodSpec(kind, provider_code, bank_bin, account_number, home_delivery_reason)


def closing_day(valid_from: date) -> date:
    """The last day of the method in use when a new one starts on ``valid_from`` (validity is inclusive)."""
    return date.fromordinal(valid_from.toordinal() - 1)
