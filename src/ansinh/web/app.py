"""The one FastAPI application: /api/v1 (OpenAPI at /openapi.json) and the officials' pages."""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.routing import Route

from ansinh import __version__
from ansinh.core.db import make_engine, session_factory
from ansinh.core.errors import AnsinhError, ValidationFailed
from ansinh.core.settings import Settings, load_settings
from ansinh.web.security import LoginRequired, authorize, is_api
from ansinh.web.templating import render

log = logging.getLogger(__name__)

# Content-Security-Policy: no inline script, nothing from other origins (no CDN — the pages work offline too).
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


HTTP_MESSAGES = {
    404: ("Không tìm thấy trang hoặc địa chỉ này", "Not found"),
    405: ("Phương thức không được hỗ trợ ở địa chỉ này", "Method not allowed"),
}


class SecurityHeaders(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if request.cookies.get("ansinh_session") or "set-cookie" in response.headers:
            response.headers.setdefault("Cache-Control", "no-store")
        return response


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> FastAPI:
    settings = settings or load_settings()
    engine = engine or make_engine(settings.database_url)
    app = FastAPI(
        title="AnSinh API",
        version=__version__,
        description="Chi trả an sinh xã hội không dùng tiền mặt / cashless social-welfare payments",
        dependencies=[Depends(authorize)],
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = session_factory(engine)
    app.state.clock = settings.clock()
    app.add_middleware(SecurityHeaders)

    for router in routers():
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    _install_error_handlers(app)
    return app


def routers() -> list[APIRouter]:
    """Every router the application serves; each route on them passes the authorisation gate."""
    from ansinh.access import api as access_api
    from ansinh.decisions import api as decisions_api
    from ansinh.enrolment import api as enrolment_api
    from ansinh.geo import api as geo_api
    from ansinh.geo import views as geo_views
    from ansinh.payroll import api as payroll_api
    from ansinh.policy import api as policy_api
    from ansinh.registry import api as registry_api
    from ansinh.registry import import_api, verification_api
    from ansinh.web import audit, jobs, pages

    return [
        access_api.router,
        geo_api.router,
        audit.router,
        jobs.router,
        registry_api.router,
        import_api.router,
        verification_api.router,
        decisions_api.router,
        enrolment_api.router,
        policy_api.router,
        payroll_api.router,
        pages.router,
        geo_views.router,
    ]


def served_routes(app: FastAPI) -> list[tuple[str, str, object]]:
    """(method, path, endpoint) of every route: those of our routers and any added to the app itself."""
    routes = [route for router in routers() for route in router.routes] + list(app.routes)
    return [
        (method, route.path, route.endpoint)
        for route in routes
        if isinstance(route, APIRoute | Route)
        for method in sorted(route.methods or ())
    ]


def _error_response(request: Request, error: AnsinhError, status_code: int) -> Response:
    """The API answers JSON; the pages show the error page, in the reader's language."""
    if is_api(request):
        return JSONResponse(error.as_dict(), status_code=status_code)
    return render(request, "error.html", status_code=status_code, error=error)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        if is_api(request):
            return JSONResponse(exc.as_dict(), status_code=401, headers={"WWW-Authenticate": "Bearer"})
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    @app.exception_handler(AnsinhError)
    async def domain_error(request: Request, exc: AnsinhError) -> Response:
        if exc.http_status >= 500:
            log.error("%s: %s", exc.code, exc.message_en)
        return _error_response(request, exc, exc.http_status)

    @app.exception_handler(DataError)
    async def database_refused_value(request: Request, exc: DataError) -> Response:
        # The database refused a value the request carried (a NUL character, a number out of range): the caller's
        # input is at fault, not the server. Nothing was written: the unit of work rolls back.
        log.info("database refused a request value: %s", exc.orig)
        error = ValidationFailed(
            "Dữ liệu gửi lên có giá trị không hợp lệ (ký tự hoặc số ngoài phạm vi cho phép)",
            "The request carries a value the database cannot store (a character or a number out of range)",
        )
        return _error_response(request, error, error.http_status)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid"}
        field = ".".join(str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path"))
        error = ValidationFailed(
            f"Dữ liệu không hợp lệ ở trường {field or '?'}: {first.get('msg')}",
            f"Invalid input in {field or '?'}: {first.get('msg')}",
            field=field or None,
        )
        return _error_response(request, error, error.http_status)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        vi, en = HTTP_MESSAGES.get(exc.status_code, ("Yêu cầu không hợp lệ", str(exc.detail)))
        if is_api(request) or exc.status_code == 405:
            body = {"error": "http_error", "message": vi, "message_en": en}
            return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)
        return render(request, "error.html", status_code=exc.status_code, error=AnsinhError(vi, en))
