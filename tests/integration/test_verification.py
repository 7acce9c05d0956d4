"""Verification against the population database (the simulator over real HTTP), one person and a whole commune."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.conftest import TODAY, Database
from tests.factories import PASSWORD, make_user
from tests.factories_registry import NINH_KIEU, make_beneficiary, make_person
from tests.population_server import (
    ABSENT_ID,
    DECEASED,
    DOB_DIFFERS,
    DOWN,
    MATCH,
    NAME_DIFFERS,
    serve_population,
)
from tests.webclient import api_token

from ansinh.access import services as access
from ansinh.access.domain import Area, Role
from ansinh.core import jobs
from ansinh.core.audit import AuditRecord
from ansinh.core.clock import FrozenClock
from ansinh.core.errors import Conflict, NotFound, PermissionDenied
from ansinh.core.settings import Environment, Settings
from ansinh.decisions.tables import Decision
from ansinh.geo.services import communes_of
from ansinh.registry import verification
from ansinh.registry.domain import BeneficiaryStatus, VerificationOutcome
from ansinh.registry.importing import Program
from ansinh.registry.population_sim import Citizen, Misbehaviour
from ansinh.registry.tables import Person, Verification
from ansinh.web.app import create_app

CAN_THO = Area("92")
NINH_KIEU_ONLY = Area("92", frozenset({NINH_KIEU}))


@pytest.fixture(scope="module")
def population_url() -> Iterator[str]:
    with serve_population(misbehaviour=Misbehaviour(unavailable_ids=frozenset({DOWN.national_id}))) as url:
        yield url


@pytest.fixture
def registry(population_url: str) -> Iterator[verification.HttpPopulationRegistry]:
    with verification.HttpPopulationRegistry(population_url, timeout=5) as adapter:
        yield adapter


def _register(
    db: Database,
    citizen: Citizen,
    *,
    full_name: str | None = None,
    born: date | None = None,
    programs: tuple[Program, ...] = (),
    status: BeneficiaryStatus = BeneficiaryStatus.ACTIVE,
    commune_code: str = NINH_KIEU,
    province_code: str = "92",
) -> int:
    """Register the person as the registry has them (which may differ from the population database)."""
    with db.uow() as uow:
        person = make_person(
            uow,
            national_id=citizen.national_id,
            full_name=full_name or citizen.full_name,
            date_of_birth=born or citizen.date_of_birth,
            female=citizen.sex == "female",
            commune_code=commune_code,
            province_code=province_code,
        )
        for program in programs:
            categories = (
                ("mer_martyr_relative_1",) if program is Program.MERITORIOUS else ("sa_elderly_poor_no_supporter",)
            )
            make_beneficiary(uow, person, program=program, status=status, categories=categories)
        uow.commit()
        return person.id


def _verify(db: Database, registry: verification.PopulationRegistry, person_id: int, area: Area = CAN_THO) -> Any:
    with db.uow(actor="can-bo-xa") as uow:
        view = verification.verify_person(uow, area=area, person_id=person_id, registry=registry)
        uow.commit()
    return view


def _person(db: Database, person_id: int) -> Person:
    with db.sessions() as session:
        person = session.get(Person, person_id)
        assert person is not None
        return person


def _decisions(db: Database) -> list[Decision]:
    with db.sessions() as session:
        return list(session.scalars(select(Decision).order_by(Decision.id)))


def _count(db: Database, model: type, *where: Any) -> int:
    with db.sessions() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def test_a_match_is_kept_on_the_person_with_the_date_and_audited(db: Database, registry: Any) -> None:
    person_id = _register(db, MATCH, full_name="NGUYỄN VĂN AN")  # capitals only: still the same name
    view = _verify(db, registry, person_id)
    assert view.outcome is VerificationOutcome.MATCH
    assert (view.registry_full_name, view.checked_by, view.job_id) == ("Nguyễn Văn An", "can-bo-xa", None)
    person = _person(db, person_id)
    assert person.verification_status == "match"
    assert person.verified_at is not None
    assert person.verified_at.date() in (TODAY, TODAY - timedelta(days=1))
    with db.sessions() as session:
        record = session.scalars(select(AuditRecord).where(AuditRecord.action == "registry.person.verify")).one()
        assert (record.actor, record.entity_id, record.province_code) == ("can-bo-xa", str(person_id), "92")


@pytest.mark.parametrize(
    ("citizen", "registered", "outcome"),
    [
        (NAME_DIFFERS, {"full_name": "Trần Thị Bình"}, VerificationOutcome.NAME_MISMATCH),
        (DOB_DIFFERS, {"born": date(1948, 1, 19)}, VerificationOutcome.DOB_MISMATCH),
        (Citizen(ABSENT_ID, "Đỗ Văn Giang", date(1960, 1, 1), "male"), {}, VerificationOutcome.NOT_FOUND),
    ],
)
def test_each_disagreement_becomes_the_persons_status(
    db: Database, registry: Any, citizen: Citizen, registered: dict[str, Any], outcome: VerificationOutcome
) -> None:
    person_id = _register(db, citizen, **registered)
    assert _verify(db, registry, person_id).outcome is outcome
    assert _person(db, person_id).verification_status == outcome.value
    assert _count(db, Verification, Verification.person_id == person_id) == 1


def _earlier_match(db: Database, person_id: int) -> datetime:
    earlier = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)
    with db.sessions() as session:
        person = session.get(Person, person_id)
        assert person is not None
        person.verification_status, person.verified_at = "match", earlier
        session.commit()
    return earlier


def test_a_service_answering_503_leaves_the_person_as_they_were(db: Database, registry: Any) -> None:
    person_id = _register(db, DOWN)
    earlier = _earlier_match(db, person_id)
    view = _verify(db, registry, person_id)
    assert (view.outcome, view.reason) == (VerificationOutcome.UNAVAILABLE, "HTTP 503")
    person = _person(db, person_id)
    assert (person.verification_status, person.verified_at) == ("match", earlier)
    assert _count(db, Verification, Verification.outcome == "unavailable") == 1  # the attempt is on record


def test_a_service_that_times_out_leaves_the_person_as_they_were(db: Database) -> None:
    person_id = _register(db, MATCH)
    earlier = _earlier_match(db, person_id)
    with (
        serve_population(misbehaviour=Misbehaviour(delay_seconds=1.0)) as slow,
        verification.HttpPopulationRegistry(slow, timeout=0.2) as adapter,
    ):
        view = _verify(db, adapter, person_id)
    assert (view.outcome, view.reason) == (VerificationOutcome.UNAVAILABLE, "timeout")
    person = _person(db, person_id)
    assert (person.verification_status, person.verified_at) == ("match", earlier)


def test_a_death_proposes_a_terminate_and_a_funeral_draft_once(db: Database, registry: Any) -> None:
    person_id = _register(db, DECEASED, programs=(Program.SOCIAL_ASSISTANCE,))
    view = _verify(db, registry, person_id)
    assert view.outcome is VerificationOutcome.DECEASED
    assert view.registry_date_of_death == date(2026, 10, 5)
    terminate, funeral = _decisions(db)
    assert view.proposed_decision_ids == [terminate.id, funeral.id]
    assert (terminate.kind, terminate.status, terminate.source) == ("terminate", "draft", "verification")
    assert terminate.effective_from == "2026-11"  # payment stops the month after the death
    assert terminate.details == {"reason": "death", "date_of_death": "2026-10-05"}
    assert (funeral.kind, funeral.status, funeral.source) == ("funeral", "draft", "verification")
    assert funeral.details["date_of_death"] == "2026-10-05"
    assert funeral.details["cause"] == "ordinary"
    assert funeral.details.get("organiser_person_id") is None
    assert _person(db, person_id).date_of_death == date(2026, 10, 5)

    again = _verify(db, registry, person_id)
    assert again.outcome is VerificationOutcome.DECEASED
    assert again.proposed_decision_ids == []
    assert len(_decisions(db)) == 2


def test_a_death_the_officer_rejected_is_not_proposed_again(db: Database, registry: Any) -> None:
    person_id = _register(db, DECEASED, programs=(Program.SOCIAL_ASSISTANCE,))
    _verify(db, registry, person_id)
    with db.sessions() as session:
        for decision in session.scalars(select(Decision)):
            decision.status, decision.rejection_reason = "rejected", "Giấy báo tử chưa xác minh"
        session.commit()
    assert _verify(db, registry, person_id).proposed_decision_ids == []
    assert len(_decisions(db)) == 2


def test_a_person_in_two_programs_gets_two_terminates_and_one_funeral_support(db: Database, registry: Any) -> None:
    person_id = _register(db, DECEASED, programs=(Program.SOCIAL_ASSISTANCE, Program.MERITORIOUS))
    view = _verify(db, registry, person_id)
    kinds = sorted(d.kind for d in _decisions(db))
    assert kinds == ["funeral", "terminate", "terminate"]
    assert len(view.proposed_decision_ids) == 3


def test_a_death_of_someone_no_longer_paid_proposes_nothing(db: Database, registry: Any) -> None:
    person_id = _register(db, DECEASED, programs=(Program.SOCIAL_ASSISTANCE,), status=BeneficiaryStatus.TERMINATED)
    view = _verify(db, registry, person_id)
    assert (view.outcome, view.proposed_decision_ids) == (VerificationOutcome.DECEASED, [])
    assert _decisions(db) == []
    assert _person(db, person_id).date_of_death == date(2026, 10, 5)


def test_a_date_of_death_already_recorded_is_kept_and_the_drafts_follow_it(db: Database, registry: Any) -> None:
    person_id = _register(db, DECEASED, programs=(Program.SOCIAL_ASSISTANCE,))
    with db.sessions() as session:
        person = session.get(Person, person_id)
        assert person is not None
        person.date_of_death = date(2026, 9, 30)  # from the death certificate
        session.commit()
    view = _verify(db, registry, person_id)
    assert view.registry_date_of_death == date(2026, 10, 5)  # the database's answer, for the officer to compare
    terminate = _decisions(db)[0]
    assert (terminate.effective_from, terminate.details["date_of_death"]) == ("2026-10", "2026-09-30")
    assert _person(db, person_id).date_of_death == date(2026, 9, 30)


class FutureDeath:
    """A database answer the decision rules refuse: a date of death after today."""

    def verify(self, national_id: str, full_name: str, date_of_birth: date) -> verification.VerificationAnswer:
        return verification.VerificationAnswer(
            VerificationOutcome.DECEASED, full_name=full_name, date_of_death=TODAY + timedelta(days=30)
        )


def test_a_proposal_the_rules_refuse_is_recorded_and_the_answer_still_kept(db: Database) -> None:
    person_id = _register(db, DECEASED, programs=(Program.SOCIAL_ASSISTANCE,))
    view = _verify(db, FutureDeath(), person_id)
    assert (view.outcome, view.proposed_decision_ids) == (VerificationOutcome.DECEASED, [])
    assert _decisions(db) == []
    with db.sessions() as session:
        row = session.scalars(select(Verification)).one()
        refused = row.detail["proposals_refused"]
    assert isinstance(refused, list)
    assert len(refused) == 2
    assert "future" in str(refused[0])
    assert _person(db, person_id).verification_status == "deceased"
    assert _person(db, person_id).date_of_death is None  # a death in the future is not written on the person


def test_a_person_outside_the_area_is_not_found(db: Database, registry: Any) -> None:
    with db.uow() as uow:
        other_commune = next(c.code for c in communes_of(uow, "92") if c.code != NINH_KIEU)
        cao_bang = communes_of(uow, "04")[0].code
    neighbour = _register(db, MATCH, commune_code=other_commune)
    far = _register(db, NAME_DIFFERS, commune_code=cao_bang, province_code="04")
    with pytest.raises(NotFound):
        _verify(db, registry, neighbour, area=NINH_KIEU_ONLY)
    with pytest.raises(NotFound):
        _verify(db, registry, far, area=CAN_THO)
    with db.uow() as uow, pytest.raises(NotFound) as by_id:
        verification.find_person_id(uow, area=NINH_KIEU_ONLY, national_id=MATCH.national_id)
    assert MATCH.national_id not in by_id.value.message_en  # the ID is masked in the message
    assert _count(db, Verification) == 0
    assert _verify(db, registry, neighbour, area=CAN_THO).outcome is VerificationOutcome.MATCH
    with db.uow() as uow:
        assert verification.find_person_id(uow, area=CAN_THO, national_id=MATCH.national_id) == neighbour


def test_verifications_are_listed_newest_first(db: Database, registry: Any) -> None:
    person_id = _register(db, MATCH)
    _verify(db, registry, person_id)
    with db.uow() as uow:
        views = verification.list_verifications(uow, area=CAN_THO, person_id=person_id)
    assert [v.outcome for v in views] == [VerificationOutcome.MATCH]
    with db.sessions() as session:
        session.add(
            Verification(
                person_id=person_id,
                province_code="92",
                outcome="unavailable",
                detail={"reason": "timeout"},
                checked_by="x",
                checked_at=datetime(2027, 1, 1, tzinfo=UTC),
            )
        )
        session.commit()
    with db.uow() as uow:
        views = verification.list_verifications(uow, area=CAN_THO, person_id=person_id)
    assert [(v.outcome, v.reason) for v in views] == [
        (VerificationOutcome.UNAVAILABLE, "timeout"),
        (VerificationOutcome.MATCH, None),
    ]


# --- the whole commune, in the background --------------------------------------------------------------------


def _register_population(db: Database) -> list[int]:
    return [
        _register(db, MATCH),
        _register(db, NAME_DIFFERS, full_name="Trần Thị Bình"),
        _register(db, DOB_DIFFERS, born=date(1948, 1, 19)),
        _register(db, DECEASED, programs=(Program.SOCIAL_ASSISTANCE,)),
        _register(db, DOWN),
        _register(db, Citizen(ABSENT_ID, "Đỗ Văn Giang", date(1960, 1, 1), "male")),
    ]


def _settings(db: Database, population_url: str | None) -> Settings:
    return Settings(database_url=db.url, env=Environment.TEST, today=TODAY, population_url=population_url)


def _context(db: Database, population_url: str | None, clock: FrozenClock | None = None) -> jobs.JobContext:
    clock = clock or FrozenClock(datetime(2026, 11, 23, 2, 0, tzinfo=UTC))
    return jobs.JobContext(factory=db.sessions, clock=clock, settings=_settings(db, population_url))


def _start(db: Database, area: Area = CAN_THO, chunk_size: int = 2) -> int:
    with db.uow(actor="can-bo-xa") as uow:
        job_id = verification.start_bulk_verification(uow, area=area, commune_code=NINH_KIEU, chunk_size=chunk_size)
        uow.commit()
    return job_id


EVERY_OUTCOME = {
    "match": 1,
    "name_mismatch": 1,
    "dob_mismatch": 1,
    "deceased": 1,
    "unavailable": 1,
    "not_found": 1,
}


def test_a_commune_is_verified_in_the_background_a_chunk_at_a_time(db: Database, population_url: str) -> None:
    person_ids = _register_population(db)
    job_id = _start(db)
    assert jobs.run_one(_context(db, population_url)) == job_id  # the handler registered for the worker
    with db.sessions() as session:
        job = jobs.JobView.of(jobs.get(session, job_id))
        chunks = session.scalars(
            select(AuditRecord).where(AuditRecord.action == "registry.verification.bulk_chunk")
        ).all()
        rows = session.scalars(select(Verification).order_by(Verification.person_id)).all()
    assert (job.status, job.done, job.total, job.percent) == ("done", 6, 6, 100)
    assert job.result["counts"] == EVERY_OUTCOME
    assert job.result["proposed_decisions"] == 2
    assert job.result["last_person_id"] == max(person_ids)
    assert len(chunks) == 3  # one audit record per chunk of two
    assert [r.person_id for r in rows] == sorted(person_ids)
    assert {r.job_id for r in rows} == {job_id}
    assert {r.checked_by for r in rows} == {"can-bo-xa"}  # on behalf of whoever started it
    assert _person(db, person_ids[0]).verification_status == "match"
    assert _person(db, person_ids[4]).verification_status == "unverified"  # 503: unchanged


class Crash(BaseException):
    """The worker process dies in the middle of a chunk."""


class CrashingRegistry:
    def __init__(self, inner: verification.PopulationRegistry, crash_on_call: int) -> None:
        self.inner, self.crash_on_call, self.calls = inner, crash_on_call, 0

    def verify(self, national_id: str, full_name: str, date_of_birth: date) -> verification.VerificationAnswer:
        self.calls += 1
        if self.calls == self.crash_on_call:
            raise Crash
        return self.inner.verify(national_id, full_name, date_of_birth)


def test_a_crashed_bulk_job_resumes_after_its_lease_without_counting_anyone_twice(
    db: Database, registry: Any, population_url: str
) -> None:
    person_ids = _register_population(db)
    job_id = _start(db)
    clock = FrozenClock(datetime(2026, 11, 23, 2, 0, tzinfo=UTC))
    context = _context(db, population_url, clock)
    crashing = CrashingRegistry(registry, crash_on_call=4)  # in the second chunk, after its first answer
    with pytest.raises(Crash):
        jobs.run_one(context, handlers={verification.BULK_KIND: verification.bulk_handler(crashing)})
    with db.sessions() as session:
        job = jobs.JobView.of(jobs.get(session, job_id))
    assert (job.status, job.done, job.total, job.percent) == ("running", 2, 6, 33)
    assert job.result["last_person_id"] == person_ids[1]
    assert _count(db, Verification) == 2  # the first chunk only: the second died before its commit

    asked: list[str] = []

    class Recording:
        def verify(self, national_id: str, full_name: str, date_of_birth: date) -> verification.VerificationAnswer:
            asked.append(national_id)
            return registry.verify(national_id, full_name, date_of_birth)

    handlers = {verification.BULK_KIND: verification.bulk_handler(Recording())}
    assert jobs.run_one(context, handlers=handlers) is None  # the dead worker's lease still holds
    clock.instant += jobs.LEASE + timedelta(seconds=1)
    assert jobs.run_one(context, handlers=handlers) == job_id
    assert len(asked) == 4  # only the persons not yet committed
    with db.sessions() as session:
        job = jobs.JobView.of(jobs.get(session, job_id))
        per_person = session.execute(
            select(Verification.person_id, func.count()).group_by(Verification.person_id)
        ).all()
    assert (job.status, job.done, job.total, job.attempts) == ("done", 6, 6, 2)
    assert job.result["counts"] == EVERY_OUTCOME
    assert sorted(per_person) == [(person_id, 1) for person_id in sorted(person_ids)]
    assert len(_decisions(db)) == 2


def test_a_bulk_run_without_a_configured_service_fails_with_a_clear_message(db: Database) -> None:
    _register(db, MATCH)
    job_id = _start(db)
    assert jobs.run_one(_context(db, None)) == job_id
    with db.sessions() as session:
        job = jobs.get(session, job_id)
        assert job.status == "failed"
        assert job.error is not None
        assert "ANSINH_POPULATION_URL" in job.error


def test_a_commune_cannot_be_verified_twice_at_once_nor_outside_the_area(db: Database) -> None:
    job_id = _start(db)
    with pytest.raises(Conflict, match=str(job_id)):
        _start(db)
    with db.uow() as uow:
        cao_bang = communes_of(uow, "04")[0].code
        with pytest.raises(PermissionDenied):
            verification.start_bulk_verification(uow, area=CAN_THO, commune_code=cao_bang)
        with pytest.raises(NotFound):
            verification.start_bulk_verification(uow, area=CAN_THO, commune_code="99999")


# --- the API ----------------------------------------------------------------------------------------------------


@pytest.fixture
def app(db: Database, population_url: str) -> FastAPI:
    return create_app(_settings(db, population_url), engine=db.engine)


def _headers(client: TestClient, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token(client, username)}"}


def test_the_api_verifies_a_person_and_lists_the_answers(db: Database, app: FastAPI) -> None:
    person_id = _register(db, MATCH)
    with db.uow() as uow:
        officer = make_user(uow, Role.COMMUNE_OFFICER)
        approver = make_user(uow, Role.APPROVER)
        uow.commit()
    with TestClient(app) as client:
        as_officer, as_approver = _headers(client, officer), _headers(client, approver)
        response = client.post(f"/api/v1/registry/persons/{person_id}/verify", headers=as_officer)
        assert response.status_code == 200, response.text
        assert response.json()["outcome"] == "match"
        assert response.json()["checked_by"] == officer
        refused = client.post(f"/api/v1/registry/persons/{person_id}/verify", headers=as_approver)
        assert refused.status_code == 403
        listed = client.get(f"/api/v1/registry/persons/{person_id}/verifications", headers=as_approver)
        assert listed.status_code == 200
        assert [v["outcome"] for v in listed.json()] == ["match"]
        missing = client.get("/api/v1/registry/persons/999999/verifications", headers=as_approver)
        assert missing.status_code == 404


def test_the_api_says_when_no_population_service_is_configured(db: Database) -> None:
    person_id = _register(db, MATCH)
    with db.uow() as uow:
        officer = make_user(uow, Role.COMMUNE_OFFICER)
        uow.commit()
    with TestClient(create_app(_settings(db, None), engine=db.engine)) as client:
        headers = _headers(client, officer)
        one = client.post(f"/api/v1/registry/persons/{person_id}/verify", headers=headers)
        bulk = client.post("/api/v1/registry/verifications/bulk", json={"commune_code": NINH_KIEU}, headers=headers)
    for response in (one, bulk):
        assert response.status_code == 503
        assert "ANSINH_POPULATION_URL" in response.json()["message"]
        assert "not configured" in response.json()["message_en"]
    assert _count(db, jobs.Job) == 0


def test_the_api_starts_a_bulk_verification_and_reports_its_progress(
    db: Database, app: FastAPI, population_url: str
) -> None:
    _register_population(db)
    with db.uow() as uow:
        officer = make_user(uow, Role.COMMUNE_OFFICER)
        program_officer = make_user(uow, Role.PROGRAM_OFFICER)
        access.create_user(
            uow,
            username="cao-bang",
            full_name="Cán bộ Cao Bằng",
            password=PASSWORD,
            role=Role.PROGRAM_OFFICER,
            province_code="04",
        )
        uow.commit()
    with TestClient(app) as client:
        headers = _headers(client, officer)
        started = client.post("/api/v1/registry/verifications/bulk", json={"commune_code": NINH_KIEU}, headers=headers)
        assert started.status_code == 202, started.text
        job_id = started.json()["id"]
        assert started.headers["location"] == f"/api/v1/jobs/{job_id}"
        assert (started.json()["status"], started.json()["percent"]) == ("queued", 0)
        twice = client.post("/api/v1/registry/verifications/bulk", json={"commune_code": NINH_KIEU}, headers=headers)
        assert twice.status_code == 409
        with db.uow() as uow:
            other = next(c.code for c in communes_of(uow, "92") if c.code != NINH_KIEU)
        outside = client.post("/api/v1/registry/verifications/bulk", json={"commune_code": other}, headers=headers)
        assert outside.status_code == 403

        assert jobs.run_one(_context(db, population_url)) == job_id
        done = client.get(f"/api/v1/jobs/{job_id}", headers=_headers(client, program_officer))
        assert done.status_code == 200
        body = done.json()
        assert (body["status"], body["done"], body["total"], body["percent"]) == ("done", 6, 6, 100)
        assert body["result"]["counts"] == EVERY_OUTCOME
        hidden = client.get(f"/api/v1/jobs/{job_id}", headers=_headers(client, "cao-bang"))
        assert hidden.status_code == 404
