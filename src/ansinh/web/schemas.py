"""Shapes shared by every API route (errors)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class ErrorOut(BaseModel):
    error: str
    message: str
    message_en: str
    field: str | None = None


ERRORS: dict[int | str, dict[str, Any]] = {
    401: {
        "model": ErrorOut,
        "description": "Không có hoặc sai thông tin xác thực / missing or bad credentials",
    },
    403: {"model": ErrorOut, "description": "Không có quyền / not allowed"},
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorOut, "description": "Không tìm thấy / not found"}}
INVALID: dict[int | str, dict[str, Any]] = {
    422: {"model": ErrorOut, "description": "Dữ liệu không hợp lệ / invalid input"},
    409: {"model": ErrorOut, "description": "Xung đột / conflict"},
}
