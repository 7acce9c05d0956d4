"""Registry tables: persons, beneficiaries and their categories, the people around them, verifications, duplicates."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ansinh.core.db import Base, BigId, UTCDateTime


class Person(Base):
    """One human being, once, whatever roles they hold (beneficiary, guardian, proxy, caregiver, organiser)."""

    __tablename__ = "registry_persons"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    national_id: Mapped[str] = mapped_column(String(12), unique=True)  # the database refuses the same ID twice
    full_name: Mapped[str] = mapped_column(String(100))
    name_key: Mapped[str] = mapped_column(String(100))  # folded: no diacritics, lower case, single spaces
    date_of_birth: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(6))
    province_code: Mapped[str] = mapped_column(ForeignKey("geo_provinces.code"), index=True)
    commune_code: Mapped[str] = mapped_column(ForeignKey("geo_communes.code"), index=True)
    address: Mapped[str | None] = mapped_column(String(255))
    phone: Mapped[str | None] = mapped_column(String(10), index=True)
    # Identity findings an officer accepted, and why (never silently fixed).
    identity_warnings: Mapped[list[str]] = mapped_column(JSON, default=list)
    identity_override_reason: Mapped[str | None] = mapped_column(String(500))
    verification_status: Mapped[str] = mapped_column(String(20), default="unverified")
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    date_of_death: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (
        Index("ix_registry_persons_name_key_dob", "name_key", "date_of_birth"),
        CheckConstraint("sex IN ('male', 'female')", name="sex"),
    )
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads a plain dict here


class Beneficiary(Base):
    """A person enrolled in one program; its status changes only when a decision is approved."""

    __tablename__ = "registry_beneficiaries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)  # business reference, e.g. 92-SA-0000001
    person_id: Mapped[int] = mapped_column(ForeignKey("registry_persons.id"), index=True)
    program: Mapped[str] = mapped_column(String(20))
    province_code: Mapped[str] = mapped_column(ForeignKey("geo_provinces.code"))
    commune_code: Mapped[str] = mapped_column(ForeignKey("geo_communes.code"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (
        UniqueConstraint("person_id", "program"),
        Index("ix_registry_beneficiaries_province_status", "province_code", "status"),
        CheckConstraint("status IN ('pending', 'active', 'suspended', 'terminated')", name="status"),
    )
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads a plain dict here


class BeneficiaryCategory(Base):
    """A category the beneficiary holds now (set by the latest approved grant or adjust decision)."""

    __tablename__ = "registry_beneficiary_categories"

    beneficiary_id: Mapped[int] = mapped_column(
        ForeignKey("registry_beneficiaries.id", ondelete="CASCADE"), primary_key=True
    )
    category_code: Mapped[str] = mapped_column(String(80), primary_key=True)
    units: Mapped[int] = mapped_column(Integer, default=1)  # children raised by a single parent (Art 6.1 clause 4)
    injury_rate: Mapped[int | None] = mapped_column(Integer)  # percent, for injury-rate tables


class Relation(Base):
    """A person acting for, or around, a beneficiary: guardian, proxy, caregiver, cared person, funeral organiser."""

    __tablename__ = "registry_relations"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("registry_beneficiaries.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("registry_persons.id"), index=True)
    province_code: Mapped[str] = mapped_column(ForeignKey("geo_provinces.code"))
    role: Mapped[str] = mapped_column(String(20))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)  # inclusive; None: open
    document_number: Mapped[str | None] = mapped_column(String(50))  # the authorisation or guardianship paper
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        UniqueConstraint("beneficiary_id", "person_id", "role", "valid_from"),
        CheckConstraint("role IN ('guardian', 'proxy', 'caregiver', 'cared_person', 'funeral_organiser')", name="role"),
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="valid_range"),
    )


class Verification(Base):
    """One answer of the national population database about one person."""

    __tablename__ = "registry_verifications"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("registry_persons.id"), index=True)
    province_code: Mapped[str] = mapped_column(ForeignKey("geo_provinces.code"))
    outcome: Mapped[str] = mapped_column(String(20))
    detail: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("core_jobs.id"), index=True)
    checked_by: Mapped[str] = mapped_column(String(64))
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DuplicateFlag(Base):
    """Two persons who may be the same human being, for an officer to review."""

    __tablename__ = "registry_duplicate_flags"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("registry_persons.id"), index=True)
    other_person_id: Mapped[int] = mapped_column(ForeignKey("registry_persons.id"), index=True)
    province_code: Mapped[str] = mapped_column(ForeignKey("geo_provinces.code"), index=True)
    reason: Mapped[str] = mapped_column(String(16))  # name_dob | phone
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | distinct | same_person
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reviewed_by: Mapped[str | None] = mapped_column(String(64))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        UniqueConstraint("person_id", "other_person_id", "reason"),
        CheckConstraint("person_id < other_person_id", name="ordered_pair"),
        CheckConstraint("reason IN ('name_dob', 'phone')", name="reason"),
        CheckConstraint("status IN ('open', 'distinct', 'same_person')", name="status"),
    )
