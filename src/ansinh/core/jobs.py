"""Background jobs in the database: queued, claimed by any worker (SKIP LOCKED on PostgreSQL), with progress.

A job is a row, so the work survives a crash: a worker that dies leaves a lease that expires, and the next worker
takes the job again. ``attempts`` doubles as a fencing token: every write a handler makes through ``JobRun``
checks that the job is still its own, so a worker that lost its lease (paused, cut off) cannot write over the one
that took the job after it. Handlers commit their work with their progress in one transaction, which lets them
resume where the last committed chunk ended.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
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
# A handler renews its lease at most this often (each renewal is a short write transaction of its own).
HEARTBEAT_EVERY = LEASE / 10


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
    params: dict[str, Any]
    status: str
    total: int
    done: int
    result: dict[str, Any]
    error: str | None
    attempts: int
    created_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @property
    def percent(self) -> int:
        if self.status == "done":
            return 100
        # never 100 before the job says it is done: the last chunk may still be committing
        return 0 if self.total <= 0 else min(99, self.done * 100 // self.total)

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed")

    @classmethod
    def of(cls, job: Job) -> JobView:
        return cls(
            id=job.id,
            kind=job.kind,
            province_code=job.province_code,
            params=dict(job.params or {}),
            status=job.status,
            total=job.total,
            done=job.done,
            result=dict(job.result or {}),
            error=job.error,
            attempts=job.attempts,
            created_by=job.created_by,
            created_at=job.created_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
        )


class LeaseLost(Exception):
    """Another worker took the job after our lease ran out: stop at once and write nothing more."""


class JobInterrupted(Exception):
    """The worker is shutting down: the handler stops between two chunks and the job goes back to the queue."""


def enqueue(
    session: Session, *, kind: str, params: dict[str, Any], province_code: str | None, actor: str, now: datetime
) -> Job:
    job = Job(kind=kind, params=params, province_code=province_code, status="queued", created_by=actor, created_at=now)
    session.add(job)
    session.flush()
    return job


def _not_found(job_id: int) -> NotFound:
    return NotFound(f"Không có công việc số {job_id}", f"No job {job_id}", field="job_id")


def get(session: Session, job_id: int) -> Job:
    job = session.get(Job, job_id)
    if job is None:
        raise _not_found(job_id)
    return job


def get_visible(session: Session, job_id: int, *, province_code: str | None, username: str) -> JobView:
    """A job as a user may see it: any job for a national user, else the jobs of their province or their own.

    A job out of sight answers exactly like a missing one, so its existence is not revealed.
    """
    job = session.get(Job, job_id)
    if job is None:
        raise _not_found(job_id)
    if province_code is not None and job.province_code != province_code and job.created_by != username:
        raise _not_found(job_id)
    return JobView.of(job)


def open_jobs(session: Session, *, kind: str, params_match: Mapping[str, Any]) -> list[JobView]:
    """Queued or running jobs of a kind whose parameters include ``params_match`` (to refuse a duplicate)."""
    rows = session.scalars(
        select(Job).where(Job.kind == kind, Job.status.in_(("queued", "running"))).order_by(Job.id)
    ).all()
    return [JobView.of(job) for job in rows if all((job.params or {}).get(k) == v for k, v in params_match.items())]


def claim(
    session: Session, *, now: datetime, kinds: frozenset[str] | None = None, job_id: int | None = None
) -> Job | None:
    """Take the oldest queued job (or one whose worker's lease ran out) and mark it running; the caller commits.

    A job already taken ``MAX_ATTEMPTS`` times is marked failed on the way, and the next candidate is tried.
    """
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
    if job_id is not None:
        query = query.where(Job.id == job_id)
    if session.get_bind().dialect.name == "postgresql":
        # Two workers never take the same row: the second skips the row the first has locked.
        # (SQLite needs nothing: each unit of work holds the database's write lock from BEGIN IMMEDIATE.)
        query = query.with_for_update(skip_locked=True)
    while True:
        job = session.scalars(query).first()
        if job is None:
            return None
        job.attempts += 1
        if job.attempts > MAX_ATTEMPTS:
            job.status = "failed"
            job.error = job.error or "công việc bị gián đoạn quá 3 lần / the worker was lost more than 3 times"
            job.finished_at = now
            job.lease_until = None
            session.flush()  # the next query sees it failed and moves on
            continue
        job.status = "running"
        job.started_at = job.started_at or now
        job.lease_until = now + LEASE
        session.flush()
        return job


def _fenced(job_id: int, attempt: int | None) -> Any:
    # no ORM synchronisation: the handler does not keep Job objects, and the fence needs the row count only
    statement = update(Job).where(Job.id == job_id).execution_options(synchronize_session=False)
    if attempt is not None:
        statement = statement.where(Job.attempts == attempt, Job.status == "running")
    return statement


def _execute_fenced(session: Session, statement: Any, job_id: int, attempt: int | None) -> None:
    outcome = session.execute(statement)
    if attempt is not None and getattr(outcome, "rowcount", 1) != 1:
        raise LeaseLost(f"job {job_id}: attempt {attempt} no longer holds the lease")


def progress(
    session: Session,
    job_id: int,
    *,
    done: int,
    now: datetime,
    total: int | None = None,
    result: dict[str, Any] | None = None,
    attempt: int | None = None,
) -> None:
    """Record progress and renew the lease (a plain UPDATE: the handler may hold other rows).

    With ``attempt``, raise ``LeaseLost`` when the job is no longer this attempt's; the caller's transaction, and the
    work it carries, must then be rolled back.
    """
    values: dict[str, Any] = {"done": done, "lease_until": now + LEASE}
    if total is not None:
        values["total"] = total
    if result is not None:
        values["result"] = result
    _execute_fenced(session, _fenced(job_id, attempt).values(**values), job_id, attempt)


def finish(session: Session, job_id: int, *, result: dict[str, Any], now: datetime, attempt: int | None = None) -> None:
    statement = _fenced(job_id, attempt).values(
        status="done", result=result, finished_at=now, lease_until=None, error=None
    )
    _execute_fenced(session, statement, job_id, attempt)


def fail(session: Session, job_id: int, *, error: str, now: datetime, attempt: int | None = None) -> None:
    statement = _fenced(job_id, attempt).values(status="failed", error=error[:1000], finished_at=now, lease_until=None)
    _execute_fenced(session, statement, job_id, attempt)


def release(session: Session, job_id: int, *, attempt: int) -> None:
    """Give a job back to the queue on a clean shutdown; the interrupted try does not count as an attempt."""
    statement = _fenced(job_id, attempt).values(status="queued", lease_until=None, attempts=Job.attempts - 1)
    _execute_fenced(session, statement, job_id, attempt)


@dataclass(frozen=True, slots=True)
class JobContext:
    """What a handler needs: sessions, the clock and the settings (never module globals)."""

    factory: sessionmaker[Session]
    clock: Clock
    settings: Settings
    # Set when the worker is asked to stop: handlers check it between chunks (``JobRun.check_stop``).
    stopping: threading.Event = field(default_factory=threading.Event)


@dataclass
class JobRun:
    """One attempt at one job, as its handler sees it."""

    context: JobContext
    job_id: int
    attempt: int
    kind: str
    params: dict[str, Any]
    result: dict[str, Any]  # what an earlier, interrupted attempt committed: where to resume
    total: int
    province_code: str | None
    created_by: str
    _last_beat: float = field(default_factory=time.monotonic)

    def progress(
        self, session: Session, *, done: int, total: int | None = None, result: dict[str, Any] | None = None
    ) -> None:
        """Record progress in the handler's transaction, raising ``LeaseLost`` if the job is no longer ours."""
        progress(
            session,
            self.job_id,
            done=done,
            total=total,
            result=result,
            now=self.context.clock.now(),
            attempt=self.attempt,
        )
        self._last_beat = time.monotonic()

    def heartbeat(self) -> None:
        """Renew the lease during slow work outside a transaction (throttled; raises ``LeaseLost``)."""
        if time.monotonic() - self._last_beat < HEARTBEAT_EVERY.total_seconds():
            return
        with self.context.factory() as session:
            statement = _fenced(self.job_id, self.attempt).values(lease_until=self.context.clock.now() + LEASE)
            _execute_fenced(session, statement, self.job_id, self.attempt)
            session.commit()
        self._last_beat = time.monotonic()

    def check_stop(self) -> None:
        if self.context.stopping.is_set():
            raise JobInterrupted(f"job {self.job_id}: the worker is stopping")


type Handler = Callable[[JobRun], dict[str, Any]]
"""A handler runs one attempt of a job: it opens its own transactions (one per chunk), records progress through
``JobRun.progress`` in each, resumes from ``JobRun.result``, and returns the job's final result."""

_HANDLERS: dict[str, Handler] = {}


def register(kind: str, handler: Handler) -> None:
    _HANDLERS[kind] = handler


def registered_kinds() -> frozenset[str]:
    return frozenset(_HANDLERS)


def _close(context: JobContext, job_id: int, attempt: int, write: Callable[[Session], None], what: str) -> None:
    try:
        with context.factory() as session:
            write(session)
            session.commit()
    except LeaseLost:
        log.warning("job %s: could not record %s, another worker holds it now", job_id, what)


def run_one(
    context: JobContext,
    *,
    kinds: frozenset[str] | None = None,
    job_id: int | None = None,
    handlers: Mapping[str, Handler] | None = None,
) -> int | None:
    """Claim one job and run it to the end; the id of the job run, or None when there was nothing to do.

    ``handlers`` replaces the registered handlers (tests inject adapters this way); ``job_id`` runs only that job.
    """
    table = dict(_HANDLERS if handlers is None else handlers)
    known = frozenset(table) if kinds is None else kinds & frozenset(table)
    with context.factory() as session:
        job = claim(session, now=context.clock.now(), kinds=known, job_id=job_id)
        session.commit()
        if job is None:
            return None
        run = JobRun(
            context=context,
            job_id=job.id,
            attempt=job.attempts,
            kind=job.kind,
            params=dict(job.params or {}),
            result=dict(job.result or {}),
            total=job.total,
            province_code=job.province_code,
            created_by=job.created_by,
        )
    now = context.clock.now
    try:
        result = table[run.kind](run)
    except LeaseLost:
        log.warning("job %s (%s): lease lost to another worker, stopping", run.job_id, run.kind)
    except JobInterrupted:
        log.info("job %s (%s): interrupted, back in the queue", run.job_id, run.kind)
        _close(context, run.job_id, run.attempt, lambda s: release(s, run.job_id, attempt=run.attempt), "release")
    except Exception as exc:  # a failed job is recorded, and the worker goes on with the next one
        log.exception("job %s (%s) failed", run.job_id, run.kind)
        message = exc.message_vi + " / " + exc.message_en if isinstance(exc, AnsinhError) else repr(exc)
        _close(
            context,
            run.job_id,
            run.attempt,
            lambda s: fail(s, run.job_id, error=message, now=now(), attempt=run.attempt),
            "the failure",
        )
    else:
        _close(
            context,
            run.job_id,
            run.attempt,
            lambda s: finish(s, run.job_id, result=result, now=now(), attempt=run.attempt),
            "the result",
        )
    return run.job_id


def run_until_idle(context: JobContext, *, kinds: frozenset[str] | None = None) -> int:
    """Run jobs until none is left (or the worker is asked to stop); how many were run."""
    count = 0
    while not context.stopping.is_set() and run_one(context, kinds=kinds) is not None:
        count += 1
    return count


def work(context: JobContext, *, poll_seconds: float = 1.0, kinds: frozenset[str] | None = None) -> None:
    """The worker loop: run jobs, sleep ``poll_seconds`` when there is none, until ``context.stopping`` is set."""
    while not context.stopping.is_set():
        try:
            ran = run_one(context, kinds=kinds)
        except Exception:  # the database may be briefly out of reach: keep the worker alive and try again
            log.exception("background worker: could not claim a job")
            ran = None
        if ran is None:
            context.stopping.wait(poll_seconds)


def start_background_worker(context: JobContext, *, poll_seconds: float = 1.0) -> Callable[[], None]:
    """Run jobs in a daemon thread (``ansinh serve`` uses it); returns a function that stops it.

    Stopping lets the running handler end at its next chunk boundary and gives the job back to the queue; a job cut
    off harder (the process killed) is taken again when its lease expires.
    """
    thread = threading.Thread(
        target=work, args=(context,), kwargs={"poll_seconds": poll_seconds}, name="ansinh-jobs", daemon=True
    )
    thread.start()

    def stop(timeout: float = 30.0) -> None:
        context.stopping.set()
        thread.join(timeout)

    return stop
