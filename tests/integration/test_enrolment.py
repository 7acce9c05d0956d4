"""Banks, providers and payment methods on both databases: every method rule, payees, history, VietQR, areas."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from tests.conftest import Database
from tests.factories import make_user
from tests.factories_enrolment import (
    NINH_KIEU_ONLY,
    PROVINCE,
    VBSP_BIN,
    VCB_BIN,
    cash_method,
    make_reference_data,
    make_relation,
    vietqr,
)
from tests.factories_registry import make_beneficiary, make_person
from tests.webclient import api_token, make_app

from ansinh.access.domain import Area, Role
from ansinh.core.audit import AuditRecord
from ansinh.core.errors import Conflict, IllegalTransition, NotFound, ValidationFailed
from ansinh.enrolment import services
from ansinh.enrolment.domain import PaymentMethod
from ansinh.enrolment.tables import Bank
from ansinh.enrolment.tables import PaymentMethod as MethodRow
from ansinh.geo.tables import Commune
from ansinh.providers import services as providers
from ansinh.providers.services import ProviderKind
from ansinh.registry.domain import BeneficiaryStatus
from ansinh.registry.tables import Beneficiary
from ansinh.registry.vietqr import VietQRChecksumError

START = date(2026, 12, 1)


@dataclass
class World:
    code: str  # a beneficiary in Ninh Kiều (31135), with no method yet
    beneficiary_id: int
    national_id: str
    other_code: str  # a beneficiary in another commune of Cần Thơ
    other_commune: str


@pytest.fixture
def world(db: Database) -> World:
    with db.uow() as uow:
        make_reference_data(uow)
        person = make_person(uow, full_name="Trần Thị Bình", female=True, phone="0912345678")
        beneficiary = make_beneficiary(uow, person)
        other_commune = uow.session.scalar(
            select(Commune.code).where(Commune.province_code == "92", Commune.code != "31135").order_by(Commune.code)
        )
        assert other_commune is not None
        elsewhere = make_beneficiary(uow, make_person(uow, full_name="Lê Văn Cường", commune_code=other_commune))
        uow.commit()
        return World(beneficiary.code, beneficiary.id, person.national_id, elsewhere.code, other_commune)


def _audit_count(db: Database) -> int:
    with db.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(AuditRecord)) or 0


def _set(db: Database, world: World, **kwargs: object) -> services.PaymentMethodView:
    arguments: dict[str, object] = {"area": NINH_KIEU_ONLY, "beneficiary_code": world.code, "valid_from": START}
    arguments.update(kwargs)
    with db.uow("can-bo-xa") as uow:
        view = services.set_payment_method(uow, **arguments)  # type: ignore[arg-type]
        uow.commit()
    return view


def _refused(db: Database, world: World, error: type[Exception] = ValidationFailed, **kwargs: object) -> str | None:
    with pytest.raises(error) as caught:
        _set(db, world, **kwargs)
    return getattr(caught.value, "field", None)


def _last_audit(db: Database) -> tuple[str, str, str, str]:
    with db.uow() as uow:
        last = uow.session.scalars(select(AuditRecord).order_by(AuditRecord.seq.desc())).first()
        assert last is not None
        return last.action, last.actor, last.entity_id, last.detail


def _rows(db: Database, beneficiary_id: int) -> list[MethodRow]:
    with db.uow() as uow:
        rows = list(
            uow.session.scalars(
                select(MethodRow).where(MethodRow.beneficiary_id == beneficiary_id).order_by(MethodRow.valid_from)
            )
        )
        uow.session.expunge_all()  # detached with their values: leaving the unit of work rolls back
        return rows


# ----------------------------------------------------------------------------------------------------
# Banks and providers


def test_the_bank_list_is_seeded_from_vietnam_qr_pay_once(db: Database) -> None:
    with db.uow() as uow:
        added = services.load_banks(uow)
        uow.commit()
    audits = _audit_count(db)
    with db.uow() as uow:
        again = services.load_banks(uow)
        uow.commit()
        banks = {b.bin: b for b in services.list_banks(uow)}
    assert added == len(banks) > 50
    assert again == 0
    assert _audit_count(db) == audits  # nothing changed, nothing recorded
    assert banks[VCB_BIN].short_name == "Vietcombank"
    assert banks[VCB_BIN].swift_code == "BFTVVNVX"
    assert banks[VCB_BIN].source == "vietqr"
    assert banks["970414"].short_name == "MBV"  # of two banks sharing a BIN, the one not merged away


def test_an_administrator_adds_a_bank_the_list_lacks_and_a_bin_is_listed_once(db: Database) -> None:
    with db.uow("quantri") as uow:
        services.load_banks(uow)
        view = services.add_bank(uow, bin=VBSP_BIN, short_name="VBSP", name="Ngân hàng Chính sách xã hội")
        uow.commit()
    assert view.source == "administrator"
    with db.uow() as uow, pytest.raises(Conflict) as duplicate:
        services.add_bank(uow, bin=VCB_BIN, short_name="X", name="Y")
    assert duplicate.value.field == "bin"
    for bad in ("97043", "97043A", "9704361"):
        with db.uow() as uow, pytest.raises(ValidationFailed) as error:
            services.add_bank(uow, bin=bad, short_name="X", name="Y")
        assert error.value.field == "bin"
    with db.uow() as uow, pytest.raises(ValidationFailed) as swift:
        services.add_bank(uow, bin="999002", short_name="X", name="Y", swift_code="NOT A SWIFT")
    assert swift.value.field == "swift_code"


def test_providers_have_plain_upper_case_codes_and_a_bank_needs_its_bin(db: Database) -> None:
    with db.uow() as uow:
        view = providers.add_provider(uow, code=" vnpost ", name="Bưu điện Việt Nam", kind="cash_payer")
        uow.commit()
    assert view.code == "VNPOST"
    with db.uow() as uow:
        assert providers.get_provider(uow, code="vnpost").kind is ProviderKind.CASH_PAYER
        with pytest.raises(Conflict):
            providers.add_provider(uow, code="VNPOST", name="Again", kind="cash_payer")
        for code in ("V", "VN-POST", "X" * 33, "Bưu điện"):
            with pytest.raises(ValidationFailed) as error:
                providers.add_provider(uow, code=code, name="N", kind="cash_payer")
            assert error.value.field == "code"
        with pytest.raises(ValidationFailed) as no_bin:
            providers.add_provider(uow, code="ACB", name="ACB", kind="bank")
        assert no_bin.value.field == "bank_bin"
        with pytest.raises(ValidationFailed) as kind:
            providers.add_provider(uow, code="ACB", name="ACB", kind="crypto")
        assert kind.value.field == "kind"
        with pytest.raises(NotFound):
            providers.get_provider(uow, code="NOBODY")


# ----------------------------------------------------------------------------------------------------
# Method rules


def test_cash_at_a_payment_point_needs_a_cash_payer(db: Database, world: World) -> None:
    assert _refused(db, world, kind="cash_point", provider_code="VCB") == "provider_code"
    view = _set(db, world, kind="cash_point", provider_code="VNPOST")
    assert view.kind is PaymentMethod.CASH_POINT
    assert view.account_number is None


def test_cash_at_home_needs_a_reason_and_no_account(db: Database, world: World) -> None:
    assert _refused(db, world, kind="cash_home", provider_code="VNPOST") == "home_delivery_reason"
    assert (
        _refused(db, world, kind="cash_home", provider_code="VNPOST", home_delivery_reason="sleepy")
        == "home_delivery_reason"
    )
    assert (
        _refused(
            db, world, kind="cash_home", provider_code="VNPOST", home_delivery_reason="bedridden", account_number="123"
        )
        == "account_number"
    )
    view = _set(db, world, kind="cash_home", provider_code="VNPOST", home_delivery_reason="bedridden")
    assert view.home_delivery_reason is not None
    assert view.home_delivery_reason.value == "bedridden"


def test_an_account_number_for_cash_at_a_point_is_refused_naming_the_field(db: Database, world: World) -> None:
    assert _refused(db, world, kind="cash_point", provider_code="VNPOST", account_number="0011001234567") == (
        "account_number"
    )
    assert _rows(db, world.beneficiary_id) == []


def test_a_bank_account_needs_a_listed_active_bin_an_account_and_a_bank(db: Database, world: World) -> None:
    assert _refused(db, world, kind="bank_account", provider_code="VCB", account_number="001100") == "bank_bin"
    assert (
        _refused(db, world, kind="bank_account", provider_code="VCB", bank_bin="123456", account_number="001100")
        == "bank_bin"
    )
    assert _refused(db, world, kind="bank_account", provider_code="VCB", bank_bin=VCB_BIN) == "account_number"
    assert (
        _refused(db, world, kind="bank_account", provider_code="VIETTEL_MONEY", bank_bin=VCB_BIN, account_number="1")
        == "provider_code"
    )
    assert (
        _refused(
            db, world, kind="bank_account", provider_code="VCB", bank_bin=VCB_BIN, account_number="12345678901234567890"
        )
        == "account_number"
    )
    with db.uow() as uow:
        uow.session.execute(update(Bank).where(Bank.bin == VCB_BIN).values(active=False))
        uow.commit()
    assert (
        _refused(db, world, kind="bank_account", provider_code="VBSP", bank_bin=VCB_BIN, account_number="0011001234567")
        == "bank_bin"
    )
    view = _set(
        db, world, kind="bank_account", provider_code="VBSP", bank_bin=VBSP_BIN, account_number="0011 0012 34567"
    )
    assert view.bank_bin == VBSP_BIN
    assert view.bank_short_name == "VBSP"
    assert view.account_number == "001********67"  # masked in the answer
    assert _rows(db, world.beneficiary_id)[0].account_number == "0011001234567"


def test_an_ewallet_needs_a_mobile_money_provider_and_a_wallet_number(db: Database, world: World) -> None:
    assert _refused(db, world, kind="ewallet", provider_code="VIETTEL_MONEY") == "account_number"
    assert _refused(db, world, kind="ewallet", provider_code="VNPOST", account_number="0912345678") == "provider_code"
    _set(db, world, kind="ewallet", provider_code="viettel_money", account_number="+84 912 345 678")
    (row,) = _rows(db, world.beneficiary_id)
    assert (row.kind, row.provider_code, row.account_number, row.bank_bin) == (
        "ewallet",
        "VIETTEL_MONEY",
        "0912345678",
        None,
    )


def test_a_postal_account_needs_the_postal_provider_and_an_account(db: Database, world: World) -> None:
    assert _refused(db, world, kind="postal_account", provider_code="VNPOST") == "account_number"
    assert _refused(db, world, kind="postal_account", provider_code="VCB", account_number="BD123") == "provider_code"
    view = _set(db, world, kind="postal_account", provider_code="VNPOST", account_number="BD123456")
    assert view.kind is PaymentMethod.POSTAL_ACCOUNT


def test_an_unknown_provider_or_kind_is_refused(db: Database, world: World) -> None:
    assert _refused(db, world, kind="cash_point", provider_code="NOBODY") == "provider_code"
    assert _refused(db, world, kind="cheque", provider_code="VNPOST") == "kind"


# ----------------------------------------------------------------------------------------------------
# History


def test_a_new_method_closes_the_one_in_use_the_day_before_and_history_is_kept(db: Database, world: World) -> None:
    _set(db, world, kind="cash_point", provider_code="VNPOST", valid_from=date(2025, 1, 1))
    _set(db, world, kind="bank_account", provider_code="VCB", bank_bin=VCB_BIN, account_number="0011001234567")
    first, second = _rows(db, world.beneficiary_id)
    assert (first.kind, first.valid_from, first.valid_to) == ("cash_point", date(2025, 1, 1), date(2026, 11, 30))
    assert (second.kind, second.valid_from, second.valid_to) == ("bank_account", START, None)
    with db.uow() as uow:
        history = services.payment_method_history(uow, area=NINH_KIEU_ONLY, beneficiary_code=world.code)
        before = services.current_payment_method(
            uow, area=NINH_KIEU_ONLY, beneficiary_code=world.code, on=date(2026, 6, 1)
        )
        none_yet = services.current_payment_method(
            uow, area=NINH_KIEU_ONLY, beneficiary_code=world.code, on=date(2024, 6, 1)
        )
    assert [h.kind for h in history] == [PaymentMethod.BANK_ACCOUNT, PaymentMethod.CASH_POINT]
    assert before is not None
    assert before.kind is PaymentMethod.CASH_POINT
    assert none_yet is None


def test_setting_the_method_in_use_again_changes_nothing(db: Database, world: World) -> None:
    first = _set(db, world, kind="cash_point", provider_code="VNPOST")
    audits = _audit_count(db)
    again = _set(db, world, kind="cash_point", provider_code="vnpost", valid_from=date(2027, 1, 1))
    assert again.unchanged
    assert not first.unchanged
    assert again.id == first.id
    assert len(_rows(db, world.beneficiary_id)) == 1
    assert _audit_count(db) == audits


def test_a_change_that_would_rewrite_history_is_refused(db: Database, world: World) -> None:
    _set(db, world, kind="cash_point", provider_code="VNPOST")
    field = _refused(db, world, kind="postal_account", provider_code="VNPOST", account_number="BD1", valid_from=START)
    assert field == "valid_from"
    field = _refused(
        db, world, kind="postal_account", provider_code="VNPOST", account_number="BD1", valid_from=date(2030, 1, 1)
    )
    assert field == "valid_from"
    assert len(_rows(db, world.beneficiary_id)) == 1


def test_the_database_refuses_a_second_open_method(db: Database, world: World) -> None:
    with db.uow() as uow:
        beneficiary = uow.session.get(Beneficiary, world.beneficiary_id)
        assert beneficiary is not None
        cash_method(uow, beneficiary, valid_from=date(2025, 1, 1))
        uow.commit()
    with db.uow() as uow:
        beneficiary = uow.session.get(Beneficiary, world.beneficiary_id)
        assert beneficiary is not None
        with pytest.raises(IntegrityError):
            cash_method(uow, beneficiary, valid_from=date(2026, 1, 1))


def test_a_terminated_beneficiary_gets_no_new_method(db: Database, world: World) -> None:
    with db.uow() as uow:
        beneficiary = uow.session.get(Beneficiary, world.beneficiary_id)
        assert beneficiary is not None
        beneficiary.status = BeneficiaryStatus.TERMINATED.value
        uow.commit()
    assert _refused(db, world, IllegalTransition, kind="cash_point", provider_code="VNPOST") == "beneficiary_code"


# ----------------------------------------------------------------------------------------------------
# Payees


def _payee_person(db: Database, world: World, role: str, valid_from: date, valid_to: date | None = None) -> str:
    with db.uow() as uow:
        payee = make_person(uow, full_name="Phạm Văn Dũng", date_of_birth=date(1980, 5, 5))
        beneficiary = uow.session.get(Beneficiary, world.beneficiary_id)
        assert beneficiary is not None
        make_relation(uow, beneficiary, payee, role=role, valid_from=valid_from, valid_to=valid_to)
        uow.commit()
        return payee.national_id


def test_a_guardian_with_a_valid_relation_may_be_the_payee(db: Database, world: World) -> None:
    national_id = _payee_person(db, world, "guardian", date(2020, 1, 1))
    view = _set(
        db, world, kind="cash_point", provider_code="VNPOST", payee_role="guardian", payee_national_id=national_id
    )
    assert view.payee_role.value == "guardian"
    assert view.payee_full_name == "Phạm Văn Dũng"
    assert view.payee_national_id != national_id  # masked


def test_a_proxy_whose_authorisation_expired_is_refused(db: Database, world: World) -> None:
    national_id = _payee_person(db, world, "proxy", date(2025, 1, 1), date(2026, 6, 30))
    field = _refused(
        db, world, kind="cash_point", provider_code="VNPOST", payee_role="proxy", payee_national_id=national_id
    )
    assert field == "payee_role"
    view = _set(
        db,
        world,
        kind="cash_point",
        provider_code="VNPOST",
        payee_role="proxy",
        payee_national_id=national_id,
        valid_from=date(2026, 6, 1),
    )
    assert view.payee_role.value == "proxy"


def test_a_payee_who_is_not_a_guardian_or_is_unknown_is_refused(db: Database, world: World) -> None:
    national_id = _payee_person(db, world, "caregiver", date(2020, 1, 1))
    assert (
        _refused(
            db, world, kind="cash_point", provider_code="VNPOST", payee_role="guardian", payee_national_id=national_id
        )
        == "payee_role"
    )
    assert (
        _refused(
            db, world, kind="cash_point", provider_code="VNPOST", payee_role="proxy", payee_national_id="092080999999"
        )
        == "payee_national_id"
    )
    assert _refused(db, world, kind="cash_point", provider_code="VNPOST", payee_role="proxy") == "payee_national_id"
    assert (
        _refused(db, world, kind="cash_point", provider_code="VNPOST", payee_national_id=national_id)
        == "payee_national_id"
    )
    assert (
        _refused(
            db,
            world,
            kind="cash_point",
            provider_code="VNPOST",
            payee_role="guardian",
            payee_national_id=world.national_id,
        )
        == "payee_role"
    )


# ----------------------------------------------------------------------------------------------------
# VietQR


def test_a_bank_account_is_captured_from_a_real_vietqr_code(db: Database, world: World) -> None:
    code = vietqr(VCB_BIN, "0011001234567", "TRAN THI BINH")
    with db.uow("can-bo-xa") as uow:
        view = services.capture_from_vietqr(
            uow,
            area=NINH_KIEU_ONLY,
            beneficiary_code=world.code,
            qr_text=code + "\n",
            provider_code="VCB",
            valid_from=START,
        )
        uow.commit()
    assert (view.kind, view.bank_bin, view.account_name, view.source) == (
        PaymentMethod.BANK_ACCOUNT,
        VCB_BIN,
        "TRAN THI BINH",
        "vietqr",
    )
    (row,) = _rows(db, world.beneficiary_id)
    assert row.account_number == "0011001234567"


def test_a_vietqr_code_with_a_broken_checksum_is_refused_and_nothing_is_written(db: Database, world: World) -> None:
    code = vietqr(VCB_BIN, "0011001234567")
    broken = code[:-1] + ("0" if code[-1] != "0" else "1")
    with db.uow() as uow, pytest.raises(VietQRChecksumError) as error:
        services.capture_from_vietqr(
            uow, area=NINH_KIEU_ONLY, beneficiary_code=world.code, qr_text=broken, provider_code="VCB", valid_from=START
        )
    assert "kiểm tra" in error.value.message_vi
    assert "checksum" in error.value.message_en
    assert _rows(db, world.beneficiary_id) == []


def test_a_vietqr_code_of_a_bank_not_in_the_list_is_refused(db: Database, world: World) -> None:
    with db.uow() as uow, pytest.raises(ValidationFailed) as error:
        services.capture_from_vietqr(
            uow,
            area=NINH_KIEU_ONLY,
            beneficiary_code=world.code,
            qr_text=vietqr("123456", "0011001234567"),
            provider_code="VCB",
            valid_from=START,
        )
    assert error.value.field == "vietqr"
    assert "123456" in error.value.message_vi


# ----------------------------------------------------------------------------------------------------
# Areas and revealing


def test_a_beneficiary_outside_the_area_is_not_found(db: Database, world: World) -> None:
    with db.uow() as uow:
        with pytest.raises(NotFound):
            services.set_payment_method(
                uow,
                area=NINH_KIEU_ONLY,
                beneficiary_code=world.other_code,
                kind="cash_point",
                provider_code="VNPOST",
                valid_from=START,
            )
        with pytest.raises(NotFound):
            services.payment_method_history(uow, area=NINH_KIEU_ONLY, beneficiary_code=world.other_code)
        with pytest.raises(NotFound):
            services.payment_method_history(uow, area=Area(province_code="04"), beneficiary_code=world.code)
        assert services.payment_method_history(uow, area=PROVINCE, beneficiary_code=world.other_code) == []


def test_revealing_the_history_shows_full_numbers_and_is_audited(db: Database, world: World) -> None:
    _set(db, world, kind="bank_account", provider_code="VCB", bank_bin=VCB_BIN, account_number="0011001234567")
    audits = _audit_count(db)
    with db.uow("can-bo-xa") as uow:
        masked = services.payment_method_history(uow, area=NINH_KIEU_ONLY, beneficiary_code=world.code)
        revealed = services.payment_method_history(uow, area=NINH_KIEU_ONLY, beneficiary_code=world.code, reveal=True)
        uow.commit()
    assert masked[0].account_number == "001********67"
    assert revealed[0].account_number == "0011001234567"
    assert revealed[0].payee_national_id == world.national_id
    assert _audit_count(db) == audits + 1
    assert _last_audit(db)[:3] == ("enrolment.payment_method.reveal", "can-bo-xa", world.code)


def test_every_change_writes_one_audit_record_with_the_account_masked(db: Database, world: World) -> None:
    audits = _audit_count(db)
    _set(db, world, kind="bank_account", provider_code="VCB", bank_bin=VCB_BIN, account_number="0011001234567")
    assert _audit_count(db) == audits + 1
    action, _actor, _entity, detail = _last_audit(db)
    assert action == "enrolment.payment_method.set"
    assert "0011001234567" not in detail


# ----------------------------------------------------------------------------------------------------
# HTTP


@pytest.fixture
def client(db: Database, world: World) -> Iterator[TestClient]:
    with db.uow() as uow:
        for role in (Role.COMMUNE_OFFICER, Role.ADMIN, Role.FINANCE_OFFICER):
            make_user(uow, role)
        uow.commit()
    with TestClient(make_app(db)) as test_client:
        yield test_client


def _auth(client: TestClient, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token(client, username)}"}


def test_the_api_sets_a_method_lists_history_and_reveals_only_for_pii_roles(client: TestClient, world: World) -> None:
    officer = _auth(client, "commune-officer")
    url = f"/api/v1/registry/beneficiaries/{world.code}/payment-method"
    body = {"kind": "bank_account", "provider_code": "VCB", "bank_bin": VCB_BIN, "account_number": "0011001234567"}
    created = client.put(url, json=body, headers=officer)
    assert created.status_code == 200, created.text
    assert created.json()["valid_from"] == "2026-11-23"  # today by default
    assert created.json()["unchanged"] is False
    again = client.put(url, json=body, headers=officer)
    assert again.json()["unchanged"] is True
    history = client.get(f"{url}s", headers=officer)
    assert [h["account_number"] for h in history.json()] == ["001********67"]
    revealed = client.get(f"{url}s?reveal=true", headers=officer)
    assert revealed.json()[0]["account_number"] == "0011001234567"
    finance = _auth(client, "finance-officer")
    assert client.get(f"{url}s", headers=finance).status_code == 200
    assert client.get(f"{url}s?reveal=true", headers=finance).status_code == 403
    assert client.put(url, json=body, headers=finance).status_code == 403
    outside = client.get(f"/api/v1/registry/beneficiaries/{world.other_code}/payment-methods", headers=officer)
    assert outside.status_code == 404


def test_the_api_answers_a_refused_method_in_both_languages_naming_the_field(client: TestClient, world: World) -> None:
    response = client.put(
        f"/api/v1/registry/beneficiaries/{world.code}/payment-method",
        json={"kind": "cash_point", "provider_code": "VNPOST", "account_number": "0011001234567"},
        headers=_auth(client, "commune-officer"),
    )
    assert response.status_code == 422
    body = response.json()
    assert body["field"] == "account_number"
    assert body["message"]
    assert body["message_en"]


def test_the_api_captures_a_vietqr_code_and_refuses_a_damaged_one(client: TestClient, world: World) -> None:
    officer = _auth(client, "commune-officer")
    url = f"/api/v1/registry/beneficiaries/{world.code}/payment-method/vietqr"
    code = vietqr(VCB_BIN, "0011001234567", "TRAN THI BINH")
    broken = client.post(url, json={"qr_text": code[:-1] + "X", "provider_code": "VCB"}, headers=officer)
    assert broken.status_code == 422
    assert broken.json()["error"] == "vietqr_checksum_mismatch"
    captured = client.post(url, json={"qr_text": code, "provider_code": "VCB"}, headers=officer)
    assert captured.status_code == 200, captured.text
    assert captured.json()["account_name"] == "TRAN THI BINH"
    assert captured.json()["source"] == "vietqr"


def test_only_an_administrator_adds_banks_and_providers_and_registry_staff_read_them(
    client: TestClient, world: World
) -> None:
    admin = _auth(client, "admin")
    officer = _auth(client, "commune-officer")
    bank = {"bin": "999003", "short_name": "QTDND", "name": "Quỹ tín dụng nhân dân"}
    assert client.post("/api/v1/enrolment/banks", json=bank, headers=officer).status_code == 403
    created = client.post("/api/v1/enrolment/banks", json=bank, headers=admin)
    assert created.status_code == 201, created.text
    assert client.post("/api/v1/enrolment/banks", json=bank, headers=admin).status_code == 409
    provider = {"code": "vnpt_money", "name": "VNPT Money", "kind": "mobile_money"}
    assert client.post("/api/v1/providers", json=provider, headers=officer).status_code == 403
    made = client.post("/api/v1/providers", json=provider, headers=admin)
    assert made.status_code == 201, made.text
    assert made.json()["code"] == "VNPT_MONEY"
    banks = client.get("/api/v1/enrolment/banks", headers=officer).json()
    assert "999003" in {b["bin"] for b in banks}
    wallets = client.get("/api/v1/providers?kind=mobile_money", headers=officer).json()
    assert {p["code"] for p in wallets} == {"VIETTEL_MONEY", "VNPT_MONEY"}
