"""Unit of work: one transaction per use case; it alone commits, and the audit record rides in it."""

from __future__ import annotations

from types import TracebackType
from typing import Any, Self

from sqlalchemy.orm import Session, sessionmaker

from ansinh.core.clock import Clock


class UnitOfWork:
    """``with UnitOfWork(factory, clock, actor="admin") as uow: …; uow.commit()`` — no commit, no change."""

    def __init__(self, factory: sessionmaker[Session], clock: Clock, *, actor: str = "system") -> None:
        self._factory = factory
        self.clock = clock
        self.actor = actor
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("the unit of work is not open: use it in a with-block")
        return self._session

    def __enter__(self) -> Self:
        self._session = self._factory()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        session = self.session
        try:
            session.rollback()  # whatever was not committed is thrown away, on success and on error alike
        finally:
            session.close()
            self._session = None

    def commit(self) -> None:
        self.session.commit()

    def audit(
        self,
        action: str,
        *,
        entity_type: str,
        entity_id: str,
        province_code: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Append an audit record in this transaction (committed with the change it describes, or not at all)."""
        from ansinh.core.audit import append

        append(
            self.session,
            occurred_at=self.clock.now(),
            actor=self.actor,
            action=action,
            entity_type=entity_type,
            entity_id=entity_id,
            province_code=province_code,
            detail=detail or {},
        )
