"""Every route goes through one default-deny gate: no credentials, no data; wrong role, no data."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.conftest import Database
from tests.factories import PASSWORD, make_all_roles, make_user
from tests.webclient import api_token, browser_login, make_app

from ansinh.access.domain import ROLE_PERMISSIONS, Role
from ansinh.web.app import served_routes
from ansinh.web.security import PUBLIC, access_of

# The only routes anyone may call without logging in.
ALLOW_LIST = {
    ("GET", "/login"),
    ("POST", "/login"),
    ("GET", "/lang/{code}"),
    ("GET", "/health"),
    ("POST", "/api/v1/auth/token"),
}
# Served by FastAPI itself, outside the gate: the API's description (no data), and its HEAD twin.
FRAMEWORK_ROUTES = {("GET", "/openapi.json"), ("HEAD", "/openapi.json")}
SAMPLE_PATH_VALUES = {"code": "92", "username": "admin"}


@pytest.fixture
def app(db: Database) -> FastAPI:
    return make_app(db)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


def _routes(app: FastAPI) -> list[tuple[str, str, object]]:
    return [r for r in served_routes(app) if (r[0], r[1]) not in FRAMEWORK_ROUTES]


def _url(path: str) -> str:
    # A parameter without a sample gets "1": the route must still answer 200, 404 or 422 past the gate.
    return re.sub(r"\{(\w+)\}", lambda m: SAMPLE_PATH_VALUES.get(m.group(1), "1"), path)


def test_every_route_declares_an_access_rule_and_only_the_allow_list_is_public(app: FastAPI) -> None:
    public = set()
    routes = _routes(app)
    assert len(routes) >= 20
    for method, path, endpoint in routes:
        rule = access_of(endpoint)
        assert rule is not None, f"{method} {path} declares no access rule"
        if rule == PUBLIC:
            public.add((method, path))
    assert public == ALLOW_LIST


def test_every_openapi_route_refuses_anonymous_callers(app: FastAPI, client: TestClient) -> None:
    paths = app.openapi()["paths"]
    checked = 0
    for path, operations in paths.items():
        for method in operations:
            if (method.upper(), path) in ALLOW_LIST:
                continue
            response = client.request(method.upper(), _url(path), follow_redirects=False)
            checked += 1
            if path.startswith("/api/"):
                assert response.status_code == 401, f"{method} {path}: {response.status_code}"
                assert response.json()["error"] == "login_required"
            else:
                assert response.status_code == 303, f"{method} {path}: {response.status_code}"
                assert response.headers["location"].startswith("/login?next=")
    assert checked >= 15


def test_a_route_without_an_access_rule_is_refused_even_to_an_administrator(db: Database) -> None:
    app = make_app(db)

    @app.get("/api/v1/forgotten")
    def forgotten() -> dict[str, str]:
        return {"secret": "data"}

    with db.uow() as uow:
        make_user(uow, Role.ADMIN, "quantri")
        uow.commit()
    with TestClient(app) as client:
        token = api_token(client, "quantri")
        response = client.get("/api/v1/forgotten", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403
    assert "secret" not in response.text


def test_each_role_reaches_exactly_the_api_routes_its_permissions_allow(db: Database, app: FastAPI) -> None:
    with db.uow() as uow:
        users = make_all_roles(uow)
        uow.commit()
    with TestClient(app) as client:
        tokens = {role: api_token(client, name) for role, name in users.items()}
        for method, path, endpoint in _routes(app):
            rule = access_of(endpoint)
            if rule == PUBLIC or not path.startswith("/api/") or method not in ("GET",):
                continue
            for role, token in tokens.items():
                response = client.get(_url(path), headers={"Authorization": f"Bearer {token}"})
                allowed = rule in ROLE_PERMISSIONS[role]
                if allowed:
                    # past the gate: 200, or the route's own answer to the sample input (404, 422)
                    assert response.status_code in (200, 404, 422), f"{role} {path}: {response.status_code}"
                else:
                    assert response.status_code == 403, f"{role} {path}: {response.status_code}"


def test_only_an_administrator_creates_users(db: Database, client: TestClient) -> None:
    with db.uow() as uow:
        users = make_all_roles(uow)
        uow.commit()
    body = {
        "username": "moi",
        "full_name": "Người mới",
        "password": PASSWORD,
        "role": "approver",
        "province_code": "92",
    }
    for role, name in users.items():
        token = api_token(client, name)
        response = client.post("/api/v1/users", json=body, headers={"Authorization": f"Bearer {token}"})
        if role == Role.ADMIN:
            assert response.status_code == 201, response.text
        else:
            assert response.status_code == 403


def test_a_wrong_password_reads_the_same_whether_or_not_the_user_exists(db: Database, client: TestClient) -> None:
    with db.uow() as uow:
        make_user(uow, Role.ADMIN, "quantri")
        uow.commit()
    known = client.post("/api/v1/auth/token", json={"username": "quantri", "password": "wrong-password"})
    unknown = client.post("/api/v1/auth/token", json={"username": "khongco", "password": "wrong-password"})
    assert known.status_code == unknown.status_code == 401
    assert known.json() == unknown.json()
    pages = []
    for username in ("quantri", "khongco"):
        form = client.get("/login").text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form)
        assert csrf is not None
        data = {"username": username, "password": "wrong-password", "csrf_token": csrf.group(1)}
        pages.append(client.post("/login", data=data))
    assert pages[0].status_code == pages[1].status_code == 401
    assert "Sai tên đăng nhập hoặc mật khẩu" in pages[0].text

    def without_tokens(html: str) -> str:
        return re.sub(r'name="csrf_token" value="[^"]+"', "", html)

    assert without_tokens(pages[0].text) == without_tokens(pages[1].text)


def test_the_login_form_needs_its_csrf_token(db: Database, client: TestClient) -> None:
    with db.uow() as uow:
        make_user(uow, Role.ADMIN, "quantri")
        uow.commit()
    response = client.post("/login", data={"username": "quantri", "password": PASSWORD}, follow_redirects=False)
    assert response.status_code == 403
    assert "ansinh_session" not in response.cookies


def test_a_logged_in_page_form_without_the_csrf_token_is_refused(db: Database, client: TestClient) -> None:
    with db.uow() as uow:
        make_user(uow, Role.ADMIN, "quantri")
        uow.commit()
    csrf = browser_login(client, "quantri")
    refused = client.post("/logout", data={}, follow_redirects=False)
    assert refused.status_code == 403
    assert client.get("/", follow_redirects=False).status_code == 200  # still logged in
    done = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert done.status_code == 303
    assert client.get("/", follow_redirects=False).status_code == 303  # logged out


def test_the_home_page_is_vietnamese_and_switches_to_english(db: Database, client: TestClient) -> None:
    with db.uow() as uow:
        make_user(uow, Role.ADMIN, "quantri")
        uow.commit()
    browser_login(client, "quantri")
    home = client.get("/")
    assert '<html lang="vi">' in home.text
    assert "Xin chào" in home.text
    assert "23/11/2026" in home.text  # the test clock's day, written dd/mm/yyyy
    client.get("/lang/en", follow_redirects=False)
    assert "Welcome" in client.get("/").text


def test_the_login_redirect_never_leaves_the_site(db: Database, client: TestClient) -> None:
    with db.uow() as uow:
        make_user(uow, Role.ADMIN, "quantri")
        uow.commit()
    page = client.get("/login?next=//evil.example/")
    assert 'name="next" value="/"' in page.text


def test_an_unknown_unit_code_is_a_404_naming_the_code(db: Database, client: TestClient) -> None:
    with db.uow() as uow:
        make_user(uow, Role.VIEWER, "lanhdao")
        uow.commit()
    token = api_token(client, "lanhdao")
    response = client.get("/api/v1/geo/communes/98765", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 404
    assert "98765" in response.json()["message"]
    assert "98765" in response.json()["message_en"]


def test_the_geo_api_finds_can_tho_without_diacritics(db: Database, client: TestClient) -> None:
    with db.uow() as uow:
        make_user(uow, Role.COMMUNE_OFFICER, "xa.ninhkieu")
        uow.commit()
    token = api_token(client, "xa.ninhkieu")
    response = client.get("/api/v1/geo/search", params={"q": "can tho"}, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.json()[0]["name"] == "Thành phố Cần Thơ"


def test_pages_send_security_headers(client: TestClient) -> None:
    response = client.get("/login")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize(
    "url",
    ["/api/v1/audit?after=9223372036854775808", "/api/v1/geo/search?q=a%00b", "/api/v1/geo/communes/%00"],
)
def test_values_the_database_cannot_hold_are_refused_cleanly(db: Database, client: TestClient, url: str) -> None:
    with db.uow() as uow:
        make_user(uow, Role.ADMIN, "quantri")
        uow.commit()
    token = api_token(client, "quantri")
    response = client.get(url, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code in (200, 404, 422), response.text
    assert response.json()  # a JSON answer, never a crash


def test_a_nul_character_in_a_user_name_is_refused_without_a_crash(client: TestClient) -> None:
    response = client.post("/api/v1/auth/token", json={"username": "a\x00b", "password": "x"})
    assert response.status_code in (401, 422)
