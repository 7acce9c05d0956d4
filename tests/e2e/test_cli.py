"""The command line, run as a user runs it: the installed `ansinh` script in a subprocess."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from tests.e2e.conftest import run_cli

from ansinh.core.db import make_engine


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'ansinh.db'}",
        "ANSINH_ENV": "test",
        "ANSINH_VAR_DIR": str(tmp_path),
    }


@pytest.fixture
def initialised(env: dict[str, str]) -> dict[str, str]:
    assert run_cli("init", env=env).returncode == 0
    return env


def test_init_creates_the_schema_and_a_second_run_is_a_no_op(env: dict[str, str]) -> None:
    first = run_cli("init", "--json", env=env)
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert report["migrated"] is True
    assert report["units"]["communes"] == 3321
    second = json.loads(run_cli("init", "--json", env=env).stdout)
    assert second["migrated"] is False
    assert second["units"]["loaded"] is False
    assert second["revision"] == report["revision"]


@pytest.mark.postgres
def test_init_on_an_empty_postgresql_database_and_again_is_a_no_op() -> None:
    admin_url = os.environ.get("ANSINH_TEST_POSTGRES_URL")
    if admin_url is None:
        if os.environ.get("ANSINH_REQUIRE_POSTGRES") == "1":
            pytest.fail("ANSINH_TEST_POSTGRES_URL is not set")
        pytest.skip("no PostgreSQL")
    name = f"ansinh_cli_{os.getpid()}"
    admin = make_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        env = {"DATABASE_URL": make_url(admin_url).set(database=name).render_as_string(hide_password=False)}
        first = run_cli("init", env=env)
        assert first.returncode == 0, first.stderr
        assert "nâng cấp lên" in first.stdout
        second = run_cli("init", env=env)
        assert second.returncode == 0, second.stderr
        assert "already up to date" in second.stdout
        assert "already loaded" in second.stdout
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.parametrize("url", ["not a url", "mysql://u@h/db", "postgresql://nobody@127.0.0.1:1/none"])
def test_a_bad_database_url_gives_one_clear_line_and_no_traceback(url: str) -> None:
    result = run_cli("init", env={"DATABASE_URL": url})
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "DATABASE_URL" in result.stderr or "database" in result.stderr


def test_demo_data_is_refused_outside_demo_and_test(env: dict[str, str]) -> None:
    result = run_cli("demo", env={**env, "ANSINH_ENV": "production"})
    assert result.returncode == 2
    assert "ANSINH_ENV=demo" in result.stderr


def test_geo_search_ignores_diacritics(initialised: dict[str, str]) -> None:
    result = run_cli("geo", "search", "can tho", "--json", env=initialised)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)[0]["name"] == "Thành phố Cần Thơ"


def test_geo_show_maps_a_legacy_ward_to_its_commune(initialised: dict[str, str]) -> None:
    result = run_cli("geo", "show", "00001", "--legacy", "--json", env=initialised)
    assert result.returncode == 0, result.stderr
    view = json.loads(result.stdout)
    assert view["ward"]["name"] == "Phường Phúc Xá"
    assert [c["code"] for c in view["current"]] == ["00097"]


def test_geo_show_of_an_unknown_code_names_the_code(initialised: dict[str, str]) -> None:
    result = run_cli("geo", "show", "99999", env=initialised)
    assert result.returncode == 1
    assert "99999" in result.stderr
    assert "Traceback" not in result.stderr


def test_user_create_list_disable(initialised: dict[str, str]) -> None:
    created = run_cli(
        "user", "create", "pheduyet", "--role", "approver", "--full-name", "Phạm Thị Dung", "--province", "92",
        "--json", env=initialised,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    assert len(json.loads(created.stdout)["password"]) >= 10
    listed = json.loads(run_cli("user", "list", "--json", env=initialised).stdout)
    assert [(u["username"], u["role"], u["province_code"]) for u in listed] == [("pheduyet", "approver", "92")]
    disabled = run_cli("user", "disable", "pheduyet", "--json", env=initialised)
    assert json.loads(disabled.stdout)["disabled"] is True


def test_user_create_reads_the_password_from_stdin(initialised: dict[str, str]) -> None:
    result = run_cli(
        "user", "create", "kiemtoan", "--role", "auditor", "--full-name", "Vũ Thị Giang", "--password-stdin",
        env=initialised, stdin="a-long-enough-password\n",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "a-long-enough-password" not in result.stdout


def test_user_create_refuses_an_unknown_role_with_a_usage_error(initialised: dict[str, str]) -> None:
    result = run_cli("user", "create", "x-user", "--role", "king", "--full-name", "X", env=initialised)
    assert result.returncode == 2
    assert "king" in result.stderr


def test_audit_verify_reports_the_exact_record_edited_in_the_database(initialised: dict[str, str]) -> None:
    for name in ("user-one", "user-two"):
        run_cli("user", "create", name, "--role", "viewer", "--full-name", "N", env=initialised)
    assert run_cli("audit", "verify", env=initialised).returncode == 0
    path = make_url(initialised["DATABASE_URL"]).database
    assert path is not None
    with sqlite3.connect(path) as connection:  # someone with file access bypasses the append-only triggers
        connection.execute("DROP TRIGGER audit_log_no_update")
        connection.execute("UPDATE audit_log SET actor = 'ke-gian' WHERE seq = 2")
    result = run_cli("audit", "verify", "--json", env=initialised)
    assert result.returncode == 1
    problems = json.loads(result.stdout)["problems"]
    assert [(p["seq"], p["kind"]) for p in problems] == [(2, "altered")]
    human = run_cli("audit", "verify", env=initialised)
    assert "số 2" in human.stdout


@pytest.mark.parametrize(
    "command",
    [[], ["init"], ["demo"], ["serve"], ["user"], ["user", "create"], ["user", "list"], ["user", "disable"],
     ["geo"], ["geo", "search"], ["geo", "show"], ["audit"], ["audit", "verify"]],
)  # fmt: skip
def test_every_command_has_help(command: list[str]) -> None:
    result = run_cli(*command, "--help", env={})
    assert result.returncode == 0, result.stderr
    assert "Usage" in result.stdout
