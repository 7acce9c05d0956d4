"""Bulk writes: COPY on PostgreSQL, one executemany elsewhere — for the set-based paths (import, payroll)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import JSON, Connection, Table, insert
from sqlalchemy.exc import DataError, IntegrityError


def bulk_insert(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert many rows with the same keys: COPY on PostgreSQL, one executemany elsewhere (SQLite)."""
    if not rows:
        return
    if connection.dialect.name != "postgresql":
        _executemany(connection, table, rows)
        return
    columns = list(rows[0])
    json_columns = {c.name for c in table.columns if isinstance(c.type, JSON)}
    driver = connection.connection.driver_connection  # the psycopg connection, in this very transaction
    assert driver is not None
    names = ", ".join(f'"{name}"' for name in columns)
    statement = f'COPY "{table.name}" ({names}) FROM STDIN'
    import psycopg

    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for values in rows:
                copy.write_row(
                    [json.dumps(values[c], ensure_ascii=False) if c in json_columns else values[c] for c in columns]
                )
    except (psycopg.IntegrityError, psycopg.DataError) as exc:
        # The same errors SQLAlchemy would raise for an INSERT: the callers and the API handle those.
        wrapper = IntegrityError if isinstance(exc, psycopg.IntegrityError) else DataError
        raise wrapper(statement, None, exc) from exc


def _executemany(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """One executemany with the columns' own bind processors applied once per value.

    The values are stored exactly as ``insert(table)`` would store them (the processors are the types' own), but
    without SQLAlchemy's per-row statement bookkeeping, which cost more than SQLite's work.
    """
    columns = list(rows[0])
    dialect = connection.dialect
    if dialect.paramstyle != "qmark":
        connection.execute(insert(table), list(rows))
        return
    processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns]
    names = ", ".join(f'"{name}"' for name in columns)
    marks = ", ".join("?" for _ in columns)
    values = [
        tuple(
            value if process is None else process(value)
            for process, value in zip(processors, row.values(), strict=True)
        )
        for row in rows
    ]
    # Table and column names come from our own metadata, never from the file: nothing to inject.
    statement = f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})'  # noqa: S608
    connection.exec_driver_sql(statement, values)
