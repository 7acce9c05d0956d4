"""Use cases for users and logins. Every function runs inside a unit of work the caller commits."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select

from ansinh.access.domain import Area, AreaError, Permission, Principal, Role, check_area_for_role
from ansinh.access.tables import AuthToken, User
from ansinh.core.errors import AuthenticationFailed, Conflict, NotFound, PermissionDenied, ValidationFailed
from ansinh.core.uow import UnitOfWork

_hasher = PasswordHasher()
# Verified against when the user does not exist, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
MIN_PASSWORD = 10

LOGIN_FAILED_VI = "Sai tên đăng nhập hoặc mật khẩu, hoặc tài khoản đang tạm khoá."
LOGIN_FAILED_EN = "Wrong user name or password, or the account is temporarily locked."


@dataclass(frozen=True)
class UserView:
    username: str
    full_name: str
    role: Role
    province_code: str | None
    commune_codes: list[str]
    disabled: bool
    locked: bool


def _view(user: User, now: datetime) -> UserView:
    return UserView(
        username=user.username,
        full_name=user.full_name,
        role=Role(user.role),
        province_code=user.province_code,
        commune_codes=sorted(user.commune_codes),
        disabled=user.disabled,
        locked=user.locked_until is not None and user.locked_until > now,
    )


def principal_of(user: User) -> Principal:
    return Principal(
        user_id=user.id,
        username=user.username,
        full_name=user.full_name,
        role=Role(user.role),
        area=Area(user.province_code, frozenset(user.commune_codes)),
    )


def create_user(
    uow: UnitOfWork,
    *,
    username: str,
    full_name: str,
    password: str,
    role: Role,
    province_code: str | None = None,
    commune_codes: list[str] | None = None,
    actor_area: Area | None = None,
) -> UserView:
    """Create a user; ``actor_area`` (the creating administrator's area, None from the command line) bounds theirs."""
    from ansinh.geo import services as geo

    username = username.strip().lower()
    if not _USERNAME.match(username):
        raise ValidationFailed(
            "Tên đăng nhập gồm 3–64 ký tự a-z, 0-9, dấu chấm, gạch dưới, gạch ngang",
            "A user name is 3–64 characters of a-z, 0-9, dot, underscore, hyphen",
            field="username",
        )
    if len(password) < MIN_PASSWORD:
        raise ValidationFailed(
            f"Mật khẩu phải có ít nhất {MIN_PASSWORD} ký tự",
            f"The password needs at least {MIN_PASSWORD} characters",
            field="password",
        )
    if not full_name.strip():
        raise ValidationFailed("Thiếu họ tên", "The full name is missing", field="full_name")
    communes = sorted(set(commune_codes or []))
    if province_code is not None:
        province_code = geo.get_province(uow, province_code).code
    for code in communes:
        commune = geo.get_commune(uow, code)
        if commune.province_code != province_code:
            raise ValidationFailed(
                f"Xã {code} không thuộc tỉnh {province_code}",
                f"Commune {code} is not in province {province_code}",
                field="commune_codes",
            )
    try:
        area = Area(province_code, frozenset(communes))
        check_area_for_role(role, area)
    except AreaError as exc:
        raise ValidationFailed(
            "Vai trò này cần địa bàn là một tỉnh hoặc một số xã", str(exc), field="province_code"
        ) from None
    _check_actor_area(actor_area, area)
    if uow.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"Tên đăng nhập {username} đã tồn tại", f"User name {username} already exists", field="username")
    user = User(
        username=username,
        full_name=full_name.strip(),
        password_hash=_hasher.hash(password),
        role=role.value,
        province_code=province_code,
        commune_codes=communes,
        disabled=False,
        failed_logins=0,
        created_at=uow.clock.now(),
    )
    uow.session.add(user)
    uow.session.flush()
    uow.audit(
        "user.create",
        entity_type="user",
        entity_id=username,
        province_code=province_code,
        detail={"role": role.value, "communes": communes},
    )
    return _view(user, uow.clock.now())


def _check_actor_area(actor_area: Area | None, area: Area) -> None:
    if actor_area is None or actor_area.is_national:
        return
    if area.province_code is None or not actor_area.covers_province(area.province_code):
        raise PermissionDenied(
            f"Chỉ được quản lý người dùng trong địa bàn của bạn ({actor_area.describe()})",
            "You may only manage users inside your own area",
        )


def list_users(uow: UnitOfWork) -> list[UserView]:
    now = uow.clock.now()
    return [_view(u, now) for u in uow.session.scalars(select(User).order_by(User.username))]


def _get(uow: UnitOfWork, username: str) -> User:
    user = uow.session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise NotFound(f"Không có người dùng {username}", f"No user {username}")
    return user


def disable_user(uow: UnitOfWork, *, username: str, actor_area: Area | None = None) -> UserView:
    user = _get(uow, username)
    _check_actor_area(actor_area, Area(user.province_code, frozenset(user.commune_codes)))
    user.disabled = True
    uow.session.execute(delete(AuthToken).where(AuthToken.user_id == user.id))  # logs them out everywhere
    uow.audit("user.disable", entity_type="user", entity_id=user.username, province_code=user.province_code)
    return _view(user, uow.clock.now())


def set_password(uow: UnitOfWork, *, username: str, password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise ValidationFailed(
            f"Mật khẩu phải có ít nhất {MIN_PASSWORD} ký tự",
            f"The password needs at least {MIN_PASSWORD} characters",
            field="password",
        )
    user = _get(uow, username)
    user.password_hash = _hasher.hash(password)
    user.failed_logins = 0
    user.locked_until = None
    uow.audit("user.password", entity_type="user", entity_id=user.username, province_code=user.province_code)


def login_failed() -> AuthenticationFailed:
    return AuthenticationFailed(LOGIN_FAILED_VI, LOGIN_FAILED_EN)


def authenticate(
    uow: UnitOfWork, *, username: str, password: str, max_failures: int, lockout: timedelta
) -> Principal | None:
    """Check a password; None on any failure. The caller commits either way: failures count towards lock-out."""
    now = uow.clock.now()
    user = uow.session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        _verify(_DUMMY_HASH, password)
        uow.audit("login.failed", entity_type="user", entity_id=username[:100], detail={"reason": "unknown"})
        return None
    locked = user.locked_until is not None and user.locked_until > now
    ok = _verify(user.password_hash, password)
    if ok and not locked and not user.disabled:
        user.failed_logins = 0
        user.locked_until = None
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = _hasher.hash(password)
        uow.audit("login", entity_type="user", entity_id=user.username, province_code=user.province_code)
        return principal_of(user)
    reason = "disabled" if user.disabled else "locked" if locked else "password"
    if reason == "password":
        user.failed_logins += 1
        if user.failed_logins >= max_failures:
            user.locked_until = now + lockout
            user.failed_logins = 0
            reason = "password; locked"
    uow.audit(
        "login.failed",
        entity_type="user",
        entity_id=user.username,
        province_code=user.province_code,
        detail={"reason": reason},
    )
    return None


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    secret: str
    csrf_token: str
    expires_at: datetime


def issue_token(uow: UnitOfWork, *, principal: Principal, kind: str, lifetime: timedelta) -> IssuedToken:
    now = uow.clock.now()
    secret = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    expires = now + lifetime
    uow.session.add(
        AuthToken(
            token_hash=_digest(secret),
            user_id=principal.user_id,
            kind=kind,
            csrf_token=csrf,
            created_at=now,
            expires_at=expires,
        )
    )
    return IssuedToken(secret, csrf, expires)


@dataclass(frozen=True)
class Login:
    principal: Principal
    csrf_token: str


def resolve_token(uow: UnitOfWork, *, secret: str, kind: str) -> Login | None:
    row = uow.session.execute(
        select(AuthToken, User)
        .join(User, User.id == AuthToken.user_id)
        .where(AuthToken.token_hash == _digest(secret), AuthToken.kind == kind)
    ).one_or_none()
    if row is None:
        return None
    token, user = row
    if token.expires_at <= uow.clock.now() or user.disabled:
        return None
    return Login(principal_of(user), token.csrf_token)


def revoke_token(uow: UnitOfWork, *, secret: str) -> None:
    uow.session.execute(delete(AuthToken).where(AuthToken.token_hash == _digest(secret)))


def principal_for(uow: UnitOfWork, *, username: str, permission: Permission | None = None) -> Principal:
    """The acting user of a command-line call (``--user``): must exist, be enabled and hold ``permission``."""
    user = _get(uow, username)
    if user.disabled:
        raise PermissionDenied(f"Tài khoản {username} đã bị khóa", f"user {username} is disabled")
    principal = principal_of(user)
    if permission is not None and not principal.has(permission):
        raise PermissionDenied(
            f"Người dùng {username} không có quyền {permission.value}",
            f"user {username} lacks the permission {permission.value}",
        )
    return principal
