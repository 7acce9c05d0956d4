"""`ansinh payroll …` as officials run it: the installed script, a SQLite file, a named acting user."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import pytest
from sqlalchemy import update
from tests.e2e.conftest import run_cli
from tests.factories_payroll import make_payroll
from typer.testing import CliRunner

from ansinh.cli import payroll_cli
from ansinh.core.clock import FixedDayClock
from ansinh.core.db import make_engine, session_factory
from ansinh.core.period import Period
from ansinh.core.uow import UnitOfWork
from ansinh.payroll.tables import PayrollRun

DECEMBER = Period(2026, 12)  # the month after the test clock's day: on time
USERS = (("can-bo", "program_officer"), ("duyet", "approver"), ("tai-chinh", "finance_officer"))


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("payroll")
    env = {
        "DATABASE_URL": f"sqlite:///{home / 'ansinh.db'}",
        "ANSINH_ENV": "test",
        "ANSINH_VAR_DIR": str(home),
        "ANSINH_TODAY": "2026-11-23",
    }
    assert run_cli("init", env=env).returncode == 0
    for name, role in USERS:
        created = run_cli("user", "create", name, "--role", role, "--full-name", "N", "--province", "92", env=env)
        assert created.returncode == 0, created.stderr
    return env


@contextmanager
def _uow(env: dict[str, str]) -> Iterator[UnitOfWork]:
    engine = make_engine(env["DATABASE_URL"])
    try:
        with UnitOfWork(session_factory(engine), FixedDayClock(date(2026, 11, 23)), actor="test") as uow:
            yield uow
    finally:
        engine.dispose()


def _draft(env: dict[str, str], *, maker: str = "can-bo", period: Period = DECEMBER) -> str:
    """A computed draft, as the engine leaves it (the engine's own command is tested with the engine)."""
    with _uow(env) as uow:
        made = make_payroll(uow, computed_by=maker, period=period)
        uow.commit()
        return str(made.id)


def _json(*args: str, env: dict[str, str]) -> Any:
    result = run_cli(*args, "--json", env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_review_approve_fund_show_and_ledger_from_the_command_line(env: dict[str, str]) -> None:
    payroll = _draft(env)
    reviewed = _json("payroll", "review", payroll, "--user", "can-bo", env=env)
    assert (reviewed["status"], reviewed["reviewed_by"]) == ("reviewed", "can-bo")
    approved = _json("payroll", "approve", payroll, "--user", "duyet", env=env)
    assert (approved["status"], approved["approved_by"]) == ("approved", "duyet")

    shown = _json("payroll", "show", payroll, "--lines", "--limit", "2", "--user", "tai-chinh", env=env)
    assert len(shown["lines"]) == 2
    assert all(line["idempotency_key"].startswith("AS") for line in shown["lines"])
    assert sum(b["total"] for b in shown["batches"]) == shown["payroll"]["total"] == 4_100_000
    human = run_cli("payroll", "show", payroll, "--lines", "--user", "tai-chinh", env=env)
    assert human.returncode == 0, human.stderr
    assert "Đã phê duyệt / approved" in human.stdout
    assert "4.100.000 ₫" in human.stdout
    assert "123********23" in human.stdout
    assert "1234567890123" not in human.stdout

    funded = run_cli("payroll", "fund", payroll, "--reference", "KB-001", "--user", "tai-chinh", env=env)
    assert funded.returncode == 0, funded.stderr
    assert funded.stdout.count("Đã xác nhận lệnh") == 3
    assert _json("payroll", "show", payroll, "--user", "duyet", env=env)["payroll"]["status"] == "funded"
    nothing_left = run_cli("payroll", "fund", payroll, "--user", "tai-chinh", env=env)
    assert nothing_left.returncode == 1
    assert "không còn lệnh cấp kinh phí" in nothing_left.stderr

    book = _json("payroll", "ledger", "--province", "92", "--user", "tai-chinh", env=env)
    assert book["unbalanced_entries"] == []
    assert book["balances"]["budget"] == -4_100_000
    assert all(p["deposit"] == p["funded"] for p in book["providers"])
    shown_book = run_cli("payroll", "ledger", "--province", "92", "--user", "tai-chinh", env=env)
    assert "provider_deposit:VNPOST" in shown_book.stdout
    assert "2.250.000 ₫" in shown_book.stdout


def test_the_maker_cannot_approve_their_own_payroll_from_the_command_line(env: dict[str, str]) -> None:
    payroll = _draft(env, maker="duyet")  # computed by this user, who also holds the checker's role
    with _uow(env) as uow:
        uow.session.execute(update(PayrollRun).where(PayrollRun.id == int(payroll)).values(status="reviewed"))
        uow.commit()
    refused = run_cli("payroll", "approve", payroll, "--user", "duyet", env=env)
    assert refused.returncode == 1
    assert "không được tự phê duyệt" in refused.stderr
    assert "Traceback" not in refused.stderr
    maker_role = run_cli("payroll", "approve", payroll, "--user", "can-bo", env=env)
    assert maker_role.returncode == 1
    assert "payroll.approve" in maker_role.stderr


def test_one_order_is_funded_by_its_id_and_an_approved_payroll_is_cancelled_with_a_reason(env: dict[str, str]) -> None:
    payroll = _draft(env, period=Period(2026, 11))
    _json("payroll", "review", payroll, "--user", "can-bo", env=env)
    listed = _json("payroll", "list", "--late", "--user", "duyet", env=env)
    assert payroll in {str(p["id"]) for p in listed}  # November's payroll was due on 25/10
    _json("payroll", "approve", payroll, "--user", "duyet", env=env)
    orders = _json("payroll", "show", payroll, "--user", "duyet", env=env)["funding_orders"]
    without_reference = run_cli("payroll", "fund", "--order", str(orders[0]["id"]), "--user", "tai-chinh", env=env)
    assert without_reference.returncode == 1
    assert "--reference" in without_reference.stderr

    no_reason = run_cli("payroll", "cancel", payroll, "--user", "duyet", env=env)
    assert no_reason.returncode == 1
    assert "phải nêu lý do" in no_reason.stderr
    cancelled = _json("payroll", "cancel", payroll, "--reason", "Sai mức chuẩn", "--user", "duyet", env=env)
    assert (cancelled["status"], cancelled["cancel_reason"]) == ("cancelled", "Sai mức chuẩn")
    late_order = run_cli(
        "payroll", "fund", "--order", str(orders[0]["id"]), "--reference", "KB-9", "--user", "tai-chinh", env=env
    )
    assert late_order.returncode == 1
    assert "đang ở trạng thái «cancelled»" in late_order.stderr


def test_every_payroll_command_has_help_and_takes_the_acting_user() -> None:
    runner = CliRunner()  # in-process: the help text needs no database, and a subprocess each would be slow
    for command in ("run", "list", "show", "review", "approve", "cancel", "fund", "ledger"):
        result = runner.invoke(payroll_cli.app, [command, "--help"], env={"COLUMNS": "200"})
        assert result.exit_code == 0, result.output
        assert "--user" in result.output
        assert "--json" in result.output
