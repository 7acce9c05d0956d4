"""Account-opening files: the list that goes to the provider (file out) and the provider's answer (file in).

Pure: bytes in, bytes out, no database. The list carries the papers a bank needs to open an account (Dispatch
5234/LĐTBXH-TTTT: full name, date of birth, citizen ID, permanent residence), plus two empty columns, the
account number and the refusal reason, which the provider fills in and sends back. The answer may therefore
be the same file returned, or a file of just ``line_id, beneficiary_code, account_number, refusal_reason``.

Both directions follow the registry import's conventions (decisions.md §12): the CSV header uses English keys
and the .xlsx header Vietnamese labels; on the way in either is accepted, ignoring case, diacritics and
punctuation, and an unknown header is refused; every text cell written goes through ``safe_cell`` and one
leading apostrophe is removed on the way in; formulas are never evaluated; size and row limits stop a file
at the limit.
"""

from __future__ import annotations

import csv
import io
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Literal

from ansinh.registry.importing import (
    FileEncodingError,
    FileTooLargeError,
    HeaderInvalidError,
    MalformedFileError,
    RowError,
    UnsupportedFileTypeError,
    column_letter,
    safe_cell,
    unescape_cell,
)
from ansinh.registry.names import name_key

FileFormat = Literal["xlsx", "csv"]
FORMATS: tuple[FileFormat, ...] = ("xlsx", "csv")

MAX_ANSWER_BYTES = 20 * 1024 * 1024  # a commune's list is a few thousand lines: far below this
MAX_ANSWER_ROWS = 100_000

# (key, Vietnamese label) in file order. The last two are the provider's answer.
REQUEST_COLUMNS: tuple[tuple[str, str], ...] = (
    ("line_id", "Mã dòng"),
    ("beneficiary_code", "Mã đối tượng"),
    ("national_id", "Số định danh cá nhân"),
    ("full_name", "Họ và tên"),
    ("date_of_birth", "Ngày sinh"),
    ("phone", "Số điện thoại"),
    ("address", "Địa chỉ thường trú"),
    ("account_number", "Số tài khoản hoặc ví"),
    ("refusal_reason", "Lý do không mở được"),
)
LABELS_VI: dict[str, str] = dict(REQUEST_COLUMNS)
ANSWER_REQUIRED: tuple[str, ...] = ("line_id", "beneficiary_code", "account_number", "refusal_reason")


@dataclass(frozen=True, slots=True)
class RequestRow:
    """One line of the list sent to the provider."""

    line_id: int
    beneficiary_code: str
    national_id: str
    full_name: str
    date_of_birth: date
    phone: str
    address: str


@dataclass(frozen=True, slots=True)
class AnswerRow:
    row: int  # as a spreadsheet numbers it: the header is row 1
    values: dict[str, str]  # every answer column (blank when empty); the list's own columns are ignored


def export_filename(reference: str, fmt: FileFormat) -> str:
    return f"{reference}.{fmt}"


# ----------------------------------------------------------------------------------------------------
# File out


def write_request_file(rows: Sequence[RequestRow], fmt: FileFormat, *, sheet_title: str = "MTK") -> bytes:
    """The list for the provider, as .xlsx (Vietnamese header) or .csv (English keys, UTF-8 with BOM)."""
    cells = [_request_cells(row) for row in rows]
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow([key for key, _ in REQUEST_COLUMNS])
        writer.writerows(cells)
        # The BOM makes Excel read the Vietnamese names as UTF-8; our reader accepts it either way.
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")
    from openpyxl import Workbook  # type: ignore[import-untyped]  # openpyxl ships no type hints

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31])
    sheet.append([label for _, label in REQUEST_COLUMNS])
    for row in cells:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _request_cells(row: RequestRow) -> list[str]:
    values = (
        str(row.line_id),
        row.beneficiary_code,
        row.national_id,
        row.full_name,
        row.date_of_birth.isoformat(),
        row.phone,
        row.address,
        "",
        "",
    )
    # Every cell is text (a citizen ID or phone typed as a number would lose its leading zero) and formula-safe.
    return [safe_cell(value) for value in values]


# ----------------------------------------------------------------------------------------------------
# File in


def read_answer_file(
    data: bytes, filename: str, *, max_bytes: int = MAX_ANSWER_BYTES, max_rows: int = MAX_ANSWER_ROWS
) -> Iterator[AnswerRow]:
    """Stream the data rows of the provider's answer; raise a named ``ImportFileError`` if it cannot be read."""
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if suffix not in FORMATS:
        raise UnsupportedFileTypeError(
            f"Chỉ nhận tệp trả lời .xlsx hoặc .csv (tệp đang là «{suffix or 'không có phần mở rộng'}»).",
            f"Only .xlsx or .csv answer files are accepted (got {suffix or 'no extension'!r}).",
        )
    if len(data) > max_bytes:
        raise FileTooLargeError(
            f"Tệp lớn hơn giới hạn {max_bytes:,} byte.".replace(",", "."),
            f"The file is larger than the limit of {max_bytes:,} bytes.",
        )
    rows = _csv_rows(data) if suffix == "csv" else _xlsx_rows(data)
    header: dict[int, str] | None = None
    for row_number, cells in rows:
        if row_number - 1 > max_rows:
            raise FileTooLargeError(
                f"Tệp có hơn {max_rows:,} dòng.".replace(",", "."), f"The file has more than {max_rows:,} rows."
            )
        if header is None:
            header = _resolve_header(cells)
            continue
        if all(not cell.strip() for cell in cells):
            continue
        values = dict.fromkeys(ANSWER_REQUIRED, "")
        for index, cell in enumerate(cells):
            key = header.get(index)
            if key in values:
                values[key] = cell
            elif key is None and cell.strip():
                values[column_letter(index)] = cell  # a value under no header: the caller reports it
        yield AnswerRow(row_number, values)
    if header is None:
        _resolve_header([])  # an empty file: report every missing column


def _fold(text: str) -> str:
    return name_key(text).replace(" ", "").replace("_", "")


_HEADER_NAMES: dict[str, str] = {
    **{_fold(key): key for key, _ in REQUEST_COLUMNS},
    **{_fold(label): key for key, label in REQUEST_COLUMNS},
}


def _resolve_header(cells: Sequence[str]) -> dict[int, str]:
    errors: list[RowError] = []
    positions: dict[int, str] = {}
    seen: dict[str, int] = {}
    for index, cell in enumerate(cells):
        text = cell.strip()
        if not text:
            continue
        letter = column_letter(index)
        key = _HEADER_NAMES.get(_fold(text))
        if key is None:
            errors.append(
                RowError(
                    1,
                    letter,
                    "unknown_column",
                    f"Cột {letter} «{text[:40]}» không có trong tệp trả lời mở tài khoản.",
                    f"Column {letter} {text[:40]!r} is not a column of the account-opening answer.",
                )
            )
        elif key in seen:
            errors.append(
                RowError(
                    1,
                    key,
                    "duplicate_column",
                    f"Cột «{LABELS_VI[key]}» xuất hiện hai lần ({column_letter(seen[key])} và {letter}).",
                    f"Column {key} appears twice ({column_letter(seen[key])} and {letter}).",
                )
            )
        else:
            seen[key] = index
            positions[index] = key
    for key in ANSWER_REQUIRED:
        if key not in seen:
            errors.append(
                RowError(
                    1,
                    key,
                    "missing_column",
                    f"Thiếu cột «{LABELS_VI[key]}» ({key}).",
                    f"Column {key} ({LABELS_VI[key]}) is missing.",
                )
            )
    if errors:
        raise HeaderInvalidError(errors)
    return positions


def _csv_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    if data.startswith(b"PK\x03\x04"):
        raise UnsupportedFileTypeError(
            "Tệp này là tệp Excel (.xlsx) chứ không phải CSV: hãy đặt tên đuôi .xlsx.",
            "This is an Excel (.xlsx) file, not a CSV: give it the .xlsx extension.",
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileEncodingError(
            "Tệp đang mã hoá UTF-16: hãy lưu lại bằng «CSV UTF-8».",
            "The file is encoded in UTF-16: save it again as 'CSV UTF-8'.",
            row=1,
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = data[: exc.start].count(b"\n") + 1
        raise FileEncodingError(
            f"Tệp không phải mã UTF-8 (dòng {row}): hãy lưu lại bằng «CSV UTF-8».",
            f"The file is not UTF-8 (row {row}): save it again as 'CSV UTF-8'.",
            row=row,
        ) from None
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    row_number = 0
    try:
        for row_number, cells in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1):
            yield row_number, [unescape_cell(c) for c in cells]
    except csv.Error as exc:
        raise MalformedFileError(
            f"Không đọc được tệp CSV sau dòng {row_number}: {exc}.",
            f"Cannot read the CSV file after row {row_number}: {exc}.",
            row=row_number + 1,
        ) from exc


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    unreadable = MalformedFileError(
        "Không đọc được tệp Excel (.xlsx): tệp hỏng hoặc không phải định dạng .xlsx.",
        "Cannot read the Excel (.xlsx) file: it is damaged or not in .xlsx format.",
    )
    try:
        with warnings.catch_warnings():
            # openpyxl warns about extensions (data validation, styles) that say nothing about the data.
            warnings.simplefilter("ignore")
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
    except Exception as exc:
        # Any failure of a third-party parser on untrusted input is the same fact for the user: unreadable.
        raise unreadable from exc
    try:
        if not workbook.worksheets:
            raise unreadable
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()
        rows = sheet.iter_rows(min_row=1, values_only=True)
        row_number = 0
        while True:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    values = next(rows, None)
            except Exception as exc:
                raise MalformedFileError(
                    f"Không đọc được tệp Excel ở dòng {row_number + 1}.",
                    f"Cannot read the Excel file at row {row_number + 1}.",
                    row=row_number + 1,
                ) from exc
            if values is None:
                break
            row_number += 1
            yield row_number, [_cell_text(v) for v in values]
    finally:
        workbook.close()


def _cell_text(value: object) -> str:  # noqa: PLR0911 - one return per kind of cell reads plainest
    if value is None:
        return ""
    if isinstance(value, str):
        return unescape_cell(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))  # an account number typed into a general cell
    if isinstance(value, datetime) and value.time() == time(0):
        return value.date().isoformat()
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    formula = getattr(value, "text", None)  # ArrayFormula and DataTableFormula: their formula, as text
    return formula if isinstance(formula, str) else str(value)
