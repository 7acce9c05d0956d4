"""ISO 20022 bank files: pain.001.001.09 out; pain.002 (status reports) and camt.054 (notifications) in.

Pure functions over :mod:`ansinh.providers.domain` values: bytes in, values out, no I/O and no clock.
Vietnamese accounts are not IBANs, so accounts travel as ``Id/Othr/Id`` and banks by their NAPAS BIN in
``FinInstnId/ClrSysMmbId/MmbId``; amounts are whole đồng (``Ccy="VND"``, no decimals).

Inbound documents are read with every XML attack surface closed (:mod:`ansinh.providers.xmlsafe`), then
checked structurally here; when the caller passes an :class:`~ansinh.providers.xsd.XsdCatalog` holding the
official XSD of the document's version, the whole document is validated against it first. Any fault raises
:class:`~ansinh.providers.errors.InboundMessageError` before a single result is returned.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from xml.etree import ElementTree as ET
from xml.etree.ElementTree import Element

from ansinh.core.money import VND
from ansinh.providers.domain import (
    AccountEntry,
    EntryDirection,
    EntryStatus,
    PaymentBatch,
    PaymentInstruction,
    PaymentResult,
    PaymentStatus,
)
from ansinh.providers.errors import InboundMessageError, InvalidInstructionError, OutboundMessageError
from ansinh.providers.xmlsafe import parse_untrusted
from ansinh.providers.xsd import ISO_NAMESPACE_PREFIX, XsdCatalog

PAIN001_NAMESPACE = ISO_NAMESPACE_PREFIX + "pain.001.001.09"
PAIN002_VERSIONS = range(3, 16)  # pain.002.001.03 … .15
CAMT054_VERSIONS = range(2, 14)  # camt.054.001.02 … .13
CURRENCY = "VND"

# Social security benefit (ISO external category purpose list): lets the banks route and report these
# transfers as welfare payments.
CATEGORY_PURPOSE = "SSBE"

# References we mint travel through every rail (NAPAS, e-wallets, G2P Connect). The SWIFT "x" character set
# is the one all of them carry unchanged, so keys and batch references are held to it.
_REFERENCE = re.compile(r"[A-Za-z0-9/\-?:().,'+]{1,35}")
_ACCOUNT = re.compile(r"[A-Za-z0-9]{1,34}")
_BIN = re.compile(r"[0-9]{6}")
# Characters XML 1.0 cannot carry at all, plus the C0/C1 controls that have no place in a name or a note.
_FORBIDDEN_CHARS = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_MAX_NAME = 140  # Max140Text
_MAX_AMOUNT = 10**18  # totalDigits 18 of ActiveOrHistoricCurrencyAndAmount and DecimalNumber


# --------------------------------------------------------------------------------------------------- outbound


def build_pain001(batch: PaymentBatch) -> bytes:
    """The pain.001.001.09 file for ``batch``, UTF-8; refuses what the schema or the bank would reject."""
    _check_batch(batch)
    instructions = [_checked_instruction(index, item) for index, item in enumerate(batch.instructions)]
    total = sum(item.amount for item in instructions)
    if total >= _MAX_AMOUNT:
        raise OutboundMessageError(
            f"Lô {batch.reference}: tổng tiền vượt 18 chữ số / Batch {batch.reference}: the total exceeds 18 digits"
        )
    count = str(len(instructions))
    debtor_name = _clean_text(batch.debtor.name)

    document = ET.Element("Document", {"xmlns": PAIN001_NAMESPACE})
    initiation = _sub(document, "CstmrCdtTrfInitn")
    header = _sub(initiation, "GrpHdr")
    _sub(header, "MsgId", batch.reference)
    _sub(header, "CreDtTm", batch.created_at.isoformat(timespec="seconds"))
    _sub(header, "NbOfTxs", count)
    _sub(header, "CtrlSum", str(total))
    _sub(_sub(header, "InitgPty"), "Nm", debtor_name)

    # One debtor account per batch, hence exactly one PmtInf.
    payment = _sub(initiation, "PmtInf")
    _sub(payment, "PmtInfId", batch.reference)
    _sub(payment, "PmtMtd", "TRF")
    # Booked one by one, so the bank's camt.054 shows each transfer with its EndToEndId to reconcile.
    _sub(payment, "BtchBookg", "false")
    _sub(payment, "NbOfTxs", count)
    _sub(payment, "CtrlSum", str(total))
    _sub(_sub(_sub(payment, "PmtTpInf"), "CtgyPurp"), "Cd", CATEGORY_PURPOSE)
    _sub(_sub(payment, "ReqdExctnDt"), "Dt", batch.requested_execution_date.isoformat())
    _sub(_sub(payment, "Dbtr"), "Nm", debtor_name)
    debtor_account = _sub(payment, "DbtrAcct")
    _sub(_sub(_sub(debtor_account, "Id"), "Othr"), "Id", batch.debtor.account)
    _sub(debtor_account, "Ccy", CURRENCY)
    _bank(_sub(payment, "DbtrAgt"), batch.debtor.bank_bin)

    for item in instructions:
        transaction = _sub(payment, "CdtTrfTxInf")
        _sub(_sub(transaction, "PmtId"), "EndToEndId", item.idempotency_key)
        _sub(_sub(transaction, "Amt"), "InstdAmt", str(item.amount), Ccy=CURRENCY)
        _bank(_sub(transaction, "CdtrAgt"), item.creditor_bank_bin)
        _sub(_sub(transaction, "Cdtr"), "Nm", item.creditor_name)
        _sub(_sub(_sub(_sub(transaction, "CdtrAcct"), "Id"), "Othr"), "Id", item.creditor_account)
        if item.remittance_info:
            _sub(_sub(transaction, "RmtInf"), "Ustrd", item.remittance_info)

    ET.indent(document)
    body = ET.tostring(document, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n").encode("utf-8")


def _check_batch(batch: PaymentBatch) -> None:
    reference = batch.reference
    if not _fits(_REFERENCE, reference):
        raise OutboundMessageError(
            f"Mã lô {reference!r} phải có 1–35 ký tự chữ, số hoặc / - ? : ( ) . , ' + / "
            f"Batch reference {reference!r} must be 1-35 characters of A-Z a-z 0-9 / - ? : ( ) . , ' +"
        )
    if not batch.instructions:
        raise OutboundMessageError(f"Lô {reference} không có lệnh chi nào / Batch {reference} has no instructions")
    if batch.created_at.tzinfo is None or batch.created_at.utcoffset() is None:
        raise OutboundMessageError(
            f"Lô {reference}: thời điểm lập phải có múi giờ / Batch {reference}: created_at must be timezone-aware"
        )
    debtor = batch.debtor
    name = _clean_text(debtor.name)
    if not name or len(name) > _MAX_NAME or _FORBIDDEN_CHARS.search(name):
        raise OutboundMessageError(
            f"Lô {reference}: tên đơn vị chi trả phải có 1–140 ký tự in được / "
            f"Batch {reference}: the debtor name must be 1-140 printable characters"
        )
    if not _fits(_ACCOUNT, debtor.account):
        raise OutboundMessageError(
            f"Lô {reference}: số tài khoản chi {debtor.account!r} phải có 1–34 chữ hoặc số / "
            f"Batch {reference}: debtor account {debtor.account!r} must be 1-34 letters or digits"
        )
    if not _fits(_BIN, debtor.bank_bin):
        raise OutboundMessageError(
            f"Lô {reference}: mã BIN ngân hàng chi {debtor.bank_bin!r} phải có đúng 6 chữ số / "
            f"Batch {reference}: debtor bank BIN {debtor.bank_bin!r} must be exactly 6 digits"
        )
    seen: dict[str, int] = {}
    for index, item in enumerate(batch.instructions):
        if item.idempotency_key in seen:
            raise InvalidInstructionError(
                index,
                item.idempotency_key,
                f"trùng khóa với lệnh chi số {seen[item.idempotency_key] + 1}",
                f"same key as instruction no. {seen[item.idempotency_key] + 1}",
            )
        seen[item.idempotency_key] = index


def _checked_instruction(index: int, item: PaymentInstruction) -> PaymentInstruction:
    """``item`` with its texts in NFC, or :class:`InvalidInstructionError` naming what a bank would refuse."""
    key = item.idempotency_key

    def refuse(problem_vi: str, problem_en: str) -> InvalidInstructionError:
        return InvalidInstructionError(index, key, problem_vi, problem_en)

    if not _fits(_REFERENCE, key):
        raise refuse(
            "khóa phải có 1–35 ký tự chữ, số hoặc / - ? : ( ) . , ' +",
            "the idempotency key must be 1-35 characters of A-Z a-z 0-9 / - ? : ( ) . , ' +",
        )
    amount = item.amount
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise refuse(
            f"số tiền phải là số nguyên đồng, không phải {type(amount).__name__}",
            f"the amount must be a whole number of đồng (int), not {type(amount).__name__}",
        )
    if amount <= 0:
        raise refuse(f"số tiền phải lớn hơn 0 (đang là {amount})", f"the amount must be positive (got {amount})")
    if amount >= _MAX_AMOUNT:
        raise refuse("số tiền vượt 18 chữ số", "the amount exceeds 18 digits")
    name = _clean_text(item.creditor_name)
    if not name:
        raise refuse("thiếu tên người nhận", "the creditor name is empty")
    if len(name) > _MAX_NAME:
        raise refuse("tên người nhận dài quá 140 ký tự", "the creditor name is longer than 140 characters")
    if _FORBIDDEN_CHARS.search(name):
        raise refuse("tên người nhận chứa ký tự điều khiển", "the creditor name contains control characters")
    if not _fits(_ACCOUNT, item.creditor_account):
        raise refuse(
            f"số tài khoản nhận {item.creditor_account!r} phải có 1–34 chữ hoặc số",
            f"creditor account {item.creditor_account!r} must be 1-34 letters or digits",
        )
    if not _fits(_BIN, item.creditor_bank_bin):
        raise refuse(
            f"mã BIN ngân hàng nhận {item.creditor_bank_bin!r} phải có đúng 6 chữ số",
            f"creditor bank BIN {item.creditor_bank_bin!r} must be exactly 6 digits",
        )
    remittance = _clean_text(item.remittance_info)
    if len(remittance) > _MAX_NAME:
        raise refuse("nội dung chuyển tiền dài quá 140 ký tự", "the remittance information exceeds 140 characters")
    if _FORBIDDEN_CHARS.search(remittance):
        raise refuse(
            "nội dung chuyển tiền chứa ký tự điều khiển",
            "the remittance information contains control characters",
        )
    return PaymentInstruction(
        idempotency_key=key,
        amount=VND(amount),
        creditor_name=name,
        creditor_account=item.creditor_account,
        creditor_bank_bin=item.creditor_bank_bin,
        remittance_info=remittance,
    )


def _fits(pattern: re.Pattern[str], value: object) -> bool:
    return isinstance(value, str) and pattern.fullmatch(value) is not None


def _clean_text(value: object) -> str:
    # NFC: the same Vietnamese name typed on two keyboards arrives composed or decomposed; the schema counts
    # code points and banks compare names, so one canonical form.
    if not isinstance(value, str):
        return ""
    return unicodedata.normalize("NFC", value).strip()


def _sub(parent: Element, tag: str, text: str | None = None, **attributes: str) -> Element:
    element = ET.SubElement(parent, tag, attributes)
    if text is not None:
        element.text = text
    return element


def _bank(agent: Element, bin_code: str) -> None:
    _sub(_sub(_sub(agent, "FinInstnId"), "ClrSysMmbId"), "MmbId", bin_code)


# ---------------------------------------------------------------------------------------------------- inbound

# ISO status codes → what they mean for one of our payments. ACSC/ACCC: settlement done, money left our
# account. Unknown codes are refused rather than guessed.
_TRANSACTION_STATUS: dict[str, PaymentStatus] = {
    "ACTC": PaymentStatus.ACCEPTED,
    "ACCP": PaymentStatus.ACCEPTED,
    "ACSP": PaymentStatus.ACCEPTED,
    "ACWC": PaymentStatus.ACCEPTED,
    "ACWP": PaymentStatus.ACCEPTED,
    "ACFC": PaymentStatus.ACCEPTED,
    "ACIS": PaymentStatus.ACCEPTED,
    "ACPD": PaymentStatus.ACCEPTED,
    "ACSC": PaymentStatus.SETTLED,
    "ACCC": PaymentStatus.SETTLED,
    "RJCT": PaymentStatus.REJECTED,
    "CANC": PaymentStatus.REJECTED,
    "PDNG": PaymentStatus.PENDING,
    "RCVD": PaymentStatus.PENDING,
    "PATC": PaymentStatus.PENDING,
    "PRES": PaymentStatus.PENDING,
    "BLCK": PaymentStatus.PENDING,
}
# PART (partially accepted) says nothing about any one transaction, so it is never applied to unlisted ones.
_GROUP_ONLY = frozenset({"PART"})

_ENTRY_STATUS: dict[str, EntryStatus] = {
    "BOOK": EntryStatus.BOOKED,
    "PDNG": EntryStatus.PENDING,
    "FUTR": EntryStatus.PENDING,
    "INFO": EntryStatus.INFORMATION,
}
_AMOUNT = re.compile(r"([0-9]+)(?:\.([0-9]*))?")
_DATE = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})(?:T.*|Z|[+-][0-9]{2}:[0-9]{2})?")
_NOT_PROVIDED = "NOTPROVIDED"


def parse_pain002(
    data: bytes, *, batch: PaymentBatch | None = None, schemas: XsdCatalog | None = None
) -> list[PaymentResult]:
    """Results per transaction from a pain.002.001.03–.15 status report, or :class:`InboundMessageError`.

    A status given for a whole group or payment-information block without listing its transactions (for
    example ``GrpSts`` RJCT) applies to every instruction of the original batch: pass ``batch`` to have it
    expanded. Without ``batch`` such a final status (rejected, settled) raises, because returning nothing
    would silently drop it; a blanket "accepted" or "pending" is then ignored, since it moves no money.
    """
    root = parse_untrusted(data)
    namespace = _document_namespace(root, "pain.002.001.", PAIN002_VERSIONS)
    if schemas is not None and schemas.has(namespace):
        schemas.validate(root)
    reader = _Reader(namespace)
    report = reader.only_child(root, "CstmrPmtStsRpt")
    reader.text(report, "GrpHdr/MsgId", "GrpHdr/MsgId")
    group = reader.required(report, "OrgnlGrpInfAndSts")
    original_id = reader.text(group, "OrgnlMsgId", "OrgnlGrpInfAndSts/OrgnlMsgId")
    original_name = reader.text(group, "OrgnlMsgNmId", "OrgnlGrpInfAndSts/OrgnlMsgNmId")
    if not original_name.lower().startswith("pain.001"):
        raise InboundMessageError(
            f"báo cáo trả lời thông điệp {original_name!r}, không phải pain.001",
            f"the report answers {original_name!r}, not a pain.001",
        )
    if batch is not None and original_id != batch.reference:
        raise InboundMessageError(
            f"báo cáo dành cho lô {original_id!r}, không phải lô {batch.reference!r}",
            f"the report answers batch {original_id!r}, not {batch.reference!r}",
        )
    group_status = reader.optional(group, "GrpSts")
    group_reason = reader.reason(group)
    expected = {item.idempotency_key: item for item in batch.instructions} if batch is not None else None

    results: dict[str, PaymentResult] = {}
    # (status code, reason, scope, evidence) of statuses that cover transactions the report does not list
    blankets: list[tuple[str, str | None, str, Element]] = []
    blocks = reader.all(report, "OrgnlPmtInfAndSts")
    for block in blocks:
        block_id = reader.text(block, "OrgnlPmtInfId", "OrgnlPmtInfAndSts/OrgnlPmtInfId")
        if batch is not None and block_id != batch.reference:
            raise InboundMessageError(
                f"khối thanh toán {block_id!r} không thuộc lô {batch.reference!r}",
                f"payment information {block_id!r} is not part of batch {batch.reference!r}",
            )
        block_status = reader.optional(block, "PmtInfSts")
        block_reason = reader.reason(block)
        inherited = (block_status, block_reason) if block_status else (group_status, group_reason)
        transactions = reader.all(block, "TxInfAndSts")
        if not transactions and inherited[0]:
            blankets.append((inherited[0], inherited[1], f"OrgnlPmtInfId {block_id}", block))
        for transaction in transactions:
            result = _transaction_result(reader, transaction, inherited, expected)
            if result.idempotency_key in results:
                raise InboundMessageError(
                    f"giao dịch {result.idempotency_key!r} xuất hiện hai lần",
                    f"transaction {result.idempotency_key!r} is reported twice",
                )
            results[result.idempotency_key] = result
    if not blocks and group_status:
        blankets.append((group_status, group_reason, f"OrgnlMsgId {original_id}", group))

    for blanket in blankets:
        _apply_blanket(blanket, batch, results)
    return list(results.values())


def _apply_blanket(
    blanket: tuple[str, str | None, str, Element],
    batch: PaymentBatch | None,
    results: dict[str, PaymentResult],
) -> None:
    """Give every instruction of ``batch`` the report doesn't list the status stated for its whole group."""
    code, reason, scope, source = blanket
    status = _status(code)
    if status is None:
        return
    if batch is None:
        if status in {PaymentStatus.REJECTED, PaymentStatus.SETTLED}:
            raise InboundMessageError(
                f"trạng thái {code} áp dụng cho cả {scope} mà không liệt kê giao dịch: cần lô gốc để áp dụng",
                f"status {code} covers all of {scope} without listing transactions: "
                "pass the original batch to apply it",
            )
        return
    evidence = ET.tostring(source, encoding="unicode")
    for item in batch.instructions:
        if item.idempotency_key not in results:
            results[item.idempotency_key] = PaymentResult(
                idempotency_key=item.idempotency_key,
                status=status,
                reason_code=reason,
                amount=item.amount,
                raw_evidence=evidence,
            )


def _transaction_result(
    reader: _Reader,
    transaction: Element,
    inherited: tuple[str | None, str | None],
    expected: dict[str, PaymentInstruction] | None,
) -> PaymentResult:
    key = reader.text(transaction, "OrgnlEndToEndId", "TxInfAndSts/OrgnlEndToEndId")
    _check_max35(key, "OrgnlEndToEndId")
    own_status = reader.optional(transaction, "TxSts")
    code, reason = (own_status, reader.reason(transaction)) if own_status else inherited
    if code is None:
        raise InboundMessageError(
            f"giao dịch {key!r} không có trạng thái", f"transaction {key!r} carries no status at any level"
        )
    status = _status(code)
    if status is None:
        raise InboundMessageError(
            f"giao dịch {key!r} có trạng thái {code!r} không áp dụng cho từng giao dịch",
            f"transaction {key!r} has group-only status {code!r}",
        )
    amount_element = reader.find(transaction, "OrgnlTxRef/Amt/InstdAmt")
    amount = _amount(amount_element, f"{key} InstdAmt") if amount_element is not None else None
    if expected is not None:
        instruction = expected.get(key)
        if instruction is None:
            raise InboundMessageError(
                f"giao dịch {key!r} không có trong lô", f"transaction {key!r} is not in the original batch"
            )
        if amount is not None and amount != instruction.amount:
            raise InboundMessageError(
                f"giao dịch {key!r}: số tiền {amount} khác số tiền đã gửi {instruction.amount}",
                f"transaction {key!r}: amount {amount} differs from the {instruction.amount} we sent",
            )
        amount = instruction.amount
    reference = reader.optional(transaction, "AcctSvcrRef") or reader.optional(transaction, "ClrSysRef")
    return PaymentResult(
        idempotency_key=key,
        status=status,
        reason_code=reason,
        amount=amount,
        provider_reference=reference,
        raw_evidence=ET.tostring(transaction, encoding="unicode"),
    )


def _status(code: str) -> PaymentStatus | None:
    """``None`` for group-only codes; :class:`InboundMessageError` for codes we do not know."""
    if code in _GROUP_ONLY:
        return None
    status = _TRANSACTION_STATUS.get(code)
    if status is None:
        raise InboundMessageError(f"mã trạng thái lạ {code!r}", f"unknown status code {code!r}")
    return status


def parse_camt054(data: bytes, *, schemas: XsdCatalog | None = None) -> list[AccountEntry]:
    """One entry per transaction of a camt.054.001.02–.13 notification, or :class:`InboundMessageError`."""
    root = parse_untrusted(data)
    namespace = _document_namespace(root, "camt.054.001.", CAMT054_VERSIONS)
    if schemas is not None and schemas.has(namespace):
        schemas.validate(root)
    reader = _Reader(namespace)
    notification = reader.only_child(root, "BkToCstmrDbtCdtNtfctn")
    reader.text(notification, "GrpHdr/MsgId", "GrpHdr/MsgId")
    blocks = reader.all(notification, "Ntfctn")
    if not blocks:
        raise InboundMessageError("không có khối Ntfctn nào", "no Ntfctn block")
    entries: list[AccountEntry] = []
    for block in blocks:
        account = reader.optional(block, "Acct/Id/Othr/Id") or reader.optional(block, "Acct/Id/IBAN")
        if account is None:
            raise InboundMessageError("thiếu số tài khoản (Acct/Id)", "missing account identification (Acct/Id)")
        currency = reader.optional(block, "Acct/Ccy")
        if currency is not None and currency != CURRENCY:
            raise InboundMessageError(
                f"tài khoản {account} không phải tài khoản VND ({currency})",
                f"account {account} is not a VND account ({currency})",
            )
        for entry in reader.all(block, "Ntry"):
            entries.extend(_entry_transactions(reader, account, entry))
    return entries


def _entry_transactions(reader: _Reader, account: str, entry: Element) -> Iterator[AccountEntry]:
    amount = _amount(reader.required(entry, "Amt"), "Ntry/Amt")
    direction = _direction(reader.text(entry, "CdtDbtInd", "Ntry/CdtDbtInd"))
    reversal_text = reader.optional(entry, "RvslInd")
    if reversal_text not in {None, "true", "false", "1", "0"}:
        raise InboundMessageError(f"RvslInd {reversal_text!r} không hợp lệ", f"invalid RvslInd {reversal_text!r}")
    reversal = reversal_text in {"true", "1"}
    status_element = reader.required(entry, "Sts")
    # Up to .05 the status is the element's text; from .06 on it is wrapped in Cd or Prtry.
    status_code = (
        reader.optional(status_element, "Cd")
        or reader.optional(status_element, "Prtry")
        or (status_element.text or "").strip()
    )
    status = _ENTRY_STATUS.get(status_code)
    if status is None:
        raise InboundMessageError(f"trạng thái bút toán lạ {status_code!r}", f"unknown entry status {status_code!r}")
    booking_date = _date_choice(reader, entry, "BookgDt")
    value_date = _date_choice(reader, entry, "ValDt")
    entry_reference = reader.optional(entry, "AcctSvcrRef")

    details = [tx for block in reader.all(entry, "NtryDtls") for tx in reader.all(block, "TxDtls")]
    if not details:
        yield AccountEntry(
            account=account,
            direction=direction,
            status=status,
            amount=amount,
            booking_date=booking_date,
            value_date=value_date,
            end_to_end_id=None,
            provider_reference=entry_reference,
            return_reason=None,
            reversal=reversal,
            raw_evidence=ET.tostring(entry, encoding="unicode"),
        )
        return
    amounts = [_transaction_amount(reader, tx) for tx in details]
    if len(details) == 1 and amounts[0] is None:
        amounts = [amount]
    if any(value is None for value in amounts):
        raise InboundMessageError(
            "bút toán gộp có giao dịch không ghi số tiền",
            "a batch-booked entry has a transaction without an amount",
        )
    if sum(value or 0 for value in amounts) != amount:
        raise InboundMessageError(
            f"tổng các giao dịch khác số tiền bút toán {amount}",
            f"the transactions do not add up to the entry amount {amount}",
        )
    for transaction, transaction_amount in zip(details, amounts, strict=True):
        own_direction = reader.optional(transaction, "CdtDbtInd")
        end_to_end = reader.optional(transaction, "Refs/EndToEndId")
        if end_to_end is not None:
            _check_max35(end_to_end, "EndToEndId")
        yield AccountEntry(
            account=account,
            direction=_direction(own_direction) if own_direction else direction,
            status=status,
            amount=VND(transaction_amount or 0),
            booking_date=booking_date,
            value_date=value_date,
            end_to_end_id=None if end_to_end in {None, _NOT_PROVIDED} else end_to_end,
            provider_reference=reader.optional(transaction, "Refs/AcctSvcrRef") or entry_reference,
            return_reason=reader.optional(transaction, "RtrInf/Rsn/Cd")
            or reader.optional(transaction, "RtrInf/Rsn/Prtry"),
            reversal=reversal,
            raw_evidence=ET.tostring(transaction, encoding="unicode"),
        )


def _transaction_amount(reader: _Reader, transaction: Element) -> VND | None:
    # .02 has only AmtDtls; later versions add TxDtls/Amt. Either is the amount booked for this transfer.
    for path in ("Amt", "AmtDtls/TxAmt/Amt", "AmtDtls/InstdAmt/Amt"):
        element = reader.find(transaction, path)
        if element is not None:
            return _amount(element, f"TxDtls/{path}")
    return None


def camt054_results(entries: Iterable[AccountEntry]) -> list[PaymentResult]:
    """What the entries say about our payments: booked debits settle them, booked credits with a return reason
    (or reversals) return them. Funding credits, fees and entries without an EndToEndId are left to
    reconciliation."""
    results: list[PaymentResult] = []
    for entry in entries:
        if entry.end_to_end_id is None or entry.status is EntryStatus.INFORMATION:
            continue
        if entry.status is EntryStatus.PENDING:
            if entry.direction is EntryDirection.DEBIT and not entry.reversal:
                results.append(_entry_result(entry, PaymentStatus.PENDING))
        elif entry.direction is EntryDirection.DEBIT:
            if not entry.reversal and entry.return_reason is None:
                results.append(_entry_result(entry, PaymentStatus.SETTLED))
        elif entry.return_reason is not None or entry.reversal:
            results.append(_entry_result(entry, PaymentStatus.RETURNED))
    return results


def _entry_result(entry: AccountEntry, status: PaymentStatus) -> PaymentResult:
    assert entry.end_to_end_id is not None  # callers filter; keeps mypy and readers sure
    return PaymentResult(
        idempotency_key=entry.end_to_end_id,
        status=status,
        reason_code=entry.return_reason,
        amount=entry.amount,
        booking_date=entry.booking_date,
        provider_reference=entry.provider_reference,
        raw_evidence=entry.raw_evidence,
    )


# ----------------------------------------------------------------------------------------------- inbound help


@dataclass(frozen=True, slots=True)
class _Reader:
    """Namespaced lookups that turn a missing or empty required field into :class:`InboundMessageError`."""

    namespace: str

    def _path(self, path: str) -> str:
        return "/".join(f"{{{self.namespace}}}{step}" for step in path.split("/"))

    def find(self, parent: Element, path: str) -> Element | None:
        return parent.find(self._path(path))

    def all(self, parent: Element, path: str) -> list[Element]:
        return parent.findall(self._path(path))

    def required(self, parent: Element, path: str) -> Element:
        element = self.find(parent, path)
        if element is None:
            raise InboundMessageError(f"thiếu phần tử {path}", f"missing element {path}")
        return element

    def only_child(self, root: Element, tag: str) -> Element:
        children = list(root)
        if len(children) != 1 or children[0].tag != f"{{{self.namespace}}}{tag}":
            raise InboundMessageError(
                f"Document phải chứa đúng một phần tử {tag}", f"Document must hold exactly one {tag}"
            )
        return children[0]

    def optional(self, parent: Element, path: str) -> str | None:
        element = self.find(parent, path)
        if element is None:
            return None
        text = (element.text or "").strip()
        if not text or len(element):
            raise InboundMessageError(f"phần tử {path} rỗng hoặc sai dạng", f"element {path} is empty or not text")
        return text

    def text(self, parent: Element, path: str, label: str) -> str:
        value = self.optional(parent, path)
        if value is None:
            raise InboundMessageError(f"thiếu {label}", f"missing {label}")
        return value

    def reason(self, parent: Element) -> str | None:
        """The first status reason code given (``Cd``, else the bank's proprietary ``Prtry``)."""
        for info in self.all(parent, "StsRsnInf"):
            code = self.optional(info, "Rsn/Cd") or self.optional(info, "Rsn/Prtry")
            if code is not None:
                return code
        return None


def _document_namespace(root: Element, message: str, versions: range) -> str:
    tag = root.tag
    namespace, _, local = tag[1:].partition("}") if tag.startswith("{") else ("", "", tag)
    prefix = ISO_NAMESPACE_PREFIX + message
    version = namespace.removeprefix(prefix)
    if not namespace.startswith(prefix) or not (len(version) == 2 and version.isdigit() and int(version) in versions):
        accepted = f"{message}{versions.start:02d}…{versions.stop - 1:02d}"
        raise InboundMessageError(
            f"không phải {accepted} (namespace {namespace!r})",
            f"not a {accepted} document (namespace {namespace!r})",
        )
    if local != "Document":
        raise InboundMessageError(f"phần tử gốc {local!r} không phải Document", f"root {local!r} is not Document")
    return namespace


def _amount(element: Element, label: str) -> VND:
    """A VND amount: whole đồng, non-negative, at most 18 digits (a trailing ``.00`` is tolerated)."""
    currency = element.get("Ccy")
    if currency != CURRENCY:
        raise InboundMessageError(
            f"{label}: đơn vị tiền {currency!r}, không phải VND", f"{label}: currency {currency!r} is not VND"
        )
    text = (element.text or "").strip()
    if len(element):
        raise InboundMessageError(f"{label}: số tiền sai dạng", f"{label}: amount is not plain text")
    match = _AMOUNT.fullmatch(text)
    if text.startswith("-"):
        raise InboundMessageError(f"{label}: số tiền âm {text!r}", f"{label}: negative amount {text!r}")
    if match is None:
        raise InboundMessageError(f"{label}: số tiền {text!r} sai dạng", f"{label}: malformed amount {text!r}")
    whole, fraction = match.group(1), match.group(2) or ""
    if fraction.strip("0"):
        raise InboundMessageError(
            f"{label}: VND không có phần lẻ, nhận được {text!r}",
            f"{label}: VND has no minor unit, got {text!r}",
        )
    value = int(whole)
    if value >= _MAX_AMOUNT:
        raise InboundMessageError(f"{label}: số tiền vượt 18 chữ số", f"{label}: amount exceeds 18 digits")
    return VND(value)


def _direction(code: str) -> EntryDirection:
    if code == "CRDT":
        return EntryDirection.CREDIT
    if code == "DBIT":
        return EntryDirection.DEBIT
    raise InboundMessageError(f"CdtDbtInd {code!r} không hợp lệ", f"invalid CdtDbtInd {code!r}")


def _date_choice(reader: _Reader, parent: Element, path: str) -> date | None:
    element = reader.find(parent, path)
    if element is None:
        return None
    text = reader.optional(element, "Dt") or reader.optional(element, "DtTm")
    if text is None:
        raise InboundMessageError(f"{path} không có Dt hoặc DtTm", f"{path} has neither Dt nor DtTm")
    match = _DATE.fullmatch(text)
    try:
        if match is None:
            raise ValueError(text)
        return date.fromisoformat(match.group(1))
    except ValueError as exc:
        raise InboundMessageError(f"{path}: ngày {text!r} sai dạng", f"{path}: malformed date {text!r}") from exc


def _check_max35(value: str, label: str) -> None:
    if len(value) > 35:
        raise InboundMessageError(f"{label} dài quá 35 ký tự", f"{label} is longer than 35 characters")
