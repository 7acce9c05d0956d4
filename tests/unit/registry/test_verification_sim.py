"""The population-database simulator: its comparison rules, its file, and its misbehaviour on demand."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ansinh.registry.population_sim import (
    Citizen,
    Misbehaviour,
    PopulationFileError,
    compare,
    create_app,
    parse_population,
    read_population,
    write_population,
)

AN = Citizen("092050000101", "Nguyễn Văn An", date(1950, 3, 14), "male")
DEAD = Citizen("092140000104", "Phạm Thị Dung", date(1940, 5, 5), "female", date_of_death=date(2026, 10, 5))
HEADER = "national_id,full_name,date_of_birth,sex,date_of_death\n"


def test_a_name_matches_without_diacritics_case_or_extra_spaces() -> None:
    assert compare(AN, full_name="  NGUYEN   van an ", date_of_birth=date(1950, 3, 14)) == "match"


def test_a_different_name_is_a_name_mismatch_before_the_date_of_birth_is_looked_at() -> None:
    assert compare(AN, full_name="Nguyễn Văn Ân Huy", date_of_birth=date(1950, 3, 14)) == "name_mismatch"
    assert compare(AN, full_name="Nguyễn Văn Bình", date_of_birth=date(1999, 1, 1)) == "name_mismatch"


def test_another_date_of_birth_is_a_dob_mismatch() -> None:
    assert compare(AN, full_name="Nguyễn Văn An", date_of_birth=date(1950, 3, 15)) == "dob_mismatch"


def test_a_death_is_reported_whatever_name_was_sent_and_an_unknown_id_is_not_found() -> None:
    assert compare(DEAD, full_name="Someone Else", date_of_birth=date(2000, 1, 1)) == "deceased"
    assert compare(None, full_name="Nguyễn Văn An", date_of_birth=date(1950, 3, 14)) == "not_found"


def test_the_population_file_reads_back_what_was_written_even_with_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "population.csv"
    assert write_population(path, [AN, DEAD]) == 2
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert read_population(path) == {AN.national_id: AN, DEAD.national_id: DEAD}


@pytest.mark.parametrize(
    ("body", "names"),
    [
        ("national_id,full_name,date_of_birth,sex\n", "national_id,full_name"),
        (HEADER + "092050000101,Nguyễn Văn An,14/03/1950,male,\n", "row 2, column date_of_birth"),
        (HEADER + "92050000101,Nguyễn Văn An,1950-03-14,male,\n", "row 2, column national_id"),
        (HEADER + "092050000101,,1950-03-14,male,\n", "row 2, column full_name"),
        (HEADER + "092050000101,Nguyễn Văn An,1950-03-14,nam,\n", "row 2, column sex"),
        (HEADER + "092050000101,An,1950-03-14,male,\n092050000101,An,1950-03-14,male,\n", "row 3, column national_id"),
        (HEADER + "092050000101,An,1950-03-14,male,2026-13-01\n", "row 2, column date_of_death"),
        (HEADER + "092050000101,An,1950-03-14\n", "row 2"),
    ],
)
def test_a_bad_population_file_is_refused_naming_the_row_and_column(body: str, names: str) -> None:
    with pytest.raises(PopulationFileError) as error:
        parse_population(body.splitlines(keepends=True))
    assert names in error.value.message_en
    assert error.value.message_vi.startswith(("Tệp dân cư", "Dòng tiêu đề"))


def test_a_population_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "population.csv"
    path.write_bytes((HEADER + "092050000101,Nguyễn Văn An,1950-03-14,male,\n").encode("utf-16"))
    with pytest.raises(PopulationFileError, match="UTF-8"):
        read_population(path)


def _client(**options: object) -> TestClient:
    return TestClient(create_app({AN.national_id: AN, DEAD.national_id: DEAD}, **options))  # type: ignore[arg-type]


def _ask(client: TestClient, citizen: Citizen = AN, **headers: str) -> tuple[int, dict[str, object]]:
    body = {
        "national_id": citizen.national_id,
        "full_name": citizen.full_name,
        "date_of_birth": citizen.date_of_birth.isoformat(),
    }
    response = client.post("/v1/citizens/verify", json=body, headers=headers)
    return response.status_code, response.json()


def test_the_service_answers_with_the_result_and_what_the_database_holds() -> None:
    status, body = _ask(_client(), DEAD)
    assert status == 200
    assert body["result"] == "deceased"
    assert body["registry"] == {
        "national_id": DEAD.national_id,
        "full_name": "Phạm Thị Dung",
        "date_of_birth": "1940-05-05",
        "sex": "female",
        "date_of_death": "2026-10-05",
    }
    status, body = _ask(_client(), Citizen("092099999999", "X", date(1999, 1, 1), "male"))
    assert (status, body) == (200, {"result": "not_found", "registry": None})


def test_a_key_is_required_when_the_simulator_has_one() -> None:
    client = _client(api_key="s3cret")
    assert _ask(client)[0] == 401
    assert _ask(client, **{"X-API-Key": "wrong"})[0] == 401
    assert _ask(client, **{"X-API-Key": "s3cret"})[0] == 200


def test_chosen_ids_answer_503_and_the_others_still_answer() -> None:
    client = _client(misbehaviour=Misbehaviour(unavailable_ids=frozenset({AN.national_id})))
    assert _ask(client, AN)[0] == 503
    assert _ask(client, DEAD)[0] == 200


def test_a_fail_rate_fails_that_share_of_requests_repeatably_for_a_seed() -> None:
    def statuses() -> list[int]:
        client = _client(misbehaviour=Misbehaviour(fail_rate=0.5, seed=7))
        return [_ask(client)[0] for _ in range(40)]

    first = statuses()
    assert first == statuses()
    assert 5 < first.count(503) < 35
    assert set(first) == {200, 503}
    assert {_ask(_client(misbehaviour=Misbehaviour(fail_rate=1.0)))[0] for _ in range(5)} == {503}


def test_misbehaviour_refuses_impossible_settings() -> None:
    with pytest.raises(ValueError, match="fail_rate"):
        Misbehaviour(fail_rate=1.5)
    with pytest.raises(ValueError, match="delay"):
        Misbehaviour(delay_seconds=-1)


def test_a_malformed_request_is_refused_with_422() -> None:
    response = _client().post("/v1/citizens/verify", json={"national_id": AN.national_id, "full_name": "A"})
    assert response.status_code == 422
