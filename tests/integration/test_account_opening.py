"""Account opening on both databases: compile a commune's list, send it, apply the provider's answer (or refuse it)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook  # type: ignore[import-untyped]
from sqlalchemy import func, select
from tests.conftest import Database
from tests.factories import make_user
from tests.factories_enrolment import NINH_KIEU_ONLY, PROVINCE, VCB_BIN, cash_method, make_reference_data
from tests.factories_registry import make_beneficiary, make_person
from tests.webclient import api_token, make_app

from ansinh.access.domain import Role
from ansinh.core.audit import AuditRecord
from ansinh.core.errors import IllegalTransition, NotFound, PermissionDenied, ValidationFailed
from ansinh.core.uow import UnitOfWork
from ansinh.enrolment import services
from ansinh.enrolment.domain import AccountRequestStatus, LineStatus
from ansinh.enrolment.tables import AccountRequest, AccountRequestLine
from ansinh.enrolment.tables import PaymentMethod as MethodRow
from ansinh.geo.tables import Commune
from ansinh.registry.domain import BeneficiaryStatus
from ansinh.registry.tables import Beneficiary

TODAY = date(2026, 11, 23)
HEADER = "line_id,beneficiary_code,account_number,refusal_reason"


@dataclass
class World:
    ready: list[str]  # beneficiary codes in Ninh Kiều with complete papers, paid in cash
    not_ready: list[str]
    elsewhere: str  # ready, in another commune of Cần Thơ
    other_commune: str
    national_ids: dict[str, str]


def _beneficiary(
    uow: UnitOfWork,
    name: str,
    *,
    commune: str = "31135",
    verified: bool = True,
    phone: str | None = "0912345678",
    method: str | None = "cash",
    status: BeneficiaryStatus = BeneficiaryStatus.ACTIVE,
) -> tuple[str, str]:
    person = make_person(uow, full_name=name, commune_code=commune, phone=phone)
    person.verification_status = "match" if verified else "unverified"
    beneficiary = make_beneficiary(uow, person, status=status)
    if method == "cash":
        cash_method(uow, beneficiary)
    elif method == "bank":
        row = cash_method(uow, beneficiary)
        row.kind, row.provider_code, row.bank_bin, row.account_number = "bank_account", "VCB", VCB_BIN, "0099"
    uow.session.flush()
    return beneficiary.code, person.national_id


@pytest.fixture
def world(db: Database) -> World:
    with db.uow() as uow:
        make_reference_data(uow)
        other = uow.session.scalar(
            select(Commune.code).where(Commune.province_code == "92", Commune.code != "31135").order_by(Commune.code)
        )
        assert other is not None
        ids: dict[str, str] = {}
        ready = []
        for name in ("Nguyễn Văn An", "Trần Thị Bình"):
            code, national_id = _beneficiary(uow, name)
            ready.append(code)
            ids[code] = national_id
        not_ready = [
            _beneficiary(uow, "Chưa Xác Minh", verified=False)[0],
            _beneficiary(uow, "Không Điện Thoại", phone=None)[0],
            _beneficiary(uow, "Đã Có Tài Khoản", method="bank")[0],
            _beneficiary(uow, "Chưa Có Hình Thức", method=None)[0],
            _beneficiary(uow, "Đã Thôi Hưởng", status=BeneficiaryStatus.TERMINATED)[0],
        ]
        elsewhere, _ = _beneficiary(uow, "Lê Văn Cường", commune=other)
        uow.commit()
    return World(ready, not_ready, elsewhere, other, ids)


def _compile(db: Database, provider: str = "VCB", commune: str = "31135", area: object = NINH_KIEU_ONLY) -> int:
    with db.uow("can-bo-xa") as uow:
        view = services.compile_account_request(
            uow,
            area=area,  # type: ignore[arg-type]
            commune_code=commune,
            provider_code=provider,
        )
        uow.commit()
    return view.id


def _export(db: Database, request_id: int, fmt: str = "csv", area: object = NINH_KIEU_ONLY) -> bytes:
    with db.uow("can-bo-xa") as uow:
        content = services.export_account_request(uow, area=area, request_id=request_id, fmt=fmt)  # type: ignore[arg-type]
        uow.commit()
    return content


def _answer(db: Database, request_id: int, text: str, filename: str = "answer.csv") -> services.AnswerReport:
    with db.uow("can-bo-xa") as uow:
        report = services.import_account_answers(
            uow, area=NINH_KIEU_ONLY, request_id=request_id, file=text.encode(), filename=filename
        )
        if report.applied:
            uow.commit()
    return report


def _request(db: Database, request_id: int) -> services.AccountRequestView:
    with db.uow() as uow:
        return services.get_account_request(uow, area=PROVINCE, request_id=request_id)


def _methods(db: Database, code: str) -> list[tuple[str, date, date | None, str | None, str]]:
    with db.uow() as uow:
        rows = uow.session.execute(
            select(MethodRow.kind, MethodRow.valid_from, MethodRow.valid_to, MethodRow.account_number, MethodRow.source)
            .join(Beneficiary, Beneficiary.id == MethodRow.beneficiary_id)
            .where(Beneficiary.code == code)
            .order_by(MethodRow.valid_from)
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def _snapshot(db: Database) -> tuple[object, ...]:
    with db.uow() as uow:
        lines = uow.session.execute(
            select(AccountRequestLine.id, AccountRequestLine.status, AccountRequestLine.account_number).order_by(
                AccountRequestLine.id
            )
        ).all()
        methods = uow.session.execute(select(MethodRow.id, MethodRow.valid_to).order_by(MethodRow.id)).all()
        requests = uow.session.execute(select(AccountRequest.id, AccountRequest.status)).all()
        audits = uow.session.scalar(select(func.count()).select_from(AuditRecord))
    return tuple(lines), tuple(methods), tuple(requests), audits


def test_compiling_lists_only_active_cash_beneficiaries_with_complete_papers(db: Database, world: World) -> None:
    view = _request(db, _compile(db))
    assert view.reference == "MTK-92-31135-000001"
    assert view.status is AccountRequestStatus.COMPILED
    assert sorted(line.beneficiary_code for line in view.lines) == sorted(world.ready)
    assert view.pending == 2
    with pytest.raises(ValidationFailed) as nobody:
        _compile(db)  # everyone ready is already in a pending line
    assert nobody.value.field == "commune_code"


def test_compiling_needs_a_provider_that_opens_accounts(db: Database, world: World) -> None:
    for provider in ("VNPOST", "NOBODY"):
        with pytest.raises(ValidationFailed) as error:
            _compile(db, provider=provider)
        assert error.value.field == "provider_code"


def test_a_commune_officer_compiles_and_reads_only_their_own_communes(db: Database, world: World) -> None:
    with pytest.raises(PermissionDenied):
        _compile(db, commune=world.other_commune)
    other_id = _compile(db, commune=world.other_commune, area=PROVINCE)
    with db.uow() as uow, pytest.raises(NotFound):
        services.get_account_request(uow, area=NINH_KIEU_ONLY, request_id=other_id)
    with pytest.raises(NotFound):
        _export(db, other_id)


def test_the_exported_list_carries_the_papers_and_marks_the_request_sent(db: Database, world: World) -> None:
    request_id = _compile(db)
    rows = list(csv.DictReader(io.StringIO(_export(db, request_id).decode("utf-8-sig"))))
    assert {row["beneficiary_code"] for row in rows} == set(world.ready)
    first = next(row for row in rows if row["beneficiary_code"] == world.ready[0])
    assert first["national_id"] == world.national_ids[world.ready[0]]
    assert first["phone"] == "0912345678"
    assert "Cần Thơ" in first["address"]
    assert first["account_number"] == first["refusal_reason"] == ""
    view = _request(db, request_id)
    assert view.status is AccountRequestStatus.SENT
    assert view.sent_at is not None
    sheet = load_workbook(io.BytesIO(_export(db, request_id, "xlsx"))).worksheets[0]
    assert sheet.cell(1, 1).value == "Mã dòng"
    assert _request(db, request_id).sent_at == view.sent_at  # a second export does not re-send


def test_an_answer_before_the_list_is_sent_is_refused(db: Database, world: World) -> None:
    request_id = _compile(db)
    with pytest.raises(IllegalTransition):
        _answer(db, request_id, f"{HEADER}\n1,X,123,\n")


def test_the_full_round_trip_opens_accounts_and_records_refusals(db: Database, world: World) -> None:
    request_id = _compile(db)
    rows = list(csv.DictReader(io.StringIO(_export(db, request_id).decode("utf-8-sig"))))
    opened, refused = rows
    answer = (
        f"{HEADER}\n"
        f"{opened['line_id']},{opened['beneficiary_code']},0011 0099 1234,\n"
        f"{refused['line_id']},{refused['beneficiary_code']},,Khách hàng không đến ký hồ sơ\n"
    )
    report = _answer(db, request_id, answer)
    assert report.applied, report.errors
    assert (report.opened, report.refused, report.methods_created, report.pending) == (1, 1, 1, 0)
    assert report.status is AccountRequestStatus.ANSWERED
    assert _methods(db, opened["beneficiary_code"]) == [
        ("cash_point", date(2025, 1, 1), date(2026, 11, 22), None, "import"),
        ("bank_account", TODAY, None, "001100991234", "account_opening"),
    ]
    assert [m[0] for m in _methods(db, refused["beneficiary_code"])] == ["cash_point"]
    view = _request(db, request_id)
    by_code = {line.beneficiary_code: line for line in view.lines}
    assert by_code[opened["beneficiary_code"]].status is LineStatus.OPENED
    assert by_code[opened["beneficiary_code"]].account_number == "001*******34"
    assert by_code[refused["beneficiary_code"]].reason == "Khách hàng không đến ký hồ sơ"
    with db.uow() as uow:
        actions = list(uow.session.scalars(select(AuditRecord.action).where(AuditRecord.action.like("enrolment.%"))))
    assert actions.count("enrolment.account_request.compile") == 1
    assert actions.count("enrolment.account_request.export") == 1
    assert actions.count("enrolment.account_request.answer") == 1
    with pytest.raises(IllegalTransition):
        _answer(db, request_id, answer)
    # The refused beneficiary may be listed again; the one with an account may not.
    again = _request(db, _compile(db))
    assert [line.beneficiary_code for line in again.lines] == [refused["beneficiary_code"]]
    assert again.reference == "MTK-92-31135-000002"


def test_a_bad_answer_file_is_refused_row_by_row_and_changes_nothing(db: Database, world: World) -> None:
    other_id = _compile(db, commune=world.other_commune, area=PROVINCE)
    _export(db, other_id, area=PROVINCE)
    request_id = _compile(db)
    first, second = (
        (int(row["line_id"]), row["beneficiary_code"])
        for row in csv.DictReader(io.StringIO(_export(db, request_id).decode("utf-8-sig")))
    )
    other_line = _request(db, other_id).lines[0].line_id
    answer = "\n".join(
        [
            HEADER,
            f"{first[0]},{first[1]},0011001234567,",  # row 2: fine
            f"{first[0]},{first[1]},,Đã trả lời rồi",  # row 3: the same line again
            f"{second[0]},{second[1]},0011001234567,Cả hai",  # row 4: both
            f"{second[0]},{first[1]},,",  # row 5: neither, and another beneficiary's code
            f"{other_line},{world.elsewhere},123,",  # row 6: a line of another request
            "999999,92-TG-1,123,",  # row 7: unknown line
            "abc,92-TG-1,123,",  # row 8: not a number
        ]
    )
    before = _snapshot(db)
    report = _answer(db, request_id, answer)
    assert not report.applied
    found = {(e["row"], e["column"], e["code"]) for e in report.errors}
    assert found == {
        (3, "line_id", "line_answered_twice"),
        (4, "account_number", "answer_both"),
        (5, "account_number", "answer_missing"),
        (5, "beneficiary_code", "beneficiary_mismatch"),
        (5, "line_id", "line_answered_twice"),
        (6, "line_id", "line_of_another_request"),
        (7, "line_id", "line_unknown"),
        (8, "line_id", "line_id_invalid"),
    }
    assert all(e["message"] and e["message_en"] for e in report.errors)
    assert (report.accepted, report.rejected) == (1, 6)
    assert _snapshot(db) == before


def test_a_partial_answer_leaves_the_rest_pending_until_answered(db: Database, world: World) -> None:
    request_id = _compile(db, provider="VIETTEL_MONEY")
    first, second = csv.DictReader(io.StringIO(_export(db, request_id).decode("utf-8-sig")))
    report = _answer(db, request_id, f"{HEADER}\n{first['line_id']},{first['beneficiary_code']},+84912345678,\n")
    assert (report.applied, report.pending, report.status) == (True, 1, AccountRequestStatus.SENT)
    assert _methods(db, first["beneficiary_code"])[-1][:4] == ("ewallet", TODAY, None, "0912345678")
    late = _answer(db, request_id, f"{HEADER}\n{first['line_id']},{first['beneficiary_code']},0912345678,\n")
    assert [e["code"] for e in late.errors] == ["line_already_answered"]
    done = _answer(db, request_id, f"{HEADER}\n{second['line_id']},{second['beneficiary_code']},,Không liên lạc được\n")
    assert (done.applied, done.pending, done.status) == (True, 0, AccountRequestStatus.ANSWERED)


def test_an_account_for_a_beneficiary_terminated_meanwhile_is_recorded_but_not_used(db: Database, world: World) -> None:
    request_id = _compile(db)
    rows = list(csv.DictReader(io.StringIO(_export(db, request_id).decode("utf-8-sig"))))
    with db.uow() as uow:
        beneficiary = uow.session.scalar(select(Beneficiary).where(Beneficiary.code == rows[0]["beneficiary_code"]))
        assert beneficiary is not None
        beneficiary.status = BeneficiaryStatus.TERMINATED.value
        uow.commit()
    answer = "\n".join([HEADER, *(f"{r['line_id']},{r['beneficiary_code']},12345{i}," for i, r in enumerate(rows))])
    report = _answer(db, request_id, answer)
    assert report.applied, report.errors
    assert (report.opened, report.methods_created) == (2, 1)
    assert [(s.beneficiary_code, s.code) for s in report.skipped] == [
        (rows[0]["beneficiary_code"], "beneficiary_terminated")
    ]
    assert [m[0] for m in _methods(db, rows[0]["beneficiary_code"])] == ["cash_point"]


# ----------------------------------------------------------------------------------------------------
# HTTP


@pytest.fixture
def client(db: Database, world: World) -> Iterator[TestClient]:
    with db.uow() as uow:
        make_user(uow, Role.COMMUNE_OFFICER)
        make_user(uow, Role.APPROVER)
        uow.commit()
    with TestClient(make_app(db)) as test_client:
        yield test_client


def test_the_api_round_trip_with_the_returned_xlsx(client: TestClient, world: World) -> None:
    officer = {"Authorization": f"Bearer {api_token(client, 'commune-officer')}"}
    created = client.post(
        "/api/v1/enrolment/account-requests", json={"commune_code": "31135", "provider_code": "VCB"}, headers=officer
    )
    assert created.status_code == 201, created.text
    request_id = created.json()["id"]
    approver = {"Authorization": f"Bearer {api_token(client, 'approver')}"}
    assert client.get(f"/api/v1/enrolment/account-requests/{request_id}", headers=approver).status_code == 200
    assert client.get(f"/api/v1/enrolment/account-requests/{request_id}/file", headers=approver).status_code == 403
    download = client.get(f"/api/v1/enrolment/account-requests/{request_id}/file?format=xlsx", headers=officer)
    assert download.status_code == 200
    assert "MTK-92-31135-000001.xlsx" in download.headers["content-disposition"]
    workbook = load_workbook(io.BytesIO(download.content))
    sheet = workbook.worksheets[0]
    sheet.cell(2, 8).value = "0011001234567"  # the provider fills in the account of the first line
    sheet.cell(3, 9).value = "Không đủ hồ sơ"
    answer = io.BytesIO()
    workbook.save(answer)

    bad = client.post(
        f"/api/v1/enrolment/account-requests/{request_id}/answers",
        files={"file": ("tra-loi.txt", b"nothing", "text/plain")},
        headers=officer,
    )
    assert bad.status_code == 415
    applied = client.post(
        f"/api/v1/enrolment/account-requests/{request_id}/answers",
        files={"file": ("tra-loi.xlsx", answer.getvalue(), "application/octet-stream")},
        headers=officer,
    )
    assert applied.status_code == 200, applied.text
    assert (applied.json()["opened"], applied.json()["refused"], applied.json()["status"]) == (1, 1, "answered")
    shown = client.get(f"/api/v1/enrolment/account-requests/{request_id}", headers=officer).json()
    assert {line["status"] for line in shown["lines"]} == {"opened", "refused"}


def test_the_api_answers_a_rejected_file_with_the_report_and_422(client: TestClient, world: World) -> None:
    officer = {"Authorization": f"Bearer {api_token(client, 'commune-officer')}"}
    request_id = client.post(
        "/api/v1/enrolment/account-requests", json={"commune_code": "31135", "provider_code": "VCB"}, headers=officer
    ).json()["id"]
    client.get(f"/api/v1/enrolment/account-requests/{request_id}/file?format=csv", headers=officer)
    response = client.post(
        f"/api/v1/enrolment/account-requests/{request_id}/answers",
        files={"file": ("answer.csv", f"{HEADER}\n424242,X,1,\n".encode(), "text/csv")},
        headers=officer,
    )
    assert response.status_code == 422
    assert response.json()["applied"] is False
    assert response.json()["errors"][0]["row"] == 2
