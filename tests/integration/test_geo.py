"""Administrative units from `vietnam-provinces`: counts, search without diacritics, legacy mapping."""

from __future__ import annotations

import pytest
from tests.conftest import Database

from ansinh.core.errors import NotFound
from ansinh.geo import services


def test_every_current_and_legacy_unit_is_loaded(db: Database) -> None:
    with db.uow() as uow:
        report = services.load_units(uow)
    assert not report.loaded  # the template already had them: loading again is a no-op
    assert (report.provinces, report.communes) == (34, 3321)
    assert (report.legacy_provinces, report.legacy_districts, report.legacy_wards) == (63, 696, 10051)
    assert report.ward_mappings >= report.legacy_wards - 10  # nearly every old ward maps to a current commune


@pytest.mark.parametrize("query", ["can tho", "CAN THO", "Cần Thơ", "  cần   thơ "])
def test_search_ignores_case_and_diacritics(db: Database, query: str) -> None:
    with db.uow() as uow:
        results = services.search(uow, query)
    assert results[0].kind == "province"
    assert results[0].name == "Thành phố Cần Thơ"


def test_search_finds_communes_in_one_province(db: Database) -> None:
    with db.uow() as uow:
        results = services.search(uow, "ninh kieu", province_code="92")
    assert [(u.code, u.name) for u in results] == [("31135", "Phường Ninh Kiều")]


def test_search_treats_like_wildcards_as_text(db: Database) -> None:
    with db.uow() as uow:
        assert services.search(uow, "%") == []
        assert services.search(uow, "_") == []


def test_new_can_tho_is_made_of_three_old_provinces(db: Database) -> None:
    with db.uow() as uow:
        sources = services.legacy_sources_of_province(uow, "92")
        hau_giang = services.get_legacy_province(uow, "93")
    assert [p.code for p in sources] == ["92", "93", "94"]
    assert [p.code for p in hau_giang.current] == ["92"]


def test_a_legacy_ward_maps_to_its_current_commune(db: Database) -> None:
    with db.uow() as uow:
        view = services.get_legacy_ward(uow, "1")
    assert view.ward.name == "Phường Phúc Xá"
    assert view.ward.district_name == "Quận Ba Đình"
    assert [c.code for c in view.current] == ["00097"]


@pytest.mark.parametrize(
    ("call", "code"),
    [(services.get_province, "99"), (services.get_commune, "99999"), (services.get_province, "abc")],
)
def test_an_unknown_code_is_not_found_and_named(db: Database, call: object, code: str) -> None:
    with db.uow() as uow, pytest.raises(NotFound, match=code):
        call(uow, code)  # type: ignore[operator]
