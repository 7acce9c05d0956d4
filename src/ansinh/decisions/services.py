"""Use cases of decisions: enrol, propose, confirm a system proposal, approve or reject, list, timeline.

Every function runs in a unit of work the caller commits. Reads and writes are scoped by the acting user's area;
something outside it is "not found" (its existence is not revealed). Approval applies the act to the beneficiary in
the same transaction, under the beneficiary's optimistic lock (its ``version``), so two approvals that race
cannot both apply.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from ansinh.access.domain import Area, Permission, Principal
from ansinh.access.scoping import area_clause, require_commune
from ansinh.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ansinh.core.period import Period
from ansinh.core.uow import UnitOfWork
from ansinh.decisions.domain import (
    CategoryDetails,
    DecisionKind,
    DecisionSource,
    DecisionStatus,
    Details,
    FuneralDetails,
    History,
    TerminateDetails,
    check_effective_order,
    effective_month,
    parse_categories,
    parse_details,
    status_after,
    summary,
    transition,
)
from ansinh.decisions.tables import Decision
from ansinh.registry.domain import BeneficiaryStatus, RelationRole, beneficiary_code
from ansinh.registry.importing import Program
from ansinh.registry.tables import Beneficiary, BeneficiaryCategory, Person, Relation

MAX_LIMIT = 500


@dataclass(frozen=True)
class DecisionView:
    id: int
    beneficiary_code: str
    program: str
    province_code: str
    commune_code: str
    kind: DecisionKind
    status: DecisionStatus
    number: str | None
    signed_on: date | None
    signer: str | None
    effective_from: str | None  # YYYY-MM
    legal_basis: str | None
    details: dict[str, Any]
    source: str
    created_by: str
    created_at: datetime
    submitted_by: str | None  # the maker
    submitted_at: datetime | None
    reviewed_by: str | None  # the checker
    reviewed_at: datetime | None
    rejection_reason: str | None
    summary_vi: str
    summary_en: str


@dataclass(frozen=True)
class TimelineEntry:
    decision_id: int
    kind: DecisionKind
    status: DecisionStatus
    number: str | None
    signed_on: date | None
    effective_from: str | None
    summary_vi: str
    summary_en: str
    source: str
    maker: str | None
    checker: str | None
    rejection_reason: str | None


def _view(decision: Decision, beneficiary: Beneficiary) -> DecisionView:
    kind = DecisionKind(decision.kind)
    details = dict(decision.details or {})
    summary_vi, summary_en = summary(kind, details, decision.effective_from)
    return DecisionView(
        id=decision.id,
        beneficiary_code=beneficiary.code,
        program=beneficiary.program,
        province_code=decision.province_code,
        commune_code=decision.commune_code,
        kind=kind,
        status=DecisionStatus(decision.status),
        number=decision.number,
        signed_on=decision.signed_on,
        signer=decision.signer,
        effective_from=decision.effective_from,
        legal_basis=decision.legal_basis,
        details=details,
        source=decision.source,
        created_by=decision.created_by,
        created_at=decision.created_at,
        submitted_by=decision.submitted_by,
        submitted_at=decision.submitted_at,
        reviewed_by=decision.reviewed_by,
        reviewed_at=decision.reviewed_at,
        rejection_reason=decision.rejection_reason,
        summary_vi=summary_vi,
        summary_en=summary_en,
    )


# ---------------------------------------------------------------------------------------------------------------
# Loading, always inside the area


def _beneficiary_not_found(code: object) -> NotFound:
    return NotFound(f"Không tìm thấy đối tượng {code}", f"beneficiary {code} not found", field="beneficiary_code")


def _beneficiary_in_area(uow: UnitOfWork, area: Area, code: str) -> Beneficiary:
    beneficiary = uow.session.scalars(
        select(Beneficiary).where(
            Beneficiary.code == code.strip(),
            area_clause(area, Beneficiary.province_code, Beneficiary.commune_code),
        )
    ).one_or_none()
    if beneficiary is None:
        raise _beneficiary_not_found(code)
    return beneficiary


def _decision_in_area(uow: UnitOfWork, area: Area, decision_id: int) -> tuple[Decision, Beneficiary]:
    row = uow.session.execute(
        select(Decision, Beneficiary)
        .join(Beneficiary, Beneficiary.id == Decision.beneficiary_id)
        .where(Decision.id == decision_id, area_clause(area, Decision.province_code, Decision.commune_code))
    ).one_or_none()
    if row is None:
        raise NotFound(
            f"Không tìm thấy quyết định {decision_id}", f"decision {decision_id} not found", field="decision_id"
        )
    return row[0], row[1]


def _person(uow: UnitOfWork, person_id: int) -> Person:
    person = uow.session.get(Person, person_id)
    if person is None:
        raise NotFound(f"Không tìm thấy người {person_id}", f"person {person_id} not found", field="person_id")
    return person


def _history(uow: UnitOfWork, beneficiary_id: int, *, excluding: int | None = None) -> History:
    """The months of the beneficiary's approved decisions that a new one must come after."""
    rows = uow.session.execute(
        select(Decision.id, Decision.kind, Decision.effective_from).where(
            Decision.beneficiary_id == beneficiary_id, Decision.status == DecisionStatus.APPROVED.value
        )
    ).all()
    start: Period | None = None
    last_status: Period | None = None
    last_categories: Period | None = None
    for decision_id, kind, effective in rows:
        if decision_id == excluding or effective is None:
            continue
        month = Period.parse(effective)
        if kind == DecisionKind.GRANT:
            start = month if start is None else min(start, month)
        if kind in (DecisionKind.GRANT, DecisionKind.ADJUST):
            last_categories = month if last_categories is None else max(last_categories, month)
        if kind in (DecisionKind.SUSPEND, DecisionKind.RESUME, DecisionKind.TERMINATE):
            last_status = month if last_status is None else max(last_status, month)
    return History(start, last_status, last_categories)


# ---------------------------------------------------------------------------------------------------------------
# Checks shared by every way a decision is made


@dataclass(frozen=True)
class _Act:
    """The signed paper: number, date, signer, legal basis (all required once a maker enters it)."""

    number: str
    signed_on: date
    signer: str
    legal_basis: str


def _required(value: str | None, field: str, limit: int, vi: str, en: str) -> str:
    text = " ".join((value or "").split())
    if not text:
        raise ValidationFailed(f"Thiếu {vi}", f"the {en} is required", field=field)
    if len(text) > limit:
        raise ValidationFailed(
            f"{vi.capitalize()} dài quá {limit} ký tự", f"the {en} is longer than {limit} characters", field=field
        )
    return text


def _act(
    uow: UnitOfWork, *, number: str | None, signed_on: date | None, signer: str | None, legal_basis: str | None
) -> _Act:
    if signed_on is None:
        raise ValidationFailed("Thiếu ngày ký", "the signing date is required", field="signed_on")
    if signed_on > uow.clock.today():
        raise ValidationFailed(
            f"Ngày ký {signed_on:%d/%m/%Y} ở tương lai",
            f"the signing date {signed_on.isoformat()} is in the future",
            field="signed_on",
        )
    return _Act(
        number=_required(number, "number", 50, "số quyết định", "decision number"),
        signed_on=signed_on,
        signer=_required(signer, "signer", 200, "người ký", "signer"),
        legal_basis=_required(legal_basis, "legal_basis", 500, "căn cứ pháp lý", "legal basis"),
    )


def _funeral_approved(uow: UnitOfWork, person_id: int, *, excluding: int | None = None) -> int | None:
    """The id of an approved funeral support for this person, in any program: only one per person (Art 11)."""
    query = (
        select(Decision.id)
        .join(Beneficiary, Beneficiary.id == Decision.beneficiary_id)
        .where(
            Beneficiary.person_id == person_id,
            Decision.kind == DecisionKind.FUNERAL.value,
            Decision.status == DecisionStatus.APPROVED.value,
        )
    )
    if excluding is not None:
        query = query.where(Decision.id != excluding)
    return uow.session.scalars(query.limit(1)).first()


def _check_against_person(uow: UnitOfWork, details: Details, person: Person, *, decision_id: int | None) -> None:
    death = details.date_of_death if isinstance(details, TerminateDetails | FuneralDetails) else None
    if death is not None:
        if death < person.date_of_birth:
            raise ValidationFailed(
                f"Ngày mất {death:%d/%m/%Y} trước ngày sinh {person.date_of_birth:%d/%m/%Y}",
                f"the date of death {death.isoformat()} is before the date of birth",
                field="details.date_of_death",
            )
        if person.date_of_death is not None and person.date_of_death != death:
            raise ValidationFailed(
                f"Ngày mất {death:%d/%m/%Y} khác ngày mất trong hồ sơ ({person.date_of_death:%d/%m/%Y})",
                f"the date of death {death.isoformat()} differs from the registry's "
                f"({person.date_of_death.isoformat()})",
                field="details.date_of_death",
            )
    if isinstance(details, FuneralDetails):
        existing = _funeral_approved(uow, person.id, excluding=decision_id)
        if existing is not None:
            raise Conflict(
                f"Người này đã được hỗ trợ mai táng (quyết định {existing}): mỗi người chỉ một lần",
                f"this person already has funeral support (decision {existing}): only one per person",
                field="kind",
            )
        organiser = details.organiser_person_id
        if organiser is not None:
            if organiser == person.id:
                raise ValidationFailed(
                    "Người tổ chức mai táng không thể là người đã mất",
                    "the funeral organiser cannot be the deceased",
                    field="details.organiser_person_id",
                )
            if uow.session.get(Person, organiser) is None:
                raise NotFound(
                    f"Không tìm thấy người tổ chức mai táng {organiser}",
                    f"funeral organiser {organiser} not found (register the person first)",
                    field="details.organiser_person_id",
                )


def _prepare(
    uow: UnitOfWork,
    *,
    beneficiary: Beneficiary,
    kind: DecisionKind,
    details: object,
    signed_on: date | None,
    effective_from: Period | None,
    decision_id: int | None = None,
    check_order: bool = True,
) -> tuple[Details, Period | None]:
    """Validate what the act says for this beneficiary; return it parsed, with its effective month."""
    person = _person(uow, beneficiary.person_id)
    parsed = parse_details(
        kind,
        details,
        program=Program(beneficiary.program),
        province_code=beneficiary.province_code,
        today=uow.clock.today(),
    )
    status_after(kind, BeneficiaryStatus(beneficiary.status))  # early answer; approval checks again
    _check_against_person(uow, parsed, person, decision_id=decision_id)
    effective = effective_month(parsed, signed_on=signed_on, requested=effective_from)
    if effective is not None and check_order:
        check_effective_order(kind, effective, _history(uow, beneficiary.id, excluding=decision_id))
    return parsed, effective


def _new_decision(
    uow: UnitOfWork,
    *,
    beneficiary: Beneficiary,
    kind: DecisionKind,
    status: DecisionStatus,
    details: Details,
    effective: Period | None,
    source: str,
    act: _Act | None,
    legal_basis: str | None = None,
) -> Decision:
    now = uow.clock.now()
    decision = Decision(
        beneficiary_id=beneficiary.id,
        province_code=beneficiary.province_code,
        commune_code=beneficiary.commune_code,
        kind=kind.value,
        status=status.value,
        number=act.number if act else None,
        signed_on=act.signed_on if act else None,
        signer=act.signer if act else None,
        effective_from=str(effective) if effective else None,
        legal_basis=act.legal_basis if act else legal_basis,
        details=details.to_json(),
        source=source,
        created_by=uow.actor,
        created_at=now,
        submitted_by=uow.actor if status is DecisionStatus.SUBMITTED else None,
        submitted_at=now if status is DecisionStatus.SUBMITTED else None,
    )
    uow.session.add(decision)
    uow.session.flush()
    return decision


def _audit(uow: UnitOfWork, action: str, decision: Decision, beneficiary: Beneficiary, **extra: Any) -> None:
    uow.audit(
        action,
        entity_type="decision",
        entity_id=str(decision.id),
        province_code=decision.province_code,
        detail={
            "beneficiary_code": beneficiary.code,
            "kind": decision.kind,
            "status": decision.status,
            "number": decision.number,
            "effective_from": decision.effective_from,
            **extra,
        },
    )


# ---------------------------------------------------------------------------------------------------------------
# Making decisions


def enrol(
    uow: UnitOfWork,
    *,
    area: Area,
    person_id: int,
    program: Program,
    commune_code: str | None = None,
    number: str,
    signed_on: date,
    signer: str,
    effective_from: Period | None,
    legal_basis: str,
    categories: Sequence[Mapping[str, object]],
    note: str | None = None,
) -> DecisionView:
    """Enrol a person in a program: a ``pending`` beneficiary and the maker's grant decision, waiting for a checker."""
    from ansinh.geo.services import get_commune

    person = uow.session.scalars(
        select(Person).where(Person.id == person_id, area_clause(area, Person.province_code, Person.commune_code))
    ).one_or_none()
    if person is None:
        raise NotFound(f"Không tìm thấy người {person_id}", f"person {person_id} not found", field="person_id")
    if commune_code is None:
        commune, province = person.commune_code, person.province_code
    else:
        unit = get_commune(uow, commune_code)
        assert unit.province_code is not None
        commune, province = unit.code, unit.province_code
    require_commune(area, commune_code=commune, province_code=province)
    if person.date_of_death is not None:
        raise ValidationFailed(
            f"Người này đã mất ngày {person.date_of_death:%d/%m/%Y}",
            f"this person died on {person.date_of_death.isoformat()}",
            field="person_id",
        )
    existing = uow.session.scalars(
        select(Beneficiary.code).where(Beneficiary.person_id == person.id, Beneficiary.program == program.value)
    ).first()
    if existing is not None:
        raise Conflict(
            f"Người này đã là đối tượng {existing} của chương trình {program.value}",
            f"this person is already beneficiary {existing} of the {program.value} program",
            field="program",
        )
    act = _act(uow, number=number, signed_on=signed_on, signer=signer, legal_basis=legal_basis)
    choices = parse_categories(categories, program=program, province_code=province, field="categories")
    details = CategoryDetails(choices, " ".join(note.split())[:500] if note and note.strip() else None)
    now = uow.clock.now()
    beneficiary = Beneficiary(
        code=beneficiary_code(province, program, person.id),
        person_id=person.id,
        program=program.value,
        province_code=province,
        commune_code=commune,
        status=BeneficiaryStatus.PENDING.value,
        created_at=now,
        updated_at=now,
    )
    uow.session.add(beneficiary)
    try:
        uow.session.flush()
    except IntegrityError:  # enrolled at the same moment by someone else
        raise Conflict(
            f"Người này vừa được đăng ký vào chương trình {program.value}",
            f"this person was just enrolled in the {program.value} program by someone else",
            field="program",
        ) from None
    effective = effective_month(details, signed_on=act.signed_on, requested=effective_from)
    decision = _new_decision(
        uow,
        beneficiary=beneficiary,
        kind=DecisionKind.GRANT,
        status=DecisionStatus.SUBMITTED,
        details=details,
        effective=effective,
        source=DecisionSource.OFFICER.value,
        act=act,
    )
    _audit(uow, "decision.enrol", decision, beneficiary, person_id=person.id, program=program.value)
    return _view(decision, beneficiary)


def propose(
    uow: UnitOfWork,
    *,
    area: Area,
    beneficiary_code: str,
    kind: DecisionKind,
    number: str,
    signed_on: date,
    signer: str,
    effective_from: Period | None,
    legal_basis: str,
    details: Mapping[str, object],
) -> DecisionView:
    """A maker enters a signed decision for a beneficiary in their area; it waits for a checker (``submitted``)."""
    beneficiary = _beneficiary_in_area(uow, area, beneficiary_code)
    act = _act(uow, number=number, signed_on=signed_on, signer=signer, legal_basis=legal_basis)
    parsed, effective = _prepare(
        uow,
        beneficiary=beneficiary,
        kind=kind,
        details=details,
        signed_on=act.signed_on,
        effective_from=effective_from,
    )
    decision = _new_decision(
        uow,
        beneficiary=beneficiary,
        kind=kind,
        status=DecisionStatus.SUBMITTED,
        details=parsed,
        effective=effective,
        source=DecisionSource.OFFICER.value,
        act=act,
    )
    _audit(uow, "decision.propose", decision, beneficiary)
    return _view(decision, beneficiary)


def propose_draft(
    uow: UnitOfWork,
    *,
    beneficiary_id: int,
    kind: str,
    effective_from: Period | None,
    details: dict[str, Any],
    source: str,
    legal_basis: str | None = None,
) -> int:
    """A system proposal (e.g. after a death is reported): a ``draft`` an officer confirms or leaves; its id.

    No area: the caller (verification, reconciliation) already works inside one. ``created_by`` is ``uow.actor``.
    """
    beneficiary = uow.session.get(Beneficiary, beneficiary_id)
    if beneficiary is None:
        raise _beneficiary_not_found(beneficiary_id)
    try:
        decision_kind = DecisionKind(kind)
    except ValueError:
        raise ValidationFailed(
            f"Không có loại quyết định {kind}", f"unknown kind of decision {kind}", field="kind"
        ) from None
    try:
        decision_source = DecisionSource(source)
    except ValueError:
        raise ValidationFailed(
            f"Không có nguồn quyết định {source}", f"unknown decision source {source}", field="source"
        ) from None
    # A proposal is not checked against the order of approved decisions: the officer who confirms it is.
    parsed, effective = _prepare(
        uow,
        beneficiary=beneficiary,
        kind=decision_kind,
        details=details,
        signed_on=None,
        effective_from=effective_from,
        check_order=False,
    )
    basis = " ".join(legal_basis.split())[:500] if legal_basis and legal_basis.strip() else None
    decision = _new_decision(
        uow,
        beneficiary=beneficiary,
        kind=decision_kind,
        status=DecisionStatus.DRAFT,
        details=parsed,
        effective=effective,
        source=decision_source.value,
        act=None,
        legal_basis=basis,
    )
    _audit(uow, "decision.propose_draft", decision, beneficiary, source=decision_source.value)
    return decision.id


def submit_draft(
    uow: UnitOfWork,
    *,
    area: Area,
    decision_id: int,
    number: str,
    signed_on: date,
    signer: str,
    legal_basis: str | None,
    effective_from: Period | None = None,
    organiser_person_id: int | None = None,
    cause: str | None = None,
) -> DecisionView:
    """An officer confirms a system proposal with the signed paper and becomes its maker.

    A funeral proposal usually needs the organiser (and sometimes the cause) the system could not know.
    """
    decision, beneficiary = _decision_in_area(uow, area, decision_id)
    transition(DecisionStatus(decision.status), DecisionStatus.SUBMITTED)
    kind = DecisionKind(decision.kind)
    details: dict[str, Any] = dict(decision.details or {})
    if organiser_person_id is not None or cause is not None:
        if kind is not DecisionKind.FUNERAL:
            raise ValidationFailed(
                "Chỉ quyết định hỗ trợ mai táng có người tổ chức và nguyên nhân mất",
                "only a funeral support decision has an organiser and a cause of death",
                field="organiser_person_id" if organiser_person_id is not None else "cause",
            )
        if organiser_person_id is not None:
            details["organiser_person_id"] = organiser_person_id
        if cause is not None:
            details["cause"] = cause
    act = _act(uow, number=number, signed_on=signed_on, signer=signer, legal_basis=legal_basis or decision.legal_basis)
    requested = effective_from
    if requested is None and decision.effective_from is not None:
        requested = Period.parse(decision.effective_from)
    parsed, effective = _prepare(
        uow,
        beneficiary=beneficiary,
        kind=kind,
        details=details,
        signed_on=act.signed_on,
        effective_from=requested,
        decision_id=decision.id,
    )
    decision.details = parsed.to_json()
    decision.effective_from = str(effective) if effective else None
    decision.number, decision.signed_on, decision.signer = act.number, act.signed_on, act.signer
    decision.legal_basis = act.legal_basis
    decision.status = DecisionStatus.SUBMITTED.value
    decision.submitted_by = uow.actor
    decision.submitted_at = uow.clock.now()
    _flush_or_conflict(uow)
    _audit(uow, "decision.submit", decision, beneficiary)
    return _view(decision, beneficiary)


# ---------------------------------------------------------------------------------------------------------------
# Checking decisions


def _checker(principal: Principal, decision: Decision) -> None:
    if not principal.has(Permission.DECISION_APPROVE):
        raise PermissionDenied(
            "Chỉ người có quyền phê duyệt mới được duyệt hoặc từ chối quyết định",
            "only a user with the approval permission may approve or reject a decision",
        )
    if decision.submitted_by is not None and decision.submitted_by == principal.username:
        raise PermissionDenied(
            "Người lập quyết định không được tự phê duyệt hoặc từ chối: cần một người phê duyệt khác",
            "the maker of a decision cannot approve or reject it: another approver must check it",
            field="reviewed_by",
        )


def _flush_or_conflict(uow: UnitOfWork) -> None:
    try:
        uow.session.flush()
    except StaleDataError:
        raise Conflict(
            "Hồ sơ vừa được người khác thay đổi: hãy tải lại và thử lại",
            "the record was changed by someone else at the same time: reload and try again",
        ) from None


def approve(uow: UnitOfWork, *, principal: Principal, decision_id: int) -> DecisionView:
    """The checker approves: the act applies to the beneficiary (status, categories, death, funeral organiser)."""
    decision, beneficiary = _decision_in_area(uow, principal.area, decision_id)
    _checker(principal, decision)
    transition(DecisionStatus(decision.status), DecisionStatus.APPROVED)
    kind = DecisionKind(decision.kind)
    person = _person(uow, beneficiary.person_id)
    # Checked again now: the registry may have moved on since the maker entered the decision.
    parsed, _ = _prepare(
        uow,
        beneficiary=beneficiary,
        kind=kind,
        details=decision.details,
        signed_on=decision.signed_on,
        effective_from=Period.parse(decision.effective_from) if decision.effective_from else None,
        decision_id=decision.id,
    )
    now = uow.clock.now()
    beneficiary.status = status_after(kind, BeneficiaryStatus(beneficiary.status)).value
    beneficiary.updated_at = now  # always bumps the version, even when the status stays: the lock covers every act
    if isinstance(parsed, CategoryDetails):
        uow.session.execute(delete(BeneficiaryCategory).where(BeneficiaryCategory.beneficiary_id == beneficiary.id))
        for choice in parsed.categories:
            uow.session.add(
                BeneficiaryCategory(
                    beneficiary_id=beneficiary.id,
                    category_code=choice.code,
                    units=choice.units,
                    injury_rate=choice.injury_rate,
                )
            )
    death = parsed.date_of_death if isinstance(parsed, TerminateDetails | FuneralDetails) else None
    if death is not None:
        if person.date_of_death is None:
            person.date_of_death = death
        # Touching the person bumps its version: two funeral grants for one person approved at the same moment
        # (through two programs) cannot both commit.
        person.updated_at = now
    if isinstance(parsed, FuneralDetails) and parsed.organiser_person_id is not None:
        _add_organiser(uow, beneficiary, parsed.organiser_person_id, decision, on=decision.signed_on or death)
    decision.status = DecisionStatus.APPROVED.value
    decision.reviewed_by = principal.username
    decision.reviewed_at = now
    _flush_or_conflict(uow)
    _audit(uow, "decision.approve", decision, beneficiary, beneficiary_status=beneficiary.status)
    return _view(decision, beneficiary)


def _add_organiser(
    uow: UnitOfWork, beneficiary: Beneficiary, person_id: int, decision: Decision, *, on: date | None
) -> None:
    valid_from = on or uow.clock.today()
    exists = uow.session.scalars(
        select(Relation.id).where(
            Relation.beneficiary_id == beneficiary.id,
            Relation.person_id == person_id,
            Relation.role == RelationRole.FUNERAL_ORGANISER.value,
            Relation.valid_from == valid_from,
        )
    ).first()
    if exists is None:
        uow.session.add(
            Relation(
                beneficiary_id=beneficiary.id,
                person_id=person_id,
                province_code=beneficiary.province_code,
                role=RelationRole.FUNERAL_ORGANISER.value,
                valid_from=valid_from,
                valid_to=None,
                document_number=decision.number,
                created_by=uow.actor,
                created_at=uow.clock.now(),
            )
        )


def reject(uow: UnitOfWork, *, principal: Principal, decision_id: int, reason: str) -> DecisionView:
    """The checker sends a decision back, saying why; nothing changes for the beneficiary."""
    decision, beneficiary = _decision_in_area(uow, principal.area, decision_id)
    _checker(principal, decision)
    transition(DecisionStatus(decision.status), DecisionStatus.REJECTED)
    text = _required(reason, "reason", 500, "lý do từ chối", "reason for the rejection")
    decision.status = DecisionStatus.REJECTED.value
    decision.reviewed_by = principal.username
    decision.reviewed_at = uow.clock.now()
    decision.rejection_reason = text
    _flush_or_conflict(uow)
    _audit(uow, "decision.reject", decision, beneficiary, reason=text)
    return _view(decision, beneficiary)


# ---------------------------------------------------------------------------------------------------------------
# Reading


def get_decision(uow: UnitOfWork, *, area: Area, decision_id: int) -> DecisionView:
    decision, beneficiary = _decision_in_area(uow, area, decision_id)
    return _view(decision, beneficiary)


def list_decisions(
    uow: UnitOfWork,
    *,
    area: Area,
    status: DecisionStatus | None = None,
    kind: DecisionKind | None = None,
    beneficiary_code: str | None = None,
    after_id: int | None = None,
    limit: int = 50,
) -> list[DecisionView]:
    """Decisions in the area by id (keyset: pass the last id as ``after_id``); the checker's queue is ``submitted``."""
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(f"limit phải từ 1 đến {MAX_LIMIT}", f"limit must be 1 to {MAX_LIMIT}", field="limit")
    query = (
        select(Decision, Beneficiary)
        .join(Beneficiary, Beneficiary.id == Decision.beneficiary_id)
        .where(area_clause(area, Decision.province_code, Decision.commune_code))
    )
    if status is not None:
        query = query.where(Decision.status == status.value)
    if kind is not None:
        query = query.where(Decision.kind == kind.value)
    if beneficiary_code is not None:
        query = query.where(Beneficiary.code == beneficiary_code.strip())
    if after_id is not None:
        query = query.where(Decision.id > after_id)
    rows = uow.session.execute(query.order_by(Decision.id).limit(limit)).all()
    return [_view(decision, beneficiary) for decision, beneficiary in rows]


def timeline(uow: UnitOfWork, *, area: Area, beneficiary_code: str) -> list[TimelineEntry]:
    """Every decision of a beneficiary in order: effective month, signing date, id (undated proposals last)."""
    beneficiary = _beneficiary_in_area(uow, area, beneficiary_code)
    decisions = uow.session.scalars(select(Decision).where(Decision.beneficiary_id == beneficiary.id)).all()
    ordered = sorted(
        decisions,
        key=lambda d: (
            d.effective_from is None,
            d.effective_from or "",
            d.signed_on is None,
            d.signed_on or date.min,
            d.id,
        ),
    )
    entries = []
    for decision in ordered:
        kind = DecisionKind(decision.kind)
        summary_vi, summary_en = summary(kind, dict(decision.details or {}), decision.effective_from)
        entries.append(
            TimelineEntry(
                decision_id=decision.id,
                kind=kind,
                status=DecisionStatus(decision.status),
                number=decision.number,
                signed_on=decision.signed_on,
                effective_from=decision.effective_from,
                summary_vi=summary_vi,
                summary_en=summary_en,
                source=decision.source,
                maker=decision.submitted_by,
                checker=decision.reviewed_by,
                rejection_reason=decision.rejection_reason,
            )
        )
    return entries
