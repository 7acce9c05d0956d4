"""`ansinh registry …`: persons and beneficiaries, import and export, verification."""

from __future__ import annotations

import typer

from ansinh.cli import registry_import_cli, registry_person_cli, registry_verify_cli

app = typer.Typer(
    help="Đối tượng, nhập/xuất danh sách, xác thực / persons, import and export, verification", no_args_is_help=True
)
registry_person_cli.register(app)
registry_import_cli.register(app)
registry_verify_cli.register(app)
