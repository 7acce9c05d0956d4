"""`ansinh registry template|import|export` and `ansinh bench import`, run as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.e2e.conftest import run_cli
from tests.factories_import import NINH_KIEU, TAN_AN, row, write_csv


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    environment = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'ansinh.db'}",
        "ANSINH_ENV": "test",
        "ANSINH_TODAY": "2026-11-23",
        "ANSINH_VAR_DIR": str(tmp_path),
    }
    assert run_cli("init", env=environment).returncode == 0
    return environment


def _cash_row(**changes: str) -> dict[str, str]:
    return row(provider="", **changes)  # no provider: the fresh database lists none


def test_template_import_export_and_a_second_import_that_changes_nothing(env: dict[str, str], tmp_path: Path) -> None:
    template = run_cli("registry", "template", "--out", str(tmp_path / "mau.xlsx"), env=env)
    assert template.returncode == 0, template.stderr
    assert (tmp_path / "mau.xlsx").stat().st_size > 0

    source = write_csv(tmp_path / "danh-sach.csv", [_cash_row(), _cash_row(commune_code=TAN_AN)])
    imported = run_cli("registry", "import", str(source), "--json", env=env)
    assert imported.returncode == 0, imported.stderr
    report = json.loads(imported.stdout)
    assert (report["accepted"], report["created"], report["rejected"], report["errors"]) == (2, 2, 0, [])

    exported = run_cli("registry", "export", "--out", str(tmp_path / "ra.csv"), "--commune", NINH_KIEU, env=env)
    assert exported.returncode == 0, exported.stderr
    assert "1" in exported.stdout
    again = run_cli("registry", "import", str(tmp_path / "ra.csv"), env=env)
    assert again.returncode == 0, again.stderr
    assert "không đổi 1" in again.stdout
    assert "unchanged 1" in again.stdout


def test_a_rejected_file_exits_1_with_the_json_report_and_writes_nothing(env: dict[str, str], tmp_path: Path) -> None:
    bad = write_csv(tmp_path / "loi.csv", [_cash_row(), _cash_row(date_of_birth="01/01/2030")])
    result = run_cli("registry", "import", str(bad), "--json", env=env)
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert (report["accepted"], report["rejected"]) == (1, 1)
    assert [(e["row"], e["column"]) for e in report["errors"]] == [(3, "date_of_birth")]
    human = run_cli("registry", "import", str(bad), env=env)
    assert human.returncode == 1
    assert "dòng/row 3 [date_of_birth]" in human.stderr
    assert "nothing was written" in human.stderr
    exported = run_cli("registry", "export", "--out", str(tmp_path / "ra.csv"), "--json", env=env)
    assert json.loads(exported.stdout)["rows"] == 0


def test_a_dry_run_and_a_file_over_the_limit_write_nothing(env: dict[str, str], tmp_path: Path) -> None:
    source = write_csv(tmp_path / "danh-sach.csv", [_cash_row()])
    dry = run_cli("registry", "import", str(source), "--dry-run", "--json", env=env)
    assert dry.returncode == 0, dry.stderr
    assert json.loads(dry.stdout)["dry_run"] is True
    too_big = run_cli("registry", "import", str(source), "--max-bytes", "100", "--json", env=env)
    assert too_big.returncode == 1
    assert json.loads(too_big.stdout)["error"] == "import_file_too_large"
    plain = run_cli("registry", "import", str(source), "--max-bytes", "100", env=env)
    assert plain.returncode == 1
    assert "Traceback" not in plain.stderr
    exported = run_cli("registry", "export", "--out", str(tmp_path / "ra.csv"), "--json", env=env)
    assert json.loads(exported.stdout)["rows"] == 0


def test_an_unknown_acting_user_is_refused(env: dict[str, str], tmp_path: Path) -> None:
    source = write_csv(tmp_path / "danh-sach.csv", [_cash_row()])
    result = run_cli("registry", "import", str(source), "--user", "khongco", env=env)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr


def test_the_import_benchmark_reports_both_timings_and_their_ratio(tmp_path: Path) -> None:
    result = run_cli("bench", "import", "--rows", "500", "--json", env={"ANSINH_VAR_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["rows"], report["accepted"], report["rejected"], report["database"]) == (500, 500, 0, "sqlite")
    assert report["read_seconds"] > 0
    assert report["import_seconds"] > 0
    assert report["ratio"] == pytest.approx(report["import_seconds"] / report["read_seconds"], rel=0.05)
    assert report["target_ratio"] == 3
