"""The population-database simulator served over real HTTP on a free local port, in a thread (for tests)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date

import uvicorn

from ansinh.registry.population_sim import Citizen, Misbehaviour, create_app

# A small population; each citizen answers one outcome for the person registered with the values beside it.
MATCH = Citizen("092050000101", "Nguyễn Văn An", date(1950, 3, 14), "male")
NAME_DIFFERS = Citizen("092152000102", "Trần Thị Bích", date(1952, 7, 1), "female")  # registered as "Trần Thị Bình"
DOB_DIFFERS = Citizen("092048000103", "Lê Văn Cường", date(1948, 1, 9), "male")  # registered born 1948-01-19
DECEASED = Citizen("092140000104", "Phạm Thị Dung", date(1940, 5, 5), "female", date_of_death=date(2026, 10, 5))
DOWN = Citizen("092055000105", "Võ Văn Em", date(1955, 2, 2), "male")  # its ID always answers 503
ABSENT_ID = "092060000106"  # registered, but not in the population database
POPULATION = (MATCH, NAME_DIFFERS, DOB_DIFFERS, DECEASED, DOWN)


@contextmanager
def serve_population(
    citizens: Iterable[Citizen] = POPULATION,
    *,
    api_key: str | None = None,
    misbehaviour: Misbehaviour | None = None,
) -> Iterator[str]:
    """Run the simulator with uvicorn in a thread on a free port; yields its base URL."""
    app = create_app({c.national_id: c for c in citizens}, api_key=api_key, misbehaviour=misbehaviour)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the population simulator did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
