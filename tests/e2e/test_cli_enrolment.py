"""`ansinh reference …` and `ansinh enrolment …` as a user runs them: banks, providers, methods, account opening."""

from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from tests.e2e.conftest import run_cli
from tests.factories_enrolment import vietqr
from tests.factories_registry import make_beneficiary, make_person

from ansinh.core.clock import FixedDayClock
from ansinh.core.db import make_engine, session_factory
from ansinh.core.uow import UnitOfWork
from ansinh.enrolment.tables import PaymentMethod as MethodRow

TODAY = "2026-11-23"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One initialised database with an administrator and a commune officer, copied for each test."""
    folder = tmp_path_factory.mktemp("enrolment-cli")
    env = _environment(folder / "ansinh.db", folder)
    init = run_cli("init", "--json", env=env)
    assert init.returncode == 0, init.stderr
    assert json.loads(init.stdout)["banks_added"] > 50
    for username, role, area in (
        ("quantri", "admin", []),
        ("canbo", "commune_officer", ["--province", "92", "--commune", "31135"]),
    ):
        made = run_cli("user", "create", username, "--role", role, "--full-name", username, *area, env=env)
        assert made.returncode == 0, made.stderr
    with sqlite3.connect(folder / "ansinh.db") as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # everything in the one file that is copied
    return folder / "ansinh.db"


def _environment(database: Path, var_dir: Path) -> dict[str, str]:
    return {
        "DATABASE_URL": f"sqlite:///{database}",
        "ANSINH_ENV": "test",
        "ANSINH_VAR_DIR": str(var_dir),
        "ANSINH_TODAY": TODAY,
    }


@pytest.fixture
def env(template: Path, tmp_path: Path) -> dict[str, str]:
    shutil.copyfile(template, tmp_path / "ansinh.db")
    return _environment(tmp_path / "ansinh.db", tmp_path)


def _beneficiaries(env: dict[str, str], count: int) -> list[str]:
    """Beneficiaries written straight into the database: enrolling them is the registry's and decisions' job."""
    engine = make_engine(env["DATABASE_URL"])
    codes = []
    with UnitOfWork(session_factory(engine), FixedDayClock(date.fromisoformat(TODAY))) as uow:
        for index in range(count):
            person = make_person(uow, full_name=f"Nguyễn Văn {chr(65 + index)}", phone="0912345678")
            person.verification_status = "match"
            beneficiary = make_beneficiary(uow, person)
            uow.session.add(
                MethodRow(
                    beneficiary_id=beneficiary.id,
                    province_code="92",
                    kind="cash_point",
                    provider_code="VNPOST",
                    payee_person_id=person.id,
                    payee_role="beneficiary",
                    valid_from=date(2025, 1, 1),
                    source="import",
                    created_by="test",
                    created_at=datetime(2025, 1, 1, tzinfo=UTC),
                )
            )
            codes.append(beneficiary.code)
        uow.commit()
    engine.dispose()
    return codes


def _ok(*args: str, env: dict[str, str], stdin: str | None = None) -> object:
    result = run_cli(*args, "--json", env=env, stdin=stdin)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_reference_lists_methods_and_account_opening_from_the_command_line(env: dict[str, str], tmp_path: Path) -> None:
    admin = {**env, "ANSINH_USER": "quantri"}
    officer = {**env, "ANSINH_USER": "canbo"}
    _ok("reference", "bank", "add", "999001", "--short-name", "VBSP", "--name", "Ngân hàng CSXH", env=admin)
    _ok("reference", "provider", "add", "vnpost", "--name", "Bưu điện", "--kind", "cash_payer", env=admin)
    _ok("reference", "provider", "add", "VBSP", "--name", "VBSP", "--kind", "bank", "--bank-bin", "999001", env=admin)
    banks = _ok("reference", "bank", "list", env=officer)
    assert isinstance(banks, list)
    assert {"999001", "970436"} <= {b["bin"] for b in banks}
    refused = run_cli("reference", "bank", "add", "999002", "--short-name", "X", "--name", "Y", env=officer)
    assert refused.returncode == 1
    assert "Lỗi:" in refused.stderr
    assert "reference.manage" in refused.stderr

    first, second = _beneficiaries(env, 2)
    home = _ok(
        "enrolment", "set", first, "--kind", "cash_home", "--provider", "VNPOST", "--home-reason", "bedridden",
        "--valid-from", "2026-12-01", env=officer,
    )  # fmt: skip
    assert isinstance(home, dict)
    assert home["kind"] == "cash_home"
    cash_with_account = run_cli(
        "enrolment", "set", first, "--kind", "cash_point", "--provider", "VNPOST", "--account", "0011001234567",
        env=officer,
    )  # fmt: skip
    assert cash_with_account.returncode == 1
    assert "account" in cash_with_account.stderr
    captured = _ok(
        "enrolment", "vietqr", first, "--provider", "VBSP", "--valid-from", "2026-12-15",
        env=officer, stdin=vietqr("999001", "0011001234567", "NGUYEN VAN A"),
    )  # fmt: skip
    assert isinstance(captured, dict)
    assert (captured["source"], captured["account_name"]) == ("vietqr", "NGUYEN VAN A")
    broken = run_cli(
        "enrolment", "vietqr", first, "--provider", "VBSP", "--qr", "000201010211" + "6304ABCD", env=officer
    )
    assert broken.returncode == 1
    history = _ok("enrolment", "history", first, "--reveal", env=officer)
    assert isinstance(history, list)
    assert [h["kind"] for h in history] == ["bank_account", "cash_home", "cash_point"]
    assert history[0]["account_number"] == "0011001234567"

    compiled = _ok("enrolment", "account-request", "compile", "--commune", "31135", "--provider", "VBSP", env=officer)
    assert isinstance(compiled, dict)
    assert [line["beneficiary_code"] for line in compiled["lines"]] == [second]
    out = tmp_path / "mtk.csv"
    _ok("enrolment", "account-request", "export", str(compiled["id"]), "--out", str(out), env=officer)
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    rows[1][7] = "9900112233"
    answer = tmp_path / "answer.csv"
    with answer.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    report = _ok("enrolment", "account-request", "answer", str(compiled["id"]), str(answer), env=officer)
    assert isinstance(report, dict)
    assert (report["applied"], report["opened"], report["status"]) == (True, 1, "answered")
    shown = _ok("enrolment", "account-request", "show", str(compiled["id"]), env=officer)
    assert isinstance(shown, dict)
    assert shown["lines"][0]["status"] == "opened"


def test_a_rejected_answer_file_exits_1_and_lists_the_rows(env: dict[str, str], tmp_path: Path) -> None:
    admin = {**env, "ANSINH_USER": "quantri"}
    officer = {**env, "ANSINH_USER": "canbo"}
    _ok("reference", "provider", "add", "VNPOST", "--name", "Bưu điện", "--kind", "cash_payer", env=admin)
    _ok("reference", "provider", "add", "VCB", "--name", "VCB", "--kind", "bank", "--bank-bin", "970436", env=admin)
    _beneficiaries(env, 1)
    compiled = _ok("enrolment", "account-request", "compile", "--commune", "31135", "--provider", "VCB", env=officer)
    assert isinstance(compiled, dict)
    request_id = str(compiled["id"])
    _ok("enrolment", "account-request", "export", request_id, "--out", str(tmp_path / "mtk.xlsx"), env=officer)
    answer = tmp_path / "answer.csv"
    answer.write_text("line_id,beneficiary_code,account_number,refusal_reason\n777,X,,\n", encoding="utf-8")
    result = run_cli("enrolment", "account-request", "answer", request_id, str(answer), env=officer)
    assert result.returncode == 1
    assert "dòng/row 2" in result.stdout
    assert "nothing written" in result.stdout
