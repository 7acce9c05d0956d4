"""Named errors of the policy rules; every message reads Vietnamese first, then English."""

from __future__ import annotations


class PolicyError(ValueError):
    """Base of every policy error: carries the Vietnamese and the English message."""

    def __init__(self, message_vi: str, message_en: str) -> None:
        self.message_vi = message_vi
        self.message_en = message_en
        super().__init__(f"{message_vi} — {message_en}")


class RuleTableError(PolicyError):
    """A rule table refuses to be built: its rows contradict each other."""


class InvalidEffectiveRangeError(RuleTableError):
    """A row ends before it starts."""


class EffectiveDateGapError(RuleTableError):
    """Two consecutive rows of the same key leave months without a rule."""


class EffectiveDateOverlapError(RuleTableError):
    """Two rows of the same key are both in force in some month."""


class InconsistentRulesError(RuleTableError):
    """The tables refer to a category, a group or a program that is not defined."""


class RuleNotInForceError(PolicyError):
    """No row of a table is in force for the key in the month asked."""


class InjuryRateNotLoadedError(RuleNotInForceError):
    """The injury-rate table holds no amount for this rate yet (the table is loaded partially)."""


class UnknownCategoryError(PolicyError):
    """A category code that the catalogue does not define."""


class InvalidEntitlementError(PolicyError):
    """An entitlement whose facts cannot be right (dates out of order, missing data a category needs)."""


class IllegalStatusTransitionError(PolicyError):
    """A status change the rules do not allow, e.g. resuming a terminated entitlement."""


class NotEntitledError(PolicyError):
    """A one-time grant asked for a person who is not entitled to it."""


class InvalidAmountError(PolicyError):
    """An amount that cannot be right: negative money due or paid."""
