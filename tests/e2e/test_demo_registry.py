"""`ansinh demo` fills the registry: ~20,000 beneficiaries in Cần Thơ and Cao Bằng, once (the session's demo run)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, MetaData, create_engine, func, select
from tests.e2e.conftest import DemoServer, run_cli

from ansinh.decisions.tables import Decision
from ansinh.enrolment.tables import PaymentMethod
from ansinh.registry.population_sim import compare, read_population
from ansinh.registry.tables import Beneficiary, Person, Relation

DEMO_SIZE = 20_000


@pytest.fixture(scope="module")
def engine(demo_server: DemoServer) -> Iterator[Engine]:
    engine = create_engine(demo_server.env["DATABASE_URL"])
    yield engine
    engine.dispose()


def _snapshot(engine: Engine) -> dict[str, int]:
    """Rows per table, and the audit chain's head: any change the demo could make moves one of them."""
    with engine.connect() as connection:
        tables = MetaData()
        tables.reflect(connection)
        counts = {
            name: connection.scalar(select(func.count()).select_from(table)) or 0
            for name, table in tables.tables.items()
        }
        counts["audit_head.last_seq"] = connection.scalar(select(tables.tables["audit_head"].c.last_seq)) or 0
    return counts


def test_the_demo_registry_holds_about_20000_beneficiaries_in_can_tho_and_cao_bang(engine: Engine) -> None:
    with engine.connect() as connection:
        by_province = Counter(
            dict(connection.execute(select(Beneficiary.province_code, func.count()).group_by("province_code")).all())
        )
        by_program = Counter(
            dict(connection.execute(select(Beneficiary.program, func.count()).group_by("program")).all())
        )
        statuses = set(connection.scalars(select(Beneficiary.status).distinct()))
        imported = connection.scalar(
            select(func.count()).where(Decision.source == "import", Decision.status == "approved")
        )
    total = sum(by_province.values())
    # Other end-to-end tests may enrol a few more people; the demo itself brings exactly DEMO_SIZE.
    assert DEMO_SIZE <= total <= DEMO_SIZE + 100
    assert set(by_province) == {"92", "04"}
    assert by_province["92"] / total == pytest.approx(0.7, abs=0.03)
    assert by_program["social_assistance"] / total == pytest.approx(0.75, abs=0.02)
    assert by_program["meritorious"] / total == pytest.approx(0.20, abs=0.02)
    assert by_program["caregiver"] / total == pytest.approx(0.05, abs=0.01)
    assert "active" in statuses
    assert imported is not None
    assert imported >= DEMO_SIZE  # every beneficiary came with its signed grant decision


def test_payment_methods_follow_the_2024_cashless_share_and_payees_are_registered(engine: Engine) -> None:
    with engine.connect() as connection:
        rows = connection.execute(
            select(Beneficiary.program, PaymentMethod.kind, PaymentMethod.payee_role)
            .join(PaymentMethod, PaymentMethod.beneficiary_id == Beneficiary.id)
            .where(PaymentMethod.valid_to.is_(None))
        ).all()
        relations = Counter(dict(connection.execute(select(Relation.role, func.count()).group_by("role")).all()))
        persons = connection.scalar(select(func.count()).select_from(Person)) or 0
    assert len(rows) >= DEMO_SIZE  # one method in use per beneficiary
    for program, target in (("social_assistance", 0.58), ("meritorious", 0.625)):
        kinds = [kind for prog, kind, _ in rows if prog == program]
        cashless = sum(kind in ("bank_account", "ewallet") for kind in kinds)
        assert cashless / len(kinds) == pytest.approx(target, abs=0.03)
    kinds = Counter(kind for _, kind, _ in rows)
    assert kinds["cash_home"] / len(rows) == pytest.approx(0.03, abs=0.01)
    through_payee = sum(role != "beneficiary" for _, _, role in rows)
    assert through_payee / len(rows) == pytest.approx(0.08, abs=0.02)
    assert relations["guardian"] > 0
    assert relations["proxy"] > 0
    assert persons >= DEMO_SIZE + through_payee  # the guardians and proxies are persons of their own


def test_the_population_file_agrees_with_most_of_the_registry(demo_server: DemoServer, engine: Engine) -> None:
    citizens = read_population(Path(demo_server.env["ANSINH_VAR_DIR"]) / "population.csv")
    with engine.connect() as connection:
        persons = connection.execute(select(Person.national_id, Person.full_name, Person.date_of_birth)).all()
    outcomes = Counter(compare(citizens.get(nid), full_name=name, date_of_birth=born) for nid, name, born in persons)
    assert outcomes["match"] / len(persons) >= 0.94
    for outcome in ("name_mismatch", "dob_mismatch", "deceased", "not_found"):
        assert 0 < outcomes[outcome] / len(persons) <= 0.03, outcome


def test_a_commune_officer_sees_the_demo_beneficiaries_of_their_commune_only(demo_server: DemoServer) -> None:
    with httpx.Client(base_url=demo_server.base_url) as client:
        login = client.post(
            "/api/v1/auth/token", json={"username": "xa.ninhkieu", "password": demo_server.passwords["xa.ninhkieu"]}
        )
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        page = client.get("/api/v1/registry/beneficiaries", params={"limit": 100}, headers=headers)
    assert page.status_code == 200
    items = page.json()["items"]
    assert items
    assert {item["commune_code"] for item in items} == {"31135"}
    assert all("*" in item["national_id"] for item in items)  # masked in lists


def test_running_the_demo_again_changes_nothing(demo_server: DemoServer, engine: Engine) -> None:
    var_dir = Path(demo_server.env["ANSINH_VAR_DIR"])
    files = {path.name: path.read_bytes() for path in var_dir.iterdir() if path.is_file()}
    before = _snapshot(engine)
    again = run_cli("demo", "--json", env=demo_server.env)
    assert again.returncode == 0, again.stderr
    report = json.loads(again.stdout)
    assert report["created_users"] == []
    assert report["registry"]["loaded"] is False
    assert report["registry"]["beneficiaries"] == before["registry_beneficiaries"]
    assert _snapshot(engine) == before
    assert {path.name: path.read_bytes() for path in var_dir.iterdir() if path.is_file()} == files
