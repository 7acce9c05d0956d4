"""Name keys: the same name with or without diacritics, in any case or spacing, gives the same key."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansinh.registry.names import fold_diacritics, likely_duplicate_key, name_key


@pytest.mark.parametrize(
    "spelling",
    [
        "Nguyễn Văn Đức",
        "nguyen van duc",
        "NGUYỄN VĂN ĐỨC",
        "  Nguyễn\tVăn   Đức ",
        unicodedata.normalize("NFD", "Nguyễn Văn Đức"),  # decomposed, as macOS and some forms send it
        "Nguyễn Văn Ðức",  # Ð (U+00D0) left by legacy TCVN3/VNI conversions instead of Đ
    ],
)
def test_spellings_of_one_name_share_a_key(spelling: str) -> None:
    assert name_key(spelling) == "nguyen van duc"


def test_different_names_have_different_keys() -> None:
    assert name_key("Nguyễn Văn Đức") != name_key("Nguyễn Văn Được")


def test_apostrophes_in_minority_names_are_dropped_and_hyphens_are_spaces() -> None:
    assert name_key("H'Hen Niê") == name_key("HHen Nie") == "hhen nie"
    assert name_key("Lò-Văn Páo") == "lo van pao"


def test_fold_keeps_case() -> None:
    assert fold_diacritics("Đặng Thị Ước") == "Dang Thi Uoc"


def test_likely_duplicate_key_combines_name_and_birth_date() -> None:
    assert likely_duplicate_key("Trần Thị Lệ Quyên", date(1950, 1, 2)) == likely_duplicate_key(
        "TRAN THI LE QUYEN", date(1950, 1, 2)
    )
    assert likely_duplicate_key("Trần Thị Lệ Quyên", date(1950, 1, 2)) != likely_duplicate_key(
        "Trần Thị Lệ Quyên", date(1950, 1, 3)
    )


@given(st.text())
def test_key_is_ascii_lowercase_single_spaced_and_idempotent(text: str) -> None:
    key = name_key(text)
    assert key.isascii()
    assert key == key.lower()
    assert "  " not in key
    assert key == key.strip()
    assert name_key(key) == key
