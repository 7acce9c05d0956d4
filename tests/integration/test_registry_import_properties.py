"""Property tests: no generated file crashes the importer or leaves a partial import, on both databases."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.conftest import Database
from tests.factories_import import BANK_BIN, CAN_THO, LEGACY_NINH_KIEU, TAN_AN, add_reference, counts, row

from ansinh.registry.import_service import ImportReport, import_file
from ansinh.registry.importing import COLUMN_KEYS, LABELS_VI, ImportFileError

MAX_BYTES = 200_000
PROPERTY_SETTINGS = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
_names = itertools.count()


@pytest.fixture
def ref_db(db: Database) -> Database:
    with db.uow() as uow:
        add_reference(uow)
        uow.commit()
    return db


def _import_checked(db: Database, folder: Path, suffix: str, content: bytes, *, dry_run: bool = False) -> None:
    """Import ``content``; only ``ImportFileError`` or a report, and nothing written unless all was accepted."""
    path = folder / f"file{next(_names)}{suffix}"
    path.write_bytes(content)
    with db.uow() as uow:
        before = counts(uow)
    report: ImportReport | None = None
    refused: ImportFileError | None = None
    with db.uow(actor="canbo") as uow:
        try:
            report = import_file(uow, path=path, area=CAN_THO, dry_run=dry_run, max_bytes=MAX_BYTES)
        except ImportFileError as error:
            refused = error
        if report is not None and report.should_commit:
            uow.commit()
    if refused is not None:
        assert refused.message_vi
        assert refused.message_en
    with db.uow() as uow:
        after = counts(uow)
    if report is None or not report.should_commit:
        assert after == before
        return
    assert report.rejected == 0
    assert not report.errors
    assert report.accepted == report.created + report.updated + report.unchanged
    assert all(after[table] >= before[table] for table in before)


# Values an official might type, values the validator special-cases, and hostile ones.
_CELL = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "",
            " ",
            "=1+1",
            "@SUM(A1)",
            "-2",
            "'0912345678",
            "0912345678",
            "+84912345678",
            "092050100001",
            "092150000001",
            "14/03/1950",
            "2024-07",
            "07/2024",
            "31/02/2024",
            "Nam",
            "Nữ",
            "social_assistance",
            "meritorious",
            "caregiver",
            "sa_elderly_poor_no_supporter",
            "sa_single_parent_poor:2",
            "mer_war_invalid:61",
            "mer_war_invalid:7",
            "cash_point",
            "cash_home",
            "bank_account",
            "ewallet",
            "guardian",
            "proxy",
            "bedridden",
            "VNPOST",
            BANK_BIN,
            "31135",
            TAN_AN,
            LEGACY_NINH_KIEU,
            "31178",
            "99999",
            "\x00",
            "क़" * 60,
            "x" * 300,
        ]
    ),
)


def _csv_bytes(header: list[str], rows: list[list[str]], *, delimiter: str = ",", bom: bool = True) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig" if bom else "utf-8", errors="surrogatepass")


def _xlsx_bytes(header: list[str], rows: list[list[object]]) -> bytes:
    from openpyxl import Workbook  # type: ignore[import-untyped]
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # type: ignore[import-untyped]

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Danh sách")
    sheet.append(header)
    for values in rows:
        # Raw cells: a text starting with '=' becomes a real formula cell, which the reader must take as text.
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in values])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@PROPERTY_SETTINGS
@given(content=st.binary(max_size=2000), suffix=st.sampled_from([".csv", ".xlsx", ".txt"]))
def test_random_bytes_never_crash_the_importer_nor_write_anything(
    ref_db: Database, tmp_path: Path, content: bytes, suffix: str
) -> None:
    _import_checked(ref_db, tmp_path, suffix, content)


@PROPERTY_SETTINGS
@given(
    header=st.lists(st.sampled_from([*COLUMN_KEYS, *LABELS_VI.values(), "ghi chú", ""]), max_size=24)
    | st.just(list(COLUMN_KEYS)),
    cells=st.lists(st.lists(_CELL, max_size=22), max_size=6),
    mode=st.tuples(st.booleans(), st.booleans()),
)
def test_random_cells_never_crash_the_importer_nor_leave_a_partial_import(
    ref_db: Database, tmp_path: Path, header: list[str], cells: list[list[str]], mode: tuple[bool, bool]
) -> None:
    xlsx, dry_run = mode
    content = _xlsx_bytes(header, list(cells)) if xlsx else _csv_bytes(header, cells)
    _import_checked(ref_db, tmp_path, ".xlsx" if xlsx else ".csv", content, dry_run=dry_run)


def _set_cell(column: str, value: str) -> Callable[[list[dict[str, str]], int], None]:
    def mutate(rows: list[dict[str, str]], index: int) -> None:
        rows[index % len(rows)][column] = value

    return mutate


def _repeat_row(rows: list[dict[str, str]], index: int) -> None:
    rows.append(dict(rows[index % len(rows)]))


def _blank_row(rows: list[dict[str, str]], index: int) -> None:
    rows[index % len(rows)] = dict.fromkeys(COLUMN_KEYS, "")


_MUTATIONS = st.one_of(
    st.builds(_set_cell, st.sampled_from(COLUMN_KEYS), _CELL),
    st.just(_repeat_row),
    st.just(_blank_row),
)


@PROPERTY_SETTINGS
@given(
    mutations=st.lists(st.tuples(_MUTATIONS, st.integers(min_value=0, max_value=10)), max_size=4),
    cut=st.none() | st.integers(min_value=0, max_value=3000),
    xlsx=st.booleans(),
)
def test_mutated_valid_files_are_imported_whole_or_not_at_all(
    ref_db: Database,
    tmp_path: Path,
    mutations: list[tuple[Callable[[list[dict[str, str]], int], None], int]],
    cut: int | None,
    xlsx: bool,
) -> None:
    rows = [row(), row(phone="0912345678"), row(program="meritorious", category="mer_war_invalid:81")]
    for mutate, index in mutations:
        mutate(rows, index)
    table = [[values.get(key, "") for key in COLUMN_KEYS] for values in rows]
    content = _xlsx_bytes(list(COLUMN_KEYS), list(table)) if xlsx else _csv_bytes(list(COLUMN_KEYS), table)
    if cut is not None:
        content = content[:cut]  # a file cut short in transfer
    _import_checked(ref_db, tmp_path, ".xlsx" if xlsx else ".csv", content)
