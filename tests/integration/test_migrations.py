"""The migrations build the schema the models describe, on SQLite and PostgreSQL, and re-running is a no-op."""

from __future__ import annotations

from sqlalchemy import inspect
from tests.conftest import Database

from ansinh.schema import current_revision, drift, head_revision, upgrade


def test_the_migrated_schema_matches_the_models(db: Database) -> None:
    assert drift(db.engine) == []


def test_the_database_is_at_the_newest_revision_and_upgrading_again_changes_nothing(db: Database) -> None:
    assert current_revision(db.engine) == head_revision()
    tables_before = sorted(inspect(db.engine).get_table_names())
    report = upgrade(db.engine)
    assert not report.changed
    assert sorted(inspect(db.engine).get_table_names()) == tables_before


def test_sqlite_runs_in_wal_mode_with_foreign_keys(db: Database) -> None:
    if db.dialect != "sqlite":
        return
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
