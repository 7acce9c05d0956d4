"""Row validation of the import file: one test per rejection, plus what a valid row becomes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansinh.core.period import Period
from ansinh.registry.identity import FindingCode, Sex
from ansinh.registry.importing import (
    COLUMN_KEYS,
    DuplicateNationalIds,
    HomeDeliveryReason,
    ImportContext,
    PayeeRole,
    PaymentMethod,
    Program,
    RowError,
    export_cells,
    find_duplicate_national_ids,
    safe_cell,
    unescape_cell,
    validate_row,
)

RowWith = Callable[..., dict[str, str]]


def errors_of(raw: dict[str, str], context: ImportContext, row: int = 7) -> list[RowError]:
    parsed, errors = validate_row(row, raw, context)
    assert parsed is None
    assert errors
    assert all(e.row == row for e in errors)
    assert all(e.message_vi and e.message_en for e in errors)
    return errors


def only_error(raw: dict[str, str], context: ImportContext) -> RowError:
    errors = errors_of(raw, context)
    assert len(errors) == 1, errors
    return errors[0]


# --- a valid row -------------------------------------------------------------------------------------------


def test_valid_row_is_parsed_into_domain_types(valid_row: dict[str, str], context: ImportContext) -> None:
    parsed, errors = validate_row(2, valid_row, context)
    assert errors == []
    assert parsed is not None
    assert parsed.row == 2
    assert parsed.national_id == "001085012345"
    assert parsed.full_name == "Nguyễn Văn Đức"
    assert parsed.name_key == "nguyen van duc"
    assert parsed.date_of_birth == date(1985, 3, 15)
    assert parsed.sex is Sex.MALE
    assert parsed.commune_code == "00004"
    assert parsed.commune_legacy_code is None
    assert parsed.program is Program.SOCIAL_ASSISTANCE
    assert parsed.categories == ("5a",)
    assert parsed.decision_date == date(2024, 6, 20)
    assert parsed.effective_from == Period(2024, 7)
    assert parsed.payment_method is PaymentMethod.BANK_ACCOUNT
    assert (parsed.bank_bin, parsed.account_number) == ("970436", "0011001234567")
    assert parsed.payee_role is PayeeRole.BENEFICIARY
    assert parsed.payee_national_id is None
    assert parsed.identity_warnings == ()


def test_values_are_trimmed_and_enums_case_insensitive(row_with: RowWith, context: ImportContext) -> None:
    parsed, errors = validate_row(
        2,
        row_with(
            full_name="  Nguyễn   Văn Đức ",
            sex="NỮ",
            national_id="001185012345",
            program=" Social_Assistance ",
            category="5A; 6_SEVERE",
            payment_method="BANK_ACCOUNT",
            account_number="0011 0012 34567",
        ),
        context,
    )
    assert errors == []
    assert parsed is not None
    assert parsed.full_name == "Nguyễn Văn Đức"
    assert parsed.sex is Sex.FEMALE
    assert parsed.categories == ("5a", "6_severe")
    assert parsed.account_number == "0011001234567"


@pytest.mark.parametrize("written", ["2024-07", "07/2024", "7/2024", "2024-07-01", "15/07/2024"])
def test_effective_month_in_every_accepted_form(written: str, row_with: RowWith, context: ImportContext) -> None:
    parsed, _ = validate_row(2, row_with(effective_from=written), context)
    assert parsed is not None
    assert parsed.effective_from == Period(2024, 7)


@pytest.mark.parametrize("written", ["+84912345678", "+84 912 345 678", "0912.345.678", "091-234-5678"])
def test_phone_in_international_or_grouped_form_is_kept_national(
    written: str, row_with: RowWith, context: ImportContext
) -> None:
    parsed, _ = validate_row(2, row_with(phone=written), context)
    assert parsed is not None
    assert parsed.phone == "0912345678"


def test_legacy_commune_code_is_mapped_and_reported(row_with: RowWith, context: ImportContext) -> None:
    parsed, _ = validate_row(2, row_with(commune_code="16"), context)
    assert parsed is not None
    assert (parsed.commune_code, parsed.commune_legacy_code) == ("00004", "00016")


def test_commune_code_without_leading_zeros_is_the_same_code(row_with: RowWith, context: ImportContext) -> None:
    parsed, _ = validate_row(2, row_with(commune_code="4"), context)
    assert parsed is not None
    assert parsed.commune_code == "00004"


def test_cash_row_needs_no_account(row_with: RowWith, context: ImportContext) -> None:
    parsed, errors = validate_row(
        2,
        row_with(payment_method="cash_home", bank_bin="", account_number="", home_delivery_reason="bedridden"),
        context,
    )
    assert errors == []
    assert parsed is not None
    assert parsed.home_delivery_reason is HomeDeliveryReason.BEDRIDDEN


def test_ewallet_row_with_provider(row_with: RowWith, context: ImportContext) -> None:
    parsed, errors = validate_row(
        2,
        row_with(payment_method="ewallet", provider="viettel_money", bank_bin="", account_number="0912345678"),
        context,
    )
    assert errors == []
    assert parsed is not None
    assert parsed.provider == "viettel_money"


def test_guardian_as_payee(row_with: RowWith, context: ImportContext) -> None:
    parsed, _ = validate_row(2, row_with(payee_role="guardian", payee_national_id="001190067890"), context)
    assert parsed is not None
    assert (parsed.payee_role, parsed.payee_national_id) == (PayeeRole.GUARDIAN, "001190067890")


# --- rejections --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    [
        "national_id",
        "full_name",
        "date_of_birth",
        "sex",
        "commune_code",
        "program",
        "category",
        "decision_number",
        "decision_date",
        "effective_from",
        "payment_method",
    ],
)
def test_missing_required_field_is_rejected(key: str, row_with: RowWith, context: ImportContext) -> None:
    errors = errors_of(row_with(**{key: "  "}), context)
    assert ("missing_value", key) in {(e.code, e.column) for e in errors}


def test_absent_key_counts_as_missing(valid_row: dict[str, str], context: ImportContext) -> None:
    del valid_row["full_name"]
    error = only_error(valid_row, context)
    assert (error.column, error.code) == ("full_name", "missing_value")


@pytest.mark.parametrize(
    ("national_id", "code"),
    [
        ("00108501234", FindingCode.WRONG_LENGTH),
        ("00108501234X", FindingCode.NOT_DIGITS),
        ("003085012345", FindingCode.UNKNOWN_PROVINCE),
    ],
)
def test_malformed_citizen_id_is_rejected(
    national_id: str, code: FindingCode, row_with: RowWith, context: ImportContext
) -> None:
    error = only_error(row_with(national_id=national_id), context)
    assert (error.column, error.code) == ("national_id", code)


def test_citizen_id_inconsistent_with_birth_year_is_rejected_without_override(
    row_with: RowWith, context: ImportContext
) -> None:
    error = only_error(row_with(date_of_birth="15/03/1958"), context)
    assert (error.column, error.code) == ("national_id", FindingCode.BIRTH_YEAR_MISMATCH)
    assert "Lý do chấp nhận cảnh báo số định danh" in error.message_vi


def test_citizen_id_inconsistent_with_sex_is_rejected_without_override(
    row_with: RowWith, context: ImportContext
) -> None:
    error = only_error(row_with(sex="Nữ"), context)
    assert error.code == FindingCode.SEX_MISMATCH


def test_inconsistent_citizen_id_is_accepted_with_an_override_reason(row_with: RowWith, context: ImportContext) -> None:
    parsed, errors = validate_row(
        2,
        row_with(sex="Nữ", identity_override_reason="Đã đối chiếu CCCD bản gốc ngày 2/5/2026"),
        context,
    )
    assert errors == []
    assert parsed is not None
    assert [w.code for w in parsed.identity_warnings] == [FindingCode.SEX_MISMATCH]
    assert parsed.identity_override_reason == "Đã đối chiếu CCCD bản gốc ngày 2/5/2026"


def test_override_reason_too_short_is_rejected(row_with: RowWith, context: ImportContext) -> None:
    error = only_error(row_with(sex="Nữ", identity_override_reason="ok"), context)
    assert (error.column, error.code) == ("identity_override_reason", "override_reason_too_short")


def test_override_cannot_excuse_a_malformed_citizen_id(row_with: RowWith, context: ImportContext) -> None:
    errors = errors_of(
        row_with(national_id="003085012345", identity_override_reason="Đã đối chiếu CCCD bản gốc"), context
    )
    assert [e.code for e in errors] == [FindingCode.UNKNOWN_PROVINCE]


def test_unknown_commune_is_rejected(row_with: RowWith, context: ImportContext) -> None:
    error = only_error(row_with(commune_code="99999"), context)
    assert (error.column, error.code) == ("commune_code", "commune_unknown")


def test_commune_code_that_is_not_a_number_is_rejected(row_with: RowWith, context: ImportContext) -> None:
    error = only_error(row_with(commune_code="P.HK-01"), context)
    assert error.code == "commune_code_invalid"


def test_legacy_ward_split_between_communes_is_rejected(row_with: RowWith, context: ImportContext) -> None:
    error = only_error(row_with(commune_code="00019"), context)
    assert error.code == "commune_ambiguous"
    assert "00070" in error.message_en


def test_unknown_program_is_rejected(row_with: RowWith, context: ImportContext) -> None:
    error = only_error(row_with(program="pension"), context)
    assert (error.column, error.code) == ("program", "program_unknown")


def test_unknown_category_is_rejected(row_with: RowWith, context: ImportContext) -> None:
    error = only_error(row_with(category="5a;9z"), context)
    assert (error.column, error.code) == ("category", "category_unknown")
    assert "9z" in error.message_en


def test_category_of_another_program_is_rejected(row_with: RowWith, context: ImportContext) -> None:
    error = only_error(row_with(program="meritorious", category="5a"), context)
    assert error.code == "category_unknown"


def test_date_of_birth_in_the_future_is_rejected(row_with: RowWith, context: ImportContext) -> None:
    # context.today is 2026-05-15; the ID says 2026 so only the date is wrong.
    error = only_error(row_with(national_id="001226012345", date_of_birth="16/05/2026"), context)
    assert (error.column, error.code) == ("date_of_birth", "date_of_birth_in_future")


def test_date_of_birth_today_is_accepted(row_with: RowWith, context: ImportContext) -> None:
    parsed, _ = validate_row(2, row_with(national_id="001226012345", date_of_birth="2026-05-15"), context)
    assert parsed is not None


@pytest.mark.parametrize("written", ["31/02/1985", "1985/03/15", "15-03-85", "March 15, 1985", "1985", "01/01/1899"])
def test_invalid_date_of_birth_is_rejected(written: str, row_with: RowWith, context: ImportContext) -> None:
    errors = errors_of(row_with(date_of_birth=written), context)
    assert [(e.column, e.code) for e in errors] == [("date_of_birth", "date_invalid")]


def test_decision_date_in_the_future_is_rejected(row_with: RowWith, context: ImportContext) -> None:
    error = only_error(row_with(decision_date="2026-06-01"), context)
    assert error.code == "decision_date_in_future"


@pytest.mark.parametrize("written", ["13/2024", "2024-13", "2024", "07/2300"])
def test_invalid_effective_month_is_rejected(written: str, row_with: RowWith, context: ImportContext) -> None:
    error = only_error(row_with(effective_from=written), context)
    assert (error.column, error.code) == ("effective_from", "month_invalid")


@pytest.mark.parametrize("written", ["M", "x", "nam giới", "1"])
def test_invalid_sex_is_rejected(written: str, row_with: RowWith, context: ImportContext) -> None:
    error = only_error(row_with(sex=written), context)
    assert error.code == "sex_invalid"


@pytest.mark.parametrize("method", ["cash_point", "cash_home"])
def test_account_number_for_a_cash_method_is_rejected(method: str, row_with: RowWith, context: ImportContext) -> None:
    error = only_error(row_with(payment_method=method, bank_bin=""), context)
    assert (error.column, error.code) == ("account_number", "account_not_allowed")


@pytest.mark.parametrize(
    ("method", "provider"), [("bank_account", ""), ("ewallet", "vnpt_money"), ("postal_account", "vnpost")]
)
def test_missing_account_for_an_account_method_is_rejected(
    method: str, provider: str, row_with: RowWith, context: ImportContext
) -> None:
    bank_bin = "970436" if method == "bank_account" else ""
    error = only_error(
        row_with(payment_method=method, provider=provider, bank_bin=bank_bin, account_number=""), context
    )
    assert (error.column, error.code) == ("account_number", "account_missing")


def test_account_number_with_punctuation_is_rejected(row_with: RowWith, context: ImportContext) -> None:
    error = only_error(row_with(account_number="0011-0012"), context)
    assert error.code == "account_invalid"


def test_bank_account_without_bank_bin_is_rejected(row_with: RowWith, context: ImportContext) -> None:
    error = only_error(row_with(bank_bin=""), context)
    assert error.code == "bank_bin_missing"


def test_malformed_bank_bin_is_rejected(row_with: RowWith, context: ImportContext) -> None:
    error = only_error(row_with(bank_bin="97043"), context)
    assert error.code == "bank_bin_invalid"


def test_unknown_bank_bin_is_rejected(row_with: RowWith, context: ImportContext) -> None:
    error = only_error(row_with(bank_bin="970999"), context)
    assert error.code == "bank_bin_unknown"


def test_bank_bin_for_an_ewallet_is_rejected(row_with: RowWith, context: ImportContext) -> None:
    error = only_error(row_with(payment_method="ewallet", provider="viettel_money"), context)
    assert error.code == "bank_bin_not_allowed"


def test_ewallet_without_provider_is_rejected(row_with: RowWith, context: ImportContext) -> None:
    error = only_error(row_with(payment_method="ewallet", bank_bin=""), context)
    assert (error.column, error.code) == ("provider", "provider_missing")


def test_unknown_provider_is_rejected(row_with: RowWith, context: ImportContext) -> None:
    error = only_error(row_with(provider="momo_unlisted"), context)
    assert error.code == "provider_unknown"


def test_unknown_payment_method_is_rejected(row_with: RowWith, context: ImportContext) -> None:
    error = only_error(row_with(payment_method="cheque"), context)
    assert error.code == "payment_method_unknown"


@pytest.mark.parametrize(
    "written", ["0212345678", "091234567", "09123456789", "+8491234567", "84912345678", "phone", "0912 345 67x"]
)
def test_invalid_phone_is_rejected(written: str, row_with: RowWith, context: ImportContext) -> None:
    error = only_error(row_with(phone=written), context)
    assert (error.column, error.code) == ("phone", "phone_invalid")


def test_phone_that_lost_its_leading_zero_gets_a_hint(row_with: RowWith, context: ImportContext) -> None:
    error = only_error(row_with(phone="912345678"), context)
    assert "leading zero" in error.message_en


def test_guardian_without_a_citizen_id_is_rejected(row_with: RowWith, context: ImportContext) -> None:
    error = only_error(row_with(payee_role="guardian"), context)
    assert error.code == "payee_national_id_missing"


def test_proxy_who_is_the_beneficiary_is_rejected(row_with: RowWith, context: ImportContext) -> None:
    error = only_error(row_with(payee_role="proxy", payee_national_id="001085012345"), context)
    assert error.code == "payee_is_beneficiary"


def test_malformed_payee_citizen_id_is_rejected(row_with: RowWith, context: ImportContext) -> None:
    error = only_error(row_with(payee_role="proxy", payee_national_id="12345"), context)
    assert (error.column, error.code) == ("payee_national_id", FindingCode.WRONG_LENGTH)


def test_other_payee_id_with_beneficiary_role_is_rejected(row_with: RowWith, context: ImportContext) -> None:
    error = only_error(row_with(payee_national_id="001190067890"), context)
    assert error.code == "payee_mismatch"


def test_unknown_payee_role_is_rejected(row_with: RowWith, context: ImportContext) -> None:
    error = only_error(row_with(payee_role="neighbour", payee_national_id="001190067890"), context)
    assert error.code == "payee_role_unknown"


def test_home_delivery_reason_for_another_method_is_rejected(row_with: RowWith, context: ImportContext) -> None:
    error = only_error(row_with(home_delivery_reason="bedridden"), context)
    assert error.code == "home_delivery_reason_not_allowed"


@pytest.mark.parametrize("written", ['=HYPERLINK("http://x","Bấm")', "Nguyễn Văn 2", "@Nguyen", "-Nguyen"])
def test_full_name_that_is_not_a_name_is_rejected(written: str, row_with: RowWith, context: ImportContext) -> None:
    error = only_error(row_with(full_name=written), context)
    assert error.code == "full_name_invalid"


def test_control_characters_in_text_are_rejected(row_with: RowWith, context: ImportContext) -> None:
    error = only_error(row_with(address="Thôn 3\x00\x1b[31m"), context)
    assert (error.column, error.code) == ("address", "unprintable_characters")


def test_over_long_value_is_rejected(row_with: RowWith, context: ImportContext) -> None:
    errors = errors_of(row_with(address="x" * 256), context)
    assert [(e.column, e.code) for e in errors] == [("address", "too_long")]


def test_value_under_no_header_is_rejected(row_with: RowWith, context: ImportContext) -> None:
    error = only_error({**row_with(), "V": "lost value"}, context)
    assert (error.column, error.code) == ("V", "unexpected_value")


def test_every_error_of_a_row_is_reported(row_with: RowWith, context: ImportContext) -> None:
    errors = errors_of(
        row_with(national_id="1", commune_code="99999", program="x", phone="1", payment_method="cash_point"),
        context,
    )
    assert {e.column for e in errors} >= {"national_id", "commune_code", "program", "phone", "account_number"}


# --- duplicates within a file ------------------------------------------------------------------------------


def test_same_citizen_id_twice_in_a_file_is_rejected_at_the_second_row() -> None:
    seen = DuplicateNationalIds()
    assert seen.check(2, "001085012345") is None
    assert seen.check(3, "001190067890") is None
    error = seen.check(9, " 001085012345 ")
    assert error is not None
    assert (error.row, error.column, error.code) == (9, "national_id", "national_id_duplicate")
    assert "dòng 2" in error.message_vi


def test_find_duplicates_lists_every_repeat() -> None:
    errors = find_duplicate_national_ids([(2, "A"), (3, "B"), (4, "A"), (5, ""), (6, ""), (7, "A")])
    assert [(e.row, e.code) for e in errors] == [(4, "national_id_duplicate"), (7, "national_id_duplicate")]


# --- formula safety and export round trip ------------------------------------------------------------------


@pytest.mark.parametrize("text", ["=1+1", "+84912345678", "-2", "@SUM(A1)", "\tx", "\rx", "'quoted"])
def test_safe_cell_prefixes_an_apostrophe_to_formula_like_text(text: str) -> None:
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["Nguyễn Văn Đức", "0912345678", "", "a=b", " =x"])
def test_safe_cell_leaves_ordinary_text_alone(text: str) -> None:
    assert safe_cell(text) == text


@given(st.text())
def test_safe_cell_never_starts_a_formula_and_unescapes_exactly(text: str) -> None:
    escaped = safe_cell(text)
    assert not escaped.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert unescape_cell(escaped) == text


def test_exported_row_imports_back_unchanged(row_with: RowWith, context: ImportContext) -> None:
    parsed, _ = validate_row(
        5,
        row_with(
            phone="+84912345678",
            category="5a;6_severe",
            sex="Nữ",
            identity_override_reason="=Đã đối chiếu CCCD bản gốc",
            payee_role="guardian",
            payee_national_id="001190067890",
        ),
        context,
    )
    assert parsed is not None
    cells = export_cells(parsed.to_values())
    assert cells[COLUMN_KEYS.index("identity_override_reason")].startswith("'=")
    again, errors = validate_row(5, dict(zip(COLUMN_KEYS, map(unescape_cell, cells), strict=True)), context)
    assert errors == []
    assert again == parsed


# --- nothing crashes ---------------------------------------------------------------------------------------

_any_text = st.text(max_size=40) | st.sampled_from(["", "0", "001085012345", "2024-07", "cash_home", "=1"])


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=300)
@given(raw=st.dictionaries(st.sampled_from([*COLUMN_KEYS, "X", "other"]), _any_text))
def test_arbitrary_rows_give_a_row_or_row_errors_never_an_exception(
    raw: dict[str, str], context: ImportContext
) -> None:
    parsed, errors = validate_row(2, raw, context)
    assert (parsed is None) == bool(errors)
    assert all(isinstance(e, RowError) and e.row == 2 for e in errors)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=200)
@given(key=st.sampled_from(COLUMN_KEYS), value=st.text())
def test_any_single_change_to_a_valid_row_is_handled(
    key: str, value: str, valid_row: dict[str, str], context: ImportContext
) -> None:
    parsed, errors = validate_row(2, {**valid_row, key: value}, context)
    assert (parsed is None) == bool(errors)
