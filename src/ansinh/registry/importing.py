"""The registry import file: its columns, streaming readers for .csv and .xlsx, and row validation.

Pure: no database, no clock, no web. What needs the database (communes, categories, banks, providers) and the
date of "today" come in through an ``ImportContext`` the caller builds.

File format
-----------
* Row 1 is the header. A column is named by its English key (``national_id``) or its Vietnamese label
  (``Số định danh cá nhân``); case, diacritics, spacing and punctuation do not matter, so
  ``so dinh danh ca nhan`` and ``Số định danh cá nhân *`` are the same column. Every column of
  ``REQUIRED_COLUMNS`` must be present; the optional ones may be left out. An unknown header is refused: a
  misspelt optional column would otherwise be ignored without a word. Blank header cells are ignored, unless a
  row puts a value under one.
* Data starts at row 2; row numbers are the spreadsheet's, blank rows included, so an official finds the row.
  Entirely blank rows are skipped.
* ``.csv``: UTF-8 with or without BOM (Excel's "CSV UTF-8"); the delimiter is whichever of ``,`` ``;`` or tab
  the header line uses (Vietnamese-locale Excel writes ``;``). ``.xlsx``: the first worksheet, read with
  openpyxl in read-only mode. Formulas are never evaluated: a formula cell is read as its text
  (``=SUM(A1)``), and a cell starting with ``=`` ``+`` ``-`` ``@`` is plain text.
* Dates: ``YYYY-MM-DD`` or ``dd/mm/yyyy``; a spreadsheet date cell is read as its date. Months
  (``effective_from``): ``YYYY-MM``, ``mm/yyyy`` or any date in the month.
* Several categories in one row are separated by ``;`` or ``,``. A category paid per child or per person cared
  for takes the number after a colon (``sa_single_parent_poor:2``; 1 when left out); a category paid by injury
  rate takes the rate in percent (``mer_war_invalid:61`` or ``mer_war_invalid:61%``; required). Any other
  category takes no number.

Writing back out (export): every text cell goes through ``safe_cell``, which prefixes an apostrophe to text
a spreadsheet would take for a formula; the readers remove exactly one leading apostrophe
(``unescape_cell``), so an export re-imports unchanged.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
import warnings
from collections.abc import Buffer, Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from pathlib import Path
from typing import BinaryIO, Literal

from ansinh.core.errors import ValidationFailed
from ansinh.core.period import Period
from ansinh.geo.domain import commune_code as normalise_commune_code
from ansinh.registry.identity import (
    MIN_OVERRIDE_REASON_CHARS,
    IdentityFinding,
    Sex,
    check_national_id,
)
from ansinh.registry.names import fold_diacritics, name_key

# ----------------------------------------------------------------------------------------------------
# Vocabulary


class Program(StrEnum):
    SOCIAL_ASSISTANCE = "social_assistance"
    MERITORIOUS = "meritorious"
    CAREGIVER = "caregiver"


class PaymentMethod(StrEnum):
    CASH_POINT = "cash_point"
    CASH_HOME = "cash_home"
    BANK_ACCOUNT = "bank_account"
    EWALLET = "ewallet"
    POSTAL_ACCOUNT = "postal_account"

    @property
    def is_cash(self) -> bool:
        return self in (PaymentMethod.CASH_POINT, PaymentMethod.CASH_HOME)


class PayeeRole(StrEnum):
    BENEFICIARY = "beneficiary"
    GUARDIAN = "guardian"
    PROXY = "proxy"


class HomeDeliveryReason(StrEnum):
    BEDRIDDEN = "bedridden"
    SEVERE_DISABILITY = "severe_disability"
    NO_PROXY = "no_proxy"


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    key: str
    label_vi: str
    required: bool  # the header must have it (a value may still be optional, depending on the row)
    max_length: int


COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("national_id", "Số định danh cá nhân", True, 20),
    ColumnSpec("full_name", "Họ và tên", True, 100),
    ColumnSpec("date_of_birth", "Ngày sinh", True, 20),
    ColumnSpec("sex", "Giới tính", True, 10),
    ColumnSpec("commune_code", "Mã xã, phường", True, 10),
    ColumnSpec("address", "Địa chỉ thường trú", True, 255),
    ColumnSpec("phone", "Số điện thoại", True, 20),
    ColumnSpec("program", "Chế độ", True, 30),
    ColumnSpec("category", "Diện đối tượng", True, 200),
    ColumnSpec("decision_number", "Số quyết định", True, 50),
    ColumnSpec("decision_date", "Ngày quyết định", True, 20),
    ColumnSpec("effective_from", "Hưởng từ tháng", True, 20),
    ColumnSpec("payment_method", "Hình thức chi trả", True, 20),
    ColumnSpec("provider", "Tổ chức dịch vụ chi trả", True, 50),
    ColumnSpec("bank_bin", "Mã BIN ngân hàng", True, 10),
    ColumnSpec("account_number", "Số tài khoản hoặc ví", True, 40),
    ColumnSpec("payee_national_id", "Số định danh người nhận thay", True, 20),
    ColumnSpec("payee_role", "Vai trò người nhận", True, 20),
    # Optional columns: absent from the ministry's files, written by our own export.
    ColumnSpec("identity_override_reason", "Lý do chấp nhận cảnh báo số định danh", False, 500),
    ColumnSpec("home_delivery_reason", "Lý do chi trả tại nhà", False, 30),
)
COLUMN_KEYS: tuple[str, ...] = tuple(c.key for c in COLUMNS)
REQUIRED_COLUMNS: frozenset[str] = frozenset(c.key for c in COLUMNS if c.required)
LABELS_VI: dict[str, str] = {c.key: c.label_vi for c in COLUMNS}
_SPECS: dict[str, ColumnSpec] = {c.key: c for c in COLUMNS}

# A value in these is needed on every row; the others depend on the program, payment method and payee.
_REQUIRED_VALUES = (
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
)


def header_labels(language: Literal["key", "vi"]) -> list[str]:
    """Header row for an export: English keys (CSV) or Vietnamese labels (xlsx template)."""
    return [c.key if language == "key" else c.label_vi for c in COLUMNS]


# ----------------------------------------------------------------------------------------------------
# Errors


@dataclass(frozen=True, slots=True)
class RowError:
    row: int  # as a spreadsheet numbers it: the header is row 1
    column: str | None  # a column key; a column letter for a value under no header; None for the whole row
    code: str
    message_vi: str
    message_en: str

    def as_dict(self) -> dict[str, object]:
        return {
            "row": self.row,
            "column": self.column,
            "code": self.code,
            "message": self.message_vi,
            "message_en": self.message_en,
        }


class ImportFileError(ValidationFailed):
    """The file as a whole cannot be read; nothing of it may be imported."""

    code = "import_file_invalid"

    def __init__(self, message_vi: str, message_en: str, *, row: int | None = None) -> None:
        super().__init__(message_vi, message_en, field="file")
        self.row = row


class FileTooLargeError(ImportFileError):
    code = "import_file_too_large"
    http_status = 413


class FileEncodingError(ImportFileError):
    code = "import_file_encoding"


class UnsupportedFileTypeError(ImportFileError):
    code = "import_file_type"
    http_status = 415


class MalformedFileError(ImportFileError):
    code = "import_file_malformed"


class HeaderInvalidError(ImportFileError):
    code = "import_header_invalid"

    def __init__(self, errors: Sequence[RowError]) -> None:
        super().__init__(
            "Dòng tiêu đề (dòng 1) không đúng mẫu: " + " ".join(e.message_vi for e in errors),
            "The header (row 1) does not match the template: " + " ".join(e.message_en for e in errors),
            row=1,
        )
        self.errors = tuple(errors)


# ----------------------------------------------------------------------------------------------------
# Formula safety

# OWASP's list of leading characters that make a spreadsheet treat a cell as a formula, plus the apostrophe
# itself so that escaping stays reversible: unescape_cell(safe_cell(t)) == t for every t.
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "'")


def safe_cell(text: str) -> str:
    """Text to write into a CSV or xlsx cell so that no spreadsheet ever runs it as a formula.

    A text starting with ``= + - @``, tab or carriage return gets a leading apostrophe, the spreadsheet
    convention for "this is text". The apostrophe stays visible in the exported cell (CSV, and xlsx written as
    a plain string): the price of a file that can never run anything. A text already starting with an
    apostrophe gets one more, so the readers' ``unescape_cell`` gives back exactly the original. In xlsx this
    also stops openpyxl, which stores any ``str`` starting with ``=`` as a formula.
    """
    return "'" + text if text.startswith(_FORMULA_TRIGGERS) else text


def unescape_cell(text: str) -> str:
    """Inverse of ``safe_cell``: drop one leading apostrophe (also what a user typing ``'0123`` meant)."""
    return text[1:] if text.startswith("'") else text


def export_cells(values: Mapping[str, object]) -> list[str]:
    """One export row in ``COLUMNS`` order, every value formatted as the import reads it and formula-safe."""
    return [safe_cell(_format_value(values.get(key))) for key in COLUMN_KEYS]


def _format_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return ";".join(_format_value(v) for v in value)
    return str(value)  # Period prints as YYYY-MM


# ----------------------------------------------------------------------------------------------------
# Header


@dataclass(frozen=True, slots=True)
class Header:
    positions: tuple[tuple[int, str], ...]  # (0-based cell index, column key)
    ignored: frozenset[int]  # blank header cells


def _header_fold(text: str) -> str:
    return name_key(text).replace(" ", "")


_HEADER_NAMES: dict[str, str] = {
    **{_header_fold(c.key): c.key for c in COLUMNS},
    **{_header_fold(c.label_vi): c.key for c in COLUMNS},
}


def resolve_header(cells: Sequence[str]) -> Header:
    """Map header cells to column keys, or raise ``HeaderInvalidError`` listing every problem."""
    errors: list[RowError] = []
    positions: list[tuple[int, str]] = []
    ignored: set[int] = set()
    seen: dict[str, int] = {}
    for index, cell in enumerate(cells):
        text = cell.strip()
        if not text:
            ignored.add(index)
            continue
        key = _HEADER_NAMES.get(_header_fold(text))
        letter = column_letter(index)
        if key is None:
            errors.append(
                RowError(
                    1,
                    letter,
                    "unknown_column",
                    f"Cột {letter} «{_shorten(text)}» không có trong mẫu nhập.",
                    f"Column {letter} {_shorten(text)!r} is not in the import template.",
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
            positions.append((index, key))
    for key in COLUMN_KEYS:
        if key in REQUIRED_COLUMNS and key not in seen:
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
    return Header(tuple(positions), frozenset(ignored))


def column_letter(index: int) -> str:
    """Spreadsheet letter of a 0-based column index: 0 → A, 26 → AA."""
    letters = ""
    number = index + 1
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def _shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ----------------------------------------------------------------------------------------------------
# Readers


@dataclass(frozen=True, slots=True)
class RawRow:
    row: int
    # Every column key (blank when the column is absent), plus a column letter for a value under no header.
    values: dict[str, str]


def read_import_file(path: Path, *, max_bytes: int, max_rows: int | None = None) -> Iterator[RawRow]:
    """Stream the data rows of a ``.csv`` or ``.xlsx`` import file."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise UnsupportedFileTypeError(
            f"Chỉ nhận tệp .xlsx hoặc .csv (tệp đang là «{suffix or 'không có phần mở rộng'}»).",
            f"Only .xlsx or .csv files are accepted (got {suffix or 'no extension'!r}).",
        )
    try:
        source = path.open("rb")
    except OSError as exc:
        raise ImportFileError(f"Không mở được tệp «{path.name}».", f"Cannot open the file {path.name!r}.") from exc
    with source:
        if suffix == ".csv":
            yield from read_csv(source, max_bytes=max_bytes, max_rows=max_rows)
        else:
            yield from read_xlsx(source, max_bytes=max_bytes, max_rows=max_rows)


def _too_large(max_bytes: int) -> FileTooLargeError:
    return FileTooLargeError(
        f"Tệp lớn hơn giới hạn {max_bytes:,} byte: hãy chia thành nhiều tệp.".replace(",", "."),
        f"The file is larger than the limit of {max_bytes:,} bytes: split it into several files.",
    )


def _too_many_rows(max_rows: int) -> FileTooLargeError:
    return FileTooLargeError(
        f"Tệp có hơn {max_rows:,} dòng: hãy chia thành nhiều tệp.".replace(",", "."),
        f"The file has more than {max_rows:,} rows: split it into several files.",
    )


class _SizeLimitedReader(io.RawIOBase):
    """Counts the bytes as they are read, so a stream (an upload) is refused at the limit, not after."""

    def __init__(self, raw: BinaryIO, max_bytes: int) -> None:
        super().__init__()
        self._raw = raw
        self._max_bytes = max_bytes
        self._count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Buffer, /) -> int:
        view = memoryview(buffer).cast("B")
        data = self._raw.read(len(view))
        self._count += len(data)
        if self._count > self._max_bytes:
            raise _too_large(self._max_bytes)
        view[: len(data)] = data
        return len(data)


_ZIP_MAGIC = b"PK\x03\x04"
# surrogateescape turns each undecodable byte into one of these, so the bad row is known exactly.
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")


def read_csv(source: BinaryIO, *, max_bytes: int, max_rows: int | None = None) -> Iterator[RawRow]:
    """Stream a UTF-8 CSV (BOM optional); raise a named ``ImportFileError`` for anything unreadable."""
    buffered = io.BufferedReader(_SizeLimitedReader(source, max_bytes), buffer_size=64 * 1024)
    start = buffered.peek(4)[:4]
    if start.startswith(_ZIP_MAGIC):
        raise UnsupportedFileTypeError(
            "Tệp này là tệp Excel (.xlsx) chứ không phải CSV: hãy đặt tên đuôi .xlsx.",
            "This is an Excel (.xlsx) file, not a CSV: give it the .xlsx extension.",
        )
    if start.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _encoding_error(1, "Tệp đang mã hoá UTF-16 (Unicode Text).", "The file is encoded in UTF-16.")
    # utf-8-sig drops a BOM when there is one and reads plain UTF-8 otherwise.
    text = io.TextIOWrapper(buffered, encoding="utf-8-sig", errors="surrogateescape", newline="")
    row_number = 1
    try:
        first_line = text.readline()
        delimiter = max((",", ";", "\t"), key=first_line.count)
        header_cells = next(csv.reader([first_line], delimiter=delimiter), [])
        _refuse_undecoded(1, header_cells)
        header = resolve_header([unescape_cell(c) for c in header_cells])
        for row_number, cells in enumerate(csv.reader(text, delimiter=delimiter), start=2):
            if max_rows is not None and row_number - 1 > max_rows:
                raise _too_many_rows(max_rows)
            _refuse_undecoded(row_number, cells)
            raw = _raw_row(row_number, [unescape_cell(c) for c in cells], header)
            if raw is not None:
                yield raw
    except csv.Error as exc:
        raise MalformedFileError(
            f"Không đọc được tệp CSV sau dòng {row_number}: {exc}.",
            f"Cannot read the CSV file after row {row_number}: {exc}.",
            row=row_number + 1,
        ) from exc
    finally:
        text.detach()  # the caller owns ``source``: leave it open


def _refuse_undecoded(row_number: int, cells: Sequence[str]) -> None:
    if any(_ESCAPED_BYTE.search(cell) for cell in cells):
        raise _encoding_error(row_number, "Tệp không phải mã UTF-8.", "The file is not UTF-8.")


def _encoding_error(row: int, detail_vi: str, detail_en: str) -> FileEncodingError:
    return FileEncodingError(
        f"{detail_vi} Hãy lưu lại bằng «CSV UTF-8 (Comma delimited)» (dòng {row}).",
        f"{detail_en} Save it again as 'CSV UTF-8 (Comma delimited)' (row {row}).",
        row=row,
    )


# openpyxl reads in chunks under one warnings filter: it warns about unsupported extensions (data validation,
# conditional formatting) that say nothing about the data, and the test suite turns warnings into errors.
_XLSX_CHUNK_ROWS = 1000


def read_xlsx(source: BinaryIO, *, max_bytes: int, max_rows: int | None = None) -> Iterator[RawRow]:
    """Stream the first worksheet of an .xlsx file: values only, formulas as their text, never evaluated."""
    try:
        source.seek(0, io.SEEK_END)
        size = source.tell()
        source.seek(0)
    except (OSError, ValueError) as exc:
        raise MalformedFileError("Không đọc được tệp.", "Cannot read the file.") from exc
    if size > max_bytes:
        raise _too_large(max_bytes)

    from openpyxl import load_workbook  # type: ignore[import-untyped]  # openpyxl ships no type hints

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # data_only=False: a formula cell yields its formula text, not a value some spreadsheet computed.
            workbook = load_workbook(source, read_only=True, data_only=False, keep_links=False)
    except Exception as exc:
        # Any failure of a third-party parser on untrusted input is the same fact for the user: unreadable.
        raise _unreadable_xlsx() from exc
    try:
        if not workbook.worksheets:
            raise _unreadable_xlsx()
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # trust the cells, not the declared size that some writers get wrong
        rows = sheet.iter_rows(min_row=1, values_only=True)
        header: Header | None = None
        row_number = 0
        while True:
            chunk = _next_chunk(rows, row_number)
            if not chunk:
                break
            for values in chunk:
                row_number += 1
                if max_rows is not None and row_number - 1 > max_rows:
                    raise _too_many_rows(max_rows)
                cells = [_cell_text(v) for v in values]
                if header is None:
                    header = resolve_header(cells)
                    continue
                raw = _raw_row(row_number, cells, header)
                if raw is not None:
                    yield raw
        if header is None:
            resolve_header([])  # an empty sheet: report every missing column
    finally:
        workbook.close()


def _next_chunk(rows: Iterator[tuple[object, ...]], rows_read: int) -> list[tuple[object, ...]]:
    chunk: list[tuple[object, ...]] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for values in rows:
                chunk.append(values)
                if len(chunk) == _XLSX_CHUNK_ROWS:
                    break
    except Exception as exc:
        row = rows_read + len(chunk) + 1
        raise MalformedFileError(
            f"Không đọc được tệp Excel ở dòng {row}.", f"Cannot read the Excel file at row {row}.", row=row
        ) from exc
    return chunk


def _unreadable_xlsx() -> MalformedFileError:
    return MalformedFileError(
        "Không đọc được tệp Excel (.xlsx): tệp hỏng hoặc không phải định dạng .xlsx.",
        "Cannot read the Excel (.xlsx) file: it is damaged or not in .xlsx format.",
    )


def _cell_text(value: object) -> str:
    """A cell's value as the text the validator reads."""
    if value is None:
        text = ""
    elif isinstance(value, str):
        text = unescape_cell(value)
    elif isinstance(value, bool):
        text = "TRUE" if value else "FALSE"
    elif isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        # A number typed into a general cell: 912345678.0 is the digits 912345678, not a decimal.
        text = str(int(value))
    elif isinstance(value, datetime) and value.time() == time(0):
        text = value.date().isoformat()
    elif isinstance(value, datetime):
        text = value.isoformat(sep=" ")
    elif isinstance(value, date | time):
        text = value.isoformat()
    else:
        # openpyxl's ArrayFormula and DataTableFormula keep their formula in ``text``: read it as text too.
        formula = getattr(value, "text", None)
        text = formula if isinstance(formula, str) else str(value)
    return text


def _raw_row(row_number: int, cells: Sequence[str], header: Header) -> RawRow | None:
    if all(not c.strip() for c in cells):
        return None
    values = dict.fromkeys(COLUMN_KEYS, "")
    width = len(cells)
    for index, key in header.positions:
        if index < width:
            values[key] = cells[index]
    known = {index for index, _ in header.positions}
    for index, cell in enumerate(cells):
        if index not in known and cell.strip():
            values[column_letter(index)] = cell
    return RawRow(row_number, values)


# ----------------------------------------------------------------------------------------------------
# Row validation


@dataclass(frozen=True, slots=True)
class CommuneMatch:
    """What the caller's commune lookup found for a code in the file."""

    current_codes: tuple[str, ...]  # one when resolved; several when a legacy ward was split between communes
    legacy_code: str | None = None  # the file's code, when it was a pre-2025 ward code mapped to current


def _accept_any(_: str) -> bool:
    return True


@dataclass(frozen=True, slots=True)
class CategoryShape:
    """What a number after a category code means for that category (from the policy catalogue)."""

    per_unit: bool = False  # ``code:2``: paid per child raised or per person cared for
    injury_rates: tuple[int, int] | None = None  # ``code:61``: paid by injury rate, in this range (percent)


_PLAIN_CATEGORY = CategoryShape()


def _plain_category(_: str) -> CategoryShape:
    return _PLAIN_CATEGORY


@dataclass(frozen=True, slots=True, order=True)
class CategoryHolding:
    """One category of a row with its number: units (per-unit categories) or injury rate."""

    code: str
    units: int = 1
    injury_rate: int | None = None

    def cell(self) -> str:
        """As the import reads it back: ``code``, ``code:2`` (units) or ``code:61`` (injury rate)."""
        if self.injury_rate is not None:
            return f"{self.code}:{self.injury_rate}"
        return f"{self.code}:{self.units}" if self.units != 1 else self.code

    def as_details(self) -> dict[str, object]:
        """The decision ``details`` shape of one category."""
        return {"code": self.code, "units": self.units, "injury_rate": self.injury_rate}


@dataclass(frozen=True, slots=True)
class ImportContext:
    """What a row is checked against: the caller's reference data and date."""

    today: date
    known_commune: Callable[[str], CommuneMatch | None]  # given a 5-digit code, current or legacy
    known_categories: Callable[[Program], Collection[str]]  # category codes open in the program
    known_bank_bin: Callable[[str], bool] = _accept_any  # the administrator-extensible bank list
    known_provider: Callable[[str], bool] = _accept_any  # payment service organisations
    category_shape: Callable[[str], CategoryShape] = _plain_category  # given a known category code


@dataclass(frozen=True, slots=True)
class ImportRow:
    """A row that passed every check, in domain types."""

    row: int
    national_id: str
    full_name: str  # NFC, single spaces
    name_key: str
    date_of_birth: date
    sex: Sex
    commune_code: str  # current code
    commune_legacy_code: str | None  # the file's legacy code, reported when it was mapped
    address: str | None
    phone: str | None  # 10 digits starting with 0 (a +84 number is written the national way)
    program: Program
    categories: tuple[str, ...]
    decision_number: str
    decision_date: date
    effective_from: Period
    payment_method: PaymentMethod
    provider: str | None
    bank_bin: str | None
    account_number: str | None
    payee_role: PayeeRole
    payee_national_id: str | None  # None when the beneficiary is the payee
    home_delivery_reason: HomeDeliveryReason | None
    identity_warnings: tuple[IdentityFinding, ...]  # accepted on identity_override_reason
    identity_override_reason: str | None
    # The categories with their units or injury rate, in the order of ``categories``.
    holdings: tuple[CategoryHolding, ...] = ()

    def to_values(self) -> dict[str, object]:
        """Column key → value, for ``export_cells``: re-importing it gives this row back."""
        return {
            "national_id": self.national_id,
            "full_name": self.full_name,
            "date_of_birth": self.date_of_birth,
            "sex": self.sex,
            "commune_code": self.commune_code,
            "address": self.address,
            "phone": self.phone,
            "program": self.program,
            "category": tuple(h.cell() for h in self.holdings) if self.holdings else self.categories,
            "decision_number": self.decision_number,
            "decision_date": self.decision_date,
            "effective_from": self.effective_from,
            "payment_method": self.payment_method,
            "provider": self.provider,
            "bank_bin": self.bank_bin,
            "account_number": self.account_number,
            "payee_national_id": self.payee_national_id,
            "payee_role": self.payee_role,
            "identity_override_reason": self.identity_override_reason,
            "home_delivery_reason": self.home_delivery_reason,
        }


_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_DMY_DATE = re.compile(r"([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})")
_ISO_MONTH = re.compile(r"([0-9]{4})-([0-9]{1,2})")
_MY_MONTH = re.compile(r"([0-9]{1,2})/([0-9]{4})")
_PHONE_SEPARATORS = re.compile(r"[\s.()-]")
_MOBILE = re.compile(r"(?:0|\+84)([35789][0-9]{8})")  # Vietnamese mobile prefixes since the 2018 renumbering
_BIN = re.compile(r"[0-9]{6}")
_ACCOUNT = re.compile(r"[0-9A-Za-z]{1,19}")
_CATEGORY_SEPARATORS = re.compile(r"[;,]")
_NAME_PUNCTUATION = frozenset(" '’-.")
_UNPRINTABLE = frozenset(("Cc", "Cf", "Co", "Cs", "Cn"))
_SEX_WORDS = {"male": Sex.MALE, "nam": Sex.MALE, "female": Sex.FEMALE, "nu": Sex.FEMALE}
_EARLIEST_DATE = date(1900, 1, 1)


class _Row:
    """Collects one row's errors while its fields are parsed."""

    def __init__(self, row_number: int, raw: Mapping[str, str]) -> None:
        self.row_number = row_number
        self.raw = raw
        self.errors: list[RowError] = []
        self.too_long: set[str] = set()
        # Trimmed once: the checks read each value several times, and an import validates every row.
        self._trimmed = {key: value.strip() for key, value in raw.items() if isinstance(value, str)}

    def text(self, key: str) -> str:
        """The trimmed value; blank for a value already refused as too long, so it gets one error, not two."""
        return "" if key in self.too_long else self._trimmed.get(key, "")

    def error(self, column: str | None, code: str, message_vi: str, message_en: str) -> None:
        self.errors.append(RowError(self.row_number, column, code, message_vi, message_en))


def validate_row(
    row_number: int, raw: Mapping[str, str], context: ImportContext
) -> tuple[ImportRow | None, list[RowError]]:
    """Check one data row: the parsed row and no errors, or ``None`` and every error found in it."""
    row = _Row(row_number, raw)
    for key, value in raw.items():
        if key not in _SPECS and isinstance(value, str) and value.strip():
            row.error(
                key,
                "unexpected_value",
                f"Cột {key} có giá trị nhưng không có tiêu đề nào của mẫu nhập.",
                f"Column {key} has a value but no import-template header.",
            )
    for key in _REQUIRED_VALUES:
        if not row.text(key):
            row.error(key, "missing_value", f"Thiếu «{LABELS_VI[key]}».", f"{key} is required.")
    for spec in COLUMNS:
        if len(row.text(spec.key)) > spec.max_length:
            row.too_long.add(spec.key)
            row.error(
                spec.key,
                "too_long",
                f"«{spec.label_vi}» dài quá {spec.max_length} ký tự.",
                f"{spec.key} is longer than {spec.max_length} characters.",
            )

    full_name = _parse_name(row)
    date_of_birth = _parse_date(row, "date_of_birth")
    if date_of_birth is not None and date_of_birth > context.today:
        row.error(
            "date_of_birth",
            "date_of_birth_in_future",
            f"Ngày sinh {date_of_birth:%d/%m/%Y} ở tương lai.",
            f"The date of birth {date_of_birth.isoformat()} is in the future.",
        )
        date_of_birth = None
    sex = _parse_sex(row)
    national_id, warnings_accepted, override_reason = _check_identity(row, date_of_birth, sex)
    commune = _parse_commune(row, context)
    address = _optional_text(row, "address")
    phone = _parse_phone(row)
    program = _parse_enum(row, "program", Program)
    holdings = _parse_categories(row, program, context)
    categories = tuple(h.code for h in holdings)
    decision_number = _optional_text(row, "decision_number")
    decision_date = _parse_date(row, "decision_date")
    if decision_date is not None and decision_date > context.today:
        row.error(
            "decision_date",
            "decision_date_in_future",
            f"Ngày quyết định {decision_date:%d/%m/%Y} ở tương lai: quyết định chưa được ký.",
            f"The decision date {decision_date.isoformat()} is in the future: it is not signed yet.",
        )
    effective_from = _parse_month(row, "effective_from")
    method = _parse_enum(row, "payment_method", PaymentMethod)
    provider, bank_bin, account_number, home_reason = _parse_payment(row, method, context)
    payee_role, payee_national_id = _parse_payee(row, national_id)

    if row.errors:
        return None, row.errors
    # Every value below was parsed; the asserts tell mypy what the empty error list already guarantees.
    assert full_name is not None
    assert date_of_birth is not None
    assert sex is not None
    assert national_id is not None
    assert commune is not None
    assert program is not None
    assert decision_number is not None
    assert decision_date is not None
    assert effective_from is not None
    assert method is not None
    assert payee_role is not None
    return (
        ImportRow(
            row=row_number,
            national_id=national_id,
            full_name=full_name,
            name_key=name_key(full_name),
            date_of_birth=date_of_birth,
            sex=sex,
            commune_code=commune.current_codes[0],
            commune_legacy_code=commune.legacy_code,
            address=address,
            phone=phone,
            program=program,
            categories=categories,
            decision_number=decision_number,
            decision_date=decision_date,
            effective_from=effective_from,
            payment_method=method,
            provider=provider,
            bank_bin=bank_bin,
            account_number=account_number,
            payee_role=payee_role,
            payee_national_id=payee_national_id,
            home_delivery_reason=home_reason,
            identity_warnings=warnings_accepted,
            identity_override_reason=override_reason,
            holdings=holdings,
        ),
        [],
    )


def _clean(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def _has_unprintable(text: str) -> bool:
    # str.isprintable() (in C) is true only when no character is in a C* category: the usual case, decided fast.
    return not text.isprintable() and any(unicodedata.category(ch) in _UNPRINTABLE for ch in text)


def _longer_once_clean(row: _Row, key: str, text: str) -> bool:
    """NFC can lengthen a text (some letters decompose): the stored value must still fit its column."""
    spec = _SPECS[key]
    if len(text) <= spec.max_length:
        return False
    row.error(
        key,
        "too_long",
        f"«{spec.label_vi}» dài quá {spec.max_length} ký tự.",
        f"{key} is longer than {spec.max_length} characters.",
    )
    return True


def _optional_text(row: _Row, key: str) -> str | None:
    text = _clean(row.text(key))
    if not text or _longer_once_clean(row, key, text):
        return None
    if _has_unprintable(text):
        row.error(
            key,
            "unprintable_characters",
            f"«{LABELS_VI[key]}» chứa ký tự điều khiển hoặc ký tự không in được.",
            f"{key} contains control or unprintable characters.",
        )
        return None
    return text


def normalise_full_name(text: str) -> str | None:
    """A person's name as stored (NFC, single spaces), or ``None`` when it is not a name.

    Shared with the registry services, so a name typed by an officer obeys the same rule as an imported one.
    """
    cleaned = _clean(text)
    # Letters (with their combining marks), spaces, apostrophes, hyphens and dots: this also keeps out
    # anything a spreadsheet would run as a formula.
    valid = (
        bool(cleaned)
        and cleaned[0].isalpha()
        and all(ch.isalpha() or unicodedata.category(ch).startswith("M") or ch in _NAME_PUNCTUATION for ch in cleaned)
    )
    return cleaned if valid else None


def _parse_name(row: _Row) -> str | None:
    text = _clean(row.text("full_name"))
    if not text or _longer_once_clean(row, "full_name", text):
        return None
    if normalise_full_name(text) is None:
        row.error(
            "full_name",
            "full_name_invalid",
            "Họ và tên chỉ gồm chữ cái, dấu cách, dấu nháy và gạch nối, bắt đầu bằng chữ cái.",
            "The full name may hold letters, spaces, apostrophes and hyphens only, starting with a letter.",
        )
        return None
    return text


def _to_date(year: str, month: str, day: str) -> date | None:
    try:
        value = date(int(year), int(month), int(day))
    except ValueError:
        return None
    return value if value >= _EARLIEST_DATE else None


def _parse_date(row: _Row, key: str) -> date | None:
    text = row.text(key)
    if not text:
        return None
    value: date | None = None
    if match := _ISO_DATE.fullmatch(text):
        value = _to_date(match[1], match[2], match[3])
    elif match := _DMY_DATE.fullmatch(text):
        value = _to_date(match[3], match[2], match[1])
    if value is None:
        row.error(
            key,
            "date_invalid",
            f"«{LABELS_VI[key]}» «{_shorten(text)}» không phải ngày hợp lệ (dd/mm/yyyy hoặc yyyy-mm-dd, từ năm 1900).",
            f"{key} {_shorten(text)!r} is not a valid date (dd/mm/yyyy or yyyy-mm-dd, from 1900).",
        )
    return value


def _parse_month(row: _Row, key: str) -> Period | None:
    text = row.text(key)
    if not text:
        return None
    year_month: tuple[int, int] | None = None
    if match := _ISO_MONTH.fullmatch(text):
        year_month = (int(match[1]), int(match[2]))
    elif match := _MY_MONTH.fullmatch(text):
        year_month = (int(match[2]), int(match[1]))
    elif _ISO_DATE.fullmatch(text) or _DMY_DATE.fullmatch(text):
        day = _parse_date(row, key)
        if day is None:
            return None  # _parse_date has reported it
        year_month = (day.year, day.month)
    if year_month is not None:
        try:
            return Period(*year_month)
        except ValueError:
            pass
    row.error(
        key,
        "month_invalid",
        f"«{LABELS_VI[key]}» «{_shorten(text)}» không phải tháng hợp lệ (mm/yyyy hoặc yyyy-mm, 1900–2200).",
        f"{key} {_shorten(text)!r} is not a valid month (mm/yyyy or yyyy-mm, 1900–2200).",
    )
    return None


def _parse_sex(row: _Row) -> Sex | None:
    text = row.text("sex")
    if not text:
        return None
    sex = _SEX_WORDS.get(fold_diacritics(text).lower())
    if sex is None:
        row.error(
            "sex",
            "sex_invalid",
            f"Giới tính «{_shorten(text)}» không hợp lệ: ghi Nam hoặc Nữ (male/female).",
            f"Sex {_shorten(text)!r} is not valid: write male or female (Nam/Nữ).",
        )
    return sex


def _parse_enum[E: StrEnum](row: _Row, key: str, enum: type[E]) -> E | None:
    text = row.text(key)
    if not text:
        return None
    try:
        return enum(text.lower())
    except ValueError:
        allowed = ", ".join(e.value for e in enum)
        row.error(
            key,
            f"{key}_unknown",
            f"«{LABELS_VI[key]}» «{_shorten(text)}» không có; các giá trị được nhận: {allowed}.",
            f"Unknown {key} {_shorten(text)!r}; accepted values: {allowed}.",
        )
        return None


def _check_identity(
    row: _Row, date_of_birth: date | None, sex: Sex | None
) -> tuple[str | None, tuple[IdentityFinding, ...], str | None]:
    text = row.text("national_id")
    reason = _optional_text(row, "identity_override_reason")
    if not text:
        return None, (), reason
    check = check_national_id(text, date_of_birth=date_of_birth, sex=sex)
    for finding in check.errors:
        row.error("national_id", finding.code, finding.message_vi, finding.message_en)
    if check.errors or not check.warnings:
        return (None if check.errors else check.national_id), (), reason
    if reason is None:
        override_label = LABELS_VI["identity_override_reason"]
        for finding in check.warnings:
            row.error(
                "national_id",
                finding.code,
                f"{finding.message_vi} Nếu đã xác minh là đúng, ghi lý do vào cột «{override_label}».",
                f"{finding.message_en} If verified as correct, give the reason in column identity_override_reason.",
            )
        return None, (), None
    if len(reason) < MIN_OVERRIDE_REASON_CHARS:
        row.error(
            "identity_override_reason",
            "override_reason_too_short",
            f"Lý do chấp nhận cảnh báo phải có ít nhất {MIN_OVERRIDE_REASON_CHARS} ký tự.",
            f"The override reason must have at least {MIN_OVERRIDE_REASON_CHARS} characters.",
        )
        return None, (), None
    return check.national_id, check.warnings, reason


def _parse_commune(row: _Row, context: ImportContext) -> CommuneMatch | None:
    text = row.text("commune_code")
    if not text:
        return None
    try:
        # Spreadsheets drop leading zeros of numeric cells; the code is the number, so "4" is "00004".
        code = normalise_commune_code(text)
    except ValueError:
        row.error(
            "commune_code",
            "commune_code_invalid",
            f"Mã xã, phường «{_shorten(text)}» phải là số có tối đa 5 chữ số.",
            f"The commune code {_shorten(text)!r} must be a number of up to 5 digits.",
        )
        return None
    match = context.known_commune(code)
    if match is None or not match.current_codes:
        row.error(
            "commune_code",
            "commune_unknown",
            f"Không có xã, phường nào mang mã {code} (kể cả mã cũ trước năm 2025).",
            f"No commune has the code {code} (current or pre-2025).",
        )
        return None
    if len(match.current_codes) > 1:
        candidates = ", ".join(match.current_codes)
        row.error(
            "commune_code",
            "commune_ambiguous",
            f"Xã, phường cũ {code} đã được chia vào nhiều xã, phường mới ({candidates}): hãy ghi mã mới.",
            f"The pre-2025 ward {code} was split between several communes ({candidates}): give the current code.",
        )
        return None
    return match


def normalise_phone(text: str) -> str | None:
    """A Vietnamese mobile number written the national way (``0912345678``), or ``None`` when it is not one.

    Separators are ignored and ``+84`` becomes ``0``; shared with the registry services.
    """
    if match := _MOBILE.fullmatch(_PHONE_SEPARATORS.sub("", text.strip())):
        return "0" + match[1]
    return None


def _parse_phone(row: _Row) -> str | None:
    text = row.text("phone")
    if not text:
        return None
    if (phone := normalise_phone(text)) is not None:
        return phone
    digits = _PHONE_SEPARATORS.sub("", text)
    message_vi = f"Số điện thoại «{_shorten(text)}» không phải số di động Việt Nam (10 số bắt đầu bằng 0, hoặc +84)."
    message_en = f"Phone {_shorten(text)!r} is not a Vietnamese mobile number (10 digits starting 0, or +84)."
    if re.fullmatch(r"[35789][0-9]{8}", digits):
        message_vi += " Có thể bảng tính đã bỏ số 0 ở đầu: hãy định dạng cột là Văn bản."
        message_en += " A spreadsheet may have dropped the leading zero: format the column as Text."
    row.error("phone", "phone_invalid", message_vi, message_en)
    return None


_CATEGORY_PART = re.compile(r"([^:]*?)\s*(?::\s*([^:]*?))?")
_CATEGORY_NUMBER = re.compile(r"([0-9]{1,3})\s*%?")
_MAX_UNITS = 20


def _parse_categories(row: _Row, program: Program | None, context: ImportContext) -> tuple[CategoryHolding, ...]:
    text = row.text("category")
    if not text or program is None:
        return ()
    known = {c.casefold(): c for c in context.known_categories(program)}
    found: dict[str, CategoryHolding] = {}
    refused = False
    for part in _CATEGORY_SEPARATORS.split(text):
        match = _CATEGORY_PART.fullmatch(part.strip())
        code, number = (match[1], match[2]) if match else (part.strip(), None)
        if not code and number is None:
            continue
        canonical = known.get(code.casefold())
        if canonical is None:
            refused = True
            row.error(
                "category",
                "category_unknown",
                f"Diện đối tượng «{_shorten(code)}» không có trong chế độ {program}.",
                f"Category {_shorten(code)!r} does not exist in program {program}.",
            )
            continue
        holding = _category_holding(row, canonical, number, context.category_shape(canonical))
        if holding is None:
            refused = True
        elif canonical not in found:
            found[canonical] = holding
    if not found and not refused:
        row.error("category", "missing_value", f"Thiếu «{LABELS_VI['category']}».", "category is required.")
    return tuple(found.values())


def _category_number(row: _Row, code: str, number: str | None) -> tuple[bool, int | None]:
    """(readable, the number after the colon or None)."""
    if number is None:
        return True, None
    match = _CATEGORY_NUMBER.fullmatch(number)
    if match is None:
        row.error(
            "category",
            "category_number_invalid",
            f"Sau dấu hai chấm của diện «{code}» phải là một số (ví dụ {code}:2), không phải «{_shorten(number)}».",
            f"After the colon of category {code} comes a number (e.g. {code}:2), not {_shorten(number)!r}.",
        )
        return False, None
    return True, int(match[1])


def _category_holding(row: _Row, code: str, number: str | None, shape: CategoryShape) -> CategoryHolding | None:
    readable, value = _category_number(row, code, number)
    holding: CategoryHolding | None = None
    if not readable:
        pass
    elif shape.injury_rates is not None:
        low, high = shape.injury_rates
        if value is not None and low <= value <= high:
            holding = CategoryHolding(code, 1, value)
        else:
            row.error(
                "category",
                "injury_rate_invalid" if value is not None else "injury_rate_missing",
                f"Diện «{code}» cần tỷ lệ tổn thương từ {low}% đến {high}%, ghi sau dấu hai chấm: {code}:{low}.",
                f"Category {code} needs an injury rate from {low}% to {high}% after a colon: {code}:{low}.",
            )
    elif shape.per_unit:
        units = 1 if value is None else value
        if 1 <= units <= _MAX_UNITS:
            holding = CategoryHolding(code, units)
        else:
            row.error(
                "category",
                "category_units_invalid",
                f"Số người của diện «{code}» phải từ 1 đến {_MAX_UNITS}.",
                f"The number of persons of category {code} must be from 1 to {_MAX_UNITS}.",
            )
    elif value is not None:
        row.error(
            "category",
            "category_number_not_allowed",
            f"Diện «{code}» không ghi số sau dấu hai chấm (chỉ diện tính theo số con/người hoặc tỷ lệ thương tật).",
            f"Category {code} takes no number after a colon (only per-person and injury-rate categories do).",
        )
    else:
        holding = CategoryHolding(code)
    return holding


def _parse_payment(
    row: _Row, method: PaymentMethod | None, context: ImportContext
) -> tuple[str | None, str | None, str | None, HomeDeliveryReason | None]:
    provider = _optional_text(row, "provider")
    bank_bin = row.text("bank_bin") or None
    # Account numbers are often written in groups ("0011 0012 3456"); the grouping is not part of the number.
    account = "".join(row.text("account_number").split()) or None
    home_reason = _parse_enum(row, "home_delivery_reason", HomeDeliveryReason)
    if provider is not None and not context.known_provider(provider):
        row.error(
            "provider",
            "provider_unknown",
            f"Tổ chức dịch vụ chi trả «{_shorten(provider)}» không có trong danh sách.",
            f"Payment service provider {_shorten(provider)!r} is not in the list.",
        )
    if method is None:
        return provider, bank_bin, account, home_reason
    if home_reason is not None and method is not PaymentMethod.CASH_HOME:
        row.error(
            "home_delivery_reason",
            "home_delivery_reason_not_allowed",
            "Chỉ ghi lý do chi trả tại nhà khi hình thức là cash_home.",
            "A home-delivery reason is only given when the payment method is cash_home.",
        )
    if method is PaymentMethod.EWALLET and provider is None:
        row.error(
            "provider",
            "provider_missing",
            "Ví điện tử cần ghi tổ chức dịch vụ chi trả (nhà cung cấp ví).",
            "An e-wallet needs its provider.",
        )
    _check_account(row, method, account)
    _check_bank_bin(row, method, bank_bin, context)
    return provider, bank_bin, account, home_reason


def _check_account(row: _Row, method: PaymentMethod, account: str | None) -> None:
    if method.is_cash:
        if account is not None:
            row.error(
                "account_number",
                "account_not_allowed",
                f"Chi trả tiền mặt ({method}) không có số tài khoản: xoá số tài khoản hoặc đổi hình thức chi trả.",
                f"A cash payment ({method}) has no account number: remove it or change the payment method.",
            )
    elif account is None:
        row.error(
            "account_number",
            "account_missing",
            f"Hình thức {method} cần số tài khoản hoặc số ví.",
            f"Payment method {method} needs an account or wallet number.",
        )
    elif not _ACCOUNT.fullmatch(account):
        row.error(
            "account_number",
            "account_invalid",
            "Số tài khoản chỉ gồm chữ số và chữ cái không dấu, tối đa 19 ký tự.",
            "An account number holds digits and unaccented letters only, at most 19 characters.",
        )


def _check_bank_bin(row: _Row, method: PaymentMethod, bank_bin: str | None, context: ImportContext) -> None:
    if method is not PaymentMethod.BANK_ACCOUNT:
        if bank_bin is not None:
            row.error(
                "bank_bin",
                "bank_bin_not_allowed",
                f"Mã BIN ngân hàng chỉ ghi cho hình thức bank_account (đang là {method}).",
                f"A bank BIN is only given for bank_account (the method is {method}).",
            )
    elif bank_bin is None:
        row.error("bank_bin", "bank_bin_missing", "Thiếu mã BIN ngân hàng.", "The bank BIN is required.")
    elif not _BIN.fullmatch(bank_bin):
        row.error(
            "bank_bin",
            "bank_bin_invalid",
            f"Mã BIN ngân hàng «{_shorten(bank_bin)}» phải gồm 6 chữ số.",
            f"The bank BIN {_shorten(bank_bin)!r} must have 6 digits.",
        )
    elif not context.known_bank_bin(bank_bin):
        row.error(
            "bank_bin",
            "bank_bin_unknown",
            f"Không có ngân hàng nào mang mã BIN {bank_bin} trong danh sách.",
            f"No bank in the list has the BIN {bank_bin}.",
        )


def _parse_payee(row: _Row, national_id: str | None) -> tuple[PayeeRole | None, str | None]:
    role = PayeeRole.BENEFICIARY if not row.text("payee_role") else _parse_enum(row, "payee_role", PayeeRole)
    text = row.text("payee_national_id")
    if role is None:
        return None, None
    if role is PayeeRole.BENEFICIARY:
        if text and national_id is not None and text != national_id:
            row.error(
                "payee_national_id",
                "payee_mismatch",
                "Người nhận là chính đối tượng nhưng số định danh người nhận khác: ghi vai trò guardian hoặc proxy.",
                "The payee is the beneficiary but the payee ID differs: set the role to guardian or proxy.",
            )
        return role, None
    if not text:
        row.error(
            "payee_national_id",
            "payee_national_id_missing",
            f"Người nhận thay ({role}) cần số định danh cá nhân.",
            f"A payee who is a {role} needs a personal ID number.",
        )
        return role, None
    check = check_national_id(text)
    for finding in check.errors:
        row.error("payee_national_id", finding.code, finding.message_vi, finding.message_en)
    if not check.errors and text == national_id:
        row.error(
            "payee_national_id",
            "payee_is_beneficiary",
            f"Người nhận thay ({role}) không thể là chính đối tượng.",
            f"A {role} cannot be the beneficiary themself.",
        )
    return role, check.national_id


# ----------------------------------------------------------------------------------------------------
# Duplicates within one file


class DuplicateNationalIds:
    """Remembers where each citizen ID first appeared in a file, to refuse it the second time."""

    def __init__(self) -> None:
        self._first_row: dict[str, int] = {}

    def check(self, row_number: int, national_id: str) -> RowError | None:
        key = national_id.strip()
        if not key:
            return None
        first = self._first_row.setdefault(key, row_number)
        if first == row_number:
            return None
        return RowError(
            row_number,
            "national_id",
            "national_id_duplicate",
            f"Số định danh cá nhân này đã có ở dòng {first} của cùng tệp.",
            f"This personal ID number already appears in row {first} of the same file.",
        )


def find_duplicate_national_ids(rows: Iterable[tuple[int, str]]) -> list[RowError]:
    """Every repeat of a citizen ID among (row number, ID) pairs."""
    seen = DuplicateNationalIds()
    return [error for row, national_id in rows if (error := seen.check(row, national_id)) is not None]


class FileIdentities:
    """Citizen IDs seen so far in one file: the same ID twice in a program, or disagreeing rows, are refused.

    A person enrolled in two programs has one row per program, and those rows must agree on the person's
    columns. Both rows of a clash are rejected, each naming the other. What is kept per ID is its first row in
    each program and an 8-byte digest of the person's columns: the only state of an import that grows with
    the file (about 150 bytes per citizen ID).
    """

    _PROGRAMS: tuple[Program, ...] = tuple(Program)

    def __init__(self) -> None:
        self._seen: dict[int | str, tuple[int | None, list[int]]] = {}
        self._flagged: set[int] = set()  # earlier rows already given their clash error (one each)

    @staticmethod
    def _key(national_id: str) -> int | str:
        text = national_id.strip()
        # A 12-digit number held as an int takes a third of the memory of the string.
        return int(text) if len(text) == 12 and text.isascii() and text.isdigit() else text

    def __contains__(self, national_id: object) -> bool:
        return isinstance(national_id, str) and self._key(national_id) in self._seen

    def __len__(self) -> int:
        return len(self._seen)

    def check_raw(self, row_number: int, raw: Mapping[str, str]) -> list[RowError]:
        """Remember a row that failed validation, so that a repeat of its ID is still found."""
        national_id = raw.get("national_id", "").strip()
        try:
            program = Program(raw.get("program", "").strip().lower())
        except ValueError:
            program = None
        if not national_id:
            return []
        return self._check(row_number, national_id, program, None)

    def check(self, row: ImportRow) -> list[RowError]:
        """The clashes of a valid row with the rows before it (errors for both rows)."""
        return self._check(row.row, row.national_id, row.program, person_digest(row))

    def _check(self, row_number: int, national_id: str, program: Program | None, digest: int | None) -> list[RowError]:
        key = self._key(national_id)
        entry = self._seen.get(key)
        if entry is None:
            rows = [0] * len(self._PROGRAMS)
            if program is not None:
                rows[self._PROGRAMS.index(program)] = row_number
            self._seen[key] = (digest, rows)
            return []
        first_digest, rows = entry
        if program is not None:
            slot = self._PROGRAMS.index(program)
            if rows[slot]:
                return self._clash(row_number, rows[slot], duplicate=True)
            rows[slot] = row_number
        if first_digest is None:
            self._seen[key] = (digest, rows)
        elif digest is not None and digest != first_digest:
            first = min(r for r in rows if r and r != row_number)
            return self._clash(row_number, first, duplicate=False)
        return []

    def _clash(self, row_number: int, first: int, *, duplicate: bool) -> list[RowError]:
        def error(row: int, other: int) -> RowError:
            low, high = sorted((row, other))
            if duplicate:
                return RowError(
                    row,
                    "national_id",
                    "national_id_duplicate",
                    f"Số định danh cá nhân này có hai dòng cùng chế độ trong tệp (dòng {low} và dòng {high}).",
                    f"This personal ID number has two rows of the same program in the file (rows {low} and {high}).",
                )
            return RowError(
                row,
                "national_id",
                "person_rows_disagree",
                f"Dòng {other} có cùng số định danh (chế độ khác) nhưng thông tin cá nhân khác dòng này: "
                "họ tên, ngày sinh, giới tính, mã xã, địa chỉ, số điện thoại phải giống nhau.",
                f"Row {other} has the same personal ID (another program) but different personal details: name, "
                "date of birth, sex, commune, address and phone must be the same.",
            )

        errors = [error(row_number, first)]
        if first not in self._flagged:
            self._flagged.add(first)
            errors.append(error(first, row_number))
        return errors


def person_digest(row: ImportRow) -> int:
    """An 8-byte digest of the person's columns of a row: rows of one person in two programs must agree."""
    text = "\x1f".join(
        (
            row.full_name,
            row.date_of_birth.isoformat(),
            row.sex.value,
            row.commune_code,
            row.address or "",
            row.phone or "",
            row.identity_override_reason or "",
        )
    )
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")
