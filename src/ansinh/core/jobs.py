"""Background jobs in the database: queued, claimed by any worker (SKIP LOCKED on PostgreSQL), with progress.

A job is a row, so the work survives a crash: a worker that dies leaves a lease that expires, and the next worker
takes the job again. Handlers are registered by kind and must be safe to run again from the start (idempotent).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Index, Integer, String, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from ansinh.core.clock import Clock
from ansinh.core.db import Base, BigId, UTCDateTime
from ansinh.core.errors import AnsinhError, NotFound
from ansinh.core.settings import Settings

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 3


class Job(Base):
    __tablename__ = "core_jobs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(40))
    province_code: Mapped[str | None] = mapped_column(String(2), index=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(String(1000))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        Index("ix_core_jobs_status_created", "status", "created_at"),
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="status"),
    )


@dataclass(frozen=True, slots=True)
class JobView:
    id: int
    kind: str
    province_code: str | None
    status: str
    total: int
    done: int
    result: dict[str, Any]
    error: str | None
    created_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @property
    def percent(self) -> int:
        if self.status == "done":
            return 100
        return 0 if self.total <= 0 else min(99, self.done * 100 // self.total)

    @classmethod
    def of(cls, job: Job) -> JobView:
        return cls(
            id=job.id,
            kind=job.kind,
            province_code=job.province_code,
            status=job.status,
            total=job.total,
            done=job.done,
            result=dict(job.result or {}),
            error=job.error,
            created_by=job.created_by,
            created_at=job.created_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
        )


def enqueue(
    session: Session, *, kind: str, params: dict[str, Any], province_code: str | None, actor: str, now: datetime
) -> Job:
    job = Job(kind=kind, params=params, province_code=province_code, status="queued", created_by=actor, created_at=now)
    session.add(job)
    session.flush()
    return job


def get(session: Session, job_id: int) -> Job:
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound(f"Không có công việc số {job_id}", f"no job {job_id}", field="job_id")
    return job


def claim(session: Session, *, now: datetime, kinds: frozenset[str] | None = None) -> Job | None:
    """Take the oldest queued job (or one whose worker's lease ran out) and mark it running; the caller commits."""
    query = (
        select(Job)
        .where(
            or_(
                Job.status == "queued",
                (Job.status == "running") & (Job.lease_until < now),
            )
        )
        .order_by(Job.created_at, Job.id)
        .limit(1)
    )
    if kinds is not None:
        query = query.where(Job.kind.in_(sorted(kinds)))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    job = session.scalars(query).first()
    if job is None:
        return None
    job.attempts += 1
    if job.attempts > MAX_ATTEMPTS:
        job.status = "failed"
        job.error = job.error or "worker lost more than 3 times / công việc bị gián đoạn quá 3 lần"
        job.finished_at = now
        return None
    job.status = "running"
    job.started_at = job.started_at or now
    job.lease_until = now + LEASE
    return job


def progress(session: Session, job_id: int, *, done: int, total: int | None = None, now: datetime) -> None:
    """Record progress and renew the lease (a plain UPDATE: the handler may hold other rows)."""
    values: dict[str, Any] = {"done": done, "lease_until": now + LEASE}
    if total is not None:
        values["total"] = total
    session.execute(update(Job).where(Job.id == job_id).values(**values))


def finish(session: Session, job_id: int, *, result: dict[str, Any], now: datetime) -> None:
    session.execute(
        update(Job)
        .where(Job.id == job_id)
        .values(status="done", result=result, finished_at=now, lease_until=None, done=Job.total)
    )


def fail(session: Session, job_id: int, *, error: str, now: datetime) -> None:
    session.execute(
        update(Job)
        .where(Job.id == job_id)
        .values(status="failed", error=error[:1000], finished_at=now, lease_until=None)
    )


@dataclass(frozen=True, slots=True)
class JobContext:
    """What a handler needs: sessions, the clock and the settings (never module globals)."""

    factory: sessionmaker[Session]
    clock: Clock
    settings: Settings


type Handler = Callable[[JobContext, int], None]
"""A handler gets the job id; it opens its own transactions (one per chunk) and calls ``progress``."""

_HANDLERS: dict[str, Handler] = {}


def register(kind: str, handler: Handler) -> None:
    _HANDLERS[kind] = handler


def run_one(context: JobContext, *, kinds: frozenset[str] | None = None) -> int | None:
    """Claim one job and run it to the end; the id of the job run, or None when there was nothing to do."""
    known = frozenset(_HANDLERS) if kinds is None else kinds & frozenset(_HANDLERS)
    with context.factory() as session:
        job = claim(session, now=context.clock.now(), kinds=known)
        session.commit()
        if job is None:
            return None
        job_id, kind = job.id, job.kind
    try:
        _HANDLERS[kind](context, job_id)
    except Exception as exc:  # a failed job is recorded, and the worker goes on with the next one
        log.exception("job %s (%s) failed", job_id, kind)
        message = exc.message_vi + " / " + exc.message_en if isinstance(exc, AnsinhError) else repr(exc)
        with context.factory() as session:
            fail(session, job_id, error=message, now=context.clock.now())
            session.commit()
    return job_id
