"""`ansinh init`: migrate the database to the newest revision and load the reference data, idempotently."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ansinh.enrolment.services import load_banks
from ansinh.geo.services import LoadReport, load_units
from ansinh.schema import upgrade

if TYPE_CHECKING:
    from ansinh.cli.context import Context


@dataclass(frozen=True)
class InitReport:
    revision: str
    migrated: bool
    units: LoadReport
    banks_added: int  # NAPAS banks seeded from vietnam-qr-pay's list (0 once they are there)


def initialise(ctx: Context) -> InitReport:
    migration = upgrade(ctx.engine)
    with ctx.uow(actor="init") as uow:
        units = load_units(uow)
        banks_added = load_banks(uow)
        uow.commit()
    return InitReport(revision=migration.after, migrated=migration.changed, units=units, banks_added=banks_added)
