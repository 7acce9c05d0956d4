"""Users, passwords, lock-out and tokens."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.conftest import Database
from tests.factories import PASSWORD, make_user

from ansinh.access import services
from ansinh.access.domain import Area, Role
from ansinh.core.clock import FrozenClock
from ansinh.core.errors import Conflict, PermissionDenied, ValidationFailed
from ansinh.core.uow import UnitOfWork

LOCKOUT = timedelta(minutes=15)


def _login(uow: UnitOfWork, username: str, password: str) -> object:
    result = services.authenticate(uow, username=username, password=password, max_failures=5, lockout=LOCKOUT)
    uow.commit()
    return result


def test_passwords_are_stored_as_argon2_hashes(db: Database) -> None:
    with db.uow() as uow:
        make_user(uow, Role.ADMIN, "quantri")
        uow.commit()
    with db.engine.connect() as connection:
        stored = connection.exec_driver_sql("SELECT password_hash FROM users").scalar()
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_a_user_name_is_unique(db: Database) -> None:
    with db.uow() as uow:
        make_user(uow, Role.ADMIN, "quantri")
        with pytest.raises(Conflict):
            make_user(uow, Role.ADMIN, "QuanTri")


def test_a_commune_officer_needs_an_area_and_communes_must_lie_in_it(db: Database) -> None:
    with db.uow() as uow:
        with pytest.raises(ValidationFailed, match="địa bàn"):
            services.create_user(
                uow, username="xa.ninhkieu", full_name="X", password=PASSWORD, role=Role.COMMUNE_OFFICER
            )
        with pytest.raises(ValidationFailed, match="31135"):
            services.create_user(
                uow,
                username="xa.ninhkieu",
                full_name="X",
                password=PASSWORD,
                role=Role.COMMUNE_OFFICER,
                province_code="04",
                commune_codes=["31135"],
            )


def test_a_right_password_logs_in(db: Database) -> None:
    with db.uow() as uow:
        make_user(uow, Role.APPROVER, "pheduyet")
        uow.commit()
    with db.uow() as uow:
        principal = _login(uow, "pheduyet", PASSWORD)
    assert principal is not None
    assert principal.role == Role.APPROVER  # type: ignore[attr-defined]


def test_five_wrong_passwords_lock_the_account_until_the_lockout_ends(db: Database) -> None:
    with db.uow() as uow:
        make_user(uow, Role.APPROVER, "pheduyet")
        uow.commit()
    for _ in range(5):
        with db.uow() as uow:
            assert _login(uow, "pheduyet", "wrong-password") is None
    with db.uow() as uow:
        assert _login(uow, "pheduyet", PASSWORD) is None  # locked: even the right password fails
    later = FrozenClock(db.clock.now() + LOCKOUT + timedelta(seconds=1))
    with UnitOfWork(db.sessions, later) as uow:
        assert _login(uow, "pheduyet", PASSWORD) is not None


def test_a_disabled_user_cannot_log_in_and_loses_their_tokens(db: Database) -> None:
    with db.uow() as uow:
        make_user(uow, Role.APPROVER, "pheduyet")
        uow.commit()
    with db.uow() as uow:
        principal = _login(uow, "pheduyet", PASSWORD)
        token = services.issue_token(uow, principal=principal, kind="api", lifetime=timedelta(hours=1))  # type: ignore[arg-type]
        uow.commit()
    with db.uow() as uow:
        services.disable_user(uow, username="pheduyet")
        uow.commit()
    with db.uow() as uow:
        assert services.resolve_token(uow, secret=token.secret, kind="api") is None
        assert _login(uow, "pheduyet", PASSWORD) is None


def test_an_expired_token_is_refused(db: Database) -> None:
    with db.uow() as uow:
        make_user(uow, Role.APPROVER, "pheduyet")
        uow.commit()
    with db.uow() as uow:
        principal = _login(uow, "pheduyet", PASSWORD)
        token = services.issue_token(uow, principal=principal, kind="session", lifetime=timedelta(minutes=5))  # type: ignore[arg-type]
        uow.commit()
    later = FrozenClock(db.clock.now() + timedelta(minutes=6))
    with UnitOfWork(db.sessions, later) as uow:
        assert services.resolve_token(uow, secret=token.secret, kind="session") is None
    with db.uow() as uow:
        assert services.resolve_token(uow, secret=token.secret, kind="api") is None  # a session is not an API token


def test_a_province_administrator_manages_users_only_in_their_province(db: Database) -> None:
    can_tho = Area("92")
    with db.uow() as uow:
        services.create_user(
            uow, username="pheduyet", full_name="P", password=PASSWORD, role=Role.APPROVER, province_code="92",
            actor_area=can_tho,
        )  # fmt: skip
        with pytest.raises(PermissionDenied):
            services.create_user(
                uow, username="caobang", full_name="C", password=PASSWORD, role=Role.APPROVER, province_code="04",
                actor_area=can_tho,
            )  # fmt: skip
        with pytest.raises(PermissionDenied):
            services.create_user(
                uow, username="toanquoc", full_name="T", password=PASSWORD, role=Role.VIEWER, actor_area=can_tho
            )
        services.create_user(
            uow, username="caobang", full_name="C", password=PASSWORD, role=Role.APPROVER, province_code="04"
        )
        with pytest.raises(PermissionDenied):
            services.disable_user(uow, username="caobang", actor_area=can_tho)
        assert services.disable_user(uow, username="pheduyet", actor_area=can_tho).disabled
