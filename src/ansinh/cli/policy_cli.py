"""`ansinh policy` — list and change the rule tables (standard levels, coefficients, appendices)."""

from __future__ import annotations

import typer

app = typer.Typer(help="Bảng quy định mức hưởng / rule tables", no_args_is_help=True)
