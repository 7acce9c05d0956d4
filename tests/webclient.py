"""Helpers to drive the application in-process (TestClient) as a given user."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.conftest import TODAY, Database
from tests.factories import PASSWORD

from ansinh.core.settings import Environment, Settings
from ansinh.web.app import create_app


def make_app(db: Database) -> FastAPI:
    settings = Settings(database_url=db.url, env=Environment.TEST, today=TODAY)
    return create_app(settings, engine=db.engine)


def api_token(client: TestClient, username: str, password: str = PASSWORD) -> str:
    response = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def browser_login(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Log in through the login form like a browser; returns the page's CSRF token for later forms."""
    page = client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf.group(1), "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    home = client.get("/")
    token = re.search(r'name="csrf_token" value="([^"]+)"', home.text)
    assert token is not None
    return token.group(1)
