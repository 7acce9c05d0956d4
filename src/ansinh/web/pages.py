"""Pages every user meets: login, logout, language switch, home; and the health check."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from sqlalchemy import text

from ansinh.access import services
from ansinh.access.domain import Permission
from ansinh.web.i18n import LANGUAGES
from ansinh.web.security import (
    LANG_COOKIE,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    new_csrf_token,
    open_uow,
    password_login,
    public,
    requires,
)
from ansinh.web.templating import render

router = APIRouter(include_in_schema=True, tags=["pages"])


def safe_next(target: str | None) -> str:
    """Only local paths: a login link must never send the user to another site."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _login_page(request: Request, *, next_url: str, error: str | None = None, status_code: int = 200) -> HTMLResponse:
    token = new_csrf_token()
    response = render(request, "login.html", status_code=status_code, login_csrf=token, next_url=next_url, error=error)
    secure = request.app.state.settings.secure_cookies
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=secure, max_age=3600)
    return response


@router.get("/login", response_class=HTMLResponse)
@public
def login_form(request: Request, next: str | None = None) -> HTMLResponse:
    return _login_page(request, next_url=safe_next(next))


@router.post("/login", response_class=HTMLResponse, response_model=None)
@public
def login(
    request: Request,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=200)],
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=500)] = "/",
) -> HTMLResponse | RedirectResponse:
    settings = request.app.state.settings
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie, csrf_token):
        return _login_page(request, next_url=safe_next(next), error="csrf", status_code=403)
    issued = password_login(request, username=username, password=password, kind="session")
    if issued is None:
        return _login_page(request, next_url=safe_next(next), error="failed", status_code=401)
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        issued.secret,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        max_age=settings.session_hours * 3600,
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
@requires(Permission.HOME)
def logout(request: Request) -> RedirectResponse:
    secret = request.cookies.get(SESSION_COOKIE)
    if secret:
        with open_uow(request, actor=request.state.principal.username) as uow:
            services.revoke_token(uow, secret=secret)
            uow.commit()
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/lang/{code}")
@public
def switch_language(code: str, next: str | None = None) -> RedirectResponse:
    response = RedirectResponse(safe_next(next), status_code=303)
    if code in LANGUAGES:
        response.set_cookie(LANG_COOKIE, code, samesite="lax", max_age=365 * 24 * 3600)
    return response


@router.get("/", response_class=HTMLResponse)
@requires(Permission.HOME)
def home(request: Request) -> HTMLResponse:
    return render(request, "home.html")


@router.get("/health", tags=["health"])
@public
def health(request: Request) -> JSONResponse:
    """Liveness and database reachability, for load balancers and monitoring."""
    try:
        with request.app.state.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:
        return JSONResponse({"status": "degraded", "database": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})
