"""`ansinh decision …` as an official runs it: the installed script, a SQLite file, a named acting user."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import select
from tests.e2e.conftest import run_cli
from tests.factories_registry import make_person
from typer.testing import CliRunner

from ansinh.access.domain import Area
from ansinh.cli import decisions_cli
from ansinh.cli.decisions_cli import parse_category
from ansinh.core.clock import FixedDayClock
from ansinh.core.db import make_engine, session_factory
from ansinh.core.errors import ValidationFailed
from ansinh.core.period import Period
from ansinh.core.uow import UnitOfWork
from ansinh.decisions import services
from ansinh.registry.importing import Program
from ansinh.registry.tables import Beneficiary

ACT = ["--number", "45/QĐ-UBND", "--signed-on", "2026-08-10", "--signer", "Chủ tịch UBND phường",
       "--legal-basis", "Nghị định 20/2021/NĐ-CP"]  # fmt: skip


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("decisions")
    env = {
        "DATABASE_URL": f"sqlite:///{home / 'ansinh.db'}",
        "ANSINH_ENV": "test",
        "ANSINH_VAR_DIR": str(home),
        "ANSINH_TODAY": "2026-11-23",
    }
    assert run_cli("init", env=env).returncode == 0
    for name, role in (("can-bo", "program_officer"), ("duyet", "approver")):
        created = run_cli("user", "create", name, "--role", role, "--full-name", "N", "--province", "92", env=env)
        assert created.returncode == 0, created.stderr
    return env


@contextmanager
def _uow(env: dict[str, str], actor: str) -> Iterator[UnitOfWork]:
    """Set up what other contexts' commands would (a person), or what only another service does (a proposal)."""
    engine = make_engine(env["DATABASE_URL"])
    try:
        with UnitOfWork(session_factory(engine), FixedDayClock(date(2026, 11, 23)), actor=actor) as uow:
            yield uow
    finally:
        engine.dispose()


def _person(env: dict[str, str], name: str) -> int:
    with _uow(env, "test") as uow:
        person = make_person(uow, full_name=name, date_of_birth=date(1944, 2, 3))
        uow.commit()
        return person.id


def _json(*args: str, env: dict[str, str]) -> dict[str, object]:
    result = run_cli(*args, "--json", env=env)
    assert result.returncode == 0, result.stderr
    body: dict[str, object] = json.loads(result.stdout)
    return body


def test_enrol_approve_and_read_the_timeline(env: dict[str, str]) -> None:
    person = _person(env, "Đỗ Văn Năm")
    enrolled = _json(
        "decision", "enrol", str(person), "--program", "social_assistance", *ACT,
        "--category", "sa_elderly_poor_no_supporter", "--effective-from", "2024-08", "--user", "can-bo", env=env,
    )  # fmt: skip
    assert (enrolled["status"], enrolled["submitted_by"]) == ("submitted", "can-bo")
    decision_id = str(enrolled["id"])
    queue = json.loads(
        run_cli("decision", "list", "--status", "submitted", "--json", env={**env, "ANSINH_USER": "duyet"}).stdout
    )
    assert decision_id in {str(d["id"]) for d in queue}
    approved = _json("decision", "approve", decision_id, "--user", "duyet", env=env)
    assert (approved["status"], approved["reviewed_by"]) == ("approved", "duyet")

    code = str(enrolled["beneficiary_code"])
    death = '{"reason": "death", "date_of_death": "2026-07-31"}'
    terminate = _json(
        "decision", "propose", code, "--kind", "terminate", *ACT, "--details", death, "--user", "can-bo", env=env
    )
    assert terminate["effective_from"] == "2026-08"  # the month after the death, computed
    shown = run_cli("decision", "show", str(terminate["id"]), "--user", "duyet", env=env)
    assert "Thôi hưởng từ 08/2026: đã mất ngày 31/07/2026" in shown.stdout
    timeline = run_cli("decision", "timeline", code, "--user", "can-bo", env=env)
    assert timeline.returncode == 0, timeline.stderr
    lines = timeline.stdout.splitlines()
    assert "Hưởng trợ cấp từ 08/2024: Người cao tuổi nghèo" in lines[0]
    assert "Thôi hưởng từ 08/2026" in lines[1]


def test_the_maker_cannot_approve_their_own_decision_from_the_command_line(env: dict[str, str]) -> None:
    person = _person(env, "Hồ Thị Sáu")
    with _uow(env, "duyet") as uow:  # entered by this user while they were a maker
        view = services.enrol(
            uow,
            area=Area("92"),
            person_id=person,
            program=Program.SOCIAL_ASSISTANCE,
            number="9/QĐ",
            signed_on=date(2026, 9, 1),
            signer="Chủ tịch",
            effective_from=Period(2026, 9),
            legal_basis="Nghị định 20/2021/NĐ-CP",
            categories=[{"code": "sa_hiv_poor"}],
        )
        uow.commit()
    refused = run_cli("decision", "approve", str(view.id), "--user", "duyet", env=env)
    assert refused.returncode == 1
    assert "Người lập quyết định không được tự phê duyệt" in refused.stderr
    assert "Traceback" not in refused.stderr
    no_reason = run_cli("decision", "reject", str(view.id), "--reason", " ", "--user", "duyet", env=env)
    assert no_reason.returncode == 1
    maker_role = run_cli("decision", "approve", str(view.id), "--user", "can-bo", env=env)
    assert maker_role.returncode == 1
    assert "decision.approve" in maker_role.stderr  # the maker's role lacks the approval permission


def test_an_unknown_category_names_the_field_and_nothing_is_written(env: dict[str, str]) -> None:
    person = _person(env, "Lý Văn Bảy")
    result = run_cli(
        "decision", "enrol", str(person), "--program", "social_assistance", *ACT, "--category", "khong_co",
        "--user", "can-bo", env=env,
    )  # fmt: skip
    assert result.returncode == 1
    assert "categories[0].code" in result.stderr
    listed = json.loads(run_cli("decision", "list", "--json", "--user", "duyet", env=env).stdout)
    assert all(not d["beneficiary_code"].endswith(f"{person:08d}") for d in listed)


def test_a_command_without_an_acting_user_is_refused(env: dict[str, str]) -> None:
    result = run_cli("decision", "list", env={**env, "ANSINH_USER": ""})
    assert result.returncode == 1
    assert "--user" in result.stderr


def test_every_decision_command_has_help_and_takes_the_acting_user() -> None:
    runner = CliRunner()  # in-process: the help text needs no database, and a subprocess each would be slow
    for command in ("enrol", "propose", "submit", "approve", "reject", "list", "show", "timeline"):
        result = runner.invoke(decisions_cli.app, [command, "--help"], env={"COLUMNS": "200"})
        assert result.exit_code == 0, result.output
        assert "--user" in result.output


def test_a_category_option_carries_units_and_injury_rate() -> None:
    assert parse_category("sa_single_parent_poor:units=2") == {"code": "sa_single_parent_poor", "units": 2}
    assert parse_category("mer_war_invalid:rate=61") == {"code": "mer_war_invalid", "injury_rate": 61}
    with pytest.raises(ValidationFailed):
        parse_category("mer_war_invalid:level=3")


def test_submit_a_system_proposal_from_the_command_line(env: dict[str, str]) -> None:
    person = _person(env, "Vương Văn Tám")
    enrolled = _json(
        "decision", "enrol", str(person), "--program", "social_assistance", *ACT,
        "--category", "sa_elderly_poor_no_supporter", "--user", "can-bo", env=env,
    )  # fmt: skip
    _json("decision", "approve", str(enrolled["id"]), "--user", "duyet", env=env)
    with _uow(env, "verification") as uow:
        beneficiary_id = uow.session.scalars(
            select(Beneficiary.id).where(Beneficiary.code == enrolled["beneficiary_code"])
        ).one()
        draft = services.propose_draft(
            uow,
            beneficiary_id=beneficiary_id,
            kind="funeral",
            effective_from=None,
            details={"date_of_death": "2026-10-05", "cause": "ordinary", "organiser_person_id": None},
            source="verification",
        )
        uow.commit()
    submitted = _json(
        "decision", "submit", str(draft), *ACT, "--cause", "accident_or_disaster", "--user", "can-bo", env=env
    )
    assert (submitted["status"], submitted["submitted_by"], submitted["created_by"]) == (
        "submitted",
        "can-bo",
        "verification",
    )
    assert submitted["details"]["cause"] == "accident_or_disaster"  # type: ignore[index]
