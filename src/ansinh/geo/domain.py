"""Codes and names of administrative units: pure helpers."""

from __future__ import annotations

import re
from dataclasses import dataclass

from unidecode import unidecode

_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lower-case ASCII without diacritics: "Thành phố Cần Thơ" → "thanh pho can tho" (đ → d)."""
    return _SPACES.sub(" ", unidecode(text).lower()).strip()


def province_code(raw: str | int) -> str:
    """Two digits: 4, "4" and "04" are Cao Bằng."""
    text = str(raw).strip()
    if not text.isdigit() or not 1 <= len(text) <= 3 or int(text) > 99:
        raise ValueError(f"a province code is 1–2 digits, got {raw!r}")
    return f"{int(text):02d}"


def commune_code(raw: str | int) -> str:
    """Five digits, as the General Statistics Office writes them: 4 → "00004"."""
    text = str(raw).strip()
    if not text.isdigit() or not 1 <= len(text) <= 5:
        raise ValueError(f"a commune code is up to 5 digits, got {raw!r}")
    return f"{int(text):05d}"


def district_code(raw: str | int) -> str:
    text = str(raw).strip()
    if not text.isdigit() or not 1 <= len(text) <= 3:
        raise ValueError(f"a district code is up to 3 digits, got {raw!r}")
    return f"{int(text):03d}"


@dataclass(frozen=True)
class Unit:
    """One administrative unit as the API and pages show it."""

    kind: str  # province | commune | legacy_province | legacy_district | legacy_ward
    code: str
    name: str
    division_type: str
    province_code: str | None = None
    province_name: str | None = None
    district_code: str | None = None
    district_name: str | None = None
