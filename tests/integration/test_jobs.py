"""Background jobs: claimed once, leased, taken again after a crash, fenced against a worker that lost its lease."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from tests.conftest import Database

from ansinh.core import jobs
from ansinh.core.clock import FrozenClock
from ansinh.core.errors import NotFound, ValidationFailed
from ansinh.core.settings import Environment, Settings

START = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
KIND = "test.count"


class Crash(BaseException):
    """The worker process dies: nothing in the worker catches it, as nothing runs after a kill."""


def _context(db: Database, clock: FrozenClock) -> jobs.JobContext:
    return jobs.JobContext(
        factory=db.sessions, clock=clock, settings=Settings(database_url=db.url, env=Environment.TEST)
    )


def _enqueue(db: Database, *, kind: str = KIND, params: dict[str, Any] | None = None, at: datetime = START) -> int:
    with db.sessions() as session:
        job = jobs.enqueue(session, kind=kind, params=params or {}, province_code="92", actor="tester", now=at)
        session.commit()
        return job.id


def _job(db: Database, job_id: int) -> jobs.JobView:
    with db.sessions() as session:
        return jobs.JobView.of(jobs.get(session, job_id))


def counting_handler(steps: int, *, crash_at: int | None = None) -> jobs.Handler:
    """A handler doing ``steps`` steps, each committed with its progress; it resumes from the last step committed."""

    def handler(run: jobs.JobRun) -> dict[str, Any]:
        step = int(run.result.get("step", 0))
        while step < steps:
            if crash_at is not None and step == crash_at:
                raise Crash
            step += 1
            with run.context.factory() as session:
                run.progress(session, done=step, total=steps, result={"step": step})
                session.commit()
        return {"step": step, "attempt": run.attempt}

    return handler


def test_a_claimed_job_is_leased_and_no_one_else_takes_it_until_the_lease_runs_out(db: Database) -> None:
    job_id = _enqueue(db)
    with db.sessions() as session:
        job = jobs.claim(session, now=START)
        session.commit()
        assert job is not None
        assert job.id == job_id
        assert (job.status, job.attempts, job.lease_until) == ("running", 1, START + jobs.LEASE)
    with db.sessions() as session:
        assert jobs.claim(session, now=START + jobs.LEASE - timedelta(seconds=1)) is None
        again = jobs.claim(session, now=START + jobs.LEASE + timedelta(seconds=1))
        session.commit()
        assert again is not None
        assert (again.id, again.attempts) == (job_id, 2)


def test_a_job_runs_to_done_with_its_progress_and_result(db: Database) -> None:
    job_id = _enqueue(db)
    context = _context(db, FrozenClock(START))
    assert jobs.run_one(context, handlers={KIND: counting_handler(3)}) == job_id
    view = _job(db, job_id)
    assert (view.status, view.done, view.total, view.percent) == ("done", 3, 3, 100)
    assert view.result == {"step": 3, "attempt": 1}
    assert view.finished_at is not None
    assert jobs.run_one(context, handlers={KIND: counting_handler(3)}) is None  # nothing left


def test_a_crashed_job_is_taken_again_after_its_lease_and_resumes_where_it_stopped(db: Database) -> None:
    job_id = _enqueue(db)
    clock = FrozenClock(START)
    context = _context(db, clock)
    with pytest.raises(Crash):
        jobs.run_one(context, handlers={KIND: counting_handler(5, crash_at=2)})
    view = _job(db, job_id)
    assert (view.status, view.done, view.result) == ("running", 2, {"step": 2})
    steps_run: list[int] = []

    def recording(run: jobs.JobRun) -> dict[str, Any]:
        steps_run.append(int(run.result.get("step", 0)))
        return counting_handler(5)(run)

    assert jobs.run_one(context, handlers={KIND: recording}) is None  # the lease still holds
    clock.instant = START + jobs.LEASE + timedelta(seconds=1)
    assert jobs.run_one(context, handlers={KIND: recording}) == job_id
    assert steps_run == [2]  # resumed from the last committed step, not from the start
    view = _job(db, job_id)
    assert (view.status, view.done, view.result) == ("done", 5, {"step": 5, "attempt": 2})


def test_a_job_lost_more_than_three_times_fails_and_the_next_one_is_taken(db: Database) -> None:
    stuck = _enqueue(db)
    other = _enqueue(db, at=START + timedelta(seconds=1))
    clock = FrozenClock(START)
    context = _context(db, clock)
    for attempt in range(jobs.MAX_ATTEMPTS):
        with pytest.raises(Crash):
            jobs.run_one(context, job_id=stuck, handlers={KIND: counting_handler(5, crash_at=0)})
        clock.instant += jobs.LEASE + timedelta(seconds=1)
        assert _job(db, stuck).attempts == attempt + 1
    assert jobs.run_one(context, handlers={KIND: counting_handler(1)}) == other
    view = _job(db, stuck)
    assert view.status == "failed"
    assert view.error is not None
    assert "more than 3 times" in view.error
    assert _job(db, other).status == "done"


def test_a_worker_that_lost_its_lease_writes_nothing_more(db: Database) -> None:
    job_id = _enqueue(db)
    with db.sessions() as session:
        first = jobs.claim(session, now=START)
        session.commit()
        assert first is not None
    later = START + jobs.LEASE + timedelta(seconds=1)
    with db.sessions() as session:
        second = jobs.claim(session, now=later)
        session.commit()
        assert second is not None
        assert second.attempts == 2
    with db.sessions() as session, pytest.raises(jobs.LeaseLost):
        jobs.progress(session, job_id, done=99, now=later, result={"from": "the first worker"}, attempt=1)
    with db.sessions() as session:
        jobs.progress(session, job_id, done=1, now=later, result={"from": "the second worker"}, attempt=2)
        session.commit()
    view = _job(db, job_id)
    assert (view.done, view.result) == (1, {"from": "the second worker"})


def test_a_failing_handler_marks_the_job_failed_with_its_bilingual_message(db: Database) -> None:
    job_id = _enqueue(db)

    def refuses(run: jobs.JobRun) -> dict[str, Any]:
        raise ValidationFailed("Xã không tồn tại", "no such commune")

    assert jobs.run_one(_context(db, FrozenClock(START)), handlers={KIND: refuses}) == job_id
    view = _job(db, job_id)
    assert (view.status, view.error) == ("failed", "Xã không tồn tại / no such commune")


def test_a_stopping_worker_gives_the_job_back_without_using_an_attempt(db: Database) -> None:
    job_id = _enqueue(db)
    context = _context(db, FrozenClock(START))

    def stops_after_one_step(run: jobs.JobRun) -> dict[str, Any]:
        with run.context.factory() as session:
            run.progress(session, done=1, total=3, result={"step": 1})
            session.commit()
        run.context.stopping.set()
        run.check_stop()
        raise AssertionError("check_stop must raise once the worker is stopping")

    assert jobs.run_one(context, handlers={KIND: stops_after_one_step}) == job_id
    view = _job(db, job_id)
    assert (view.status, view.attempts, view.result) == ("queued", 0, {"step": 1})
    fresh = _context(db, FrozenClock(START))
    assert jobs.run_one(fresh, handlers={KIND: counting_handler(3)}) == job_id
    assert _job(db, job_id).result == {"step": 3, "attempt": 1}


def test_the_heartbeat_renews_the_lease_and_notices_a_lost_one(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jobs, "HEARTBEAT_EVERY", timedelta(0))
    job_id = _enqueue(db)
    clock = FrozenClock(START)
    context = _context(db, clock)
    with db.sessions() as session:
        job = jobs.claim(session, now=START)
        session.commit()
        assert job is not None
    run = jobs.JobRun(context, job_id, 1, KIND, {}, {}, 0, "92", "tester")
    clock.instant = START + timedelta(minutes=4)
    run.heartbeat()
    with db.sessions() as session:
        lease = session.scalar(select(jobs.Job.lease_until).where(jobs.Job.id == job_id))
        assert lease == START + timedelta(minutes=4) + jobs.LEASE
        jobs.release(session, job_id, attempt=1)  # taken away from this run
        session.commit()
    with pytest.raises(jobs.LeaseLost):
        run.heartbeat()


def test_two_workers_never_run_the_same_job(db: Database) -> None:
    job_ids = {_enqueue(db, at=START + timedelta(seconds=i)) for i in range(8)}
    runs: Counter[int] = Counter()
    lock = threading.Lock()

    def slow(run: jobs.JobRun) -> dict[str, Any]:
        with lock:
            runs[run.job_id] += 1
        time.sleep(0.05)  # long enough for the other workers to try the same rows
        return {}

    def worker() -> None:
        context = _context(db, FrozenClock(START))
        while jobs.run_one(context, handlers={KIND: slow}) is not None:
            pass

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert runs == Counter(dict.fromkeys(job_ids, 1))
    assert {_job(db, job_id).status for job_id in job_ids} == {"done"}


def test_postgresql_skips_a_job_another_worker_is_claiming(db: Database) -> None:
    if db.dialect != "postgresql":
        pytest.skip("SQLite serialises claims with its write lock: there is nothing to skip")
    first_id = _enqueue(db)
    second_id = _enqueue(db, at=START + timedelta(seconds=1))
    with db.sessions() as one, db.sessions() as two:
        taken = jobs.claim(one, now=START)  # not committed: the row stays locked
        other = jobs.claim(two, now=START)
        assert taken is not None
        assert other is not None
        assert (taken.id, other.id) == (first_id, second_id)
        assert jobs.claim(two, now=START) is None
        one.commit()
        two.commit()


def test_the_background_worker_runs_queued_jobs_until_stopped(db: Database) -> None:
    job_id = _enqueue(db, kind="test.background")
    jobs.register("test.background", counting_handler(2))
    try:
        stop = jobs.start_background_worker(_context(db, FrozenClock(START)), poll_seconds=0.05)
        deadline = time.monotonic() + 20
        while _job(db, job_id).status != "done" and time.monotonic() < deadline:
            time.sleep(0.05)
        stop()
    finally:
        jobs._HANDLERS.pop("test.background", None)
    assert _job(db, job_id).status == "done"


def test_a_user_sees_the_jobs_of_their_province_and_their_own_only(db: Database) -> None:
    job_id = _enqueue(db)
    with db.sessions() as session:
        assert jobs.get_visible(session, job_id, province_code=None, username="auditor").id == job_id
        assert jobs.get_visible(session, job_id, province_code="92", username="someone").id == job_id
        assert jobs.get_visible(session, job_id, province_code="04", username="tester").id == job_id
        with pytest.raises(NotFound):
            jobs.get_visible(session, job_id, province_code="04", username="someone")


def test_percent_is_never_100_before_the_job_is_done(db: Database) -> None:
    job_id = _enqueue(db)
    with db.sessions() as session:
        jobs.progress(session, job_id, done=10, total=10, now=START)
        session.commit()
    assert _job(db, job_id).percent == 99
    assert _job(db, job_id).finished is False
