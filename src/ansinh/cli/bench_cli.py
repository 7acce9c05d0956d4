"""`ansinh bench` — benchmarks (see docs/performance.md)."""

from __future__ import annotations

from typing import Annotated, Literal

import typer

from ansinh.cli.context import emit_json

app = typer.Typer(no_args_is_help=True)


@app.command("import")
def import_bench(
    rows: Annotated[
        int, typer.Option("--rows", min=1, max=500_000, help="Số dòng của tệp / rows in the file")
    ] = 100_000,
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            help="PostgreSQL: một CSDL mới được tạo rồi xoá trên máy chủ này / a fresh database is created and "
            "dropped on this server (default: a temporary SQLite file)",
        ),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Hạt giống sinh dữ liệu / generator seed")] = 20261123,
    fmt: Annotated[str, typer.Option("--format", help="xlsx hoặc csv / xlsx or csv")] = "xlsx",
    json_output: Annotated[bool, typer.Option("--json", help="In kết quả dạng JSON / print JSON")] = False,
) -> None:
    """Đo thời gian nhập so với thời gian openpyxl chỉ đọc tệp / time the import against openpyxl reading the file."""
    from ansinh.bench.import_bench import run_import_bench
    from ansinh.core.errors import ValidationFailed

    if fmt not in ("xlsx", "csv"):
        raise ValidationFailed("--format là xlsx hoặc csv.", "--format is xlsx or csv.", field="format")
    chosen: Literal["xlsx", "csv"] = "csv" if fmt == "csv" else "xlsx"
    progress = None if json_output else (lambda message: typer.echo(f"… {message}", err=True))
    report = run_import_bench(rows=rows, database_url=database_url, seed=seed, fmt=chosen, progress=progress)
    if json_output:
        emit_json(report.as_dict())
        return
    verdict = "đạt / met" if report.ratio <= report.target_ratio else "CHƯA ĐẠT / NOT met"
    typer.echo(f"{report.rows} dòng/rows, {report.format}, {report.file_bytes:,} bytes, {report.database}")
    typer.echo(
        f"đọc (openpyxl)  / read (floor): {report.read_seconds:8.2f} s  {report.read_rows_per_second:>9,.0f} rows/s"
    )
    typer.echo(
        f"nhập            / import:       {report.import_seconds:8.2f} s  {report.import_rows_per_second:>9,.0f} rows/s"
    )
    typer.echo(f"tỷ lệ / ratio: {report.ratio:.2f} (mục tiêu / target ≤ {report.target_ratio:g}: {verdict})")
    typer.echo(
        f"nhận / accepted {report.accepted}, từ chối / rejected {report.rejected}, "
        f"nghi trùng / duplicates flagged {report.duplicates_flagged}, bộ nhớ đỉnh / peak memory {report.max_rss_mb} MB"
    )
