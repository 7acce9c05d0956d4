"""The demo registry loader on both databases: a small run with its payees and files; a second run adds nothing."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select
from tests.conftest import Database

from ansinh.core.audit import AuditHead
from ansinh.core.errors import ValidationFailed
from ansinh.core.settings import Environment
from ansinh.demo import generate
from ansinh.demo.loader import DEMO_PROVIDERS, DEMO_SEED, load_demo, load_reference_data, load_registry
from ansinh.enrolment.tables import Bank
from ansinh.providers.services import ProviderKind, add_provider
from ansinh.providers.tables import Provider
from ansinh.registry.population_sim import read_population
from ansinh.registry.tables import Beneficiary, Person

SIZE = 150
MAX_BYTES = 10_000_000


def _counts(db: Database) -> tuple[int, int, int]:
    with db.uow() as uow:
        session = uow.session
        return (
            session.scalar(select(func.count()).select_from(Person)) or 0,
            session.scalar(select(func.count()).select_from(Beneficiary)) or 0,
            session.scalar(select(AuditHead.last_seq)) or 0,
        )


def test_a_small_demo_registry_is_imported_with_its_payees_and_files(db: Database, tmp_path: Path) -> None:
    with db.uow(actor="demo") as uow:
        report = load_registry(uow, var_dir=tmp_path, max_bytes=MAX_BYTES, size=SIZE)
        uow.commit()
    payees = list(generate.generate_payees(rows=SIZE, seed=DEMO_SEED, today=db.clock.today()))
    assert report.loaded
    assert report.beneficiaries == SIZE
    assert set(report.by_province) == {"92", "04"}
    assert sum(report.by_payment_method.values()) == SIZE
    assert report.payees_registered == len(payees) > 0
    assert report.providers_created == [code for code, *_ in DEMO_PROVIDERS]
    assert sum(report.population.values()) == SIZE + len(payees)
    persons, beneficiaries, _ = _counts(db)
    assert (persons, beneficiaries) == (SIZE + len(payees), SIZE)
    assert report.population_file is not None
    assert len(read_population(Path(report.population_file))) == SIZE + len(payees) - report.population["not_found"]
    with db.uow() as uow:
        assert uow.session.get(Bank, generate.VBSP_BIN) is not None


def test_a_second_run_on_a_filled_registry_changes_nothing(db: Database, tmp_path: Path) -> None:
    with db.uow(actor="demo") as uow:
        load_registry(uow, var_dir=tmp_path, max_bytes=MAX_BYTES, size=SIZE)
        uow.commit()
    before = _counts(db)
    files = {path.name: path.read_bytes() for path in tmp_path.iterdir()}
    with db.uow(actor="demo") as uow:
        again = load_registry(uow, var_dir=tmp_path, max_bytes=MAX_BYTES, size=SIZE * 2)
        uow.commit()
    assert not again.loaded
    assert again.beneficiaries == SIZE
    assert _counts(db) == before
    assert {path.name: path.read_bytes() for path in tmp_path.iterdir()} == files


def test_reference_data_adds_only_the_missing_providers(db: Database) -> None:
    with db.uow(actor="admin") as uow:
        add_provider(uow, code="VNPOST", name="Bưu điện", kind=ProviderKind.CASH_PAYER)
        uow.commit()
    with db.uow(actor="demo") as uow:
        created = load_reference_data(uow)
        assert load_reference_data(uow) == []
        uow.commit()
    assert created == [code for code, *_ in DEMO_PROVIDERS if code != "VNPOST"]
    with db.uow() as uow:
        assert uow.session.get(Provider, "VNPOST").name == "Bưu điện"  # type: ignore[union-attr]


@pytest.mark.parametrize("size", [0, generate.MAX_ROWS + 1])
def test_a_demo_size_out_of_range_is_refused_naming_the_option(size: int) -> None:
    context = SimpleNamespace(settings=SimpleNamespace(env=Environment.DEMO))
    with pytest.raises(ValidationFailed) as refused:
        load_demo(context, size=size)  # type: ignore[arg-type]  # only the settings are read before the check
    assert refused.value.field == "beneficiaries"
    assert "1" in refused.value.message_vi
