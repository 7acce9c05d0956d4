"""Commands of one group (see cli/main.py for its name)."""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True)
