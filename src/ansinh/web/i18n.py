"""What officials read: Vietnamese first, English on request. One catalogue; a test keeps both languages whole."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from ansinh.access.services import LOGIN_FAILED_EN, LOGIN_FAILED_VI
from ansinh.core.clock import VIETNAM
from ansinh.core.money import format_vnd

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"

CATALOGUE: dict[str, tuple[str, str]] = {
    "app.name": (
        "AnSinh — Chi trả an sinh xã hội không dùng tiền mặt",
        "AnSinh — cashless social-welfare payments",
    ),
    "app.short": ("AnSinh", "AnSinh"),
    "nav.home": ("Trang chủ", "Home"),
    "nav.geo": ("Đơn vị hành chính", "Administrative units"),
    "nav.logout": ("Đăng xuất", "Log out"),
    "nav.language": ("English", "Tiếng Việt"),
    "login.title": ("Đăng nhập", "Log in"),
    "login.username": ("Tên đăng nhập", "User name"),
    "login.password": ("Mật khẩu", "Password"),
    "login.submit": ("Đăng nhập", "Log in"),
    "login.failed": (LOGIN_FAILED_VI, LOGIN_FAILED_EN),
    "login.form_expired": ("Biểu mẫu đã hết hạn, vui lòng thử lại.", "The form expired: please try again."),
    "home.title": ("Trang chủ", "Home"),
    "home.welcome": ("Xin chào", "Welcome"),
    "home.role": ("Vai trò", "Role"),
    "home.area": ("Địa bàn", "Area"),
    "home.today": ("Hôm nay", "Today"),
    "home.next_payroll": (
        "Danh sách chi trả tháng sau cần được phê duyệt trước ngày 25.",
        "Next month's payment list must be approved before the 25th.",
    ),
    "home.modules": ("Chức năng", "Functions"),
    "home.geo_hint": (
        "Tra cứu 34 tỉnh, thành phố và 3.321 xã, phường, đặc khu; đối chiếu mã cũ trước 01/7/2025.",
        "Look up the 34 provinces and 3,321 communes; map codes in use before 1 July 2025.",
    ),
    "area.national": ("Toàn quốc", "Whole country"),
    "geo.title": ("Đơn vị hành chính", "Administrative units"),
    "geo.search": ("Tìm theo tên (không cần dấu)", "Search by name (diacritics optional)"),
    "geo.search_button": ("Tìm", "Search"),
    "geo.provinces": ("Tỉnh, thành phố", "Provinces"),
    "geo.communes": ("Xã, phường, đặc khu", "Communes"),
    "geo.code": ("Mã", "Code"),
    "geo.name": ("Tên", "Name"),
    "geo.type": ("Loại", "Type"),
    "geo.province": ("Tỉnh, thành phố", "Province"),
    "geo.results": ("Kết quả", "Results"),
    "geo.no_results": ("Không tìm thấy đơn vị nào.", "No unit found."),
    "geo.legacy_sources": ("Đơn vị cũ (trước 01/7/2025)", "Former units (before 1 July 2025)"),
    "geo.legacy_ward": ("Xã, phường cũ", "Former commune"),
    "geo.now_part_of": ("Nay thuộc", "Now part of"),
    "geo.district": ("Quận, huyện cũ", "Former district"),
    "error.title": ("Có lỗi", "Something went wrong"),
    "error.back": ("Về trang chủ", "Back to the home page"),
}


def translator(lang: str) -> Callable[[str], str]:
    index = 1 if lang == "en" else 0

    def t(key: str) -> str:
        entry = CATALOGUE.get(key)
        return key if entry is None else entry[index]

    return t


def format_date(value: date | datetime | None) -> str:
    """Dates as Vietnamese officials write them: dd/mm/yyyy (timestamps in Vietnam's time zone)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M")
    return value.strftime("%d/%m/%Y")


FILTERS: dict[str, Callable[..., str]] = {"vnd": format_vnd, "ddmmyyyy": format_date}
