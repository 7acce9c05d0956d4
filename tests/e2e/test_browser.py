"""A real headless Chromium (Debian's, driven by Playwright — no browser download) on the real server."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from tests.e2e.conftest import DemoServer

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
# Chromium as root in a closed network: no sandbox, and none of its background calls home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        if os.environ.get("ANSINH_REQUIRE_BROWSER") == "1":
            pytest.fail("Chromium is required (scripts/system-packages.sh installs it)")
        pytest.skip("no Chromium installed")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def _page(browser: Browser, size: dict[str, int]) -> Page:
    context = browser.new_context(viewport=size, locale="vi-VN")  # type: ignore[arg-type]
    return context.new_page()


def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _login(page: Page, server: DemoServer, username: str, password: str) -> None:
    page.goto(f"{server.base_url}/")
    expect(page).to_have_url(re.compile(r"/login\?next=/$"))
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()


@pytest.mark.parametrize(("width", "size"), [("phone", PHONE), ("desktop", DESKTOP)])
def test_the_administrator_logs_in_to_a_vietnamese_home_page(
    browser: Browser, demo_server: DemoServer, width: str, size: dict[str, int]
) -> None:
    page = _page(browser, size)
    page.goto(f"{demo_server.base_url}/login")
    _shot(page, f"login-{width}")
    _login(page, demo_server, "admin", demo_server.passwords["admin"])
    expect(page.get_by_role("heading", level=1)).to_contain_text("Xin chào")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.get_by_text("Quản trị hệ thống")).to_be_visible()
    expect(page.get_by_text("23/11/2026")).to_be_visible()
    _shot(page, f"home-{width}")
    page.context.close()


def test_a_wrong_password_shows_the_error_on_the_login_page(browser: Browser, demo_server: DemoServer) -> None:
    page = _page(browser, DESKTOP)
    _login(page, demo_server, "admin", "not-the-password")
    expect(page.get_by_role("alert")).to_contain_text("Sai tên đăng nhập hoặc mật khẩu")
    _shot(page, "login-failed-desktop")
    page.context.close()


def test_a_commune_officer_finds_can_tho_without_diacritics_and_opens_it(
    browser: Browser, demo_server: DemoServer
) -> None:
    page = _page(browser, PHONE)
    _login(page, demo_server, "xa.ninhkieu", demo_server.passwords["xa.ninhkieu"])
    page.get_by_role("link", name="Đơn vị hành chính").first.click()
    page.get_by_label("Tìm theo tên (không cần dấu)").fill("can tho")
    page.get_by_role("button", name="Tìm").click()
    page.get_by_role("link", name="Thành phố Cần Thơ").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Thành phố Cần Thơ")
    expect(page.get_by_text("Tỉnh Hậu Giang (93)")).to_be_visible()
    expect(page.get_by_role("link", name="Phường Ninh Kiều")).to_be_visible()
    _shot(page, "geo-province-phone")
    page.get_by_role("link", name="Phường Ninh Kiều").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Phường Ninh Kiều")
    _shot(page, "geo-commune-phone")
    page.context.close()


def test_the_english_switch_and_logout(browser: Browser, demo_server: DemoServer) -> None:
    page = _page(browser, DESKTOP)
    _login(page, demo_server, "lanhdao", demo_server.passwords["lanhdao"])
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")
    _shot(page, "home-english-desktop")
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    page.goto(f"{demo_server.base_url}/")
    expect(page).to_have_url(re.compile(r"/login\?next=/$"))
    page.context.close()
