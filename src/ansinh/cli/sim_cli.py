"""`ansinh sim` — simulators of the outside services, served on a local port for the demo and the tests."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="Trình mô phỏng dịch vụ bên ngoài / simulators of outside services", no_args_is_help=True)


@app.command()
def population(
    file: Annotated[
        Path,
        typer.Option(
            "--file",
            help="Tệp CSV national_id,full_name,date_of_birth,sex,date_of_death / the population file",
        ),
    ],
    port: Annotated[int, typer.Option(help="Cổng / port")] = 8100,
    host: Annotated[str, typer.Option(help="Địa chỉ / address")] = "127.0.0.1",
    api_key: Annotated[
        str | None,
        typer.Option("--api-key", envvar="ANSINH_SIM_API_KEY", help="Khoá bắt buộc (X-API-Key) / required key"),
    ] = None,
    unavailable_ids: Annotated[
        str | None,
        typer.Option(
            "--unavailable-ids", help="Các số định danh luôn trả 503, cách nhau dấu phẩy / IDs that always answer 503"
        ),
    ] = None,
    fail_rate: Annotated[
        float, typer.Option("--fail-rate", min=0.0, max=1.0, help="Tỉ lệ yêu cầu trả 503 / share of requests failing")
    ] = 0.0,
    delay: Annotated[
        float, typer.Option("--delay", min=0.0, help="Giây chờ trước mỗi câu trả lời / seconds before each answer")
    ] = 0.0,
    seed: Annotated[int | None, typer.Option(help="Hạt ngẫu nhiên cho --fail-rate / seed for --fail-rate")] = None,
) -> None:
    """Mô phỏng CSDL quốc gia về dân cư / serve the population-database simulator."""
    import uvicorn

    from ansinh.registry.population_sim import Misbehaviour, create_app, read_population

    citizens = read_population(file)
    ids = frozenset(part.strip() for part in (unavailable_ids or "").split(",") if part.strip())
    misbehaviour = Misbehaviour(unavailable_ids=ids, fail_rate=fail_rate, delay_seconds=delay, seed=seed)
    application = create_app(citizens, api_key=api_key, misbehaviour=misbehaviour)
    typer.echo(f"CSDL dân cư mô phỏng / population simulator: http://{host}:{port}/ ({len(citizens)} công dân)")
    uvicorn.run(application, host=host, port=port, log_level="warning")
