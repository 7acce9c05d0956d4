"""/api/v1/policy — the rule tables: read by everyone, changed by administrators. Thin: rules live in services."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1/policy", tags=["policy"])
