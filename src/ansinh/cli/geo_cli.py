"""`ansinh geo` — administrative units."""

from __future__ import annotations

from typing import Annotated

import typer

from ansinh.cli.context import ctx, emit_json
from ansinh.geo import services
from ansinh.geo.domain import Unit

app = typer.Typer(help="Đơn vị hành chính / administrative units", no_args_is_help=True)
JsonFlag = Annotated[bool, typer.Option("--json", help="In kết quả dạng JSON / print JSON")]


def _line(unit: Unit) -> str:
    where = f" — {unit.province_name}" if unit.province_name else ""
    if unit.district_name:
        where += f", {unit.district_name}"
    tag = " [cũ/legacy]" if unit.kind.startswith("legacy") else ""
    return f"{unit.code:>5}  {unit.name}{where}{tag}"


@app.command()
def search(
    text: Annotated[str, typer.Argument(help="Tên, có hoặc không dấu / name, diacritics optional")],
    province: Annotated[str | None, typer.Option(help="Chỉ trong tỉnh này / only in this province")] = None,
    legacy: Annotated[bool, typer.Option("--legacy", help="Cả đơn vị cũ / include legacy units")] = False,
    limit: int = 50,
    json_output: JsonFlag = False,
) -> None:
    """Tìm đơn vị theo tên / search units by name ("can tho" finds "Cần Thơ")."""
    with ctx.uow() as uow:
        results = services.search(uow, text, province_code=province, legacy=legacy, limit=limit)
    if json_output:
        emit_json(results)
        return
    for unit in results:
        typer.echo(_line(unit))
    if not results:
        typer.echo("Không tìm thấy / nothing found")


@app.command()
def show(
    code: Annotated[str, typer.Argument(help="Mã tỉnh (1–2 số) hoặc mã xã (5 số) / province or commune code")],
    legacy: Annotated[bool, typer.Option("--legacy", help="Mã cũ trước 01/7/2025 / a pre-2025 code")] = False,
    json_output: JsonFlag = False,
) -> None:
    """Xem một đơn vị / show one unit (a 1–2 digit code is a province, a 5-digit code a commune)."""
    with ctx.uow() as uow:
        is_province = len(code.strip()) <= 2
        result: object
        if legacy:
            result = services.get_legacy_province(uow, code) if is_province else services.get_legacy_ward(uow, code)
        elif is_province:
            unit = services.get_province(uow, code)
            result = {
                "unit": unit,
                "communes": len(services.communes_of(uow, unit.code)),
                "legacy_sources": services.legacy_sources_of_province(uow, unit.code),
            }
        else:
            unit = services.get_commune(uow, code)
            result = {"unit": unit, "legacy_sources": services.legacy_sources_of_commune(uow, unit.code)}
    if json_output:
        emit_json(result)
        return
    if isinstance(result, dict):
        typer.echo(_line(result["unit"]))
        if "communes" in result:
            typer.echo(f"  {result['communes']} xã, phường, đặc khu / communes")
        for old in result["legacy_sources"]:
            typer.echo(f"  ← {_line(old).strip()}")
    elif isinstance(result, services.LegacyWardView):
        typer.echo(_line(result.ward))
        for new in result.current:
            typer.echo(f"  → {_line(new).strip()}")
    elif isinstance(result, services.LegacyProvinceView):
        typer.echo(_line(result.province))
        for new in result.current:
            typer.echo(f"  → {_line(new).strip()}")
