"""VietQR capture: the account of a transfer-to-account code, and a named refusal for anything else."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st
from vietnam_qr_pay import QRPay, VietQRService

from ansinh.registry.vietqr import (
    VietQRAccount,
    VietQRChecksumError,
    VietQRError,
    VietQRMalformedError,
    VietQRNotAnAccountError,
    capture_account,
)


def crc16_ccitt_false(text: str) -> str:
    """Our own CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF), so hand-made codes do not trust the library."""
    crc = 0xFFFF
    for byte in text.encode():
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return f"{crc:04X}"


def tlv(tag: str, value: str) -> str:
    return f"{tag}{len(value):02d}{value}"


def hand_made(
    *,
    guid: str = "A000000727",
    bank_bin: str = "970405",
    account: str = "3100205123456",
    service: str = "QRIBFTTA",
    currency: str = "704",
    name: str | None = "TRAN THI LE QUYEN",
) -> str:
    consumer = tlv("00", bank_bin) + tlv("01", account)
    provider = tlv("00", guid) + tlv("01", consumer) + tlv("02", service)
    body = tlv("00", "01") + tlv("01", "11") + tlv("38", provider) + tlv("53", currency) + tlv("58", "VN")
    if name is not None:
        body += tlv("59", name)
    body += "6304"
    return body + crc16_ccitt_false(body)


def test_code_built_by_the_library_encoder_is_captured() -> None:
    qr = QRPay.init_viet_qr(bank_bin="970436", bank_number="0011001234567")
    account = capture_account(qr.build())
    assert account == VietQRAccount("970436", "0011001234567", None, "Vietcombank")


def test_account_name_and_amount_from_a_dynamic_code() -> None:
    qr = QRPay.init_viet_qr(bank_bin="970436", bank_number="0011001234567", amount="750000", purpose="tro cap")
    qr.merchant.name = "NGUYEN THI HONG NHUNG"
    account = capture_account(qr.build())
    assert account.account_name == "NGUYEN THI HONG NHUNG"
    assert account.account_number == "0011001234567"


def test_hand_made_code_is_captured() -> None:
    account = capture_account(hand_made())
    assert account == VietQRAccount("970405", "3100205123456", "TRAN THI LE QUYEN", "Agribank")


def test_real_format_string_with_line_end_from_a_scanner() -> None:
    # A static VietQR as banking apps show it (VietinBank BIN, no name), as a USB scanner types it.
    text = "00020101021138570010A00000072701270006970415011310200011122330208QRIBFTTA53037045802VN6304"
    account = capture_account(text + crc16_ccitt_false(text) + "\r\n")
    assert (account.bank_bin, account.account_number, account.account_name) == ("970415", "1020001112233", None)


def test_bank_unknown_to_the_library_is_still_captured() -> None:
    # The bank list is data an administrator extends (the Bank for Social Policies is not in the library's).
    account = capture_account(hand_made(bank_bin="999999"))
    assert account.bank_bin == "999999"
    assert account.bank_short_name is None


def test_lower_case_checksum_is_accepted() -> None:
    text = hand_made()
    assert capture_account(text[:-4] + text[-4:].lower()).account_number == "3100205123456"


def test_wrong_checksum_is_refused() -> None:
    text = hand_made()
    wrong = "0000" if text[-4:] != "0000" else "FFFF"
    with pytest.raises(VietQRChecksumError) as raised:
        capture_account(text[:-4] + wrong)
    assert raised.value.message_vi.startswith("Mã kiểm tra")


def test_one_changed_digit_of_the_account_is_refused() -> None:
    text = hand_made()
    tampered = text.replace("3100205123456", "3100205123457")
    with pytest.raises(VietQRChecksumError):
        capture_account(tampered)


def test_card_code_is_refused_as_not_an_account() -> None:
    qr = QRPay.init_viet_qr(bank_bin="970436", bank_number="9704361234567890", service=VietQRService.BY_CARD_NUMBER)
    with pytest.raises(VietQRNotAnAccountError, match="card"):
        capture_account(qr.build())


def test_merchant_vnpay_code_is_refused_as_not_an_account() -> None:
    qr = QRPay.init_vnpay_qr(merchant_id="0102154778", merchant_name="TUGIACO", store="STORE", terminal="T1")
    with pytest.raises(VietQRNotAnAccountError):
        capture_account(qr.build())


def test_other_guid_is_refused() -> None:
    with pytest.raises(VietQRNotAnAccountError):
        capture_account(hand_made(guid="A000000775"))


def test_foreign_currency_is_refused() -> None:
    with pytest.raises(VietQRNotAnAccountError):
        capture_account(hand_made(currency="840"))


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "hello world",
        "000201",
        "0002016304ABCD" + "X",
        "00020101021138" + "9" * 600,
        "https://vietqr.net/970436/0011001234567",
    ],
)
def test_garbage_is_refused_as_malformed(text: str) -> None:
    with pytest.raises(VietQRError):
        capture_account(text)


def test_truncated_inner_field_with_valid_checksum_is_malformed() -> None:
    # The consumer block claims a 13-character account but holds 5: the library alone would read "31002".
    consumer = "0006970405" + "011331002"
    provider = tlv("00", "A000000727") + tlv("01", consumer) + tlv("02", "QRIBFTTA")
    body = tlv("00", "01") + tlv("01", "11") + tlv("38", provider) + tlv("53", "704") + "6304"
    with pytest.raises(VietQRMalformedError):
        capture_account(body + crc16_ccitt_false(body))


def test_bad_bank_bin_is_malformed() -> None:
    with pytest.raises(VietQRMalformedError):
        capture_account(hand_made(bank_bin="97043"))


@given(st.text(max_size=600))
def test_arbitrary_text_gives_an_account_or_a_named_error(text: str) -> None:
    try:
        capture_account(text)
    except VietQRError as error:
        refusal: VietQRError | None = error
    else:
        refusal = None
    assert refusal is None or (refusal.message_vi and refusal.message_en)


@given(st.text(alphabet="0123456789ABCDEF", max_size=200))
def test_arbitrary_tlv_like_text_with_a_valid_checksum_never_crashes(body: str) -> None:
    text = body + "6304"
    with contextlib.suppress(VietQRError):
        capture_account(text + crc16_ccitt_false(text))
