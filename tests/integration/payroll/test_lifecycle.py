"""A payroll's lifecycle on both databases: review, approval (maker-checker), idempotency keys, batches, funding
orders, the ledger, cancellation and the late flag. Refused calls leave every table as it was."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError
from tests.conftest import Database
from tests.factories import make_user
from tests.factories_payroll import CHECKER, FINANCE, MAKER, NEXT_PERIOD, LineSpec, make_payroll, principal

from ansinh.access import services as access
from ansinh.access.domain import Role
from ansinh.core import ledger
from ansinh.core.audit import AuditRecord
from ansinh.core.errors import IllegalTransition, NotFound, PermissionDenied, ValidationFailed
from ansinh.core.period import Period
from ansinh.core.uow import UnitOfWork
from ansinh.payroll import lifecycle, views
from ansinh.payroll.tables import Batch, FundingOrder, LineItem, PayrollLine, PayrollRun

OTHER_MAKER = "program-officer-2"
HANOI_CHECKER = "approver-hanoi"


@pytest.fixture
def users(db: Database) -> Database:
    with db.uow() as uow:
        for role in (Role.PROGRAM_OFFICER, Role.APPROVER, Role.FINANCE_OFFICER):
            make_user(uow, role)
        make_user(uow, Role.PROGRAM_OFFICER, OTHER_MAKER)
        access.create_user(
            uow,
            username=HANOI_CHECKER,
            full_name="Người duyệt Hà Nội",
            password="correct-horse-battery",
            role=Role.APPROVER,
            province_code="01",
        )
        uow.commit()
    return db


def _draft(db: Database, **kwargs: object) -> int:
    with db.uow() as uow:
        made = make_payroll(uow, **kwargs)  # type: ignore[arg-type]
        uow.commit()
        return made.id


def _act(db: Database, username: str, action: str, payroll_id: int, **kwargs: object) -> views.PayrollView:
    with db.uow(username) as uow:
        view: views.PayrollView = getattr(lifecycle, action)(
            uow, principal=principal(uow, username), payroll_id=payroll_id, **kwargs
        )
        uow.commit()
        return view


def _reviewed(db: Database, **kwargs: object) -> int:
    payroll_id = _draft(db, **kwargs)
    _act(db, MAKER, "mark_reviewed", payroll_id)
    return payroll_id


def _approved(db: Database, **kwargs: object) -> int:
    payroll_id = _reviewed(db, **kwargs)
    _act(db, CHECKER, "approve", payroll_id)
    return payroll_id


def _snapshot(uow: UnitOfWork, payroll_id: int) -> tuple[object, ...]:
    """Everything a lifecycle step may change, to show a refused step changed nothing."""
    session = uow.session
    run = session.execute(
        select(PayrollRun.status, PayrollRun.version, PayrollRun.approved_by, PayrollRun.cancelled_by).where(
            PayrollRun.id == payroll_id
        )
    ).one()
    lines = session.execute(
        select(PayrollLine.active, PayrollLine.delivery_status, PayrollLine.idempotency_key, PayrollLine.batch_id)
        .where(PayrollLine.payroll_id == payroll_id)
        .order_by(PayrollLine.id)
    ).all()
    orders = session.execute(
        select(FundingOrder.status, FundingOrder.treasury_reference).where(FundingOrder.payroll_id == payroll_id)
    ).all()
    batches = session.execute(select(Batch.status).where(Batch.payroll_id == payroll_id)).all()
    items = session.scalar(select(func.count()).select_from(LineItem).where(LineItem.payroll_id == payroll_id))
    postings = session.scalar(select(func.count()).select_from(ledger.Posting))
    audits = session.scalar(select(func.count()).select_from(AuditRecord))
    return (tuple(run), [tuple(r) for r in lines], [tuple(o) for o in orders], batches, items, postings, audits)


def _refused(db: Database, payroll_id: int, error: type[Exception], username: str, action: str, **kw: object) -> str:
    with db.uow() as uow:
        before = _snapshot(uow, payroll_id)
    with pytest.raises(error) as raised:
        _act(db, username, action, payroll_id, **kw)
    with db.uow() as uow:
        assert _snapshot(uow, payroll_id) == before
    return str(raised.value)


def _audit_actions(db: Database) -> list[str]:
    with db.uow() as uow:
        return list(uow.session.scalars(select(AuditRecord.action).order_by(AuditRecord.seq)))


# ---------------------------------------------------------------------------------------------------------------
# Review


def test_the_maker_marks_a_draft_reviewed_and_the_view_shows_the_stored_diff(users: Database) -> None:
    payroll_id = _draft(users)
    view = _act(users, MAKER, "mark_reviewed", payroll_id)
    assert (view.status, view.reviewed_by) == ("reviewed", MAKER)
    assert view.diff == {"added": 5, "removed": 0, "changed": 0, "reasons": {"grant": 5}}
    assert _audit_actions(users)[-1] == "payroll.review"


def test_reviewing_twice_or_without_the_prepare_permission_is_refused(users: Database) -> None:
    payroll_id = _draft(users)
    _refused(users, payroll_id, PermissionDenied, CHECKER, "mark_reviewed")
    _act(users, MAKER, "mark_reviewed", payroll_id)
    message = _refused(users, payroll_id, IllegalTransition, MAKER, "mark_reviewed")
    assert "Đã rà soát" in message
    assert "reviewed" in message


# ---------------------------------------------------------------------------------------------------------------
# Approval


def test_the_maker_cannot_approve_their_own_payroll(users: Database) -> None:
    with users.uow() as uow:
        make_user(uow, Role.APPROVER, "approver-2")
        uow.commit()
    payroll_id = _reviewed(users, computed_by="approver-2")  # someone holding both hats still cannot check
    message = _refused(users, payroll_id, PermissionDenied, "approver-2", "approve")
    assert "không được tự phê duyệt" in message
    assert "cannot approve their own payroll" in message


def test_the_database_refuses_an_approval_by_the_maker_written_around_the_service(users: Database) -> None:
    payroll_id = _reviewed(users)
    statement = update(PayrollRun).where(PayrollRun.id == payroll_id).values(status="approved", approved_by=MAKER)
    with users.uow() as uow, pytest.raises(IntegrityError):
        uow.session.execute(statement)


def test_only_a_reviewed_payroll_can_be_approved(users: Database) -> None:
    payroll_id = _draft(users)
    _refused(users, payroll_id, IllegalTransition, CHECKER, "approve")


def test_a_maker_cannot_approve_at_all(users: Database) -> None:
    payroll_id = _reviewed(users, computed_by=OTHER_MAKER)
    _refused(users, payroll_id, PermissionDenied, MAKER, "approve")


def test_approval_fixes_unique_keys_batches_per_provider_and_method_and_funding_per_provider(users: Database) -> None:
    payroll_id = _reviewed(users)
    view = _act(users, CHECKER, "approve", payroll_id)
    assert (view.status, view.approved_by, view.late) == ("approved", CHECKER, False)
    with users.uow() as uow:
        lines = uow.session.execute(
            select(PayrollLine.id, PayrollLine.idempotency_key, PayrollLine.batch_id, PayrollLine.total)
            .where(PayrollLine.payroll_id == payroll_id)
            .order_by(PayrollLine.id)
        ).all()
        keys = [key for _, key, _, _ in lines]
        assert keys == [lifecycle.idempotency_key(payroll_id, line_id) for line_id, _, _, _ in lines]
        assert len(set(keys)) == len(keys)
        assert all(re.fullmatch(r"[A-Za-z0-9]{1,35}", key) for key in keys)
        batches = views.batches(uow, area=principal(uow, CHECKER).area, payroll_id=payroll_id)
        orders = views.funding_orders(uow, area=principal(uow, CHECKER).area, payroll_id=payroll_id)
    assert [(b.provider_code, b.method, b.line_count, b.total) for b in batches] == [
        ("VBSP", "bank_account", 2, 1_500_000),
        ("VIETTEL_MONEY", "ewallet", 1, 350_000),
        ("VNPOST", "cash_point", 2, 2_250_000),
    ]
    assert {b.reference for b in batches} == {lifecycle.batch_reference(payroll_id, n) for n in (1, 2, 3)}
    by_batch: dict[int, int] = {}
    for _, _, batch_id, total in lines:
        assert batch_id is not None
        by_batch[batch_id] = by_batch.get(batch_id, 0) + total
    assert by_batch == {b.id: b.total for b in batches}
    assert {o.provider_code: o.amount for o in orders} == {
        "VBSP": 1_500_000,
        "VIETTEL_MONEY": 350_000,
        "VNPOST": 2_250_000,
    }
    assert sum(b.total for b in batches) == sum(o.amount for o in orders) == view.total == 4_100_000
    assert all(o.status == "ordered" for o in orders)
    assert _audit_actions(users)[-1] == "payroll.approve"


def test_a_second_approval_is_refused_and_leaves_the_keys_as_they_were(users: Database) -> None:
    payroll_id = _approved(users)
    _refused(users, payroll_id, IllegalTransition, CHECKER, "approve")


def test_a_key_already_set_is_never_overwritten(users: Database) -> None:
    payroll_id = _reviewed(users)
    with users.uow() as uow:
        first = uow.session.scalar(select(func.min(PayrollLine.id)).where(PayrollLine.payroll_id == payroll_id))
        uow.session.execute(update(PayrollLine).where(PayrollLine.id == first).values(idempotency_key="KEPT1"))
        uow.commit()
    _act(users, CHECKER, "approve", payroll_id)
    with users.uow() as uow:
        assert uow.session.scalar(select(PayrollLine.idempotency_key).where(PayrollLine.id == first)) == "KEPT1"


def test_approval_is_refused_while_a_line_has_no_payment_method_naming_the_beneficiaries(users: Database) -> None:
    lines = (
        LineSpec(),
        LineSpec(provider_code=None, method=None),
        LineSpec(provider_code="VBSP", method=None),
    )
    payroll_id = _draft(users, lines=lines)
    _act(users, MAKER, "mark_reviewed", payroll_id)
    with users.uow() as uow:
        codes = list(
            uow.session.execute(
                text(
                    "SELECT b.code FROM payroll_lines l JOIN registry_beneficiaries b ON b.id = l.beneficiary_id "
                    "WHERE l.payroll_id = :p ORDER BY l.id"
                ),
                {"p": payroll_id},
            ).scalars()
        )
    message = _refused(users, payroll_id, ValidationFailed, CHECKER, "approve")
    assert f"2 dòng chưa có hình thức chi trả hoặc tổ chức chi trả ({codes[1]}, {codes[2]})" in message
    assert "2 lines have no payment method or provider" in message


def test_a_payroll_outside_the_users_province_is_not_found(users: Database) -> None:
    payroll_id = _reviewed(users)
    _refused(users, payroll_id, NotFound, HANOI_CHECKER, "approve")
    with users.uow() as uow, pytest.raises(NotFound):
        views.get_payroll(uow, area=principal(uow, HANOI_CHECKER).area, payroll_id=payroll_id)


# ---------------------------------------------------------------------------------------------------------------
# Cancellation


def test_the_maker_cancels_a_draft_its_lines_stop_counting_and_its_decisions_may_be_paid_again(
    users: Database,
) -> None:
    lines = (LineSpec(), LineSpec(arrears=400_000), LineSpec(one_time=1_000_000, decision_id=77))
    made_id = _draft(users, lines=lines)
    view = _act(users, MAKER, "cancel", made_id)
    assert (view.status, view.cancelled_by, view.cancel_reason) == ("cancelled", MAKER, None)
    with users.uow() as uow:
        states = set(
            uow.session.execute(
                select(PayrollLine.active, PayrollLine.delivery_status).where(PayrollLine.payroll_id == made_id)
            )
        )
        items = uow.session.execute(
            select(LineItem.component, LineItem.decision_id).where(LineItem.payroll_id == made_id).order_by(LineItem.id)
        ).all()
        beneficiaries = list(
            uow.session.scalars(
                select(PayrollLine.beneficiary_id).where(PayrollLine.payroll_id == made_id).order_by(PayrollLine.id)
            )
        )
        # the once-per-period index and the once-per-decision index are free again: a new payroll may pay the same
        # people for the same month, and the same one-time decision
        again = make_payroll(uow, lines=lines, beneficiary_ids=beneficiaries)
        uow.commit()
    assert states == {(False, "cancelled")}
    assert [tuple(i) for i in items] == [("arrears", None), ("one_time", None)]  # kept, to explain the lines
    assert again.id != made_id
    assert _audit_actions(users)[-1] == "payroll.cancel"


def test_an_approved_payroll_is_cancelled_as_a_whole_only_by_the_checker_with_a_reason(users: Database) -> None:
    payroll_id = _approved(users)
    _refused(users, payroll_id, PermissionDenied, MAKER, "cancel", reason="sai danh sách")
    message = _refused(users, payroll_id, ValidationFailed, CHECKER, "cancel", reason="   ")
    assert "phải nêu lý do" in message
    view = _act(users, CHECKER, "cancel", payroll_id, reason="Sai mức chuẩn  tỉnh")
    assert (view.status, view.cancel_reason) == ("cancelled", "Sai mức chuẩn tỉnh")
    with users.uow() as uow:
        orders = set(uow.session.scalars(select(FundingOrder.status).where(FundingOrder.payroll_id == payroll_id)))
        batches = set(uow.session.scalars(select(Batch.status).where(Batch.payroll_id == payroll_id)))
        active = uow.session.scalar(
            select(func.count())
            .select_from(PayrollLine)
            .where(PayrollLine.payroll_id == payroll_id, PayrollLine.active)
        )
    assert (orders, batches, active) == ({"cancelled"}, {"cancelled"}, 0)


def test_an_approved_payroll_with_a_paid_line_cannot_be_cancelled(users: Database) -> None:
    payroll_id = _approved(users)
    with users.uow() as uow:
        first = uow.session.scalar(select(func.min(PayrollLine.id)).where(PayrollLine.payroll_id == payroll_id))
        uow.session.execute(update(PayrollLine).where(PayrollLine.id == first).values(delivery_status="paid"))
        uow.commit()
    message = _refused(users, payroll_id, IllegalTransition, CHECKER, "cancel", reason="nhầm")
    assert "goes through reconciliation" in message


def test_a_payroll_with_a_confirmed_funding_order_cannot_be_cancelled(users: Database) -> None:
    payroll_id = _approved(users)
    with users.uow(FINANCE) as uow:
        order_id = uow.session.scalars(select(FundingOrder.id).where(FundingOrder.payroll_id == payroll_id)).first()
        assert order_id is not None
        lifecycle.confirm_funding(uow, principal=principal(uow, FINANCE), order_id=order_id, treasury_reference="KB1")
        uow.commit()
    message = _refused(users, payroll_id, IllegalTransition, CHECKER, "cancel", reason="nhầm")
    assert "Kho bạc đã chuyển kinh phí (1 lệnh đã xác nhận)" in message


def test_a_cancelled_payroll_cannot_be_cancelled_reviewed_or_approved_again(users: Database) -> None:
    payroll_id = _draft(users)
    _act(users, MAKER, "cancel", payroll_id)
    _refused(users, payroll_id, IllegalTransition, CHECKER, "cancel", reason="lần nữa")
    _refused(users, payroll_id, IllegalTransition, MAKER, "mark_reviewed")
    _refused(users, payroll_id, IllegalTransition, CHECKER, "approve")


def test_a_finance_officer_cannot_cancel(users: Database) -> None:
    payroll_id = _draft(users)
    _refused(users, payroll_id, PermissionDenied, FINANCE, "cancel", reason="không")


# ---------------------------------------------------------------------------------------------------------------
# Funding and the ledger


def _confirm(db: Database, order_id: int, reference: str | None = "KB-2026-001", username: str = FINANCE) -> None:
    with db.uow(username) as uow:
        lifecycle.confirm_funding(
            uow, principal=principal(uow, username), order_id=order_id, treasury_reference=reference
        )
        uow.commit()


def _orders(db: Database, payroll_id: int) -> dict[str, int]:
    with db.uow() as uow:
        rows = uow.session.execute(
            select(FundingOrder.provider_code, FundingOrder.id).where(FundingOrder.payroll_id == payroll_id)
        )
        return dict(rows.all())


def test_confirming_every_order_posts_balanced_entries_and_funds_the_payroll(users: Database) -> None:
    payroll_id = _approved(users)
    orders = _orders(users, payroll_id)
    _confirm(users, orders["VBSP"])
    with users.uow() as uow:
        assert uow.session.get(PayrollRun, payroll_id).status == "approved"  # type: ignore[union-attr]
    _confirm(users, orders["VNPOST"])
    _confirm(users, orders["VIETTEL_MONEY"], reference=None)
    with users.uow() as uow:
        run = uow.session.get(PayrollRun, payroll_id)
        assert run is not None
        assert (run.status, run.funded_at is not None) == ("funded", True)
        assert ledger.unbalanced_entries(uow.session, province_code="92") == []
        balances = ledger.balances(uow.session, province_code="92")
        report = views.ledger_balances(uow, area=principal(uow, FINANCE).area, province_code="92")
        order = uow.session.get(FundingOrder, orders["VBSP"])
        assert order is not None
        assert (order.status, order.treasury_reference, order.confirmed_by) == ("confirmed", "KB-2026-001", FINANCE)
    assert balances == {
        "budget": -4_100_000,
        "provider_deposit:VBSP": 1_500_000,
        "provider_deposit:VIETTEL_MONEY": 350_000,
        "provider_deposit:VNPOST": 2_250_000,
    }
    assert [(p.provider_code, p.funded, p.deposit) for p in report.providers] == [
        ("VBSP", 1_500_000, 1_500_000),
        ("VIETTEL_MONEY", 350_000, 350_000),
        ("VNPOST", 2_250_000, 2_250_000),
    ]
    assert report.unbalanced_entries == []
    assert _audit_actions(users)[-3:] == ["payroll.funding.confirm"] * 3


def test_confirming_an_order_twice_is_an_illegal_transition_and_posts_nothing(users: Database) -> None:
    payroll_id = _approved(users)
    order_id = _orders(users, payroll_id)["VBSP"]
    _confirm(users, order_id)
    with users.uow() as uow:
        before = _snapshot(uow, payroll_id)
    with pytest.raises(IllegalTransition) as raised:
        _confirm(users, order_id, reference="KB-2026-002")
    assert raised.value.http_status == 409
    with users.uow() as uow:
        assert _snapshot(uow, payroll_id) == before


def test_only_a_finance_officer_confirms_funding(users: Database) -> None:
    payroll_id = _approved(users)
    order_id = _orders(users, payroll_id)["VBSP"]
    with pytest.raises(PermissionDenied):
        _confirm(users, order_id, username=CHECKER)


def test_an_order_of_a_cancelled_payroll_cannot_be_confirmed(users: Database) -> None:
    payroll_id = _approved(users)
    order_id = _orders(users, payroll_id)["VBSP"]
    _act(users, CHECKER, "cancel", payroll_id, reason="Sai kỳ")
    with pytest.raises(IllegalTransition):
        _confirm(users, order_id)
    with users.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(ledger.Posting)) == 0


def test_a_treasury_reference_longer_than_the_column_is_refused(users: Database) -> None:
    payroll_id = _approved(users)
    order_id = _orders(users, payroll_id)["VBSP"]
    with pytest.raises(ValidationFailed) as raised:
        _confirm(users, order_id, reference="X" * 65)
    assert raised.value.field == "treasury_reference"


def test_an_order_outside_the_area_is_not_found(users: Database) -> None:
    payroll_id = _approved(users)
    order_id = _orders(users, payroll_id)["VBSP"]
    with users.uow() as uow:
        access.create_user(
            uow,
            username="finance-hanoi",
            full_name="Tài chính Hà Nội",
            password="correct-horse-battery",
            role=Role.FINANCE_OFFICER,
            province_code="01",
        )
        uow.commit()
    with pytest.raises(NotFound):
        _confirm(users, order_id, username="finance-hanoi")
    with pytest.raises(NotFound):
        _confirm(users, 987_654, username=FINANCE)


# ---------------------------------------------------------------------------------------------------------------
# Schedule


def test_a_payroll_not_approved_by_the_25th_before_its_period_is_late(users: Database) -> None:
    # The test clock says 23/11/2026: December's payroll is due on 25/11 (on time), November's was due on 25/10.
    on_time = _draft(users, period=NEXT_PERIOD)
    late = _reviewed(users, period=Period(2026, 11))
    approved_late = _approved(users, period=Period(2026, 10))
    with users.uow() as uow:
        area = principal(uow, CHECKER).area
        assert views.get_payroll(uow, area=area, payroll_id=on_time).due_on == date(2026, 11, 25)
        flags = {v.id: v.late for v in views.list_payrolls(uow, area=area)}
        only_late = [v.id for v in views.list_payrolls(uow, area=area, late=True)]
        not_late = {v.id for v in views.list_payrolls(uow, area=area, late=False)}
    assert flags == {on_time: False, late: True, approved_late: False}
    assert only_late == [late]
    assert not_late == {on_time, approved_late}


# ---------------------------------------------------------------------------------------------------------------
# Read side


def test_lines_page_by_id_with_masked_accounts_codes_and_payee_names(users: Database) -> None:
    with users.uow() as uow:
        made = make_payroll(uow)
        uow.commit()
    with users.uow() as uow:
        area = principal(uow, CHECKER).area
        first = views.list_lines(uow, area=area, payroll_id=made.id, limit=3)
        rest = views.list_lines(uow, area=area, payroll_id=made.id, after=first[-1].id, limit=3)
        detail = views.get_line(uow, area=area, payroll_id=made.id, line_id=made.line_ids[1])
    assert [line.id for line in first + rest] == made.line_ids
    assert [line.beneficiary_code for line in first + rest] == made.beneficiary_codes
    bank = first[2]
    assert (bank.account_number, bank.payee_name) == ("123********23", "Nguyễn Thị Mẫu 2")
    assert "1234567890123" not in repr(first + rest)
    assert [(i.component, i.first_month, i.last_month, i.per_month, i.amount) for i in detail.items] == [
        ("arrears", "2026-10", "2026-11", 500_000, 1_000_000)
    ]
    assert detail.line.total == detail.line.monthly + detail.line.arrears == 1_750_000


def test_a_line_of_another_payroll_is_not_found_through_this_one(users: Database) -> None:
    one = _draft(users)
    with users.uow() as uow:
        other = make_payroll(uow, period=Period(2027, 1))
        uow.commit()
    with users.uow() as uow, pytest.raises(NotFound):
        views.get_line(uow, area=principal(uow, CHECKER).area, payroll_id=one, line_id=other.first_line)


def test_the_ledger_of_a_province_outside_the_area_is_not_found(users: Database) -> None:
    with users.uow() as uow, pytest.raises(NotFound):
        views.ledger_balances(uow, area=principal(uow, FINANCE).area, province_code="01")
