"""The whole schema: every context's tables on one metadata, and the Alembic migrations that build it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, MetaData

import ansinh.access.tables
import ansinh.core.audit
import ansinh.core.jobs
import ansinh.core.ledger
import ansinh.decisions.tables
import ansinh.enrolment.tables
import ansinh.geo.tables
import ansinh.payroll.tables
import ansinh.policy.tables
import ansinh.providers.tables
import ansinh.registry.tables  # noqa: F401 - imported for their tables
from ansinh.core.db import Base

MIGRATIONS = Path(__file__).parent / "migrations"


def metadata() -> MetaData:
    return Base.metadata


def alembic_config(engine: Engine | None = None) -> Config:
    """Alembic's configuration; with an engine, migrations run on it (else env.py reads the settings)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    script = ScriptDirectory.from_config(alembic_config())
    head = script.get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


@dataclass(frozen=True)
class UpgradeReport:
    before: str | None
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


def upgrade(engine: Engine) -> UpgradeReport:
    """Bring the database to the newest revision; a database already there is left untouched."""
    before = current_revision(engine)
    head = head_revision()
    if before != head:
        command.upgrade(alembic_config(engine), "head")
    return UpgradeReport(before, head)


def drift(engine: Engine) -> list[object]:
    """Differences between the migrated database and the models (empty when they agree)."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, metadata()))
