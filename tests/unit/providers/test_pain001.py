"""pain.001.001.09 out: every file we build passes the official XSD, and anything a bank would refuse is refused."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from xml.etree.ElementTree import Element

import pytest
import xmlschema
from defusedxml.ElementTree import fromstring
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansinh.core.money import VND
from ansinh.providers.domain import Debtor, PaymentBatch, PaymentInstruction
from ansinh.providers.errors import InvalidInstructionError, OutboundMessageError
from ansinh.providers.iso20022 import PAIN001_NAMESPACE, build_pain001

NS = {"p": PAIN001_NAMESPACE}
MakeInstruction = Callable[..., PaymentInstruction]
MakeBatch = Callable[..., PaymentBatch]


def _texts(document: Element, path: str) -> list[str]:
    return [element.text or "" for element in document.iterfind(path, NS)]


def _many(make_instruction: MakeInstruction, count: int) -> tuple[PaymentInstruction, ...]:
    return tuple(
        make_instruction(f"AS-2024-07-{n:06d}", 500_000 + n, f"Người hưởng số {n}", f"0011{n:09d}", "970436")
        for n in range(1, count + 1)
    )


@pytest.mark.parametrize("count", [1, 5, 1000])
def test_built_file_validates_against_the_official_xsd(
    count: int, make_batch: MakeBatch, make_instruction: MakeInstruction, pain001_schema: xmlschema.XMLSchema10
) -> None:
    batch = make_batch() if count == 5 else make_batch(_many(make_instruction, count))
    pain001_schema.validate(build_pain001(batch).decode("utf-8"))


def test_counts_and_control_sums_match_the_instructions(
    make_batch: MakeBatch, make_instruction: MakeInstruction
) -> None:
    instructions = _many(make_instruction, 1000)
    document = fromstring(build_pain001(make_batch(instructions)))
    expected_sum = str(sum(item.amount for item in instructions))
    assert _texts(document, "p:CstmrCdtTrfInitn/p:GrpHdr/p:NbOfTxs") == ["1000"]
    assert _texts(document, "p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum") == [expected_sum]
    assert _texts(document, "p:CstmrCdtTrfInitn/p:PmtInf/p:NbOfTxs") == ["1000"]
    assert _texts(document, "p:CstmrCdtTrfInitn/p:PmtInf/p:CtrlSum") == [expected_sum]
    amounts = _texts(document, ".//p:CdtTrfTxInf/p:Amt/p:InstdAmt")
    assert sum(int(amount) for amount in amounts) == int(expected_sum)


def test_one_payment_information_block_per_batch(sample_batch: PaymentBatch) -> None:
    document = fromstring(build_pain001(sample_batch))
    assert len(document.findall("p:CstmrCdtTrfInitn/p:PmtInf", NS)) == 1
    assert _texts(document, ".//p:PmtInf/p:DbtrAcct/p:Id/p:Othr/p:Id") == ["1234567890"]
    assert _texts(document, ".//p:PmtInf/p:DbtrAgt/p:FinInstnId/p:ClrSysMmbId/p:MmbId") == ["970436"]


def test_end_to_end_ids_are_the_idempotency_keys_in_order(sample_batch: PaymentBatch) -> None:
    document = fromstring(build_pain001(sample_batch))
    keys = [item.idempotency_key for item in sample_batch.instructions]
    assert _texts(document, ".//p:CdtTrfTxInf/p:PmtId/p:EndToEndId") == keys


def test_amounts_are_whole_vnd_with_currency(sample_batch: PaymentBatch) -> None:
    document = fromstring(build_pain001(sample_batch))
    amounts = document.findall(".//p:CdtTrfTxInf/p:Amt/p:InstdAmt", NS)
    assert [element.get("Ccy") for element in amounts] == ["VND"] * len(sample_batch.instructions)
    assert [element.text for element in amounts] == [str(item.amount) for item in sample_batch.instructions]


def test_creditor_account_and_bank_bin_use_the_non_iban_paths(sample_batch: PaymentBatch) -> None:
    document = fromstring(build_pain001(sample_batch))
    transaction = document.find(".//p:CdtTrfTxInf", NS)
    assert transaction is not None
    assert _texts(transaction, "p:CdtrAcct/p:Id/p:Othr/p:Id") == ["0011001234567"]
    assert _texts(transaction, "p:CdtrAgt/p:FinInstnId/p:ClrSysMmbId/p:MmbId") == ["970436"]


def test_vietnamese_names_are_written_as_utf8_in_composed_form(
    make_batch: MakeBatch, make_instruction: MakeInstruction, pain001_schema: xmlschema.XMLSchema10
) -> None:
    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị Ngọc Ánh")
    batch = make_batch((make_instruction("AS-1", 1_000, decomposed, "123", "970436", note="Trợ cấp tháng 7"),))
    data = build_pain001(batch)
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert "<Nm>Nguyễn Thị Ngọc Ánh</Nm>".encode() in data
    assert "Trợ cấp tháng 7".encode() in data
    pain001_schema.validate(data.decode("utf-8"))


def test_the_same_batch_always_builds_the_same_bytes(sample_batch: PaymentBatch) -> None:
    assert build_pain001(sample_batch) == build_pain001(replace(sample_batch))


def test_characters_xml_escapes_survive(
    make_batch: MakeBatch, make_instruction: MakeInstruction, pain001_schema: xmlschema.XMLSchema10
) -> None:
    batch = make_batch((make_instruction("AS-1", 1_000, "Hộ kinh doanh A & B <Cô Ba>", "123", "970436"),))
    data = build_pain001(batch)
    pain001_schema.validate(data.decode("utf-8"))
    assert _texts(fromstring(data), ".//p:Cdtr/p:Nm") == ["Hộ kinh doanh A & B <Cô Ba>"]


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"amount": VND(0)}, "amount must be positive"),
        ({"amount": VND(-750_000)}, "amount must be positive"),
        ({"amount": 750_000.0}, "whole number of đồng"),
        ({"amount": True}, "whole number of đồng"),
        ({"amount": VND(10**18)}, "exceeds 18 digits"),
        ({"idempotency_key": "K" * 36}, "idempotency key must be 1-35"),
        ({"idempotency_key": ""}, "idempotency key must be 1-35"),
        ({"idempotency_key": "AS 2024"}, "idempotency key must be 1-35"),
        ({"idempotency_key": "AS-2024-07-000001\n"}, "idempotency key must be 1-35"),
        ({"creditor_name": ""}, "creditor name is empty"),
        ({"creditor_name": "   "}, "creditor name is empty"),
        ({"creditor_name": "Ư" * 141}, "longer than 140"),
        ({"creditor_name": "Lê\x00Văn"}, "control characters"),
        ({"creditor_name": "Lê\nVăn"}, "control characters"),
        ({"creditor_account": ""}, "creditor account"),
        ({"creditor_account": "0011 0012"}, "creditor account"),
        ({"creditor_account": "1" * 35}, "creditor account"),
        ({"creditor_bank_bin": "97043"}, "BIN"),
        ({"creditor_bank_bin": "97043A"}, "BIN"),
        ({"remittance_info": "x" * 141}, "remittance information exceeds 140"),
        ({"remittance_info": "tháng\x07"}, "control characters"),
    ],
)
def test_an_instruction_the_schema_would_reject_is_refused_by_name(
    changes: dict[str, object], fragment: str, make_batch: MakeBatch, sample_batch: PaymentBatch
) -> None:
    items = list(sample_batch.instructions)
    items[2] = replace(items[2], **changes)  # type: ignore[arg-type]  # deliberately wrong types too
    with pytest.raises(InvalidInstructionError, match=fragment) as caught:
        build_pain001(make_batch(tuple(items)))
    assert caught.value.index == 2
    assert "Lệnh chi số 3" in str(caught.value)
    assert "Instruction no. 3" in str(caught.value)


def test_a_duplicate_key_in_one_batch_is_refused(sample_batch: PaymentBatch, make_batch: MakeBatch) -> None:
    items = sample_batch.instructions
    with pytest.raises(InvalidInstructionError, match=r"same key as instruction no\. 1") as caught:
        build_pain001(make_batch((*items, items[0])))
    assert caught.value.key == items[0].idempotency_key


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"instructions": ()}, "has no instructions"),
        ({"reference": "R" * 36}, "Batch reference"),
        ({"reference": "lô 7"}, "Batch reference"),
        ({"created_at": datetime(2024, 7, 1, 8, 0)}, "timezone-aware"),  # noqa: DTZ001 -- the point of the test
        ({"debtor": Debtor("", "1234567890", "970436")}, "debtor name"),
        ({"debtor": Debtor("Phòng LĐTBXH", "12-34", "970436")}, "debtor account"),
        ({"debtor": Debtor("Phòng LĐTBXH", "1234567890", "9704361")}, "debtor bank BIN"),
    ],
)
def test_a_batch_the_schema_would_reject_is_refused(
    changes: dict[str, object], fragment: str, sample_batch: PaymentBatch
) -> None:
    with pytest.raises(OutboundMessageError, match=fragment):
        build_pain001(replace(sample_batch, **changes))  # type: ignore[arg-type]


def test_a_control_sum_beyond_18_digits_is_refused(make_batch: MakeBatch, make_instruction: MakeInstruction) -> None:
    big = 10**18 - 1
    batch = make_batch(
        (make_instruction("A-1", big, "A", "1", "970436"), make_instruction("A-2", 1, "B", "2", "970436"))
    )
    with pytest.raises(OutboundMessageError, match="total exceeds 18 digits"):
        build_pain001(batch)


_vietnamese_text = st.text(
    alphabet=st.sampled_from(
        "aăâbcdđeêghiklmnoôơpqrstuưvxyAĂÂĐÊÔƠƯáàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ -.'"
    ),
    min_size=0,
    max_size=150,
)
_instructions = st.builds(
    PaymentInstruction,
    idempotency_key=st.from_regex(r"[A-Za-z0-9/\-?:().,'+]{1,36}", fullmatch=True),
    amount=st.integers(min_value=-5, max_value=10**12).map(VND),
    creditor_name=_vietnamese_text,
    creditor_account=st.from_regex(r"[0-9A-Z]{1,35}", fullmatch=True),
    creditor_bank_bin=st.from_regex(r"[0-9]{5,7}", fullmatch=True),
    remittance_info=_vietnamese_text,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(instructions=st.lists(_instructions, min_size=1, max_size=8))
def test_any_batch_either_validates_or_is_refused_by_name(
    instructions: list[PaymentInstruction], make_batch: MakeBatch, pain001_schema: xmlschema.XMLSchema10
) -> None:
    try:
        data = build_pain001(make_batch(tuple(instructions)))
    except OutboundMessageError:
        return
    pain001_schema.validate(data.decode("utf-8"))
