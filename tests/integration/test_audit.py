"""The audit log is append-only and hash-chained: every edit or removal is found and named."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from tests.conftest import Database

from ansinh.core import audit


def _append(db: Database, n: int) -> None:
    for i in range(n):
        with db.uow(actor="officer") as uow:
            detail = {"i": i, "tên": "Cần Thơ"}
            uow.audit("test.event", entity_type="thing", entity_id=str(i), province_code="92", detail=detail)
            uow.commit()


def _unguard(db: Database) -> None:
    """What someone with DDL rights could do: drop the append-only guard."""
    with db.engine.begin() as connection:
        if db.dialect == "postgresql":
            connection.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change"))
        else:
            connection.execute(text("DROP TRIGGER audit_log_no_update"))
            connection.execute(text("DROP TRIGGER audit_log_no_delete"))


def _verify(db: Database) -> audit.VerifyReport:
    with db.uow() as uow:
        return audit.verify(uow.session)


def test_an_untouched_chain_verifies(db: Database) -> None:
    _append(db, 5)
    report = _verify(db)
    assert report.ok
    assert report.checked == 6  # the geo load in the template plus five


def test_the_database_refuses_to_update_or_delete_audit_rows(db: Database) -> None:
    _append(db, 1)
    with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as connection:
        connection.execute(text("UPDATE audit_log SET actor = 'x' WHERE seq = 2"))
    with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_log WHERE seq = 2"))


def test_an_edited_row_is_reported_by_its_sequence_number(db: Database) -> None:
    _append(db, 5)
    _unguard(db)
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE audit_log SET detail = :detail WHERE seq = 4"), {"detail": '{"i":99}'})
    report = _verify(db)
    assert [(p.seq, p.kind) for p in report.problems] == [(4, "altered")]
    assert "số 4" in report.problems[0].message_vi


def test_a_removed_row_in_the_middle_is_reported(db: Database) -> None:
    _append(db, 5)
    _unguard(db)
    with db.engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_log WHERE seq = 3"))
    report = _verify(db)
    assert [(p.seq, p.kind) for p in report.problems] == [(3, "missing")]


def test_removing_the_newest_rows_is_reported(db: Database) -> None:
    _append(db, 5)
    _unguard(db)
    with db.engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_log WHERE seq >= 5"))
    report = _verify(db)
    assert [p.kind for p in report.problems] == ["truncated"]


def test_a_record_rewritten_with_a_fresh_hash_breaks_the_next_link(db: Database) -> None:
    _append(db, 4)
    _unguard(db)
    with db.uow() as uow:
        row = uow.session.scalar(select(audit.AuditRecord).where(audit.AuditRecord.seq == 3))
        assert row is not None
        row.actor = "someone-else"
        row.hash = audit.hash_of(row)
        uow.commit()
    report = _verify(db)
    assert [(p.seq, p.kind) for p in report.problems] == [(4, "broken_link")]


def test_concurrent_writers_never_fork_the_chain(db: Database) -> None:
    errors: list[BaseException] = []

    def work() -> None:
        try:
            _append(db, 10)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    report = _verify(db)
    assert report.ok, report.problems
    assert report.checked == 41


def test_nothing_is_audited_when_the_unit_of_work_is_not_committed(db: Database) -> None:
    with db.uow() as uow:
        uow.audit("test.event", entity_type="thing", entity_id="x")
    assert _verify(db).checked == 1
