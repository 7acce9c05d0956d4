"""Default rule tables, as given in docs/domain-rules.md §1–2; an administrator edits them as data.

Marks in ``source``: [R] read in the legal text, [S] secondary source. Unverified [U] values are not defaults:
they are only in ``DEMO_UNVERIFIED_2026_DECREE``, the demo's "new decree entered retroactively".

Known to be partial, to be completed from the decrees' appendices (never interpolated):
- the injury-rate tables of war invalids (Decree 75/2021 as amended, Appendix II, 80 rows for 21%–100%) and of
  type-B soldiers (Appendix III) hold only their two endpoints; ``PolicyRules.missing_injury_rates`` lists the
  rest, and paying a missing rate raises ``InjuryRateNotLoadedError``;
- sick soldiers (2,911,000 to 7,104,000 VND) are not loaded: domain-rules gives the range but not the rates;
- meritorious monthly amounts are loaded from 2024-07 only (Appendix I of Decree 77/2024), the base salary
  from 2024-07 only; earlier months need the earlier appendices;
- the social-assistance catalogue is Decree 20/2021's, from 2021-07: the 270,000 level of Decree 136/2013 is
  kept for history, but that decree's categories are not loaded.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from types import MappingProxyType

from ansinh.core.money import VND
from ansinh.core.period import Period
from ansinh.policy.domain import (
    BASE_SALARY_KEY,
    AgeBand,
    AgeBasis,
    AmountRule,
    Category,
    CategoryRate,
    CategoryRateKey,
    Coefficient,
    FixedAmount,
    FuneralBasis,
    FuneralCause,
    FuneralKey,
    FuneralRule,
    GroupRule,
    LevelKey,
    OneTimeKey,
    OneTimeKind,
    PolicyRules,
    Program,
    ProgramRules,
)
from ansinh.policy.effective import Rate, RateTable

SA = Program.SOCIAL_ASSISTANCE
MERIT = Program.MERITORIOUS
DECREE_20 = "Decree 20/2021/NĐ-CP"
APPENDIX_I = "Decree 75/2021 as amended by 77/2024, Appendix I [R]"

_SA_FROM = Period(2021, 7)  # Decree 20/2021 in force 1 July 2021
_MERIT_AMOUNTS_FROM = Period(2024, 7)


def _c(value: str) -> Coefficient:
    return Coefficient(Decimal(value))


def _flat(rule: AmountRule) -> CategoryRate:
    return CategoryRate.flat(rule)


def _bands(*bands: tuple[int, int | None, str]) -> CategoryRate:
    """Coefficient bands ``(from_age, below_age, coefficient)``."""
    return CategoryRate(tuple(AgeBand(_c(value), low, high) for low, high, value in bands))


# -- standard levels

STANDARD_LEVELS: tuple[Rate[LevelKey, VND], ...] = (
    # Decree 136/2013 took effect 1 January 2014; kept for history only.
    Rate(LevelKey(SA), Period(2014, 1), VND(270_000), Period(2021, 6), "Decree 136/2013 [S]"),
    Rate(LevelKey(SA), Period(2021, 7), VND(360_000), Period(2024, 6), f"{DECREE_20} Art 4.2 [R]"),
    Rate(LevelKey(SA), Period(2024, 7), VND(500_000), None, "Decree 76/2024 [S]"),
    Rate(LevelKey(MERIT), Period(2021, 7), VND(1_624_000), Period(2023, 6), "Decree 75/2021 [S]"),
    Rate(
        LevelKey(MERIT),
        Period(2023, 7),
        VND(2_055_000),
        Period(2024, 6),
        "Decree 55/2023, in force 5 Sep 2023, applied from 1 July 2023 [R]",
    ),
    Rate(LevelKey(MERIT), Period(2024, 7), VND(2_789_000), None, "Decree 77/2024 [R]"),
)

# The [U] values of domain-rules: NOT defaults. The demo enters them as "a new decree applied retroactively"
# with ``with_standard_levels(default_rules(), DEMO_UNVERIFIED_2026_DECREE)``.
DEMO_UNVERIFIED_2026_DECREE: tuple[tuple[LevelKey, Period, VND, str], ...] = (
    (
        LevelKey(SA),
        Period(2026, 7),
        VND(540_000),
        "reported decree, applied from 1 July 2026 [U] — demo only",
    ),
    (LevelKey(MERIT), Period(2026, 7), VND(3_012_000), "reported [U] — demo only"),
)

# -- social assistance: Decree 20/2021 Art 5 (who) and Art 6 (coefficients), caregivers Art 20

ALLOWANCE = "allowance"  # Art 6.2: of the Art 5 categories only the single highest amount is paid
DISABLED_PARENT = "caregiver_disabled_parent"  # Art 20: highest only, one package per couple

SA_CHILD_NO_SUPPORT = "sa_child_no_support"
SA_CHILD_IN_SCHOOL = "sa_child_in_school_16_22"
SA_CHILD_HIV_POOR = "sa_child_hiv_poor"
SA_SINGLE_PARENT = "sa_single_parent_poor"
SA_ELDERLY_POOR = "sa_elderly_poor_no_supporter"
SA_ELDERLY_75_80_MOUNTAIN = "sa_elderly_75_80_poor_ethnic_mountain"
SA_ELDERLY_80_NO_PENSION = "sa_elderly_80_no_pension"
SA_ELDERLY_COMMUNITY_CARE = "sa_elderly_community_care"
SA_DISABLED_ESPECIALLY_SEVERE = "sa_disabled_especially_severe"
SA_DISABLED_SEVERE = "sa_disabled_severe"
SA_CHILD_UNDER_3_ETHNIC = "sa_child_under_3_poor_ethnic_minority"
SA_HIV_POOR = "sa_hiv_poor"
CG_CHILD_NO_SUPPORT = "cg_takes_in_child_no_support"
CG_ELDERLY_COMMUNITY_CARE = "cg_takes_in_elderly_community_care"
CG_DISABLED_PARENT_ONE = "cg_disabled_parent_pregnant_or_child_under_36_months"
CG_DISABLED_PARENT_TWO = "cg_disabled_parent_pregnant_and_child_or_two_children"
CG_HOUSEHOLD_ESPECIALLY_SEVERE = "cg_household_cares_especially_severe_disabled"
CG_TAKES_IN_ESPECIALLY_SEVERE = "cg_takes_in_especially_severe_disabled"

# Caregiver support (Art 20) is paid at the social-assistance standard level, but a caregiver is enrolled in the
# registry's own `caregiver` program: these are its categories.
CAREGIVER_CATEGORIES = frozenset(
    {
        CG_CHILD_NO_SUPPORT,
        CG_ELDERLY_COMMUNITY_CARE,
        CG_DISABLED_PARENT_ONE,
        CG_DISABLED_PARENT_TWO,
        CG_HOUSEHOLD_ESPECIALLY_SEVERE,
        CG_TAKES_IN_ESPECIALLY_SEVERE,
    }
)


def _sa(
    code: str,
    vi: str,
    en: str,
    basis: str,
    *,
    group: str | None = None,
    age_basis: AgeBasis = AgeBasis.HOLDER,
    per_unit: bool = False,
) -> Category:
    return Category(code, SA, vi, en, f"{DECREE_20} {basis}", group=group, age_basis=age_basis, per_unit=per_unit)


SOCIAL_ASSISTANCE_CATEGORIES: tuple[Category, ...] = (
    _sa(
        SA_CHILD_NO_SUPPORT,
        "Trẻ em dưới 16 tuổi không có nguồn nuôi dưỡng",
        "child under 16 with no source of support",
        "Art 5.1",
        group=ALLOWANCE,
    ),
    _sa(
        SA_CHILD_IN_SCHOOL,
        "Người từ 16 đến 22 tuổi đang đi học",
        "aged 16–22 still in school or training",
        "Art 5.2",
        group=ALLOWANCE,
    ),
    _sa(
        SA_CHILD_HIV_POOR,
        "Trẻ em nhiễm HIV thuộc hộ nghèo",
        "child with HIV in a poor household",
        "Art 5.3",
        group=ALLOWANCE,
    ),
    _sa(
        SA_SINGLE_PARENT,
        "Người đơn thân nghèo đang nuôi con",
        "poor single parent raising children",
        "Art 5.4",
        group=ALLOWANCE,
        per_unit=True,
    ),
    _sa(
        SA_ELDERLY_POOR,
        "Người cao tuổi nghèo không có người phụng dưỡng",
        "poor elderly with no one obliged to support them",
        "Art 5.5.a",
        group=ALLOWANCE,
    ),
    _sa(
        SA_ELDERLY_75_80_MOUNTAIN,
        "Người từ 75 đến 80 tuổi nghèo, cận nghèo ở xã DTTS, miền núi",
        "aged 75–80, poor or near-poor, ethnic-minority or mountain commune",
        "Art 5.5.b",
        group=ALLOWANCE,
    ),
    _sa(
        SA_ELDERLY_80_NO_PENSION,
        "Người từ đủ 80 tuổi không có lương hưu, trợ cấp BHXH hằng tháng",
        "aged 80+ with no pension or monthly insurance allowance",
        "Art 5.5.c",
        group=ALLOWANCE,
    ),
    _sa(
        SA_ELDERLY_COMMUNITY_CARE,
        "Người cao tuổi được nhận chăm sóc tại cộng đồng",
        "elderly person taken into care in the community",
        "Art 5.5.d",
        group=ALLOWANCE,
    ),
    _sa(
        SA_DISABLED_ESPECIALLY_SEVERE,
        "Người khuyết tật đặc biệt nặng",
        "especially severely disabled person",
        "Art 5.6",
        group=ALLOWANCE,
    ),
    _sa(SA_DISABLED_SEVERE, "Người khuyết tật nặng", "severely disabled person", "Art 5.6", group=ALLOWANCE),
    _sa(
        SA_CHILD_UNDER_3_ETHNIC,
        "Trẻ em dưới 3 tuổi thuộc hộ nghèo DTTS miền núi",
        "child under 3 in a poor ethnic-minority mountain household",
        "Art 5.7",
        group=ALLOWANCE,
    ),
    _sa(SA_HIV_POOR, "Người nhiễm HIV thuộc hộ nghèo", "poor person with HIV", "Art 5.8", group=ALLOWANCE),
    _sa(
        CG_CHILD_NO_SUPPORT,
        "Nhận chăm sóc trẻ em không có nguồn nuôi dưỡng",
        "caregiver taking in a clause-1 child",
        "Art 20",
        age_basis=AgeBasis.CARED_PERSON,
    ),
    _sa(
        CG_ELDERLY_COMMUNITY_CARE,
        "Nhận chăm sóc người cao tuổi tại cộng đồng",
        "caregiver taking in a clause-5(d) elderly person",
        "Art 20",
    ),
    _sa(
        CG_DISABLED_PARENT_ONE,
        "Người khuyết tật mang thai hoặc nuôi con dưới 36 tháng",
        "disabled person pregnant or raising a child under 36 months",
        "Art 20",
        group=DISABLED_PARENT,
    ),
    _sa(
        CG_DISABLED_PARENT_TWO,
        "Người khuyết tật mang thai và nuôi con hoặc nuôi từ hai con dưới 36 tháng",
        "disabled person pregnant and raising a child, or raising two or more",
        "Art 20",
        group=DISABLED_PARENT,
    ),
    _sa(
        CG_HOUSEHOLD_ESPECIALLY_SEVERE,
        "Hộ gia đình trực tiếp chăm sóc người khuyết tật đặc biệt nặng",
        "household directly caring for an especially severely disabled person",
        "Art 20",
        per_unit=True,
    ),
    _sa(
        CG_TAKES_IN_ESPECIALLY_SEVERE,
        "Nhận chăm sóc người khuyết tật đặc biệt nặng",
        "caregiver taking in an especially severely disabled person",
        "Art 20",
        age_basis=AgeBasis.CARED_PERSON,
    ),
)

# Clauses 5(b) and 5(c) may have moved to the social pension from 2025-07 [S, weak]: not closed by default; an
# administrator closes them by giving their rows a ``valid_to``.
# "Child" is under 16 and "elderly" is 60 or older (Law on Children, Law on the Elderly), hence the bands.
# Clause 2 reads "from 16 to 22": we pay up to the month of the 22nd birthday, then eligibility ends.
SOCIAL_ASSISTANCE_COEFFICIENTS: tuple[tuple[str, CategoryRate], ...] = (
    (SA_CHILD_NO_SUPPORT, _bands((0, 4, "2.5"), (4, 16, "1.5"))),
    (SA_CHILD_IN_SCHOOL, _bands((16, 22, "1.5"))),
    (SA_CHILD_HIV_POOR, _bands((0, 4, "2.5"), (4, 16, "2.0"))),
    (SA_SINGLE_PARENT, _flat(_c("1.0"))),  # per child being raised
    (SA_ELDERLY_POOR, _bands((60, 80, "1.5"), (80, None, "2.0"))),
    (SA_ELDERLY_75_80_MOUNTAIN, _bands((75, 80, "1.0"))),
    (SA_ELDERLY_80_NO_PENSION, _bands((80, None, "1.0"))),
    (SA_ELDERLY_COMMUNITY_CARE, _bands((60, None, "3.0"))),
    (SA_DISABLED_ESPECIALLY_SEVERE, _bands((0, 16, "2.5"), (16, 60, "2.0"), (60, None, "2.5"))),
    (SA_DISABLED_SEVERE, _bands((0, 16, "2.0"), (16, 60, "1.5"), (60, None, "2.0"))),
    (SA_CHILD_UNDER_3_ETHNIC, _bands((0, 3, "1.5"))),
    (SA_HIV_POOR, _flat(_c("1.5"))),
    (CG_CHILD_NO_SUPPORT, _bands((0, 4, "2.5"), (4, 16, "1.5"))),  # age of the child taken in
    (CG_ELDERLY_COMMUNITY_CARE, _flat(_c("1.5"))),
    (CG_DISABLED_PARENT_ONE, _flat(_c("1.5"))),
    (CG_DISABLED_PARENT_TWO, _flat(_c("2.0"))),
    (CG_HOUSEHOLD_ESPECIALLY_SEVERE, _flat(_c("1.0"))),  # per disabled person cared for
    (CG_TAKES_IN_ESPECIALLY_SEVERE, _bands((0, 16, "2.5"), (16, None, "1.5"))),  # a disabled child pays 2.5
)

# Art 6.2: a poor single parent who also falls under clause 5, 6 or 8 receives both allowances.
SINGLE_PARENT_EXCEPTION = (
    frozenset({SA_SINGLE_PARENT}),
    frozenset(
        {
            SA_ELDERLY_POOR,
            SA_ELDERLY_75_80_MOUNTAIN,
            SA_ELDERLY_80_NO_PENSION,
            SA_ELDERLY_COMMUNITY_CARE,
            SA_DISABLED_ESPECIALLY_SEVERE,
            SA_DISABLED_SEVERE,
            SA_HIV_POOR,
        }
    ),
)

# -- meritorious people: Ordinance 02/2020, Decree 75/2021 as amended by 55/2023 and 77/2024

# One category per number of martyrs: holding two of them is a data error, and the best one wins.
MARTYR_RELATIVE = "martyr_relative"
CARER = "carer"  # highest only
SUPPLEMENT = "supplement"  # highest only
SURVIVOR = "survivor"  # survivor allowances capped at 2 shares (no survivor category loaded yet)

MER_MARTYR_RELATIVE_1 = "mer_martyr_relative_1"
MER_MARTYR_RELATIVE_2 = "mer_martyr_relative_2"
MER_MARTYR_RELATIVE_3_PLUS = "mer_martyr_relative_3_plus"
MER_EXTRA_CARING = "mer_extra_caring_allowance"
MER_HEROIC_MOTHER = "mer_heroic_mother"
MER_HEROIC_MOTHER_SUPPLEMENT = "mer_heroic_mother_supplement"
MER_WAR_INVALID = "mer_war_invalid"
MER_WAR_INVALID_TYPE_B = "mer_war_invalid_type_b"
MER_AGENT_ORANGE = ("mer_agent_orange_1", "mer_agent_orange_2", "mer_agent_orange_3", "mer_agent_orange_4")
MER_CARER_81_PLUS = "mer_carer_at_home_81_plus"
MER_CARER_81_PLUS_ESPECIALLY_SEVERE = "mer_carer_at_home_81_plus_especially_severe"


def _merit(
    code: str, vi: str, en: str, *, group: str | None = None, injury_rates: tuple[int, int] | None = None
) -> Category:
    return Category(code, MERIT, vi, en, APPENDIX_I, group=group, injury_rates=injury_rates)


MERITORIOUS_CATEGORIES: tuple[Category, ...] = (
    _merit(MER_MARTYR_RELATIVE_1, "Thân nhân của 1 liệt sĩ", "relative of 1 martyr", group=MARTYR_RELATIVE),
    _merit(MER_MARTYR_RELATIVE_2, "Thân nhân của 2 liệt sĩ", "relative of 2 martyrs", group=MARTYR_RELATIVE),
    _merit(
        MER_MARTYR_RELATIVE_3_PLUS,
        "Thân nhân của 3 liệt sĩ trở lên",
        "relative of 3 or more martyrs",
        group=MARTYR_RELATIVE,
    ),
    _merit(MER_EXTRA_CARING, "Trợ cấp nuôi dưỡng", "extra caring allowance", group=SUPPLEMENT),
    _merit(MER_HEROIC_MOTHER, "Bà mẹ Việt Nam anh hùng", "Vietnamese Heroic Mother"),
    _merit(
        MER_HEROIC_MOTHER_SUPPLEMENT,
        "Phụ cấp Bà mẹ Việt Nam anh hùng",
        "Vietnamese Heroic Mother, supplement",
    ),
    _merit(MER_WAR_INVALID, "Thương binh", "war invalid, by injury rate (Appendix II)", injury_rates=(21, 100)),
    _merit(
        MER_WAR_INVALID_TYPE_B,
        "Thương binh loại B",
        "type-B war invalid, by injury rate (Appendix III)",
        injury_rates=(21, 100),
    ),
    *(
        _merit(code, f"Người nhiễm chất độc hóa học, mức {level}", f"Agent-Orange victim, level {level} of 4")
        for level, code in enumerate(MER_AGENT_ORANGE, start=1)
    ),
    _merit(
        MER_CARER_81_PLUS,
        "Người phục vụ thương binh 81% trở lên ở gia đình",
        "carer at home for a person with 81%+ injury",
        group=CARER,
    ),
    _merit(
        MER_CARER_81_PLUS_ESPECIALLY_SEVERE,
        "Người phục vụ thương binh 81% trở lên, đặc biệt nặng",
        "carer at home, 81%+ injury, especially severe",
        group=CARER,
    ),
)

MERITORIOUS_AMOUNTS_2024: tuple[tuple[CategoryRateKey, int], ...] = (
    (CategoryRateKey(MER_MARTYR_RELATIVE_1), 2_789_000),
    (CategoryRateKey(MER_MARTYR_RELATIVE_2), 5_578_000),
    (CategoryRateKey(MER_MARTYR_RELATIVE_3_PLUS), 8_367_000),
    (CategoryRateKey(MER_EXTRA_CARING), 2_231_000),
    (CategoryRateKey(MER_HEROIC_MOTHER), 8_367_000),
    (CategoryRateKey(MER_HEROIC_MOTHER_SUPPLEMENT), 2_337_000),
    # Partial injury-rate tables: only the endpoints domain-rules gives; the 78 rows between are to be loaded.
    (CategoryRateKey(MER_WAR_INVALID, 21), 1_878_000),
    (CategoryRateKey(MER_WAR_INVALID, 100), 8_941_000),
    (CategoryRateKey(MER_WAR_INVALID_TYPE_B, 21), 1_552_000),
    (CategoryRateKey(MER_WAR_INVALID_TYPE_B, 100), 7_397_000),
    (CategoryRateKey(MER_AGENT_ORANGE[0]), 2_120_000),
    (CategoryRateKey(MER_AGENT_ORANGE[1]), 3_542_000),
    (CategoryRateKey(MER_AGENT_ORANGE[2]), 4_964_000),
    (CategoryRateKey(MER_AGENT_ORANGE[3]), 6_358_000),
    (CategoryRateKey(MER_CARER_81_PLUS), 2_789_000),
    (CategoryRateKey(MER_CARER_81_PLUS_ESPECIALLY_SEVERE), 3_582_000),
)

# -- one-time, funeral, rounding, base salary

APPENDIX_IV = "Decree 75/2021 Appendix IV [R]"
BAND_TO_VERIFY = f"{APPENDIX_IV}, band limits to verify"
ONE_TIME_MULTIPLES: tuple[Rate[OneTimeKey, Decimal], ...] = (
    Rate(OneTimeKey(OneTimeKind.MARTYR_RECOGNISED), _SA_FROM, Decimal(20), None, APPENDIX_IV),
    # The bands 5–10 / 11–15 / 16–20 % are read from Appendix IV; domain-rules gives the multiples only.
    Rate(OneTimeKey(OneTimeKind.INJURY, 5, 10), _SA_FROM, Decimal(4), None, BAND_TO_VERIFY),
    Rate(OneTimeKey(OneTimeKind.INJURY, 11, 15), _SA_FROM, Decimal(6), None, BAND_TO_VERIFY),
    Rate(OneTimeKey(OneTimeKind.INJURY, 16, 20), _SA_FROM, Decimal(8), None, BAND_TO_VERIFY),
    Rate(OneTimeKey(OneTimeKind.SENIORITY_PER_YEAR), _SA_FROM, Decimal("0.3"), None, APPENDIX_IV),
)

FUNERAL_RULES: tuple[Rate[FuneralKey, FuneralRule], ...] = (
    Rate(
        FuneralKey(SA, FuneralCause.ORDINARY),
        _SA_FROM,
        FuneralRule(Decimal(20), FuneralBasis.STANDARD_LEVEL),
        None,
        f"{DECREE_20} Art 11 [R]",
    ),
    Rate(
        FuneralKey(SA, FuneralCause.SPECIAL),
        _SA_FROM,
        FuneralRule(Decimal(50), FuneralBasis.STANDARD_LEVEL),
        None,
        f"{DECREE_20} Art 14, 25.3 [R]",
    ),
    Rate(
        FuneralKey(MERIT, FuneralCause.ORDINARY),
        _SA_FROM,
        FuneralRule(Decimal(10), FuneralBasis.BASE_SALARY),
        None,
        "social-insurance funeral rate, Ordinance 02/2020 [R]",
    ),
)

ROUNDING_UNITS: tuple[Rate[Program, int], ...] = (
    Rate(SA, Period(2014, 1), 1, None, "no rounding rule: exact amount, half-up to the đồng"),
    Rate(MERIT, Period(2021, 7), 1_000, None, "Decree 75/2021 Art 3.2: nearest 1,000 VND [R]"),
)

BASE_SALARY: tuple[Rate[str, VND], ...] = (
    Rate(BASE_SALARY_KEY, Period(2024, 7), VND(2_340_000), None, "base salary from 1 July 2024 [S]"),
)

PROGRAMS: tuple[ProgramRules, ...] = (
    ProgramRules(
        SA,
        MappingProxyType(
            {
                ALLOWANCE: GroupRule(shares=1, paid_together=(SINGLE_PARENT_EXCEPTION,)),
                DISABLED_PARENT: GroupRule(shares=1),
            }
        ),
        repay_suspended_months=True,  # Circular 02/2021 Art 2.3: suspended months are paid as arrears
    ),
    ProgramRules(
        MERIT,
        MappingProxyType(
            {
                MARTYR_RELATIVE: GroupRule(shares=1),
                CARER: GroupRule(shares=1),
                SUPPLEMENT: GroupRule(shares=1),
                SURVIVOR: GroupRule(shares=2),
            }
        ),
        # The rules only say payment resumes the month after the cause ends (prison, illegal exit, missing).
        repay_suspended_months=False,
    ),
)


@cache
def default_rules() -> PolicyRules:
    """The verified default rule tables; built once, immutable."""
    category_rates = tuple(
        Rate(CategoryRateKey(code), _SA_FROM, rate, None, f"{DECREE_20} Art 6, 20 [R]")
        for code, rate in SOCIAL_ASSISTANCE_COEFFICIENTS
    ) + tuple(
        Rate(key, _MERIT_AMOUNTS_FROM, _flat(FixedAmount(VND(amount))), None, APPENDIX_I)
        for key, amount in MERITORIOUS_AMOUNTS_2024
    )
    return PolicyRules(
        programs=PROGRAMS,
        categories=SOCIAL_ASSISTANCE_CATEGORIES + MERITORIOUS_CATEGORIES,
        standard_levels=RateTable("standard_levels", STANDARD_LEVELS),
        category_rates=RateTable("category_rates", category_rates),
        rounding_units=RateTable("rounding_units", ROUNDING_UNITS),
        one_time_multiples=RateTable("one_time_multiples", ONE_TIME_MULTIPLES),
        funeral_rules=RateTable("funeral_rules", FUNERAL_RULES),
        base_salary=RateTable("base_salary", BASE_SALARY),
    )
