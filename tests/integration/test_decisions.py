"""Decisions on both databases: maker-checker, transitions, effects on the beneficiary, area scoping, the timeline."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import content_type_conformance, not_a_server_error, response_schema_conformance
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from tests.conftest import Database
from tests.factories import PASSWORD
from tests.factories_registry import CAN_THO, NINH_KIEU, make_person
from tests.webclient import api_token, make_app

from ansinh.access import services as access
from ansinh.access.domain import Area, Principal, Role
from ansinh.core.audit import AuditRecord
from ansinh.core.errors import Conflict, IllegalTransition, NotFound, PermissionDenied, ValidationFailed
from ansinh.core.period import Period
from ansinh.core.uow import UnitOfWork
from ansinh.decisions import services
from ansinh.decisions.domain import DecisionKind, DecisionStatus, NotApplicable
from ansinh.decisions.tables import Decision
from ansinh.geo.tables import Commune
from ansinh.registry.importing import Program
from ansinh.registry.tables import Beneficiary, BeneficiaryCategory, Person, Relation

MAKER = "program-officer"
CHECKER = "approver"
ELDERLY = [{"code": "sa_elderly_poor_no_supporter"}]
ACT: dict[str, Any] = {
    "number": "123/QĐ-UBND",
    "signed_on": date(2026, 8, 10),
    "signer": "Chủ tịch UBND phường Ninh Kiều",
    "legal_basis": "Nghị định 20/2021/NĐ-CP",
}


# Who acts, as the authorisation layer sees them (the services need no user rows; the HTTP tests create theirs).
CAN_THO_AREA = Area("92")
PRINCIPALS = {
    MAKER: Principal(1, MAKER, "Cán bộ nghiệp vụ", Role.PROGRAM_OFFICER, CAN_THO_AREA),
    CHECKER: Principal(2, CHECKER, "Người phê duyệt", Role.APPROVER, CAN_THO_AREA),
    "approver2": Principal(3, "approver2", "Người phê duyệt 2", Role.APPROVER, CAN_THO_AREA),
    "approver-caobang": Principal(4, "approver-caobang", "Người duyệt Cao Bằng", Role.APPROVER, Area("04")),
    "commune-officer": Principal(
        5, "commune-officer", "Cán bộ xã", Role.COMMUNE_OFFICER, Area("92", frozenset({NINH_KIEU}))
    ),
    "finance-officer": Principal(6, "finance-officer", "Cán bộ tài chính", Role.FINANCE_OFFICER, CAN_THO_AREA),
}


@dataclass
class World:
    db: Database
    person_id: int
    other_commune: str

    def principal(self, username: str) -> Principal:
        return PRINCIPALS[username]

    def uow(self, actor: str = MAKER) -> UnitOfWork:
        return self.db.uow(actor=actor)


@pytest.fixture
def world(db: Database) -> World:
    with db.uow() as uow:
        person = make_person(uow, full_name="Trần Thị Bảy", date_of_birth=date(1948, 5, 2), female=True)
        other = uow.session.scalars(
            select(Commune.code).where(Commune.province_code == CAN_THO, Commune.code != NINH_KIEU).limit(1)
        ).one()
        uow.commit()
        return World(db, person.id, other)


def enrol(world: World, *, actor: str = MAKER, **overrides: Any) -> services.DecisionView:
    arguments: dict[str, Any] = {
        "person_id": world.person_id,
        "program": Program.SOCIAL_ASSISTANCE,
        "effective_from": Period(2024, 8),
        "categories": ELDERLY,
        **ACT,
        **overrides,
    }
    with world.uow(actor) as uow:
        view = services.enrol(uow, area=world.principal(actor).area, **arguments)
        uow.commit()
    return view


def propose(world: World, code: str, kind: DecisionKind, details: dict[str, Any], **overrides: Any) -> Any:
    arguments: dict[str, Any] = {**ACT, "effective_from": None, **overrides}
    with world.uow(arguments.pop("actor", MAKER)) as uow:
        view = services.propose(
            uow,
            area=world.principal(MAKER).area,
            beneficiary_code=code,
            kind=kind,
            details=details,
            **arguments,
        )
        uow.commit()
    return view


def approve(world: World, decision_id: int, checker: str = CHECKER) -> services.DecisionView:
    principal = world.principal(checker)
    with world.uow(checker) as uow:
        view = services.approve(uow, principal=principal, decision_id=decision_id)
        uow.commit()
    return view


def reject(world: World, decision_id: int, reason: str, checker: str = CHECKER) -> services.DecisionView:
    principal = world.principal(checker)
    with world.uow(checker) as uow:
        view = services.reject(uow, principal=principal, decision_id=decision_id, reason=reason)
        uow.commit()
    return view


def beneficiary(world: World, code: str) -> tuple[str, list[tuple[str, int, int | None]]]:
    with world.uow() as uow:
        row = uow.session.scalars(select(Beneficiary).where(Beneficiary.code == code)).one()
        held = uow.session.execute(
            select(BeneficiaryCategory.category_code, BeneficiaryCategory.units, BeneficiaryCategory.injury_rate)
            .where(BeneficiaryCategory.beneficiary_id == row.id)
            .order_by(BeneficiaryCategory.category_code)
        ).all()
        return row.status, [tuple(h) for h in held]


def active(world: World) -> str:
    """An enrolled and approved beneficiary: active from 08/2024."""
    view = enrol(world)
    approve(world, view.id)
    return view.beneficiary_code


def decision_status(world: World, decision_id: int) -> str:
    with world.uow() as uow:
        decision = uow.session.get(Decision, decision_id)
        assert decision is not None
        return decision.status


# --- enrolment and approval ----------------------------------------------------------------------------------------


def test_enrolment_creates_a_pending_beneficiary_and_a_submitted_grant_by_the_maker(world: World) -> None:
    view = enrol(world)
    assert view.beneficiary_code == f"92-TG-{world.person_id:08d}"
    assert (view.kind, view.status) == (DecisionKind.GRANT, DecisionStatus.SUBMITTED)
    assert (view.created_by, view.submitted_by, view.reviewed_by) == (MAKER, MAKER, None)
    assert view.effective_from == "2024-08"
    assert view.details == {"categories": [{"code": "sa_elderly_poor_no_supporter", "units": 1, "injury_rate": None}]}
    assert beneficiary(world, view.beneficiary_code) == ("pending", [])
    with world.uow() as uow:
        record = uow.session.scalars(select(AuditRecord).where(AuditRecord.action == "decision.enrol")).one()
        assert (record.actor, record.entity_id, record.province_code) == (MAKER, str(view.id), "92")


def test_approval_by_another_user_activates_the_beneficiary_with_its_categories(world: World) -> None:
    view = enrol(world)
    approved = approve(world, view.id)
    assert (approved.status, approved.reviewed_by) == (DecisionStatus.APPROVED, CHECKER)
    assert approved.reviewed_at is not None
    assert beneficiary(world, view.beneficiary_code) == ("active", [("sa_elderly_poor_no_supporter", 1, None)])


def test_a_person_is_enrolled_once_per_program(world: World) -> None:
    enrol(world)
    with pytest.raises(Conflict) as caught:
        enrol(world)
    assert caught.value.field == "program"
    assert f"92-TG-{world.person_id:08d}" in caught.value.message_vi
    carer = enrol(world, program=Program.CAREGIVER, categories=[{"code": "cg_takes_in_elderly_community_care"}])
    assert carer.beneficiary_code.startswith("92-CS-")


def test_enrolment_refuses_unknown_and_other_program_categories_naming_the_field(world: World) -> None:
    with pytest.raises(ValidationFailed) as unknown:
        enrol(world, categories=[{"code": "khong_co"}])
    assert unknown.value.field == "categories[0].code"
    with pytest.raises(ValidationFailed) as other:
        enrol(world, categories=[{"code": "mer_martyr_relative_1"}])
    assert other.value.field == "categories[0].code"
    assert "meritorious" in other.value.message_en
    with world.uow() as uow:  # nothing half-applied: no beneficiary was left behind
        assert uow.session.scalars(select(Beneficiary)).all() == []


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"number": " "}, "number"),
        ({"signer": ""}, "signer"),
        ({"legal_basis": ""}, "legal_basis"),
        ({"signed_on": date(2026, 11, 24)}, "signed_on"),
    ],
)
def test_the_signed_act_must_be_complete(world: World, override: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        enrol(world, **override)
    assert caught.value.field == field


def test_enrolment_stays_inside_the_makers_area(world: World) -> None:
    with world.uow() as uow:
        far = make_person(uow, full_name="Lê Văn Xa", province_code="04", commune_code="01279")
        uow.commit()
    with pytest.raises(NotFound):
        enrol(world, person_id=far.id)
    with pytest.raises(PermissionDenied):  # a commune officer cannot enrol into a commune not theirs
        enrol(world, actor="commune-officer", commune_code=world.other_commune)
    elsewhere = enrol(world, commune_code=world.other_commune)  # the province's officer can
    assert (elsewhere.commune_code, elsewhere.province_code) == (world.other_commune, "92")


# --- maker-checker -------------------------------------------------------------------------------------------------


def test_the_maker_cannot_approve_or_reject_their_own_decision(world: World) -> None:
    # A user whose role changed from maker to checker still cannot check their own act.
    view = enrol(world, actor=CHECKER)
    for act in (lambda: approve(world, view.id), lambda: reject(world, view.id, "Không đủ hồ sơ")):
        with pytest.raises(PermissionDenied) as caught:
            act()
        assert "Người lập quyết định không được tự phê duyệt" in caught.value.message_vi
        assert "maker" in caught.value.message_en
    assert decision_status(world, view.id) == "submitted"
    assert approve(world, view.id, "approver2").reviewed_by == "approver2"


def test_only_a_user_with_the_approval_permission_may_check(world: World) -> None:
    view = enrol(world)
    with pytest.raises(PermissionDenied) as caught:
        approve(world, view.id, "finance-officer")
    assert "quyền phê duyệt" in caught.value.message_vi


def test_the_database_refuses_a_checker_who_is_the_maker(world: World) -> None:
    view = enrol(world)
    with world.db.engine.connect() as connection, pytest.raises(IntegrityError):
        connection.execute(
            text("UPDATE decisions SET reviewed_by = submitted_by, status = 'approved' WHERE id = :id"),
            {"id": view.id},
        )


def test_an_approver_of_another_province_does_not_see_the_decision(world: World) -> None:
    view = enrol(world)
    for act in (
        lambda: approve(world, view.id, "approver-caobang"),
        lambda: reject(world, view.id, "Không thuộc địa bàn", "approver-caobang"),
    ):
        with pytest.raises(NotFound):
            act()
    area = world.principal("approver-caobang").area
    with world.uow() as uow:
        with pytest.raises(NotFound):
            services.get_decision(uow, area=area, decision_id=view.id)
        with pytest.raises(NotFound):
            services.timeline(uow, area=area, beneficiary_code=view.beneficiary_code)
        assert services.list_decisions(uow, area=area) == []


def test_a_commune_officer_sees_only_their_communes(world: World) -> None:
    mine = enrol(world)
    with world.uow() as uow:
        elsewhere = make_person(uow, full_name="Phạm Văn Tư", commune_code=world.other_commune)
        uow.commit()
    theirs = enrol(world, person_id=elsewhere.id)
    area = world.principal("commune-officer").area
    with world.uow() as uow:
        assert [v.id for v in services.list_decisions(uow, area=area)] == [mine.id]
        with pytest.raises(NotFound):
            services.get_decision(uow, area=area, decision_id=theirs.id)


# --- transitions ---------------------------------------------------------------------------------------------------


def test_rejection_needs_a_reason_and_changes_nothing_for_the_beneficiary(world: World) -> None:
    view = enrol(world)
    with pytest.raises(ValidationFailed) as caught:
        reject(world, view.id, "   ")
    assert caught.value.field == "reason"
    assert decision_status(world, view.id) == "submitted"
    rejected = reject(world, view.id, "Thiếu giấy xác nhận hộ nghèo")
    assert (rejected.status, rejected.rejection_reason) == (DecisionStatus.REJECTED, "Thiếu giấy xác nhận hộ nghèo")
    assert beneficiary(world, view.beneficiary_code) == ("pending", [])
    # the maker can enter a corrected grant for the pending beneficiary
    again = propose(world, view.beneficiary_code, DecisionKind.GRANT, {"categories": ELDERLY}, number="130/QĐ-UBND")
    approve(world, again.id)
    assert beneficiary(world, view.beneficiary_code)[0] == "active"


def test_a_decision_is_checked_once(world: World) -> None:
    view = enrol(world)
    approve(world, view.id)
    with pytest.raises(IllegalTransition):
        approve(world, view.id, "approver2")
    with pytest.raises(IllegalTransition):
        reject(world, view.id, "Đổi ý sau khi duyệt", "approver2")
    rejected = propose(world, view.beneficiary_code, DecisionKind.SUSPEND, {"reason": "Tạm giam"})
    reject(world, rejected.id, "Chưa có quyết định tạm giam")
    with pytest.raises(IllegalTransition):
        approve(world, rejected.id, "approver2")


def test_a_system_proposal_is_confirmed_by_an_officer_who_becomes_its_maker(world: World) -> None:
    code = active(world)
    with world.uow() as uow:
        organiser = make_person(uow, full_name="Trần Văn Con", date_of_birth=date(1975, 1, 1))
        uow.commit()
    with world.uow("verification") as uow:
        ben = uow.session.scalars(select(Beneficiary).where(Beneficiary.code == code)).one()
        uow.session.get_one(Person, world.person_id).date_of_death = date(2026, 10, 5)
        terminate_id = services.propose_draft(
            uow,
            beneficiary_id=ben.id,
            kind="terminate",
            effective_from=Period(2026, 11),
            details={"reason": "death", "date_of_death": "2026-10-05"},
            source="verification",
        )
        funeral_id = services.propose_draft(
            uow,
            beneficiary_id=ben.id,
            kind="funeral",
            effective_from=None,
            details={"date_of_death": "2026-10-05", "cause": "ordinary", "organiser_person_id": None},
            source="verification",
        )
        uow.commit()
    draft = services_get(world, terminate_id)
    assert (draft.status, draft.created_by, draft.submitted_by, draft.number) == ("draft", "verification", None, None)
    with pytest.raises(IllegalTransition):  # a proposal is never approved before an officer confirms it
        approve(world, terminate_id)
    with pytest.raises(ValidationFailed) as not_funeral, world.uow("commune-officer") as uow:
        services.submit_draft(uow, area=area_of("commune-officer"), decision_id=terminate_id, cause="ordinary", **ACT)
    assert not_funeral.value.field == "cause"

    area = world.principal("commune-officer").area
    with world.uow("commune-officer") as uow:
        submitted = services.submit_draft(
            uow, area=area, decision_id=funeral_id, organiser_person_id=organiser.id, cause="in_facility", **ACT
        )
        uow.commit()
    assert (submitted.status, submitted.submitted_by, submitted.created_by) == (
        "submitted",
        "commune-officer",
        "verification",
    )
    assert submitted.details["organiser_person_id"] == organiser.id
    assert submitted.effective_from == "2026-08"  # the month signed
    with pytest.raises(IllegalTransition), world.uow("commune-officer") as uow:
        services.submit_draft(uow, area=area, decision_id=funeral_id, **ACT)
    approve(world, funeral_id)
    with world.uow() as uow:
        relation = uow.session.scalars(select(Relation).where(Relation.person_id == organiser.id)).one()
        assert (relation.role, relation.valid_from, relation.document_number) == (
            "funeral_organiser",
            date(2026, 8, 10),
            "123/QĐ-UBND",
        )


def test_a_checker_dismisses_a_wrong_system_proposal_with_a_reason_and_nothing_changes(world: World) -> None:
    code = active(world)
    with world.uow("verification") as uow:
        ben = uow.session.scalars(select(Beneficiary).where(Beneficiary.code == code)).one()
        draft_id = services.propose_draft(
            uow,
            beneficiary_id=ben.id,
            kind="terminate",
            effective_from=Period(2026, 11),
            details={"reason": "death", "date_of_death": "2026-10-05"},
            source="verification",
        )
        uow.commit()
    dismissed = reject(world, draft_id, "Người dân vẫn còn sống, báo tử nhầm")
    assert (dismissed.status, dismissed.reviewed_by, dismissed.submitted_by) == ("rejected", CHECKER, None)
    assert beneficiary(world, code)[0] == "active"
    with pytest.raises(IllegalTransition), world.uow("commune-officer") as uow:
        services.submit_draft(uow, area=area_of("commune-officer"), decision_id=draft_id, **ACT)


def area_of(username: str) -> Area:
    return PRINCIPALS[username].area


def services_get(world: World, decision_id: int) -> services.DecisionView:
    with world.uow() as uow:
        return services.get_decision(uow, area=world.principal(MAKER).area, decision_id=decision_id)


# --- effects -------------------------------------------------------------------------------------------------------


def test_suspend_resume_adjust_and_their_effects(world: World) -> None:
    code = active(world)
    approve(
        world,
        propose(world, code, DecisionKind.SUSPEND, {"reason": "Không nhận 3 tháng"}, effective_from=Period(2026, 3)).id,
    )
    assert beneficiary(world, code)[0] == "suspended"
    adjust = propose(
        world,
        code,
        DecisionKind.ADJUST,
        {"categories": [{"code": "sa_single_parent_poor", "units": 2}, {"code": "sa_hiv_poor"}]},
        effective_from=Period(2026, 4),
    )
    approve(world, adjust.id)
    assert beneficiary(world, code) == ("suspended", [("sa_hiv_poor", 1, None), ("sa_single_parent_poor", 2, None)])
    with pytest.raises(NotApplicable):  # already suspended
        propose(world, code, DecisionKind.SUSPEND, {"reason": "Lần hai"})
    resume = {"reason": "Đã đến nhận", "repay_suspended_months": True}
    approve(world, propose(world, code, DecisionKind.RESUME, resume, effective_from=Period(2026, 5)).id)
    assert beneficiary(world, code)[0] == "active"


def test_a_termination_for_death_stops_from_the_month_after_and_records_the_death(world: World) -> None:
    code = active(world)
    view = propose(world, code, DecisionKind.TERMINATE, {"reason": "death", "date_of_death": "2026-07-31"})
    assert view.effective_from == "2026-08"  # computed, not asked for
    with pytest.raises(ValidationFailed) as caught:
        propose(
            world,
            code,
            DecisionKind.TERMINATE,
            {"reason": "death", "date_of_death": "2026-07-31"},
            effective_from=Period(2026, 7),
        )
    assert caught.value.field == "effective_from"
    approve(world, view.id)
    assert beneficiary(world, code)[0] == "terminated"
    with world.uow() as uow:
        assert uow.session.get_one(Person, world.person_id).date_of_death == date(2026, 7, 31)
    with pytest.raises(NotApplicable):
        propose(world, code, DecisionKind.ADJUST, {"categories": ELDERLY})


def test_a_change_cannot_take_effect_before_the_entitlement_starts(world: World) -> None:
    code = active(world)  # from 08/2024
    with pytest.raises(ValidationFailed) as caught:
        propose(world, code, DecisionKind.SUSPEND, {"reason": "Tạm giam"}, effective_from=Period(2024, 7))
    assert caught.value.field == "effective_from"


def test_funeral_support_is_granted_once_per_person(world: World) -> None:
    code = active(world)
    funeral = {"date_of_death": "2026-10-05", "cause": "ordinary"}
    first = propose(world, code, DecisionKind.FUNERAL, funeral)
    second = propose(world, code, DecisionKind.FUNERAL, funeral, number="124/QĐ-UBND")
    approve(world, first.id)
    with world.uow() as uow:  # the funeral records the death when the registry did not know it yet
        assert uow.session.get_one(Person, world.person_id).date_of_death == date(2026, 10, 5)
    with pytest.raises(Conflict) as caught:
        approve(world, second.id)
    assert "chỉ một lần" in caught.value.message_vi
    assert decision_status(world, second.id) == "submitted"
    with pytest.raises(Conflict):
        propose(world, code, DecisionKind.FUNERAL, funeral, number="125/QĐ-UBND")


def test_two_approvals_racing_on_one_beneficiary_cannot_both_apply(world: World) -> None:
    code = active(world)
    suspend = propose(world, code, DecisionKind.SUSPEND, {"reason": "Tạm giam"})
    principal = world.principal(CHECKER)
    with world.uow(CHECKER) as uow:
        ben = uow.session.scalars(select(Beneficiary).where(Beneficiary.code == code)).one()
        # another transaction approved something for this beneficiary after we read it
        uow.session.connection().execute(
            text("UPDATE registry_beneficiaries SET version = version + 1 WHERE id = :id"), {"id": ben.id}
        )
        with pytest.raises(Conflict) as caught:
            services.approve(uow, principal=principal, decision_id=suspend.id)
        assert "người khác" in caught.value.message_vi
    assert decision_status(world, suspend.id) == "submitted"


# --- reading -------------------------------------------------------------------------------------------------------


def test_the_timeline_lists_every_decision_in_order_with_readable_lines(world: World) -> None:
    grant = enrol(world)
    approve(world, grant.id)
    code = grant.beneficiary_code
    suspend = propose(
        world, code, DecisionKind.SUSPEND, {"reason": "Không nhận 3 tháng"}, effective_from=Period(2026, 2)
    )
    approve(world, suspend.id)
    # entered later, effective earlier: the timeline follows the effective month, not the order of entry
    adjust = propose(world, code, DecisionKind.ADJUST, {"categories": ELDERLY}, effective_from=Period(2024, 9))
    resume = propose(world, code, DecisionKind.RESUME, {"reason": "Đã nhận"}, effective_from=Period(2026, 5))
    reject(world, resume.id, "Chưa đến nhận")
    with world.uow() as uow:
        entries = services.timeline(uow, area=world.principal(CHECKER).area, beneficiary_code=code)
    assert [(e.decision_id, e.effective_from, e.status) for e in entries] == [
        (grant.id, "2024-08", "approved"),
        (adjust.id, "2024-09", "submitted"),
        (suspend.id, "2026-02", "approved"),
        (resume.id, "2026-05", "rejected"),
    ]
    assert entries[0].summary_vi == "Hưởng trợ cấp từ 08/2024: Người cao tuổi nghèo không có người phụng dưỡng"
    assert entries[0].summary_en == "Allowance from 08/2024: poor elderly with no one obliged to support them"
    assert (entries[0].maker, entries[0].checker) == (MAKER, CHECKER)
    assert entries[2].summary_vi == "Tạm dừng hưởng từ 02/2026: Không nhận 3 tháng"
    assert entries[3].rejection_reason == "Chưa đến nhận"


def test_the_approvers_queue_and_keyset_paging(world: World) -> None:
    code = active(world)
    first = propose(world, code, DecisionKind.SUSPEND, {"reason": "A"})
    second = propose(world, code, DecisionKind.TERMINATE, {"reason": "Chuyển đi"}, number="2/QĐ")
    area = world.principal(CHECKER).area
    with world.uow() as uow:
        queue = services.list_decisions(uow, area=area, status=DecisionStatus.SUBMITTED)
        assert [v.id for v in queue] == [first.id, second.id]
        page = services.list_decisions(uow, area=area, status=DecisionStatus.SUBMITTED, after_id=first.id, limit=1)
        assert [v.id for v in page] == [second.id]
        grants = services.list_decisions(uow, area=area, kind=DecisionKind.GRANT, beneficiary_code=code)
        assert [v.status for v in grants] == ["approved"]
        with pytest.raises(ValidationFailed):
            services.list_decisions(uow, area=area, limit=0)


# --- over HTTP -----------------------------------------------------------------------------------------------------


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    with world.db.uow() as uow:
        for username, principal in PRINCIPALS.items():
            if username in (MAKER, CHECKER, "approver2", "approver-caobang"):
                access.create_user(
                    uow,
                    username=username,
                    full_name=principal.full_name,
                    password=PASSWORD,
                    role=principal.role,
                    province_code=principal.area.province_code,
                )
        uow.commit()
    with TestClient(make_app(world.db)) as test_client:
        yield test_client


def _headers(client: TestClient, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token(client, username)}"}


def test_the_api_enrols_approves_and_shows_the_timeline(world: World, client: TestClient) -> None:
    maker, checker = _headers(client, MAKER), _headers(client, CHECKER)
    body = {
        "person_id": world.person_id,
        "program": "social_assistance",
        "number": "77/QĐ-UBND",
        "signed_on": "2026-09-01",
        "signer": "Chủ tịch",
        "legal_basis": "Nghị định 20/2021/NĐ-CP",
        "categories": [{"code": "sa_elderly_poor_no_supporter"}],
    }
    created = client.post("/api/v1/decisions/enrolments", json=body, headers=maker)
    assert created.status_code == 201, created.text
    decision = created.json()
    assert decision["effective_from"] == "2026-09"  # the month signed (Decree 20/2021 Art 8.1)
    queue = client.get("/api/v1/decisions", params={"status": "submitted"}, headers=checker).json()
    assert [d["id"] for d in queue] == [decision["id"]]
    approved = client.post(f"/api/v1/decisions/{decision['id']}/approve", headers=checker)
    assert approved.status_code == 200, approved.text
    assert approved.json()["reviewed_by"] == CHECKER
    timeline = client.get(f"/api/v1/registry/beneficiaries/{decision['beneficiary_code']}/timeline", headers=maker)
    assert timeline.status_code == 200
    assert timeline.json()[0]["summary_vi"].startswith("Hưởng trợ cấp từ 09/2026")


def test_the_api_refuses_the_maker_as_checker_and_a_rejection_without_reason(world: World, client: TestClient) -> None:
    view = enrol(world, actor=CHECKER)  # entered while the user was a maker
    checker = _headers(client, CHECKER)
    refused = client.post(f"/api/v1/decisions/{view.id}/approve", headers=checker)
    assert refused.status_code == 403
    assert "Người lập quyết định không được tự phê duyệt" in refused.json()["message"]
    no_reason = client.post(
        f"/api/v1/decisions/{view.id}/reject", json={"reason": ""}, headers=_headers(client, "approver2")
    )
    assert no_reason.status_code == 422
    assert no_reason.json()["field"] == "reason"
    maker_role = client.post(f"/api/v1/decisions/{view.id}/approve", headers=_headers(client, MAKER))
    assert maker_role.status_code == 403  # a maker's role has no approval permission at all


def test_the_api_hides_decisions_of_another_province(world: World, client: TestClient) -> None:
    view = enrol(world)
    far = _headers(client, "approver-caobang")
    assert client.post(f"/api/v1/decisions/{view.id}/approve", headers=far).status_code == 404
    assert client.get(f"/api/v1/decisions/{view.id}", headers=far).status_code == 404
    assert decision_status(world, view.id) == "submitted"


def test_the_api_names_the_field_of_a_bad_decision(world: World, client: TestClient) -> None:
    code = active(world)
    maker = _headers(client, MAKER)
    base = {**ACT, "signed_on": "2026-08-10", "beneficiary_code": code}
    wrong = client.post(
        "/api/v1/decisions",
        json={**base, "kind": "adjust", "details": {"categories": [{"code": "mer_war_invalid", "injury_rate": 40}]}},
        headers=maker,
    )
    assert wrong.status_code == 422
    assert wrong.json()["field"] == "details.categories[0].code"
    month = client.post(
        "/api/v1/decisions",
        json={**base, "kind": "suspend", "details": {"reason": "x"}, "effective_from": "2026-13"},
        headers=maker,
    )
    assert month.status_code == 422
    assert month.json()["field"] == "effective_from"


def test_fuzzed_decision_requests_never_fail_the_server(world: World, client: TestClient) -> None:
    """The shared fuzz test acts as an administrator, who may not touch decisions; here a maker and a checker do."""
    enrol(world)  # decision 1 and a beneficiary exist, so some fuzzed ids reach the services
    tokens = {MAKER: api_token(client, MAKER), CHECKER: api_token(client, CHECKER)}
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
    operations = [
        op
        for op in (r.ok() for r in schema.get_all_operations())
        if op.path.startswith("/api/v1/decisions") or op.path.endswith("/timeline")
    ]
    assert len(operations) == 8
    for operation in operations:
        token = tokens[CHECKER if operation.path.endswith(("/approve", "/reject")) else MAKER]

        @given(case=operation.as_strategy())
        @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
        def call(case: schemathesis.Case) -> None:
            case.call_and_validate(
                headers={"Authorization": f"Bearer {token}"},  # noqa: B023 - the loop waits for each run
                checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
            )

        call()
