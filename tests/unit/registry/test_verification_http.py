"""The HTTP adapter of the population database, against the simulator served over real HTTP."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from datetime import date

import httpx
import pytest
from tests.population_server import ABSENT_ID, DECEASED, DOB_DIFFERS, DOWN, MATCH, NAME_DIFFERS, serve_population

from ansinh.core.errors import ConfigError
from ansinh.core.settings import Settings
from ansinh.registry.domain import VerificationOutcome
from ansinh.registry.population_sim import Misbehaviour
from ansinh.registry.verification import HttpPopulationRegistry, NotConfigured, registry_from_settings

KEY = "khoa-thu-nghiem"


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    misbehaviour = Misbehaviour(unavailable_ids=frozenset({DOWN.national_id}))
    with serve_population(api_key=KEY, misbehaviour=misbehaviour) as base_url:
        yield base_url


@pytest.fixture
def registry(url: str) -> Iterator[HttpPopulationRegistry]:
    with HttpPopulationRegistry(url, api_key=KEY, timeout=5) as adapter:
        yield adapter


def test_a_matching_person_is_a_match_with_what_the_database_holds(registry: HttpPopulationRegistry) -> None:
    answer = registry.verify(MATCH.national_id, "NGUYEN VAN AN", MATCH.date_of_birth)
    assert answer.outcome is VerificationOutcome.MATCH
    assert (answer.full_name, answer.date_of_birth, answer.date_of_death) == ("Nguyễn Văn An", date(1950, 3, 14), None)


def test_each_disagreement_has_its_own_outcome(registry: HttpPopulationRegistry) -> None:
    name = registry.verify(NAME_DIFFERS.national_id, "Trần Thị Bình", NAME_DIFFERS.date_of_birth)
    assert name.outcome is VerificationOutcome.NAME_MISMATCH
    assert name.full_name == "Trần Thị Bích"
    born = registry.verify(DOB_DIFFERS.national_id, DOB_DIFFERS.full_name, date(1948, 1, 19))
    assert born.outcome is VerificationOutcome.DOB_MISMATCH
    assert born.date_of_birth == date(1948, 1, 9)
    assert registry.verify(ABSENT_ID, "Đỗ Văn Giang", date(1960, 1, 1)).outcome is VerificationOutcome.NOT_FOUND


def test_a_death_comes_with_its_date(registry: HttpPopulationRegistry) -> None:
    answer = registry.verify(DECEASED.national_id, DECEASED.full_name, DECEASED.date_of_birth)
    assert answer.outcome is VerificationOutcome.DECEASED
    assert answer.date_of_death == date(2026, 10, 5)


def test_a_503_is_unavailable_not_an_error(registry: HttpPopulationRegistry) -> None:
    answer = registry.verify(DOWN.national_id, DOWN.full_name, DOWN.date_of_birth)
    assert answer.outcome is VerificationOutcome.UNAVAILABLE
    assert answer.reason == "HTTP 503"


def test_a_wrong_key_is_unavailable_and_logged_without_the_citizen_id(
    url: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING), HttpPopulationRegistry(url, api_key="sai") as adapter:
        answer = adapter.verify(MATCH.national_id, MATCH.full_name, MATCH.date_of_birth)
    assert (answer.outcome, answer.reason) == (VerificationOutcome.UNAVAILABLE, "HTTP 401")
    assert "HTTP 401" in caplog.text
    assert MATCH.national_id not in caplog.text  # citizen IDs are masked in logs
    assert "092*******01" in caplog.text


def test_a_slow_service_times_out_as_unavailable() -> None:
    with (
        serve_population(misbehaviour=Misbehaviour(delay_seconds=1.0)) as slow,
        HttpPopulationRegistry(slow, timeout=0.2) as adapter,
    ):
        answer = adapter.verify(MATCH.national_id, MATCH.full_name, MATCH.date_of_birth)
    assert (answer.outcome, answer.reason) == (VerificationOutcome.UNAVAILABLE, "timeout")


def test_no_service_at_the_address_is_unavailable() -> None:
    with socket.socket() as sock:  # a port nobody listens on once the socket is closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with HttpPopulationRegistry(f"http://127.0.0.1:{port}", timeout=2) as adapter:
        answer = adapter.verify(MATCH.national_id, MATCH.full_name, MATCH.date_of_birth)
    assert answer.outcome is VerificationOutcome.UNAVAILABLE
    assert answer.reason is not None
    assert answer.reason.startswith("connection error")


@pytest.mark.parametrize(
    "reply",
    [
        httpx.Response(200, text="<html>maintenance</html>"),
        httpx.Response(200, json={"result": "maybe"}),
        httpx.Response(200, json={"result": "deceased", "registry": {"full_name": "X"}}),
        httpx.Response(200, json={"result": "match", "registry": {"date_of_birth": "14/03/1950"}}),
        httpx.Response(200, json=["match"]),
    ],
)
def test_an_answer_that_is_not_the_agreed_json_is_unavailable_and_logged(
    reply: httpx.Response, caplog: pytest.LogCaptureFixture
) -> None:
    transport = httpx.MockTransport(lambda request: reply)
    with caplog.at_level(logging.WARNING), HttpPopulationRegistry("http://population.test", transport=transport) as a:
        answer = a.verify(MATCH.national_id, MATCH.full_name, MATCH.date_of_birth)
    assert answer.outcome is VerificationOutcome.UNAVAILABLE
    assert answer.reason is not None
    assert answer.reason.startswith("malformed answer")
    assert "malformed answer" in caplog.text or "without a date of death" in caplog.text


def test_the_request_carries_the_agreed_fields_and_key() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"result": "match", "registry": None})

    transport = httpx.MockTransport(answer)
    with HttpPopulationRegistry("http://population.test/", api_key="k", transport=transport) as adapter:
        assert adapter.verify("092050000101", "Nguyễn Văn An", date(1950, 3, 14)).outcome is VerificationOutcome.MATCH
    assert str(seen[0].url) == "http://population.test/v1/citizens/verify"
    assert seen[0].headers["X-API-Key"] == "k"
    assert seen[0].read().decode() == (
        '{"national_id":"092050000101","full_name":"Nguyễn Văn An","date_of_birth":"1950-03-14"}'
    )


def test_the_address_must_be_http_and_must_be_configured() -> None:
    with pytest.raises(ConfigError, match="ANSINH_POPULATION_URL"):
        HttpPopulationRegistry("population.local:8100")
    with pytest.raises(NotConfigured) as error:
        registry_from_settings(Settings(population_url=None))
    assert error.value.http_status == 503
    assert "ANSINH_POPULATION_URL" in error.value.message_vi
    with registry_from_settings(Settings(population_url="http://127.0.0.1:1", population_api_key="k")) as adapter:
        assert isinstance(adapter, HttpPopulationRegistry)
