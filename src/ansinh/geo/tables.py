from __future__ import annotations

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ansinh.core.db import Base


class Province(Base):
    __tablename__ = "geo_provinces"

    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    name_ascii: Mapped[str] = mapped_column(String(100), index=True)
    division_type: Mapped[str] = mapped_column(String(50))


class Commune(Base):
    __tablename__ = "geo_communes"

    code: Mapped[str] = mapped_column(String(5), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    name_ascii: Mapped[str] = mapped_column(String(100))
    division_type: Mapped[str] = mapped_column(String(50))
    province_code: Mapped[str] = mapped_column(ForeignKey("geo_provinces.code"), index=True)

    __table_args__ = (Index("ix_geo_communes_name_ascii", "name_ascii"),)


class LegacyProvince(Base):
    __tablename__ = "geo_legacy_provinces"

    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    name_ascii: Mapped[str] = mapped_column(String(100))
    division_type: Mapped[str] = mapped_column(String(50))


class LegacyDistrict(Base):
    __tablename__ = "geo_legacy_districts"

    code: Mapped[str] = mapped_column(String(3), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    name_ascii: Mapped[str] = mapped_column(String(100))
    division_type: Mapped[str] = mapped_column(String(50))
    province_code: Mapped[str] = mapped_column(ForeignKey("geo_legacy_provinces.code"), index=True)


class LegacyWard(Base):
    __tablename__ = "geo_legacy_wards"

    code: Mapped[str] = mapped_column(String(5), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    name_ascii: Mapped[str] = mapped_column(String(100), index=True)
    division_type: Mapped[str] = mapped_column(String(50))
    district_code: Mapped[str] = mapped_column(ForeignKey("geo_legacy_districts.code"), index=True)
    province_code: Mapped[str] = mapped_column(ForeignKey("geo_legacy_provinces.code"), index=True)


class LegacyWardMapping(Base):
    """Legacy ward → current commune(s), in force from 1 July 2025. A split ward maps to several communes."""

    __tablename__ = "geo_legacy_ward_map"

    legacy_ward_code: Mapped[str] = mapped_column(ForeignKey("geo_legacy_wards.code"), primary_key=True)
    commune_code: Mapped[str] = mapped_column(ForeignKey("geo_communes.code"), primary_key=True, index=True)


class LegacyProvinceMapping(Base):
    __tablename__ = "geo_legacy_province_map"

    legacy_province_code: Mapped[str] = mapped_column(ForeignKey("geo_legacy_provinces.code"), primary_key=True)
    province_code: Mapped[str] = mapped_column(ForeignKey("geo_provinces.code"), primary_key=True)
