"""Jinja2 templates with the request's language, the user and the CSRF token in every page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import HTMLResponse

from ansinh.access.domain import ROLE_LABELS, Permission
from ansinh.web.i18n import DEFAULT_LANGUAGE, FILTERS, LANGUAGES, translator
from ansinh.web.security import LANG_COOKIE

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.filters.update(FILTERS)


def language(request: Request) -> str:
    lang = request.cookies.get(LANG_COOKIE, DEFAULT_LANGUAGE)
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    lang = language(request)
    principal = getattr(request.state, "principal", None)
    base = {
        "lang": lang,
        "t": translator(lang),
        "principal": principal,
        "role_label": ROLE_LABELS[principal.role][0 if lang == "vi" else 1] if principal else "",
        "csrf_token": getattr(request.state, "csrf_token", ""),
        "Permission": Permission,
        "today": request.app.state.clock.today(),
    }
    return templates.TemplateResponse(request, name, {**base, **context}, status_code=status_code)
