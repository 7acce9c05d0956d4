"""The account-opening list out and the provider's answer in: headers, formula safety, unreadable files."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import Workbook, load_workbook  # type: ignore[import-untyped]

from ansinh.enrolment.account_files import RequestRow, read_answer_file, write_request_file
from ansinh.registry.importing import (
    FileEncodingError,
    FileTooLargeError,
    HeaderInvalidError,
    MalformedFileError,
    UnsupportedFileTypeError,
)

ROWS = [
    RequestRow(
        7, "92-TG-00000001", "092050000001", "Nguyễn Văn An", date(1950, 3, 14), "0912345678", "Số 1, Ninh Kiều"
    ),
    RequestRow(8, "92-TG-00000002", "092150000002", '=HYPERLINK("x")', date(1951, 1, 2), "0987654321", "-2 đường"),
]


def _xlsx(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_the_csv_list_has_english_keys_a_bom_and_text_that_no_spreadsheet_runs() -> None:
    content = write_request_file(ROWS, "csv")
    assert content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0] == [
        "line_id",
        "beneficiary_code",
        "national_id",
        "full_name",
        "date_of_birth",
        "phone",
        "address",
        "account_number",
        "refusal_reason",
    ]
    assert rows[1][:7] == [
        "7",
        "92-TG-00000001",
        "092050000001",
        "Nguyễn Văn An",
        "1950-03-14",
        "0912345678",
        "Số 1, Ninh Kiều",
    ]
    assert rows[2][3] == '\'=HYPERLINK("x")'
    assert rows[2][6] == "'-2 đường"


def test_the_xlsx_list_has_vietnamese_headers_and_only_text_cells() -> None:
    content = write_request_file(ROWS, "xlsx", sheet_title="MTK-92-31135-000001")
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][:4] == ["Mã dòng", "Mã đối tượng", "Số định danh cá nhân", "Họ và tên"]
    assert values[1][2] == "092050000001"  # the leading zero kept: written as text
    assert all(cell.data_type == "s" for row in sheet.iter_rows(min_row=2) for cell in row if cell.value is not None)
    assert values[2][3] == '\'=HYPERLINK("x")'


def test_the_list_filled_in_by_the_provider_reads_back_as_answers() -> None:
    rows = list(csv.reader(io.StringIO(write_request_file(ROWS, "csv").decode("utf-8-sig"))))
    rows[1][7] = "0011001234567"  # the provider fills in the two answer columns
    rows[2][8] = "Khách hàng không đến"
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    answers = list(read_answer_file(out.getvalue().encode(), "answer.csv"))
    assert [a.row for a in answers] == [2, 3]
    assert answers[0].values == {
        "line_id": "7",
        "beneficiary_code": "92-TG-00000001",
        "account_number": "0011001234567",
        "refusal_reason": "",
    }
    assert answers[1].values["refusal_reason"] == "Khách hàng không đến"


def test_an_xlsx_answer_with_vietnamese_headers_and_numeric_cells_is_read_as_text() -> None:
    data = _xlsx(
        [
            ["Mã dòng", "Mã đối tượng", "Số tài khoản hoặc ví", "Lý do không mở được"],
            [7, "92-TG-00000001", 1234567890123, None],
            [None, None, None, None],
            [8, "92-TG-00000002", None, "=1+1"],
        ]
    )
    answers = list(read_answer_file(data, "tra-loi.XLSX"))
    assert [a.row for a in answers] == [2, 4]
    assert answers[0].values["line_id"] == "7"
    assert answers[0].values["account_number"] == "1234567890123"
    assert answers[1].values["refusal_reason"] == "=1+1"  # a formula is its text, never evaluated


def test_a_value_under_no_header_is_kept_under_its_column_letter() -> None:
    data = b"line_id,beneficiary_code,account_number,refusal_reason\n7,X,123,,surprise\n"
    (answer,) = read_answer_file(data, "a.csv")
    assert answer.values["E"] == "surprise"


def test_an_unknown_or_missing_header_is_refused_listing_every_problem() -> None:
    with pytest.raises(HeaderInvalidError) as error:
        list(read_answer_file(b"line_id,so tien,account_number\n1,2,3\n", "a.csv"))
    codes = {(e.code, e.column) for e in error.value.errors}
    assert ("unknown_column", "B") in codes
    assert ("missing_column", "beneficiary_code") in codes
    assert ("missing_column", "refusal_reason") in codes


def test_an_empty_file_reports_the_missing_columns() -> None:
    with pytest.raises(HeaderInvalidError):
        list(read_answer_file(b"", "a.csv"))


@pytest.mark.parametrize(
    ("data", "filename", "error_type"),
    [
        (b"x", "answer.txt", UnsupportedFileTypeError),
        (b"PK\x03\x04rest", "answer.csv", UnsupportedFileTypeError),
        ("line_id".encode("utf-16"), "answer.csv", FileEncodingError),
        (b"line_id,beneficiary_code,account_number,refusal_reason\n1,\xd0\xff,,ly do\n", "a.csv", FileEncodingError),
        (b"not a zip", "answer.xlsx", MalformedFileError),
    ],
)
def test_unreadable_files_are_refused_with_a_named_error(
    data: bytes, filename: str, error_type: type[Exception]
) -> None:
    with pytest.raises(error_type) as error:
        list(read_answer_file(data, filename))
    assert getattr(error.value, "message_vi", "")
    assert getattr(error.value, "message_en", "")


def test_a_file_over_the_limits_is_refused() -> None:
    header = b"line_id,beneficiary_code,account_number,refusal_reason\n"
    with pytest.raises(FileTooLargeError):
        list(read_answer_file(header + b"1,A,1,\n" * 10, "a.csv", max_bytes=60))
    with pytest.raises(FileTooLargeError):
        list(read_answer_file(header + b"1,A,1,\n" * 10, "a.csv", max_rows=5))
