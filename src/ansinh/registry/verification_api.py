"""HTTP API of this context (thin: every rule lives in the services)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1")
