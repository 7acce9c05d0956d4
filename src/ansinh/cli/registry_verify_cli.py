"""`ansinh registry verify` and `verify-commune`: checks against the national population database."""

from __future__ import annotations

import threading
from typing import Annotated

import typer

from ansinh.access.domain import Permission
from ansinh.cli.context import UserOption, acting_user, ctx, emit_json
from ansinh.cli.worker_cli import describe, job_context, load_handlers
from ansinh.core import jobs
from ansinh.core.errors import ValidationFailed
from ansinh.registry import verification
from ansinh.registry.domain import VerificationOutcome

JsonFlag = Annotated[bool, typer.Option("--json", help="In kết quả dạng JSON / print JSON")]

OUTCOME_LABELS: dict[VerificationOutcome, tuple[str, str]] = {
    VerificationOutcome.MATCH: ("khớp", "match"),
    VerificationOutcome.NAME_MISMATCH: ("họ tên không khớp", "name differs"),
    VerificationOutcome.DOB_MISMATCH: ("ngày sinh không khớp", "date of birth differs"),
    VerificationOutcome.DECEASED: ("đã qua đời", "deceased"),
    VerificationOutcome.NOT_FOUND: ("không có trong CSDL dân cư", "not found"),
    VerificationOutcome.UNAVAILABLE: ("dịch vụ không trả lời, giữ nguyên trạng thái", "service unavailable"),
}


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `registry` group."""
    app.command("verify")(verify)
    app.command("verify-commune")(verify_commune)


def verify(
    person_id: Annotated[int | None, typer.Argument(help="Số người trong sổ / person id")] = None,
    national_id: Annotated[
        str | None, typer.Option("--national-id", help="Hoặc số định danh / or the citizen ID")
    ] = None,
    user: UserOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Xác thực một người với CSDL quốc gia về dân cư / verify one person against the population database."""
    if (person_id is None) == (national_id is None):
        raise ValidationFailed(
            "Cho biết PERSON_ID hoặc --national-id (chỉ một trong hai)",
            "give either PERSON_ID or --national-id (one of them)",
            field="person_id",
        )
    principal = acting_user(user, Permission.REGISTRY_WRITE)
    with verification.registry_from_settings(ctx.settings) as registry, ctx.uow(actor=principal.username) as uow:
        if person_id is None:
            assert national_id is not None
            person_id = verification.find_person_id(uow, area=principal.area, national_id=national_id)
        view = verification.verify_person(uow, area=principal.area, person_id=person_id, registry=registry)
        uow.commit()
    if json_output:
        emit_json(view)
        return
    vi, en = OUTCOME_LABELS[view.outcome]
    typer.echo(f"Người số {view.person_id}: {vi} / person {view.person_id}: {en}")
    if view.reason:
        typer.echo(f"  Lý do / reason: {view.reason}")
    if view.registry_date_of_death:
        typer.echo(f"  Ngày mất / date of death: {view.registry_date_of_death.isoformat()}")
    if view.proposed_decision_ids:
        ids = ", ".join(str(i) for i in view.proposed_decision_ids)
        typer.echo(f"  Đã đề xuất dự thảo quyết định số / draft decisions proposed: {ids}")


def verify_commune(
    commune_code: Annotated[str, typer.Argument(help="Mã xã / commune code")],
    wait: Annotated[
        bool, typer.Option("--wait", help="Chạy ngay và chờ kết quả / run it now and wait for the result")
    ] = False,
    user: UserOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Xác thực cả xã trong nền / verify every person of a commune in the background."""
    principal = acting_user(user, Permission.REGISTRY_WRITE)
    verification.require_configured(ctx.settings)
    with ctx.uow(actor=principal.username) as uow:
        job_id = verification.start_bulk_verification(uow, area=principal.area, commune_code=commune_code)
        uow.commit()
    if not wait:
        if json_output:
            emit_json({"job_id": job_id, "status": "queued"})
        else:
            typer.echo(f"Đã xếp hàng công việc số {job_id} / queued job {job_id}")
            typer.echo("  Tiến độ / progress: ansinh worker show " + str(job_id))
        return
    view = _run_and_wait(job_id, quiet=json_output)
    if json_output:
        emit_json({"job_id": view.id, "status": view.status, "result": view.result, "error": view.error})
    else:
        typer.echo(describe(view))
        for outcome, count in sorted(view.result.get("counts", {}).items()):
            vi, en = OUTCOME_LABELS[VerificationOutcome(outcome)]
            typer.echo(f"  {vi} / {en}: {count}")
        proposed = view.result.get("proposed_decisions", 0)
        if proposed:
            typer.echo(f"  Dự thảo quyết định đã đề xuất / draft decisions proposed: {proposed}")
    if view.status != "done":
        raise typer.Exit(1)


def _read(job_id: int) -> jobs.JobView:
    with ctx.uow() as uow:
        return jobs.JobView.of(jobs.get(uow.session, job_id))


def _run_and_wait(job_id: int, *, quiet: bool) -> jobs.JobView:
    """Run the job in this process; if a worker took it first, follow that worker's progress instead."""
    load_handlers()
    context = job_context()
    finished = threading.Event()

    def report() -> None:
        shown = -1
        while not finished.wait(1.0):
            view = _read(job_id)
            if view.percent != shown:
                shown = view.percent
                typer.echo(f"  {view.done}/{view.total} ({view.percent}%)", err=True)

    follower = None if quiet else threading.Thread(target=report, daemon=True)
    if follower is not None:
        follower.start()
    try:
        jobs.run_one(context, job_id=job_id)
        view = _read(job_id)
        while not view.finished:  # another worker has it: follow it, and take over if its lease runs out
            context.stopping.wait(1.0)
            jobs.run_one(context, job_id=job_id)
            view = _read(job_id)
    finally:
        finished.set()
        if follower is not None:
            follower.join(5)
    return view
