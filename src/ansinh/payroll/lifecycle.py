"""A payroll's life after it is computed: review, approval (maker-checker), cancellation and funding.

draft → reviewed → approved (frozen) → funded; draft, reviewed or approved → cancelled. Approval fixes, in the same
transaction and with set-based statements, every line's idempotency key, one batch per provider and method and one
funding order per provider. Confirming a funding order posts a balanced journal entry to the ledger. The functions
run in a unit of work the caller commits; each change writes one audit record.
"""

from __future__ import annotations

from sqlalchemy import String, cast, func, literal, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from ansinh.access.domain import Permission, Principal
from ansinh.core import ledger
from ansinh.core.errors import Conflict, IllegalTransition, NotFound, PermissionDenied, ValidationFailed
from ansinh.core.money import format_vnd
from ansinh.core.uow import UnitOfWork
from ansinh.payroll.tables import Batch, FundingOrder, LineItem, PayrollLine, PayrollRun
from ansinh.payroll.views import FundingOrderView, PayrollView, funding_order_view, payroll_view, run_in_area
from ansinh.registry.tables import Beneficiary

STATUS_LABELS: dict[str, tuple[str, str]] = {
    "draft": ("Dự thảo", "draft"),
    "reviewed": ("Đã rà soát", "reviewed"),
    "approved": ("Đã phê duyệt", "approved"),
    "funded": ("Đã cấp kinh phí", "funded"),
    "cancelled": ("Đã hủy", "cancelled"),
}
# Payment lines the disbursement has touched: their money is at the provider and goes through reconciliation.
UNTOUCHED = "pending"
MISSING_SHOWN = 5  # how many beneficiary codes an error about lines names
REASON_LIMIT = 500
REFERENCE_LIMIT = 64


def idempotency_key(payroll_id: int, line_id: int) -> str:
    """``AS`` + payroll id (12 digits) + line id (19 digits): 33 letters and digits, a valid SWIFT EndToEndId.

    Derived from ids alone, so it is the same whoever computes it; the line id makes it unique on its own.
    """
    return f"AS{payroll_id:012d}{line_id:019d}"


def batch_reference(payroll_id: int, number: int) -> str:
    """``ASB`` + payroll id (12 digits) + the batch's number in the payroll (4 digits): a pain.001 MsgId."""
    return f"ASB{payroll_id:012d}{number:04d}"


def _require(principal: Principal, *permissions: Permission) -> None:
    if not any(principal.has(p) for p in permissions):
        names = " / ".join(p.value for p in permissions)
        raise PermissionDenied(
            f"Người dùng {principal.username} không có quyền {names}",
            f"user {principal.username} lacks the permission {names}",
        )


def _refuse_transition(run: PayrollRun, action_vi: str, action_en: str) -> IllegalTransition:
    label_vi, label_en = STATUS_LABELS.get(run.status, (run.status, run.status))
    return IllegalTransition(
        f"Không thể {action_vi} danh sách chi trả {run.id} đang ở trạng thái «{label_vi}»",
        f"cannot {action_en} payroll {run.id}: it is {label_en}",
        field="status",
    )


def _flush(uow: UnitOfWork, run: PayrollRun) -> None:
    """Write the run's change under its optimistic lock: someone who changed it meanwhile wins, we refuse."""
    try:
        uow.session.flush()
    except StaleDataError:
        raise Conflict(
            f"Danh sách chi trả {run.id} vừa được người khác thay đổi; hãy tải lại và thử lại",
            f"payroll {run.id} was changed by someone else meanwhile; reload and try again",
        ) from None


def _rowcount(result: object) -> int:
    """Rows an UPDATE or DELETE touched (the session's Result type does not declare it)."""
    return int(getattr(result, "rowcount", 0))


def _audit(uow: UnitOfWork, action: str, run: PayrollRun, **detail: object) -> None:
    uow.audit(
        action,
        entity_type="payroll",
        entity_id=str(run.id),
        province_code=run.province_code,
        detail={"period": run.period, "program": run.program, "status": run.status, **detail},
    )


# ---------------------------------------------------------------------------------------------------------------
# Review


def mark_reviewed(uow: UnitOfWork, *, principal: Principal, payroll_id: int) -> PayrollView:
    """draft → reviewed: the maker has read the diff against the previous period the run stored."""
    _require(principal, Permission.PAYROLL_PREPARE)
    run = run_in_area(uow, area=principal.area, payroll_id=payroll_id, for_update=True)
    if run.status != "draft":
        raise _refuse_transition(run, "đánh dấu đã rà soát", "mark as reviewed")
    now = uow.clock.now()
    run.status = "reviewed"
    run.reviewed_by = principal.username
    run.reviewed_at = now
    _flush(uow, run)
    _audit(uow, "payroll.review", run, lines=run.line_count, total=run.total)
    return payroll_view(run, uow.clock.today())


# ---------------------------------------------------------------------------------------------------------------
# Approval


def _refuse_lines_without_method(uow: UnitOfWork, run: PayrollRun) -> None:
    missing = or_(PayrollLine.method.is_(None), PayrollLine.provider_code.is_(None))
    scope = (PayrollLine.payroll_id == run.id, PayrollLine.active.is_(True), missing)
    count = uow.session.scalar(select(func.count()).select_from(PayrollLine).where(*scope)) or 0
    if not count:
        return
    codes = list(
        uow.session.scalars(
            select(Beneficiary.code)
            .join(PayrollLine, PayrollLine.beneficiary_id == Beneficiary.id)
            .where(*scope)
            .order_by(PayrollLine.id)
            .limit(MISSING_SHOWN)
        )
    )
    shown = ", ".join(codes) + (", …" if count > len(codes) else "")
    raise ValidationFailed(
        f"{count} dòng chưa có hình thức chi trả hoặc tổ chức chi trả ({shown}): hãy cập nhật rồi tính lại",
        f"{count} lines have no payment method or provider ({shown}): record them and run the payroll again",
        field="method",
    )


def _key_expression(dialect: str) -> object:
    """``idempotency_key`` as SQL, the same text as ``idempotency_key()`` on each dialect."""
    if dialect == "sqlite":
        return func.printf("AS%012d%019d", PayrollLine.payroll_id, PayrollLine.id)
    return (
        literal("AS", String)
        + func.lpad(cast(PayrollLine.payroll_id, String), 12, "0")
        + func.lpad(cast(PayrollLine.id, String), 19, "0")
    )


def _fix_keys(uow: UnitOfWork, run: PayrollRun) -> None:
    # A key already set is never overwritten: it is the one every retry and every adapter must reuse.
    uow.session.execute(
        update(PayrollLine)
        .where(
            PayrollLine.payroll_id == run.id,
            PayrollLine.active.is_(True),
            PayrollLine.idempotency_key.is_(None),
        )
        .values(idempotency_key=_key_expression(uow.session.get_bind().dialect.name))
        .execution_options(synchronize_session=False)
    )


def _make_batches(uow: UnitOfWork, run: PayrollRun) -> list[Batch]:
    """One batch per provider and method (a handful per payroll), then every line pointed at its batch."""
    session = uow.session
    groups = session.execute(
        select(
            PayrollLine.provider_code, PayrollLine.method, func.count(), func.coalesce(func.sum(PayrollLine.total), 0)
        )
        .where(PayrollLine.payroll_id == run.id, PayrollLine.active.is_(True))
        .group_by(PayrollLine.provider_code, PayrollLine.method)
        .order_by(PayrollLine.provider_code, PayrollLine.method)
    ).all()
    now = uow.clock.now()
    made = []
    for number, (provider_code, method, count, total) in enumerate(groups, start=1):
        batch = Batch(
            payroll_id=run.id,
            province_code=run.province_code,
            provider_code=provider_code,
            method=method,
            reference=batch_reference(run.id, number),
            line_count=int(count),
            total=int(total),
            status="ready",
            created_at=now,
        )
        session.add(batch)
        made.append(batch)
    session.flush()
    for batch in made:
        session.execute(
            update(PayrollLine)
            .where(
                PayrollLine.payroll_id == run.id,
                PayrollLine.active.is_(True),
                PayrollLine.provider_code == batch.provider_code,
                PayrollLine.method == batch.method,
            )
            .values(batch_id=batch.id)
            .execution_options(synchronize_session=False)
        )
    return made


def _make_funding_orders(uow: UnitOfWork, run: PayrollRun) -> list[FundingOrder]:
    """One order per provider for the sum of its lines (a provider owed nothing gets no order)."""
    session = uow.session
    amounts = session.execute(
        select(PayrollLine.provider_code, func.sum(PayrollLine.total))
        .where(PayrollLine.payroll_id == run.id, PayrollLine.active.is_(True))
        .group_by(PayrollLine.provider_code)
        .order_by(PayrollLine.provider_code)
    ).all()
    now = uow.clock.now()
    orders = [
        FundingOrder(
            payroll_id=run.id,
            province_code=run.province_code,
            provider_code=provider_code,
            amount=int(amount),
            status="ordered",
            created_at=now,
        )
        for provider_code, amount in amounts
        if amount
    ]
    session.add_all(orders)
    session.flush()
    return orders


def approve(uow: UnitOfWork, *, principal: Principal, payroll_id: int) -> PayrollView:
    """reviewed → approved by someone other than the maker; the payroll is frozen from here."""
    from ansinh.payroll import engine

    _require(principal, Permission.PAYROLL_APPROVE)
    run = run_in_area(uow, area=principal.area, payroll_id=payroll_id, for_update=True)
    if run.status != "reviewed":
        raise _refuse_transition(run, "phê duyệt", "approve")
    if principal.username == run.computed_by:
        raise PermissionDenied(
            f"Người lập danh sách ({run.computed_by}) không được tự phê duyệt: cần một người khác",
            f"the maker ({run.computed_by}) cannot approve their own payroll: another user must",
            field="approved_by",
        )
    _refuse_lines_without_method(uow, run)
    run.status = "approved"
    run.approved_by = principal.username
    run.approved_at = uow.clock.now()
    _flush(uow, run)  # first, so a concurrent approval fails here before any batch is written
    try:
        _fix_keys(uow, run)
        made = _make_batches(uow, run)
        orders = _make_funding_orders(uow, run)
    except IntegrityError:
        raise Conflict(
            f"Danh sách chi trả {run.id} đã có lô hoặc lệnh cấp kinh phí", f"payroll {run.id} already has batches"
        ) from None
    engine.on_approved(uow.session, run)
    _audit(
        uow,
        "payroll.approve",
        run,
        lines=run.line_count,
        total=run.total,
        batches=[b.reference for b in made],
        funding_orders={o.provider_code: o.amount for o in orders},
    )
    return payroll_view(run, uow.clock.today())


# ---------------------------------------------------------------------------------------------------------------
# Cancellation


def _refuse_if_money_moved(uow: UnitOfWork, run: PayrollRun) -> None:
    session = uow.session
    touched = (
        session.scalar(
            select(func.count())
            .select_from(PayrollLine)
            .where(PayrollLine.payroll_id == run.id, PayrollLine.delivery_status != UNTOUCHED)
        )
        or 0
    )
    if touched:
        raise IllegalTransition(
            f"Không thể hủy danh sách chi trả {run.id}: {touched} dòng đã được chi trả hoặc xử lý; "
            "tiền đã ở tổ chức chi trả, phải đối chiếu",
            f"cannot cancel payroll {run.id}: {touched} lines were already paid or processed; "
            "the money is at the provider and goes through reconciliation",
            field="status",
        )
    confirmed = (
        session.scalar(
            select(func.count())
            .select_from(FundingOrder)
            .where(FundingOrder.payroll_id == run.id, FundingOrder.status == "confirmed")
        )
        or 0
    )
    if confirmed:
        raise IllegalTransition(
            f"Không thể hủy danh sách chi trả {run.id}: Kho bạc đã chuyển kinh phí ({confirmed} lệnh đã xác nhận); "
            "tiền đã ở tổ chức chi trả, phải đối chiếu",
            f"cannot cancel payroll {run.id}: the treasury has transferred funds ({confirmed} orders confirmed); "
            "the money is at the provider and goes through reconciliation",
            field="status",
        )


def cancel(uow: UnitOfWork, *, principal: Principal, payroll_id: int, reason: str | None = None) -> PayrollView:
    """Cancel a payroll as a whole: a draft or reviewed one by the maker or the checker; an approved one by the
    checker, with a reason, while no money has moved. Its lines stop counting (a re-run may pay them)."""
    from ansinh.payroll import engine

    _require(principal, Permission.PAYROLL_PREPARE, Permission.PAYROLL_APPROVE)
    run = run_in_area(uow, area=principal.area, payroll_id=payroll_id, for_update=True)
    text = " ".join((reason or "").split())
    if len(text) > REASON_LIMIT:
        raise ValidationFailed(
            f"Lý do hủy dài quá {REASON_LIMIT} ký tự",
            f"the reason is longer than {REASON_LIMIT} characters",
            field="reason",
        )
    was = run.status
    if was in ("approved", "funded"):
        _require(principal, Permission.PAYROLL_APPROVE)
        if not text:
            raise ValidationFailed(
                "Hủy danh sách đã phê duyệt phải nêu lý do",
                "cancelling an approved payroll needs a reason",
                field="reason",
            )
        _refuse_if_money_moved(uow, run)
    elif was not in ("draft", "reviewed"):
        raise _refuse_transition(run, "hủy", "cancel")
    run.status = "cancelled"
    run.cancelled_by = principal.username
    run.cancelled_at = uow.clock.now()
    run.cancel_reason = text or None
    _flush(uow, run)
    session = uow.session
    if was in ("approved", "funded"):
        engine.on_cancelled(session, run)  # reads the items (arrears months, carried lines) to owe them again
    # The items stay, to explain the cancelled lines, but release their decisions: a decision's one-time or funeral
    # amount may then be paid by a later payroll (the items' unique decision index would otherwise refuse it).
    session.execute(
        update(LineItem)
        .where(LineItem.payroll_id == run.id, LineItem.decision_id.is_not(None))
        .values(decision_id=None)
        .execution_options(synchronize_session=False)
    )
    lines = session.execute(
        update(PayrollLine)
        .where(PayrollLine.payroll_id == run.id)
        .values(active=False, delivery_status="cancelled")
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(FundingOrder)
        .where(FundingOrder.payroll_id == run.id, FundingOrder.status == "ordered")
        .values(status="cancelled")
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Batch)
        .where(Batch.payroll_id == run.id)
        .values(status="cancelled")
        .execution_options(synchronize_session=False)
    )
    _audit(uow, "payroll.cancel", run, previous_status=was, reason=text or None, lines=_rowcount(lines))
    return payroll_view(run, uow.clock.today())


# ---------------------------------------------------------------------------------------------------------------
# Funding


def _order_not_found(order_id: int) -> NotFound:
    return NotFound(
        f"Không tìm thấy lệnh cấp kinh phí {order_id}", f"funding order {order_id} not found", field="order_id"
    )


def confirm_funding(
    uow: UnitOfWork, *, principal: Principal, order_id: int, treasury_reference: str | None
) -> FundingOrderView:
    """The treasury confirmed the transfer to the provider's deposit: ordered → confirmed, posted to the ledger.

    When the payroll's last order is confirmed, the payroll is funded.
    """
    _require(principal, Permission.FUNDING_MANAGE)
    session = uow.session
    payroll_id = session.scalar(select(FundingOrder.payroll_id).where(FundingOrder.id == order_id))
    if payroll_id is None:
        raise _order_not_found(order_id)
    try:
        # Lock the payroll first, as cancel() does: a confirmation and a cancellation cannot cross.
        run = run_in_area(uow, area=principal.area, payroll_id=payroll_id, for_update=True)
    except NotFound:
        raise _order_not_found(order_id) from None
    reference = " ".join((treasury_reference or "").split()) or None
    if reference is not None and len(reference) > REFERENCE_LIMIT:
        raise ValidationFailed(
            f"Số chứng từ của Kho bạc dài quá {REFERENCE_LIMIT} ký tự",
            f"the treasury's reference is longer than {REFERENCE_LIMIT} characters",
            field="treasury_reference",
        )
    order = session.get(FundingOrder, order_id)
    assert order is not None  # found above, and orders are never deleted
    if order.status != "ordered" or run.status != "approved":
        raise IllegalTransition(
            f"Lệnh cấp kinh phí {order_id} đang ở trạng thái «{order.status}» (danh sách: «{run.status}»): "
            "chỉ xác nhận được lệnh đang chờ của danh sách đã phê duyệt",
            f"funding order {order_id} is {order.status} (payroll {run.status}): only an open order of an approved "
            "payroll can be confirmed",
            field="status",
        )
    now = uow.clock.now()
    # Conditional on the status, so two confirmations racing on SQLite (no row lock) cannot both post.
    changed = session.execute(
        update(FundingOrder)
        .where(FundingOrder.id == order_id, FundingOrder.status == "ordered")
        .values(status="confirmed", treasury_reference=reference, confirmed_by=principal.username, confirmed_at=now)
        .execution_options(synchronize_session=False)
    )
    if _rowcount(changed) != 1:
        raise IllegalTransition(
            f"Lệnh cấp kinh phí {order_id} đã được xác nhận",
            f"funding order {order_id} was already confirmed",
            field="status",
        )
    session.refresh(order)
    ledger.post(
        session,
        province_code=order.province_code,
        kind="funding.confirmed",
        reference=f"funding_order:{order.id}",
        memo=(
            f"Kho bạc chuyển {format_vnd(order.amount)} cho {order.provider_code}, danh sách {run.id} "
            f"kỳ {run.period}, chứng từ {reference or '—'}"
        ),
        legs=[
            ledger.Leg(ledger.account(ledger.Account.PROVIDER_DEPOSIT, order.provider_code), debit=order.amount),
            ledger.Leg(ledger.account(ledger.Account.BUDGET), credit=order.amount),
        ],
        posted_by=principal.username,
        posted_at=now,
    )
    still_open = session.scalar(
        select(func.count())
        .select_from(FundingOrder)
        .where(FundingOrder.payroll_id == run.id, FundingOrder.status == "ordered")
    )
    if not still_open:
        run.status = "funded"
        run.funded_at = now
        _flush(uow, run)
    uow.audit(
        "payroll.funding.confirm",
        entity_type="funding_order",
        entity_id=str(order.id),
        province_code=order.province_code,
        detail={
            "payroll_id": run.id,
            "provider_code": order.provider_code,
            "amount": order.amount,
            "treasury_reference": reference,
            "payroll_funded": not still_open,
        },
    )
    return funding_order_view(order)


def open_funding_orders(uow: UnitOfWork, *, principal: Principal, payroll_id: int) -> list[int]:
    """The ids of the payroll's orders still waiting for the treasury (the command line confirms them all)."""
    run_in_area(uow, area=principal.area, payroll_id=payroll_id)
    return list(
        uow.session.scalars(
            select(FundingOrder.id)
            .where(FundingOrder.payroll_id == payroll_id, FundingOrder.status == "ordered")
            .order_by(FundingOrder.provider_code)
        )
    )
