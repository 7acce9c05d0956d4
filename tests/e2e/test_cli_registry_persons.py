"""`ansinh registry person|beneficiary|relation|duplicates`, run as a user runs them (the installed script)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select
from tests.e2e.conftest import run_cli
from tests.factories import make_user
from tests.factories_registry import CAN_THO, make_beneficiary, make_person, national_id_for

from ansinh.access.domain import Role
from ansinh.core.audit import AuditRecord
from ansinh.core.clock import FixedDayClock
from ansinh.core.db import make_engine, session_factory
from ansinh.core.uow import UnitOfWork

CAI_KHE = "31120"


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], dict[str, object]]:
    """An initialised database with a commune officer of Ninh Kiều, a beneficiary there, a person elsewhere.

    Shared by the module's tests (one `ansinh init` instead of one per test): they touch different records.
    """
    tmp_path = tmp_path_factory.mktemp("registry")
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'ansinh.db'}",
        "ANSINH_ENV": "test",
        "ANSINH_VAR_DIR": str(tmp_path),
        "ANSINH_TODAY": "2026-11-23",
    }
    init = run_cli("init", env=env)
    assert init.returncode == 0, init.stderr
    engine = make_engine(env["DATABASE_URL"])
    with UnitOfWork(session_factory(engine), FixedDayClock(date(2026, 11, 23))) as uow:
        make_user(uow, Role.COMMUNE_OFFICER, "xa.ninhkieu")
        elder = make_person(uow, full_name="Nguyễn Văn An", date_of_birth=date(1950, 3, 14))
        beneficiary = make_beneficiary(uow, elder)
        son = make_person(uow, full_name="Nguyễn Văn Bảo", date_of_birth=date(1975, 5, 5), commune_code=CAI_KHE)
        elsewhere = make_person(uow, full_name="Trần Thị Xa", date_of_birth=date(1960, 1, 1), commune_code=CAI_KHE)
        uow.commit()
        facts: dict[str, object] = {
            "code": beneficiary.code,
            "son": son.id,
            "elsewhere": elsewhere.id,
            "elder": elder.id,
        }
    engine.dispose()
    return {**env, "ANSINH_USER": "xa.ninhkieu"}, facts


def _json(result: object) -> dict[str, object]:
    assert getattr(result, "returncode", None) == 0, getattr(result, "stderr", "")
    value = json.loads(result.stdout)  # type: ignore[attr-defined]
    assert isinstance(value, dict)
    return value


def test_an_officer_registers_finds_reveals_and_reviews_a_likely_duplicate(
    registry: tuple[dict[str, str], dict[str, object]],
) -> None:
    env, facts = registry
    national_id = national_id_for(date(1950, 3, 14))
    added = _json(
        run_cli(
            *("registry", "person", "add", "--national-id", national_id, "--full-name", "NGUYEN VAN AN"),
            *("--date-of-birth", "1950-03-14", "--sex", "male", "--commune", "31135", "--phone", "+84912345678"),
            "--json",
            env=env,
        )
    )
    assert added["national_id"] == national_id[:3] + "*******" + national_id[-2:]
    assert added["phone"] == "091*****78"

    again = run_cli(
        *("registry", "person", "add", "--national-id", national_id, "--full-name", "Lê Văn Khác"),
        *("--date-of-birth", "1950-03-14", "--sex", "male", "--commune", "31135"),
        env=env,
    )
    assert again.returncode == 1
    assert "Traceback" not in again.stderr
    assert again.stderr.startswith("Lỗi: ")
    assert "already registered" in again.stderr

    found = _json(run_cli("registry", "person", "search", "nguyen van an", "--json", env=env))
    assert sorted(p["id"] for p in found["items"]) == sorted([facts["elder"], added["id"]])  # type: ignore[index]

    revealed = _json(run_cli("registry", "person", "show", str(added["id"]), "--reveal", "--json", env=env))
    assert (revealed["national_id"], revealed["phone"]) == (national_id, "0912345678")
    engine = make_engine(env["DATABASE_URL"])
    with UnitOfWork(session_factory(engine), FixedDayClock(date(2026, 11, 23))) as uow:
        looks = list(
            uow.session.scalars(select(AuditRecord.actor).where(AuditRecord.action == "registry.person.view_pii"))
        )
    engine.dispose()
    assert looks == ["xa.ninhkieu"]

    flags = _json(run_cli("registry", "duplicates", "list", "--json", env=env))
    (flag,) = flags["items"]  # type: ignore[misc]
    assert (flag["reason"], flag["person"]["id"], flag["other_person"]["id"]) == (
        "name_dob",
        facts["elder"],
        added["id"],
    )
    reviewed = run_cli(
        "registry", "duplicates", "review", str(flag["id"]), "--verdict", "same_person", "--note", "Nhập trùng", env=env
    )
    assert reviewed.returncode == 0, reviewed.stderr
    assert "same_person" in reviewed.stdout

    hidden = run_cli("registry", "person", "show", str(facts["elsewhere"]), env=env)
    assert hidden.returncode == 1
    assert "Không tìm thấy" in hidden.stderr


def test_an_officer_adds_a_proxy_and_reads_the_beneficiary(registry: tuple[dict[str, str], dict[str, object]]) -> None:
    env, facts = registry
    code = str(facts["code"])
    added = _json(
        run_cli(
            *("registry", "relation", "add", code, "--person-id", str(facts["son"]), "--role", "proxy"),
            *("--from", "2026-01-01", "--to", "2026-12-31", "--document", "12/2026/UQ", "--json"),
            env=env,
        )
    )
    assert (added["role"], added["current"]) == ("proxy", True)

    shown = run_cli("registry", "beneficiary", "show", code, env=env)
    assert shown.returncode == 0, shown.stderr
    assert code in shown.stdout
    assert "Người cao tuổi nghèo" in shown.stdout  # the category's Vietnamese title
    assert "proxy: Nguyễn Văn Bảo" in shown.stdout

    listed = _json(run_cli("registry", "beneficiary", "list", "--program", "social_assistance", "--json", env=env))
    (item,) = listed["items"]  # type: ignore[misc]
    assert item["code"] == code
    assert "*" in item["national_id"]
    assert item["national_id"].startswith("092")
    assert item["code"][:2] == CAN_THO
