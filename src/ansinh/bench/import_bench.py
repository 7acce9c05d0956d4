"""`ansinh bench import`: the registry import of a generated file against openpyxl merely reading the same file.

One run: generate a demo import file (``ansinh.demo.generate``), time openpyxl in read-only mode iterating every
cell of it (the floor: no import can read an .xlsx faster than the library it reads it with), then time the full
import — validation, every table written, likely duplicates flagged, committed — into a fresh migrated database:
a SQLite file by default, or a new database created on the PostgreSQL server of ``database_url`` (and dropped
afterwards). The ratio import ÷ floor is the figure to keep at or under ``TARGET_RATIO``.

Setting the database up (migration, administrative units, banks, providers, and the guardians and proxies the
file names, registered beforehand as the import requires) is not timed.
"""

from __future__ import annotations

import csv
import resource
import secrets
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import text
from sqlalchemy.engine import make_url

from ansinh.access.domain import Area
from ansinh.core.clock import FixedDayClock
from ansinh.core.db import make_engine, session_factory
from ansinh.core.uow import UnitOfWork
from ansinh.registry.import_service import import_file

TARGET_RATIO = 3.0
DEFAULT_SEED = 20261123


@dataclass(frozen=True)
class ImportBenchReport:
    rows: int
    format: str
    database: str  # sqlite | postgresql
    file_bytes: int
    read_seconds: float  # the floor: openpyxl (or the csv module) reading every cell
    import_seconds: float
    ratio: float
    read_rows_per_second: float
    import_rows_per_second: float
    target_ratio: float
    accepted: int
    rejected: int
    created: int
    duplicates_flagged: int
    max_rss_mb: float  # peak memory of the whole process (generation and reading included)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def run_import_bench(
    *,
    rows: int,
    database_url: str | None = None,
    seed: int = DEFAULT_SEED,
    fmt: Literal["xlsx", "csv"] = "xlsx",
    progress: Any = None,
) -> ImportBenchReport:
    """Generate, read (the floor), import (timed); return both timings and their ratio."""
    from ansinh.demo.generate import REFERENCE_TODAY, write_import_file

    say = progress or (lambda _message: None)
    with tempfile.TemporaryDirectory(prefix="ansinh-bench-") as folder:
        path = Path(folder) / f"bench.{fmt}"
        say(f"generating {rows} rows → {path.name}")
        write_import_file(path, rows=rows, seed=seed, fmt=fmt)
        size = path.stat().st_size
        say("reading the file (the floor)")
        read_seconds = _read_floor(path)
        clock = FixedDayClock(REFERENCE_TODAY)  # the generated decisions are dated before the generator's day
        with _fresh_database(database_url, Path(folder)) as (url, dialect):
            say(f"preparing a fresh {dialect} database")
            engine = make_engine(url)
            try:
                _prepare(engine, clock, rows=rows, seed=seed)
                say("importing")
                sessions = session_factory(engine)
                started = time.perf_counter()
                with UnitOfWork(sessions, clock, actor="bench") as uow:
                    report = import_file(uow, path=path, area=Area(), max_bytes=max(size, 1))
                    if report.should_commit:
                        uow.commit()
                import_seconds = time.perf_counter() - started
            finally:
                engine.dispose()
    return ImportBenchReport(
        rows=rows,
        format=fmt,
        database=dialect,
        file_bytes=size,
        read_seconds=round(read_seconds, 3),
        import_seconds=round(import_seconds, 3),
        ratio=round(import_seconds / read_seconds, 2) if read_seconds else 0.0,
        read_rows_per_second=round(rows / read_seconds) if read_seconds else 0.0,
        import_rows_per_second=round(rows / import_seconds) if import_seconds else 0.0,
        target_ratio=TARGET_RATIO,
        accepted=report.accepted,
        rejected=report.rejected,
        created=report.created,
        duplicates_flagged=report.duplicates_flagged,
        max_rss_mb=round(_max_rss_mb(), 1),
    )


def _read_floor(path: Path) -> float:
    """Seconds to visit every cell: openpyxl read-only for .xlsx, the csv module for .csv."""
    started = time.perf_counter()
    cells = 0
    if path.suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for values in csv.reader(handle):
                for _ in values:
                    cells += 1
    else:
        from openpyxl import load_workbook  # type: ignore[import-untyped]  # openpyxl ships no type hints

        workbook = load_workbook(path, read_only=True, data_only=False, keep_links=False)
        try:
            for values in workbook.worksheets[0].iter_rows(values_only=True):
                for _ in values:
                    cells += 1
        finally:
            workbook.close()
    return time.perf_counter() - started


@contextmanager
def _fresh_database(database_url: str | None, folder: Path) -> Iterator[tuple[str, str]]:
    """A new empty database: a SQLite file in ``folder``, or one created (then dropped) on the given server."""
    if database_url is None:
        yield f"sqlite:///{folder / 'bench.db'}", "sqlite"
        return
    base = make_url(database_url)
    if base.get_backend_name() == "sqlite":
        yield database_url, "sqlite"
        return
    name = f"ansinh_bench_{secrets.token_hex(4)}"
    admin = make_engine(database_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield base.set(database=name).render_as_string(hide_password=False), "postgresql"
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def _prepare(engine: Any, clock: FixedDayClock, *, rows: int, seed: int) -> None:
    """Migrate, load the reference data, and register the payees the file names, as the demo does (untimed)."""
    from ansinh.demo.generate import generate_payees
    from ansinh.demo.loader import load_reference_data, register_payees
    from ansinh.geo.services import load_units
    from ansinh.schema import upgrade

    upgrade(engine)
    with UnitOfWork(session_factory(engine), clock, actor="bench") as uow:
        load_units(uow)
        load_reference_data(uow)
        register_payees(uow, generate_payees(rows=rows, seed=seed))
        uow.commit()


def _max_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024  # bytes on macOS, KiB on Linux
