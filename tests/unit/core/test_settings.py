import logging
from datetime import date

import pytest

from ansinh.core.clock import FixedDayClock, SystemClock
from ansinh.core.errors import ConfigError
from ansinh.core.settings import Environment, Settings, load_settings


def test_database_url_defaults_to_an_sqlite_file_under_var(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert Settings(_env_file=None).database_url == "sqlite:///var/ansinh.db"  # type: ignore[call-arg]


def test_ansinh_today_sets_the_clock_in_demo_and_test() -> None:
    for env in (Environment.DEMO, Environment.TEST):
        clock = Settings(env=env, today=date(2024, 6, 20)).clock()
        assert isinstance(clock, FixedDayClock)
        assert clock.today() == date(2024, 6, 20)
        assert clock.now().tzinfo is not None


def test_production_ignores_ansinh_today_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        clock = Settings(env=Environment.PRODUCTION, today=date(2024, 6, 20)).clock()
    assert isinstance(clock, SystemClock)
    assert "ANSINH_TODAY=2024-06-20 ignored" in caplog.text


def test_a_bad_setting_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANSINH_TODAY", "not-a-date")
    with pytest.raises(ConfigError, match="ANSINH_TODAY"):
        load_settings()
