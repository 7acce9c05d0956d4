"""`ansinh init`: migrate the database to the newest revision and load the reference data, idempotently."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ansinh.geo.services import LoadReport, load_units
from ansinh.schema import upgrade

if TYPE_CHECKING:
    from ansinh.cli.context import Context


@dataclass(frozen=True)
class InitReport:
    revision: str
    migrated: bool
    units: LoadReport


def initialise(ctx: Context) -> InitReport:
    migration = upgrade(ctx.engine)
    with ctx.uow(actor="init") as uow:
        units = load_units(uow)
        uow.commit()
    return InitReport(revision=migration.after, migrated=migration.changed, units=units)
