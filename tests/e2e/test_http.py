"""The real server over HTTP, started as `make run` starts it."""

from __future__ import annotations

import httpx
from tests.e2e.conftest import DemoServer


def test_the_login_page_is_served_in_vietnamese(demo_server: DemoServer) -> None:
    response = httpx.get(f"{demo_server.base_url}/login")
    assert response.status_code == 200
    assert "Đăng nhập" in response.text


def test_a_demo_user_exists_for_every_role(demo_server: DemoServer) -> None:
    assert len(demo_server.passwords) == 8


def test_the_api_answers_a_demo_user_with_a_bearer_token(demo_server: DemoServer) -> None:
    with httpx.Client(base_url=demo_server.base_url) as client:
        login = client.post(
            "/api/v1/auth/token", json={"username": "admin", "password": demo_server.passwords["admin"]}
        )
        assert login.status_code == 200
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        me = client.get("/api/v1/me", headers=headers)
        assert me.json()["role"] == "admin"
        provinces = client.get("/api/v1/geo/provinces", headers=headers).json()
        assert len(provinces) == 34
        assert client.delete("/api/v1/auth/token", headers=headers).status_code == 204
        assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_the_health_check_reports_the_database(demo_server: DemoServer) -> None:
    assert httpx.get(f"{demo_server.base_url}/health").json() == {"status": "ok", "database": "ok"}


def test_the_api_refuses_anonymous_callers(demo_server: DemoServer) -> None:
    response = httpx.get(f"{demo_server.base_url}/api/v1/geo/provinces")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
