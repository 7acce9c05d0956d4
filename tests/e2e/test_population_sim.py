"""The simulator, the verification commands and the worker, run as a user runs them: real processes over HTTP."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from tests.conftest import TODAY
from tests.e2e.conftest import ANSINH, free_port, run_cli
from tests.factories_registry import NINH_KIEU, make_beneficiary, make_person
from tests.population_server import ABSENT_ID, DECEASED, DOB_DIFFERS, DOWN, MATCH, NAME_DIFFERS, POPULATION

from ansinh.access.domain import Area
from ansinh.core.clock import FixedDayClock
from ansinh.core.db import make_engine, session_factory
from ansinh.core.jobs import Job
from ansinh.core.uow import UnitOfWork
from ansinh.registry.population_sim import write_population
from ansinh.registry.verification import start_bulk_verification

KEY = "khoa-mo-phong"
OFFICER = "xa.ninhkieu"


@dataclass
class Setup:
    env: dict[str, str]
    population: Path
    person_ids: dict[str, int]


def _start_simulator(population: Path, *args: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [ANSINH, "sim", "population", "--file", str(population), "--port", str(port), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return process, url
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the simulator did not start: {process.communicate()[1].decode()}")
        time.sleep(0.2)


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    process.communicate(timeout=30)  # also closes its pipe


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    """A fresh SQLite registry with one commune officer and six persons, and the simulator over the population."""
    home = tmp_path_factory.mktemp("verify")
    population = home / "population.csv"
    write_population(population, POPULATION)
    env = {
        "DATABASE_URL": f"sqlite:///{home / 'ansinh.db'}",
        "ANSINH_ENV": "test",
        "ANSINH_TODAY": TODAY.isoformat(),
        "ANSINH_VAR_DIR": str(home / "var"),
        "ANSINH_POPULATION_API_KEY": KEY,
    }
    assert run_cli("init", env=env).returncode == 0
    created = run_cli(
        "user", "create", OFFICER, "--role", "commune_officer", "--full-name", "Cán bộ xã Ninh Kiều",
        "--province", "92", "--commune", NINH_KIEU, env=env,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    engine = make_engine(env["DATABASE_URL"])
    with UnitOfWork(session_factory(engine), FixedDayClock(TODAY), actor="test") as uow:
        registered = {
            "match": make_person(uow, national_id=MATCH.national_id, full_name="nguyen van an"),
            "name": make_person(
                uow, national_id=NAME_DIFFERS.national_id, full_name="Trần Thị Bình", female=True,
                date_of_birth=NAME_DIFFERS.date_of_birth,
            ),
            "dob": make_person(
                uow, national_id=DOB_DIFFERS.national_id, full_name=DOB_DIFFERS.full_name,
                date_of_birth=date(1948, 1, 19),
            ),
            "deceased": make_person(
                uow, national_id=DECEASED.national_id, full_name=DECEASED.full_name, female=True,
                date_of_birth=DECEASED.date_of_birth,
            ),
            "down": make_person(
                uow, national_id=DOWN.national_id, full_name=DOWN.full_name, date_of_birth=DOWN.date_of_birth
            ),
            "absent": make_person(uow, national_id=ABSENT_ID, full_name="Đỗ Văn Giang", date_of_birth=date(1960, 1, 1)),
        }  # fmt: skip
        make_beneficiary(uow, registered["deceased"])
        person_ids = {key: person.id for key, person in registered.items()}
        uow.commit()
    engine.dispose()
    simulator, url = _start_simulator(population, "--api-key", KEY, "--unavailable-ids", DOWN.national_id)
    yield Setup({**env, "ANSINH_POPULATION_URL": url}, population, person_ids)
    _stop(simulator)


def test_the_simulator_answers_over_http_and_wants_its_key(setup: Setup) -> None:
    url = setup.env["ANSINH_POPULATION_URL"]
    assert httpx.get(f"{url}/health").json() == {"status": "ok", "citizens": len(POPULATION)}
    body = {"national_id": MATCH.national_id, "full_name": "NGUYEN VAN AN", "date_of_birth": "1950-03-14"}
    answer = httpx.post(f"{url}/v1/citizens/verify", json=body, headers={"X-API-Key": KEY})
    assert (answer.status_code, answer.json()["result"]) == (200, "match")
    assert httpx.post(f"{url}/v1/citizens/verify", json=body).status_code == 401
    down = {**body, "national_id": DOWN.national_id}
    assert httpx.post(f"{url}/v1/citizens/verify", json=down, headers={"X-API-Key": KEY}).status_code == 503


def test_a_bad_population_file_stops_the_simulator_naming_the_row(tmp_path: Path) -> None:
    bad = tmp_path / "population.csv"
    bad.write_text("national_id,full_name,date_of_birth,sex,date_of_death\n092050000101,An,14/03/1950,male,\n")
    result = run_cli("sim", "population", "--file", str(bad), "--port", str(free_port()), env={})
    assert result.returncode == 1
    assert "dòng 2, cột date_of_birth" in result.stderr
    assert "row 2, column date_of_birth" in result.stderr


def test_verify_by_citizen_id_and_by_person_id(setup: Setup) -> None:
    by_id = run_cli(
        "registry", "verify", "--national-id", MATCH.national_id, "--user", OFFICER, "--json", env=setup.env
    )
    assert by_id.returncode == 0, by_id.stderr
    assert json.loads(by_id.stdout)["outcome"] == "match"
    deceased = run_cli("registry", "verify", str(setup.person_ids["deceased"]), "--user", OFFICER, env=setup.env)
    assert deceased.returncode == 0, deceased.stderr
    assert "đã qua đời / person" in deceased.stdout
    assert "Ngày mất / date of death: 2026-10-05" in deceased.stdout
    assert "draft decisions proposed" in deceased.stdout


def test_verify_says_what_is_missing(setup: Setup) -> None:
    neither = run_cli("registry", "verify", "--user", OFFICER, env=setup.env)
    assert neither.returncode == 1
    assert "--national-id" in neither.stderr
    unconfigured = {**setup.env, "ANSINH_POPULATION_URL": ""}
    result = run_cli("registry", "verify", str(setup.person_ids["match"]), "--user", OFFICER, env=unconfigured)
    assert result.returncode == 2
    assert "ANSINH_POPULATION_URL" in result.stderr


def test_verify_commune_with_wait_runs_the_job_and_prints_the_counts(setup: Setup) -> None:
    result = run_cli("registry", "verify-commune", NINH_KIEU, "--wait", "--user", OFFICER, "--json", env=setup.env)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["status"] == "done"
    counts = report["result"]["counts"]
    assert counts == {
        "deceased": 1,
        "dob_mismatch": 1,
        "match": 1,
        "name_mismatch": 1,
        "not_found": 1,
        "unavailable": 1,
    }


def test_a_queued_commune_is_run_by_the_worker(setup: Setup) -> None:
    queued = run_cli("registry", "verify-commune", NINH_KIEU, "--user", OFFICER, "--json", env=setup.env)
    assert queued.returncode == 0, queued.stderr
    job_id = json.loads(queued.stdout)["job_id"]
    worker = run_cli("worker", "run", "--once", env=setup.env)
    assert worker.returncode == 0, worker.stderr
    assert "ran 1 jobs" in worker.stdout
    shown = json.loads(run_cli("worker", "show", str(job_id), "--json", env=setup.env).stdout)
    assert (shown["status"], shown["done"], shown["total"], shown["percent"]) == ("done", 6, 6, 100)


def _job_status(setup: Setup, job_id: int) -> str:
    engine = make_engine(setup.env["DATABASE_URL"])
    try:
        with engine.connect() as connection:
            return str(connection.scalar(select(Job.status).where(Job.id == job_id)))
    finally:
        engine.dispose()


def test_a_running_worker_takes_new_jobs_and_stops_cleanly_on_sigterm(setup: Setup) -> None:
    worker = subprocess.Popen(
        [ANSINH, "worker", "run", "--poll", "0.2"],
        env={**os.environ, **setup.env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        engine = make_engine(setup.env["DATABASE_URL"])
        with UnitOfWork(session_factory(engine), FixedDayClock(TODAY), actor=OFFICER) as uow:
            job_id = start_bulk_verification(uow, area=Area("92"), commune_code=NINH_KIEU)
            uow.commit()
        engine.dispose()
        deadline = time.monotonic() + 120
        while _job_status(setup, job_id) != "done" and time.monotonic() < deadline:
            time.sleep(0.3)
        assert _job_status(setup, job_id) == "done"
    finally:
        worker.send_signal(signal.SIGTERM)
        out, err = worker.communicate(timeout=60)
    assert worker.returncode == 0, err
    assert "worker started" in out
