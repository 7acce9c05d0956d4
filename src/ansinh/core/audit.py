"""Append-only, hash-chained audit log; ``verify`` finds the exact record that was edited or removed."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import CHAR, BigInteger, Integer, String, Text, select, text, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from ansinh.core.db import Base, BigId, UTCDateTime, canonical_json

GENESIS = "0" * 64


class AuditRecord(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(100), index=True)
    entity_type: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[str] = mapped_column(String(100))
    province_code: Mapped[str | None] = mapped_column(String(2), index=True)
    detail: Mapped[str] = mapped_column(Text)  # canonical JSON text: jsonb would reorder keys and break hashes
    prev_hash: Mapped[str] = mapped_column(CHAR(64))
    hash: Mapped[str] = mapped_column(CHAR(64))


class AuditHead(Base):
    """One row: the last sequence number and hash, so that removing the newest records is detected too."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger)
    last_hash: Mapped[str] = mapped_column(CHAR(64))


def record_hash(
    *,
    seq: int,
    occurred_at: datetime,
    actor: str,
    action: str,
    entity_type: str,
    entity_id: str,
    province_code: str | None,
    detail: str,
    prev_hash: str,
) -> str:
    payload = canonical_json(
        [
            seq,
            occurred_at.isoformat(),
            actor,
            action,
            entity_type,
            entity_id,
            province_code,
            detail,
            prev_hash,
        ]
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def hash_of(record: AuditRecord) -> str:
    """The hash a record must carry, computed from its own fields and its predecessor's hash."""
    return record_hash(
        seq=record.seq,
        occurred_at=record.occurred_at,
        actor=record.actor,
        action=record.action,
        entity_type=record.entity_type,
        entity_id=record.entity_id,
        province_code=record.province_code,
        detail=record.detail,
        prev_hash=record.prev_hash,
    )


def append(
    session: Session,
    *,
    occurred_at: datetime,
    actor: str,
    action: str,
    entity_type: str,
    entity_id: str,
    province_code: str | None,
    detail: dict[str, Any],
) -> AuditRecord:
    # UPDATE … RETURNING takes the row lock (PostgreSQL) or the write lock (SQLite) before we read the head,
    # so two writers can never chain onto the same previous record.
    head = session.execute(
        update(AuditHead)
        .where(AuditHead.id == 1)
        .values(last_seq=AuditHead.last_seq + 1)
        .returning(AuditHead.last_seq, AuditHead.last_hash)
    ).one_or_none()
    if head is None:
        raise RuntimeError("audit_head is missing: run `ansinh init` to migrate the database")
    seq, prev_hash = head
    record = AuditRecord(
        seq=seq,
        occurred_at=occurred_at,
        actor=actor,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        province_code=province_code,
        detail=canonical_json(detail),
        prev_hash=prev_hash,
    )
    record.hash = hash_of(record)
    session.add(record)
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(last_hash=record.hash))
    return record


@dataclass(frozen=True)
class AuditProblem:
    seq: int
    record_id: int | None
    kind: str  # altered | missing | broken_link | truncated
    message_vi: str
    message_en: str


@dataclass
class VerifyReport:
    checked: int = 0
    problems: list[AuditProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "problems": [
                {
                    "seq": p.seq,
                    "id": p.record_id,
                    "kind": p.kind,
                    "message": p.message_vi,
                    "message_en": p.message_en,
                }
                for p in self.problems
            ],
        }


def _records(session: Session, batch: int = 5000) -> Iterator[AuditRecord]:
    last = -1
    while True:
        rows = session.scalars(select(AuditRecord).where(AuditRecord.seq > last).order_by(AuditRecord.seq).limit(batch))
        chunk = list(rows)
        if not chunk:
            return
        yield from chunk
        last = chunk[-1].seq
        session.expunge_all()


def verify(session: Session) -> VerifyReport:
    """Walk the chain in order; report every record whose content, position or link does not hold."""
    report = VerifyReport()
    expected_seq = 1
    prev_hash = GENESIS
    for record in _records(session):
        report.checked += 1
        if record.seq != expected_seq:
            report.problems.append(
                AuditProblem(
                    expected_seq,
                    None,
                    "missing",
                    f"Thiếu bản ghi nhật ký số {expected_seq}–{record.seq - 1} (đã bị xoá)",
                    f"Audit records {expected_seq}–{record.seq - 1} are missing (removed)",
                )
            )
        recomputed = hash_of(record)
        if recomputed != record.hash:
            report.problems.append(
                AuditProblem(
                    record.seq,
                    record.id,
                    "altered",
                    f"Bản ghi nhật ký số {record.seq} (id {record.id}, {record.action}) đã bị sửa: mã băm không khớp",
                    f"Audit record {record.seq} (id {record.id}, {record.action}) was edited: its hash does not match",
                )
            )
        elif record.prev_hash != prev_hash and record.seq == expected_seq:
            report.problems.append(
                AuditProblem(
                    record.seq,
                    record.id,
                    "broken_link",
                    f"Bản ghi nhật ký số {record.seq} (id {record.id}) không nối với bản ghi trước",
                    f"Audit record {record.seq} (id {record.id}) does not link to the record before it",
                )
            )
        prev_hash = record.hash
        expected_seq = record.seq + 1
    head = session.get(AuditHead, 1)
    if head is not None and (head.last_seq != expected_seq - 1 or head.last_hash != prev_hash):
        report.problems.append(
            AuditProblem(
                expected_seq,
                None,
                "truncated",
                f"Nhật ký kết thúc ở số {expected_seq - 1} nhưng đã ghi đến số {head.last_seq}: bản ghi cuối bị xoá",
                f"The log ends at {expected_seq - 1} but {head.last_seq} were written: the newest records were removed",
            )
        )
    return report


# Triggers that make the table append-only for the application's own database role. Someone with rights to drop
# them can still edit rows — which is exactly what ``verify`` is for.
SQLITE_TRIGGERS = [
    """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
       BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
    """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
       BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
]
POSTGRES_TRIGGERS = [
    """CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$""",
    """CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
       FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()""",
]


def install_guards(session_or_bind: Any, dialect: str) -> None:
    for statement in POSTGRES_TRIGGERS if dialect == "postgresql" else SQLITE_TRIGGERS:
        session_or_bind.execute(text(statement))
