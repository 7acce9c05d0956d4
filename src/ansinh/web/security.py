"""One default-deny gate for every route: a route serves only if it declares who may call it."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any, TypeVar

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from ansinh.access import services as access
from ansinh.access.domain import Permission, Principal
from ansinh.core.errors import AnsinhError, AuthenticationFailed, PermissionDenied
from ansinh.core.uow import UnitOfWork

F = TypeVar("F", bound=Callable[..., Any])

ACCESS_ATTRIBUTE = "__ansinh_access__"
PUBLIC = "public"
SESSION_COOKIE = "ansinh_session"
LOGIN_CSRF_COOKIE = "ansinh_login_csrf"
LANG_COOKIE = "lang"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def requires(permission: Permission) -> Callable[[F], F]:
    """Declare the permission a route needs. A route with no declaration is refused to everyone."""

    def mark(endpoint: F) -> F:
        setattr(endpoint, ACCESS_ATTRIBUTE, permission)
        return endpoint

    return mark


def public(endpoint: F) -> F:
    """Declare a route open to anyone: only login, health and language switching may use this."""
    setattr(endpoint, ACCESS_ATTRIBUTE, PUBLIC)
    return endpoint


def access_of(endpoint: object) -> Permission | str | None:
    value = getattr(endpoint, ACCESS_ATTRIBUTE, None)
    return value if isinstance(value, Permission | str) else None


class LoginRequired(AnsinhError):
    """No valid credentials: the API answers 401, the pages send the browser to the login page."""

    code = "login_required"
    http_status = 401


class CsrfFailed(AnsinhError):
    code = "csrf_failed"
    http_status = 403


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def open_uow(request: Request, actor: str = "anonymous") -> UnitOfWork:
    state = request.app.state
    return UnitOfWork(state.sessions, state.clock, actor=actor)


def _resolve(request: Request, secret: str, kind: str) -> access.Login | None:
    with open_uow(request) as uow:
        return access.resolve_token(uow, secret=secret, kind=kind)


async def authorize(request: Request) -> None:
    """Run for every route (an application-wide dependency): authenticate, check the role, check CSRF."""
    route = request.scope.get("route")
    rule = access_of(getattr(route, "endpoint", None))
    if rule is None:
        raise PermissionDenied(
            "Chức năng này chưa được phân quyền nên bị từ chối", "This route declares no access rule: denied"
        )
    if rule == PUBLIC:
        return
    login: access.Login | None = None
    if is_api(request):
        # The API takes bearer tokens only: no ambient cookie credentials, hence no CSRF to guard against.
        token = bearer_token(request)
        if token is not None:
            login = await run_in_threadpool(_resolve, request, token, "api")
    else:
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie:
            login = await run_in_threadpool(_resolve, request, cookie, "session")
    if login is None:
        raise LoginRequired("Cần đăng nhập", "Authentication required")
    principal = login.principal
    assert isinstance(rule, Permission)
    if not principal.has(rule):
        raise PermissionDenied(
            "Vai trò của bạn không được phép dùng chức năng này",
            "Your role is not allowed to use this function",
        )
    if not is_api(request) and request.method in UNSAFE_METHODS:
        await _check_csrf(request, login.csrf_token)
    request.state.principal = principal
    request.state.csrf_token = login.csrf_token


async def _check_csrf(request: Request, expected: str) -> None:
    sent = request.headers.get("x-csrf-token")
    if sent is None:
        form = await request.form()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else None
    if not sent or not hmac.compare_digest(sent, expected):
        raise CsrfFailed(
            "Biểu mẫu đã hết hạn hoặc không hợp lệ, vui lòng tải lại trang",
            "The form expired or is not valid: reload the page",
        )


def current_principal(request: Request) -> Principal:
    principal = getattr(request.state, "principal", None)
    if not isinstance(principal, Principal):  # only reachable if a public route asks for a principal
        raise AuthenticationFailed("Cần đăng nhập", "Authentication required")
    return principal


def unit_of_work(request: Request) -> Iterator[UnitOfWork]:
    """A unit of work acting as the signed-in user (the audit log records who did what)."""
    principal = getattr(request.state, "principal", None)
    actor = principal.username if isinstance(principal, Principal) else "anonymous"
    with open_uow(request, actor) as uow:
        yield uow


def password_login(request: Request, *, username: str, password: str, kind: str) -> access.IssuedToken | None:
    """Check a password and issue a session (pages) or API token; failures are committed too (lock-out counts)."""
    settings = request.app.state.settings
    hours = settings.session_hours if kind == "session" else settings.api_token_hours
    with open_uow(request, actor=username[:64]) as uow:
        principal = access.authenticate(
            uow,
            username=username,
            password=password,
            max_failures=settings.login_max_failures,
            lockout=timedelta(minutes=settings.login_lockout_minutes),
        )
        issued = None
        if principal is not None:
            issued = access.issue_token(uow, principal=principal, kind=kind, lifetime=timedelta(hours=hours))
        uow.commit()
    return issued


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)
