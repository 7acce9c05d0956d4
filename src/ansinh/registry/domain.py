"""Registry vocabulary shared by the services, the API and the import: statuses, roles, references, masking."""

from __future__ import annotations

from enum import StrEnum

from ansinh.registry.importing import Program


class BeneficiaryStatus(StrEnum):
    PENDING = "pending"  # enrolled, the grant decision not yet approved
    ACTIVE = "active"
    SUSPENDED = "suspended"
    TERMINATED = "terminated"


class RelationRole(StrEnum):
    GUARDIAN = "guardian"
    PROXY = "proxy"  # authorised representative: valid only between the authorisation's dates
    CAREGIVER = "caregiver"
    CARED_PERSON = "cared_person"  # for caregiver support: the person the caregiver looks after
    FUNERAL_ORGANISER = "funeral_organiser"


class VerificationOutcome(StrEnum):
    MATCH = "match"
    NAME_MISMATCH = "name_mismatch"
    DOB_MISMATCH = "dob_mismatch"
    DECEASED = "deceased"
    NOT_FOUND = "not_found"
    UNAVAILABLE = "unavailable"  # the service did not answer: the person stays as they were


class VerificationStatus(StrEnum):
    """What the registry keeps per person: the last answer that was an answer (``unavailable`` is not)."""

    UNVERIFIED = "unverified"
    MATCH = "match"
    NAME_MISMATCH = "name_mismatch"
    DOB_MISMATCH = "dob_mismatch"
    DECEASED = "deceased"
    NOT_FOUND = "not_found"


PROGRAM_ABBREVIATIONS: dict[Program, str] = {
    Program.SOCIAL_ASSISTANCE: "TG",  # trợ giúp xã hội
    Program.MERITORIOUS: "NCC",  # người có công
    Program.CAREGIVER: "CS",  # chăm sóc, nuôi dưỡng
}


def beneficiary_code(province_code: str, program: Program, person_id: int) -> str:
    """The business reference of a beneficiary, stable for life: ``92-TG-00001234`` (province at enrolment)."""
    return f"{province_code}-{PROGRAM_ABBREVIATIONS[program]}-{person_id:08d}"


def mask(value: str | None, *, keep_start: int = 3, keep_end: int = 2) -> str | None:
    """Hide the middle of an identifier in lists and logs: ``079203001234`` → ``079*******34``."""
    if value is None:
        return None
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[-keep_end:]
