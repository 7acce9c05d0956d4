"""`ansinh audit` — the hash-chained audit log."""

from __future__ import annotations

from typing import Annotated

import typer

from ansinh.cli.context import ctx, emit_json
from ansinh.core import audit

app = typer.Typer(help="Nhật ký kiểm toán / audit log", no_args_is_help=True)


@app.command()
def verify(json_output: Annotated[bool, typer.Option("--json", help="JSON")] = False) -> None:
    """Kiểm tra chuỗi băm; chỉ ra bản ghi bị sửa hoặc xoá / check the hash chain; name edited or removed records."""
    with ctx.uow() as uow:
        report = audit.verify(uow.session)
    if json_output:
        emit_json(report.as_dict())
    else:
        for problem in report.problems:
            typer.echo(f"✗ {problem.message_vi}\n  {problem.message_en}")
        if report.ok:
            typer.echo(f"✓ Nhật ký toàn vẹn: {report.checked} bản ghi / audit log intact: {report.checked} records")
    if not report.ok:
        raise typer.Exit(1)
