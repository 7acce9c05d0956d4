"""Citizen-ID (CCCD) checks: errors for malformed numbers, warnings for disagreement with birth date and sex."""

from __future__ import annotations

from datetime import date

import pytest

from ansinh.registry.identity import (
    FindingCode,
    IdentityOverrideError,
    Severity,
    Sex,
    check_national_id,
    legacy_province_names,
    override_warnings,
)


def codes(national_id: str) -> set[FindingCode]:
    return {f.code for f in check_national_id(national_id).findings}


def test_consistent_number_has_no_findings_and_decodes() -> None:
    check = check_national_id(" 001085012345 ", date_of_birth=date(1985, 3, 15), sex=Sex.MALE)
    assert check.is_consistent
    assert check.national_id == "001085012345"
    assert check.decoded is not None
    assert check.decoded.province_code == "001"
    assert check.decoded.province_name == "Thành phố Hà Nội"
    assert check.decoded.sex is Sex.MALE
    assert check.decoded.birth_year == 1985
    assert check.decoded.serial == "012345"


@pytest.mark.parametrize(
    ("digit", "sex", "year"),
    [
        ("0", Sex.MALE, 1985),
        ("1", Sex.FEMALE, 1985),
        ("2", Sex.MALE, 2085),
        ("3", Sex.FEMALE, 2085),
        ("4", Sex.MALE, 2185),
        ("5", Sex.FEMALE, 2185),
        ("6", Sex.MALE, 2285),
        ("7", Sex.FEMALE, 2285),
        ("8", Sex.MALE, 1885),
        ("9", Sex.FEMALE, 1885),
    ],
)
def test_fourth_digit_gives_century_and_sex(digit: str, sex: Sex, year: int) -> None:
    decoded = check_national_id(f"079{digit}85000001").decoded
    assert decoded is not None
    assert (decoded.sex, decoded.birth_year) == (sex, year)


def test_legacy_province_list_has_the_63_pre_2025_codes() -> None:
    names = legacy_province_names()
    assert len(names) == 63
    assert min(names) == "001"
    assert max(names) == "096"
    assert names["092"] == "Thành phố Cần Thơ"


@pytest.mark.parametrize("national_id", ["00108501234", "0010850123456", "", "001085"])
def test_wrong_length_is_an_error(national_id: str) -> None:
    check = check_national_id(national_id)
    assert FindingCode.WRONG_LENGTH in {f.code for f in check.errors}
    assert check.decoded is None


def test_eleven_digits_hint_at_a_dropped_leading_zero() -> None:
    (finding,) = check_national_id("1085012345" + "6").findings
    assert "số 0 ở đầu" in finding.message_vi
    assert "leading zero" in finding.message_en


def test_nine_digit_old_identity_card_is_named() -> None:
    (finding,) = check_national_id("012345678").findings
    assert "CMND" in finding.message_vi


@pytest.mark.parametrize("national_id", ["00108501234A", "001-85012345", "００１０８５０１２３４５", "001 85012345"])
def test_non_digits_are_an_error(national_id: str) -> None:
    assert FindingCode.NOT_DIGITS in codes(national_id)


@pytest.mark.parametrize("province", ["000", "003", "005", "097", "099", "999"])
def test_unknown_province_code_is_an_error(province: str) -> None:
    check = check_national_id(f"{province}085012345")
    assert [f.code for f in check.errors] == [FindingCode.UNKNOWN_PROVINCE]


def test_birth_year_disagreeing_with_date_of_birth_is_a_warning() -> None:
    check = check_national_id("001085012345", date_of_birth=date(1958, 3, 15), sex=Sex.MALE)
    assert [f.code for f in check.warnings] == [FindingCode.BIRTH_YEAR_MISMATCH]
    assert check.is_well_formed
    assert "1985" in check.warnings[0].message_vi
    assert "1958" in check.warnings[0].message_en


def test_century_disagreeing_with_date_of_birth_is_a_warning() -> None:
    # Digit 2 says born in the 2000s: 2085, not 1985.
    check = check_national_id("001285012345", date_of_birth=date(1985, 3, 15))
    assert [f.code for f in check.findings] == [FindingCode.BIRTH_YEAR_MISMATCH]
    assert check.findings[0].severity is Severity.WARNING


def test_sex_disagreeing_with_the_sex_given_is_a_warning() -> None:
    check = check_national_id("001085012345", date_of_birth=date(1985, 1, 1), sex=Sex.FEMALE)
    assert [f.code for f in check.warnings] == [FindingCode.SEX_MISMATCH]
    assert "nữ" in check.warnings[0].message_vi


def test_warnings_are_overridden_with_a_reason() -> None:
    check = check_national_id("001085012345", date_of_birth=date(1958, 3, 15), sex=Sex.FEMALE)
    override = override_warnings(check, "  Đã đối chiếu   giấy khai sinh bản gốc ")
    assert override.reason == "Đã đối chiếu giấy khai sinh bản gốc"
    assert override.overridden == (FindingCode.BIRTH_YEAR_MISMATCH, FindingCode.SEX_MISMATCH)


def test_errors_cannot_be_overridden() -> None:
    with pytest.raises(IdentityOverrideError):
        override_warnings(check_national_id("003085012345"), "Đã đối chiếu giấy khai sinh")


def test_override_needs_a_real_reason() -> None:
    check = check_national_id("001085012345", sex=Sex.FEMALE)
    with pytest.raises(IdentityOverrideError) as raised:
        override_warnings(check, " ok ")
    assert raised.value.field == "identity_override_reason"


def test_override_of_a_consistent_number_is_refused() -> None:
    with pytest.raises(IdentityOverrideError):
        override_warnings(check_national_id("001085012345"), "Đã đối chiếu giấy khai sinh")
