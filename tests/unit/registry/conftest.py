"""Shared fixtures for the registry's pure rules: an import context over a few communes, categories and banks."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import date

import pytest

from ansinh.registry.importing import CommuneMatch, ImportContext, Program

TODAY = date(2026, 5, 15)

# 00004 is current; 00016 is a pre-2025 ward merged into it; 00019 was split between four communes.
COMMUNES = {
    "00004": CommuneMatch(("00004",)),
    "00008": CommuneMatch(("00008",)),
    "00016": CommuneMatch(("00004",), legacy_code="00016"),
    "00019": CommuneMatch(("00004", "00070", "00190", "00226"), legacy_code="00019"),
}
CATEGORIES = {
    Program.SOCIAL_ASSISTANCE: {"1", "5a", "5c", "6_severe"},
    Program.MERITORIOUS: {"martyr_relative", "war_invalid"},
    Program.CAREGIVER: {"caregiver_child"},
}
BANK_BINS = {"970436", "970405", "970418"}
PROVIDERS = {"vnpost", "viettel_money", "vnpt_money"}

# Citizen IDs consistent with the valid row: Hà Nội (001), man born 1900s (0), 1985.
NATIONAL_ID = "001085012345"
GUARDIAN_ID = "001190067890"  # Hà Nội, woman born 1990

VALID_ROW: dict[str, str] = {
    "national_id": NATIONAL_ID,
    "full_name": "Nguyễn Văn Đức",
    "date_of_birth": "15/03/1985",
    "sex": "Nam",
    "commune_code": "00004",
    "address": "Số 1 phố Tràng Tiền",
    "phone": "0912345678",
    "program": "social_assistance",
    "category": "5a",
    "decision_number": "123/QĐ-UBND",
    "decision_date": "2024-06-20",
    "effective_from": "07/2024",
    "payment_method": "bank_account",
    "provider": "",
    "bank_bin": "970436",
    "account_number": "0011001234567",
    "payee_national_id": "",
    "payee_role": "",
}


def _categories(program: Program) -> Collection[str]:
    return CATEGORIES[program]


def make_context() -> ImportContext:
    return ImportContext(
        today=TODAY,
        known_commune=COMMUNES.get,
        known_categories=_categories,
        known_bank_bin=BANK_BINS.__contains__,
        known_provider=PROVIDERS.__contains__,
    )


@pytest.fixture
def context() -> ImportContext:
    return make_context()


@pytest.fixture
def row_with() -> Callable[..., dict[str, str]]:
    """The valid row with some values replaced: ``row_with(phone="123")``."""

    def build(**changes: str) -> dict[str, str]:
        return {**VALID_ROW, **changes}

    return build


@pytest.fixture
def valid_row() -> dict[str, str]:
    return dict(VALID_ROW)
