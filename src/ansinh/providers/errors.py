"""Errors raised by the provider adapters' message layers."""

from __future__ import annotations


class OutboundMessageError(ValueError):
    """We were asked to emit a message the receiving schema or bank would refuse: nothing is written."""


class InvalidInstructionError(OutboundMessageError):
    """One payment instruction of a batch cannot be written; ``index`` and ``key`` name it."""

    def __init__(self, index: int, key: str, problem_vi: str, problem_en: str) -> None:
        self.index = index
        self.key = key
        super().__init__(
            f"Lệnh chi số {index + 1} (khóa {key!r}): {problem_vi} / "
            f"Instruction no. {index + 1} (key {key!r}): {problem_en}"
        )


class InboundMessageError(ValueError):
    """A provider's message is malformed, hostile or non-conforming: nothing of it may be applied."""

    def __init__(self, problem_vi: str, problem_en: str) -> None:
        self.problem_vi = problem_vi
        self.problem_en = problem_en
        super().__init__(f"Tệp nhận về không hợp lệ: {problem_vi} / Rejected inbound message: {problem_en}")
