"""Shared fixtures: a fresh, migrated database per test, on SQLite and on PostgreSQL."""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from hypothesis import settings
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from ansinh.core.clock import Clock, FixedDayClock
from ansinh.core.db import make_engine, session_factory
from ansinh.core.uow import UnitOfWork
from ansinh.geo.services import load_units
from ansinh.schema import upgrade

# Under CI the property tests replay the same examples every run (no flaky red build on a noisy shared machine)
# and have no per-example deadline; locally they explore new examples each run.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else os.environ.get("HYPOTHESIS_PROFILE", "dev"))

TODAY = date(2026, 11, 23)
POSTGRES_ADMIN_URL = os.environ.get("ANSINH_TEST_POSTGRES_URL")
REQUIRE_POSTGRES = os.environ.get("ANSINH_REQUIRE_POSTGRES") == "1"
_counter = itertools.count()


@dataclass
class Database:
    """A migrated database with the administrative units loaded; ``uow()`` opens a unit of work on it."""

    dialect: str
    url: str
    engine: Engine
    sessions: sessionmaker[Session]
    clock: Clock

    def uow(self, actor: str = "test") -> UnitOfWork:
        return UnitOfWork(self.sessions, self.clock, actor=actor)


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _prepare(url: str) -> None:
    engine = make_engine(url)
    upgrade(engine)
    with UnitOfWork(session_factory(engine), FixedDayClock(TODAY), actor="test") as uow:
        load_units(uow)
        uow.commit()
    engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    _prepare(f"sqlite:///{path}")
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


def _postgres_admin() -> Engine:
    assert POSTGRES_ADMIN_URL is not None
    return make_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    if POSTGRES_ADMIN_URL is None:
        if REQUIRE_POSTGRES:
            pytest.fail("ANSINH_TEST_POSTGRES_URL is not set but PostgreSQL tests are required")
        pytest.skip("no PostgreSQL: run `make test` (it starts a throwaway server)")
    name = f"ansinh_tpl_{_worker()}"
    admin = _postgres_admin()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    _prepare(make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False))
    yield name
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A fresh copy of the migrated template database, on each dialect in turn."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "ansinh.db"
        shutil.copyfile(template, path)
        url = f"sqlite:///{path}"
        engine = make_engine(url)
        yield Database("sqlite", url, engine, session_factory(engine), FixedDayClock(TODAY))
        engine.dispose()
        return
    template_name: str = request.getfixturevalue("postgres_template")
    assert POSTGRES_ADMIN_URL is not None
    name = f"ansinh_t_{_worker()}_{next(_counter)}"
    admin = _postgres_admin()
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"'))
    url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    yield Database("postgresql", url, engine, session_factory(engine), FixedDayClock(TODAY))
    engine.dispose()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say plainly where the tests ran: SQLite, PostgreSQL, Chromium — a skip there would hide a gap."""
    counts: dict[str, dict[str, int]] = {}
    for outcome in ("passed", "failed", "skipped"):
        for report in terminalreporter.stats.get(outcome, []):
            if getattr(report, "when", "call") != "call" and outcome != "skipped":
                continue
            nodeid = report.nodeid
            where = (
                "integration on SQLite"
                if "[sqlite" in nodeid
                else "integration on PostgreSQL"
                if "[postgresql" in nodeid or "postgresql" in nodeid
                else "browser (headless Chromium)"
                if "test_browser" in nodeid
                else None
            )
            if where is not None:
                counts.setdefault(where, {}).setdefault(outcome, 0)
                counts[where][outcome] += 1
    if counts:
        terminalreporter.section("where the tests ran")
        for where, by_outcome in sorted(counts.items()):
            line = ", ".join(f"{n} {outcome}" for outcome, n in sorted(by_outcome.items()))
            terminalreporter.write_line(f"{where}: {line}")
