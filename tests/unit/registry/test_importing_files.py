"""Reading import files: CSV (UTF-8, BOM or not) and xlsx, streamed, formulas never evaluated."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from ansinh.registry.importing import (
    COLUMN_KEYS,
    LABELS_VI,
    REQUIRED_COLUMNS,
    DuplicateNationalIds,
    FileEncodingError,
    FileTooLargeError,
    HeaderInvalidError,
    ImportContext,
    ImportFileError,
    MalformedFileError,
    RawRow,
    RowError,
    UnsupportedFileTypeError,
    header_labels,
    read_csv,
    read_import_file,
    read_xlsx,
    resolve_header,
    validate_row,
)

MB = 1024 * 1024
KEYS = header_labels("key")
ROW = [
    "001085012345",
    "Nguyễn Văn Đức",
    "15/03/1985",
    "Nam",
    "00004",
    "Số 1 phố Tràng Tiền",
    "0912345678",
    "social_assistance",
    "5a",
    "123/QĐ-UBND",
    "2024-06-20",
    "07/2024",
    "bank_account",
    "",
    "970436",
    "0011001234567",
    "",
    "",
    "",
    "",
]


def csv_bytes(*lines: str, bom: bool = False, encoding: str = "utf-8") -> bytes:
    data = "\r\n".join(lines).encode(encoding) + b"\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + data


def read_all_csv(data: bytes, *, max_bytes: int = MB, max_rows: int | None = None) -> list[RawRow]:
    return list(read_csv(io.BytesIO(data), max_bytes=max_bytes, max_rows=max_rows))


def xlsx_bytes(*rows: list[object]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def read_all_xlsx(data: bytes, *, max_bytes: int = MB, max_rows: int | None = None) -> list[RawRow]:
    return list(read_xlsx(io.BytesIO(data), max_bytes=max_bytes, max_rows=max_rows))


# --- CSV ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bom", [True, False])
def test_utf8_csv_is_read_with_or_without_bom(bom: bool) -> None:
    rows = read_all_csv(csv_bytes(",".join(KEYS), ",".join(ROW), bom=bom))
    assert len(rows) == 1
    assert rows[0].row == 2
    assert rows[0].values["national_id"] == "001085012345"  # no BOM glued to the first header or value
    assert rows[0].values["full_name"] == "Nguyễn Văn Đức"
    assert set(rows[0].values) == set(COLUMN_KEYS)


def test_semicolon_csv_with_vietnamese_labels_is_read() -> None:
    header = ";".join(LABELS_VI[key] for key in KEYS)
    rows = read_all_csv(csv_bytes(header, ";".join(ROW), bom=True))
    assert rows[0].values["address"] == "Số 1 phố Tràng Tiền"


def test_headers_match_without_diacritics_case_or_marks() -> None:
    header = resolve_header(["SO DINH DANH CA NHAN *", " họ và  tên", *KEYS[2:]])
    assert header.positions[0] == (0, "national_id")
    assert header.positions[1] == (1, "full_name")


def test_optional_columns_may_be_absent() -> None:
    header = resolve_header([key for key in KEYS if key in REQUIRED_COLUMNS])
    assert {key for _, key in header.positions} == REQUIRED_COLUMNS


def test_blank_rows_are_skipped_but_keep_their_row_numbers() -> None:
    rows = read_all_csv(csv_bytes(",".join(KEYS), ",".join(ROW), "", ",,,", ",".join(ROW)))
    assert [r.row for r in rows] == [2, 5]


def test_quoted_line_break_stays_in_one_row() -> None:
    row = list(ROW)
    row[5] = '"Thôn 3\nxã Tân Lập"'
    rows = read_all_csv(csv_bytes(",".join(KEYS), ",".join(row), ",".join(ROW)))
    assert [r.row for r in rows] == [2, 3]
    assert rows[0].values["address"] == "Thôn 3\nxã Tân Lập"


def test_formula_like_csv_cells_are_plain_text_and_escapes_are_undone() -> None:
    row = list(ROW)
    row[1] = '"=HYPERLINK(""http://evil"",""x"")"'
    row[5] = "'=1+1"
    (raw,) = read_all_csv(csv_bytes(",".join(KEYS), ",".join(row)))
    assert raw.values["full_name"] == '=HYPERLINK("http://evil","x")'
    assert raw.values["address"] == "=1+1"


def test_windows_1258_csv_is_refused_with_the_row() -> None:
    data = csv_bytes(",".join(KEYS), ",".join([*ROW[:1], "Nguyen Van Duc", *ROW[2:]]), ",".join(ROW))
    data = data.replace("Nguyễn Văn Đức".encode(), "Nguyễn Văn Đức".encode("cp1258", errors="replace"))
    with pytest.raises(FileEncodingError) as raised:
        read_all_csv(data)
    assert raised.value.row == 3
    assert "UTF-8" in raised.value.message_en


def test_latin1_header_is_refused() -> None:
    with pytest.raises(FileEncodingError) as raised:
        read_all_csv("Số định danh cá nhân,Họ và tên".encode("cp1258", errors="replace") + b"\r\n")
    assert raised.value.row == 1


def test_utf16_csv_is_refused() -> None:
    with pytest.raises(FileEncodingError, match="UTF-16"):
        read_all_csv(csv_bytes(",".join(KEYS), ",".join(ROW), encoding="utf-16"))


def test_excel_file_named_csv_is_refused() -> None:
    with pytest.raises(UnsupportedFileTypeError):
        read_all_csv(xlsx_bytes(KEYS, ROW))


def test_csv_over_the_size_limit_is_refused() -> None:
    data = csv_bytes(",".join(KEYS), *[",".join(ROW)] * 200)
    with pytest.raises(FileTooLargeError):
        read_all_csv(data, max_bytes=len(data) - 1)
    assert len(read_all_csv(data, max_bytes=len(data))) == 200


def test_csv_over_the_row_limit_is_refused() -> None:
    data = csv_bytes(",".join(KEYS), *[",".join(ROW)] * 11)
    with pytest.raises(FileTooLargeError):
        read_all_csv(data, max_rows=10)


class _EndlessUpload(io.RawIOBase):
    """A never-ending stream of rows that counts what was read from it."""

    def __init__(self) -> None:
        self.bytes_read = 0
        self._pending = csv_bytes(",".join(KEYS))

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while len(self._pending) < len(buffer):
            self._pending += csv_bytes(",".join(ROW))
        buffer[:] = self._pending[: len(buffer)]
        self._pending = self._pending[len(buffer) :]
        self.bytes_read += len(buffer)
        return len(buffer)


def test_csv_is_streamed_not_loaded() -> None:
    upload = _EndlessUpload()
    rows = read_csv(upload, max_bytes=100 * MB)  # type: ignore[arg-type]
    for _ in range(10):
        next(rows)
    assert upload.bytes_read < MB
    rows.close()


def test_endless_upload_stops_at_the_size_limit() -> None:
    with pytest.raises(FileTooLargeError):
        for _ in read_csv(_EndlessUpload(), max_bytes=MB):  # type: ignore[arg-type]
            pass


@pytest.mark.parametrize(
    ("header", "code"),
    [
        ([k for k in KEYS if k != "commune_code"], "missing_column"),
        ([*KEYS, "nickname"], "unknown_column"),
        ([*KEYS, "Họ và tên"], "duplicate_column"),
    ],
)
def test_header_not_matching_the_template_is_refused(header: list[str], code: str) -> None:
    with pytest.raises(HeaderInvalidError) as raised:
        read_all_csv(csv_bytes(",".join(header), ",".join(ROW)))
    assert [e.code for e in raised.value.errors] == [code]
    assert all(e.row == 1 for e in raised.value.errors)


def test_empty_file_is_refused_for_its_missing_header() -> None:
    with pytest.raises(HeaderInvalidError) as raised:
        read_all_csv(b"")
    assert len(raised.value.errors) == len(REQUIRED_COLUMNS)


def test_value_under_a_blank_header_becomes_a_row_error(context: ImportContext) -> None:
    (raw,) = read_all_csv(csv_bytes(",".join([*KEYS, ""]), ",".join([*ROW, "stray"])))
    assert raw.values["U"] == "stray"
    _, errors = validate_row(raw.row, raw.values, context)
    assert [(e.column, e.code) for e in errors] == [("U", "unexpected_value")]


def test_whole_csv_import_reports_rows_and_duplicates(context: ImportContext) -> None:
    bad = list(ROW)
    bad[6] = "12345"
    data = csv_bytes(",".join(KEYS), ",".join(ROW), ",".join(bad), ",".join(ROW), bom=True)
    seen = DuplicateNationalIds()
    errors: list[RowError] = []
    for raw in read_all_csv(data):
        errors += validate_row(raw.row, raw.values, context)[1]
        if (duplicate := seen.check(raw.row, raw.values["national_id"])) is not None:
            errors.append(duplicate)
    assert sorted((e.row, e.column, e.code) for e in errors) == [
        (3, "national_id", "national_id_duplicate"),
        (3, "phone", "phone_invalid"),
        (4, "national_id", "national_id_duplicate"),
    ]


# --- xlsx --------------------------------------------------------------------------------------------------


def test_xlsx_with_vietnamese_labels_is_read(context: ImportContext) -> None:
    (raw,) = read_all_xlsx(xlsx_bytes(header_labels("vi"), ROW))
    parsed, errors = validate_row(raw.row, raw.values, context)
    assert errors == []
    assert parsed is not None
    assert parsed.full_name == "Nguyễn Văn Đức"


def test_xlsx_formula_cell_is_read_as_its_text_never_evaluated() -> None:
    row = list(ROW)
    row[1] = '=HYPERLINK("http://evil","Bấm vào đây")'
    row[5] = "=1+1"
    row[6] = "@SUM(A1)"
    (raw,) = read_all_xlsx(xlsx_bytes(KEYS, row))
    assert raw.values["full_name"] == '=HYPERLINK("http://evil","Bấm vào đây")'
    assert raw.values["address"] == "=1+1"  # not 2
    assert raw.values["phone"] == "@SUM(A1)"


def test_xlsx_formula_in_a_name_is_rejected_by_the_validator(context: ImportContext) -> None:
    row = list(ROW)
    row[1] = '=HYPERLINK("http://evil","x")'
    (raw,) = read_all_xlsx(xlsx_bytes(KEYS, row))
    _, errors = validate_row(raw.row, raw.values, context)
    assert [(e.column, e.code) for e in errors] == [("full_name", "full_name_invalid")]


def test_xlsx_date_cells_are_read_as_dates(context: ImportContext) -> None:
    row: list[object] = list(ROW)
    row[2] = datetime.combine(date(1985, 3, 15), time())  # what openpyxl gives for a date cell
    row[10] = date(2024, 6, 20)
    (raw,) = read_all_xlsx(xlsx_bytes(KEYS, row))
    assert (raw.values["date_of_birth"], raw.values["decision_date"]) == ("1985-03-15", "2024-06-20")
    parsed, _ = validate_row(raw.row, raw.values, context)
    assert parsed is not None


def test_xlsx_numeric_citizen_id_that_lost_its_zero_is_rejected_with_a_hint(context: ImportContext) -> None:
    row: list[object] = list(ROW)
    row[0] = 1085012345  # typed into a General cell: Excel keeps the number, not the leading zeros
    row[6] = 912345678.0
    (raw,) = read_all_xlsx(xlsx_bytes(KEYS, row))
    assert (raw.values["national_id"], raw.values["phone"]) == ("1085012345", "912345678")
    _, errors = validate_row(raw.row, raw.values, context)
    assert {e.column for e in errors} == {"national_id", "phone"}


def test_xlsx_blank_rows_keep_their_row_numbers() -> None:
    rows = read_all_xlsx(xlsx_bytes(KEYS, ROW, [], [None, ""], ROW))
    assert [r.row for r in rows] == [2, 5]


def test_xlsx_over_the_size_limit_is_refused() -> None:
    data = xlsx_bytes(KEYS, ROW)
    with pytest.raises(FileTooLargeError):
        read_all_xlsx(data, max_bytes=len(data) - 1)


def test_xlsx_over_the_row_limit_is_refused() -> None:
    with pytest.raises(FileTooLargeError):
        read_all_xlsx(xlsx_bytes(KEYS, *[ROW] * 4), max_rows=3)


@pytest.mark.parametrize("data", [b"", b"not a zip", b"PK\x03\x04" + b"\x00" * 100])
def test_damaged_xlsx_is_refused(data: bytes) -> None:
    with pytest.raises(MalformedFileError):
        read_all_xlsx(data)


def test_empty_sheet_is_refused_for_its_missing_header() -> None:
    with pytest.raises(HeaderInvalidError):
        read_all_xlsx(xlsx_bytes())


# --- by file name ------------------------------------------------------------------------------------------


def test_files_are_read_by_their_extension(tmp_path: Path) -> None:
    (tmp_path / "list.CSV").write_bytes(csv_bytes(",".join(KEYS), ",".join(ROW), bom=True))
    (tmp_path / "list.xlsx").write_bytes(xlsx_bytes(KEYS, ROW))
    for name in ("list.CSV", "list.xlsx"):
        (raw,) = read_import_file(tmp_path / name, max_bytes=MB)
        assert raw.values["national_id"] == "001085012345"


@pytest.mark.parametrize("name", ["list.xls", "list.ods", "list"])
def test_other_file_types_are_refused(name: str, tmp_path: Path) -> None:
    (tmp_path / name).write_bytes(b"x")
    with pytest.raises(UnsupportedFileTypeError):
        list(read_import_file(tmp_path / name, max_bytes=MB))


def test_missing_file_is_a_named_error(tmp_path: Path) -> None:
    with pytest.raises(ImportFileError):
        list(read_import_file(tmp_path / "absent.csv", max_bytes=MB))


# --- nothing crashes ---------------------------------------------------------------------------------------


def drain(rows: Iterator[RawRow], context: ImportContext) -> None:
    """Read and validate everything: only RowErrors and named ImportFileErrors may come out."""
    for raw in rows:
        _, errors = validate_row(raw.row, raw.values, context)
        assert all(isinstance(e, RowError) for e in errors)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=300)
@given(data=st.binary(max_size=2000))
def test_arbitrary_bytes_as_csv_give_rows_or_a_named_error(data: bytes, context: ImportContext) -> None:
    try:
        drain(read_csv(io.BytesIO(data), max_bytes=1000), context)
    except ImportFileError as error:
        refusal: ImportFileError | None = error
    else:
        refusal = None
    assert refusal is None or (refusal.message_vi and refusal.message_en)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=300)
@given(body=st.text(alphabet=st.sampled_from(',;"\r\n\t\x00=+-@ 0123456789/aĐđ\u202e'), max_size=400))
def test_arbitrary_rows_after_a_valid_header_give_rows_or_a_named_error(body: str, context: ImportContext) -> None:
    data = (",".join(KEYS) + "\r\n" + body).encode()
    with contextlib.suppress(ImportFileError):
        drain(read_csv(io.BytesIO(data), max_bytes=MB), context)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=50, deadline=None)
@given(data=st.binary(max_size=3000))
def test_arbitrary_bytes_as_xlsx_give_a_named_error(data: bytes, context: ImportContext) -> None:
    with contextlib.suppress(ImportFileError):
        drain(read_xlsx(io.BytesIO(data), max_bytes=MB), context)


_VALID_XLSX = xlsx_bytes(KEYS, ROW, ROW)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=100, deadline=None)
@given(flips=st.lists(st.tuples(st.integers(0, len(_VALID_XLSX) - 1), st.integers(1, 255)), max_size=8))
def test_damaged_xlsx_gives_rows_or_a_named_error(flips: list[tuple[int, int]], context: ImportContext) -> None:
    data = bytearray(_VALID_XLSX)
    for position, mask in flips:
        data[position] ^= mask
    with contextlib.suppress(ImportFileError):
        drain(read_xlsx(io.BytesIO(bytes(data)), max_bytes=MB), context)
