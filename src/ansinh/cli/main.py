"""Entry point of the `ansinh` command."""

from __future__ import annotations

from typing import Annotated

import typer

from ansinh.cli import (
    access_cli,
    audit_cli,
    bench_cli,
    decisions_cli,
    enrolment_cli,
    geo_cli,
    payroll_cli,
    policy_cli,
    reference_cli,
    registry_cli,
    sim_cli,
    worker_cli,
)
from ansinh.cli.context import ctx, emit_json, run_guarded

app = typer.Typer(
    help="AnSinh — chi trả an sinh xã hội không dùng tiền mặt / cashless social-welfare payments.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(access_cli.app, name="user")
app.add_typer(geo_cli.app, name="geo")
app.add_typer(audit_cli.app, name="audit")
app.add_typer(registry_cli.app, name="registry")
app.add_typer(decisions_cli.app, name="decision", help="Quyết định và phê duyệt / decisions and approval")
app.add_typer(enrolment_cli.app, name="enrolment", help="Hình thức chi trả, mở tài khoản / payment methods, accounts")
app.add_typer(reference_cli.app, name="reference", help="Danh mục ngân hàng, tổ chức chi trả / banks and providers")
app.add_typer(sim_cli.app, name="sim", help="Trình mô phỏng dịch vụ bên ngoài / simulators of outside services")
app.add_typer(worker_cli.app, name="worker", help="Xử lý công việc nền / run background jobs")
app.add_typer(policy_cli.app, name="policy", help="Bảng quy định mức hưởng / rule tables")
app.add_typer(payroll_cli.app, name="payroll", help="Danh sách chi trả hằng tháng / monthly payrolls")
app.add_typer(bench_cli.app, name="bench", help="Đo hiệu năng / benchmarks")

JsonFlag = Annotated[bool, typer.Option("--json", help="In kết quả dạng JSON / print JSON")]


@app.command()
def init(json_output: JsonFlag = False) -> None:
    """Tạo hoặc nâng cấp cơ sở dữ liệu và nạp đơn vị hành chính / create or upgrade the database, load the units."""
    from ansinh.setup import initialise

    report = initialise(ctx)
    if json_output:
        emit_json(report)
        return
    if report.migrated:
        typer.echo(f"Cơ sở dữ liệu đã nâng cấp lên {report.revision} / database upgraded to {report.revision}")
    else:
        typer.echo(f"Cơ sở dữ liệu đã ở phiên bản mới nhất {report.revision} / database already up to date")
    units = report.units
    if units.loaded:
        typer.echo(
            f"Đã nạp {units.provinces} tỉnh, {units.communes} xã; {units.legacy_provinces} tỉnh, "
            f"{units.legacy_districts} huyện, {units.legacy_wards} xã cũ / administrative units loaded"
        )
    else:
        typer.echo("Đơn vị hành chính đã có sẵn / administrative units already loaded")


@app.command()
def demo(
    json_output: JsonFlag = False,
    beneficiaries: Annotated[
        int, typer.Option("--beneficiaries", min=1, help="Số đối tượng mẫu / demo beneficiaries")
    ] = 20_000,
) -> None:
    """Chuẩn bị dữ liệu mẫu (chỉ khi ANSINH_ENV=demo) / prepare the demo data (only with ANSINH_ENV=demo)."""
    from ansinh.demo.loader import load_demo

    report = load_demo(ctx, size=beneficiaries)
    if json_output:
        emit_json(report)
        return
    if report.created_users:
        typer.echo("Tài khoản mẫu (mật khẩu chỉ hiện lần đầu) / demo accounts (passwords shown once):")
        for account in report.created_users:
            typer.echo(f"  {account.role:<18} {account.username:<12} {account.password}")
        typer.echo(f"Đã lưu vào / saved in {report.credentials_file}")
    else:
        typer.echo(f"Dữ liệu mẫu đã có; mật khẩu trong / demo data present; passwords in {report.credentials_file}")
    registry = report.registry
    if registry is not None and registry.loaded:
        provinces = ", ".join(f"{code}: {count}" for code, count in sorted(registry.by_province.items()))
        typer.echo(f"Đã nạp {registry.beneficiaries} đối tượng ({provinces}) / beneficiaries imported")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Địa chỉ / address")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Cổng / port")] = 8000,
    worker: Annotated[
        bool, typer.Option("--worker/--no-worker", help="Chạy cả công việc nền / also run background jobs")
    ] = True,
) -> None:
    """Chạy máy chủ web / serve the web application."""
    import uvicorn

    from ansinh.cli.worker_cli import job_context, load_handlers
    from ansinh.core.jobs import start_background_worker
    from ansinh.web.app import create_app

    application = create_app(ctx.settings, engine=ctx.engine)
    stop = None
    if worker:  # long work (bulk verification …) runs beside the web server; `ansinh worker run` scales it out
        load_handlers()
        stop = start_background_worker(job_context())
    typer.echo(f"AnSinh: http://{host}:{port}/")
    try:
        uvicorn.run(application, host=host, port=port, log_level="info", proxy_headers=False)
    finally:
        if stop is not None:
            stop()


def main() -> None:
    run_guarded(app)
