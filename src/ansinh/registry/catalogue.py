"""The category catalogue as the registry sees it: which categories each enrolment program accepts.

The catalogue and its rates are the policy context's data (``policy.defaults``); the registry only adds that a
caregiver (Decree 20/2021 Art 20) is enrolled in its own ``caregiver`` program, paid at the social-assistance
standard level (so the payroll computes a caregiver's amounts with the social-assistance rules).
"""

from __future__ import annotations

from functools import cache

from ansinh.policy import Category, PolicyRules
from ansinh.policy import Program as PolicyProgram
from ansinh.policy.defaults import CAREGIVER_CATEGORIES, default_rules
from ansinh.registry.importing import Program


def policy_program(program: Program) -> PolicyProgram:
    """The policy program whose rules pay an enrolment program."""
    return PolicyProgram.MERITORIOUS if program is Program.MERITORIOUS else PolicyProgram.SOCIAL_ASSISTANCE


def program_of(category: Category) -> Program:
    if category.code in CAREGIVER_CATEGORIES:
        return Program.CAREGIVER
    return Program(category.program.value)


@cache
def _by_program(rules: PolicyRules) -> dict[Program, dict[str, Category]]:
    table: dict[Program, dict[str, Category]] = {program: {} for program in Program}
    for category in rules.categories:
        table[program_of(category)][category.code] = category
    return table


def categories(program: Program, rules: PolicyRules | None = None) -> dict[str, Category]:
    """Category code → category, for the categories a beneficiary of ``program`` may hold."""
    return _by_program(rules or default_rules())[program]


def category_codes(program: Program) -> frozenset[str]:
    return frozenset(categories(program))


def find_category(code: str) -> Category | None:
    for program in Program:
        category = categories(program).get(code)
        if category is not None:
            return category
    return None
