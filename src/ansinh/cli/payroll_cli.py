"""`ansinh payroll` — run a period's payroll, review, approve, cancel, fund, and show it."""

from __future__ import annotations

import typer

app = typer.Typer(help="Danh sách chi trả hằng tháng / monthly payrolls", no_args_is_help=True)
