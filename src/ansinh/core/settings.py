"""One typed settings object, read once at start-up from the environment (and an optional .env file)."""

from __future__ import annotations

import logging
from datetime import date
from enum import StrEnum
from pathlib import Path

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from ansinh.core.clock import Clock, FixedDayClock, SystemClock
from ansinh.core.errors import ConfigError

log = logging.getLogger(__name__)


class Environment(StrEnum):
    PRODUCTION = "production"
    DEMO = "demo"
    TEST = "test"
    DEVELOPMENT = "development"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_prefix="ANSINH_", extra="ignore")

    database_url: str = Field(
        default="sqlite:///var/ansinh.db",
        validation_alias="DATABASE_URL",
        description="SQLAlchemy URL; postgresql://… or sqlite:///path",
    )
    env: Environment = Environment.PRODUCTION
    today: date | None = Field(default=None, description="Sets the clock's day; honoured only in demo and test")
    session_hours: int = 12
    api_token_hours: int = 12
    login_max_failures: int = 5
    login_lockout_minutes: int = 15
    secure_cookies: bool = False
    var_dir: Path = Path("var")
    import_max_bytes: int = Field(default=100 * 1024 * 1024, gt=0, description="Largest registry file accepted")
    population_url: str | None = Field(
        default=None, description="National population database service (or its simulator)"
    )
    population_api_key: str = Field(default="", description="Key sent to the population database service")
    population_timeout_seconds: float = Field(default=10.0, gt=0)

    def clock(self) -> Clock:
        if self.today is None:
            return SystemClock()
        if self.env in (Environment.DEMO, Environment.TEST):
            return FixedDayClock(self.today)
        log.warning("ANSINH_TODAY=%s ignored: the clock can only be set when ANSINH_ENV is demo or test", self.today)
        return SystemClock()


def load_settings() -> Settings:
    """Read the settings, turning a bad value into one ConfigError naming the variable."""
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        field = "_".join(str(part) for part in first["loc"]).upper()
        name = field if field == "DATABASE_URL" else f"ANSINH_{field}"
        raise ConfigError(
            f"Cấu hình không hợp lệ: {name}: {first['msg']}", f"Invalid configuration: {name}: {first['msg']}"
        ) from None
