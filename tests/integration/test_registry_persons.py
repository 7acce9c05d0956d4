"""Persons, beneficiaries (read), relations and likely duplicates: the services and the API, on both databases."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import content_type_conformance, not_a_server_error, response_schema_conformance
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from tests.conftest import Database
from tests.factories import PASSWORD, make_user
from tests.factories_registry import make_beneficiary, make_person, national_id_for
from tests.webclient import api_token, make_app

from ansinh.access import services as access_services
from ansinh.access.domain import Area, Role
from ansinh.core.audit import AuditRecord
from ansinh.core.errors import Conflict, IllegalTransition, NotFound, PermissionDenied, ValidationFailed
from ansinh.enrolment.tables import Bank
from ansinh.enrolment.tables import PaymentMethod as PaymentMethodRow
from ansinh.registry import services
from ansinh.registry.domain import BeneficiaryStatus, RelationRole
from ansinh.registry.identity import IdentityOverrideError, Sex
from ansinh.registry.importing import Program
from ansinh.registry.names import name_key
from ansinh.registry.tables import DuplicateFlag, Person

NINH_KIEU = "31135"
CAI_KHE = "31120"  # another ward of Cần Thơ
TAN_GIANG = "01288"  # a ward of Cao Bằng (04)
PROVINCE = Area("92")
COMMUNE = Area("92", frozenset({NINH_KIEU}))
NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


def _audits(db: Database, action: str) -> list[AuditRecord]:
    with db.uow() as uow:
        records = list(uow.session.scalars(select(AuditRecord).where(AuditRecord.action == action)))
        uow.session.expunge_all()
    return records


def _stored(db: Database, person_id: int) -> Person:
    """The person's row as stored, detached (a unit of work rolls back and expires what it loaded)."""
    with db.uow() as uow:
        person = uow.session.get_one(Person, person_id)
        uow.session.expunge(person)
    return person


def _register(db: Database, area: Area = PROVINCE, **overrides: object) -> services.PersonView:
    born = overrides.pop("date_of_birth", date(1950, 3, 14))
    assert isinstance(born, date)
    values: dict[str, object] = {
        "national_id": national_id_for(born),
        "full_name": "Nguyễn Văn An",
        "date_of_birth": born,
        "sex": Sex.MALE,
        "commune_code": NINH_KIEU,
        "address": "Số 1, đường 30/4",
        "phone": None,
        **overrides,
    }
    with db.uow("can.bo") as uow:
        view = services.register_person(uow, area=area, **values)  # type: ignore[arg-type]
        uow.commit()
    return view


# ----------------------------------------------------------------------------------------------------
# Registering and correcting a person


def test_a_registered_person_has_a_normalised_name_and_phone_a_masked_view_and_an_audit_record(db: Database) -> None:
    decomposed = unicodedata.normalize("NFD", "  Nguyễn   Văn  An ")
    view = _register(db, full_name=decomposed, phone="+84 912.345.678")
    person = _stored(db, view.id)
    assert person.full_name == "Nguyễn Văn An"
    assert unicodedata.is_normalized("NFC", person.full_name)
    assert person.name_key == "nguyen van an"
    assert person.phone == "0912345678"
    assert view.national_id == person.national_id[:3] + "*******" + person.national_id[-2:]
    assert view.phone == "091*****78"
    assert view.commune_name == "Phường Ninh Kiều"
    (record,) = _audits(db, "registry.person.create")
    assert record.entity_id == str(view.id)
    assert record.actor == "can.bo"
    assert person.national_id not in record.detail  # the audit log masks citizen IDs too


def test_an_identity_warning_is_refused_without_a_reason_and_recorded_with_one(db: Database) -> None:
    # The ID says born in 1951, the date of birth says 1950: a warning an officer may accept, with a reason.
    mismatched = national_id_for(date(1951, 1, 1))
    with pytest.raises(IdentityOverrideError) as refused:
        _register(db, national_id=mismatched)
    assert refused.value.field == "identity_override_reason"
    assert "1951" in refused.value.message_vi
    with pytest.raises(IdentityOverrideError, match="10"):
        _register(db, national_id=mismatched, identity_override_reason="ok")
    view = _register(db, national_id=mismatched, identity_override_reason="Đã đối chiếu giấy khai sinh gốc")
    assert view.identity_warnings == ("national_id_birth_year_mismatch",)
    assert view.identity_override_reason == "Đã đối chiếu giấy khai sinh gốc"


@pytest.mark.parametrize("bad_id", ["12345678901", "0920500000AB", "999050000001"])
def test_a_malformed_citizen_id_is_refused_even_with_a_reason(db: Database, bad_id: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        _register(db, national_id=bad_id, identity_override_reason="Người dân khẳng định số này đúng")
    assert refused.value.field == "national_id"
    with db.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Person)) == 0


def test_a_date_of_birth_in_the_future_is_refused(db: Database) -> None:
    with pytest.raises(ValidationFailed) as refused:
        _register(db, date_of_birth=date(2026, 11, 24), national_id=national_id_for(date(2026, 1, 1)))
    assert refused.value.field == "date_of_birth"
    assert "tương lai" in refused.value.message_vi


def test_an_unknown_commune_is_refused_naming_the_field(db: Database) -> None:
    with pytest.raises(ValidationFailed) as refused:
        _register(db, commune_code="99999")
    assert refused.value.field == "commune_code"
    assert "99999" in refused.value.message_en


def test_a_commune_officer_cannot_register_a_person_in_another_commune(db: Database) -> None:
    with pytest.raises(PermissionDenied, match=CAI_KHE):
        _register(db, area=COMMUNE, commune_code=CAI_KHE)
    with pytest.raises(PermissionDenied):
        _register(db, area=PROVINCE, commune_code=TAN_GIANG)  # another province altogether
    assert _register(db, area=COMMUNE).commune_code == NINH_KIEU


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("full_name", "Nguyễn Văn 4n"),
        ("full_name", "=HYPERLINK(1)"),
        ("full_name", "A" + "ß" * 60),  # 61 letters, but its folded key ("…ssss") is over 100
        ("phone", "12345"),
        ("sex", "other"),
    ],
)
def test_a_bad_name_phone_or_sex_is_refused_naming_the_field(db: Database, field: str, value: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        _register(db, **{field: value})
    assert refused.value.field == field


def test_the_same_citizen_id_twice_is_a_conflict_and_the_database_refuses_it_too(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _register(db)
    national_id = _stored(db, first.id).national_id
    with pytest.raises(Conflict) as twice:
        _register(db, national_id=national_id, full_name="Trần Thị Bé", commune_code=CAI_KHE)
    assert twice.value.field == "national_id"
    # Two officers racing past the early check meet the unique index, and still get a named conflict.
    monkeypatch.setattr(services, "_national_id_taken", lambda _uow, _nid: False)
    with pytest.raises(Conflict) as raced:
        _register(db, national_id=national_id, full_name="Trần Thị Bé")
    assert raced.value.field == "national_id"
    with db.uow() as uow, pytest.raises(IntegrityError):
        make_person(uow, national_id=national_id)
    with db.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Person)) == 1


def test_an_update_rechecks_the_record_and_a_stale_version_is_a_conflict(db: Database) -> None:
    view = _register(db, phone="0912345678")
    with db.uow() as uow:
        updated = services.update_person(uow, area=PROVINCE, person_id=view.id, phone="0987654321", version=1)
        uow.commit()
    assert updated.version == 2
    with db.uow() as uow, pytest.raises(Conflict) as stale:
        services.update_person(uow, area=PROVINCE, person_id=view.id, address="Số 2", version=1)
    assert stale.value.field == "version"
    with db.uow() as uow, pytest.raises(ValidationFailed) as future:
        services.update_person(uow, area=PROVINCE, person_id=view.id, date_of_birth=date(2027, 1, 1))
    assert future.value.field == "date_of_birth"
    other = _register(db, full_name="Lê Văn Cường", date_of_birth=date(1960, 5, 5))
    taken = _stored(db, other.id).national_id
    with db.uow() as uow, pytest.raises(Conflict) as clash:
        services.update_person(uow, area=PROVINCE, person_id=view.id, national_id=taken)
    assert clash.value.field == "national_id"
    (record,) = _audits(db, "registry.person.update")
    assert "phone" in record.detail
    assert "0987654321" not in record.detail


def test_an_update_keeps_an_accepted_warning_and_its_reason_but_a_new_warning_needs_one(db: Database) -> None:
    view = _register(db, national_id=national_id_for(date(1951, 1, 1)), identity_override_reason="Đã đối chiếu hồ sơ")
    with db.uow() as uow:
        kept = services.update_person(uow, area=PROVINCE, person_id=view.id, address="Số 9, đường 3/2")
        uow.commit()
    assert kept.identity_override_reason == "Đã đối chiếu hồ sơ"
    with db.uow() as uow, pytest.raises(IdentityOverrideError):
        services.update_person(uow, area=PROVINCE, person_id=view.id, sex=Sex.FEMALE)  # the ID says male


def test_a_commune_officer_never_sees_a_person_of_another_commune(db: Database) -> None:
    elsewhere = _register(db, commune_code=CAI_KHE, full_name="Phạm Văn Xa")
    with db.uow() as uow:
        with pytest.raises(NotFound):
            services.get_person(uow, area=COMMUNE, person_id=elsewhere.id)
        with pytest.raises(NotFound):
            services.update_person(uow, area=COMMUNE, person_id=elsewhere.id, address="x")
        assert services.search_persons(uow, area=COMMUNE, query="pham van xa").items == ()
        assert [p.id for p in services.search_persons(uow, area=PROVINCE, query="pham van xa").items] == [elsewhere.id]


def test_the_full_identifiers_appear_only_when_revealed_and_each_look_is_audited(db: Database) -> None:
    view = _register(db, phone="0912345678")
    with db.uow("xem") as uow:
        masked = services.get_person(uow, area=PROVINCE, person_id=view.id)
        uow.commit()
    assert "*" in masked.national_id
    assert _audits(db, "registry.person.view_pii") == []
    with db.uow("xem") as uow:
        full = services.get_person(uow, area=PROVINCE, person_id=view.id, reveal=True)
        uow.commit()
    assert full.national_id.isdigit()
    assert full.phone == "0912345678"
    (record,) = _audits(db, "registry.person.view_pii")
    assert (record.actor, record.entity_id) == ("xem", str(view.id))


# ----------------------------------------------------------------------------------------------------
# Search


def test_search_ignores_diacritics_and_matches_from_the_start_of_a_word(db: Database) -> None:
    an = _register(db, phone="0912345678")
    binh = _register(db, full_name="Hoàng Văn Bình", date_of_birth=date(1961, 1, 1))
    national_id = _stored(db, an.id).national_id
    with db.uow() as uow:

        def ids(query: str) -> list[int]:
            return [p.id for p in services.search_persons(uow, area=PROVINCE, query=query).items]

        assert ids("nguyen van an") == [an.id]
        assert ids("NGUYỄN VĂN AN") == [an.id]
        assert ids("van an") == [an.id]
        assert ids("van") == [an.id, binh.id]
        assert ids("an") == [an.id]  # not Hoàng: "an" is inside that word, not at its start
        assert ids(national_id[:7]) == [an.id]
        assert ids("+84 912 345 678") == [an.id]
        assert ids("0999999999") == []
        with pytest.raises(ValidationFailed) as empty:
            services.search_persons(uow, area=PROVINCE, query="!!!")
        assert empty.value.field == "q"


def test_search_pages_by_id(db: Database) -> None:
    made = [_register(db, date_of_birth=date(1950 + i, 1, 1), phone=None).id for i in range(5)]
    seen: list[int] = []
    after: int | None = None
    with db.uow() as uow:
        while True:
            page = services.search_persons(uow, area=PROVINCE, query="nguyen", after_id=after, limit=2)
            seen += [p.id for p in page.items]
            if page.next_after is None:
                break
            after = page.next_after
    assert seen == made


# ----------------------------------------------------------------------------------------------------
# Likely duplicates


def test_likely_duplicates_are_flagged_across_communes_and_programs_by_name_and_by_phone(db: Database) -> None:
    an = _register(db, phone="0912345678")
    with db.uow() as uow:
        make_beneficiary(uow, uow.session.get_one(Person, an.id), program=Program.SOCIAL_ASSISTANCE)
        uow.commit()
    # The same name typed without diacritics, in another commune, enrolled in another program.
    twin = _register(db, full_name="NGUYEN VAN AN", commune_code=CAI_KHE)
    with db.uow() as uow:
        make_beneficiary(
            uow, uow.session.get_one(Person, twin.id), program=Program.MERITORIOUS, categories=("mer_agent_orange_1",)
        )
        uow.commit()
    sharer = _register(db, full_name="Trần Thị Cúc", date_of_birth=date(1980, 2, 2), phone="0912 345 678")
    stranger = _register(db, full_name="Nguyễn Văn An", date_of_birth=date(1950, 3, 15))  # another day
    with db.uow() as uow:
        flags = list(uow.session.scalars(select(DuplicateFlag).order_by(DuplicateFlag.id)))
        uow.session.expunge_all()
    assert [(f.person_id, f.other_person_id, f.reason, f.status) for f in flags] == [
        (an.id, twin.id, "name_dob", "open"),
        (an.id, sharer.id, "phone", "open"),
    ]
    assert stranger.id not in {f.other_person_id for f in flags}
    assert flags[0].province_code == "92"
    # Flagging again finds nothing new: one flag per pair and reason.
    with db.uow() as uow:
        assert services.flag_likely_duplicates(uow, person_ids=[an.id, twin.id, sharer.id]) == 0
    # The commune officer of Ninh Kiều sees both pairs: each touches their ward, even with a person elsewhere.
    with db.uow() as uow:
        page = services.list_duplicate_flags(uow, area=COMMUNE)
    assert [(f.person.id, f.other_person.id) for f in page.items] == [(an.id, twin.id), (an.id, sharer.id)]
    assert "*" in page.items[0].person.national_id
    assert page.items[1].other_person.phone == "091*****78"


def test_flagging_works_in_chunks_and_flags_each_pair_once(db: Database) -> None:
    count = services.DUPLICATE_CHUNK * 2 + 100
    rows = [
        {
            "national_id": f"0920{50 + i // 100000:02d}{i:06d}",
            "full_name": f"Người Số {i}",
            "name_key": name_key(f"Nguoi So {i}"),
            "date_of_birth": date(1950, 1, 1),
            "sex": "male",
            "province_code": "92",
            "commune_code": NINH_KIEU,
            "identity_warnings": [],
            "verification_status": "unverified",
            "created_at": NOW,
            "updated_at": NOW,
            "version": 1,
        }
        for i in range(count)
    ]
    # Three twins: one in the first chunk with one in the last, and a pair inside one chunk.
    rows[3]["name_key"] = rows[count - 2]["name_key"] = "twin a"
    rows[10]["name_key"] = rows[11]["name_key"] = "twin b"
    with db.uow() as uow:
        uow.session.execute(insert(Person), rows)
        ids = list(uow.session.scalars(select(Person.id).order_by(Person.id)))
        assert services.flag_likely_duplicates(uow, person_ids=ids) == 2
        pairs = {(f.person_id, f.other_person_id) for f in uow.session.scalars(select(DuplicateFlag))}
        uow.commit()
    assert pairs == {(ids[3], ids[count - 2]), (ids[10], ids[11])}
    (record,) = _audits(db, "registry.duplicates.flag")
    assert '"flags":2' in record.detail


def test_a_flag_is_reviewed_once(db: Database) -> None:
    an = _register(db)
    twin = _register(db, full_name="Nguyen Van An")
    with db.uow("kiem.tra") as uow:
        (flag,) = services.list_duplicate_flags(uow, area=PROVINCE).items
        reviewed = services.review_duplicate_flag(
            uow, area=PROVINCE, flag_id=flag.id, verdict="distinct", note="Hai người khác nhau, khác cha mẹ"
        )
        uow.commit()
    assert (reviewed.status, reviewed.reviewed_by) == ("distinct", "kiem.tra")
    assert (reviewed.person.id, reviewed.other_person.id) == (an.id, twin.id)
    with db.uow() as uow, pytest.raises(IllegalTransition, match=r"kiem\.tra"):
        services.review_duplicate_flag(uow, area=PROVINCE, flag_id=flag.id, verdict="same_person")
    with db.uow() as uow:
        assert services.list_duplicate_flags(uow, area=PROVINCE).items == ()
        assert len(services.list_duplicate_flags(uow, area=PROVINCE, status="distinct").items) == 1
        with pytest.raises(ValidationFailed):
            services.review_duplicate_flag(uow, area=PROVINCE, flag_id=flag.id, verdict="maybe")
    assert len(_audits(db, "registry.duplicates.review")) == 1


def test_a_flag_outside_the_area_cannot_be_seen_or_reviewed(db: Database) -> None:
    _register(db, commune_code=CAI_KHE)
    _register(db, commune_code=CAI_KHE, full_name="Nguyen Van An")
    with db.uow() as uow:
        assert services.list_duplicate_flags(uow, area=COMMUNE).items == ()
        flag_id = uow.session.scalar(select(DuplicateFlag.id))
        assert flag_id is not None
        with pytest.raises(NotFound):
            services.review_duplicate_flag(uow, area=COMMUNE, flag_id=flag_id, verdict="distinct")


# ----------------------------------------------------------------------------------------------------
# Relations and payees


@pytest.fixture
def family(db: Database) -> tuple[int, int, int]:
    """(beneficiary id, its person id, another person's id) in Ninh Kiều."""
    with db.uow() as uow:
        elder = make_person(uow, full_name="Võ Thị Mai", female=True, date_of_birth=date(1938, 6, 1))
        beneficiary = make_beneficiary(uow, elder)
        son = make_person(uow, full_name="Võ Văn Hùng", date_of_birth=date(1970, 2, 2), commune_code=CAI_KHE)
        uow.commit()
        return (beneficiary.id, elder.id, son.id)


def test_a_proxy_needs_a_document_and_an_end_date_and_no_one_acts_for_themself(
    db: Database, family: tuple[int, int, int]
) -> None:
    beneficiary_id, elder_id, son_id = family
    with db.uow() as uow:
        with pytest.raises(ValidationFailed) as no_document:
            services.add_relation(
                uow,
                area=PROVINCE,
                beneficiary_id=beneficiary_id,
                person_id=son_id,
                role="proxy",
                valid_from=date(2026, 1, 1),
                valid_to=date(2026, 12, 31),
            )
        assert no_document.value.field == "document_number"
        with pytest.raises(ValidationFailed) as no_end:
            services.add_relation(
                uow,
                area=PROVINCE,
                beneficiary_id=beneficiary_id,
                person_id=son_id,
                role=RelationRole.PROXY,
                valid_from=date(2026, 1, 1),
                document_number="123/UQ",
            )
        assert no_end.value.field == "valid_to"
        with pytest.raises(ValidationFailed) as own:
            services.add_relation(
                uow,
                area=PROVINCE,
                beneficiary_id=beneficiary_id,
                person_id=elder_id,
                role=RelationRole.GUARDIAN,
                valid_from=date(2026, 1, 1),
            )
        assert own.value.field == "person_id"
        with pytest.raises(ValidationFailed) as backwards:
            services.add_relation(
                uow,
                area=PROVINCE,
                beneficiary_id=beneficiary_id,
                person_id=son_id,
                role=RelationRole.GUARDIAN,
                valid_from=date(2026, 1, 1),
                valid_to=date(2025, 1, 1),
            )
        assert backwards.value.field == "valid_to"
        with pytest.raises(ValidationFailed) as unknown_role:
            services.add_relation(
                uow, area=PROVINCE, beneficiary_id=beneficiary_id, person_id=son_id, role="uncle", valid_from=NOW.date()
            )
        assert unknown_role.value.field == "role"


def test_the_proxys_validity_dates_decide_whether_they_may_be_paid(db: Database, family: tuple[int, int, int]) -> None:
    beneficiary_id, elder_id, son_id = family
    with db.uow("can.bo") as uow:
        proxy = services.add_relation(
            uow,
            area=COMMUNE,  # the son lives in another ward of the province: allowed
            beneficiary_id=beneficiary_id,
            person_id=son_id,
            role=RelationRole.PROXY,
            valid_from=date(2026, 1, 1),
            valid_to=date(2026, 12, 31),
            document_number="15/2026/UQ",
        )
        uow.commit()
    assert proxy.current
    assert "*" in proxy.national_id

    def payee(person_id: int, role: str, on: date) -> bool:
        with db.uow() as uow:
            return services.is_valid_payee(
                uow.session, beneficiary_id=beneficiary_id, person_id=person_id, role=role, on=on
            )

    assert payee(son_id, "proxy", date(2026, 1, 1))
    assert payee(son_id, "proxy", date(2026, 12, 31))
    assert not payee(son_id, "proxy", date(2025, 12, 31))
    assert not payee(son_id, "proxy", date(2027, 1, 1))
    assert not payee(son_id, "guardian", date(2026, 6, 1))  # a proxy is not a guardian
    assert payee(elder_id, "beneficiary", date(2026, 6, 1))
    assert not payee(son_id, "beneficiary", date(2026, 6, 1))
    assert not payee(son_id, "caregiver", date(2026, 6, 1))
    # An overlapping second authorisation for the same person is a conflict, a later one is not.
    with db.uow() as uow:
        with pytest.raises(Conflict):
            services.add_relation(
                uow,
                area=PROVINCE,
                beneficiary_id=beneficiary_id,
                person_id=son_id,
                role=RelationRole.PROXY,
                valid_from=date(2026, 12, 1),
                valid_to=date(2027, 12, 31),
                document_number="16/2026/UQ",
            )
        services.end_relation(uow, area=PROVINCE, relation_id=proxy.id, valid_to=date(2026, 6, 30))
        uow.commit()
    assert payee(son_id, "proxy", date(2026, 6, 30))
    assert not payee(son_id, "proxy", date(2026, 7, 1))
    with db.uow() as uow, pytest.raises(IllegalTransition):
        services.end_relation(uow, area=PROVINCE, relation_id=proxy.id, valid_to=date(2026, 9, 30))
    with db.uow() as uow:
        uow.session.get_one(Person, son_id).date_of_death = date(2026, 3, 1)
        uow.commit()
    assert payee(son_id, "proxy", date(2026, 2, 28))
    assert not payee(son_id, "proxy", date(2026, 3, 1))  # nobody is paid on behalf of a dead proxy
    with db.uow() as uow:
        on_day = services.relations_of(uow, area=PROVINCE, beneficiary_id=beneficiary_id, on=date(2026, 8, 1))
        every = services.relations_of(uow, area=PROVINCE, beneficiary_id=beneficiary_id)
    assert on_day == ()
    assert [r.id for r in every] == [proxy.id]
    assert len(_audits(db, "registry.relation.add")) == 1
    assert len(_audits(db, "registry.relation.end")) == 1


def test_a_relation_needs_a_beneficiary_in_the_area_and_a_person_in_the_province(
    db: Database, family: tuple[int, int, int]
) -> None:
    beneficiary_id, _, son_id = family
    with db.uow() as uow:
        far = make_person(uow, full_name="Nông Văn Xa", commune_code=TAN_GIANG, province_code="04")
        uow.commit()
        with pytest.raises(NotFound):
            services.add_relation(
                uow,
                area=PROVINCE,
                beneficiary_id=beneficiary_id,
                person_id=far.id,
                role=RelationRole.GUARDIAN,
                valid_from=date(2026, 1, 1),
            )
        with pytest.raises(NotFound):
            services.add_relation(
                uow,
                area=Area("92", frozenset({CAI_KHE})),
                beneficiary_id=beneficiary_id,
                person_id=son_id,
                role=RelationRole.GUARDIAN,
                valid_from=date(2026, 1, 1),
            )


# ----------------------------------------------------------------------------------------------------
# Beneficiaries


def _pay_by_bank(db: Database, beneficiary_id: int, payee_id: int, account: str = "0071000123456") -> None:
    with db.uow() as uow:
        uow.session.add(
            Bank(bin="970436", short_name="Vietcombank", name="Ngân hàng Ngoại thương", source="vietqr", created_at=NOW)
        )
        uow.session.flush()
        uow.session.add(
            PaymentMethodRow(
                beneficiary_id=beneficiary_id,
                province_code="92",
                kind="bank_account",
                bank_bin="970436",
                account_number=account,
                payee_person_id=payee_id,
                payee_role="beneficiary",
                valid_from=date(2026, 1, 1),
                source="officer",
                created_by="test",
                created_at=NOW,
            )
        )
        uow.commit()


def test_a_beneficiary_shows_categories_in_vietnamese_relations_and_a_masked_payment_method(
    db: Database, family: tuple[int, int, int]
) -> None:
    beneficiary_id, elder_id, son_id = family
    _pay_by_bank(db, beneficiary_id, elder_id)
    with db.uow() as uow:
        services.add_relation(
            uow,
            area=PROVINCE,
            beneficiary_id=beneficiary_id,
            person_id=son_id,
            role=RelationRole.GUARDIAN,
            valid_from=date(2020, 1, 1),
        )
        code = f"92-TG-{elder_id:08d}"
        view = services.get_beneficiary(uow, area=COMMUNE, code=code)
        uow.commit()
    assert (view.code, view.program, view.status) == (code, Program.SOCIAL_ASSISTANCE, BeneficiaryStatus.ACTIVE)
    (category,) = view.categories
    assert category.code == "sa_elderly_poor_no_supporter"
    assert "cao tuổi" in category.title_vi
    assert [(r.role, r.person_id) for r in view.relations] == [(RelationRole.GUARDIAN, son_id)]
    method = view.payment_method
    assert method is not None
    assert (method.kind, method.bank_short_name, method.account_number) == (
        "bank_account",
        "Vietcombank",
        "007********56",
    )
    assert "*" in view.person.national_id
    assert _audits(db, "registry.beneficiary.view_pii") == []
    with db.uow() as uow:
        revealed = services.get_beneficiary(uow, area=COMMUNE, code=code, reveal=True)
        uow.commit()
    assert revealed.payment_method is not None
    assert revealed.payment_method.account_number == "0071000123456"
    assert revealed.person.national_id.isdigit()
    assert len(_audits(db, "registry.beneficiary.view_pii")) == 1


def test_beneficiaries_are_listed_masked_filtered_and_only_inside_the_area(db: Database) -> None:
    with db.uow() as uow:
        here = [
            make_person(uow, full_name=f"Đặng Văn {n}", date_of_birth=date(1940, 1, i + 1)) for i, n in enumerate("ABC")
        ]
        there = make_person(uow, full_name="Đặng Văn D", commune_code=CAI_KHE)
        made = [make_beneficiary(uow, p).code for p in here]
        make_beneficiary(uow, there)
        make_beneficiary(uow, here[0], program=Program.MERITORIOUS, status=BeneficiaryStatus.SUSPENDED, categories=())
        uow.commit()
    with db.uow() as uow:
        first = services.list_beneficiaries(uow, area=COMMUNE, program="social_assistance", limit=2)
        second = services.list_beneficiaries(
            uow, area=COMMUNE, program="social_assistance", after_id=first.next_after, limit=2
        )
        suspended = services.list_beneficiaries(uow, area=PROVINCE, status=BeneficiaryStatus.SUSPENDED)
        by_commune = services.list_beneficiaries(uow, area=PROVINCE, commune_code=CAI_KHE)
        with pytest.raises(NotFound):
            services.get_beneficiary(uow, area=COMMUNE, code=by_commune.items[0].code)
        with pytest.raises(ValidationFailed):
            services.list_beneficiaries(uow, area=PROVINCE, program="pension")
    assert [b.code for b in first.items + second.items] == made
    assert second.next_after is None
    assert all("*" in b.national_id for b in first.items)
    assert [b.program for b in suspended.items] == [Program.MERITORIOUS]
    assert [b.full_name for b in by_commune.items] == ["Đặng Văn D"]


# ----------------------------------------------------------------------------------------------------
# The API


@pytest.fixture
def client(db: Database) -> Iterator[TestClient]:
    with db.uow() as uow:
        for role in (Role.COMMUNE_OFFICER, Role.PROGRAM_OFFICER, Role.FINANCE_OFFICER, Role.APPROVER):
            make_user(uow, role)
        uow.commit()
    with TestClient(make_app(db)) as test_client:
        yield test_client


def _auth(client: TestClient, role: Role) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token(client, role.value.replace('_', '-'))}"}


def _person_body(**overrides: object) -> dict[str, object]:
    born = date(1948, 8, 19)
    return {
        "national_id": national_id_for(born, female=True),
        "full_name": "Lý Thị Hoa",
        "date_of_birth": born.isoformat(),
        "sex": "female",
        "commune_code": NINH_KIEU,
        "address": "Hẻm 51, đường 3/2",
        "phone": "0903 111 222",
        **overrides,
    }


def test_the_api_registers_searches_reveals_and_corrects_a_person(db: Database, client: TestClient) -> None:
    officer = _auth(client, Role.COMMUNE_OFFICER)
    body = _person_body()
    created = client.post("/api/v1/registry/persons", json=body, headers=officer)
    assert created.status_code == 201, created.text
    person = created.json()
    assert person["phone"] == "090*****22"
    assert person["national_id"] != body["national_id"]
    found = client.get("/api/v1/registry/persons", params={"q": "ly thi hoa"}, headers=officer).json()
    assert [p["id"] for p in found["items"]] == [person["id"]]
    assert found["next_after"] is None
    url = f"/api/v1/registry/persons/{person['id']}"
    finance = _auth(client, Role.FINANCE_OFFICER)
    assert client.get(url, headers=finance).status_code == 200  # may read, masked
    refused = client.get(url, params={"reveal": "true"}, headers=finance)
    assert refused.status_code == 403
    assert refused.json()["field"] == "reveal"
    revealed = client.get(url, params={"reveal": "true"}, headers=officer).json()
    assert (revealed["national_id"], revealed["phone"]) == (body["national_id"], "0903111222")
    assert len(_audits(db, "registry.person.view_pii")) == 1
    patched = client.patch(url, json={"address": "Hẻm 52", "version": 1}, headers=officer)
    assert patched.status_code == 200, patched.text
    assert patched.json()["version"] == 2
    stale = client.patch(url, json={"address": "Hẻm 53", "version": 1}, headers=officer)
    assert stale.status_code == 409
    assert stale.json()["field"] == "version"
    removed = client.patch(url, json={"full_name": None}, headers=officer)
    assert (removed.status_code, removed.json()["field"]) == (422, "full_name")
    assert client.post("/api/v1/registry/persons", json=_person_body(), headers=finance).status_code == 403


def test_the_api_answers_every_refusal_with_a_bilingual_body_naming_the_field(client: TestClient) -> None:
    officer = _auth(client, Role.COMMUNE_OFFICER)
    body = _person_body()
    assert client.post("/api/v1/registry/persons", json=body, headers=officer).status_code == 201
    cases = [
        (body, 409, "national_id"),
        (_person_body(commune_code=CAI_KHE), 403, None),
        (_person_body(commune_code="99999"), 422, "commune_code"),
        (_person_body(date_of_birth="2030-01-01"), 422, "date_of_birth"),
        (_person_body(national_id="12345"), 422, "national_id"),
        (_person_body(national_id=national_id_for(date(1990, 1, 1), female=True)), 422, "identity_override_reason"),
        (_person_body(sex="x"), 422, "sex"),
    ]
    for payload, status, field in cases:
        response = client.post("/api/v1/registry/persons", json=payload, headers=officer)
        assert response.status_code == status, (payload, response.text)
        answer = response.json()
        assert answer["message"]
        assert answer["message_en"]
        assert answer.get("field") == field, answer


def test_the_api_hides_a_person_or_beneficiary_outside_the_commune(db: Database, client: TestClient) -> None:
    with db.uow() as uow:
        elsewhere = make_person(uow, full_name="Mai Văn Ngoài", commune_code=CAI_KHE)
        beneficiary = make_beneficiary(uow, elsewhere)
        uow.commit()
    officer = _auth(client, Role.COMMUNE_OFFICER)
    province = _auth(client, Role.PROGRAM_OFFICER)
    person_url = f"/api/v1/registry/persons/{elsewhere.id}"
    beneficiary_url = f"/api/v1/registry/beneficiaries/{beneficiary.code}"
    assert client.get(person_url, headers=officer).status_code == 404
    assert client.patch(person_url, json={"address": "x"}, headers=officer).status_code == 404
    assert client.get(beneficiary_url, headers=officer).status_code == 404
    relation = {"person_id": elsewhere.id, "role": "guardian", "valid_from": "2026-01-01"}
    assert client.post(f"{beneficiary_url}/relations", json=relation, headers=officer).status_code == 404
    assert client.get(person_url, headers=province).status_code == 200
    listed = client.get("/api/v1/registry/beneficiaries", headers=officer).json()
    assert listed["items"] == []
    listed = client.get("/api/v1/registry/beneficiaries", params={"program": "social_assistance"}, headers=province)
    assert [b["code"] for b in listed.json()["items"]] == [beneficiary.code]


def test_the_api_adds_relations_and_shows_them_on_the_beneficiary(
    db: Database, client: TestClient, family: tuple[int, int, int]
) -> None:
    _, elder_id, son_id = family
    officer = _auth(client, Role.COMMUNE_OFFICER)
    url = f"/api/v1/registry/beneficiaries/92-TG-{elder_id:08d}"
    proxy = {"person_id": son_id, "role": "proxy", "valid_from": "2026-01-01", "valid_to": "2026-12-31"}
    missing = client.post(f"{url}/relations", json=proxy, headers=officer)
    assert (missing.status_code, missing.json()["field"]) == (422, "document_number")
    added = client.post(f"{url}/relations", json={**proxy, "document_number": "7/UQ"}, headers=officer)
    assert added.status_code == 201, added.text
    relation_id = added.json()["id"]
    shown = client.get(url, headers=officer).json()
    assert [(r["id"], r["role"], r["current"]) for r in shown["relations"]] == [(relation_id, "proxy", True)]
    ended = client.post(f"{url}/relations/{relation_id}/end", json={"valid_to": "2026-11-22"}, headers=officer)
    assert ended.status_code == 200, ended.text
    assert ended.json()["current"] is False
    again = client.post(f"{url}/relations/{relation_id}/end", json={"valid_to": "2026-11-21"}, headers=officer)
    assert again.status_code == 200  # shortening an end date is allowed; extending it is not
    extended = client.post(f"{url}/relations/{relation_id}/end", json={"valid_to": "2026-12-31"}, headers=officer)
    assert extended.status_code == 409
    approver = _auth(client, Role.APPROVER)
    assert client.post(f"{url}/relations", json=proxy, headers=approver).status_code == 403


def test_the_api_lists_and_reviews_duplicates_once(client: TestClient) -> None:
    officer = _auth(client, Role.COMMUNE_OFFICER)
    first = client.post("/api/v1/registry/persons", json=_person_body(), headers=officer)
    second = client.post("/api/v1/registry/persons", json=_person_body(), headers=officer)  # a new ID, same person?
    assert first.status_code == second.status_code == 201, second.text
    flags = client.get("/api/v1/registry/duplicates", headers=officer).json()["items"]
    assert {f["reason"] for f in flags} == {"name_dob", "phone"}
    flag_id = flags[0]["id"]
    review = {"verdict": "same_person", "note": "Nhập hai lần"}
    done = client.post(f"/api/v1/registry/duplicates/{flag_id}/review", json=review, headers=officer)
    assert done.status_code == 200, done.text
    assert done.json()["reviewed_by"] == "commune-officer"
    twice = client.post(f"/api/v1/registry/duplicates/{flag_id}/review", json=review, headers=officer)
    assert (twice.status_code, twice.json()["error"]) == (409, "illegal_transition")
    everything = client.get("/api/v1/registry/duplicates", params={"status": "all"}, headers=officer).json()
    assert len(everything["items"]) == 2
    unknown = client.post("/api/v1/registry/duplicates/999999/review", json=review, headers=officer)
    assert unknown.status_code == 404


def test_every_registry_operation_answers_as_documented_for_an_officer_past_the_gate(db: Database) -> None:
    # The project-wide fuzz test acts as an administrator, whom the registry refuses at the gate (403); this one
    # acts as a commune officer, so the fuzzed input reaches the services and the database.
    with db.uow() as uow:
        make_user(uow, Role.COMMUNE_OFFICER, "xa.fuzz")
        make_beneficiary(uow, make_person(uow))
        make_person(uow, full_name="Nguyen Van An")
        uow.commit()
    with db.uow() as uow:
        principal = access_services.authenticate(
            uow, username="xa.fuzz", password=PASSWORD, max_failures=1000, lockout=timedelta(minutes=1)
        )
        assert principal is not None
        token = access_services.issue_token(uow, principal=principal, kind="api", lifetime=timedelta(hours=2))
        uow.commit()
    schema = schemathesis.openapi.from_asgi("/openapi.json", make_app(db))
    operations = [
        op
        for op in (r.ok() for r in schema.get_all_operations())
        if any(op.path.startswith(f"/api/v1/registry/{part}") for part in ("persons", "beneficiaries", "duplicates"))
        and op.method.upper() + " " + op.path in REGISTRY_OPERATIONS
    ]
    assert {op.method.upper() + " " + op.path for op in operations} == REGISTRY_OPERATIONS
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
        def call(case: schemathesis.Case) -> None:
            case.call_and_validate(
                headers={"Authorization": f"Bearer {token.secret}"},
                checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
            )

        call()


REGISTRY_OPERATIONS = {
    "POST /api/v1/registry/persons",
    "GET /api/v1/registry/persons",
    "GET /api/v1/registry/persons/{person_id}",
    "PATCH /api/v1/registry/persons/{person_id}",
    "GET /api/v1/registry/beneficiaries",
    "GET /api/v1/registry/beneficiaries/{beneficiary_code}",
    "POST /api/v1/registry/beneficiaries/{beneficiary_code}/relations",
    "POST /api/v1/registry/beneficiaries/{beneficiary_code}/relations/{relation_id}/end",
    "GET /api/v1/registry/duplicates",
    "POST /api/v1/registry/duplicates/{flag_id}/review",
}
