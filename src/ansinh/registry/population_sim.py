"""A simulator of the national population database: a small HTTP service over a population file.

``ansinh sim population --file population.csv --port 8100`` serves ``POST /v1/citizens/verify``. The file is
UTF-8 CSV with the header ``national_id,full_name,date_of_birth,sex,date_of_death``. Names are compared without
diacritics, case or extra spaces, as a clerk would. It misbehaves on demand: chosen citizen IDs answer 503, a
share of all requests fails at random, every answer can be delayed, and a key can be required.
"""

from __future__ import annotations

import asyncio
import csv
import hmac
import io
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from fastapi import FastAPI, Header
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from ansinh.core.errors import ValidationFailed
from ansinh.registry.names import name_key
from ansinh.registry.verification import API_KEY_HEADER, VERIFY_PATH

COLUMNS = ("national_id", "full_name", "date_of_birth", "sex", "date_of_death")
SEXES = ("male", "female")

type Result = Literal["match", "name_mismatch", "dob_mismatch", "deceased", "not_found"]


@dataclass(frozen=True, slots=True)
class Citizen:
    national_id: str
    full_name: str
    date_of_birth: date
    sex: str
    date_of_death: date | None = None


class PopulationFileError(ValidationFailed):
    """The population file cannot be served; the message names the row (header = row 1) and the column."""


def _row_error(row: int, column: str, vi: str, en: str) -> PopulationFileError:
    return PopulationFileError(
        f"Tệp dân cư, dòng {row}, cột {column}: {vi}",
        f"Population file, row {row}, column {column}: {en}",
        field=column,
    )


def _parse_day(text: str, row: int, column: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _row_error(
            row, column, f"ngày không hợp lệ {text!r} (YYYY-MM-DD)", f"invalid date {text!r} (YYYY-MM-DD)"
        ) from None


def parse_population(lines: Iterable[str]) -> dict[str, Citizen]:
    """Citizen ID → citizen; refuses the whole file at its first bad row (a simulator serves all or nothing)."""
    reader = csv.reader(lines)
    header = next(reader, None)
    if header is None or tuple(cell.strip() for cell in header) != COLUMNS:
        raise PopulationFileError(
            f"Dòng tiêu đề của tệp dân cư phải là {','.join(COLUMNS)}",
            f"The population file's header must be {','.join(COLUMNS)}",
        )
    citizens: dict[str, Citizen] = {}
    for row_number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(COLUMNS):
            raise _row_error(
                row_number, "*", f"cần {len(COLUMNS)} cột, có {len(cells)}", f"{len(COLUMNS)} cells expected"
            )
        national_id, full_name, born, sex, died = (cell.strip() for cell in cells)
        if len(national_id) != 12 or not national_id.isascii() or not national_id.isdigit():
            raise _row_error(row_number, "national_id", "cần đúng 12 chữ số", "12 digits expected")
        if national_id in citizens:
            raise _row_error(row_number, "national_id", "trùng số định danh", "duplicate citizen ID")
        if not full_name:
            raise _row_error(row_number, "full_name", "thiếu họ tên", "missing name")
        if sex not in SEXES:
            raise _row_error(row_number, "sex", "phải là male hoặc female", "must be male or female")
        citizens[national_id] = Citizen(
            national_id=national_id,
            full_name=full_name,
            date_of_birth=_parse_day(born, row_number, "date_of_birth"),
            sex=sex,
            date_of_death=_parse_day(died, row_number, "date_of_death") if died else None,
        )
    return citizens


def read_population(path: Path) -> dict[str, Citizen]:
    try:
        text = path.read_text(encoding="utf-8-sig")  # with or without a byte-order mark
    except FileNotFoundError:
        raise PopulationFileError(f"Không có tệp {path}", f"No such file: {path}", field="file") from None
    except UnicodeDecodeError:
        raise PopulationFileError(
            "Tệp dân cư phải mã hoá UTF-8", "The population file must be UTF-8 encoded", field="file"
        ) from None
    return parse_population(io.StringIO(text, newline=""))


def write_population(path: Path, citizens: Iterable[Citizen]) -> int:
    """Write a population file the simulator reads; how many citizens were written."""
    count = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for citizen in citizens:
            died = citizen.date_of_death.isoformat() if citizen.date_of_death else ""
            writer.writerow(
                [citizen.national_id, citizen.full_name, citizen.date_of_birth.isoformat(), citizen.sex, died]
            )
            count += 1
    return count


def compare(citizen: Citizen | None, *, full_name: str, date_of_birth: date) -> Result:
    """What the database answers: a death first (the ID is the person's), then the name, then the date of birth."""
    if citizen is None:
        return "not_found"
    if citizen.date_of_death is not None:
        return "deceased"
    if name_key(citizen.full_name) != name_key(full_name):
        return "name_mismatch"
    if citizen.date_of_birth != date_of_birth:
        return "dob_mismatch"
    return "match"


@dataclass(frozen=True)
class Misbehaviour:
    """Failures on demand, to rehearse what the real service does on a bad day."""

    unavailable_ids: frozenset[str] = field(default_factory=frozenset)  # these citizen IDs always answer 503
    fail_rate: float = 0.0  # this share of all requests answers 503
    delay_seconds: float = 0.0  # every answer waits this long (longer than the client's timeout: a timeout)
    seed: int | None = None  # makes the random failures repeatable

    def __post_init__(self) -> None:
        if not 0.0 <= self.fail_rate <= 1.0:
            raise ValueError("fail_rate must be between 0 and 1")
        if self.delay_seconds < 0:
            raise ValueError("delay_seconds must not be negative")


class VerifyIn(BaseModel):
    national_id: str = Field(max_length=20)
    full_name: str = Field(max_length=200)
    date_of_birth: date


class RecordOut(BaseModel):
    national_id: str
    full_name: str
    date_of_birth: date
    sex: str
    date_of_death: date | None


class VerifyOut(BaseModel):
    result: Result
    registry: RecordOut | None


def create_app(
    population: Mapping[str, Citizen], *, api_key: str | None = None, misbehaviour: Misbehaviour | None = None
) -> FastAPI:
    """The simulator as an ASGI application (served by uvicorn, or called in-process by tests)."""
    bad_day = misbehaviour or Misbehaviour()
    chance = random.Random(bad_day.seed)  # noqa: S311 - simulated outages, not security
    app = FastAPI(title="Population database simulator", docs_url=None, redoc_url=None)

    def unavailable() -> JSONResponse:
        return JSONResponse({"error": "service_unavailable"}, status_code=503)

    @app.get("/health")
    def health() -> dict[str, object]:
        return {"status": "ok", "citizens": len(population)}

    @app.post(VERIFY_PATH, response_model=VerifyOut)
    async def verify(
        body: VerifyIn, key: Annotated[str | None, Header(alias=API_KEY_HEADER)] = None
    ) -> VerifyOut | JSONResponse:
        if api_key and not hmac.compare_digest((key or "").encode(), api_key.encode()):
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        if bad_day.delay_seconds:
            await asyncio.sleep(bad_day.delay_seconds)
        if body.national_id in bad_day.unavailable_ids:
            return unavailable()
        if bad_day.fail_rate and chance.random() < bad_day.fail_rate:
            return unavailable()
        citizen = population.get(body.national_id)
        result = compare(citizen, full_name=body.full_name, date_of_birth=body.date_of_birth)
        record = None if citizen is None else _record(citizen)
        return VerifyOut(result=result, registry=record)

    return app


def _record(citizen: Citizen) -> RecordOut:
    return RecordOut(
        national_id=citizen.national_id,
        full_name=citizen.full_name,
        date_of_birth=citizen.date_of_birth,
        sex=citizen.sex,
        date_of_death=citizen.date_of_death,
    )
