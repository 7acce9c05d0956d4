"""Use cases for administrative units: load from `vietnam-provinces`, look up, search without diacritics."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, func, insert, select
from sqlalchemy.orm import InstrumentedAttribute

from ansinh.core.errors import NotFound
from ansinh.core.uow import UnitOfWork
from ansinh.geo import domain
from ansinh.geo.domain import Unit, fold
from ansinh.geo.tables import (
    Commune,
    LegacyDistrict,
    LegacyProvince,
    LegacyProvinceMapping,
    LegacyWard,
    LegacyWardMapping,
    Province,
)


@dataclass(frozen=True)
class LoadReport:
    provinces: int
    communes: int
    legacy_provinces: int
    legacy_districts: int
    legacy_wards: int
    ward_mappings: int
    loaded: bool  # False when the units were already there


def load_units(uow: UnitOfWork) -> LoadReport:
    """Load every unit and the legacy → current mapping once; a second call changes nothing."""
    import vietnam_provinces as vp
    from vietnam_provinces import legacy

    session = uow.session
    if session.scalar(select(func.count()).select_from(Province)):
        return _counts(uow, loaded=False)

    def row(unit: object, code: str, **extra: str) -> dict[str, str]:
        name = str(unit.name)  # type: ignore[attr-defined]
        kind = str(unit.division_type.value)  # type: ignore[attr-defined]
        return {"code": code, "name": name, "name_ascii": fold(name), "division_type": kind, **extra}

    provinces = [row(p, domain.province_code(p.code.value)) for p in vp.Province.iter_all()]
    wards = list(vp.Ward.iter_all())
    communes = [
        row(w, domain.commune_code(w.code.value), province_code=domain.province_code(w.province_code.value))
        for w in wards
    ]
    legacy_provinces = [row(p, domain.province_code(p.code.value)) for p in legacy.Province.iter_all()]
    legacy_districts = [
        row(d, domain.district_code(d.code.value), province_code=domain.province_code(d.province_code.value))
        for d in legacy.District.iter_all()
    ]
    legacy_wards = [
        row(
            w,
            domain.commune_code(w.code.value),
            district_code=domain.district_code(w.district_code.value),
            province_code=domain.province_code(w.province_code.value),
        )
        for w in legacy.Ward.iter_all()
    ]
    ward_map = {
        (domain.commune_code(old.code.value), domain.commune_code(new.code.value))
        for new in wards
        for old in new.get_legacy_sources()
    }
    province_map = {
        (domain.province_code(old.code.value), domain.province_code(new.code.value))
        for new in vp.Province.iter_all()
        for old in new.get_legacy_sources()
    }
    session.execute(insert(Province), provinces)
    session.execute(insert(Commune), communes)
    session.execute(insert(LegacyProvince), legacy_provinces)
    session.execute(insert(LegacyDistrict), legacy_districts)
    session.execute(insert(LegacyWard), legacy_wards)
    session.execute(
        insert(LegacyWardMapping), [{"legacy_ward_code": o, "commune_code": n} for o, n in sorted(ward_map)]
    )
    session.execute(
        insert(LegacyProvinceMapping),
        [{"legacy_province_code": o, "province_code": n} for o, n in sorted(province_map)],
    )
    report = _counts(uow, loaded=True)
    uow.audit(
        "geo.load",
        entity_type="geo",
        entity_id="vietnam-provinces",
        detail={
            "provinces": report.provinces,
            "communes": report.communes,
            "legacy_wards": report.legacy_wards,
        },
    )
    return report


def _counts(uow: UnitOfWork, *, loaded: bool) -> LoadReport:
    def count(table: type) -> int:
        return uow.session.scalar(select(func.count()).select_from(table)) or 0

    return LoadReport(
        provinces=count(Province),
        communes=count(Commune),
        legacy_provinces=count(LegacyProvince),
        legacy_districts=count(LegacyDistrict),
        legacy_wards=count(LegacyWard),
        ward_mappings=count(LegacyWardMapping),
        loaded=loaded,
    )


def _not_found(kind_vi: str, kind_en: str, code: object) -> NotFound:
    return NotFound(f"Không có {kind_vi} mã {code}", f"No {kind_en} with code {code}")


def _normalised(normalise: Callable[[str], str], raw: str, kind_vi: str, kind_en: str) -> str:
    try:
        return normalise(raw)
    except ValueError:
        raise _not_found(kind_vi, kind_en, raw) from None


def get_province(uow: UnitOfWork, code: str) -> Unit:
    key = _normalised(domain.province_code, code, "tỉnh/thành phố", "province")
    province = uow.session.get(Province, key)
    if province is None:
        raise _not_found("tỉnh/thành phố", "province", code)
    return Unit("province", province.code, province.name, province.division_type)


def list_provinces(uow: UnitOfWork) -> list[Unit]:
    return [
        Unit("province", p.code, p.name, p.division_type)
        for p in uow.session.scalars(select(Province).order_by(Province.code))
    ]


def _commune_query() -> Select[Commune, Province]:
    return select(Commune, Province).join(Province, Province.code == Commune.province_code)


def _commune_unit(commune: Commune, province: Province) -> Unit:
    return Unit("commune", commune.code, commune.name, commune.division_type, province.code, province.name)


def get_commune(uow: UnitOfWork, code: str) -> Unit:
    key = _normalised(domain.commune_code, code, "xã/phường", "commune")
    row = uow.session.execute(_commune_query().where(Commune.code == key)).one_or_none()
    if row is None:
        raise _not_found("xã/phường", "commune", code)
    return _commune_unit(*row)


def communes_of(uow: UnitOfWork, province_code: str) -> list[Unit]:
    province = get_province(uow, province_code)
    rows = uow.session.execute(
        _commune_query().where(Commune.province_code == province.code).order_by(Commune.name_ascii)
    )
    return [_commune_unit(c, p) for c, p in rows]


def _legacy_ward_query() -> Select[LegacyWard, LegacyDistrict, LegacyProvince]:
    return (
        select(LegacyWard, LegacyDistrict, LegacyProvince)
        .join(LegacyDistrict, LegacyDistrict.code == LegacyWard.district_code)
        .join(LegacyProvince, LegacyProvince.code == LegacyWard.province_code)
    )


def _legacy_ward_unit(ward: LegacyWard, district: LegacyDistrict, province: LegacyProvince) -> Unit:
    return Unit(
        "legacy_ward",
        ward.code,
        ward.name,
        ward.division_type,
        province.code,
        province.name,
        district.code,
        district.name,
    )


@dataclass(frozen=True)
class LegacyWardView:
    ward: Unit
    current: list[Unit]  # more than one when the old ward was split between new communes


def get_legacy_ward(uow: UnitOfWork, code: str) -> LegacyWardView:
    key = _normalised(domain.commune_code, code, "xã/phường cũ", "legacy ward")
    row = uow.session.execute(_legacy_ward_query().where(LegacyWard.code == key)).one_or_none()
    if row is None:
        raise _not_found("xã/phường cũ", "legacy ward", code)
    ward, district, province = row
    current = uow.session.execute(
        _commune_query()
        .join(LegacyWardMapping, LegacyWardMapping.commune_code == Commune.code)
        .where(LegacyWardMapping.legacy_ward_code == ward.code)
        .order_by(Commune.code)
    )
    return LegacyWardView(
        _legacy_ward_unit(ward, district, province),
        [_commune_unit(c, p) for c, p in current],
    )


@dataclass(frozen=True)
class LegacyProvinceView:
    province: Unit
    current: list[Unit]


def get_legacy_province(uow: UnitOfWork, code: str) -> LegacyProvinceView:
    key = _normalised(domain.province_code, code, "tỉnh cũ", "legacy province")
    old = uow.session.get(LegacyProvince, key)
    if old is None:
        raise _not_found("tỉnh cũ", "legacy province", code)
    current = uow.session.scalars(
        select(Province)
        .join(LegacyProvinceMapping, LegacyProvinceMapping.province_code == Province.code)
        .where(LegacyProvinceMapping.legacy_province_code == old.code)
        .order_by(Province.code)
    )
    return LegacyProvinceView(
        Unit("legacy_province", old.code, old.name, old.division_type),
        [Unit("province", p.code, p.name, p.division_type) for p in current],
    )


def search(
    uow: UnitOfWork, query: str, *, province_code: str | None = None, legacy: bool = False, limit: int = 50
) -> list[Unit]:
    """Every word of the query must appear in the name, ignoring case and diacritics; provinces first."""
    words = fold(query).split()
    if not words:
        return []
    limit = max(1, min(limit, 500))
    results: list[Unit] = []

    def matches(column: InstrumentedAttribute[str]) -> ColumnElement[bool]:
        return and_(*(column.like(f"%{_escape(w)}%", escape="\\") for w in words))

    if province_code is None:
        results += [
            Unit("province", p.code, p.name, p.division_type)
            for p in uow.session.scalars(
                select(Province).where(matches(Province.name_ascii)).order_by(Province.name_ascii).limit(limit)
            )
        ]
    communes = _commune_query().where(matches(Commune.name_ascii))
    if province_code is not None:
        communes = communes.where(Commune.province_code == get_province(uow, province_code).code)
    starts = fold(query)
    rows = uow.session.execute(
        communes.order_by(
            Commune.name_ascii.like(f"%{_escape(starts)}", escape="\\").desc(),  # "… ba dinh" before "… ba dinh 2"
            Commune.name_ascii,
            Commune.code,
        ).limit(limit)
    )
    results += [_commune_unit(c, p) for c, p in rows]
    if legacy:
        old = uow.session.execute(
            _legacy_ward_query()
            .where(matches(LegacyWard.name_ascii))
            .order_by(LegacyWard.name_ascii, LegacyWard.code)
            .limit(limit)
        )
        results += [_legacy_ward_unit(*row) for row in old]
    return results[:limit]


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def legacy_sources_of_commune(uow: UnitOfWork, code: str) -> list[Unit]:
    """The pre-2025 wards that a current commune was formed from."""
    rows = uow.session.execute(
        _legacy_ward_query()
        .join(LegacyWardMapping, LegacyWardMapping.legacy_ward_code == LegacyWard.code)
        .where(LegacyWardMapping.commune_code == domain.commune_code(code))
        .order_by(LegacyWard.code)
    )
    return [_legacy_ward_unit(*row) for row in rows]


def legacy_sources_of_province(uow: UnitOfWork, code: str) -> list[Unit]:
    rows = uow.session.scalars(
        select(LegacyProvince)
        .join(LegacyProvinceMapping, LegacyProvinceMapping.legacy_province_code == LegacyProvince.code)
        .where(LegacyProvinceMapping.province_code == domain.province_code(code))
        .order_by(LegacyProvince.code)
    )
    return [Unit("legacy_province", p.code, p.name, p.division_type) for p in rows]
