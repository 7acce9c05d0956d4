"""Registry import and export on both databases: all or nothing, counts, mappings, round trips, API and area."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.conftest import TODAY, Database
from tests.factories import make_user
from tests.factories_import import (
    BANK_BIN,
    CAN_THO,
    CAO_BANG_COMMUNE,
    LEGACY_NINH_KIEU,
    NATIONAL,
    NINH_KIEU,
    NINH_KIEU_AREA,
    SPLIT_LEGACY,
    TAN_AN,
    add_reference,
    counts,
    national_id,
    register_person,
    row,
    write_csv,
    write_xlsx,
)
from tests.webclient import api_token

from ansinh.access.domain import Area, Role
from ansinh.core.audit import AuditRecord
from ansinh.core.errors import Conflict
from ansinh.core.settings import Environment, Settings
from ansinh.decisions.tables import Decision
from ansinh.enrolment.tables import PaymentMethod as MethodRow
from ansinh.registry import import_service
from ansinh.registry.export import XLSX_MEDIA_TYPE, export_registry, write_template
from ansinh.registry.import_service import ImportReport, import_file
from ansinh.registry.importing import COLUMN_KEYS, FileEncodingError, FileTooLargeError, HeaderInvalidError
from ansinh.registry.tables import Beneficiary, BeneficiaryCategory, Person, Relation
from ansinh.web.app import create_app

MAX_BYTES = 5_000_000


@pytest.fixture
def ref_db(db: Database) -> Database:
    with db.uow() as uow:
        add_reference(uow)
        uow.commit()
    return db


def run_import(
    db: Database, path: Path, *, area: Area = CAN_THO, dry_run: bool = False, **options: Any
) -> ImportReport:
    """Import as the API and the command line do: commit only when the report says so."""
    with db.uow(actor="canbo") as uow:
        report = import_file(
            uow, path=path, area=area, dry_run=dry_run, max_bytes=options.pop("max_bytes", MAX_BYTES), **options
        )
        if report.should_commit:
            uow.commit()
    return report


def table_counts(db: Database) -> dict[str, int]:
    with db.uow() as uow:
        return counts(uow)


def rejected_with_nothing_written(
    db: Database, tmp_path: Path, rows: list[dict[str, str]], **options: Any
) -> ImportReport:
    before = table_counts(db)
    report = run_import(db, write_csv(tmp_path / "danh-sach.csv", rows), **options)
    assert not report.ok
    assert report.rejected >= 1
    assert table_counts(db) == before
    for error in report.errors:
        assert error.message_vi
        assert error.message_en
    return report


def only_error(report: ImportReport) -> tuple[int, str | None, str]:
    assert len(report.errors) == 1, report.errors
    error = report.errors[0]
    return error.row, error.column, error.code


# --- a valid file ------------------------------------------------------------------------------------------


def test_a_valid_file_registers_persons_beneficiaries_approved_grants_and_payment_methods(
    ref_db: Database, tmp_path: Path
) -> None:
    db = ref_db
    first = row(
        full_name="Lê Thị Hoa",
        sex="Nữ",
        national_id=national_id(date(1950, 3, 14), female=True),
        phone="0912 345 678",
        category="sa_single_parent_poor:3; sa_disabled_severe",
        payment_method="bank_account",
        provider="",
        bank_bin=BANK_BIN,
        account_number="0011 0012 3456",
    )
    second = row(
        program="meritorious",
        category="mer_war_invalid:61%",
        decision_number="77/QĐ-SNV",
        payment_method="ewallet",
        provider="viettel_money",
        account_number="0987654321",
    )
    report = run_import(db, write_csv(tmp_path / "a.csv", [first, second]))

    assert report.ok, report.errors
    assert (report.accepted, report.created, report.updated, report.unchanged) == (2, 2, 0, 0)
    with db.uow() as uow:
        person = uow.session.scalars(select(Person).where(Person.national_id == first["national_id"])).one()
        assert (person.full_name, person.sex, person.phone, person.province_code) == (
            "Lê Thị Hoa",
            "female",
            "0912345678",
            "92",
        )
        beneficiary = uow.session.scalars(select(Beneficiary).where(Beneficiary.person_id == person.id)).one()
        assert (beneficiary.status, beneficiary.program, beneficiary.commune_code) == (
            "active",
            "social_assistance",
            NINH_KIEU,
        )
        held = {
            (c.category_code, c.units, c.injury_rate)
            for c in uow.session.scalars(
                select(BeneficiaryCategory).where(BeneficiaryCategory.beneficiary_id == beneficiary.id)
            )
        }
        assert held == {("sa_single_parent_poor", 3, None), ("sa_disabled_severe", 1, None)}
        decision = uow.session.scalars(select(Decision).where(Decision.beneficiary_id == beneficiary.id)).one()
        assert (decision.kind, decision.status, decision.source) == ("grant", "approved", "import")
        assert (decision.number, decision.signed_on, decision.effective_from) == (
            "123/QĐ-UBND",
            date(2024, 6, 20),
            "2024-07",
        )
        assert (decision.submitted_by, decision.reviewed_by) == ("canbo", None)
        assert {"code": "sa_single_parent_poor", "units": 3, "injury_rate": None} in decision.details["categories"]
        method = uow.session.scalars(select(MethodRow).where(MethodRow.beneficiary_id == beneficiary.id)).one()
        assert (method.kind, method.bank_bin, method.account_number, method.source) == (
            "bank_account",
            BANK_BIN,
            "00110012345" + "6",
            "import",
        )
        assert (method.payee_person_id, method.payee_role, method.valid_from, method.valid_to) == (
            person.id,
            "beneficiary",
            date(2024, 7, 1),
            None,
        )
        war_invalid = uow.session.scalars(
            select(BeneficiaryCategory)
            .join(Beneficiary, Beneficiary.id == BeneficiaryCategory.beneficiary_id)
            .where(Beneficiary.program == "meritorious")
        ).one()
        assert (war_invalid.category_code, war_invalid.injury_rate) == ("mer_war_invalid", 61)
        wallet = uow.session.scalars(select(MethodRow).where(MethodRow.kind == "ewallet")).one()
        assert wallet.provider_code == "VIETTEL_MONEY"
        audit = [
            (a.entity_id, a.detail)
            for a in uow.session.scalars(select(AuditRecord).where(AuditRecord.action == "registry.import"))
        ]
    assert len(audit) == 1
    assert audit[0][0] == report.sha256
    assert '"created":2' in audit[0][1]
    assert "a.csv" in audit[0][1]


def test_a_person_in_two_programs_is_one_person_with_two_beneficiaries(ref_db: Database, tmp_path: Path) -> None:
    first = row()
    second = row(national_id=first["national_id"], program="caregiver", category="cg_takes_in_elderly_community_care")
    report = run_import(ref_db, write_csv(tmp_path / "a.csv", [first, second]), chunk_rows=1)
    assert (report.ok, report.created) == (True, 2)
    with ref_db.uow() as uow:
        people = uow.session.scalars(select(Person).where(Person.national_id == first["national_id"])).all()
        assert len(people) == 1
        programs = set(uow.session.scalars(select(Beneficiary.program).where(Beneficiary.person_id == people[0].id)))
    assert programs == {"social_assistance", "caregiver"}


def test_a_second_import_counts_created_updated_and_unchanged_rows(ref_db: Database, tmp_path: Path) -> None:
    db = ref_db
    same, new_phone, new_method, new_category = row(), row(), row(), row()
    assert run_import(db, write_csv(tmp_path / "1.csv", [same, new_phone, new_method, new_category])).created == 4
    before = table_counts(db)

    new_phone = {**new_phone, "phone": "0987654321"}
    new_method = {
        **new_method,
        "payment_method": "bank_account",
        "provider": "",
        "bank_bin": BANK_BIN,
        "account_number": "123456789",
    }
    new_category = {
        **new_category,
        "category": "sa_disabled_especially_severe",
        "decision_number": "9/QĐ-UBND",
        "decision_date": "01/10/2026",
        "effective_from": "10/2026",
    }
    report = run_import(db, write_csv(tmp_path / "2.csv", [same, new_phone, new_method, new_category, row()]))

    assert report.ok, report.errors
    assert (report.accepted, report.created, report.updated, report.unchanged) == (5, 1, 3, 1)
    after = table_counts(db)
    assert after["registry_persons"] == before["registry_persons"] + 1
    assert after["decisions"] == before["decisions"] + 2  # the new row's grant and one adjust
    assert after["enrolment_payment_methods"] == before["enrolment_payment_methods"] + 2  # new row, changed method
    with db.uow() as uow:
        person = uow.session.scalars(select(Person).where(Person.national_id == new_phone["national_id"])).one()
        assert (person.phone, person.version) == ("0987654321", 2)
        history = uow.session.scalars(
            select(MethodRow)
            .join(Beneficiary, Beneficiary.id == MethodRow.beneficiary_id)
            .join(Person, Person.id == Beneficiary.person_id)
            .where(Person.national_id == new_method["national_id"])
            .order_by(MethodRow.valid_from)
        ).all()
        assert [(m.kind, m.valid_to) for m in history] == [("cash_point", date(2026, 11, 22)), ("bank_account", None)]
        assert history[1].valid_from == TODAY
        beneficiary = uow.session.scalars(
            select(Beneficiary)
            .join(Person, Person.id == Beneficiary.person_id)
            .where(Person.national_id == new_category["national_id"])
        ).one()
        adjust = uow.session.scalars(
            select(Decision).where(Decision.beneficiary_id == beneficiary.id, Decision.kind == "adjust")
        ).one()
        assert (adjust.status, adjust.number, adjust.effective_from) == ("approved", "9/QĐ-UBND", "2026-10")
        held = list(
            uow.session.scalars(
                select(BeneficiaryCategory.category_code).where(BeneficiaryCategory.beneficiary_id == beneficiary.id)
            )
        )
    assert held == ["sa_disabled_especially_severe"]


def test_a_dry_run_reports_what_it_would_do_and_writes_nothing(ref_db: Database, tmp_path: Path) -> None:
    before = table_counts(ref_db)
    report = run_import(ref_db, write_csv(tmp_path / "a.csv", [row(), row()]), dry_run=True)
    assert (report.ok, report.dry_run, report.created) == (True, True, 2)
    assert not report.should_commit
    assert table_counts(ref_db) == before


def test_a_legacy_commune_code_is_mapped_and_reported(ref_db: Database, tmp_path: Path) -> None:
    legacy = row(commune_code=LEGACY_NINH_KIEU)
    report = run_import(ref_db, write_csv(tmp_path / "a.csv", [row(), legacy]))
    assert report.ok, report.errors
    assert [(m.row, m.legacy_code, m.current_code) for m in report.commune_mappings] == [
        (3, LEGACY_NINH_KIEU, NINH_KIEU)
    ]
    with ref_db.uow() as uow:
        commune = uow.session.scalar(select(Person.commune_code).where(Person.national_id == legacy["national_id"]))
    assert commune == NINH_KIEU


def test_a_guardian_registered_earlier_or_later_in_the_same_file_becomes_the_payee(
    ref_db: Database, tmp_path: Path
) -> None:
    db = ref_db
    with db.uow() as uow:
        registered = national_id(date(1980, 5, 1), female=True)
        register_person(uow, registered)
        uow.commit()
    child = date(2015, 2, 1)
    guardian_row = row(
        full_name="Phạm Văn Cường", national_id=national_id(date(1970, 1, 1)), date_of_birth="01/01/1970"
    )
    rows = [
        row(
            national_id=national_id(child),
            date_of_birth="01/02/2015",
            category="sa_child_no_support",
            payee_role="guardian",
            payee_national_id=guardian_row["national_id"],
        ),  # named before its own row
        row(
            national_id=national_id(child),
            date_of_birth="01/02/2015",
            category="sa_child_no_support",
            payee_role="proxy",
            payee_national_id=registered,
        ),
        guardian_row,
    ]
    report = run_import(db, write_csv(tmp_path / "a.csv", rows), chunk_rows=1)
    assert report.ok, report.errors
    with db.uow() as uow:
        for values, role in ((rows[0], "guardian"), (rows[1], "proxy")):
            beneficiary = uow.session.scalars(
                select(Beneficiary)
                .join(Person, Person.id == Beneficiary.person_id)
                .where(Person.national_id == values["national_id"])
            ).one()
            payee = uow.session.scalars(select(Person).where(Person.national_id == values["payee_national_id"])).one()
            method = uow.session.scalars(select(MethodRow).where(MethodRow.beneficiary_id == beneficiary.id)).one()
            assert (method.payee_person_id, method.payee_role) == (payee.id, role)
            relation = uow.session.scalars(select(Relation).where(Relation.beneficiary_id == beneficiary.id)).one()
            assert (relation.person_id, relation.role, relation.valid_from, relation.valid_to) == (
                payee.id,
                role,
                date(2024, 7, 1),
                None,
            )
    # Importing the same file again finds every relation and method in place.
    again = run_import(db, write_csv(tmp_path / "b.csv", rows))
    assert (again.unchanged, again.updated, again.created) == (3, 0, 0)


# --- rejections: row, column, message, nothing written -------------------------------------------------------


def test_a_malformed_citizen_id_is_rejected(ref_db: Database, tmp_path: Path) -> None:
    report = rejected_with_nothing_written(ref_db, tmp_path, [row(), row(national_id="09208501234")])
    assert only_error(report) == (3, "national_id", "national_id_wrong_length")
    assert "12" in report.errors[0].message_vi


def test_a_citizen_id_inconsistent_with_the_birth_year_is_rejected_without_a_reason(
    ref_db: Database, tmp_path: Path
) -> None:
    inconsistent = row(national_id=national_id(date(1951, 3, 14)))  # the ID says 1951, the row 1950
    report = rejected_with_nothing_written(ref_db, tmp_path, [inconsistent])
    assert only_error(report) == (2, "national_id", "national_id_birth_year_mismatch")
    accepted = run_import(
        ref_db,
        write_csv(tmp_path / "b.csv", [{**inconsistent, "identity_override_reason": "Đã đối chiếu bản gốc CCCD"}]),
    )
    assert accepted.ok, accepted.errors


def test_an_unknown_commune_is_rejected(ref_db: Database, tmp_path: Path) -> None:
    report = rejected_with_nothing_written(ref_db, tmp_path, [row(commune_code="99999")])
    assert only_error(report) == (2, "commune_code", "commune_unknown")
    assert "99999" in report.errors[0].message_vi


def test_a_legacy_ward_split_between_communes_is_rejected_naming_the_candidates(
    ref_db: Database, tmp_path: Path
) -> None:
    report = rejected_with_nothing_written(ref_db, tmp_path, [row(commune_code=SPLIT_LEGACY)])
    assert only_error(report) == (2, "commune_code", "commune_ambiguous")
    assert "31120" in report.errors[0].message_vi
    assert "31168" in report.errors[0].message_en


def test_a_commune_outside_the_acting_area_is_rejected(ref_db: Database, tmp_path: Path) -> None:
    report = rejected_with_nothing_written(ref_db, tmp_path, [row(), row(commune_code=TAN_AN)], area=NINH_KIEU_AREA)
    assert only_error(report) == (3, "commune_code", "commune_outside_area")
    report = rejected_with_nothing_written(ref_db, tmp_path, [row(commune_code=CAO_BANG_COMMUNE)])
    assert only_error(report) == (2, "commune_code", "commune_outside_area")


def test_the_same_citizen_id_twice_in_one_program_is_rejected_on_both_rows(ref_db: Database, tmp_path: Path) -> None:
    first = row()
    report = rejected_with_nothing_written(ref_db, tmp_path, [first, row(), {**first, "phone": "0912345678"}])
    assert [(e.row, e.column, e.code) for e in report.errors] == [
        (2, "national_id", "national_id_duplicate"),
        (4, "national_id", "national_id_duplicate"),
    ]
    assert "dòng 2 và dòng 4" in report.errors[1].message_vi
    assert "rows 2 and 4" in report.errors[0].message_en
    assert (report.rejected, report.accepted) == (2, 1)


def test_rows_of_one_person_in_two_programs_must_agree_on_the_person(ref_db: Database, tmp_path: Path) -> None:
    first = row()
    other = {**first, "program": "caregiver", "category": "cg_takes_in_elderly_community_care", "address": "Khác"}
    report = rejected_with_nothing_written(ref_db, tmp_path, [first, other])
    assert [(e.row, e.code) for e in report.errors] == [(2, "person_rows_disagree"), (3, "person_rows_disagree")]


def test_an_unknown_program_is_rejected(ref_db: Database, tmp_path: Path) -> None:
    report = rejected_with_nothing_written(ref_db, tmp_path, [row(program="pension")])
    assert only_error(report) == (2, "program", "program_unknown")


def test_an_unknown_category_is_rejected(ref_db: Database, tmp_path: Path) -> None:
    report = rejected_with_nothing_written(ref_db, tmp_path, [row(category="sa_elderly_poor_no_supporter;9z")])
    assert only_error(report) == (2, "category", "category_unknown")
    assert "9z" in report.errors[0].message_vi


def test_an_injury_rate_category_without_its_rate_is_rejected(ref_db: Database, tmp_path: Path) -> None:
    report = rejected_with_nothing_written(ref_db, tmp_path, [row(program="meritorious", category="mer_war_invalid")])
    assert only_error(report) == (2, "category", "injury_rate_missing")


@pytest.mark.parametrize(
    ("program", "cell", "code"),
    [
        ("meritorious", "mer_war_invalid:15", "injury_rate_invalid"),
        ("meritorious", "mer_war_invalid:abc", "category_number_invalid"),
        ("social_assistance", "sa_single_parent_poor:0", "category_units_invalid"),
        ("social_assistance", "sa_elderly_poor_no_supporter:2", "category_number_not_allowed"),
        ("caregiver", "sa_elderly_poor_no_supporter", "category_unknown"),
    ],
)
def test_a_wrong_number_after_a_category_is_rejected(
    ref_db: Database, tmp_path: Path, program: str, cell: str, code: str
) -> None:
    report = rejected_with_nothing_written(ref_db, tmp_path, [row(program=program, category=cell)])
    assert only_error(report) == (2, "category", code)


def test_text_that_normalisation_lengthens_past_its_column_is_rejected(ref_db: Database, tmp_path: Path) -> None:
    # U+0958 has a canonical decomposition: NFC turns each into two characters, 200 into 400 > 255.
    report = rejected_with_nothing_written(ref_db, tmp_path, [row(address="\u0958" * 200)])
    assert only_error(report) == (2, "address", "too_long")


def test_a_date_of_birth_in_the_future_is_rejected(ref_db: Database, tmp_path: Path) -> None:
    report = rejected_with_nothing_written(
        ref_db, tmp_path, [row(date_of_birth="24/11/2026", national_id=national_id(date(2026, 11, 24)))]
    )
    assert only_error(report) == (2, "date_of_birth", "date_of_birth_in_future")


def test_missing_required_values_are_rejected_one_error_each(ref_db: Database, tmp_path: Path) -> None:
    report = rejected_with_nothing_written(ref_db, tmp_path, [row(full_name="", decision_number=" ")])
    assert [(e.row, e.column, e.code) for e in report.errors] == [
        (2, "full_name", "missing_value"),
        (2, "decision_number", "missing_value"),
    ]


def test_an_account_number_for_a_cash_method_is_rejected(ref_db: Database, tmp_path: Path) -> None:
    report = rejected_with_nothing_written(ref_db, tmp_path, [row(account_number="0011001234567")])
    assert only_error(report) == (2, "account_number", "account_not_allowed")


def test_a_payee_registered_nowhere_is_rejected(ref_db: Database, tmp_path: Path) -> None:
    stranger = national_id(date(1970, 1, 1))
    report = rejected_with_nothing_written(ref_db, tmp_path, [row(payee_role="proxy", payee_national_id=stranger)])
    assert only_error(report) == (2, "payee_national_id", "payee_not_registered")


def test_a_terminated_beneficiary_is_not_changed_by_an_import(ref_db: Database, tmp_path: Path) -> None:
    first = row()
    assert run_import(ref_db, write_csv(tmp_path / "a.csv", [first])).ok
    with ref_db.uow() as uow:
        beneficiary = uow.session.scalars(select(Beneficiary)).one()
        beneficiary.status = "terminated"
        uow.commit()
    unchanged = run_import(ref_db, write_csv(tmp_path / "b.csv", [first]))
    assert (unchanged.ok, unchanged.unchanged) == (True, 1)
    report = rejected_with_nothing_written(ref_db, tmp_path, [{**first, "decision_number": "2/QĐ-UBND"}])
    assert only_error(report) == (2, "decision_number", "beneficiary_terminated")


@pytest.mark.parametrize("chunk_rows", [2000, 1])  # the whole file in one chunk, or chunks written by a thread
def test_a_person_registered_by_someone_else_during_the_import_is_a_conflict_not_a_crash(
    ref_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk_rows: int
) -> None:
    values = row()
    with ref_db.uow() as uow:
        register_person(uow, values["national_id"], full_name="Nguyễn Văn An", born=date(1950, 3, 14), female=False)
        uow.commit()
    before = table_counts(ref_db)
    # As if the other session's insert landed between this chunk's SELECT and its INSERT.
    monkeypatch.setattr(import_service._Chunk, "_persons", lambda self, national_ids: {})
    with pytest.raises(Conflict) as refused:
        run_import(ref_db, write_csv(tmp_path / "a.csv", [values, row(), row()]), chunk_rows=chunk_rows)
    assert refused.value.http_status == 409
    assert table_counts(ref_db) == before


def test_a_file_over_the_size_limit_is_refused_before_reading(ref_db: Database, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", [row() for _ in range(5)])
    before = table_counts(ref_db)
    with pytest.raises(FileTooLargeError) as refused:
        run_import(ref_db, path, max_bytes=path.stat().st_size - 1)
    assert refused.value.http_status == 413
    assert "giới hạn" in refused.value.message_vi
    assert "limit" in refused.value.message_en
    assert table_counts(ref_db) == before


@pytest.mark.parametrize("encoding", ["cp1258", "utf-16"])
def test_a_file_in_another_encoding_is_refused(ref_db: Database, tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "a.csv"
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMN_KEYS)
    writer.writerow([row(full_name="Lê Văn Bé", address="Duong 30/4").get(key, "") for key in COLUMN_KEYS])
    path.write_bytes(buffer.getvalue().encode(encoding))
    before = table_counts(ref_db)
    with pytest.raises(FileEncodingError) as refused:
        run_import(ref_db, path)
    assert "UTF-8" in refused.value.message_vi
    assert refused.value.row in (1, 2)
    assert table_counts(ref_db) == before


def test_a_header_with_an_unknown_column_is_refused_listing_it(ref_db: Database, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", [row()], keys=[*COLUMN_KEYS, "ghi_chu"])
    with pytest.raises(HeaderInvalidError) as refused:
        run_import(ref_db, path)
    assert [(e.row, e.code) for e in refused.value.errors] == [(1, "unknown_column")]


def test_one_bad_row_stops_every_write_and_every_error_is_listed_up_to_the_cap(
    ref_db: Database, tmp_path: Path
) -> None:
    rows = [row(), *[row(phone="123") for _ in range(5)], row()]
    report = rejected_with_nothing_written(ref_db, tmp_path, rows, max_errors=2, chunk_rows=2)
    assert (report.rejected, report.accepted, len(report.errors), report.errors_omitted) == (5, 2, 2, 3)
    assert [e.row for e in report.errors] == [3, 4]


# --- formulas, export, round trips ----------------------------------------------------------------------------


def test_formula_cells_are_read_as_text_and_exported_as_text(ref_db: Database, tmp_path: Path) -> None:
    from openpyxl import load_workbook  # type: ignore[import-untyped]

    values = row(address='=HYPERLINK("http://example.com","x")', decision_number="+1/QĐ")
    report = run_import(ref_db, write_xlsx(tmp_path / "a.xlsx", [values], safe=False))
    assert report.ok, report.errors
    with ref_db.uow() as uow:
        person = uow.session.scalars(select(Person)).one()
        assert person.address == values["address"]
        out = tmp_path / "out.xlsx"
        export_registry(uow, area=CAN_THO, out=out)
        uow.commit()
    sheet = load_workbook(out).worksheets[0]
    cells = {sheet.cell(1, i + 1).value: sheet.cell(2, i + 1) for i in range(len(COLUMN_KEYS))}
    address = cells["Địa chỉ thường trú"]
    assert address.data_type == "s"
    assert address.value == "'" + values["address"]
    assert cells["Số quyết định"].value == "'+1/QĐ"
    again = run_import(ref_db, out)
    assert (again.ok, again.unchanged) == (True, 1)


def _varied_rows() -> list[dict[str, str]]:
    guardian = row(
        full_name="Võ Thị Mai",
        sex="Nữ",
        national_id=national_id(date(1975, 8, 9), female=True),
        date_of_birth="09/08/1975",
    )
    child = date(2016, 4, 30)
    return [
        guardian,
        row(
            national_id=national_id(child),
            date_of_birth="30/04/2016",
            category="sa_child_no_support",
            payee_role="guardian",
            payee_national_id=guardian["national_id"],
            payment_method="bank_account",
            provider="VCB",
            bank_bin=BANK_BIN,
            account_number="9988776655",
        ),
        row(
            commune_code=LEGACY_NINH_KIEU,
            phone="+84 912 000 111",
            payment_method="cash_home",
            provider="VNPOST",
            home_delivery_reason="bedridden",
        ),
        row(
            program="meritorious",
            category="mer_war_invalid:81;mer_martyr_relative_1",
            payment_method="ewallet",
            provider="VIETTEL_MONEY",
            account_number="0912000222",
        ),
        row(national_id=national_id(date(1951, 1, 1)), identity_override_reason="=Đã đối chiếu bản gốc CCCD"),
        row(
            category="sa_single_parent_poor:2",
            address="",
            payment_method="postal_account",
            provider="VNPOST",
            account_number="PB1234",
        ),
    ]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_an_unchanged_export_imports_back_with_every_row_unchanged(
    ref_db: Database, tmp_path: Path, suffix: str
) -> None:
    db = ref_db
    assert run_import(db, write_csv(tmp_path / "a.csv", _varied_rows())).ok
    with db.uow(actor="canbo") as uow:
        exported = export_registry(uow, area=CAN_THO, out=tmp_path / f"export{suffix}")
        uow.commit()
    assert exported.rows == 6
    before = table_counts(db)
    report = run_import(db, tmp_path / f"export{suffix}")
    assert report.ok, report.errors
    assert (report.unchanged, report.updated, report.created) == (6, 0, 0)
    after = table_counts(db)
    assert {k: v for k, v in after.items() if k != "audit_log"} == {k: v for k, v in before.items() if k != "audit_log"}


def test_the_csv_export_has_english_keys_a_bom_and_full_identifiers(ref_db: Database, tmp_path: Path) -> None:
    values = row(phone="0912345678")
    assert run_import(ref_db, write_csv(tmp_path / "a.csv", [values])).ok
    with ref_db.uow() as uow:
        export_registry(uow, area=CAN_THO, commune_code=NINH_KIEU, out=tmp_path / "out.csv")
        uow.commit()
    raw = (tmp_path / "out.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert list(lines[0]) == list(COLUMN_KEYS)
    assert (lines[0]["national_id"], lines[0]["phone"], lines[0]["payee_role"]) == (
        values["national_id"],
        "0912345678",
        "beneficiary",
    )


def test_an_export_holds_only_the_acting_area(ref_db: Database, tmp_path: Path) -> None:
    assert run_import(ref_db, write_csv(tmp_path / "a.csv", [row(), row(commune_code=TAN_AN)])).ok
    with ref_db.uow() as uow:
        assert export_registry(uow, area=NINH_KIEU_AREA, out=tmp_path / "out.csv").rows == 1
        assert export_registry(uow, area=Area(province_code="04"), out=tmp_path / "none.csv").rows == 0


def test_the_template_has_the_vietnamese_header_and_a_guide_with_every_category(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    path = tmp_path / "mau.xlsx"
    with path.open("wb") as target:
        write_template(target)
    workbook = load_workbook(path)
    header = [c.value for c in workbook.worksheets[0][1]]
    assert header[:3] == ["Số định danh cá nhân", "Họ và tên", "Ngày sinh"]
    assert workbook.sheetnames[1] == "Hướng dẫn"
    guide = {str(c.value) for line in workbook["Hướng dẫn"].iter_rows() for c in line if c.value is not None}
    assert {"sa_elderly_poor_no_supporter", "mer_war_invalid", "cg_takes_in_child_no_support"} <= guide
    assert {"bank_account", "guardian", "Người cao tuổi nghèo không có người phụng dưỡng", "092085012345"} <= guide


# --- the API --------------------------------------------------------------------------------------------------


@pytest.fixture
def client(ref_db: Database) -> Iterator[TestClient]:
    settings = Settings(database_url=ref_db.url, env=Environment.TEST, today=TODAY, import_max_bytes=20_000)
    with ref_db.uow() as uow:
        for role in (Role.COMMUNE_OFFICER, Role.FINANCE_OFFICER, Role.PROGRAM_OFFICER):
            make_user(uow, role)
        uow.commit()
    with TestClient(create_app(settings, engine=ref_db.engine)) as test_client:
        yield test_client


def _auth(client: TestClient, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token(client, username)}"}


def test_the_api_imports_a_file_and_answers_422_with_the_report_when_a_row_is_rejected(
    ref_db: Database, client: TestClient, tmp_path: Path
) -> None:
    headers = _auth(client, "commune-officer")
    good = write_csv(tmp_path / "good.csv", [row()]).read_bytes()
    accepted = client.post("/api/v1/registry/imports", files={"file": ("good.csv", good, "text/csv")}, headers=headers)
    assert accepted.status_code == 200, accepted.text
    assert (accepted.json()["created"], accepted.json()["file_name"]) == (1, "good.csv")

    before = table_counts(ref_db)
    bad = write_csv(tmp_path / "bad.csv", [row(), row(commune_code=TAN_AN)]).read_bytes()
    refused = client.post("/api/v1/registry/imports", files={"file": ("bad.csv", bad, "text/csv")}, headers=headers)
    assert refused.status_code == 422
    assert refused.json()["errors"][0] | {"message": "", "message_en": ""} == {
        "row": 3,
        "column": "commune_code",
        "code": "commune_outside_area",
        "message": "",
        "message_en": "",
    }
    assert table_counts(ref_db) == before

    dry = client.post(
        "/api/v1/registry/imports",
        files={"file": ("d.csv", good.replace(b"Nguy", b"Ngy"), "text/csv")},
        data={"dry_run": "true"},
        headers=headers,
    )
    assert (dry.status_code, dry.json()["dry_run"]) == (200, True)
    assert table_counts(ref_db) == before


def test_the_api_refuses_a_file_over_the_limit_with_413_and_a_wrong_type_with_415(
    client: TestClient, tmp_path: Path
) -> None:
    headers = _auth(client, "commune-officer")
    big = write_csv(tmp_path / "big.csv", [row() for _ in range(200)]).read_bytes()
    assert len(big) > 20_000
    response = client.post("/api/v1/registry/imports", files={"file": ("big.csv", big, "text/csv")}, headers=headers)
    assert response.status_code == 413
    assert response.json()["error"] == "import_file_too_large"
    wrong = client.post("/api/v1/registry/imports", files={"file": ("a.txt", b"x", "text/plain")}, headers=headers)
    assert wrong.status_code == 415
    header = client.post(
        "/api/v1/registry/imports", files={"file": ("h.csv", b"national_id\n1\n", "text/csv")}, headers=headers
    )
    assert header.status_code == 422
    assert header.json()["error"] == "import_header_invalid"
    assert {e["column"] for e in header.json()["errors"]} >= {"full_name", "program"}


def test_the_api_exports_to_readers_of_identifiers_only_and_serves_the_template(
    client: TestClient, tmp_path: Path
) -> None:
    officer = _auth(client, "commune-officer")
    good = write_csv(tmp_path / "good.csv", [row(), row()]).read_bytes()
    assert (
        client.post(
            "/api/v1/registry/imports", files={"file": ("g.csv", good, "text/csv")}, headers=officer
        ).status_code
        == 200
    )
    exported = client.get("/api/v1/registry/export", params={"format": "csv"}, headers=officer)
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    assert len(exported.content.decode("utf-8-sig").strip().splitlines()) == 3
    xlsx = client.get("/api/v1/registry/export", params={"commune": NINH_KIEU}, headers=officer)
    assert (xlsx.status_code, xlsx.headers["content-type"]) == (200, XLSX_MEDIA_TYPE)
    assert client.get("/api/v1/registry/export", params={"commune": TAN_AN}, headers=officer).status_code == 403
    finance = _auth(client, "finance-officer")
    assert client.get("/api/v1/registry/export", headers=finance).status_code == 403
    template = client.get("/api/v1/registry/template", headers=finance)
    assert (template.status_code, template.headers["content-type"]) == (200, XLSX_MEDIA_TYPE)
    assert (
        client.post(
            "/api/v1/registry/imports", files={"file": ("g.csv", good, "text/csv")}, headers=finance
        ).status_code
        == 403
    )


def test_an_import_by_a_national_operator_may_touch_any_province(ref_db: Database, tmp_path: Path) -> None:
    report = run_import(ref_db, write_csv(tmp_path / "a.csv", [row(commune_code=CAO_BANG_COMMUNE)]), area=NATIONAL)
    assert report.ok, report.errors
