"""Registry import: one file, one transaction, all or nothing; set-based work in chunks, memory bounded.

The file is streamed by ``registry.importing`` (readers and row validation). Valid rows are gathered into chunks
of ``chunk_rows``; each chunk costs one SELECT per table for what already exists, then bulk INSERTs (executemany,
``RETURNING`` for new ids) and bulk UPDATEs — never one ORM object or one query per row.

What grows with the file, and nothing else: the citizen IDs seen (``FileIdentities``: first row per program and
a digest of the person's columns, about 150 bytes per ID), one byte per row number for the row's outcome, the
rows whose guardian or proxy is registered later in the same file (their payment method is written at the end),
and the listed errors and commune mappings (each capped at ``max_errors``).

The first rejected row stops the writing; validation goes on to the end so that the report lists every error.
The caller commits only when the report says ``should_commit`` (no row rejected, not a dry run).
"""

from __future__ import annotations

import functools
import hashlib
import queue
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, delete, select, update
from sqlalchemy.exc import IntegrityError

from ansinh.access.domain import Area
from ansinh.core.bulk import bulk_insert
from ansinh.core.errors import Conflict
from ansinh.core.uow import UnitOfWork
from ansinh.decisions.tables import Decision
from ansinh.enrolment.tables import Bank
from ansinh.enrolment.tables import PaymentMethod as MethodTable
from ansinh.geo.tables import Commune, LegacyWardMapping
from ansinh.providers.tables import Provider
from ansinh.registry import catalogue
from ansinh.registry.domain import BeneficiaryStatus, RelationRole, beneficiary_code
from ansinh.registry.importing import (
    CategoryHolding,
    CategoryShape,
    CommuneMatch,
    FileIdentities,
    FileTooLargeError,
    ImportContext,
    ImportFileError,
    ImportRow,
    PayeeRole,
    RowError,
    read_import_file,
    validate_row,
)
from ansinh.registry.tables import Beneficiary, BeneficiaryCategory, Person, Relation

# A database row read with Core: its columns as attributes (SQLAlchemy types rows by their column tuple).
type _DbRow = Any

CHUNK_ROWS = 2000
MAX_ERRORS = 1000
MAX_ROWS = 1_000_000
_NAME_KEY_LENGTH = 100  # the column's size; a key is for comparison, so a cut one still compares

_PERSONS = cast(Table, Person.__table__)
_BENEFICIARIES = cast(Table, Beneficiary.__table__)
_CATEGORIES = cast(Table, BeneficiaryCategory.__table__)
_DECISIONS = cast(Table, Decision.__table__)
_METHODS = cast(Table, MethodTable.__table__)
_RELATIONS = cast(Table, Relation.__table__)


# ----------------------------------------------------------------------------------------------------
# The report


@dataclass(frozen=True, slots=True)
class CommuneMapping:
    row: int
    legacy_code: str
    current_code: str


@dataclass
class ImportReport:
    """What an import did, or would do: rows accepted and rejected, and every error with its row and column."""

    file_name: str
    sha256: str
    dry_run: bool
    accepted: int = 0
    rejected: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    errors_omitted: int = 0  # errors found beyond the listed ``max_errors``
    commune_mappings: list[CommuneMapping] = field(default_factory=list)
    commune_mappings_omitted: int = 0
    duplicates_flagged: int = 0  # likely-duplicate pairs found for an officer to review

    @property
    def ok(self) -> bool:
        return self.rejected == 0

    @property
    def should_commit(self) -> bool:
        return self.ok and not self.dry_run

    def as_dict(self) -> dict[str, Any]:
        return {
            "file_name": self.file_name,
            "sha256": self.sha256,
            "dry_run": self.dry_run,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": [
                {"row": e.row, "column": e.column, "code": e.code, "message": e.message_vi, "message_en": e.message_en}
                for e in self.errors
            ],
            "errors_omitted": self.errors_omitted,
            "commune_mappings": [
                {"row": m.row, "legacy_code": m.legacy_code, "current_code": m.current_code}
                for m in self.commune_mappings
            ],
            "commune_mappings_omitted": self.commune_mappings_omitted,
            "duplicates_flagged": self.duplicates_flagged,
        }


def file_error_body(error: ImportFileError) -> dict[str, Any]:
    """The JSON body of a file refused as a whole: the error, the row where reading stopped, header problems."""
    body: dict[str, Any] = {**error.as_dict(), "row": error.row}
    header_errors = getattr(error, "errors", ())
    body["errors"] = [e.as_dict() for e in header_errors]
    return body


# ----------------------------------------------------------------------------------------------------
# Reference data, read once per import


@dataclass(frozen=True)
class _Reference:
    commune_province: dict[str, str]  # current commune → its province
    legacy: dict[str, tuple[str, ...]]  # pre-2025 ward → current commune(s)
    bank_bins: frozenset[str]
    providers: dict[str, str]  # upper-case code → code

    @classmethod
    def load(cls, uow: UnitOfWork) -> _Reference:
        session = uow.session
        communes = dict(session.execute(select(Commune.code, Commune.province_code)).all())
        legacy: dict[str, list[str]] = {}
        for old, new in session.execute(
            select(LegacyWardMapping.legacy_ward_code, LegacyWardMapping.commune_code).order_by(
                LegacyWardMapping.legacy_ward_code, LegacyWardMapping.commune_code
            )
        ):
            legacy.setdefault(old, []).append(new)
        bins = frozenset(session.scalars(select(Bank.bin).where(Bank.active.is_(True))))
        providers = {code.upper(): code for code in session.scalars(select(Provider.code).where(Provider.active))}
        return cls(communes, {k: tuple(v) for k, v in legacy.items()}, bins, providers)

    def commune(self, code: str) -> CommuneMatch | None:
        # A current code wins: some current communes kept the code of one of the wards they were formed from.
        if code in self.commune_province:
            return CommuneMatch((code,))
        current = self.legacy.get(code)
        return CommuneMatch(current, legacy_code=code) if current else None

    def context(self, today: date) -> ImportContext:
        return ImportContext(
            today=today,
            known_commune=self.commune,
            known_categories=catalogue.category_codes,
            known_bank_bin=self.bank_bins.__contains__,
            known_provider=lambda text: text.upper() in self.providers,
            category_shape=_category_shape,
        )


@functools.cache
def _category_shape(code: str) -> CategoryShape:
    category = catalogue.find_category(code)
    if category is None:
        return CategoryShape()
    return CategoryShape(per_unit=category.per_unit, injury_rates=category.injury_rates)


# ----------------------------------------------------------------------------------------------------
# Row outcomes: one byte per row number


_NONE, _CREATED, _UPDATED, _UNCHANGED, _REJECTED = range(5)


class _Outcomes:
    """The outcome of each row; a row rejected late (a clash with a later row) leaves its earlier count."""

    def __init__(self) -> None:
        self._codes = bytearray()
        self.counts = [0] * 5
        self._lock = threading.Lock()  # the reading thread and the writing thread both record outcomes

    def get(self, row: int) -> int:
        return self._codes[row] if row < len(self._codes) else _NONE

    def set(self, row: int, code: int) -> None:
        with self._lock:
            if row >= len(self._codes):
                self._codes.extend(bytes(row + 1 - len(self._codes) + 1024))
            old = self._codes[row]
            if old in (_REJECTED, code):
                return
            if code == _UNCHANGED and old == _UPDATED:
                return  # a row that changed something stays changed
            self.counts[old] -= 1
            self.counts[code] += 1
            self._codes[row] = code

    def rejected(self, row: int) -> bool:
        return self.get(row) == _REJECTED


# ----------------------------------------------------------------------------------------------------
# Plans: what one chunk will write


@dataclass
class _MethodAction:
    row: int
    national_id: str  # the beneficiary's person
    program: str
    beneficiary_id: int | None
    province_code: str
    values: dict[str, Any]  # kind, provider_code, bank_bin, account_number, home_delivery_reason, payee_role
    payee_national_id: str
    valid_from: date
    insert_method: bool = True  # False when the open method is the same: only a relation may be missing
    close_id: int | None = None
    close_to: date | None = None
    relation_from: date | None = None  # a guardian or proxy relation to create, valid from this day


@dataclass
class _ExistingBeneficiary:
    id: int
    status: str
    province_code: str
    commune_code: str
    holdings: set[CategoryHolding] = field(default_factory=set)
    decision: tuple[str | None, date | None, str | None] | None = None  # number, signed on, effective month
    decision_order: tuple[datetime, int] | None = None
    method: _DbRow | None = None
    relations: list[tuple[str, str, date, date | None]] = field(default_factory=list)  # nid, role, from, to


@dataclass
class _Plan:
    """What one chunk found and will write."""

    persons: dict[str, _DbRow]  # registered persons among the chunk's citizen IDs and payee IDs
    row_ids: set[str]  # the citizen IDs of the chunk's rows
    payees: dict[str, int]  # registered persons who may be payees here (the acting province)
    new_persons: dict[str, dict[str, Any]] = field(default_factory=dict)
    changed_persons: dict[int, dict[str, Any]] = field(default_factory=dict)
    new_beneficiaries: list[ImportRow] = field(default_factory=list)
    adjusted: list[tuple[ImportRow, _ExistingBeneficiary]] = field(default_factory=list)
    actions: list[_MethodAction] = field(default_factory=list)
    outcomes: dict[int, int] = field(default_factory=dict)


# ----------------------------------------------------------------------------------------------------
# The import


def import_file(
    uow: UnitOfWork,
    *,
    path: Path,
    area: Area,
    dry_run: bool = False,
    max_bytes: int,
    max_rows: int = MAX_ROWS,
    max_errors: int = MAX_ERRORS,
    chunk_rows: int = CHUNK_ROWS,
    file_name: str | None = None,
) -> ImportReport:
    """Import a registry file (.xlsx or .csv) inside ``uow``; the caller commits when ``should_commit``.

    Raises ``ImportFileError`` (nothing read, nothing written) when the file as a whole cannot be read.
    """
    name = _display_name(file_name or path.name)
    digest = _sha256(path, max_bytes)
    report = ImportReport(file_name=name, sha256=digest, dry_run=dry_run)
    run = _Run(uow, area=area, report=report, max_errors=max_errors, chunk_rows=chunk_rows)
    context = run.reference.context(uow.clock.today())
    try:
        try:
            for raw in read_import_file(path, max_bytes=max_bytes, max_rows=max_rows):
                parsed, errors = validate_row(raw.row, raw.values, context)
                if parsed is None:
                    run.reject(errors)
                    run.reject(run.identities.check_raw(raw.row, raw.values))
                    continue
                run.accept(parsed)
            run.finish()
        finally:
            if run.writer is not None:
                run.writer.abort()  # on any failure too: the session must be idle before the rollback
    except IntegrityError as exc:
        # Another session registered the same person or method between our read and our write.
        raise Conflict(
            "Dữ liệu vừa bị thay đổi bởi người dùng khác trong lúc nhập: hãy nhập lại tệp.",
            "The registry changed while the file was being imported: import the file again.",
        ) from exc
    if report.should_commit:  # a dry run or a rejected file is rolled back: nothing to record
        uow.audit(
            "registry.import",
            entity_type="registry_import",
            entity_id=digest,
            province_code=area.province_code,
            detail={
                "file": name,
                "sha256": digest,
                "accepted": report.accepted,
                "created": report.created,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "duplicates_flagged": report.duplicates_flagged,
            },
        )
    return report


def _display_name(name: str) -> str:
    """The file name as recorded (report, audit, decisions): printable, at most 200 characters."""
    printable = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C"))
    return printable[:200] or "tệp"


def _sha256(path: Path, max_bytes: int) -> str:
    """The file's SHA-256 for the audit record; a file over the limit is refused before anything is read."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ImportFileError(f"Không mở được tệp «{path.name}».", f"Cannot open the file {path.name!r}.") from exc
    if size > max_bytes:
        raise FileTooLargeError(
            f"Tệp lớn hơn giới hạn {max_bytes:,} byte: hãy chia thành nhiều tệp.".replace(",", "."),
            f"The file is larger than the limit of {max_bytes:,} bytes: split it into several files.",
        )
    sha = hashlib.sha256()
    with path.open("rb") as source:
        while block := source.read(1 << 20):
            sha.update(block)
    return sha.hexdigest()


class _Run:
    """The state of one import while the file streams through it."""

    def __init__(self, uow: UnitOfWork, *, area: Area, report: ImportReport, max_errors: int, chunk_rows: int) -> None:
        self.uow = uow
        self.area = area
        self.report = report
        self.max_errors = max_errors
        self.chunk_rows = chunk_rows
        self.reference = _Reference.load(uow)
        self.identities = FileIdentities()
        self.outcomes = _Outcomes()
        self.pending: list[ImportRow] = []
        self.deferred: list[_MethodAction] = []  # payee registered later in the file: written at the end
        self.now = uow.clock.now()
        self.today = uow.clock.today()
        self.actor = uow.actor
        self.connection: Connection = uow.session.connection()
        self.writer: _Writer | None = None
        self._errors_lock = threading.Lock()

    @property
    def writing(self) -> bool:
        return self.outcomes.counts[_REJECTED] == 0

    # -- errors and outcomes

    def reject(self, errors: Iterable[RowError]) -> None:
        for error in errors:
            with self._errors_lock:
                if len(self.report.errors) < self.max_errors:
                    self.report.errors.append(error)
                else:
                    self.report.errors_omitted += 1
            self.outcomes.set(error.row, _REJECTED)

    def _error(self, row: int, column: str, code: str, message_vi: str, message_en: str) -> None:
        self.reject([RowError(row, column, code, message_vi, message_en)])

    # -- per row, in memory

    def accept(self, row: ImportRow) -> None:
        province = self.reference.commune_province[row.commune_code]
        if not self.area.covers_commune(row.commune_code, province):
            self._error(
                row.row,
                "commune_code",
                "commune_outside_area",
                f"Xã, phường {row.commune_code} nằm ngoài địa bàn của bạn.",
                f"Commune {row.commune_code} is outside your area.",
            )
        clashes = self.identities.check(row)
        if clashes:
            self.reject(clashes)
        if self.outcomes.rejected(row.row):
            return
        if row.commune_legacy_code is not None:
            if len(self.report.commune_mappings) < self.max_errors:
                self.report.commune_mappings.append(CommuneMapping(row.row, row.commune_legacy_code, row.commune_code))
            else:
                self.report.commune_mappings_omitted += 1
        self.pending.append(row)
        if len(self.pending) >= self.chunk_rows:
            self.flush()

    # -- per chunk, against the database

    def flush(self, *, last: bool = False) -> None:
        rows = [r for r in self.pending if not self.outcomes.rejected(r.row)]
        self.pending = []
        if not rows:
            return
        if last and self.writer is None:
            _Chunk(self, rows).process()  # a file of one chunk: no second thread
            return
        if self.writer is None:
            self.writer = _Writer(self)
        self.writer.submit(rows)

    def finish(self) -> None:
        self.flush(last=True)
        if self.writer is not None:
            self.writer.close()
        self._resolve_deferred()
        counts = self.outcomes.counts
        self.report.created = counts[_CREATED]
        self.report.updated = counts[_UPDATED]
        self.report.unchanged = counts[_UNCHANGED]
        self.report.accepted = counts[_CREATED] + counts[_UPDATED] + counts[_UNCHANGED]
        self.report.rejected = counts[_REJECTED]
        self.report.errors.sort(key=lambda e: e.row)

    def _resolve_deferred(self) -> None:
        for start in range(0, len(self.deferred), self.chunk_rows):
            actions = self.deferred[start : start + self.chunk_rows]
            found = self.payees_in_scope({a.payee_national_id for a in actions}) if self.writing else {}
            ready = []
            for action in actions:
                if action.payee_national_id in found:
                    ready.append(action)
                elif action.payee_national_id not in self.identities or self.writing:
                    self._error(
                        action.row,
                        "payee_national_id",
                        "payee_not_registered",
                        "Người nhận thay chưa được đăng ký: hãy đăng ký người này trước, hoặc thêm một dòng của "
                        "người này vào tệp.",
                        "The payee is not registered: register them first, or add their row to the file.",
                    )
            if self.writing:
                self.write_methods(ready, found)

    def payees_in_scope(self, national_ids: set[str]) -> dict[str, int]:
        """Citizen ID → person id of the registered persons who may be payees here (the acting province)."""
        if not national_ids:
            return {}
        query = select(_PERSONS.c.national_id, _PERSONS.c.id).where(_PERSONS.c.national_id.in_(sorted(national_ids)))
        if self.area.province_code is not None:
            query = query.where(_PERSONS.c.province_code == self.area.province_code)
        return dict(self.connection.execute(query).all())

    def write_methods(self, actions: Sequence[_MethodAction], payees: dict[str, int]) -> None:
        """Close the open methods that changed, insert the new ones, and the guardian/proxy relations missing."""
        closes = [{"_id": a.close_id, "_to": a.close_to} for a in actions if a.close_id is not None]
        if closes:
            self.connection.execute(
                update(_METHODS).where(_METHODS.c.id == bindparam("_id")).values(valid_to=bindparam("_to")), closes
            )
        methods = [
            {
                **a.values,
                "beneficiary_id": a.beneficiary_id,
                "province_code": a.province_code,
                "payee_person_id": payees[a.payee_national_id],
                "valid_from": a.valid_from,
                "valid_to": None,
                "source": "import",
                "account_name": None,
                "created_by": self.actor,
                "created_at": self.now,
            }
            for a in actions
            if a.insert_method
        ]
        if methods:
            bulk_insert(self.connection, _METHODS, methods)
        relations = [
            {
                "beneficiary_id": a.beneficiary_id,
                "person_id": payees[a.payee_national_id],
                "province_code": a.province_code,
                "role": a.values["payee_role"],
                "valid_from": a.relation_from,
                "valid_to": None,
                "document_number": None,
                "created_by": self.actor,
                "created_at": self.now,
            }
            for a in actions
            if a.relation_from is not None
        ]
        if relations:
            bulk_insert(self.connection, _RELATIONS, relations)


class _Writer:
    """Writes the chunks in a second thread, in order, while the file is still being read and checked.

    The database's share of an import (PostgreSQL's own work, SQLite's C code, both outside the GIL) overlaps the
    reading of the next chunk. The queue holds one chunk: at most three are in memory (being filled, waiting,
    being written). Only this thread uses the session until ``close`` or ``abort`` has joined it.
    """

    def __init__(self, run: _Run) -> None:
        self._run = run
        self._queue: queue.Queue[list[ImportRow] | None] = queue.Queue(maxsize=1)
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._loop, name="ansinh-import-writer", daemon=True)
        self._thread.start()

    def submit(self, rows: list[ImportRow]) -> None:
        self._raise_failure()
        self._queue.put(rows)

    def close(self) -> None:
        """Wait for every chunk to be written; raise what the writing raised."""
        self.abort()
        self._raise_failure()

    def abort(self) -> None:
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()

    def _raise_failure(self) -> None:
        if self._failure is not None:
            raise self._failure

    def _loop(self) -> None:
        while (rows := self._queue.get()) is not None:
            if self._failure is not None:
                continue  # after a failure, drain until told to stop
            try:
                _Chunk(self._run, rows).process()
            except BaseException as exc:  # handed to the reading thread, which raises it
                self._failure = exc


class _Chunk:
    """One chunk of valid rows: read what exists (one SELECT per table), compare, then write in bulk."""

    def __init__(self, run: _Run, rows: list[ImportRow]) -> None:
        self.run = run
        self.rows = rows
        self.connection = run.connection

    def process(self) -> None:
        plan = self._plan()
        run = self.run
        for row_number, outcome in plan.outcomes.items():
            run.outcomes.set(row_number, outcome)
        # A guardian or proxy registered later in the file is resolved at the end.
        known = plan.payees.keys() | plan.row_ids
        ready = [a for a in plan.actions if a.payee_national_id in known]
        run.deferred.extend(a for a in plan.actions if a.payee_national_id not in known)
        if run.writing:
            self._write(plan, ready)

    def _plan(self) -> _Plan:
        run = self.run
        row_ids = {r.national_id for r in self.rows}
        persons = self._persons(row_ids | {r.payee_national_id for r in self.rows if r.payee_national_id})
        existing = self._beneficiaries([p.id for nid, p in persons.items() if nid in row_ids])
        self._check_area(persons, existing)
        plan = _Plan(
            persons=persons,
            row_ids=row_ids,
            payees={nid: p.id for nid, p in persons.items() if self._payee_in_scope(p)},
        )
        for row in self.rows:
            if run.outcomes.rejected(row.row):
                continue
            province = run.reference.commune_province[row.commune_code]
            values = _person_values(row, province)
            person = persons.get(row.national_id)
            person_changed = False
            if person is None:
                plan.new_persons.setdefault(row.national_id, values)
            elif person.id not in plan.changed_persons and _differs(person, values):
                plan.changed_persons[person.id] = values
                person_changed = True
            current = existing.get((person.id, row.program.value)) if person is not None else None
            action = self._method_action(row, current, province)
            if current is None:
                plan.new_beneficiaries.append(row)
                plan.actions.append(action)
                plan.outcomes[row.row] = _CREATED
                continue
            decision = (row.decision_number, row.decision_date, str(row.effective_from))
            decision_differs = current.decision != decision or current.holdings != set(row.holdings)
            changed = decision_differs or action.insert_method or action.relation_from is not None
            if changed and current.status in (BeneficiaryStatus.PENDING, BeneficiaryStatus.TERMINATED):
                self._refuse_status(row, current.status)
                continue
            if decision_differs:
                plan.adjusted.append((row, current))
            if action.insert_method or action.relation_from is not None:
                plan.actions.append(action)
            plan.outcomes[row.row] = _UPDATED if changed or person_changed else _UNCHANGED
        return plan

    def _write(self, plan: _Plan, ready: list[_MethodAction]) -> None:
        run = self.run
        person_ids = self._write_persons(plan.new_persons, plan.changed_persons, plan.persons, plan.row_ids)
        beneficiary_ids = self._write_beneficiaries(plan.new_beneficiaries, person_ids)
        self._write_decisions(plan.new_beneficiaries, plan.adjusted, beneficiary_ids, person_ids)
        for action in plan.actions:
            if action.beneficiary_id is None:
                action.beneficiary_id = beneficiary_ids[(person_ids[action.national_id], action.program)]
        run.write_methods(ready, plan.payees | person_ids)
        touched = [person_ids[nid] for nid in plan.new_persons] + list(plan.changed_persons)
        if touched:
            # Imported here: the registry services (another module of this package) import the import's callers.
            from ansinh.registry.services import flag_likely_duplicates

            run.report.duplicates_flagged += flag_likely_duplicates(run.uow, person_ids=touched)

    # -- reads

    def _persons(self, national_ids: set[str]) -> dict[str, _DbRow]:
        c = _PERSONS.c
        query = select(
            c.id,
            c.national_id,
            c.full_name,
            c.name_key,
            c.date_of_birth,
            c.sex,
            c.province_code,
            c.commune_code,
            c.address,
            c.phone,
            c.identity_warnings,
            c.identity_override_reason,
        ).where(c.national_id.in_(sorted(national_ids)))
        return {p.national_id: p for p in self.connection.execute(query)}

    def _payee_in_scope(self, person: _DbRow) -> bool:
        province = self.run.area.province_code
        return province is None or person.province_code == province

    def _check_area(self, persons: dict[str, _DbRow], existing: dict[tuple[int, str], _ExistingBeneficiary]) -> None:
        area = self.run.area
        for row in self.rows:
            person = persons.get(row.national_id)
            if person is None:
                continue
            if not area.covers_commune(person.commune_code, person.province_code):
                self.run._error(
                    row.row,
                    "national_id",
                    "person_outside_area",
                    "Người có số định danh này đã được đăng ký ở địa bàn ngoài phạm vi của bạn.",
                    "The person with this personal ID is registered outside your area.",
                )
                continue
            current = existing.get((person.id, row.program.value))
            if current is not None and not area.covers_commune(current.commune_code, current.province_code):
                self.run._error(
                    row.row,
                    "national_id",
                    "beneficiary_outside_area",
                    "Đối tượng này do một xã, phường ngoài địa bàn của bạn quản lý.",
                    "This beneficiary is managed by a commune outside your area.",
                )

    def _beneficiaries(self, person_ids: list[int]) -> dict[tuple[int, str], _ExistingBeneficiary]:
        if not person_ids:
            return {}
        b = _BENEFICIARIES.c
        found: dict[tuple[int, str], _ExistingBeneficiary] = {}
        by_id: dict[int, _ExistingBeneficiary] = {}
        item: _DbRow
        for item in self.connection.execute(
            select(b.id, b.person_id, b.program, b.status, b.province_code, b.commune_code).where(
                b.person_id.in_(sorted(person_ids))
            )
        ):
            current = _ExistingBeneficiary(item.id, item.status, item.province_code, item.commune_code)
            found[(item.person_id, item.program)] = current
            by_id[item.id] = current
        if not by_id:
            return found
        ids = sorted(by_id)
        c = _CATEGORIES.c
        for item in self.connection.execute(
            select(c.beneficiary_id, c.category_code, c.units, c.injury_rate).where(c.beneficiary_id.in_(ids))
        ):
            by_id[item.beneficiary_id].holdings.add(CategoryHolding(item.category_code, item.units, item.injury_rate))
        d = _DECISIONS.c
        for item in self.connection.execute(
            select(d.id, d.beneficiary_id, d.number, d.signed_on, d.effective_from, d.reviewed_at, d.created_at).where(
                d.beneficiary_id.in_(ids), d.status == "approved", d.kind.in_(("grant", "adjust"))
            )
        ):
            # The decision applied last set the categories: order by when it was approved (imported: created).
            order = (item.reviewed_at or item.created_at, item.id)
            current = by_id[item.beneficiary_id]
            if current.decision_order is None or order > current.decision_order:
                current.decision_order = order
                current.decision = (item.number, item.signed_on, item.effective_from)
        m = _METHODS.c
        payee = _PERSONS.alias("payee")
        for item in self.connection.execute(
            select(
                m.id,
                m.beneficiary_id,
                m.kind,
                m.provider_code,
                m.bank_bin,
                m.account_number,
                m.home_delivery_reason,
                m.payee_role,
                m.valid_from,
                payee.c.national_id.label("payee_national_id"),
            )
            .join(payee, payee.c.id == m.payee_person_id)
            .where(m.beneficiary_id.in_(ids), m.valid_to.is_(None))
        ):
            by_id[item.beneficiary_id].method = item
        r = _RELATIONS.c
        for item in self.connection.execute(
            select(r.beneficiary_id, r.role, r.valid_from, r.valid_to, _PERSONS.c.national_id)
            .join(_PERSONS, _PERSONS.c.id == r.person_id)
            .where(r.beneficiary_id.in_(ids), r.role.in_((RelationRole.GUARDIAN.value, RelationRole.PROXY.value)))
        ):
            by_id[item.beneficiary_id].relations.append((item.national_id, item.role, item.valid_from, item.valid_to))
        return found

    def _refuse_status(self, row: ImportRow, status: str) -> None:
        if status == BeneficiaryStatus.PENDING:
            vi = "Đối tượng đang chờ phê duyệt quyết định hưởng: hãy phê duyệt hoặc từ chối quyết định đó trước."
            en = "The beneficiary's grant decision awaits approval: approve or reject it first."
        else:
            vi = "Đối tượng đã thôi hưởng: muốn hưởng lại cần quyết định mới qua quy trình phê duyệt, không qua tệp."
            en = "The beneficiary was terminated: a new grant goes through the approval workflow, not an import."
        self.run._error(row.row, "decision_number", f"beneficiary_{status}", vi, en)

    # -- comparisons

    def _method_action(self, row: ImportRow, current: _ExistingBeneficiary | None, province: str) -> _MethodAction:
        run = self.run
        values = {
            "kind": row.payment_method.value,
            "provider_code": run.reference.providers[row.provider.upper()] if row.provider else None,
            "bank_bin": row.bank_bin,
            "account_number": row.account_number,
            "home_delivery_reason": row.home_delivery_reason.value if row.home_delivery_reason else None,
            "payee_role": row.payee_role.value,
        }
        action = _MethodAction(
            row=row.row,
            national_id=row.national_id,
            program=row.program.value,
            beneficiary_id=current.id if current is not None else None,
            province_code=current.province_code if current is not None else province,
            values=values,
            payee_national_id=row.payee_national_id or row.national_id,
            valid_from=row.effective_from.first_day,
        )
        if current is not None:
            method = current.method
            if method is None:
                action.valid_from = run.today
            elif _same_method(method, action):
                action.insert_method = False
            else:
                # The new method starts today (or the day after the open one started, if that is later).
                action.valid_from = max(run.today, method.valid_from + timedelta(days=1))
                action.close_id, action.close_to = method.id, action.valid_from - timedelta(days=1)
        if row.payee_role is not PayeeRole.BENEFICIARY:
            action.relation_from = self._relation_from(row, current)
        return action

    def _relation_from(self, row: ImportRow, current: _ExistingBeneficiary | None) -> date | None:
        """The first day of the guardian/proxy relation to create, or None when a valid one exists."""
        start = row.effective_from.first_day
        if current is None:
            return start
        taken: set[date] = set()
        for nid, role, valid_from, valid_to in current.relations:
            if nid != row.payee_national_id or role != row.payee_role.value:
                continue
            if valid_to is None or valid_to >= self.run.today:
                return None
            taken.add(valid_from)
            if valid_to >= start:
                start = self.run.today  # an ended relation covers the effective month: the new one starts today
        return start if start not in taken else self.run.today

    # -- writes

    def _write_persons(
        self,
        new_persons: dict[str, dict[str, Any]],
        changed: dict[int, dict[str, Any]],
        persons: dict[str, _DbRow],
        row_ids: set[str],
    ) -> dict[str, int]:
        """Citizen ID → person id of the chunk's rows, after inserting the new persons and updating the changed."""
        run = self.run
        ids = {nid: p.id for nid, p in persons.items() if nid in row_ids}
        if new_persons:
            rows = [
                {
                    "national_id": nid,
                    **values,
                    "verification_status": "unverified",
                    "created_at": run.now,
                    "updated_at": run.now,
                    "version": 1,
                }
                for nid, values in new_persons.items()
            ]
            bulk_insert(self.connection, _PERSONS, rows)
            c = _PERSONS.c
            ids.update(
                self.connection.execute(select(c.national_id, c.id).where(c.national_id.in_(sorted(new_persons)))).all()
            )
        if changed:
            c = _PERSONS.c
            statement = (
                update(_PERSONS)
                .where(c.id == bindparam("_id"))
                .values(
                    **{key: bindparam(f"_{key}") for key in _PERSON_COLUMNS},
                    updated_at=run.now,
                    version=c.version + 1,
                )
            )
            self.connection.execute(
                statement,
                [{"_id": pid, **{f"_{k}": v for k, v in values.items()}} for pid, values in changed.items()],
            )
        return ids

    def _write_beneficiaries(self, rows: list[ImportRow], person_ids: dict[str, int]) -> dict[tuple[int, str], int]:
        run = self.run
        if not rows:
            return {}
        values = []
        for row in rows:
            person_id = person_ids[row.national_id]
            province = run.reference.commune_province[row.commune_code]
            values.append(
                {
                    "code": beneficiary_code(province, row.program, person_id),
                    "person_id": person_id,
                    "program": row.program.value,
                    "province_code": province,
                    "commune_code": row.commune_code,
                    "status": BeneficiaryStatus.ACTIVE.value,
                    "created_at": run.now,
                    "updated_at": run.now,
                    "version": 1,
                }
            )
        b = _BENEFICIARIES.c
        bulk_insert(self.connection, _BENEFICIARIES, values)
        wanted = {(v["person_id"], v["program"]) for v in values}
        found = self.connection.execute(
            select(b.person_id, b.program, b.id).where(b.person_id.in_(sorted({key[0] for key in wanted})))
        )
        return {(person_id, program): bid for person_id, program, bid in found if (person_id, program) in wanted}

    def _write_decisions(
        self,
        new: list[ImportRow],
        adjusted: list[tuple[ImportRow, _ExistingBeneficiary]],
        beneficiary_ids: dict[tuple[int, str], int],
        person_ids: dict[str, int],
    ) -> None:
        run = self.run
        decisions: list[dict[str, Any]] = []
        categories: list[dict[str, Any]] = []

        def decision(row: ImportRow, beneficiary_id: int, kind: str, province: str, commune: str) -> None:
            decisions.append(
                {
                    "beneficiary_id": beneficiary_id,
                    "province_code": province,
                    "commune_code": commune,
                    "kind": kind,
                    "status": "approved",
                    "number": row.decision_number,
                    "signed_on": row.decision_date,
                    "signer": None,
                    "effective_from": str(row.effective_from),
                    "legal_basis": None,
                    "details": {
                        "categories": [h.as_details() for h in row.holdings],
                        "note": f"Nhập từ tệp {run.report.file_name}",
                    },
                    "source": "import",
                    "created_by": run.actor,
                    "created_at": run.now,
                    # Already signed in the ministry's software: recorded as approved, with no checker here.
                    "submitted_by": run.actor,
                    "submitted_at": run.now,
                    "reviewed_by": None,
                    "reviewed_at": None,
                    "rejection_reason": None,
                    "version": 1,
                }
            )
            categories.extend(
                {
                    "beneficiary_id": beneficiary_id,
                    "category_code": h.code,
                    "units": h.units,
                    "injury_rate": h.injury_rate,
                }
                for h in row.holdings
            )

        for row in new:
            province = run.reference.commune_province[row.commune_code]
            bid = beneficiary_ids[(person_ids[row.national_id], row.program.value)]
            decision(row, bid, "grant", province, row.commune_code)
        for row, current in adjusted:
            decision(row, current.id, "adjust", current.province_code, current.commune_code)
        if adjusted:
            ids = sorted({current.id for _, current in adjusted})
            self.connection.execute(delete(_CATEGORIES).where(_CATEGORIES.c.beneficiary_id.in_(ids)))
            b = _BENEFICIARIES.c
            self.connection.execute(
                update(_BENEFICIARIES)
                .where(b.id == bindparam("_id"))
                .values(updated_at=run.now, version=b.version + 1),
                [{"_id": bid} for bid in ids],
            )
        if decisions:
            bulk_insert(self.connection, _DECISIONS, decisions)
        if categories:
            bulk_insert(self.connection, _CATEGORIES, categories)


_PERSON_COLUMNS = (
    "full_name",
    "name_key",
    "date_of_birth",
    "sex",
    "province_code",
    "commune_code",
    "address",
    "phone",
    "identity_warnings",
    "identity_override_reason",
)


def _person_values(row: ImportRow, province: str) -> dict[str, Any]:
    return {
        "full_name": row.full_name,
        "name_key": row.name_key[:_NAME_KEY_LENGTH],
        "date_of_birth": row.date_of_birth,
        "sex": row.sex.value,
        "province_code": province,
        "commune_code": row.commune_code,
        "address": row.address,
        "phone": row.phone,
        "identity_warnings": [f.code.value for f in row.identity_warnings],
        "identity_override_reason": row.identity_override_reason,
    }


def _differs(person: _DbRow, values: dict[str, Any]) -> bool:
    return any(getattr(person, key) != value for key, value in values.items())


def _same_method(method: _DbRow, action: _MethodAction) -> bool:
    values = action.values
    return bool(
        method.kind == values["kind"]
        and method.provider_code == values["provider_code"]
        and method.bank_bin == values["bank_bin"]
        and method.account_number == values["account_number"]
        and method.home_delivery_reason == values["home_delivery_reason"]
        and method.payee_role == values["payee_role"]
        and method.payee_national_id == action.payee_national_id
    )


__all__ = ["CHUNK_ROWS", "MAX_ERRORS", "MAX_ROWS", "CommuneMapping", "ImportReport", "file_error_body", "import_file"]
