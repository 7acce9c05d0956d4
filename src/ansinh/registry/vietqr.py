"""Capture a bank account from a VietQR string scanned or pasted from the beneficiary's banking app.

VietQR is EMVCo merchant-presented QR (tag-length-value, two-digit tags and lengths): tag 38 holds the NAPAS
GUID ``A000000727``, the consumer data (sub-tag 00 bank BIN, 01 account number) and the service ``QRIBFTTA``
(transfer to an account); tag 53 is the currency (704 = VND); tag 59 the account holder's name when the app
adds it; tag 63 a CRC-16/CCITT-FALSE over everything before its value. Decoding and the CRC come from
``vietnam-qr-pay``; this module adds the strictness an enrolment needs: a code that is damaged, or that pays
anything other than a bank account, is refused with a named error instead of yielding a half-read account.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from vietnam_qr_pay import BanksObject, QRPay
from vietnam_qr_pay.crc16 import crc16ccitt

from ansinh.core.errors import ValidationFailed

# EMVCo payloads hold at most 512 characters; a longer input is refused before the library's recursive parser.
MAX_VIETQR_LENGTH = 512

_NAPAS_GUID = "A000000727"
_SERVICE_ACCOUNT = "QRIBFTTA"
_SERVICE_CARD = "QRIBFTTC"
_CURRENCY_VND = "704"
_BIN = re.compile(r"[0-9]{6}")
# NAPAS account numbers are up to 19 characters; some banks issue letter "nickname" accounts.
_ACCOUNT = re.compile(r"[0-9A-Za-z]{1,19}")
_TLV_HEAD = re.compile(r"[0-9]{4}")


class VietQRError(ValidationFailed):
    """Base of every refusal of a VietQR string."""

    code = "vietqr_invalid"

    def __init__(self, message_vi: str, message_en: str) -> None:
        super().__init__(message_vi, message_en, field="vietqr")


class VietQRMalformedError(VietQRError):
    code = "vietqr_malformed"


class VietQRChecksumError(VietQRError):
    code = "vietqr_checksum_mismatch"


class VietQRNotAnAccountError(VietQRError):
    code = "vietqr_not_an_account"


@dataclass(frozen=True, slots=True)
class VietQRAccount:
    bank_bin: str  # six-digit NAPAS BIN
    account_number: str
    account_name: str | None  # tag 59, when the banking app includes it
    bank_short_name: str | None  # from vietnam-qr-pay's bank list; None for banks it does not know


def capture_account(content: str) -> VietQRAccount:
    """Read the bank account of a VietQR transfer-to-account code, or raise a named ``VietQRError``."""
    text = content.strip()  # scanners and clipboards add line ends
    if not text or len(text) > MAX_VIETQR_LENGTH:
        raise VietQRMalformedError(
            f"Mã VietQR rỗng hoặc dài quá {MAX_VIETQR_LENGTH} ký tự.",
            f"The VietQR code is empty or longer than {MAX_VIETQR_LENGTH} characters.",
        )
    root = _fields(text)
    if not root or root[-1][0] != "63" or len(root[-1][1]) != 4:
        raise VietQRMalformedError(
            "Mã VietQR không kết thúc bằng mã kiểm tra (trường 63).",
            "The VietQR code does not end with its checksum (field 63).",
        )
    if f"{crc16ccitt(text[:-4]):04X}" != text[-4:].upper():
        raise VietQRChecksumError(
            "Mã kiểm tra của mã VietQR không khớp: mã bị sai hoặc chép thiếu. Hãy quét hoặc dán lại.",
            "The VietQR checksum does not match: the code is damaged or incomplete. Scan or paste it again.",
        )

    fields = dict(root)
    if "38" not in fields:
        raise VietQRNotAnAccountError(
            "Đây không phải mã VietQR chuyển khoản đến tài khoản ngân hàng (không có trường 38).",
            "This is not a VietQR code for a transfer to a bank account (no field 38).",
        )
    provider = dict(_fields(fields["38"]))
    if provider.get("00") != _NAPAS_GUID:
        raise VietQRNotAnAccountError("Mã QR không phải của NAPAS VietQR.", "The QR code is not a NAPAS VietQR code.")
    service = provider.get("02")
    if service == _SERVICE_CARD:
        raise VietQRNotAnAccountError(
            "Mã VietQR này chuyển đến số thẻ, không phải số tài khoản: hãy dùng mã QR của tài khoản.",
            "This VietQR code pays a card number, not an account: use the account's QR code.",
        )
    if service != _SERVICE_ACCOUNT:
        raise VietQRNotAnAccountError(
            "Mã VietQR không dùng dịch vụ chuyển khoản đến tài khoản (QRIBFTTA).",
            "The VietQR code is not for the transfer-to-account service (QRIBFTTA).",
        )
    if fields.get("53", _CURRENCY_VND) != _CURRENCY_VND:
        raise VietQRNotAnAccountError(
            "Mã VietQR không dùng đồng Việt Nam (mã tiền tệ 704).",
            "The VietQR code is not in Vietnamese đồng (currency 704).",
        )
    _fields(provider.get("01", ""))  # the consumer block must be well formed too

    decoded = QRPay(text)
    bank_bin = decoded.consumer.bank_bin or ""
    account_number = decoded.consumer.bank_number or ""
    if not decoded.is_valid or not _BIN.fullmatch(bank_bin) or not _ACCOUNT.fullmatch(account_number):
        raise VietQRMalformedError(
            "Mã VietQR thiếu hoặc sai mã ngân hàng (BIN 6 số) hoặc số tài khoản.",
            "The VietQR code lacks a valid bank BIN (6 digits) or account number.",
        )
    name = (decoded.merchant.name or "").strip() or None
    return VietQRAccount(bank_bin, account_number, name, _bank_short_names().get(bank_bin))


def _fields(text: str) -> list[tuple[str, str]]:
    """Split EMVCo tag-length-value text, refusing anything that does not parse exactly to its end."""
    fields: list[tuple[str, str]] = []
    position = 0
    while position < len(text):
        head = text[position : position + 4]
        if not _TLV_HEAD.fullmatch(head):
            raise _malformed()
        length = int(head[2:])
        value = text[position + 4 : position + 4 + length]
        if len(value) != length:
            raise _malformed()
        fields.append((head[:2], value))
        position += 4 + length
    return fields


def _malformed() -> VietQRMalformedError:
    return VietQRMalformedError(
        "Mã VietQR sai cấu trúc (trường–độ dài–giá trị).",
        "The VietQR code is not well formed (tag-length-value).",
    )


@functools.cache
def _bank_short_names() -> dict[str, str]:
    return {bank.bin: bank.short_name for bank in BanksObject.values()}
