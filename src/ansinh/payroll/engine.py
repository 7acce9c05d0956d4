# ruff: noqa: S608 - the SQL is assembled from this module's own pieces; values always go as bound parameters
"""Compute a period's payroll on sets: monthly amounts, arrears, one-time, funeral and carry-over.

How it stays fast and exact:
1. **Sync.** Only beneficiaries whose record moved on since they were last derived (``version``) are derived again
   from their approved decisions (``derive``), in batches; the first month whose state changed becomes their
   ``dirty_from``.
2. **Price.** The distinct (categories, month, age, birthday month, cared person's age) combinations in scope are
   priced once each with the policy's pure ``monthly_amount`` — a few thousand, whatever the number of people.
3. **Lines.** One ``INSERT … SELECT`` joins segments, prices and payment methods: the database does the per-person
   work. Arrears compare, for every month of each look-back window, the amount due at that month's rate with what
   approved payrolls already scheduled (``monthly`` of that month + earlier arrears items), all in SQL; runs of
   months with the same difference become one item.

Look-back windows: a beneficiary looks back from ``dirty_from`` (a late or retroactive decision), or from the
earliest month a rule change added since the province's last approved payroll touches — never before
``ledger_from`` (months paid elsewhere, before this system took over).
"""

from __future__ import annotations

import importlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    delete,
    func,
    or_,
    select,
    text,
)
from sqlalchemy.orm import Session

from ansinh.access.domain import Permission, Principal
from ansinh.core.bulk import bulk_insert
from ansinh.core.errors import Conflict, PermissionDenied, ValidationFailed
from ansinh.core.period import Period
from ansinh.core.uow import UnitOfWork
from ansinh.decisions.tables import Decision
from ansinh.geo.tables import Commune
from ansinh.payroll import derive
from ansinh.payroll.tables import Entitlement, LineItem, PayrollLine, PayrollRun, Segment
from ansinh.policy import (
    CategoryHolding,
    FuneralCause,
    MonthState,
    OneTimeKey,
    OneTimeKind,
    PolicyError,
    PolicyRules,
    death_grant,
    funeral_support,
    injury_one_time,
    monthly_amount,
    one_time_allowance,
)
from ansinh.policy import Entitlement as PolicyEntitlement
from ansinh.policy import Program as PolicyProgram
from ansinh.policy.defaults import default_rules
from ansinh.providers.tables import Provider
from ansinh.registry.catalogue import policy_program
from ansinh.registry.importing import Program
from ansinh.registry.tables import Beneficiary, Person, Relation

FROZEN = ("approved", "funded")
OPEN = ("draft", "reviewed")
SYNC_BATCH = 5_000
ANALYZE_AFTER = 10_000  # derived rows in one sync from which the statistics are refreshed (PostgreSQL)
NO_CARED = -1  # the price table's "no cared person" (NULL would not join)
EXCEPTION_SAMPLE = 200


@dataclass(frozen=True)
class Scope:
    period: Period
    province_code: str
    program: Program
    communes: tuple[str, ...] | None

    @property
    def policy_program(self) -> PolicyProgram:
        return policy_program(self.program)


# -- rules


class _Unrecorded:
    """No recorded rule changes: what the engine sees while the rule tables are not stored in the database."""

    @staticmethod
    def changes_since(_session: Session, _version: int) -> list[Any]:
        return []


def load_rules(session: Session) -> tuple[PolicyRules, int, Any]:
    """The rule tables in force, their version, and where to ask which rule rows were added after a version.

    The policy context's storage (``ansinh.policy.services``) provides all three once it is installed; until then
    the verified defaults apply, at version 0, with no recorded changes.
    """
    try:
        services = importlib.import_module("ansinh.policy.services")
    except ModuleNotFoundError:
        return default_rules(), 0, _Unrecorded()
    loaded = services.load_rules(session)
    return loaded.rules, int(loaded.version), services


# -- sync: decisions → segments


def _in_scope(scope: Scope) -> Any:
    e = Entitlement
    clause = and_(e.province_code == scope.province_code, e.program == scope.program.value)
    if scope.communes is not None:
        clause = and_(clause, e.commune_code.in_(scope.communes))
    return clause


@dataclass(frozen=True)
class SyncReport:
    derived: int
    failures: dict[int, str]  # beneficiary id → why its decisions could not be read as an entitlement


UNDERIVABLE = -1  # source_version of a record whose decisions failed: derived again by every run, and reported


def sync_entitlements(session: Session, scope: Scope, rules: PolicyRules, *, now: datetime) -> SyncReport:
    """Derive again every beneficiary in scope whose record changed (or failed before)."""
    b = Beneficiary
    e = Entitlement
    query = (
        select(b.id)
        .outerjoin(e, e.beneficiary_id == b.id)
        .where(
            b.province_code == scope.province_code,
            b.program == scope.program.value,
            b.status != "pending",
            or_(e.beneficiary_id.is_(None), e.source_version != b.version, e.commune_code != b.commune_code),
        )
        .order_by(b.id)
    )
    if scope.communes is not None:
        query = query.where(b.commune_code.in_(scope.communes))
    ids = list(session.scalars(query))
    failures: dict[int, str] = {}
    for start in range(0, len(ids), SYNC_BATCH):
        failures.update(_sync_batch(session, ids[start : start + SYNC_BATCH], scope, rules, now=now))
    if len(ids) >= ANALYZE_AFTER:
        _analyze(session.connection(), "payroll_entitlements", "payroll_segments")
    return SyncReport(len(ids), failures)


def _analyze(connection: Connection, *tables: str) -> None:
    """Refresh PostgreSQL's statistics of tables this transaction has just filled.

    The planner sizes every join by them: with the statistics of an empty table (a first sync after an import; a
    temporary table, which autovacuum never sees) it chose nested loops that made a run quadratic in N. ANALYZE
    counts this transaction's own uncommitted rows.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(text(f"ANALYZE {', '.join(tables)}"))


def _sync_batch(session: Session, ids: list[int], scope: Scope, rules: PolicyRules, *, now: datetime) -> dict[int, str]:
    histories = _histories(session, ids)
    people, decisions, cared = histories.people, histories.decisions, histories.cared
    e = Entitlement
    old_rows = {
        row.beneficiary_id: row
        for row in session.execute(
            select(e.beneficiary_id, e.start_month, e.ledger_from, e.dirty_from, e.revision).where(
                e.beneficiary_id.in_(ids)
            )
        )
    }
    old_segments: dict[int, list[derive.SegmentRow]] = defaultdict(list)
    s = Segment
    for row in session.execute(
        select(s.beneficiary_id, s.first_month, s.last_month, s.state, s.released_from, s.holdings, s.cared_birth_month)
        .where(s.beneficiary_id.in_(ids))
        .order_by(s.beneficiary_id, s.first_month)
    ):
        old_segments[row.beneficiary_id].append(
            derive.SegmentRow(
                row.first_month, row.last_month, row.state, row.released_from, row.holdings, row.cared_birth_month
            )
        )

    program = scope.policy_program
    failures: dict[int, str] = {}
    entitlement_rows: list[dict[str, Any]] = []
    segment_rows: list[dict[str, Any]] = []
    for beneficiary_id in ids:
        person = people[beneficiary_id]
        history = decisions.get(beneficiary_id, [])
        try:
            entitlement = derive.entitlement_of(
                history,
                program=program,
                province_code=person.province_code,
                date_of_birth=person.date_of_birth,
                date_of_death=person.date_of_death,
                cared_person_birth_date=cared.get(beneficiary_id),
                rules=rules,
            )
        except PolicyError as exc:
            # An unknown category or an inconsistent history: not paid, reported by every run until fixed.
            entitlement = None
            failures[beneficiary_id] = f"{exc.message_vi} / {exc.message_en}"[:500]
        segments = derive.segments_of(entitlement, rules)
        old = old_rows.get(beneficiary_id)
        start = entitlement.start.index if entitlement is not None else None
        if old is None or (old.start_month is None and old.ledger_from is None):
            # First derived with a grant: months before an imported grant were paid by the ministry's software;
            # a grant made here is owed from its first month.
            imported = any(row.kind == "grant" and row.source == "import" for row in history)
            ledger_from = None if imported else start
            dirty_from = None if imported else start
            revision = 1 if old is None else old.revision + 1
        else:
            changed = derive.first_difference(old_segments.get(beneficiary_id, []), segments)
            ledger_from = old.ledger_from
            dirty_from = old.dirty_from
            if changed is not None:
                dirty_from = changed if dirty_from is None else min(dirty_from, changed)
            revision = old.revision + (1 if changed is not None else 0)
        entitlement_rows.append(
            {
                "beneficiary_id": beneficiary_id,
                "province_code": person.province_code,
                "commune_code": person.commune_code,
                "program": scope.program.value,
                "birth_month": Period.of(person.date_of_birth).index,
                "start_month": start,
                "ledger_from": ledger_from,
                "dirty_from": dirty_from,
                "source_version": UNDERIVABLE if beneficiary_id in failures else person.version,
                "revision": revision,
                "updated_at": now,
            }
        )
        segment_rows.extend(
            {
                "beneficiary_id": beneficiary_id,
                "province_code": person.province_code,
                "first_month": seg.first_month,
                "last_month": seg.last_month,
                "state": seg.state,
                "released_from": seg.released_from,
                "holdings": seg.holdings,
                "cared_birth_month": seg.cared_birth_month,
            }
            for seg in segments
        )
    session.execute(delete(Segment).where(Segment.beneficiary_id.in_(ids)))
    session.execute(delete(Entitlement).where(Entitlement.beneficiary_id.in_(ids)))
    session.flush()
    connection = session.connection()
    bulk_insert(connection, Entitlement.__table__, entitlement_rows)  # type: ignore[arg-type]
    bulk_insert(connection, Segment.__table__, segment_rows)  # type: ignore[arg-type]
    return failures


# -- temporary tables of one run (per connection; dropped at the end of the run)

_TMP = MetaData()
MONTHS = Table("tmp_pr_months", _TMP, Column("m", Integer, primary_key=True), prefixes=["TEMPORARY"])
PRICES = Table(
    "tmp_pr_prices",
    _TMP,
    Column("holdings", String(500)),
    Column("m", Integer),
    Column("age", Integer),
    Column("bday", Integer),
    Column("cage", Integer),
    Column("cbday", Integer),
    Column("amount", BigInteger),
    Column("error", String(500)),
    Index("ix_tmp_pr_prices", "holdings", "m", "age", "bday", "cage", "cbday"),
    prefixes=["TEMPORARY"],
)
WINDOW = Table(
    "tmp_pr_window",
    _TMP,
    Column("beneficiary_id", BigInteger, primary_key=True),
    Column("from_m", Integer),
    prefixes=["TEMPORARY"],
)
DIFF = Table(
    "tmp_pr_diff",
    _TMP,
    Column("beneficiary_id", BigInteger),
    Column("m", Integer),
    Column("diff", BigInteger),
    prefixes=["TEMPORARY"],
)
ISLANDS = Table(
    "tmp_pr_islands",
    _TMP,
    Column("beneficiary_id", BigInteger, index=True),
    Column("per_month", BigInteger),
    Column("first_m", Integer),
    Column("last_m", Integer),
    Column("n", Integer),
    prefixes=["TEMPORARY"],
)
EXTRA = Table(
    "tmp_pr_extra",
    _TMP,
    Column("beneficiary_id", BigInteger, index=True),
    Column("arrears", BigInteger),
    Column("one_time", BigInteger),
    Column("carry_over", BigInteger),
    prefixes=["TEMPORARY"],
)
EXCLUDED = Table(
    "tmp_pr_excluded",
    _TMP,
    Column("beneficiary_id", BigInteger, primary_key=True),
    Column("reason", String(500)),
    prefixes=["TEMPORARY"],
)
TEMPORARY = (MONTHS, PRICES, WINDOW, DIFF, ISLANDS, EXTRA, EXCLUDED)


def _create_temporary(connection: Connection) -> None:
    for table in TEMPORARY:
        table.drop(connection, checkfirst=True)
        table.create(connection)


def _drop_temporary(connection: Connection) -> None:
    for table in TEMPORARY:
        table.drop(connection, checkfirst=True)


# -- SQL pieces (months are integers: Period.index)


def _age(month: str, birth: str) -> str:
    return f"(({month}) - {birth}) / 12"


def _bday(month: str, birth: str) -> str:
    return f"CASE WHEN (({month}) - {birth}) % 12 = 0 THEN 1 ELSE 0 END"


def _cage(month: str) -> str:
    return f"CASE WHEN s.cared_birth_month IS NULL THEN {NO_CARED} ELSE {_age(month, 's.cared_birth_month')} END"


def _cbday(month: str) -> str:
    return (
        f"CASE WHEN s.cared_birth_month IS NULL THEN {NO_CARED} "
        f"WHEN (({month}) - s.cared_birth_month) % 12 = 0 THEN 1 ELSE 0 END"
    )


def _covers(month: str) -> str:
    return f"s.first_month <= {month} AND (s.last_month IS NULL OR {month} <= s.last_month)"


def _price_join(month: str) -> str:
    return (
        f"pr.holdings = s.holdings AND pr.m = {month} AND pr.age = {_age(month, 'e.birth_month')} "
        f"AND pr.bday = {_bday(month, 'e.birth_month')} AND pr.cage = {_cage(month)} AND pr.cbday = {_cbday(month)}"
    )


def _scope_sql(scope: Scope, alias: str = "e") -> tuple[str, dict[str, Any]]:
    sql = f"{alias}.province_code = :province AND {alias}.program = :program"
    params: dict[str, Any] = {"province": scope.province_code, "program": scope.program.value}
    if scope.communes is not None:
        names = []
        for index, code in enumerate(scope.communes):
            params[f"commune_{index}"] = code
            names.append(f":commune_{index}")
        sql += f" AND {alias}.commune_code IN ({', '.join(names) or 'NULL'})"
    return sql, params


# -- pricing: distinct combinations, each through the pure rules


def _synthetic_birth(period: Period, age: int, birthday_month: bool) -> date:
    """A birth date giving ``age`` in ``period``, with the birthday in that month or not (all the rules look at)."""
    if birthday_month:
        return date(period.year - age, period.month, 1)
    if period.month < 12:
        return date(period.year - age - 1, period.month + 1, 1)
    return date(period.year - age, 1, 1)


def price(
    rules: PolicyRules,
    program: PolicyProgram,
    province_code: str,
    *,
    holdings: str,
    month: int,
    age: int,
    bday: int,
    cage: int,
    cbday: int,
) -> int:
    """The monthly amount of one combination, from the pure rules (raises PolicyError when it cannot be priced)."""
    period = Period.from_index(month)
    if age < 0:
        return 0
    cared = None if cage == NO_CARED or cage < 0 else _synthetic_birth(period, cage, bool(cbday))
    categories = tuple(
        CategoryHolding(
            h.code, period, None, quantity=h.units, injury_rate=h.injury_rate, cared_person_birth_date=cared
        )
        for h in derive.parse_holdings_key(holdings)
    )
    entitlement = PolicyEntitlement(
        program=program,
        province_code=province_code,
        date_of_birth=_synthetic_birth(period, age, bool(bday)),
        start=period,
        categories=categories,
    )
    result = monthly_amount(entitlement, period, rules)
    return int(result.total) if result.state is MonthState.PAYABLE else 0


def _price_all(connection: Connection, scope: Scope, rules: PolicyRules, params: dict[str, Any], where: str) -> None:
    p = scope.period.index
    current = (
        f"SELECT DISTINCT s.holdings, {p} AS m, {_age(str(p), 'e.birth_month')} AS age, "
        f"{_bday(str(p), 'e.birth_month')} AS bday, {_cage(str(p))} AS cage, {_cbday(str(p))} AS cbday "
        f"FROM payroll_entitlements e JOIN payroll_segments s ON s.beneficiary_id = e.beneficiary_id "
        f"WHERE {where} AND s.state = 'payable' AND {_covers(str(p))}"
    )
    past = (
        f"SELECT DISTINCT s.holdings, mo.m, {_age('mo.m', 'e.birth_month')}, {_bday('mo.m', 'e.birth_month')}, "
        f"{_cage('mo.m')}, {_cbday('mo.m')} "
        f"FROM tmp_pr_window w JOIN payroll_entitlements e ON e.beneficiary_id = w.beneficiary_id "
        f"JOIN tmp_pr_months mo ON mo.m >= w.from_m AND mo.m < {p} "
        f"JOIN payroll_segments s ON s.beneficiary_id = w.beneficiary_id AND {_covers('mo.m')}"
    )
    combos = connection.execute(text(f"{current} UNION {past}"), params).all()
    rows = []
    for holdings, month, age, bday, cage, cbday in combos:
        amount: int | None
        error: str | None = None
        try:
            amount = price(
                rules,
                scope.policy_program,
                scope.province_code,
                holdings=holdings,
                month=month,
                age=age,
                bday=bday,
                cage=cage,
                cbday=cbday,
            )
        except PolicyError as exc:
            amount, error = None, f"{exc.message_vi} / {exc.message_en}"[:500]
        rows.append(
            {
                "holdings": holdings,
                "m": month,
                "age": age,
                "bday": bday,
                "cage": cage,
                "cbday": cbday,
                "amount": amount,
                "error": error,
            }
        )
    bulk_insert(connection, PRICES, rows)


# -- the run


def due_on(period: Period) -> date:
    """Decree 20/2021 Art 34: the list for a month is sent before the 25th of the month before."""
    before = period.previous()
    return date(before.year, before.month, 25)


def _check_scope(uow: UnitOfWork, principal: Principal, scope: Scope) -> None:
    if not principal.has(Permission.PAYROLL_PREPARE):
        raise PermissionDenied("Bạn không có quyền lập danh sách chi trả", "you may not prepare payrolls")
    area = principal.area
    if scope.communes is None:
        if not area.covers_province(scope.province_code):
            raise PermissionDenied(
                f"Tỉnh {scope.province_code} nằm ngoài địa bàn của bạn",
                f"province {scope.province_code} is outside your area",
                field="province_code",
            )
    else:
        if not scope.communes:
            raise ValidationFailed("Cần ít nhất một xã", "give at least one commune", field="communes")
        known = set(
            uow.session.scalars(
                select(Commune.code).where(
                    Commune.code.in_(scope.communes), Commune.province_code == scope.province_code
                )
            )
        )
        for code in scope.communes:
            if code not in known:
                raise ValidationFailed(
                    f"Xã {code} không thuộc tỉnh {scope.province_code}",
                    f"commune {code} is not in province {scope.province_code}",
                    field="communes",
                )
            if not area.covers_commune(code, scope.province_code):
                raise PermissionDenied(f"Xã {code} nằm ngoài địa bàn của bạn", f"commune {code} is outside your area")


def _overlaps(a: Sequence[str] | None, b: Sequence[str] | None) -> bool:
    return a is None or b is None or bool(set(a) & set(b))


def _existing(uow: UnitOfWork, scope: Scope) -> PayrollRun | None:
    """The open draft of exactly this scope (re-run in place); refuse when the period cannot be run."""
    r = PayrollRun
    runs = uow.session.scalars(
        select(r).where(
            r.province_code == scope.province_code, r.program == scope.program.value, r.status != "cancelled"
        )
    ).all()
    later = [run for run in runs if run.status in FROZEN and run.period_index > scope.period.index]
    if any(_overlaps(run.communes, scope.communes) for run in later):
        latest = max(run.period for run in later)
        raise Conflict(
            f"Kỳ {latest} đã được phê duyệt và khóa sổ: không lập lại danh sách cho kỳ trước {scope.period}",
            f"the period {latest} is already approved and frozen: a payroll for the earlier {scope.period} is refused",
            field="period",
        )
    same = [run for run in runs if run.period_index == scope.period.index and _overlaps(run.communes, scope.communes)]
    for run in same:
        if run.status in FROZEN:
            raise Conflict(
                f"Danh sách kỳ {scope.period} (số {run.id}) đã được phê duyệt; muốn lập lại phải hủy cả danh sách",
                f"the payroll of {scope.period} (no. {run.id}) is approved; cancel it as a whole to run it again",
                field="period",
            )
        wanted = None if scope.communes is None else sorted(scope.communes)
        have = None if run.communes is None else sorted(run.communes)
        if wanted != have:
            raise Conflict(
                f"Danh sách nháp số {run.id} đã bao gồm một phần địa bàn này",
                f"draft payroll no. {run.id} already covers part of this area",
                field="communes",
            )
        return run
    return None


def run_payroll(
    uow: UnitOfWork,
    *,
    principal: Principal,
    period: Period,
    province_code: str,
    program: str,
    communes: Sequence[str] | None = None,
) -> int:
    """Compute (or compute again) the draft payroll of ``period`` for a province or some of its communes."""
    try:
        enrolment_program = Program(program)
    except ValueError:
        raise ValidationFailed(
            f"Chương trình không hợp lệ: {program!r}", f"unknown program {program!r}", field="program"
        ) from None
    scope = Scope(period, province_code, enrolment_program, None if communes is None else tuple(sorted(set(communes))))
    _check_scope(uow, principal, scope)
    session = uow.session
    run = _existing(uow, scope)
    now = uow.clock.now()
    rules, version, policy_services = load_rules(session)
    if run is None:
        run = PayrollRun(
            period=str(period),
            period_index=period.index,
            province_code=province_code,
            program=enrolment_program.value,
            communes=None if scope.communes is None else list(scope.communes),
            status="draft",
            due_on=due_on(period),
            rules_version=version,
            computed_by=principal.username,
            computed_at=now,
        )
        session.add(run)
        session.flush()
        replaced = False
    else:
        session.execute(delete(LineItem).where(LineItem.payroll_id == run.id))
        session.execute(delete(PayrollLine).where(PayrollLine.payroll_id == run.id))
        run.status = "draft"
        run.rules_version = version
        run.computed_by = principal.username
        run.computed_at = now
        run.reviewed_by = run.reviewed_at = None
        replaced = True
    synced = sync_entitlements(session, scope, rules, now=now)
    connection = session.connection()
    _create_temporary(connection)
    report = _compute(
        session, connection, run=run, scope=scope, rules=rules, version=version, policy_services=policy_services
    )
    _drop_temporary(connection)  # on an error the whole transaction, temporary tables included, is rolled back
    report["synced"] = synced.derived
    if synced.failures:
        codes = {
            row.id: row.code
            for row in session.execute(
                select(Beneficiary.id, Beneficiary.code).where(Beneficiary.id.in_(synced.failures))
            )
        }
        report["exceptions"] = [
            {"beneficiary": codes[bid], "reason": reason} for bid, reason in sorted(synced.failures.items())
        ][:EXCEPTION_SAMPLE] + report["exceptions"]
        report["exceptions_count"] += len(synced.failures)
    report["replaced"] = replaced
    totals = session.execute(
        select(
            func.count(PayrollLine.id),
            func.coalesce(func.sum(PayrollLine.total), 0),
            func.coalesce(func.sum(PayrollLine.monthly), 0),
            func.coalesce(func.sum(PayrollLine.arrears), 0),
            func.coalesce(func.sum(PayrollLine.one_time), 0),
            func.coalesce(func.sum(PayrollLine.funeral), 0),
            func.coalesce(func.sum(PayrollLine.carry_over), 0),
        ).where(PayrollLine.payroll_id == run.id)
    ).one()
    run.line_count = int(totals[0])
    run.total = int(totals[1])
    run.totals = dict(
        zip(("monthly", "arrears", "one_time", "funeral", "carry_over"), (int(v) for v in totals[2:]), strict=True)
    )
    run.diff = report
    session.flush()
    uow.audit(
        "payroll.run",
        entity_type="payroll",
        entity_id=str(run.id),
        province_code=province_code,
        detail={
            "period": str(period),
            "program": enrolment_program.value,
            "communes": run.communes,
            "lines": run.line_count,
            "total": run.total,
            "replaced": replaced,
            "rules_version": version,
        },
    )
    return run.id


def _rules_from(session: Session, scope: Scope, policy_services: Any) -> int | None:
    """The earliest month a rule change added since the last approved payroll of the province touches."""
    r = PayrollRun
    previous = session.scalar(
        select(func.max(r.rules_version)).where(
            r.province_code == scope.province_code,
            r.program == scope.program.value,
            r.status.in_(FROZEN),
            r.period_index < scope.period.index,
        )
    )
    if previous is None:
        return None
    months = [
        change.changes_from.index
        for change in policy_services.changes_since(session, int(previous))
        if (change.program is None or change.program is scope.policy_program)
        and (change.province_code is None or change.province_code == scope.province_code)
    ]
    return min(months) if months else None


def _compute(
    session: Session,
    connection: Connection,
    *,
    run: PayrollRun,
    scope: Scope,
    rules: PolicyRules,
    version: int,
    policy_services: Any,
) -> dict[str, Any]:
    p = scope.period.index
    where, params = _scope_sql(scope)
    params = {**params, "run": run.id, "p": p}

    # Look-back windows.
    rules_from = _rules_from(session, scope, policy_services)
    start = (
        "e.dirty_from"
        if rules_from is None
        else (
            f"CASE WHEN e.dirty_from IS NOT NULL AND e.dirty_from < {rules_from} "
            f"THEN e.dirty_from ELSE {rules_from} END"
        )
    )
    connection.execute(
        text(
            f"INSERT INTO tmp_pr_window (beneficiary_id, from_m) "
            f"SELECT beneficiary_id, CASE WHEN ledger_from > f THEN ledger_from ELSE f END FROM ("
            f"SELECT e.beneficiary_id, e.ledger_from, {start} AS f FROM payroll_entitlements e "
            f"WHERE {where} AND e.ledger_from IS NOT NULL) q "
            f"WHERE f IS NOT NULL AND (CASE WHEN ledger_from > f THEN ledger_from ELSE f END) < :p"
        ),
        params,
    )
    first = connection.execute(text("SELECT MIN(from_m) FROM tmp_pr_window")).scalar()
    months = range(p if first is None else min(int(first), p), p + 1)
    bulk_insert(connection, MONTHS, [{"m": m} for m in months])

    _price_all(connection, scope, rules, params, where)

    # Who cannot be priced: no line this period, their months are paid as arrears once the rules allow.
    connection.execute(
        text(
            f"INSERT INTO tmp_pr_excluded (beneficiary_id, reason) "
            f"SELECT e.beneficiary_id, MIN(pr.error) FROM payroll_entitlements e "
            f"JOIN payroll_segments s ON s.beneficiary_id = e.beneficiary_id AND s.state = 'payable' "
            f"AND {_covers(':p')} "
            f"JOIN tmp_pr_prices pr ON {_price_join(':p')} "
            f"WHERE {where} AND pr.error IS NOT NULL GROUP BY e.beneficiary_id"
        ),
        params,
    )
    connection.execute(
        text(
            f"INSERT INTO tmp_pr_excluded (beneficiary_id, reason) "
            f"SELECT w.beneficiary_id, MIN(pr.error) FROM tmp_pr_window w "
            f"JOIN payroll_entitlements e ON e.beneficiary_id = w.beneficiary_id "
            f"JOIN tmp_pr_months mo ON mo.m >= w.from_m AND mo.m < :p "
            f"JOIN payroll_segments s ON s.beneficiary_id = w.beneficiary_id AND {_covers('mo.m')} "
            f"JOIN tmp_pr_prices pr ON {_price_join('mo.m')} "
            f"WHERE pr.error IS NOT NULL AND w.beneficiary_id NOT IN (SELECT beneficiary_id FROM tmp_pr_excluded) "
            f"GROUP BY w.beneficiary_id"
        ),
        params,
    )
    connection.execute(
        text("DELETE FROM tmp_pr_window WHERE beneficiary_id IN (SELECT beneficiary_id FROM tmp_pr_excluded)")
    )

    # Arrears: due at each month's rate − already scheduled by approved payrolls, per month of the window.
    connection.execute(
        text(
            f"INSERT INTO tmp_pr_diff (beneficiary_id, m, diff) "
            f"SELECT beneficiary_id, m, SUM(amount) FROM ("
            f"SELECT w.beneficiary_id, mo.m, pr.amount FROM tmp_pr_window w "
            f"JOIN payroll_entitlements e ON e.beneficiary_id = w.beneficiary_id "
            f"JOIN tmp_pr_months mo ON mo.m >= w.from_m AND mo.m < :p "
            f"JOIN payroll_segments s ON s.beneficiary_id = w.beneficiary_id AND {_covers('mo.m')} "
            f"AND (s.state = 'payable' OR s.released_from <= :p) "
            f"JOIN tmp_pr_prices pr ON {_price_join('mo.m')} "
            f"UNION ALL "
            f"SELECT l.beneficiary_id, l.period_index, -l.monthly FROM payroll_lines l "
            f"JOIN payroll_runs r ON r.id = l.payroll_id "
            f"JOIN tmp_pr_window w ON w.beneficiary_id = l.beneficiary_id "
            f"WHERE l.active AND l.kind = 'entitlement' AND r.status IN ('approved', 'funded') "
            f"AND l.period_index >= w.from_m AND l.period_index < :p "
            f"UNION ALL "
            f"SELECT i.beneficiary_id, mo.m, -i.per_month FROM payroll_line_items i "
            f"JOIN payroll_lines l ON l.id = i.line_id JOIN payroll_runs r ON r.id = l.payroll_id "
            f"JOIN tmp_pr_window w ON w.beneficiary_id = i.beneficiary_id "
            f"JOIN tmp_pr_months mo ON mo.m >= i.first_month AND mo.m <= i.last_month "
            f"AND mo.m >= w.from_m AND mo.m < :p "
            f"WHERE i.component = 'arrears' AND l.active AND r.status IN ('approved', 'funded')"
            f") parts GROUP BY beneficiary_id, m HAVING SUM(amount) <> 0"
        ),
        params,
    )
    # Runs of months with the same difference become one item (gaps and islands).
    connection.execute(
        text(
            "INSERT INTO tmp_pr_islands (beneficiary_id, per_month, first_m, last_m, n) "
            "SELECT beneficiary_id, diff, MIN(m), MAX(m), COUNT(*) FROM ("
            "SELECT beneficiary_id, m, diff, "
            "m - ROW_NUMBER() OVER (PARTITION BY beneficiary_id, diff ORDER BY m) AS grp "
            "FROM tmp_pr_diff) d GROUP BY beneficiary_id, diff, grp"
        )
    )
    connection.execute(
        text(
            "INSERT INTO tmp_pr_extra (beneficiary_id, arrears, one_time, carry_over) "
            "SELECT beneficiary_id, SUM(per_month * n), 0, 0 FROM tmp_pr_islands WHERE per_month > 0 "
            "GROUP BY beneficiary_id"
        )
    )
    # Nothing owed after looking back: the mark has done its work (nothing to lose if this draft is dropped).
    connection.execute(
        text(
            "UPDATE payroll_entitlements SET dirty_from = NULL WHERE dirty_from IS NOT NULL AND dirty_from < :p "
            "AND beneficiary_id IN (SELECT beneficiary_id FROM tmp_pr_window) "
            "AND beneficiary_id NOT IN (SELECT beneficiary_id FROM tmp_pr_islands WHERE per_month > 0)"
        ),
        {"p": p},
    )

    # Money left unpaid in earlier periods.
    carries = connection.execute(
        text(
            f"SELECT l.id, l.beneficiary_id, l.kind, l.total, l.payee_person_id, l.payee_role, l.method, "
            f"l.provider_code, l.bank_bin, l.account_number FROM payroll_lines l "
            f"JOIN payroll_runs r ON r.id = l.payroll_id "
            f"JOIN payroll_entitlements e ON e.beneficiary_id = l.beneficiary_id "
            f"WHERE {where} AND r.province_code = :province AND r.program = :program "
            f"AND r.status IN ('approved', 'funded') AND l.active AND l.delivery_status IN ('unpaid', 'returned') "
            f"AND l.carried_into IS NULL AND l.period_index < :p"
        ),
        params,
    ).all()
    bulk_insert(
        connection,
        EXTRA,
        [
            {"beneficiary_id": c.beneficiary_id, "arrears": 0, "one_time": 0, "carry_over": c.total}
            for c in carries
            if c.kind == "entitlement"
        ],
    )

    one_offs = _one_offs(session, scope, rules)
    bulk_insert(
        connection,
        EXTRA,
        [
            {"beneficiary_id": o.beneficiary_id, "arrears": 0, "one_time": o.amount, "carry_over": 0}
            for o in one_offs
            if o.component == "one_time" and o.error is None
        ],
    )

    _insert_lines(connection, run, scope, where, params)
    _insert_funeral_lines(
        session,
        connection,
        run=run,
        scope=scope,
        one_offs=one_offs,
        carries=[c for c in carries if c.kind == "funeral"],
    )
    _insert_items(connection, run, scope=scope, one_offs=one_offs, carries=carries, params=params)
    report = _diff(connection, run, scope, where, params)
    exceptions = connection.execute(
        text(
            "SELECT b.code, x.reason FROM tmp_pr_excluded x JOIN registry_beneficiaries b ON b.id = x.beneficiary_id "
            "ORDER BY b.code"
        )
    ).all()
    report["exceptions_count"] = len(exceptions) + sum(1 for o in one_offs if o.error is not None)
    report["exceptions"] = [
        {"beneficiary": code, "reason": reason} for code, reason in exceptions[:EXCEPTION_SAMPLE]
    ] + [
        {"beneficiary": o.beneficiary_code, "reason": o.error, "decision_id": o.decision_id}
        for o in one_offs
        if o.error is not None
    ][:EXCEPTION_SAMPLE]
    # An excluded person's month is owed later: mark it so the next payroll looks back to it.
    connection.execute(
        text(
            "UPDATE payroll_entitlements SET dirty_from = :p WHERE (dirty_from IS NULL OR dirty_from > :p) "
            "AND beneficiary_id IN (SELECT beneficiary_id FROM tmp_pr_excluded)"
        ),
        {"p": p},
    )
    report["looked_back"] = int(connection.execute(text("SELECT COUNT(*) FROM tmp_pr_window")).scalar() or 0)
    report["rules_look_back_from"] = None if rules_from is None else str(Period.from_index(rules_from))
    overpaid = connection.execute(
        text(
            "SELECT COUNT(DISTINCT beneficiary_id), COALESCE(SUM(-per_month * n), 0) FROM tmp_pr_islands "
            "WHERE per_month < 0"
        )
    ).one()
    report["overpaid"] = {"beneficiaries": int(overpaid[0]), "amount": int(overpaid[1])}
    return report


# -- one-time and funeral support: per decision, with the person's whole entitlement


@dataclass(frozen=True)
class OneOff:
    decision_id: int
    beneficiary_id: int
    beneficiary_code: str
    commune_code: str
    component: str  # one_time | funeral
    amount: int
    error: str | None = None
    payee_person_id: int | None = None


_CAUSES = {"ordinary": FuneralCause.ORDINARY}


def _one_offs(session: Session, scope: Scope, rules: PolicyRules) -> list[OneOff]:
    d, b = Decision, Beneficiary
    query = (
        select(d.id, d.beneficiary_id, d.kind, d.effective_from, d.signed_on, d.details, b.code, b.commune_code)
        .join(b, b.id == d.beneficiary_id)
        .where(
            b.province_code == scope.province_code,
            b.program == scope.program.value,
            d.status == "approved",
            d.kind.in_(("one_time", "funeral")),
            ~select(LineItem.id).where(LineItem.decision_id == d.id).exists(),
        )
        .order_by(d.id)
    )
    if scope.communes is not None:
        query = query.where(b.commune_code.in_(scope.communes))
    pending = []
    for row in session.execute(query):
        month = (
            Period.parse(row.effective_from)
            if row.effective_from
            else (Period.of(row.signed_on) if row.signed_on else None)
        )
        if month is not None and month <= scope.period:
            pending.append((row, month))
    if not pending:
        return []
    histories = _histories(session, sorted({row.beneficiary_id for row, _ in pending}))
    organisers = dict(
        session.execute(
            select(Relation.beneficiary_id, Relation.person_id)
            .where(Relation.beneficiary_id.in_(histories.people), Relation.role == "funeral_organiser")
            .order_by(Relation.valid_from)
        ).all()
    )
    result = []
    for row, month in pending:
        details = row.details or {}
        try:
            if row.kind == "funeral":
                death = date.fromisoformat(str(details["date_of_death"]))
                entitlement = histories.entitlement(row.beneficiary_id, scope, rules, death=death)
                if entitlement is None:
                    raise ValidationFailed("Không có quyết định hưởng", "no grant decision")
                cause = _CAUSES.get(str(details.get("cause")), FuneralCause.SPECIAL)
                funeral_amount = int(funeral_support(entitlement, rules, cause=cause).amount)
                payee = details.get("organiser_person_id") or organisers.get(row.beneficiary_id)
                if payee is None:
                    raise ValidationFailed(
                        "Chưa có người tổ chức mai táng để nhận hỗ trợ", "no funeral organiser to receive the support"
                    )
                result.append(
                    OneOff(
                        row.id,
                        row.beneficiary_id,
                        row.code,
                        row.commune_code,
                        "funeral",
                        funeral_amount,
                        None,
                        int(payee),
                    )
                )
                continue
            amount = _one_time_amount(
                details, month, scope=scope, rules=rules, histories=histories, beneficiary_id=row.beneficiary_id
            )
            result.append(OneOff(row.id, row.beneficiary_id, row.code, row.commune_code, "one_time", int(amount)))
        except (PolicyError, ValidationFailed, KeyError, ValueError) as exc:
            message = (
                f"{exc.message_vi} / {exc.message_en}"
                if isinstance(exc, PolicyError | ValidationFailed)
                else (f"Quyết định {row.id} thiếu thông tin: {exc} / decision {row.id} lacks {exc}")
            )
            result.append(OneOff(row.id, row.beneficiary_id, row.code, row.commune_code, row.kind, 0, message[:500]))
    return result


def _one_time_amount(
    details: dict[str, Any],
    month: Period,
    *,
    scope: Scope,
    rules: PolicyRules,
    histories: _Histories,
    beneficiary_id: int,
) -> int:
    kind = OneTimeKind(details["one_time_kind"]) if details["one_time_kind"] != "death_grant" else None
    province = scope.province_code
    if kind is None:
        entitlement = histories.entitlement(beneficiary_id, scope, rules)
        if entitlement is None or entitlement.death_date is None:
            raise ValidationFailed("Chưa có ngày mất", "no date of death recorded")
        return int(death_grant(entitlement, rules).amount)
    if kind is OneTimeKind.INJURY:
        entitlement = histories.entitlement(beneficiary_id, scope, rules)
        rates = [h.injury_rate for h in (entitlement.categories if entitlement else ()) if h.injury_rate is not None]
        rate = details.get("injury_rate") or (max(rates) if rates else None)
        if rate is None:
            raise ValidationFailed("Thiếu tỷ lệ thương tật", "no injury rate")
        return int(injury_one_time(int(rate), month, rules, province_code=province).amount)
    times = Fraction(str(details.get("years") or 1)) if kind is OneTimeKind.SENIORITY_PER_YEAR else Fraction(1)
    return int(one_time_allowance(OneTimeKey(kind), month, rules, province_code=province, times=times).amount)


@dataclass
class _Histories:
    people: dict[int, Any]
    decisions: dict[int, list[derive.DecisionRow]]
    cared: dict[int, date]

    def entitlement(
        self, beneficiary_id: int, scope: Scope, rules: PolicyRules, *, death: date | None = None
    ) -> PolicyEntitlement | None:
        person = self.people[beneficiary_id]
        return derive.entitlement_of(
            self.decisions.get(beneficiary_id, []),
            program=scope.policy_program,
            province_code=person.province_code,
            date_of_birth=person.date_of_birth,
            date_of_death=death or person.date_of_death,
            cared_person_birth_date=self.cared.get(beneficiary_id),
            rules=rules,
        )


def _histories(session: Session, ids: Sequence[int]) -> _Histories:
    b, p, d, r = Beneficiary, Person, Decision, Relation
    people = {
        row.id: row
        for row in session.execute(
            select(b.id, b.version, b.commune_code, b.province_code, p.date_of_birth, p.date_of_death)
            .join(p, p.id == b.person_id)
            .where(b.id.in_(ids))
        )
    }
    decisions: dict[int, list[derive.DecisionRow]] = defaultdict(list)
    for row in session.execute(
        select(d.id, d.beneficiary_id, d.kind, d.effective_from, d.details, d.source).where(
            d.beneficiary_id.in_(ids), d.status == "approved", d.kind.in_(derive.ENTITLEMENT_KINDS)
        )
    ):
        month = Period.parse(row.effective_from) if row.effective_from else None
        decisions[row.beneficiary_id].append(derive.DecisionRow(row.id, row.kind, month, row.details, row.source))
    cared: dict[int, date] = {}
    for beneficiary_id, birth in session.execute(
        select(r.beneficiary_id, p.date_of_birth)
        .join(p, p.id == r.person_id)
        .where(r.beneficiary_id.in_(ids), r.role == "cared_person")
        .order_by(r.valid_from)
    ):
        cared.setdefault(beneficiary_id, birth)
    return _Histories(people, decisions, cared)


# -- writing lines and items

_LINE_COLUMNS = (
    "payroll_id, period_index, province_code, commune_code, beneficiary_id, kind, active, monthly, arrears, "
    "one_time, funeral, carry_over, total, holdings, payee_person_id, payee_role, method, provider_code, bank_bin, "
    "account_number, entitlement_revision, delivery_status"
)


def _insert_lines(connection: Connection, run: PayrollRun, scope: Scope, where: str, params: dict[str, Any]) -> None:
    current = (
        f"SELECT s.beneficiary_id, s.holdings, pr.amount FROM payroll_segments s "
        f"JOIN payroll_entitlements e ON e.beneficiary_id = s.beneficiary_id "
        f"JOIN tmp_pr_prices pr ON {_price_join(':p')} "
        f"WHERE {where} AND s.state = 'payable' AND {_covers(':p')} AND pr.error IS NULL"
    )
    extra = (
        "SELECT beneficiary_id, SUM(arrears) AS arrears, SUM(one_time) AS one_time, SUM(carry_over) AS carry_over "
        "FROM tmp_pr_extra GROUP BY beneficiary_id"
    )
    amount = "COALESCE(cur.amount, 0)"
    connection.execute(
        text(
            f"INSERT INTO payroll_lines ({_LINE_COLUMNS}) "
            f"SELECT :run, :p, e.province_code, e.commune_code, e.beneficiary_id, 'entitlement', TRUE, "
            f"{amount}, COALESCE(x.arrears, 0), COALESCE(x.one_time, 0), 0, COALESCE(x.carry_over, 0), "
            f"{amount} + COALESCE(x.arrears, 0) + COALESCE(x.one_time, 0) + COALESCE(x.carry_over, 0), "
            f"cur.holdings, pm.payee_person_id, pm.payee_role, pm.kind, pm.provider_code, pm.bank_bin, "
            f"pm.account_number, e.revision, 'pending' "
            f"FROM payroll_entitlements e "
            f"LEFT JOIN ({current}) cur ON cur.beneficiary_id = e.beneficiary_id "
            f"LEFT JOIN ({extra}) x ON x.beneficiary_id = e.beneficiary_id "
            f"LEFT JOIN enrolment_payment_methods pm ON pm.beneficiary_id = e.beneficiary_id AND pm.valid_to IS NULL "
            f"WHERE {where} AND e.beneficiary_id NOT IN (SELECT beneficiary_id FROM tmp_pr_excluded) "
            f"AND (COALESCE(cur.amount, 0) > 0 OR x.beneficiary_id IS NOT NULL)"
        ),
        params,
    )


def _cash_provider(session: Session) -> str | None:
    return session.scalar(
        select(Provider.code).where(Provider.kind == "cash_payer", Provider.active.is_(True)).order_by(Provider.code)
    )


def _insert_funeral_lines(
    session: Session,
    connection: Connection,
    *,
    run: PayrollRun,
    scope: Scope,
    one_offs: Sequence[OneOff],
    carries: Sequence[Any],
) -> None:
    """Funeral support goes to whoever arranges the funeral, in cash at the commune's payment point."""
    funerals = [o for o in one_offs if o.component == "funeral" and o.error is None]
    if not funerals and not carries:
        return
    ids = sorted({o.beneficiary_id for o in funerals} | {c.beneficiary_id for c in carries})
    from ansinh.enrolment.tables import PaymentMethod

    methods = dict(
        session.execute(
            select(PaymentMethod.beneficiary_id, PaymentMethod.provider_code).where(
                PaymentMethod.beneficiary_id.in_(ids),
                PaymentMethod.valid_to.is_(None),
                PaymentMethod.kind.in_(("cash_point", "cash_home")),
            )
        ).all()
    )
    communes = dict(
        session.execute(select(Beneficiary.id, Beneficiary.commune_code).where(Beneficiary.id.in_(ids))).all()
    )
    cash = _cash_provider(session)
    lines: dict[int, dict[str, Any]] = {}
    for funeral in funerals:
        lines[funeral.beneficiary_id] = _funeral_line(
            run, scope, beneficiary_id=funeral.beneficiary_id, communes=communes, funeral=funeral.amount
        )
        lines[funeral.beneficiary_id].update(
            payee_person_id=funeral.payee_person_id,
            payee_role="organiser",
            method="cash_point",
            provider_code=methods.get(funeral.beneficiary_id) or cash,
        )
    for carry in carries:
        line = lines.get(carry.beneficiary_id)
        if line is None:
            line = lines[carry.beneficiary_id] = _funeral_line(
                run, scope, beneficiary_id=carry.beneficiary_id, communes=communes, funeral=0
            )
            line.update(
                payee_person_id=carry.payee_person_id,
                payee_role=carry.payee_role,
                method=carry.method,
                provider_code=carry.provider_code,
                bank_bin=carry.bank_bin,
                account_number=carry.account_number,
            )
        line["carry_over"] += int(carry.total)
        line["total"] += int(carry.total)
    bulk_insert(connection, PayrollLine.__table__, list(lines.values()))  # type: ignore[arg-type]


def _funeral_line(
    run: PayrollRun, scope: Scope, *, beneficiary_id: int, communes: dict[int, str], funeral: int
) -> dict[str, Any]:
    return {
        "payroll_id": run.id,
        "period_index": scope.period.index,
        "province_code": scope.province_code,
        "commune_code": communes[beneficiary_id],
        "beneficiary_id": beneficiary_id,
        "kind": "funeral",
        "active": True,
        "monthly": 0,
        "arrears": 0,
        "one_time": 0,
        "funeral": funeral,
        "carry_over": 0,
        "total": funeral,
        "holdings": None,
        "payee_person_id": None,
        "payee_role": None,
        "method": None,
        "provider_code": None,
        "bank_bin": None,
        "account_number": None,
        "entitlement_revision": None,
        "delivery_status": "pending",
    }


def _insert_items(
    connection: Connection,
    run: PayrollRun,
    *,
    scope: Scope,
    one_offs: Sequence[OneOff],
    carries: Sequence[Any],
    params: dict[str, Any],
) -> None:
    connection.execute(
        text(
            "INSERT INTO payroll_line_items (line_id, payroll_id, beneficiary_id, province_code, component, "
            "first_month, last_month, per_month, amount, decision_id, source_line_id) "
            "SELECT l.id, :run, i.beneficiary_id, :province, "
            "CASE WHEN i.per_month > 0 THEN 'arrears' ELSE 'overpaid' END, i.first_m, i.last_m, "
            "ABS(i.per_month), ABS(i.per_month) * i.n, NULL, NULL FROM tmp_pr_islands i "
            "JOIN payroll_lines l ON l.payroll_id = :run AND l.beneficiary_id = i.beneficiary_id "
            "AND l.kind = 'entitlement'"
        ),
        params,
    )
    wanted = sorted({o.beneficiary_id for o in one_offs} | {c.beneficiary_id for c in carries})
    if not wanted:
        return
    lines = {
        (beneficiary_id, kind): line_id
        for line_id, beneficiary_id, kind in connection.execute(
            select(PayrollLine.id, PayrollLine.beneficiary_id, PayrollLine.kind).where(
                PayrollLine.payroll_id == run.id, PayrollLine.beneficiary_id.in_(wanted)
            )
        )
    }
    items: list[dict[str, Any]] = []

    def item(
        line_id: int,
        beneficiary_id: int,
        component: str,
        amount: int,
        *,
        decision: int | None = None,
        source: int | None = None,
    ) -> None:
        items.append(
            {
                "line_id": line_id,
                "payroll_id": run.id,
                "beneficiary_id": beneficiary_id,
                "province_code": scope.province_code,
                "component": component,
                "first_month": None,
                "last_month": None,
                "per_month": None,
                "amount": amount,
                "decision_id": decision,
                "source_line_id": source,
            }
        )

    for one_off in one_offs:
        kind = "funeral" if one_off.component == "funeral" else "entitlement"
        line_id = lines.get((one_off.beneficiary_id, kind))
        if one_off.error is None and line_id is not None:
            item(line_id, one_off.beneficiary_id, one_off.component, one_off.amount, decision=one_off.decision_id)
    for carry in carries:
        line_id = lines.get((carry.beneficiary_id, carry.kind))
        if line_id is not None:
            item(line_id, carry.beneficiary_id, "carry_over", int(carry.total), source=int(carry.id))
    bulk_insert(connection, LineItem.__table__, items)  # type: ignore[arg-type]


# -- the review: what changed since the previous period

DIFF_SAMPLE = 50


def _diff(connection: Connection, run: PayrollRun, scope: Scope, where: str, params: dict[str, Any]) -> dict[str, Any]:
    previous = connection.execute(
        select(PayrollRun.id, PayrollRun.period)
        .where(
            PayrollRun.province_code == scope.province_code,
            PayrollRun.program == scope.program.value,
            PayrollRun.status.in_(FROZEN),
            PayrollRun.period_index < scope.period.index,
        )
        .order_by(PayrollRun.period_index.desc())
        .limit(1)
    ).first()
    report: dict[str, Any] = {"previous_payroll_id": None, "previous_period": None}
    counts = connection.execute(
        text(
            "SELECT COUNT(*), SUM(CASE WHEN arrears > 0 THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN carry_over > 0 THEN 1 ELSE 0 END), SUM(CASE WHEN one_time > 0 THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN kind = 'funeral' THEN 1 ELSE 0 END), SUM(CASE WHEN provider_code IS NULL THEN 1 ELSE 0 END) "
            "FROM payroll_lines WHERE payroll_id = :run"
        ),
        params,
    ).one()
    report.update(
        lines=int(counts[0] or 0),
        with_arrears=int(counts[1] or 0),
        with_carry_over=int(counts[2] or 0),
        with_one_time=int(counts[3] or 0),
        funeral_lines=int(counts[4] or 0),
        without_payment_method=int(counts[5] or 0),
    )
    if previous is None:
        report.update(added={"count": report["lines"], "sample": []}, removed={"count": 0, "sample": []})
        report.update(changed={"count": 0, "sample": []}, unchanged=0)
        return report
    report.update(previous_payroll_id=previous.id, previous_period=previous.period)
    params = {**params, "prev": previous.id}
    pairs = (
        "FROM payroll_lines l LEFT JOIN payroll_lines pl ON pl.payroll_id = :prev "
        "AND pl.beneficiary_id = l.beneficiary_id AND pl.kind = 'entitlement' "
        "JOIN registry_beneficiaries b ON b.id = l.beneficiary_id "
        "WHERE l.payroll_id = :run AND l.kind = 'entitlement'"
    )
    added = (
        connection.execute(
            text(f"SELECT b.code {pairs} AND pl.id IS NULL ORDER BY b.code"),
            params,
        )
        .scalars()
        .all()
    )
    changed = connection.execute(
        text(
            f"SELECT b.code, pl.monthly, l.monthly, pl.holdings, l.holdings {pairs} "
            f"AND pl.id IS NOT NULL AND pl.monthly <> l.monthly ORDER BY b.code"
        ),
        params,
    ).all()
    unchanged = connection.execute(
        text(f"SELECT COUNT(*) {pairs} AND pl.id IS NOT NULL AND pl.monthly = l.monthly"),
        params,
    ).scalar()
    p = scope.period.index
    removed = connection.execute(
        text(
            "SELECT b.code, CASE "
            "WHEN pl.beneficiary_id IN (SELECT beneficiary_id FROM tmp_pr_excluded) THEN 'exception' "
            "WHEN EXISTS (SELECT 1 FROM payroll_segments s WHERE s.beneficiary_id = pl.beneficiary_id "
            f"AND s.state = 'withheld' AND {_covers(str(p))}) THEN 'suspended' "
            "WHEN NOT EXISTS (SELECT 1 FROM payroll_segments s WHERE s.beneficiary_id = pl.beneficiary_id "
            f"AND {_covers(str(p))}) THEN 'ended' "
            "ELSE 'nothing_due' END "
            "FROM payroll_lines pl JOIN registry_beneficiaries b ON b.id = pl.beneficiary_id "
            "LEFT JOIN payroll_lines l ON l.payroll_id = :run AND l.beneficiary_id = pl.beneficiary_id "
            "AND l.kind = 'entitlement' "
            "JOIN payroll_entitlements e ON e.beneficiary_id = pl.beneficiary_id "
            f"WHERE pl.payroll_id = :prev AND pl.kind = 'entitlement' AND l.id IS NULL AND {where} ORDER BY b.code"
        ),
        params,
    ).all()
    reasons: dict[str, int] = defaultdict(int)
    for _, reason in removed:
        reasons[reason] += 1
    report.update(
        added={"count": len(added), "sample": list(added[:DIFF_SAMPLE])},
        removed={
            "count": len(removed),
            "reasons": dict(reasons),
            "sample": [{"beneficiary": code, "reason": reason} for code, reason in removed[:DIFF_SAMPLE]],
        },
        changed={
            "count": len(changed),
            "sample": [
                {"beneficiary": code, "before": int(before), "after": int(after), "categories_changed": old != new}
                for code, before, after, old, new in changed[:DIFF_SAMPLE]
            ],
        },
        unchanged=int(unchanged or 0),
    )
    return report


# -- what approval and cancellation do to the bookkeeping


def _scope_of(run: PayrollRun) -> Scope:
    communes = None if run.communes is None else tuple(run.communes)
    return Scope(Period.parse(run.period), run.province_code, Program(run.program), communes)


def on_approved(session: Session, run: PayrollRun) -> None:
    """Approval freezes the lines; the marks they settled are cleared and carried lines point at their new line."""
    scope = _scope_of(run)
    where, params = _scope_sql(scope, alias="payroll_entitlements")
    params = {**params, "run": run.id, "p": run.period_index}
    connection = session.connection()
    connection.execute(
        text(
            "UPDATE payroll_entitlements SET dirty_from = NULL WHERE dirty_from IS NOT NULL AND dirty_from < :p "
            "AND EXISTS (SELECT 1 FROM payroll_lines l WHERE l.payroll_id = :run "
            "AND l.beneficiary_id = payroll_entitlements.beneficiary_id "
            "AND l.entitlement_revision = payroll_entitlements.revision)"
        ),
        params,
    )
    # From now on this system answers for every month of the people in scope (imported records included).
    connection.execute(
        text(f"UPDATE payroll_entitlements SET ledger_from = :p WHERE ledger_from IS NULL AND {where}"),
        params,
    )
    connection.execute(
        text(
            "UPDATE payroll_lines SET carried_into = (SELECT MIN(i.line_id) FROM payroll_line_items i "
            "WHERE i.payroll_id = :run AND i.component = 'carry_over' AND i.source_line_id = payroll_lines.id) "
            "WHERE id IN (SELECT source_line_id FROM payroll_line_items WHERE payroll_id = :run "
            "AND component = 'carry_over')"
        ),
        params,
    )


def on_cancelled(session: Session, run: PayrollRun) -> None:
    """A cancelled approved payroll paid nothing: its months, one-offs and carried money are owed again."""
    params = {"run": run.id, "p": run.period_index}
    connection = session.connection()
    connection.execute(
        text(
            "UPDATE payroll_entitlements SET dirty_from = :p WHERE (dirty_from IS NULL OR dirty_from > :p) "
            "AND beneficiary_id IN (SELECT beneficiary_id FROM payroll_lines WHERE payroll_id = :run)"
        ),
        params,
    )
    for beneficiary_id, first in connection.execute(
        text(
            "SELECT beneficiary_id, MIN(first_month) FROM payroll_line_items WHERE payroll_id = :run "
            "AND component = 'arrears' GROUP BY beneficiary_id"
        ),
        params,
    ).all():
        connection.execute(
            text(
                "UPDATE payroll_entitlements SET dirty_from = :m WHERE beneficiary_id = :b "
                "AND (dirty_from IS NULL OR dirty_from > :m)"
            ),
            {"m": int(first), "b": int(beneficiary_id)},
        )
    connection.execute(
        text(
            "UPDATE payroll_lines SET carried_into = NULL WHERE carried_into IN "
            "(SELECT id FROM payroll_lines WHERE payroll_id = :run)"
        ),
        params,
    )
    # The decision's one-time or funeral amount is owed again (the unique index on decision_id allows it then).
    connection.execute(text("UPDATE payroll_line_items SET decision_id = NULL WHERE payroll_id = :run"), params)
