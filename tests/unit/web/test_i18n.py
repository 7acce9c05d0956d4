import re
from datetime import UTC, date, datetime
from pathlib import Path

import ansinh.web
from ansinh.web.i18n import CATALOGUE, format_date, translator


def test_every_message_has_vietnamese_and_english() -> None:
    for key, (vi, en) in CATALOGUE.items():
        assert vi.strip(), key
        assert en.strip(), key


def test_vietnamese_is_the_default_and_english_is_on_request() -> None:
    assert translator("vi")("login.title") == "Đăng nhập"
    assert translator("en")("login.title") == "Log in"
    assert translator("xx")("login.title") == "Đăng nhập"


def test_dates_read_dd_mm_yyyy_in_vietnam_time() -> None:
    assert format_date(date(2024, 7, 1)) == "01/07/2024"
    # 20:30 UTC on 30 June is 03:30 on 1 July in Vietnam (UTC+7)
    assert format_date(datetime(2024, 6, 30, 20, 30, tzinfo=UTC)) == "01/07/2024 03:30"


def test_every_key_the_templates_use_is_in_the_catalogue() -> None:
    templates = Path(ansinh.web.__file__).parent / "templates"
    used = {
        key for page in templates.rglob("*.html") for key in re.findall(r"""t\(["']([\w.]+)["']\)""", page.read_text())
    }
    assert used, "no t(...) calls found: the pattern is stale"
    assert used - set(CATALOGUE) == set()
