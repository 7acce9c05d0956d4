"""Registry use cases: persons, the people around a beneficiary, likely duplicates, beneficiaries (read only).

Every function takes the unit of work first and the acting principal's ``area`` wherever it reads or writes
persons or beneficiaries; none commits. What is outside the area is "not found" (404), so a commune officer
cannot even learn that a person of another commune exists; registering a person in a commune outside the area
is "not allowed" (403). Lists mask citizen IDs, phones and account numbers; only ``reveal=True`` shows them,
and that view is audited.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypedDict, Unpack

from sqlalchemy import ColumnElement, Insert, Select, and_, case, false, insert, literal, or_, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.exc import StaleDataError

from ansinh.access.domain import Area
from ansinh.access.scoping import area_clause, require_commune
from ansinh.core.db import UTCDateTime
from ansinh.core.errors import Conflict, IllegalTransition, NotFound, ValidationFailed
from ansinh.core.uow import UnitOfWork
from ansinh.enrolment.tables import Bank
from ansinh.enrolment.tables import PaymentMethod as PaymentMethodRow
from ansinh.geo.domain import commune_code as normalise_commune_code
from ansinh.geo.tables import Commune
from ansinh.registry.catalogue import find_category
from ansinh.registry.domain import BeneficiaryStatus, RelationRole, mask
from ansinh.registry.identity import (
    IdentityOverrideError,
    NationalIdCheck,
    Sex,
    check_national_id,
    override_warnings,
)
from ansinh.registry.importing import PayeeRole, Program, normalise_full_name, normalise_phone
from ansinh.registry.names import name_key
from ansinh.registry.tables import Beneficiary, BeneficiaryCategory, DuplicateFlag, Person, Relation

MAX_PAGE = 200
DUPLICATE_CHUNK = 500  # ids per statement: well under every driver's bound-parameter limit
ANALYZE_FROM = 1_000  # ids from which flagging refreshes PostgreSQL's statistics first (a bulk, not one edit)
EARLIEST_BIRTH = date(1900, 1, 1)  # the import's lower bound for dates, so both paths accept the same people
_NAME_MAX = 100
_ADDRESS_MAX = 255
_NOTE_MAX = 500
_DOCUMENT_MAX = 50
_UNPRINTABLE = frozenset(("Cc", "Cf", "Co", "Cs", "Cn"))
_QUERY_SEPARATORS = re.compile(r"[\s.()-]")
_TWELVE_DIGITS = re.compile(r"[0-9]{12}")
# The roles that act for a beneficiary (receive the money) rather than around them.
PAYEE_RELATION_ROLES = frozenset({RelationRole.GUARDIAN, RelationRole.PROXY})


# ----------------------------------------------------------------------------------------------------
# Views


@dataclass(frozen=True)
class Page[T]:
    """One page of a keyset-paginated list: ask again with ``after=next_after`` until it is ``None``."""

    items: tuple[T, ...]
    next_after: int | None


@dataclass(frozen=True)
class PersonView:
    id: int
    national_id: str  # masked unless revealed
    full_name: str
    date_of_birth: date
    sex: Sex
    province_code: str
    commune_code: str
    commune_name: str
    address: str | None
    phone: str | None  # masked unless revealed
    identity_warnings: tuple[str, ...]
    identity_override_reason: str | None
    verification_status: str
    verified_at: datetime | None
    date_of_death: date | None
    version: int
    revealed: bool


@dataclass(frozen=True)
class CategoryView:
    code: str
    title_vi: str
    title_en: str
    units: int
    injury_rate: int | None


@dataclass(frozen=True)
class RelationView:
    id: int
    beneficiary_id: int
    person_id: int
    full_name: str
    national_id: str  # always masked: the person's own detail view reveals it
    role: RelationRole
    valid_from: date
    valid_to: date | None
    document_number: str | None
    created_by: str
    current: bool  # valid today


@dataclass(frozen=True)
class PaymentMethodSummary:
    id: int
    kind: str
    provider_code: str | None
    bank_bin: str | None
    bank_short_name: str | None
    account_number: str | None  # masked unless revealed
    account_name: str | None
    home_delivery_reason: str | None
    payee_person_id: int
    payee_full_name: str
    payee_role: str
    valid_from: date


@dataclass(frozen=True)
class BeneficiaryView:
    id: int
    code: str
    program: Program
    status: BeneficiaryStatus
    province_code: str
    commune_code: str
    person: PersonView
    categories: tuple[CategoryView, ...]
    relations: tuple[RelationView, ...]
    payment_method: PaymentMethodSummary | None
    version: int


@dataclass(frozen=True)
class BeneficiarySummary:
    id: int
    code: str
    program: Program
    status: BeneficiaryStatus
    commune_code: str
    person_id: int
    full_name: str
    date_of_birth: date
    national_id: str  # masked


@dataclass(frozen=True)
class DuplicatePerson:
    id: int
    full_name: str
    date_of_birth: date
    commune_code: str
    national_id: str  # masked
    phone: str | None  # masked


@dataclass(frozen=True)
class DuplicateFlagView:
    id: int
    reason: str
    status: str
    person: DuplicatePerson
    other_person: DuplicatePerson
    note: str | None
    created_at: datetime
    reviewed_by: str | None
    reviewed_at: datetime | None


# ----------------------------------------------------------------------------------------------------
# Input checks (each error names its field)


def _clean_text(value: str | None, *, field: str, label_vi: str, max_length: int) -> str | None:
    if value is None:
        return None
    text = " ".join(unicodedata.normalize("NFC", value).split())
    if not text:
        return None
    if any(unicodedata.category(ch) in _UNPRINTABLE for ch in text):
        raise ValidationFailed(
            f"«{label_vi}» chứa ký tự điều khiển hoặc ký tự không in được.",
            f"{field} contains control or unprintable characters.",
            field=field,
        )
    if len(text) > max_length:
        raise ValidationFailed(
            f"«{label_vi}» dài quá {max_length} ký tự.", f"{field} is longer than {max_length} characters.", field=field
        )
    return text


def _full_name(value: str) -> str:
    name = normalise_full_name(value)
    if name is None:
        raise ValidationFailed(
            "Họ và tên chỉ gồm chữ cái, dấu cách, dấu nháy và gạch nối, bắt đầu bằng chữ cái.",
            "The full name may hold letters, spaces, apostrophes and hyphens only, starting with a letter.",
            field="full_name",
        )
    # The folded key can be longer than the name (unidecode spells some letters with several), and both columns
    # hold 100 characters.
    if len(name) > _NAME_MAX or len(name_key(name)) > _NAME_MAX:
        raise ValidationFailed(
            f"Họ và tên dài quá {_NAME_MAX} ký tự.",
            f"full_name is longer than {_NAME_MAX} characters.",
            field="full_name",
        )
    return name


def _sex(value: Sex | str) -> Sex:
    try:
        return Sex(value)
    except ValueError:
        raise ValidationFailed(
            "Giới tính phải là male (nam) hoặc female (nữ).", "sex must be male or female.", field="sex"
        ) from None


def _date_of_birth(uow: UnitOfWork, value: date) -> date:
    if value > uow.clock.today():
        raise ValidationFailed(
            f"Ngày sinh {value:%d/%m/%Y} ở tương lai.",
            f"The date of birth {value.isoformat()} is in the future.",
            field="date_of_birth",
        )
    if value < EARLIEST_BIRTH:
        raise ValidationFailed(
            "Ngày sinh phải từ năm 1900 trở đi.", "The date of birth must be in 1900 or later.", field="date_of_birth"
        )
    return value


def _phone(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    phone = normalise_phone(value)
    if phone is None:
        raise ValidationFailed(
            "Số điện thoại không phải số di động Việt Nam (10 số bắt đầu bằng 0, hoặc +84).",
            "The phone is not a Vietnamese mobile number (10 digits starting 0, or +84).",
            field="phone",
        )
    return phone


def _commune(uow: UnitOfWork, area: Area, value: str) -> Commune:
    try:
        code = normalise_commune_code(value)
    except ValueError:
        raise ValidationFailed(
            "Mã xã, phường phải là số có tối đa 5 chữ số.",
            "The commune code must be a number of up to 5 digits.",
            field="commune_code",
        ) from None
    commune = uow.session.get(Commune, code)
    if commune is None:
        raise ValidationFailed(
            f"Không có xã, phường nào mang mã {code}.", f"No commune has the code {code}.", field="commune_code"
        )
    require_commune(area, commune_code=commune.code, province_code=commune.province_code)
    return commune


def _commune_filter(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    try:
        return normalise_commune_code(value)
    except ValueError:
        raise ValidationFailed(
            "Mã xã, phường phải là số có tối đa 5 chữ số.",
            "The commune code must be a number of up to 5 digits.",
            field="commune_code",
        ) from None


def _identity(
    national_id: str, *, date_of_birth: date, sex: Sex, reason: str | None, accepted: Sequence[str] = ()
) -> tuple[NationalIdCheck, tuple[str, ...], str | None]:
    """Check a citizen ID: (check, accepted warning codes, override reason); errors and unexplained warnings refuse.

    ``accepted`` are warnings an officer already accepted for this person: an edit that leaves them as they were
    keeps the earlier reason instead of asking for it again.
    """
    check = check_national_id(national_id, date_of_birth=date_of_birth, sex=sex)
    if check.errors:
        raise ValidationFailed(
            " ".join(f.message_vi for f in check.errors),
            " ".join(f.message_en for f in check.errors),
            field="national_id",
        )
    if not check.warnings:
        return check, (), None  # a reason that justifies nothing is not kept
    codes = tuple(str(w.code) for w in check.warnings)
    if reason is None or not reason.strip():
        if accepted and set(codes) <= set(accepted):
            return check, codes, None
        raise IdentityOverrideError(
            " ".join(w.message_vi for w in check.warnings)
            + " Nếu đã xác minh là đúng, hãy ghi lý do (identity_override_reason, ít nhất 10 ký tự).",
            " ".join(w.message_en for w in check.warnings)
            + " If verified as correct, give a reason (identity_override_reason, at least 10 characters).",
            field="identity_override_reason",
        )
    override = override_warnings(check, reason)
    if len(override.reason) > _NOTE_MAX:
        raise ValidationFailed(
            f"Lý do dài quá {_NOTE_MAX} ký tự.",
            f"identity_override_reason is longer than {_NOTE_MAX} characters.",
            field="identity_override_reason",
        )
    return check, codes, override.reason


def _national_id_taken(uow: UnitOfWork, national_id: str) -> bool:
    """The friendly early answer; two officers racing past it still meet the unique index (``_flush_person``)."""
    if not _TWELVE_DIGITS.fullmatch(national_id):
        return False  # cannot be registered; the identity check names what is wrong with it
    return uow.session.scalar(select(Person.id).where(Person.national_id == national_id)) is not None


def _same_id_conflict() -> Conflict:
    return Conflict(
        "Số định danh cá nhân này đã được đăng ký cho một người khác.",
        "This personal ID number is already registered to another person.",
        field="national_id",
    )


def _flush_person(uow: UnitOfWork) -> None:
    """Flush in a savepoint: the database's unique index is the last word on "one person per citizen ID"."""
    try:
        with uow.session.begin_nested():
            uow.session.flush()
    except IntegrityError as error:
        if "national_id" in str(error.orig):
            raise _same_id_conflict() from None
        raise
    except StaleDataError:
        raise _stale() from None


def _stale() -> Conflict:
    return Conflict(
        "Hồ sơ đã được người khác sửa trong lúc bạn sửa: hãy tải lại và sửa lại.",
        "The record was changed by someone else meanwhile: reload it and edit again.",
        field="version",
    )


# ----------------------------------------------------------------------------------------------------
# Persons


def _person_view(person: Person, commune_name: str, *, reveal: bool) -> PersonView:
    return PersonView(
        id=person.id,
        national_id=person.national_id if reveal else mask(person.national_id) or "",
        full_name=person.full_name,
        date_of_birth=person.date_of_birth,
        sex=Sex(person.sex),
        province_code=person.province_code,
        commune_code=person.commune_code,
        commune_name=commune_name,
        address=person.address,
        phone=person.phone if reveal else mask(person.phone),
        identity_warnings=tuple(person.identity_warnings or ()),
        identity_override_reason=person.identity_override_reason,
        verification_status=person.verification_status,
        verified_at=person.verified_at,
        date_of_death=person.date_of_death,
        version=person.version,
        revealed=reveal,
    )


def _commune_name(uow: UnitOfWork, code: str) -> str:
    return uow.session.scalar(select(Commune.name).where(Commune.code == code)) or ""


def _person_not_found(person_id: int) -> NotFound:
    return NotFound(f"Không tìm thấy người có mã {person_id}", f"No person with id {person_id}", field="person_id")


def _person_in_area(uow: UnitOfWork, area: Area, person_id: int) -> Person:
    person = uow.session.scalar(
        select(Person).where(Person.id == person_id, area_clause(area, Person.province_code, Person.commune_code))
    )
    if person is None:
        raise _person_not_found(person_id)
    return person


def register_person(
    uow: UnitOfWork,
    *,
    area: Area,
    national_id: str,
    full_name: str,
    date_of_birth: date,
    sex: Sex | str,
    commune_code: str,
    address: str | None,
    phone: str | None,
    identity_override_reason: str | None = None,
) -> PersonView:
    """Register one person (once per citizen ID), after the identity checks; flags likely duplicates."""
    name = _full_name(full_name)
    born = _date_of_birth(uow, date_of_birth)
    person_sex = _sex(sex)
    commune = _commune(uow, area, commune_code)
    clean_address = _clean_text(address, field="address", label_vi="Địa chỉ", max_length=_ADDRESS_MAX)
    clean_phone = _phone(phone)
    # A registered ID is a hard stop, checked before the warnings an officer could override.
    if _national_id_taken(uow, national_id.strip()):
        raise _same_id_conflict()
    check, warnings, reason = _identity(
        national_id, date_of_birth=born, sex=person_sex, reason=identity_override_reason
    )
    now = uow.clock.now()
    person = Person(
        national_id=check.national_id,
        full_name=name,
        name_key=name_key(name),
        date_of_birth=born,
        sex=person_sex.value,
        province_code=commune.province_code,
        commune_code=commune.code,
        address=clean_address,
        phone=clean_phone,
        identity_warnings=list(warnings),
        identity_override_reason=reason,
        verification_status="unverified",
        created_at=now,
        updated_at=now,
    )
    uow.session.add(person)
    _flush_person(uow)
    uow.audit(
        "registry.person.create",
        entity_type="person",
        entity_id=str(person.id),
        province_code=person.province_code,
        detail={
            "national_id": mask(person.national_id),
            "commune_code": person.commune_code,
            "identity_warnings": list(warnings),
        },
    )
    flag_likely_duplicates(uow, person_ids=[person.id])
    return _person_view(person, commune.name, reveal=False)


class PersonChanges(TypedDict, total=False):
    """What ``update_person`` may change; a key left out is left as it is. ``version``: the one the editor saw."""

    national_id: str
    full_name: str
    date_of_birth: date
    sex: Sex | str
    commune_code: str
    address: str | None
    phone: str | None
    identity_override_reason: str | None
    version: int | None


def update_person(uow: UnitOfWork, *, area: Area, person_id: int, **changes: Unpack[PersonChanges]) -> PersonView:
    """Correct a person's record with the same checks as registration; a stale ``version`` is a conflict."""
    person = _person_in_area(uow, area, person_id)
    version = changes.get("version")
    if version is not None and version != person.version:
        raise _stale()
    name = _full_name(changes["full_name"]) if "full_name" in changes else person.full_name
    born = _date_of_birth(uow, changes["date_of_birth"]) if "date_of_birth" in changes else person.date_of_birth
    person_sex = _sex(changes["sex"]) if "sex" in changes else Sex(person.sex)
    commune = (
        _commune(uow, area, changes["commune_code"])
        if "commune_code" in changes
        else uow.session.get_one(Commune, person.commune_code)
    )
    address = (
        _clean_text(changes["address"], field="address", label_vi="Địa chỉ", max_length=_ADDRESS_MAX)
        if "address" in changes
        else person.address
    )
    phone = _phone(changes["phone"]) if "phone" in changes else person.phone
    national_id = changes.get("national_id", person.national_id).strip()
    if national_id != person.national_id and _national_id_taken(uow, national_id):
        raise _same_id_conflict()
    check, warnings, reason = _identity(
        national_id,
        date_of_birth=born,
        sex=person_sex,
        reason=changes.get("identity_override_reason"),
        accepted=person.identity_warnings or (),
    )
    if reason is None and warnings:
        reason = person.identity_override_reason  # the same warnings, accepted earlier: keep why
    new_values: dict[str, object] = {
        "national_id": check.national_id,
        "full_name": name,
        "name_key": name_key(name),
        "date_of_birth": born,
        "sex": person_sex.value,
        "province_code": commune.province_code,
        "commune_code": commune.code,
        "address": address,
        "phone": phone,
        "identity_warnings": list(warnings),
        "identity_override_reason": reason,
    }
    changed = sorted(key for key, value in new_values.items() if getattr(person, key) != value)
    if not changed:
        return _person_view(person, commune.name, reveal=False)
    for key in changed:
        setattr(person, key, new_values[key])
    person.updated_at = uow.clock.now()
    _flush_person(uow)
    uow.audit(
        "registry.person.update",
        entity_type="person",
        entity_id=str(person.id),
        province_code=person.province_code,
        detail={"fields": [key for key in changed if key != "name_key"], "version": person.version},
    )
    if {"name_key", "date_of_birth", "phone"} & set(changed):
        flag_likely_duplicates(uow, person_ids=[person.id])
    return _person_view(person, commune.name, reveal=False)


def get_person(uow: UnitOfWork, *, area: Area, person_id: int, reveal: bool = False) -> PersonView:
    """One person; ``reveal`` shows the full citizen ID and phone, and leaves an audit record of who looked."""
    person = _person_in_area(uow, area, person_id)
    if reveal:
        uow.audit(
            "registry.person.view_pii",
            entity_type="person",
            entity_id=str(person.id),
            province_code=person.province_code,
            detail={"fields": ["national_id", "phone"]},
        )
    return _person_view(person, _commune_name(uow, person.commune_code), reveal=reveal)


def find_person_by_national_id(uow: UnitOfWork, *, area: Area, national_id: str) -> PersonView | None:
    """The person with this citizen ID inside the area (masked), or ``None``."""
    person = uow.session.scalar(
        select(Person).where(
            Person.national_id == national_id.strip(), area_clause(area, Person.province_code, Person.commune_code)
        )
    )
    return None if person is None else _person_view(person, _commune_name(uow, person.commune_code), reveal=False)


def _limit(limit: int) -> int:
    return max(1, min(limit, MAX_PAGE))


def _search_clause(query: str) -> ColumnElement[bool]:
    """Digits: a citizen ID by prefix or a phone; anything else: words of the name, diacritics ignored."""
    compact = _QUERY_SEPARATORS.sub("", query)
    if re.fullmatch(r"\+?[0-9]+", compact):
        conditions: list[ColumnElement[bool]] = []
        if compact.isdigit():
            conditions.append(Person.national_id.startswith(compact))
        if (phone := normalise_phone(compact)) is not None:
            conditions.append(Person.phone == phone)
        return or_(*conditions) if conditions else false()
    key = name_key(query)
    if not key:
        raise ValidationFailed(
            "Hãy nhập tên, số định danh hoặc số điện thoại để tìm.",
            "Give a name, a personal ID number or a phone number to search for.",
            field="q",
        )
    # A match starts at a word: "van an" finds "Nguyễn Văn An", "an" does not find "Hoàng".
    # The key holds only [a-z0-9 ], so it needs no LIKE escaping.
    return (literal(" ") + Person.name_key + literal(" ")).contains(" " + key)


def search_persons(
    uow: UnitOfWork,
    *,
    area: Area,
    query: str | None,
    commune_code: str | None = None,
    after_id: int | None = None,
    limit: int = 50,
) -> Page[PersonView]:
    """Persons in the area matching ``query`` (citizen ID prefix, phone, or name without diacritics), masked."""
    size = _limit(limit)
    statement = (
        select(Person, Commune.name)
        .join(Commune, Commune.code == Person.commune_code)
        .where(area_clause(area, Person.province_code, Person.commune_code))
        .order_by(Person.id)
        .limit(size + 1)
    )
    if query is not None and query.strip():
        statement = statement.where(_search_clause(query.strip()))
    if (commune := _commune_filter(commune_code)) is not None:
        statement = statement.where(Person.commune_code == commune)
    if after_id is not None:
        statement = statement.where(Person.id > after_id)
    rows = uow.session.execute(statement).all()
    items = tuple(_person_view(person, name, reveal=False) for person, name in rows[:size])
    return Page(items, items[-1].id if len(rows) > size else None)


# ----------------------------------------------------------------------------------------------------
# Likely duplicates


def flag_likely_duplicates(uow: UnitOfWork, *, person_ids: Sequence[int]) -> int:
    """Flag every pair (given person, anyone) with the same name key and date of birth, or the same phone.

    Set-based: one ``INSERT … SELECT`` per reason and chunk of ids, on both databases. A pair is flagged once
    per reason, whatever its status (a pair reviewed as distinct is not flagged again), with the lower id first.
    The flag belongs to the province of the newer record (the higher id): usually the one just registered.
    Returns the number of new flags; one audit record for the whole call when there are any.
    """
    ids = sorted(set(person_ids))
    if not ids:
        return 0
    if len(ids) >= ANALYZE_FROM and uow.session.get_bind().dialect.name == "postgresql":
        # A bulk caller (the import) has usually just written these rows, before autovacuum could count them:
        # with stale statistics PostgreSQL plans each chunk as two sequential scans, 15 times slower (measured).
        # ANALYZE sees this transaction's own rows; its lock only keeps a second bulk waiting for this one.
        uow.session.execute(text("ANALYZE registry_persons"))
    now = uow.clock.now()
    created = 0
    for start in range(0, len(ids), DUPLICATE_CHUNK):
        chunk = ids[start : start + DUPLICATE_CHUNK]
        for reason in ("name_dob", "phone"):
            # Without preserve_rowcount SQLAlchemy reports -1 for INSERT … SELECT on psycopg.
            result = uow.session.execute(
                _flag_statement(reason, chunk, now), execution_options={"preserve_rowcount": True}
            )
            created += result.rowcount  # type: ignore[attr-defined]
    if created:
        uow.audit(
            "registry.duplicates.flag",
            entity_type="person",
            entity_id=str(ids[0]) if len(ids) == 1 else f"{ids[0]}..{ids[-1]}",
            detail={"persons": len(ids), "flags": created},
        )
    return created


def _flag_statement(reason: str, ids: Sequence[int], now: datetime) -> Insert:
    a = aliased(Person, name="dup_a")
    b = aliased(Person, name="dup_b")
    low = case((a.id < b.id, a.id), else_=b.id)
    high = case((a.id < b.id, b.id), else_=a.id)
    province = case((a.id > b.id, a.province_code), else_=b.province_code)
    same = (
        and_(b.name_key == a.name_key, b.date_of_birth == a.date_of_birth)
        if reason == "name_dob"
        else b.phone == a.phone
    )
    flagged = (
        select(DuplicateFlag.id)
        .where(DuplicateFlag.person_id == low, DuplicateFlag.other_person_id == high, DuplicateFlag.reason == reason)
        .exists()
    )
    pairs = (
        select(
            low,
            high,
            province,
            literal(reason),
            literal("open"),
            literal(now, UTCDateTime()),
        )
        .select_from(a)
        .join(b, and_(same, b.id != a.id))
        .where(a.id.in_(ids), ~flagged)
        .distinct()
    )
    return insert(DuplicateFlag).from_select(
        ["person_id", "other_person_id", "province_code", "reason", "status", "created_at"], pairs
    )


_FLAG_STATUSES = ("open", "distinct", "same_person")
_VERDICTS = ("distinct", "same_person")


def _duplicate_person(person: Person) -> DuplicatePerson:
    return DuplicatePerson(
        id=person.id,
        full_name=person.full_name,
        date_of_birth=person.date_of_birth,
        commune_code=person.commune_code,
        national_id=mask(person.national_id) or "",
        phone=mask(person.phone),
    )


def _flags_query(area: Area) -> Select[DuplicateFlag, Person, Person]:
    first = aliased(Person, name="flag_person")
    second = aliased(Person, name="flag_other")
    # A flag is seen from either side: a commune officer sees the pairs that touch one of their communes,
    # which is how a duplicate across communes (or provinces) reaches both offices.
    return (
        select(DuplicateFlag, first, second)
        .join(first, first.id == DuplicateFlag.person_id)
        .join(second, second.id == DuplicateFlag.other_person_id)
        .where(
            or_(
                area_clause(area, first.province_code, first.commune_code),
                area_clause(area, second.province_code, second.commune_code),
            )
        )
    )


def _flag_view(flag: DuplicateFlag, first: Person, second: Person) -> DuplicateFlagView:
    return DuplicateFlagView(
        id=flag.id,
        reason=flag.reason,
        status=flag.status,
        person=_duplicate_person(first),
        other_person=_duplicate_person(second),
        note=flag.note,
        created_at=flag.created_at,
        reviewed_by=flag.reviewed_by,
        reviewed_at=flag.reviewed_at,
    )


def list_duplicate_flags(
    uow: UnitOfWork, *, area: Area, status: str | None = "open", after_id: int | None = None, limit: int = 50
) -> Page[DuplicateFlagView]:
    """Likely duplicates touching the area, oldest first; ``status=None`` lists every status."""
    if status is not None and status not in _FLAG_STATUSES:
        raise ValidationFailed(
            f"Trạng thái phải là một trong: {', '.join(_FLAG_STATUSES)}.",
            f"status must be one of: {', '.join(_FLAG_STATUSES)}.",
            field="status",
        )
    size = _limit(limit)
    statement = _flags_query(area).order_by(DuplicateFlag.id).limit(size + 1)
    if status is not None:
        statement = statement.where(DuplicateFlag.status == status)
    if after_id is not None:
        statement = statement.where(DuplicateFlag.id > after_id)
    rows = uow.session.execute(statement).all()
    items = tuple(_flag_view(flag, first, second) for flag, first, second in rows[:size])
    return Page(items, items[-1].id if len(rows) > size else None)


def review_duplicate_flag(
    uow: UnitOfWork, *, area: Area, flag_id: int, verdict: str, note: str | None = None
) -> DuplicateFlagView:
    """Record an officer's verdict on a flag, once: ``distinct`` people, or the ``same_person`` twice."""
    if verdict not in _VERDICTS:
        raise ValidationFailed(
            "Kết luận phải là distinct (hai người khác nhau) hoặc same_person (cùng một người).",
            "verdict must be distinct or same_person.",
            field="verdict",
        )
    clean_note = _clean_text(note, field="note", label_vi="Ghi chú", max_length=_NOTE_MAX)
    row = uow.session.execute(_flags_query(area).where(DuplicateFlag.id == flag_id)).one_or_none()
    if row is None:
        raise NotFound(
            f"Không tìm thấy cảnh báo trùng mã {flag_id}", f"No duplicate flag with id {flag_id}", field="flag_id"
        )
    flag, first, second = row
    if flag.status != "open":
        raise IllegalTransition(
            f"Cảnh báo trùng {flag_id} đã được {flag.reviewed_by} xem xét ({flag.status}).",
            f"Duplicate flag {flag_id} was already reviewed by {flag.reviewed_by} ({flag.status}).",
            field="verdict",
        )
    flag.status = verdict
    flag.note = clean_note
    flag.reviewed_by = uow.actor
    flag.reviewed_at = uow.clock.now()
    uow.session.flush()
    uow.audit(
        "registry.duplicates.review",
        entity_type="duplicate_flag",
        entity_id=str(flag.id),
        province_code=flag.province_code,
        detail={"verdict": verdict, "person_id": flag.person_id, "other_person_id": flag.other_person_id},
    )
    return _flag_view(flag, first, second)


# ----------------------------------------------------------------------------------------------------
# Relations: guardians, proxies, caregivers, cared persons, funeral organisers


def _beneficiary_not_found(reference: object) -> NotFound:
    return NotFound(f"Không tìm thấy đối tượng {reference}", f"No beneficiary {reference}", field="beneficiary_code")


def _beneficiary_in_area(
    uow: UnitOfWork, area: Area, *, beneficiary_id: int | None = None, code: str | None = None
) -> Beneficiary:
    statement = select(Beneficiary).where(area_clause(area, Beneficiary.province_code, Beneficiary.commune_code))
    if beneficiary_id is not None:
        statement = statement.where(Beneficiary.id == beneficiary_id)
    else:
        statement = statement.where(Beneficiary.code == (code or "").strip())
    beneficiary = uow.session.scalar(statement)
    if beneficiary is None:
        raise _beneficiary_not_found(code if code is not None else beneficiary_id)
    return beneficiary


def _relation_role(value: RelationRole | str) -> RelationRole:
    try:
        return RelationRole(value)
    except ValueError:
        allowed = ", ".join(r.value for r in RelationRole)
        raise ValidationFailed(
            f"Vai trò phải là một trong: {allowed}.", f"role must be one of: {allowed}.", field="role"
        ) from None


def _relation_view(relation: Relation, person: Person, today: date) -> RelationView:
    return RelationView(
        id=relation.id,
        beneficiary_id=relation.beneficiary_id,
        person_id=person.id,
        full_name=person.full_name,
        national_id=mask(person.national_id) or "",
        role=RelationRole(relation.role),
        valid_from=relation.valid_from,
        valid_to=relation.valid_to,
        document_number=relation.document_number,
        created_by=relation.created_by,
        current=_valid_on(relation, today),
    )


def _valid_on(relation: Relation, on: date) -> bool:
    return relation.valid_from <= on and (relation.valid_to is None or on <= relation.valid_to)


def add_relation(
    uow: UnitOfWork,
    *,
    area: Area,
    beneficiary_id: int,
    person_id: int,
    role: RelationRole | str,
    valid_from: date,
    valid_to: date | None = None,
    document_number: str | None = None,
) -> RelationView:
    """Record a person acting for or around a beneficiary; a proxy needs its authorisation's number and dates."""
    beneficiary = _beneficiary_in_area(uow, area, beneficiary_id=beneficiary_id)
    relation_role = _relation_role(role)
    # The person may live in another commune (a son in the city), but not outside the officer's province:
    # otherwise any person's name and date of birth could be fished out through a relation.
    person = uow.session.get(Person, person_id)
    if person is None or not area.touches_province(person.province_code):
        raise _person_not_found(person_id)
    document = _clean_text(document_number, field="document_number", label_vi="Số giấy tờ", max_length=_DOCUMENT_MAX)
    if person.id == beneficiary.person_id:
        raise ValidationFailed(
            f"Một người không thể là {relation_role.value} của chính mình.",
            f"A person cannot be their own {relation_role.value}.",
            field="person_id",
        )
    if valid_to is not None and valid_to < valid_from:
        raise ValidationFailed(
            "Ngày hết hiệu lực phải sau hoặc bằng ngày bắt đầu.",
            "valid_to must be on or after valid_from.",
            field="valid_to",
        )
    if relation_role is RelationRole.PROXY:
        if document is None:
            raise ValidationFailed(
                "Người được ủy quyền cần số giấy ủy quyền.",
                "A proxy needs the number of the authorisation document.",
                field="document_number",
            )
        if valid_to is None:
            raise ValidationFailed(
                "Giấy ủy quyền cần ngày hết hiệu lực.",
                "A proxy's authorisation needs an end date (valid_to).",
                field="valid_to",
            )
    if person.date_of_death is not None and relation_role is not RelationRole.CARED_PERSON:
        raise ValidationFailed(
            "Người này đã được ghi nhận là đã mất.", "This person is recorded as deceased.", field="person_id"
        )
    overlapping = uow.session.scalar(
        select(Relation.id).where(
            Relation.beneficiary_id == beneficiary.id,
            Relation.person_id == person.id,
            Relation.role == relation_role.value,
            or_(Relation.valid_to.is_(None), Relation.valid_to >= valid_from),
            *([Relation.valid_from <= valid_to] if valid_to is not None else []),
        )
    )
    if overlapping is not None:
        raise Conflict(
            f"Người này đã là {relation_role.value} của đối tượng trong khoảng thời gian này.",
            f"This person is already a {relation_role.value} of the beneficiary for an overlapping period.",
            field="valid_from",
        )
    relation = Relation(
        beneficiary_id=beneficiary.id,
        person_id=person.id,
        province_code=beneficiary.province_code,
        role=relation_role.value,
        valid_from=valid_from,
        valid_to=valid_to,
        document_number=document,
        created_by=uow.actor,
        created_at=uow.clock.now(),
    )
    uow.session.add(relation)
    uow.session.flush()
    uow.audit(
        "registry.relation.add",
        entity_type="beneficiary",
        entity_id=beneficiary.code,
        province_code=beneficiary.province_code,
        detail={
            "relation_id": relation.id,
            "person_id": person.id,
            "role": relation_role.value,
            "valid_from": valid_from.isoformat(),
            "valid_to": valid_to.isoformat() if valid_to else None,
        },
    )
    return _relation_view(relation, person, uow.clock.today())


def end_relation(
    uow: UnitOfWork, *, area: Area, relation_id: int, valid_to: date, beneficiary_id: int | None = None
) -> RelationView:
    """Close a relation on ``valid_to`` (inclusive): a guardian replaced, an authorisation withdrawn.

    ``beneficiary_id``, when given, must be the relation's own beneficiary (the API names both in its path).
    """
    statement = (
        select(Relation, Person)
        .join(Person, Person.id == Relation.person_id)
        .join(Beneficiary, Beneficiary.id == Relation.beneficiary_id)
        .where(Relation.id == relation_id, area_clause(area, Beneficiary.province_code, Beneficiary.commune_code))
    )
    if beneficiary_id is not None:
        statement = statement.where(Relation.beneficiary_id == beneficiary_id)
    row = uow.session.execute(statement).one_or_none()
    if row is None:
        raise NotFound(
            f"Không tìm thấy quan hệ mã {relation_id}", f"No relation with id {relation_id}", field="relation_id"
        )
    relation, person = row
    if relation.valid_to is not None and relation.valid_to <= valid_to:
        raise IllegalTransition(
            f"Quan hệ này đã kết thúc ngày {relation.valid_to:%d/%m/%Y}.",
            f"This relation already ends on {relation.valid_to.isoformat()}.",
            field="valid_to",
        )
    if valid_to < relation.valid_from:
        raise ValidationFailed(
            "Ngày kết thúc phải sau hoặc bằng ngày bắt đầu của quan hệ.",
            "valid_to must be on or after the relation's valid_from.",
            field="valid_to",
        )
    relation.valid_to = valid_to
    uow.session.flush()
    uow.audit(
        "registry.relation.end",
        entity_type="relation",
        entity_id=str(relation.id),
        province_code=relation.province_code,
        detail={"valid_to": valid_to.isoformat(), "role": relation.role, "beneficiary_id": relation.beneficiary_id},
    )
    return _relation_view(relation, person, uow.clock.today())


def _relations(uow: UnitOfWork, beneficiary_id: int, on: date | None) -> tuple[RelationView, ...]:
    rows = uow.session.execute(
        select(Relation, Person)
        .join(Person, Person.id == Relation.person_id)
        .where(Relation.beneficiary_id == beneficiary_id)
        .order_by(Relation.valid_from, Relation.id)
    ).all()
    today = uow.clock.today()
    return tuple(_relation_view(r, p, today) for r, p in rows if on is None or _valid_on(r, on))


def relations_of(
    uow: UnitOfWork, *, area: Area, beneficiary_id: int, on: date | None = None
) -> tuple[RelationView, ...]:
    """The beneficiary's relations, all of them or those valid on ``on``."""
    beneficiary = _beneficiary_in_area(uow, area, beneficiary_id=beneficiary_id)
    return _relations(uow, beneficiary.id, on)


def is_valid_payee(
    session: Session, *, beneficiary_id: int, person_id: int, role: PayeeRole | RelationRole | str, on: date
) -> bool:
    """May ``person_id`` receive the beneficiary's money as ``role`` on ``on``?

    The beneficiary themself (role ``beneficiary``), or a guardian or proxy whose relation is valid that day
    (a proxy's authorisation has an end date); nobody recorded as deceased by then.
    """
    value = str(role)
    if value == PayeeRole.BENEFICIARY.value:
        owner = session.scalar(select(Beneficiary.person_id).where(Beneficiary.id == beneficiary_id))
        person_ok = owner == person_id
    elif value in {r.value for r in PAYEE_RELATION_ROLES}:
        found = session.scalar(
            select(Relation.id).where(
                Relation.beneficiary_id == beneficiary_id,
                Relation.person_id == person_id,
                Relation.role == value,
                Relation.valid_from <= on,
                or_(Relation.valid_to.is_(None), Relation.valid_to >= on),
            )
        )
        person_ok = found is not None
    else:
        return False
    if not person_ok:
        return False
    died = session.scalar(select(Person.date_of_death).where(Person.id == person_id))
    return died is None or died > on


# ----------------------------------------------------------------------------------------------------
# Beneficiaries (read only: their status is changed by decisions)


def _category_view(row: BeneficiaryCategory) -> CategoryView:
    category = find_category(row.category_code)
    return CategoryView(
        code=row.category_code,
        title_vi=category.title_vi if category else row.category_code,
        title_en=category.title_en if category else row.category_code,
        units=row.units,
        injury_rate=row.injury_rate,
    )


def _payment_method(uow: UnitOfWork, beneficiary_id: int, *, reveal: bool) -> PaymentMethodSummary | None:
    row = uow.session.execute(
        select(PaymentMethodRow, Person.full_name, Bank.short_name)
        .join(Person, Person.id == PaymentMethodRow.payee_person_id)
        .outerjoin(Bank, Bank.bin == PaymentMethodRow.bank_bin)
        .where(PaymentMethodRow.beneficiary_id == beneficiary_id, PaymentMethodRow.valid_to.is_(None))
    ).one_or_none()
    if row is None:
        return None
    method, payee_name, bank_name = row
    return PaymentMethodSummary(
        id=method.id,
        kind=method.kind,
        provider_code=method.provider_code,
        bank_bin=method.bank_bin,
        bank_short_name=bank_name,
        account_number=method.account_number if reveal else mask(method.account_number),
        account_name=method.account_name,
        home_delivery_reason=method.home_delivery_reason,
        payee_person_id=method.payee_person_id,
        payee_full_name=payee_name,
        payee_role=method.payee_role,
        valid_from=method.valid_from,
    )


def get_beneficiary(uow: UnitOfWork, *, area: Area, code: str, reveal: bool = False) -> BeneficiaryView:
    """A beneficiary with their person, categories, relations and current payment method."""
    beneficiary = _beneficiary_in_area(uow, area, code=code)
    person = uow.session.get_one(Person, beneficiary.person_id)
    if reveal:
        uow.audit(
            "registry.beneficiary.view_pii",
            entity_type="beneficiary",
            entity_id=beneficiary.code,
            province_code=beneficiary.province_code,
            detail={"person_id": person.id, "fields": ["national_id", "phone", "account_number"]},
        )
    categories = uow.session.scalars(
        select(BeneficiaryCategory)
        .where(BeneficiaryCategory.beneficiary_id == beneficiary.id)
        .order_by(BeneficiaryCategory.category_code)
    )
    return BeneficiaryView(
        id=beneficiary.id,
        code=beneficiary.code,
        program=Program(beneficiary.program),
        status=BeneficiaryStatus(beneficiary.status),
        province_code=beneficiary.province_code,
        commune_code=beneficiary.commune_code,
        person=_person_view(person, _commune_name(uow, person.commune_code), reveal=reveal),
        categories=tuple(_category_view(c) for c in categories),
        relations=_relations(uow, beneficiary.id, None),
        payment_method=_payment_method(uow, beneficiary.id, reveal=reveal),
        version=beneficiary.version,
    )


def list_beneficiaries(
    uow: UnitOfWork,
    *,
    area: Area,
    commune_code: str | None = None,
    program: Program | str | None = None,
    status: BeneficiaryStatus | str | None = None,
    after_id: int | None = None,
    limit: int = 50,
) -> Page[BeneficiarySummary]:
    """Beneficiaries in the area, masked, by id; filtered by commune, program and status."""
    size = _limit(limit)
    statement = (
        select(Beneficiary, Person)
        .join(Person, Person.id == Beneficiary.person_id)
        .where(area_clause(area, Beneficiary.province_code, Beneficiary.commune_code))
        .order_by(Beneficiary.id)
        .limit(size + 1)
    )
    if (commune := _commune_filter(commune_code)) is not None:
        statement = statement.where(Beneficiary.commune_code == commune)
    if program is not None:
        try:
            statement = statement.where(Beneficiary.program == Program(program).value)
        except ValueError:
            raise ValidationFailed("Chế độ không có.", f"Unknown program {program!r}.", field="program") from None
    if status is not None:
        try:
            statement = statement.where(Beneficiary.status == BeneficiaryStatus(status).value)
        except ValueError:
            raise ValidationFailed("Trạng thái không có.", f"Unknown status {status!r}.", field="status") from None
    if after_id is not None:
        statement = statement.where(Beneficiary.id > after_id)
    rows = uow.session.execute(statement).all()
    items = tuple(
        BeneficiarySummary(
            id=b.id,
            code=b.code,
            program=Program(b.program),
            status=BeneficiaryStatus(b.status),
            commune_code=b.commune_code,
            person_id=p.id,
            full_name=p.full_name,
            date_of_birth=p.date_of_birth,
            national_id=mask(p.national_id) or "",
        )
        for b, p in rows[:size]
    )
    return Page(items, items[-1].id if len(rows) > size else None)


def beneficiary_id_for_code(uow: UnitOfWork, *, area: Area, code: str) -> int:
    """The surrogate id of a beneficiary reference inside the area (404 outside it)."""
    return _beneficiary_in_area(uow, area, code=code).id
