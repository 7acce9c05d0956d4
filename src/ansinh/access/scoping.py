"""Area scoping for queries: every read and write of the registry and payment paths goes through ``area_clause``."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, false, true
from sqlalchemy.orm import InstrumentedAttribute

from ansinh.access.domain import Area
from ansinh.core.errors import PermissionDenied


def area_clause(
    area: Area, province_column: InstrumentedAttribute[str], commune_column: InstrumentedAttribute[str] | None
) -> ColumnElement[bool]:
    """A WHERE clause keeping only rows inside ``area`` (by province, and by commune for commune users)."""
    if area.province_code is None:
        return true()
    clause = province_column == area.province_code
    if area.commune_codes:
        if commune_column is None:
            return false()  # a commune user sees nothing that is not tied to one of their communes
        clause = and_(clause, commune_column.in_(sorted(area.commune_codes)))
    return clause


def require_commune(area: Area, *, commune_code: str, province_code: str) -> None:
    """Refuse to act on a commune outside the area (the error names the commune, not what is in it)."""
    if not area.covers_commune(commune_code, province_code):
        raise PermissionDenied(
            f"Xã {commune_code} nằm ngoài địa bàn của bạn", f"commune {commune_code} is outside your area"
        )
