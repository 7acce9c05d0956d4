"""/api/v1/payrolls — run, review, approve, cancel, fund; lines, funding orders, batches. Thin over services."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1/payrolls", tags=["payroll"])
