"""What each payment method needs, and which provider may serve it (pure rules)."""

from __future__ import annotations

from datetime import date

import pytest

from ansinh.core.errors import ValidationFailed
from ansinh.enrolment.domain import (
    HomeDeliveryReason,
    PaymentMethod,
    check_method,
    closing_day,
    normalise_account_number,
)
from ansinh.providers.services import ProviderKind


def _check(
    kind: PaymentMethod,
    provider_kind: ProviderKind,
    *,
    bank_bin: str | None = None,
    bank_known_active: bool = True,
    account_number: str | None = None,
    home_delivery_reason: HomeDeliveryReason | None = None,
    provider_active: bool = True,
) -> None:
    check_method(
        kind,
        provider_code="P",
        provider_kind=provider_kind,
        provider_active=provider_active,
        bank_bin=bank_bin,
        bank_known_active=bank_known_active,
        account_number=account_number,
        home_delivery_reason=home_delivery_reason,
    )


def _field_of(error: pytest.ExceptionInfo[ValidationFailed]) -> str | None:
    return error.value.field


@pytest.mark.parametrize(
    ("kind", "provider_kind", "extra"),
    [
        (PaymentMethod.CASH_POINT, ProviderKind.CASH_PAYER, {}),
        (PaymentMethod.CASH_HOME, ProviderKind.CASH_PAYER, {"home_delivery_reason": HomeDeliveryReason.BEDRIDDEN}),
        (PaymentMethod.BANK_ACCOUNT, ProviderKind.BANK, {"bank_bin": "970436", "account_number": "0011001234567"}),
        (PaymentMethod.BANK_ACCOUNT, ProviderKind.G2P, {"bank_bin": "970436", "account_number": "0011001234567"}),
        (PaymentMethod.EWALLET, ProviderKind.MOBILE_MONEY, {"account_number": "0912345678"}),
        (PaymentMethod.POSTAL_ACCOUNT, ProviderKind.CASH_PAYER, {"account_number": "PB123456"}),
    ],
)
def test_a_complete_method_with_a_fitting_provider_passes(
    kind: PaymentMethod, provider_kind: ProviderKind, extra: dict[str, object]
) -> None:
    spec = check_method(
        kind,
        provider_code="P",
        provider_kind=provider_kind,
        provider_active=True,
        bank_bin=extra.get("bank_bin"),  # type: ignore[arg-type]
        bank_known_active=True,
        account_number=extra.get("account_number"),  # type: ignore[arg-type]
        home_delivery_reason=extra.get("home_delivery_reason"),  # type: ignore[arg-type]
    )
    assert spec.kind is kind


@pytest.mark.parametrize(
    ("kind", "provider_kind"),
    [
        (PaymentMethod.CASH_POINT, ProviderKind.BANK),
        (PaymentMethod.CASH_HOME, ProviderKind.MOBILE_MONEY),
        (PaymentMethod.BANK_ACCOUNT, ProviderKind.CASH_PAYER),
        (PaymentMethod.EWALLET, ProviderKind.BANK),
        (PaymentMethod.POSTAL_ACCOUNT, ProviderKind.BANK),
    ],
)
def test_a_provider_of_the_wrong_kind_is_refused_naming_the_provider(
    kind: PaymentMethod, provider_kind: ProviderKind
) -> None:
    with pytest.raises(ValidationFailed) as error:
        _check(
            kind,
            provider_kind,
            bank_bin="970436" if kind is PaymentMethod.BANK_ACCOUNT else None,
            account_number=None if kind in (PaymentMethod.CASH_POINT, PaymentMethod.CASH_HOME) else "123456",
            home_delivery_reason=HomeDeliveryReason.NO_PROXY if kind is PaymentMethod.CASH_HOME else None,
        )
    assert _field_of(error) == "provider_code"
    assert "không chi trả" in error.value.message_vi


@pytest.mark.parametrize("kind", [PaymentMethod.CASH_POINT, PaymentMethod.CASH_HOME])
def test_an_account_number_on_a_cash_method_is_refused_naming_the_field(kind: PaymentMethod) -> None:
    with pytest.raises(ValidationFailed) as error:
        _check(
            kind,
            ProviderKind.CASH_PAYER,
            account_number="0011001234567",
            home_delivery_reason=HomeDeliveryReason.BEDRIDDEN if kind is PaymentMethod.CASH_HOME else None,
        )
    assert _field_of(error) == "account_number"


def test_home_delivery_needs_a_reason() -> None:
    with pytest.raises(ValidationFailed) as error:
        _check(PaymentMethod.CASH_HOME, ProviderKind.CASH_PAYER)
    assert _field_of(error) == "home_delivery_reason"


def test_a_home_delivery_reason_on_another_method_is_refused() -> None:
    with pytest.raises(ValidationFailed) as error:
        _check(PaymentMethod.CASH_POINT, ProviderKind.CASH_PAYER, home_delivery_reason=HomeDeliveryReason.BEDRIDDEN)
    assert _field_of(error) == "home_delivery_reason"


@pytest.mark.parametrize("kind", [PaymentMethod.BANK_ACCOUNT, PaymentMethod.EWALLET, PaymentMethod.POSTAL_ACCOUNT])
def test_an_account_method_needs_an_account_number(kind: PaymentMethod) -> None:
    provider_kind = {
        PaymentMethod.BANK_ACCOUNT: ProviderKind.BANK,
        PaymentMethod.EWALLET: ProviderKind.MOBILE_MONEY,
        PaymentMethod.POSTAL_ACCOUNT: ProviderKind.CASH_PAYER,
    }[kind]
    with pytest.raises(ValidationFailed) as error:
        _check(kind, provider_kind, bank_bin="970436" if kind is PaymentMethod.BANK_ACCOUNT else None)
    assert _field_of(error) == "account_number"


def test_a_bank_account_needs_a_bin_that_is_in_the_active_bank_list() -> None:
    with pytest.raises(ValidationFailed) as missing:
        _check(PaymentMethod.BANK_ACCOUNT, ProviderKind.BANK, account_number="123")
    with pytest.raises(ValidationFailed) as unknown:
        _check(
            PaymentMethod.BANK_ACCOUNT,
            ProviderKind.BANK,
            account_number="123",
            bank_bin="111111",
            bank_known_active=False,
        )
    assert _field_of(missing) == _field_of(unknown) == "bank_bin"
    assert "111111" in unknown.value.message_en


def test_a_bin_on_a_method_that_is_not_a_bank_account_is_refused() -> None:
    with pytest.raises(ValidationFailed) as error:
        _check(PaymentMethod.EWALLET, ProviderKind.MOBILE_MONEY, account_number="0912345678", bank_bin="970436")
    assert _field_of(error) == "bank_bin"


def test_an_inactive_provider_is_refused() -> None:
    with pytest.raises(ValidationFailed) as error:
        _check(PaymentMethod.CASH_POINT, ProviderKind.CASH_PAYER, provider_active=False)
    assert _field_of(error) == "provider_code"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0011 0012 3456", "001100123456"),
        ("0011-0012.3456", "001100123456"),
        ("+84912345678", "0912345678"),
        ("MAIANH2024", "MAIANH2024"),
    ],
)
def test_account_numbers_lose_their_grouping(raw: str, expected: str) -> None:
    assert normalise_account_number(raw) == expected


@pytest.mark.parametrize("raw", ["12345678901234567890", "tài-khoản", "12/34", "=1+1", ""])
def test_malformed_account_numbers_are_refused(raw: str) -> None:
    with pytest.raises(ValidationFailed) as error:
        normalise_account_number(raw)
    assert _field_of(error) == "account_number"


def test_the_method_in_use_ends_the_day_before_the_new_one_starts() -> None:
    assert closing_day(date(2026, 3, 1)) == date(2026, 2, 28)
    assert closing_day(date(2026, 1, 1)) == date(2025, 12, 31)
