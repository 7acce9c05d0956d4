"""What every command shares: settings, engine, units of work, JSON or human output, clear errors."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from enum import Enum
from functools import cached_property
from typing import Annotated, Any, NoReturn

import typer
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError, ProgrammingError

from ansinh.access.domain import Permission, Principal
from ansinh.core.db import make_engine, session_factory
from ansinh.core.errors import AnsinhError, ConfigError, ValidationFailed
from ansinh.core.settings import Settings, load_settings
from ansinh.core.uow import UnitOfWork


class Context:
    @cached_property
    def settings(self) -> Settings:
        return load_settings()

    @cached_property
    def engine(self) -> Engine:
        return make_engine(self.settings.database_url)

    def uow(self, actor: str = "cli") -> UnitOfWork:
        return UnitOfWork(session_factory(self.engine), self.settings.clock(), actor=actor)


ctx = Context()


def acting_user(username: str | None, permission: Permission) -> Principal:
    """The user a command acts as (``--user`` or ``ANSINH_USER``): maker-checker and areas apply to commands too."""
    if not username:
        raise ValidationFailed(
            "Hãy cho biết người thực hiện: --user TÊN hoặc biến ANSINH_USER",
            "say who is acting: --user NAME or the ANSINH_USER variable",
            field="user",
        )
    from ansinh.access.services import principal_for

    with ctx.uow(actor=username) as uow:
        return principal_for(uow, username=username, permission=permission)


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return {k: _plain(v) for k, v in asdict(value).items()}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def emit_json(value: Any) -> None:
    typer.echo(json.dumps(_plain(value), ensure_ascii=False, indent=2))


def fail(error: AnsinhError, *, exit_code: int = 1) -> NoReturn:
    typer.echo(f"Lỗi: {error.message_vi} | Error: {error.message_en}", err=True)
    sys.exit(exit_code)


UserOption = Annotated[
    str | None,
    typer.Option("--user", envvar="ANSINH_USER", help="Người thực hiện / the acting user (maker or checker)"),
]


def run_guarded(function: Any) -> None:
    """Turn every known failure into one or two clear lines and a non-zero exit, never a traceback."""
    try:
        function()
    except ConfigError as error:
        fail(error, exit_code=2)
    except AnsinhError as error:
        fail(error)
    except (OperationalError, ProgrammingError) as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        if "no such table" in reason or "does not exist" in reason:
            fail(
                ConfigError(
                    f"Cơ sở dữ liệu chưa được khởi tạo ({reason}): hãy chạy `ansinh init`",
                    f"The database is not initialised ({reason}): run `ansinh init`",
                ),
                exit_code=2,
            )
        fail(
            ConfigError(f"Không kết nối được cơ sở dữ liệu: {reason}", f"Cannot reach the database: {reason}"),
            exit_code=2,
        )
    except KeyboardInterrupt:
        sys.exit(130)
