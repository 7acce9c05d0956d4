"""Verification of persons against the national population database (Cơ sở dữ liệu quốc gia về dân cư).

The database is reached through one small interface, ``PopulationRegistry``: ``HttpPopulationRegistry`` speaks
HTTP to the real service or to its simulator (``registry.population_sim``). An answer is stored per check; the
person keeps the last real answer (``unavailable`` is no answer). A death reported by the database proposes, for
an officer to confirm, a terminate decision and a funeral-support decision — once per death.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from types import TracebackType
from typing import Any, Literal, Protocol, Self

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import func, select

from ansinh.access.domain import Area
from ansinh.access.scoping import area_clause, require_commune
from ansinh.core import jobs
from ansinh.core.errors import ConfigError, Conflict, NotFound, ValidationFailed
from ansinh.core.period import Period
from ansinh.core.settings import Settings
from ansinh.core.uow import UnitOfWork
from ansinh.decisions.tables import Decision
from ansinh.geo.services import get_commune
from ansinh.registry.domain import BeneficiaryStatus, VerificationOutcome, mask
from ansinh.registry.tables import Beneficiary, Person, Verification

log = logging.getLogger(__name__)

VERIFY_PATH = "/v1/citizens/verify"
API_KEY_HEADER = "X-API-Key"
BULK_KIND = "registry.verify_commune"
CHUNK = 200
DEATH_REASON = "death"
OPEN_DECISION_STATUSES = ("draft", "submitted")


# --- the adapter ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VerificationAnswer:
    """What the population database said about one citizen ID, and what it holds (when it says)."""

    outcome: VerificationOutcome
    full_name: str | None = None
    date_of_birth: date | None = None
    date_of_death: date | None = None
    reason: str | None = None  # why there is no answer (``unavailable``)

    @classmethod
    def unavailable(cls, reason: str) -> VerificationAnswer:
        return cls(VerificationOutcome.UNAVAILABLE, reason=reason)


class PopulationRegistry(Protocol):
    """The national population database, as the registry needs it: one question about one citizen."""

    def verify(self, national_id: str, full_name: str, date_of_birth: date) -> VerificationAnswer:
        """Never raises for a service problem: a service that cannot answer gives ``unavailable``."""
        ...


class NotConfigured(ConfigError):
    """No population database is configured: verification cannot start (the caller is not at fault)."""

    code = "population_registry_not_configured"
    http_status = 503


class _RegistryRecord(BaseModel):
    model_config = ConfigDict(extra="ignore")

    full_name: str | None = Field(default=None, max_length=200)
    date_of_birth: date | None = None
    date_of_death: date | None = None


class _Reply(BaseModel):
    model_config = ConfigDict(extra="ignore")

    result: Literal["match", "name_mismatch", "dob_mismatch", "deceased", "not_found"]
    registry: _RegistryRecord | None = None


class HttpPopulationRegistry:
    """The population database (or its simulator) over HTTP: ``POST {base_url}/v1/citizens/verify``.

    Every failure of the service — no connection, a timeout, a 5xx, a refusal, an answer that is not the agreed
    JSON — becomes ``unavailable`` with the reason, so one bad answer never stops a bulk run.
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 10.0,
        api_key: str = "",
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ConfigError(
                f"ANSINH_POPULATION_URL phải bắt đầu bằng http:// hoặc https://, không phải {base_url!r}",
                f"ANSINH_POPULATION_URL must start with http:// or https://, not {base_url!r}",
            )
        headers = {API_KEY_HEADER: api_key} if api_key else {}
        self._client = httpx.Client(
            base_url=base_url.rstrip("/"), timeout=timeout, headers=headers, transport=transport
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def verify(self, national_id: str, full_name: str, date_of_birth: date) -> VerificationAnswer:
        who = mask(national_id)  # citizen IDs are masked in logs
        body = {"national_id": national_id, "full_name": full_name, "date_of_birth": date_of_birth.isoformat()}
        try:
            response = self._client.post(VERIFY_PATH, json=body)
        except httpx.TimeoutException:
            log.warning("population database: timeout verifying %s", who)
            return VerificationAnswer.unavailable("timeout")
        except httpx.HTTPError as exc:
            log.warning("population database: no connection verifying %s: %s", who, exc)
            return VerificationAnswer.unavailable(f"connection error: {type(exc).__name__}")
        if response.status_code != 200:
            # 5xx: the service is down; 401/403: our key is wrong; 4xx: we and the service disagree on the format
            log.warning("population database: HTTP %s verifying %s", response.status_code, who)
            return VerificationAnswer.unavailable(f"HTTP {response.status_code}")
        try:
            reply = _Reply.model_validate_json(response.content)
        except ValidationError as exc:
            log.warning("population database: malformed answer for %s: %s", who, exc.errors()[:3])
            return VerificationAnswer.unavailable("malformed answer")
        record = reply.registry or _RegistryRecord()
        if reply.result == "deceased" and record.date_of_death is None:
            log.warning("population database: %s reported deceased without a date of death", who)
            return VerificationAnswer.unavailable("malformed answer: deceased without date_of_death")
        return VerificationAnswer(
            VerificationOutcome(reply.result),
            full_name=record.full_name,
            date_of_birth=record.date_of_birth,
            date_of_death=record.date_of_death,
        )


def require_configured(settings: Settings) -> str:
    """The population database's address, or a clear error naming the setting."""
    if not settings.population_url:
        raise NotConfigured(
            "Chưa cấu hình địa chỉ Cơ sở dữ liệu quốc gia về dân cư (ANSINH_POPULATION_URL)",
            "The national population database is not configured (ANSINH_POPULATION_URL)",
        )
    return settings.population_url


def registry_from_settings(settings: Settings) -> HttpPopulationRegistry:
    return HttpPopulationRegistry(
        require_configured(settings),
        timeout=settings.population_timeout_seconds,
        api_key=settings.population_api_key,
    )


# --- one person -----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VerificationView:
    id: int
    person_id: int
    outcome: VerificationOutcome
    registry_full_name: str | None
    registry_date_of_birth: date | None
    registry_date_of_death: date | None
    reason: str | None
    proposed_decision_ids: list[int]
    job_id: int | None
    checked_by: str
    checked_at: datetime

    @classmethod
    def of(cls, row: Verification) -> VerificationView:
        detail: dict[str, Any] = dict(row.detail or {})
        registry: dict[str, Any] = detail.get("registry") or {}

        def day(key: str) -> date | None:
            value = registry.get(key)
            return date.fromisoformat(value) if isinstance(value, str) else None

        return cls(
            id=row.id,
            person_id=row.person_id,
            outcome=VerificationOutcome(row.outcome),
            registry_full_name=registry.get("full_name"),
            registry_date_of_birth=day("date_of_birth"),
            registry_date_of_death=day("date_of_death"),
            reason=detail.get("reason"),
            proposed_decision_ids=[int(i) for i in detail.get("proposed_decision_ids", [])],
            job_id=row.job_id,
            checked_by=row.checked_by,
            checked_at=row.checked_at,
        )


def _person_in_area(uow: UnitOfWork, area: Area, person_id: int, *, for_update: bool = False) -> Person:
    query = select(Person).where(Person.id == person_id, area_clause(area, Person.province_code, Person.commune_code))
    if for_update:
        # PostgreSQL: an officer's edit waits for the answer instead of failing our versioned update (SQLite's
        # unit of work already holds the write lock)
        query = query.with_for_update()
    person = uow.session.scalars(query).one_or_none()
    if person is None:  # outside the area answers exactly like a missing person
        raise NotFound(f"Không có người số {person_id}", f"No person {person_id}", field="person_id")
    return person


def find_person_id(uow: UnitOfWork, *, area: Area, national_id: str) -> int:
    """The id of the person with this citizen ID in the area (for commands that take the ID a citizen shows)."""
    person_id = uow.session.scalar(
        select(Person.id).where(
            Person.national_id == national_id.strip(), area_clause(area, Person.province_code, Person.commune_code)
        )
    )
    if person_id is None:
        raise NotFound(
            f"Không có người mang số định danh {mask(national_id.strip())} trong địa bàn",
            f"No person with citizen ID {mask(national_id.strip())} in your area",
            field="national_id",
        )
    return person_id


def verify_person(uow: UnitOfWork, *, area: Area, person_id: int, registry: PopulationRegistry) -> VerificationView:
    """Ask the population database about one person, keep the answer, and act on a reported death."""
    person = _person_in_area(uow, area, person_id, for_update=True)
    answer = registry.verify(person.national_id, person.full_name, person.date_of_birth)
    row = _record(uow, person, answer, job_id=None)
    uow.audit(
        "registry.person.verify",
        entity_type="person",
        entity_id=str(person.id),
        province_code=person.province_code,
        detail={"outcome": answer.outcome.value, "verification_id": row.id, **_proposed(row)},
    )
    return VerificationView.of(row)


def list_verifications(uow: UnitOfWork, *, area: Area, person_id: int, limit: int = 100) -> list[VerificationView]:
    """A person's checks, newest first."""
    person = _person_in_area(uow, area, person_id)
    rows = uow.session.scalars(
        select(Verification)
        .where(Verification.person_id == person.id)
        .order_by(Verification.checked_at.desc(), Verification.id.desc())
        .limit(limit)
    )
    return [VerificationView.of(row) for row in rows]


def _proposed(row: Verification) -> dict[str, Any]:
    ids = (row.detail or {}).get("proposed_decision_ids")
    return {"proposed_decision_ids": ids} if ids else {}


def _record(uow: UnitOfWork, person: Person, answer: VerificationAnswer, *, job_id: int | None) -> Verification:
    """Store one answer; update the person unless the service gave none; propose decisions on a death."""
    now = uow.clock.now()
    detail: dict[str, object] = {
        # what was asked: the person may be edited later, and the answer only holds for what was sent
        "sent": {"full_name": person.full_name, "date_of_birth": person.date_of_birth.isoformat()},
    }
    if answer.outcome is VerificationOutcome.UNAVAILABLE:
        detail["reason"] = answer.reason
    else:
        detail["registry"] = {
            "full_name": answer.full_name,
            "date_of_birth": answer.date_of_birth.isoformat() if answer.date_of_birth else None,
            "date_of_death": answer.date_of_death.isoformat() if answer.date_of_death else None,
        }
        person.verification_status = answer.outcome.value
        person.verified_at = now
        person.updated_at = now
    if answer.outcome is VerificationOutcome.DECEASED and answer.date_of_death is not None:
        # a date already in the record (from a death certificate) is kept: the drafts must agree with it, and
        # the answer above keeps the database's date for the officer to compare; a date in the future is an
        # error of the database, kept in the answer only
        if person.date_of_death is None and answer.date_of_death <= uow.clock.today():
            person.date_of_death = answer.date_of_death
        proposed, refused = _propose_for_death(uow, person, person.date_of_death or answer.date_of_death)
        if proposed:
            detail["proposed_decision_ids"] = proposed
        if refused:
            detail["proposals_refused"] = refused
    row = Verification(
        person_id=person.id,
        province_code=person.province_code,
        outcome=answer.outcome.value,
        detail=detail,
        job_id=job_id,
        checked_by=uow.actor,
        checked_at=now,
    )
    uow.session.add(row)
    uow.session.flush()
    return row


def _propose_for_death(uow: UnitOfWork, person: Person, date_of_death: date) -> tuple[list[int], list[str]]:
    """Draft a terminate (and one funeral support per person) for each beneficiary still paid; once per death.

    Every beneficiary of the person is concerned, whatever the area of the officer who ran the check: a death
    stops every program, and each draft goes to the officers of its beneficiary's own commune. Returns the ids
    proposed and, for a proposal the decision rules refuse (a date of death in the future …), the reason: the
    answer is still kept, and a bulk run goes on.
    """
    from ansinh.decisions.services import propose_draft  # decisions builds on the registry: import at use

    paid = uow.session.scalars(
        select(Beneficiary)
        .where(
            Beneficiary.person_id == person.id,
            Beneficiary.status.in_((BeneficiaryStatus.ACTIVE.value, BeneficiaryStatus.SUSPENDED.value)),
        )
        .order_by(Beneficiary.id)
    ).all()
    if not paid:
        return [], []
    decisions = uow.session.scalars(
        select(Decision)
        .join(Beneficiary, Beneficiary.id == Decision.beneficiary_id)
        .where(Beneficiary.person_id == person.id, Decision.kind.in_(("terminate", "funeral")))
    ).all()
    death = date_of_death.isoformat()

    def terminate_proposed(beneficiary_id: int) -> bool:
        return any(
            d.kind == "terminate"
            and d.beneficiary_id == beneficiary_id
            and (
                d.status in OPEN_DECISION_STATUSES
                # the same death proposed before: an officer who rejected it is not asked again
                or (d.source == "verification" and (d.details or {}).get("date_of_death") == death)
            )
            for d in decisions
        )

    # one funeral support per person, whichever program it comes from (Decree 20/2021 Art 11)
    funeral_done = any(d.kind == "funeral" and d.status != "rejected" for d in decisions) or any(
        d.kind == "funeral" and d.source == "verification" and (d.details or {}).get("date_of_death") == death
        for d in decisions
    )
    ids: list[int] = []
    refused: list[str] = []

    def propose(beneficiary: Beneficiary, kind: str, effective_from: Period | None, details: dict[str, Any]) -> bool:
        try:
            ids.append(
                propose_draft(
                    uow,
                    beneficiary_id=beneficiary.id,
                    kind=kind,
                    effective_from=effective_from,
                    details=details,
                    source="verification",
                )
            )
        except (ValidationFailed, Conflict) as error:  # refused before anything was written
            log.warning("no %s proposed for beneficiary %s: %s", kind, beneficiary.code, error.message_en)
            refused.append(f"{kind} {beneficiary.code}: {error.message_en}")
            return False
        return True

    for beneficiary in paid:
        if terminate_proposed(beneficiary.id):
            continue
        # payment stops from the month after death (Decree 20/2021 Art 8.2)
        propose(
            beneficiary, "terminate", Period.of(date_of_death) + 1, {"reason": DEATH_REASON, "date_of_death": death}
        )
        if not funeral_done:
            # paid from the month the officer signs it; the officer names the organiser (and the cause if it was
            # an accident or a disaster) when confirming the draft
            details = {"date_of_death": death, "cause": "ordinary", "organiser_person_id": None}
            funeral_done = propose(beneficiary, "funeral", None, details)
    return ids, refused


# --- a whole commune, in the background -----------------------------------------------------------------------


def start_bulk_verification(uow: UnitOfWork, *, area: Area, commune_code: str, chunk_size: int = CHUNK) -> int:
    """Queue the verification of every person of a commune; the id of the background job."""
    commune = get_commune(uow, commune_code)
    assert commune.province_code is not None
    require_commune(area, commune_code=commune.code, province_code=commune.province_code)
    running = jobs.open_jobs(uow.session, kind=BULK_KIND, params_match={"commune_code": commune.code})
    if running:
        raise Conflict(
            f"Xã {commune.code} đang được xác thực (công việc số {running[0].id})",
            f"Commune {commune.code} is already being verified (job {running[0].id})",
            field="commune_code",
        )
    job = jobs.enqueue(
        uow.session,
        kind=BULK_KIND,
        params={"commune_code": commune.code, "chunk_size": chunk_size},
        province_code=commune.province_code,
        actor=uow.actor,
        now=uow.clock.now(),
    )
    uow.audit(
        "registry.verification.bulk_start",
        entity_type="job",
        entity_id=str(job.id),
        province_code=commune.province_code,
        detail={"commune_code": commune.code},
    )
    return job.id


def verify_commune(run: jobs.JobRun, registry: PopulationRegistry) -> dict[str, Any]:
    """The bulk job: the commune's persons by id, a chunk at a time, each chunk committed with its progress.

    The network is never waited on inside a transaction (SQLite would hold its write lock meanwhile): a chunk is
    read, checked against the database, then written in one transaction that also records the last id done. A
    worker that dies loses at most the chunk in hand, and the next one starts after the last id committed.
    """
    commune_code = str(run.params["commune_code"])
    chunk_size = int(run.params.get("chunk_size", CHUNK))
    counts: Counter[str] = Counter(run.result.get("counts", {}))
    last_id = int(run.result.get("last_person_id", 0))
    proposed = int(run.result.get("proposed_decisions", 0))
    factory, clock = run.context.factory, run.context.clock
    with factory() as session:
        # persons added meanwhile are verified too (their ids come after), so the total may grow, never shrink
        total = session.scalar(select(func.count()).select_from(Person).where(Person.commune_code == commune_code))
    total = max(int(total or 0), sum(counts.values()))

    def state() -> dict[str, Any]:
        return {
            "commune_code": commune_code,
            "last_person_id": last_id,
            "counts": dict(sorted(counts.items())),
            "proposed_decisions": proposed,
        }

    while True:
        with factory() as session:
            batch = session.execute(
                select(Person.id, Person.national_id, Person.full_name, Person.date_of_birth)
                .where(Person.commune_code == commune_code, Person.id > last_id)
                .order_by(Person.id)
                .limit(chunk_size)
            ).all()
        if not batch:
            break
        answers: dict[int, VerificationAnswer] = {}
        for person_id, national_id, full_name, date_of_birth in batch:
            run.check_stop()  # a stop drops the answers in hand: nothing of this chunk is written yet
            answers[person_id] = registry.verify(national_id, full_name, date_of_birth)
            run.heartbeat()
        with UnitOfWork(factory, clock, actor=run.created_by) as uow:
            # the fence first: the job's row is locked from here, and a lost lease stops us before any write
            run.progress(uow.session, done=sum(counts.values()), total=total)
            persons = uow.session.scalars(
                select(Person).where(Person.id.in_(list(answers))).order_by(Person.id).with_for_update()
            ).all()
            chunk_counts: Counter[str] = Counter()
            chunk_proposed = 0
            for person in persons:  # a person removed meanwhile has nothing left to verify
                answer = answers[person.id]
                row = _record(uow, person, answer, job_id=run.job_id)
                chunk_counts[answer.outcome.value] += 1
                chunk_proposed += len(_proposed(row).get("proposed_decision_ids", []))
            counts.update(chunk_counts)
            last_id = batch[-1][0]
            proposed += chunk_proposed
            done = sum(counts.values())
            total = max(total, done)
            run.progress(uow.session, done=done, total=total, result=state())
            uow.audit(
                "registry.verification.bulk_chunk",
                entity_type="job",
                entity_id=str(run.job_id),
                province_code=run.province_code,
                detail={
                    "commune_code": commune_code,
                    "first_person_id": batch[0][0],
                    "last_person_id": last_id,
                    "counts": dict(sorted(chunk_counts.items())),
                    "proposed_decisions": chunk_proposed,
                },
            )
            uow.commit()
    return {**state(), "verified": sum(counts.values())}


def _verify_commune_from_settings(run: jobs.JobRun) -> dict[str, Any]:
    with registry_from_settings(run.context.settings) as registry:
        return verify_commune(run, registry)


def bulk_handler(registry: PopulationRegistry) -> jobs.Handler:
    """The bulk job's handler bound to a given adapter (the worker builds one from the settings instead)."""

    def handler(run: jobs.JobRun) -> dict[str, Any]:
        return verify_commune(run, registry)

    return handler


jobs.register(BULK_KIND, _verify_commune_from_settings)
