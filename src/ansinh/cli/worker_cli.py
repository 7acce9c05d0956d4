"""`ansinh worker` — run the background jobs kept in the database (bulk verification and the like)."""

from __future__ import annotations

import importlib
import signal
from typing import Annotated

import typer

from ansinh.cli.context import ctx, emit_json
from ansinh.core import jobs
from ansinh.core.db import session_factory

app = typer.Typer(help="Xử lý công việc nền / run background jobs", no_args_is_help=True)
JsonFlag = Annotated[bool, typer.Option("--json", help="In kết quả dạng JSON / print JSON")]

# Modules whose import registers job handlers (``jobs.register``); a worker knows exactly these kinds.
HANDLER_MODULES = ("ansinh.registry.verification",)


def load_handlers() -> frozenset[str]:
    for module in HANDLER_MODULES:
        importlib.import_module(module)
    return jobs.registered_kinds()


def job_context() -> jobs.JobContext:
    """What handlers need, from the command line's settings (``ansinh serve`` passes this to the jobs thread)."""
    return jobs.JobContext(factory=session_factory(ctx.engine), clock=ctx.settings.clock(), settings=ctx.settings)


def _stop_gracefully(context: jobs.JobContext) -> None:
    """First Ctrl-C or SIGTERM: finish the chunk in hand and give the job back; a second one stops at once."""

    def handle(signum: int, _frame: object) -> None:
        if context.stopping.is_set():
            raise KeyboardInterrupt
        typer.echo("Đang dừng sau phần việc hiện tại… / stopping after the current chunk…", err=True)
        context.stopping.set()

    signal.signal(signal.SIGINT, handle)
    signal.signal(signal.SIGTERM, handle)


def describe(view: jobs.JobView) -> str:
    line = f"Công việc / job {view.id} ({view.kind}): {view.status}, {view.done}/{view.total} ({view.percent}%)"
    if view.error:
        line += f"\n  Lỗi / error: {view.error}"
    return line


@app.command()
def run(
    once: Annotated[
        bool, typer.Option("--once", help="Chạy hết việc đang chờ rồi dừng / run the queued jobs, then exit")
    ] = False,
    poll: Annotated[
        float, typer.Option("--poll", min=0.1, help="Giây chờ khi không có việc / seconds between polls when idle")
    ] = 1.0,
) -> None:
    """Chạy các công việc nền / run background jobs until stopped (or, with --once, until none is left)."""
    kinds = load_handlers()
    context = job_context()
    _stop_gracefully(context)
    if once:
        count = jobs.run_until_idle(context, kinds=kinds)
        typer.echo(f"Đã chạy {count} công việc / ran {count} jobs")
        return
    typer.echo(f"Đang chờ việc ({', '.join(sorted(kinds))}) / worker started; Ctrl-C to stop")
    jobs.work(context, poll_seconds=poll, kinds=kinds)


@app.command()
def show(job_id: Annotated[int, typer.Argument(help="Số công việc / job id")], json_output: JsonFlag = False) -> None:
    """Xem trạng thái một công việc / show a job's status and result."""
    with ctx.uow() as uow:
        view = jobs.JobView.of(jobs.get(uow.session, job_id))
    if json_output:
        emit_json({**_plain_view(view), "percent": view.percent})
        return
    typer.echo(describe(view))
    for key, value in view.result.items():
        typer.echo(f"  {key}: {value}")


def _plain_view(view: jobs.JobView) -> dict[str, object]:
    return {name: getattr(view, name) for name in view.__dataclass_fields__}
