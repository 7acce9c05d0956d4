import pytest

from ansinh.access.domain import (
    ROLE_PERMISSIONS,
    Area,
    AreaError,
    Permission,
    Role,
    check_area_for_role,
)


def test_every_role_has_a_permission_set_and_only_admins_manage_users() -> None:
    assert set(ROLE_PERMISSIONS) == set(Role)
    assert [r for r in Role if Permission.USER_MANAGE in ROLE_PERMISSIONS[r]] == [Role.ADMIN]


def test_a_commune_area_covers_only_its_communes() -> None:
    area = Area("92", frozenset({"31135"}))
    assert area.covers_commune("31135", "92")
    assert not area.covers_commune("31117", "92")
    assert not area.covers_province("92")
    assert area.touches_province("92")
    assert not area.touches_province("04")


def test_a_province_area_covers_every_commune_of_that_province_only() -> None:
    area = Area("92")
    assert area.covers_commune("31117", "92")
    assert not area.covers_commune("01273", "04")


def test_communes_without_a_province_are_refused() -> None:
    with pytest.raises(AreaError):
        Area(None, frozenset({"31135"}))


def test_only_admin_viewer_and_auditor_may_hold_the_whole_country() -> None:
    check_area_for_role(Role.VIEWER, Area())
    with pytest.raises(AreaError):
        check_area_for_role(Role.COMMUNE_OFFICER, Area())
