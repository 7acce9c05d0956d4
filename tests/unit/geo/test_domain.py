import pytest

from ansinh.geo.domain import commune_code, fold, province_code


@pytest.mark.parametrize(
    ("name", "folded"),
    [
        ("Thành phố Cần Thơ", "thanh pho can tho"),
        ("Tỉnh Cao Bằng", "tinh cao bang"),
        ("Đặc khu  Phú Quốc", "dac khu phu quoc"),
    ],
)
def test_fold_drops_diacritics_case_and_extra_spaces(name: str, folded: str) -> None:
    assert fold(name) == folded


def test_codes_are_zero_padded() -> None:
    assert province_code(4) == "04"
    assert province_code("92") == "92"
    assert commune_code("4") == "00004"


@pytest.mark.parametrize("bad", ["", "abc", "1234", "-1"])
def test_bad_province_codes_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="province code"):
        province_code(bad)
