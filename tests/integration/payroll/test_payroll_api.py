"""/api/v1/payrolls over HTTP (in process), on both databases: the lifecycle as officials drive it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.conftest import Database
from tests.factories import make_user
from tests.factories_payroll import CHECKER, FINANCE, MAKER, make_payroll
from tests.webclient import api_token, make_app

from ansinh.access import services as access
from ansinh.access.domain import Role
from ansinh.core import ledger
from ansinh.payroll.tables import Batch, PayrollLine, PayrollRun


@pytest.fixture
def client(db: Database) -> Iterator[TestClient]:
    with db.uow() as uow:
        for role in (Role.PROGRAM_OFFICER, Role.APPROVER, Role.FINANCE_OFFICER, Role.AUDITOR):
            make_user(uow, role)
        access.create_user(
            uow,
            username="approver-hanoi",
            full_name="Người duyệt Hà Nội",
            password="correct-horse-battery",
            role=Role.APPROVER,
            province_code="01",
        )
        uow.commit()
    with TestClient(make_app(db)) as test_client:
        yield test_client


def _as(client: TestClient, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token(client, username)}"}


def _draft(db: Database) -> tuple[int, list[int]]:
    with db.uow() as uow:
        made = make_payroll(uow)
        uow.commit()
    return made.id, made.line_ids


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def test_review_approve_fund_and_read_the_ledger_over_http(db: Database, client: TestClient) -> None:
    payroll_id, _ = _draft(db)
    maker, checker, finance = _as(client, MAKER), _as(client, CHECKER), _as(client, FINANCE)
    base = f"/api/v1/payrolls/{payroll_id}"

    reviewed = _ok(client.post(f"{base}/review", headers=maker))
    assert (reviewed["status"], reviewed["diff"]["added"]) == ("reviewed", 5)

    refused = client.post(f"{base}/approve", headers=maker)
    assert refused.status_code == 403  # the maker lacks the checker's permission altogether
    approved = _ok(client.post(f"{base}/approve", headers=checker))
    assert (approved["status"], approved["approved_by"], approved["late"]) == ("approved", CHECKER, False)
    again = client.post(f"{base}/approve", headers=checker)
    assert again.status_code == 409
    assert again.json()["error"] == "illegal_transition"

    batches = _ok(client.get(f"{base}/batches", headers=finance))
    orders = _ok(client.get(f"{base}/funding-orders", headers=finance))
    assert sum(b["total"] for b in batches) == sum(o["amount"] for o in orders) == approved["total"]

    for order in orders:
        confirmed = _ok(
            client.post(
                f"/api/v1/payrolls/funding-orders/{order['id']}/confirm",
                json={"treasury_reference": "KB-12/2026"},
                headers=finance,
            )
        )
        assert (confirmed["status"], confirmed["confirmed_by"]) == ("confirmed", FINANCE)
    twice = client.post(
        f"/api/v1/payrolls/funding-orders/{orders[0]['id']}/confirm",
        json={"treasury_reference": "KB-12/2026"},
        headers=finance,
    )
    assert twice.status_code == 409
    assert _ok(client.get(base, headers=finance))["status"] == "funded"

    book = _ok(client.get("/api/v1/payrolls/ledger", params={"province": "92"}, headers=finance))
    assert book["unbalanced_entries"] == []
    assert book["balances"]["budget"] == -approved["total"]
    assert all(p["deposit"] == p["funded"] for p in book["providers"])
    assert sum(p["deposit"] for p in book["providers"]) == approved["total"]


def test_the_maker_is_refused_by_the_service_even_holding_the_checkers_permission(
    db: Database, client: TestClient
) -> None:
    with db.uow() as uow:
        made = make_payroll(uow, status="reviewed", computed_by=CHECKER)
        uow.commit()
    response = client.post(f"/api/v1/payrolls/{made.id}/approve", headers=_as(client, CHECKER))
    assert response.status_code == 403
    body = response.json()
    assert "không được tự phê duyệt" in body["message"]
    assert "cannot approve their own payroll" in body["message_en"]
    with db.uow() as uow:
        assert uow.session.get(PayrollRun, made.id).status == "reviewed"  # type: ignore[union-attr]
        assert uow.session.scalar(select(func.count()).select_from(Batch)) == 0


def test_lines_are_paged_masked_and_explained(db: Database, client: TestClient) -> None:
    payroll_id, line_ids = _draft(db)
    auditor = _as(client, "auditor")
    first = _ok(client.get(f"/api/v1/payrolls/{payroll_id}/lines", params={"limit": 2}, headers=auditor))
    rest = _ok(client.get(f"/api/v1/payrolls/{payroll_id}/lines", params={"after": first[-1]["id"]}, headers=auditor))
    assert [line["id"] for line in first + rest] == line_ids
    assert rest[0]["account_number"] == "123********23"
    detail = _ok(client.get(f"/api/v1/payrolls/{payroll_id}/lines/{line_ids[1]}", headers=auditor))
    assert [(i["component"], i["amount"]) for i in detail["items"]] == [("arrears", 1_000_000)]
    missing = client.get(f"/api/v1/payrolls/{payroll_id}/lines/{line_ids[-1] + 1000}", headers=auditor)
    assert missing.status_code == 404


def test_cancel_needs_a_reason_once_approved_and_a_finance_officer_cannot_cancel(
    db: Database, client: TestClient
) -> None:
    payroll_id, _ = _draft(db)
    base = f"/api/v1/payrolls/{payroll_id}"
    _ok(client.post(f"{base}/review", headers=_as(client, MAKER)))
    checker = _as(client, CHECKER)
    _ok(client.post(f"{base}/approve", headers=checker))
    assert client.post(f"{base}/cancel", json={"reason": "sai"}, headers=_as(client, FINANCE)).status_code == 403
    no_reason = client.post(f"{base}/cancel", json={}, headers=checker)
    assert no_reason.status_code == 422
    assert no_reason.json()["field"] == "reason"
    cancelled = _ok(client.post(f"{base}/cancel", json={"reason": "Sai mức chuẩn"}, headers=checker))
    assert (cancelled["status"], cancelled["cancel_reason"]) == ("cancelled", "Sai mức chuẩn")
    with db.uow() as uow:
        active = uow.session.scalar(
            select(func.count())
            .select_from(PayrollLine)
            .where(PayrollLine.payroll_id == payroll_id, PayrollLine.active)
        )
    assert active == 0


def test_the_list_filters_late_payrolls_and_hides_other_provinces(db: Database, client: TestClient) -> None:
    from ansinh.core.period import Period

    with db.uow() as uow:
        on_time = make_payroll(uow).id
        late = make_payroll(uow, period=Period(2026, 11)).id
        uow.commit()
    checker = _as(client, CHECKER)
    listed = _ok(client.get("/api/v1/payrolls", headers=checker))
    assert {p["id"]: p["late"] for p in listed} == {on_time: False, late: True}
    assert [p["id"] for p in _ok(client.get("/api/v1/payrolls", params={"late": True}, headers=checker))] == [late]
    hanoi = _as(client, "approver-hanoi")
    assert _ok(client.get("/api/v1/payrolls", headers=hanoi)) == []
    assert client.get(f"/api/v1/payrolls/{late}", headers=hanoi).status_code == 404
    assert client.post(f"/api/v1/payrolls/{late}/approve", headers=hanoi).status_code == 404
    assert client.get("/api/v1/payrolls/ledger", params={"province": "92"}, headers=hanoi).status_code == 404
    with db.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(ledger.Posting)) == 0


def test_running_a_payroll_over_http_stores_a_draft_the_maker_owns(db: Database, client: TestClient) -> None:
    body = {"period": "2026-12", "province_code": "92", "program": "social_assistance"}
    created = _ok(client.post("/api/v1/payrolls", json=body, headers=_as(client, MAKER)), 201)
    assert (created["status"], created["computed_by"], created["period"]) == ("draft", MAKER, "2026-12")
    assert created["due_on"] == "2026-11-25"
    refused = client.post("/api/v1/payrolls", json=body, headers=_as(client, CHECKER))
    assert refused.status_code == 403
    bad = client.post("/api/v1/payrolls", json={**body, "period": "2026-13"}, headers=_as(client, MAKER))
    assert bad.status_code == 422
    assert bad.json()["field"] == "period"
