"""End-to-end fixtures: the real `ansinh` command and a real server on a free local port."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ANSINH = str(Path(sys.executable).parent / "ansinh")  # the installed console script, as a user runs it


def run_cli(*args: str, env: dict[str, str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ANSINH, *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        input=stdin,
        timeout=300,
        check=False,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class DemoServer:
    base_url: str
    env: dict[str, str]
    passwords: dict[str, str]


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    """`ansinh demo` then `ansinh serve` on SQLite, exactly as `make run` does, on a free port."""
    home = tmp_path_factory.mktemp("demo")
    env = {
        "DATABASE_URL": f"sqlite:///{home / 'ansinh.db'}",
        "ANSINH_ENV": "demo",
        "ANSINH_VAR_DIR": str(home / "var"),
        "ANSINH_TODAY": "2026-11-23",
    }
    demo = run_cli("demo", "--json", env=env)
    assert demo.returncode == 0, demo.stderr
    passwords = {u["username"]: u["password"] for u in json.loads(demo.stdout)["created_users"]}
    port = free_port()
    log = open(home / "server.log", "w")  # noqa: SIM115 - closed below, after the server stops
    server = subprocess.Popen(
        [ANSINH, "serve", "--port", str(port)], env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT
    )
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{base_url}/health", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            log.close()
            pytest.fail(f"the server did not start:\n{(home / 'server.log').read_text()}")
        time.sleep(0.2)
    yield DemoServer(base_url, env, passwords)
    server.terminate()
    server.wait(timeout=30)
    log.close()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under pytest-xdist, every end-to-end test runs on one worker, so the demo (20,000 rows) is built once."""
    for item in items:
        if "/e2e/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.xdist_group("e2e"))
