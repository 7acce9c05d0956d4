"""Demo registry data: beneficiaries in the ministry's import format, their payees, and a population file.

Pure and deterministic: the same ``rows``, ``seed``, provinces and reference date give the same rows (the same
bytes in CSV; an xlsx differs only in the time openpyxl stamps it with), and the first N rows of a larger run are
the N rows of a smaller one (each row draws from its own random stream). Nothing here touches a database;
``ansinh.demo.loader`` registers and imports what this produces.

What it aims to look like (docs/demo.md gives the figures):

* Names in Vietnamese order "Họ Đệm Tên", composed from Faker's ``vi_VN`` name lists (``fake.name()`` would add
  titles such as "Quý ông" and put the given name first).
* Citizen IDs consistent with the date of birth and sex, the first three digits the pre-2025 province where the
  birth was registered (092/093/094 for today's Cần Thơ, 004 for Cao Bằng): the legacy province of one of the
  wards the commune was formed from. Unique: the six-digit serial is a permutation of the person's index.
* Communes of the right province (current codes of ``vietnam-provinces``); a few percent of rows carry the code of
  a pre-2025 ward that was merged into exactly one current commune, as old lists do.
* Programs ≈ 75 % social assistance, 20 % meritorious, 5 % caregiver; categories plausible for the person's age.
* Payment: ≈ the seed plans' 2024 cashless share (58 % social assistance, 62.5 % meritorious): bank accounts,
  e-wallets on the holder's mobile number, the rest cash at a payment point or, ≈ 3 %, at home with a reason.
* ≈ 8 % of rows paid to a guardian (every minor) or a proxy (some elderly or disabled people): those payees are
  persons of their own, yielded by ``generate_payees``, to be registered before the import.
"""

from __future__ import annotations

import csv
import functools
import itertools
import random
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Literal

from ansinh.policy.defaults import (
    CG_CHILD_NO_SUPPORT,
    CG_DISABLED_PARENT_ONE,
    CG_DISABLED_PARENT_TWO,
    CG_ELDERLY_COMMUNITY_CARE,
    CG_HOUSEHOLD_ESPECIALLY_SEVERE,
    CG_TAKES_IN_ESPECIALLY_SEVERE,
    MER_AGENT_ORANGE,
    MER_CARER_81_PLUS,
    MER_CARER_81_PLUS_ESPECIALLY_SEVERE,
    MER_EXTRA_CARING,
    MER_HEROIC_MOTHER,
    MER_HEROIC_MOTHER_SUPPLEMENT,
    MER_MARTYR_RELATIVE_1,
    MER_MARTYR_RELATIVE_2,
    MER_MARTYR_RELATIVE_3_PLUS,
    MER_WAR_INVALID,
    MER_WAR_INVALID_TYPE_B,
    SA_CHILD_HIV_POOR,
    SA_CHILD_IN_SCHOOL,
    SA_CHILD_NO_SUPPORT,
    SA_CHILD_UNDER_3_ETHNIC,
    SA_DISABLED_ESPECIALLY_SEVERE,
    SA_DISABLED_SEVERE,
    SA_ELDERLY_75_80_MOUNTAIN,
    SA_ELDERLY_80_NO_PENSION,
    SA_ELDERLY_COMMUNITY_CARE,
    SA_ELDERLY_POOR,
    SA_HIV_POOR,
    SA_SINGLE_PARENT,
)
from ansinh.registry.domain import VerificationOutcome
from ansinh.registry.identity import Sex
from ansinh.registry.importing import (
    COLUMN_KEYS,
    LABELS_VI,
    HomeDeliveryReason,
    PayeeRole,
    PaymentMethod,
    Program,
    safe_cell,
)
from ansinh.registry.names import name_key

# The day the demo was designed around (the test clock's day). The loader passes the clock's own day instead.
REFERENCE_TODAY = date(2026, 11, 23)
# Every person gets a distinct serial out of 1,000,000 (one for the beneficiary, one for a possible payee).
MAX_ROWS = 500_000
DEFAULT_PROVINCES: tuple[str, ...] = ("92", "04")
# Cần Thơ (with old Hậu Giang and Sóc Trăng) has about six times Cao Bằng's population, but Cao Bằng has a far
# higher share of beneficiaries (24,800, 4.77 % of its people, in the pilot's seed document).
PROVINCE_WEIGHTS: dict[str, float] = {"92": 0.7, "04": 0.3}
# The provinces whose mountain and ethnic-minority categories (Decree 20/2021 Art 5.5.b and 5.7) apply here.
MOUNTAIN_PROVINCES = frozenset({"04"})
MOUNTAIN_CATEGORIES = frozenset({SA_ELDERLY_75_80_MOUNTAIN, SA_CHILD_UNDER_3_ETHNIC})

FIRST_DECISION_DATE = date(2019, 1, 1)
LEGACY_CODE_SHARE = 0.04
CASHLESS_SHARE: dict[Program, float] = {
    Program.SOCIAL_ASSISTANCE: 0.58,  # Cần Thơ plan, social assistance target for 2024
    Program.MERITORIOUS: 0.625,  # Cần Thơ plan, meritorious people target for 2024
    Program.CAREGIVER: 0.58,  # paid with the social-assistance rules
}
EWALLET_SHARE_OF_CASHLESS = 0.35
HOME_DELIVERY_SHARE_OF_CASH = 0.075  # ≈ 3 % of all rows
PHONE_SHARE_ADULTS = 0.88
PHONE_SHARE_PAYEES = 0.97

# Population file: how the national database answers for the registry's beneficiaries (payees always match).
POPULATION_SHARES: dict[str, float] = {
    "match": 0.96,
    "name_mismatch": 0.01,
    "dob_mismatch": 0.01,
    "deceased": 0.005,
    "not_found": 0.015,
}
POPULATION_HEADER = ("national_id", "full_name", "date_of_birth", "sex", "date_of_death")

# -- payment service organisations the demo contracts (the loader creates them)

VNPOST = "VNPOST"
VIETTEL_MONEY = "VIETTEL_MONEY"
VNPT_MONEY = "VNPT_MONEY"
VBSP_BIN = "999888"  # Bank for Social Policies: a demo placeholder BIN (its real one is not in vietnam-qr-pay)


@dataclass(frozen=True, slots=True)
class DemoBank:
    provider_code: str
    bin: str
    share: float  # of the bank accounts
    account_prefix: str
    account_digits: int  # total length


DEMO_BANKS: tuple[DemoBank, ...] = (
    DemoBank("AGRIBANK", "970405", 0.45, "", 13),  # 4-digit branch, product "205", serial: built below
    DemoBank("VBSP", VBSP_BIN, 0.30, "9", 14),
    DemoBank("VIETINBANK", "970415", 0.25, "10", 12),
)

# Mobile prefixes since the 2018 renumbering, by network, with rough market shares.
_NETWORK_PREFIXES: dict[str, tuple[str, ...]] = {
    "viettel": ("032", "033", "034", "035", "036", "037", "038", "039", "086", "096", "097", "098"),
    "vinaphone": ("081", "082", "083", "084", "085", "088", "091", "094"),
    "mobifone": ("070", "076", "077", "078", "079", "089", "090", "093"),
    "vietnamobile": ("052", "056", "058", "092"),
}
_NETWORK_SHARES = {"viettel": 0.55, "vinaphone": 0.25, "mobifone": 0.17, "vietnamobile": 0.03}
# An e-wallet is opened on the holder's number: Viettel Money on Viettel's network, VNPT Money on VinaPhone's.
_WALLETS: tuple[tuple[str, str, float], ...] = ((VIETTEL_MONEY, "viettel", 0.65), (VNPT_MONEY, "vinaphone", 0.35))


# ----------------------------------------------------------------------------------------------------
# Names


@functools.cache
def _name_lists() -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """Faker's vi_VN lists, deduplicated: family names, male and female middle names, male and female given."""
    from faker.providers.person.vi_VN import Provider

    def unique(names: Sequence[str]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(names))

    female_middle = ("Thị", "Mai", "Mai Bảo")  # never a man's middle name
    middle = unique(Provider.middle_names)
    return (
        unique(Provider.last_names),
        tuple(m for m in middle if m not in female_middle),
        unique((*female_middle, "Xuân", "Bảo", "Ngọc")),
        unique((*Provider.first_names_male, *Provider.first_names_unisex)),
        unique((*Provider.first_names_female, *Provider.first_names_unisex)),
    )


def _full_name(rng: random.Random, sex: Sex) -> str:
    family, male_middle, female_middle, male_given, female_given = _name_lists()
    if sex is Sex.MALE:
        # "Văn" is by far the most common men's middle name, "Thị" women's.
        middle = "Văn" if rng.random() < 0.5 else rng.choice(male_middle)
        given = rng.choice(male_given)
    else:
        middle = "Thị" if rng.random() < 0.6 else rng.choice(female_middle)
        given = rng.choice(female_given)
    return f"{rng.choice(family)} {middle} {given}"


# ----------------------------------------------------------------------------------------------------
# Geography


@dataclass(frozen=True, slots=True)
class DemoCommune:
    code: str  # current 5-digit code
    name: str
    division_type: str  # xã | phường | đặc khu
    province_code: str
    birth_provinces: tuple[str, ...]  # pre-2025 3-digit province codes of the wards it was formed from
    legacy_codes: tuple[str, ...]  # pre-2025 ward codes merged into this commune alone, not a current code


@functools.cache
def _legacy_index() -> tuple[frozenset[str], Counter[str]]:
    """Every current commune code, and into how many current communes each pre-2025 ward went."""
    import vietnam_provinces as vp

    from ansinh.geo.domain import commune_code

    current: set[str] = set()
    targets: Counter[str] = Counter()
    for ward in vp.Ward.iter_all():
        current.add(commune_code(ward.code.value))
        for old in ward.get_legacy_sources():
            targets[commune_code(old.code.value)] += 1
    return frozenset(current), targets


@functools.cache
def demo_communes(province_code: str) -> tuple[DemoCommune, ...]:
    """The current communes of a province, with what an old list or a citizen ID would say about them."""
    import vietnam_provinces as vp

    from ansinh.geo.domain import commune_code
    from ansinh.geo.domain import province_code as normalise_province

    wanted = normalise_province(province_code)
    current_codes, targets = _legacy_index()
    communes = []
    for ward in sorted(vp.Ward.iter_by_province(vp.ProvinceCode(int(wanted))), key=lambda w: w.code.value):
        sources = ward.get_legacy_sources()
        birth = sorted({f"{int(old.province_code.value):03d}" for old in sources})
        legacy = sorted(
            code
            for code in {commune_code(old.code.value) for old in sources}
            if targets[code] == 1 and code not in current_codes
        )
        communes.append(
            DemoCommune(
                code=commune_code(ward.code.value),
                name=str(ward.name),
                division_type=str(ward.division_type.value),
                province_code=wanted,
                birth_provinces=tuple(birth) or (f"{int(wanted):03d}",),
                legacy_codes=tuple(legacy),
            )
        )
    if not communes:
        raise ValueError(f"no commune in province {province_code!r}")
    return tuple(communes)


# Hamlets: "ấp" in the Mekong delta, "xóm" in the northern mountains, with Tày–Nùng place-name syllables.
_NORTH_HAMLET_HEADS = ("Nà", "Bản", "Khuổi", "Pác", "Lũng", "Cốc", "Phja", "Slam")
_NORTH_HAMLET_TAILS = ("Phiêng", "Giang", "Mạ", "Rị", "Pục", "Luông", "Đâu", "Sliến", "Khoang", "Thin")
_SOUTH_HAMLET_NAMES = ("Thới Thuận", "Thạnh Lợi", "Long Hòa", "Phú An", "Tân Phước", "Mỹ Hưng", "Hòa Bình", "An Lạc")


def _address(rng: random.Random, commune: DemoCommune) -> str:
    if commune.division_type == "phường":
        from faker.providers.address.vi_VN import Provider

        street = rng.choice(Provider.streets)
        number = rng.randint(1, 350)
        if rng.random() < 0.3:
            alley = "Ngõ" if commune.province_code in MOUNTAIN_PROVINCES else "Hẻm"  # the north's word, the south's
            return f"{alley} {number}, số {rng.randint(1, 60)}, đường {street}"
        return f"Số {number}, đường {street}"
    if commune.province_code in MOUNTAIN_PROVINCES:
        return f"Xóm {rng.choice(_NORTH_HAMLET_HEADS)} {rng.choice(_NORTH_HAMLET_TAILS)}"
    if rng.random() < 0.5:
        return f"Ấp {rng.randint(1, 12)}"
    return f"Ấp {rng.choice(_SOUTH_HAMLET_NAMES)}"


# ----------------------------------------------------------------------------------------------------
# Who is enrolled, and how old they are


@dataclass(frozen=True, slots=True)
class Profile:
    """One kind of beneficiary: program, categories, and the ages and sexes that make them plausible."""

    name: str
    program: Program
    categories: tuple[str, ...]
    weight: float  # within its program
    min_age: int  # age today, inclusive; also the age from which the category can have been granted
    max_age: int  # age today, inclusive
    mode_age: int | None = None  # ages are triangular around this (uniform when None)
    female_share: float = 0.5
    proxy_share: float = 0.0  # chance that an adult is paid through an authorised representative
    home_reason: HomeDeliveryReason = HomeDeliveryReason.NO_PROXY

    @property
    def mountain_only(self) -> bool:
        return not MOUNTAIN_CATEGORIES.isdisjoint(self.categories)


PROGRAM_SHARES: dict[Program, float] = {
    Program.SOCIAL_ASSISTANCE: 0.75,
    Program.MERITORIOUS: 0.20,
    Program.CAREGIVER: 0.05,
}

_SA = Program.SOCIAL_ASSISTANCE
_MER = Program.MERITORIOUS
_CG = Program.CAREGIVER
_P = Profile
_BED = HomeDeliveryReason.BEDRIDDEN
_SEV = HomeDeliveryReason.SEVERE_DISABILITY
_NOP = HomeDeliveryReason.NO_PROXY


# fmt: off
PROFILES: tuple[Profile, ...] = (
    # name, program, categories, weight, min age, max age, mode age, female share, proxy share, home delivery
    # Clause 5: the elderly are the largest group, most of them aged 80+ without a pension.
    _P("elderly_80_no_pension", _SA, (SA_ELDERLY_80_NO_PENSION,), 24, 80, 100, 81, 0.60, 0.05, _BED),
    _P("elderly_poor", _SA, (SA_ELDERLY_POOR,), 16, 60, 95, 62, 0.60, 0.02, _BED),
    _P("elderly_75_80_mountain", _SA, (SA_ELDERLY_75_80_MOUNTAIN,), 10, 75, 79, None, 0.55, 0.02, _BED),
    _P("elderly_community_care", _SA, (SA_ELDERLY_COMMUNITY_CARE,), 1, 60, 95, 70, 0.60, 0.05, _BED),
    _P("elderly_80_disabled", _SA, (SA_ELDERLY_80_NO_PENSION, SA_DISABLED_SEVERE), 3, 80, 98, 82, 0.60, 0.10, _SEV),
    # Clause 6: disability at any age, children included.
    _P("disabled_severe", _SA, (SA_DISABLED_SEVERE,), 18, 16, 90, 45, 0.45, 0.02, _SEV),
    _P("disabled_especially_severe", _SA, (SA_DISABLED_ESPECIALLY_SEVERE,), 9, 16, 90, 45, 0.45, 0.08, _SEV),
    _P("disabled_child_severe", _SA, (SA_DISABLED_SEVERE,), 1.5, 0, 15, None, 0.45, 0.0, _NOP),
    _P("disabled_child_esp_severe", _SA, (SA_DISABLED_ESPECIALLY_SEVERE,), 0.8, 0, 15, None, 0.45, 0.0, _NOP),
    # Clauses 1-3 and 7: children; both bands of clause 1 (2.5 under 4, 1.5 from 4 to under 16) appear.
    _P("child_no_support", _SA, (SA_CHILD_NO_SUPPORT,), 2.5, 0, 15, None, 0.50, 0.0, _NOP),
    _P("child_hiv_poor", _SA, (SA_CHILD_HIV_POOR,), 0.2, 0, 15, None, 0.50, 0.0, _NOP),
    _P("child_under_3_ethnic", _SA, (SA_CHILD_UNDER_3_ETHNIC,), 2, 0, 2, None, 0.50, 0.0, _NOP),
    _P("in_school_16_22", _SA, (SA_CHILD_IN_SCHOOL,), 2, 16, 21, None, 0.50, 0.0, _NOP),
    # Clauses 4 and 8.
    _P("single_parent_poor", _SA, (SA_SINGLE_PARENT,), 6, 20, 50, 32, 0.85, 0.0, _NOP),
    _P("hiv_poor", _SA, (SA_HIV_POOR,), 1.5, 20, 60, 38, 0.40, 0.0, _NOP),
    # Parents and widows of martyrs are very old now; their children are in their fifties and sixties.
    _P("martyr_relative_1", _MER, (MER_MARTYR_RELATIVE_1,), 40, 52, 100, 72, 0.60, 0.04, _BED),
    _P("martyr_relative_1_caring", _MER, (MER_MARTYR_RELATIVE_1, MER_EXTRA_CARING), 5, 75, 100, 85, 0.70, 0.10, _BED),
    _P("martyr_relative_2", _MER, (MER_MARTYR_RELATIVE_2,), 6, 70, 100, 82, 0.60, 0.08, _BED),
    _P("martyr_relative_3_plus", _MER, (MER_MARTYR_RELATIVE_3_PLUS,), 1.5, 80, 100, 88, 0.60, 0.10, _BED),
    _P("heroic_mother", _MER, (MER_HEROIC_MOTHER, MER_HEROIC_MOTHER_SUPPLEMENT), 0.5, 92, 105, 95, 1.00, 0.30, _BED),
    # Agent-Orange victims: veterans in their sixties to eighties, and their children born after the war.
    # War invalids, by injury rate (written after the code, ``mer_war_invalid:41``).
    _P("war_invalid", _MER, (MER_WAR_INVALID,), 12, 62, 92, 72, 0.05, 0.05, _SEV),
    _P("war_invalid_type_b", _MER, (MER_WAR_INVALID_TYPE_B,), 2, 62, 92, 72, 0.05, 0.05, _SEV),
    _P("agent_orange_veteran_1", _MER, (MER_AGENT_ORANGE[0],), 8, 65, 90, 72, 0.10, 0.0, _NOP),
    _P("agent_orange_veteran_2", _MER, (MER_AGENT_ORANGE[1],), 7, 65, 90, 72, 0.10, 0.0, _NOP),
    _P("agent_orange_veteran_3", _MER, (MER_AGENT_ORANGE[2],), 5, 65, 90, 74, 0.10, 0.05, _SEV),
    _P("agent_orange_veteran_4", _MER, (MER_AGENT_ORANGE[3],), 2, 65, 90, 75, 0.10, 0.10, _SEV),
    _P("agent_orange_child", _MER, (MER_AGENT_ORANGE[2],), 5, 30, 55, 42, 0.45, 0.05, _SEV),
    _P("carer_81_plus", _MER, (MER_CARER_81_PLUS,), 4, 40, 75, 58, 0.70, 0.0, _NOP),
    _P("carer_81_plus_esp_severe", _MER, (MER_CARER_81_PLUS_ESPECIALLY_SEVERE,), 1.5, 40, 75, 58, 0.70, 0.0, _NOP),
    # Caregivers (Art 20) are adults looking after someone else.
    _P("cg_takes_in_child", _CG, (CG_CHILD_NO_SUPPORT,), 3, 25, 65, 45, 0.70, 0.0, _NOP),
    _P("cg_takes_in_elderly", _CG, (CG_ELDERLY_COMMUNITY_CARE,), 1, 30, 65, 48, 0.70, 0.0, _NOP),
    _P("cg_disabled_parent_one", _CG, (CG_DISABLED_PARENT_ONE,), 2, 18, 45, 28, 0.90, 0.0, _NOP),
    _P("cg_disabled_parent_two", _CG, (CG_DISABLED_PARENT_TWO,), 0.7, 20, 45, 30, 0.90, 0.0, _NOP),
    _P("cg_household_esp_severe", _CG, (CG_HOUSEHOLD_ESPECIALLY_SEVERE,), 4, 25, 75, 50, 0.65, 0.0, _NOP),
    _P("cg_takes_in_esp_severe", _CG, (CG_TAKES_IN_ESPECIALLY_SEVERE,), 1, 30, 65, 48, 0.65, 0.0, _NOP),
)
# fmt: on
ADULT_AGE = 18  # younger beneficiaries are paid through a guardian


@functools.cache
def _profile_table(mountain: bool) -> tuple[tuple[Profile, ...], tuple[float, ...]]:
    """Profiles and cumulative weights (program share × weight within the program) for a kind of province."""
    chosen = [p for p in PROFILES if mountain or not p.mountain_only]
    totals: dict[Program, float] = dict.fromkeys(Program, 0.0)
    for profile in chosen:
        totals[profile.program] += profile.weight
    weights = [PROGRAM_SHARES[p.program] * p.weight / totals[p.program] for p in chosen]
    return tuple(chosen), tuple(itertools.accumulate(weights))


# ----------------------------------------------------------------------------------------------------
# Records


@dataclass(frozen=True, slots=True)
class GeneratedPerson:
    """A person as the registry holds them (typed), whether a beneficiary or a payee."""

    national_id: str
    full_name: str
    date_of_birth: date
    sex: Sex
    commune_code: str  # current code
    address: str | None
    phone: str | None


@dataclass(frozen=True, slots=True)
class PopulationRecord:
    """One line of the population file, and what the registry's verification should find."""

    national_id: str
    full_name: str
    date_of_birth: date
    sex: Sex
    date_of_death: date | None
    expected: str  # a key of POPULATION_SHARES


@dataclass(frozen=True, slots=True)
class GeneratedRecord:
    index: int  # 0-based; the file's row number is index + 2
    profile: str
    row: dict[str, str]  # import format: every column key, text exactly as the file has it
    beneficiary: GeneratedPerson
    payee: GeneratedPerson | None  # the guardian or proxy, when there is one
    population: PopulationRecord | None  # None: the national database does not know the beneficiary


def generate_records(
    *,
    rows: int,
    seed: int,
    provinces: Sequence[str] = DEFAULT_PROVINCES,
    today: date = REFERENCE_TODAY,
) -> Iterator[GeneratedRecord]:
    """Every generated row with the persons behind it: what the other generators are views of."""
    if not 0 <= rows <= MAX_ROWS:
        raise ValueError(f"rows must be between 0 and {MAX_ROWS:,}, got {rows}")
    if not provinces:
        raise ValueError("give at least one province")
    province_list = tuple(dict.fromkeys(provinces))
    province_weights = [PROVINCE_WEIGHTS.get(p, 1.0) for p in province_list]
    for province in province_list:
        demo_communes(province)  # fail early on an unknown province
    for index in range(rows):
        # One stream per row: a row does not depend on the rows before it. Integer seeds are the cheap ones.
        rng = random.Random((seed << 32) | index)  # noqa: S311 - demo data, not secrets
        province = rng.choices(province_list, weights=province_weights)[0]
        yield _record(rng, index=index, seed=seed, province=province, today=today)


def generate_rows(
    *,
    rows: int,
    seed: int,
    provinces: Sequence[str] = DEFAULT_PROVINCES,
    today: date = REFERENCE_TODAY,
) -> Iterator[dict[str, str]]:
    """Rows of the ministry's import file: every column key of ``registry.importing.COLUMNS``, as text."""
    for record in generate_records(rows=rows, seed=seed, provinces=provinces, today=today):
        yield record.row


def generate_payees(
    *,
    rows: int,
    seed: int,
    provinces: Sequence[str] = DEFAULT_PROVINCES,
    today: date = REFERENCE_TODAY,
) -> Iterator[GeneratedPerson]:
    """The guardians and proxies that the rows of the same arguments name: register them before the import."""
    for record in generate_records(rows=rows, seed=seed, provinces=provinces, today=today):
        if record.payee is not None:
            yield record.payee


def generate_population(
    path: Path,
    *,
    rows: int,
    seed: int,
    provinces: Sequence[str] = DEFAULT_PROVINCES,
    today: date = REFERENCE_TODAY,
) -> dict[str, int]:
    """Write the population simulator's CSV (UTF-8, ISO dates, sex male/female); return the count per outcome."""
    with _PopulationWriter(path) as population:
        for record in generate_records(rows=rows, seed=seed, provinces=provinces, today=today):
            population.add(record)
    return population.counts()


def write_import_file(
    path: Path,
    *,
    rows: int,
    seed: int,
    fmt: Literal["xlsx", "csv"],
    provinces: Sequence[str] = DEFAULT_PROVINCES,
    today: date = REFERENCE_TODAY,
) -> int:
    """Write an import file: .xlsx (Vietnamese labels, openpyxl write-only) or .csv (UTF-8 BOM, English keys)."""
    return _write_rows(path, fmt, generate_rows(rows=rows, seed=seed, provinces=provinces, today=today))


@dataclass(frozen=True, slots=True)
class DemoFiles:
    rows: int
    payees: list[GeneratedPerson]  # to register before importing the file
    population: dict[str, int]  # expected verification outcome → persons


def write_demo_files(
    import_path: Path,
    population_path: Path,
    *,
    rows: int,
    seed: int,
    fmt: Literal["xlsx", "csv"] = "csv",
    provinces: Sequence[str] = DEFAULT_PROVINCES,
    today: date = REFERENCE_TODAY,
) -> DemoFiles:
    """The import file, the population file and the payees in one pass (what the three functions above give)."""
    payees: list[GeneratedPerson] = []
    with _PopulationWriter(population_path) as population:

        def import_rows() -> Iterator[dict[str, str]]:
            for record in generate_records(rows=rows, seed=seed, provinces=provinces, today=today):
                population.add(record)
                if record.payee is not None:
                    payees.append(record.payee)
                yield record.row

        written = _write_rows(import_path, fmt, import_rows())
    return DemoFiles(written, payees, population.counts())


def _write_rows(path: Path, fmt: Literal["xlsx", "csv"], rows: Iterator[dict[str, str]]) -> int:
    written = 0
    if fmt == "csv":
        # utf-8-sig writes the BOM Excel needs to read the file as UTF-8.
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(COLUMN_KEYS)
            for row in rows:
                writer.writerow([safe_cell(row[key]) for key in COLUMN_KEYS])
                written += 1
        return written
    if fmt != "xlsx":
        raise ValueError(f"fmt must be 'xlsx' or 'csv', got {fmt!r}")
    from openpyxl import Workbook  # type: ignore[import-untyped]  # openpyxl ships no type hints

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Danh sách đối tượng")
    sheet.append([LABELS_VI[key] for key in COLUMN_KEYS])
    for row in rows:
        sheet.append([safe_cell(row[key]) for key in COLUMN_KEYS])
        written += 1
    workbook.save(path)
    return written


class _PopulationWriter:
    """Writes the population file line by line and counts the outcomes the registry should meet."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._counts: Counter[str] = Counter()

    def __enter__(self) -> _PopulationWriter:
        self._handle = self._path.open("w", encoding="utf-8", newline="")
        self._writer = csv.writer(self._handle)
        self._writer.writerow(POPULATION_HEADER)
        return self

    def __exit__(self, *_: object) -> None:
        self._handle.close()

    def add(self, record: GeneratedRecord) -> None:
        self._counts[record.population.expected if record.population is not None else "not_found"] += 1
        people = [record.population] if record.population is not None else []
        if record.payee is not None:
            people.append(_exact(record.payee))
            self._counts["payee_match"] += 1
        for person in people:
            self._writer.writerow(
                (
                    person.national_id,
                    person.full_name,
                    person.date_of_birth.isoformat(),
                    person.sex.value,
                    person.date_of_death.isoformat() if person.date_of_death else "",
                )
            )

    def counts(self) -> dict[str, int]:
        return {key: self._counts[key] for key in (*POPULATION_SHARES, "payee_match")}


# ----------------------------------------------------------------------------------------------------
# One row


def _record(rng: random.Random, *, index: int, seed: int, province: str, today: date) -> GeneratedRecord:
    profiles, cumulative = _profile_table(province in MOUNTAIN_PROVINCES)
    profile = rng.choices(profiles, cum_weights=cumulative)[0]
    commune = rng.choice(demo_communes(province))
    sex = Sex.FEMALE if rng.random() < profile.female_share else Sex.MALE
    age = _age(rng, profile)
    date_of_birth = _date_of_birth(rng, age, today, settled=age == profile.min_age)
    beneficiary_id = _national_id(rng, index=2 * index, seed=seed, commune=commune, born=date_of_birth, sex=sex)

    decision_date = _decision_date(rng, profile, date_of_birth, today)
    effective = _month_after(decision_date) if rng.random() < 0.3 else decision_date.replace(day=1)
    decision_number = f"{rng.randint(1, 3999)}/{_issuer(profile.program, decision_date)}"

    payee_role = PayeeRole.BENEFICIARY
    if age < ADULT_AGE:
        payee_role = PayeeRole.GUARDIAN
    elif rng.random() < profile.proxy_share:
        payee_role = PayeeRole.PROXY

    method, provider, bank_bin, wallet_network = _payment(rng, profile.program)
    home_reason: HomeDeliveryReason | None = None
    if method is PaymentMethod.CASH_POINT and age >= ADULT_AGE and rng.random() < HOME_DELIVERY_SHARE_OF_CASH:
        method = PaymentMethod.CASH_HOME
        home_reason = profile.home_reason
        if payee_role is PayeeRole.PROXY and home_reason is HomeDeliveryReason.NO_PROXY:
            home_reason = _BED  # someone paid through a proxy is not paid at home for lack of one

    payee: GeneratedPerson | None = None
    own_phone: str | None = None
    if payee_role is PayeeRole.BENEFICIARY:
        own_phone = _phone(rng, wallet_network) if wallet_network or rng.random() < PHONE_SHARE_ADULTS else None
    else:
        if age >= ADULT_AGE and rng.random() < PHONE_SHARE_ADULTS:
            own_phone = _phone(rng, None)
        payee = _payee(
            rng,
            index=index,
            seed=seed,
            commune=commune,
            role=payee_role,
            today=today,
            beneficiary_age=age,
            wallet_network=wallet_network,
        )
    holder_phone = own_phone if payee is None else payee.phone
    account = _account_number(rng, method, bank_bin, holder_phone, commune.province_code)

    full_name = _full_name(rng, sex)
    address = _address(rng, commune)
    written_commune = commune.code
    if commune.legacy_codes and rng.random() < LEGACY_CODE_SHARE:
        written_commune = rng.choice(commune.legacy_codes)

    beneficiary = GeneratedPerson(beneficiary_id, full_name, date_of_birth, sex, commune.code, address, own_phone)
    row = dict.fromkeys(COLUMN_KEYS, "")
    row.update(
        national_id=beneficiary_id,
        full_name=full_name,
        date_of_birth=f"{date_of_birth:%d/%m/%Y}",
        sex="Nam" if sex is Sex.MALE else "Nữ",
        commune_code=written_commune,
        address=address,
        phone=own_phone or "",
        program=profile.program.value,
        category=";".join(_category_cell(rng, code) for code in profile.categories),
        decision_number=decision_number,
        decision_date=f"{decision_date:%d/%m/%Y}",
        effective_from=f"{effective:%m/%Y}",
        payment_method=method.value,
        provider=provider,
        bank_bin=bank_bin or "",
        account_number=account or "",
        payee_national_id=payee.national_id if payee else "",
        payee_role=payee_role.value,
        home_delivery_reason=home_reason.value if home_reason else "",
    )
    population = _population(rng, beneficiary, today)
    return GeneratedRecord(index, profile.name, row, beneficiary, payee, population)


# Injury rates of war invalids: most between 21 % and 40 %, few above 80 %.
_INJURY_RATE_BANDS: tuple[tuple[int, int, float], ...] = (
    (21, 40, 0.55),
    (41, 60, 0.25),
    (61, 80, 0.15),
    (81, 100, 0.05),
)
# Children raised by a poor single parent, or especially severely disabled persons a household cares for.
_UNITS: tuple[tuple[int, float], ...] = ((1, 0.6), (2, 0.3), (3, 0.1))


def _category_cell(rng: random.Random, code: str) -> str:
    """The category as the file writes it, with the injury rate or the number of persons it needs."""
    from ansinh.registry.catalogue import find_category

    category = find_category(code)
    if category is not None and category.injury_rates is not None:
        low, high, _ = rng.choices(_INJURY_RATE_BANDS, weights=[b[2] for b in _INJURY_RATE_BANDS])[0]
        low, high = max(low, category.injury_rates[0]), min(high, category.injury_rates[1])
        return f"{code}:{rng.randint(low, high)}"
    if category is not None and category.per_unit:
        units = rng.choices([u for u, _ in _UNITS], weights=[w for _, w in _UNITS])[0]
        return code if units == 1 else f"{code}:{units}"
    return code


def _age(rng: random.Random, profile: Profile) -> int:
    if profile.mode_age is None:
        return rng.randint(profile.min_age, profile.max_age)
    # +1 and floor: every age from min to max inclusive can come out, the mode most often.
    value = int(rng.triangular(profile.min_age, profile.max_age + 1, profile.mode_age))
    return min(value, profile.max_age)


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year - years, day=28)


def _date_of_birth(rng: random.Random, age: int, today: date, *, settled: bool = False) -> date:
    """A date of birth giving exactly ``age`` completed years today.

    ``settled``: the birthday was at least two months ago, so that a decision granted from that age (the first
    of the category) has been signed by now.
    """
    latest = _years_before(today - timedelta(days=60) if settled else today, age)
    earliest = _years_before(today, age + 1) + timedelta(days=1)
    return earliest + timedelta(days=rng.randint(0, (latest - earliest).days))


def _decision_date(rng: random.Random, profile: Profile, born: date, today: date) -> date:
    """Signed between 2019 and yesterday, once the person was old enough (and a month after a birth)."""
    eligible = _years_before(born, -profile.min_age) if profile.min_age else born + timedelta(days=30)
    earliest = max(FIRST_DECISION_DATE, eligible)
    latest = today - timedelta(days=1)
    return earliest + timedelta(days=rng.randint(0, (latest - earliest).days))


def _month_after(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _issuer(program: Program, signed: date) -> str:
    """Who signs: the commune's People's Committee, or the provincial department for meritorious people."""
    if program is not Program.MERITORIOUS:
        return "QĐ-UBND"
    # The Department of Labour (Sở LĐTBXH) handed meritorious people to Home Affairs (Sở Nội vụ) on 1 March 2025.
    return "QĐ-SLĐTBXH" if signed < date(2025, 3, 1) else "QĐ-SNV"


def _payment(rng: random.Random, program: Program) -> tuple[PaymentMethod, str, str | None, str | None]:
    """Method, provider, bank BIN and, for an e-wallet, the mobile network its number must be on."""
    if rng.random() >= CASHLESS_SHARE[program]:
        return PaymentMethod.CASH_POINT, VNPOST, None, None
    if rng.random() < EWALLET_SHARE_OF_CASHLESS:
        provider, network, _ = rng.choices(_WALLETS, weights=[w[2] for w in _WALLETS])[0]
        return PaymentMethod.EWALLET, provider, None, network
    bank = rng.choices(DEMO_BANKS, weights=[b.share for b in DEMO_BANKS])[0]
    return PaymentMethod.BANK_ACCOUNT, bank.provider_code, bank.bin, None


def _account_number(
    rng: random.Random, method: PaymentMethod, bank_bin: str | None, holder_phone: str | None, province: str
) -> str | None:
    if method is PaymentMethod.EWALLET:
        return holder_phone  # a mobile-money account is the holder's number
    if method is not PaymentMethod.BANK_ACCOUNT:
        return None
    bank = next(b for b in DEMO_BANKS if b.bin == bank_bin)
    if bank.provider_code == "AGRIBANK":
        # Agribank's 13 digits: a 4-digit branch (the province's), product code 205 (payment account), serial.
        branch = ("7" if province == "92" else "8") + f"{rng.randint(300, 399)}"
        return f"{branch}205{rng.randint(0, 999_999):06d}"
    free = bank.account_digits - len(bank.account_prefix)
    return f"{bank.account_prefix}{rng.randint(0, 10**free - 1):0{free}d}"


def _phone(rng: random.Random, network: str | None) -> str:
    if network is None:
        names = list(_NETWORK_SHARES)
        network = rng.choices(names, weights=[_NETWORK_SHARES[n] for n in names])[0]
    prefix = rng.choice(_NETWORK_PREFIXES[network])
    return f"{prefix}{rng.randint(0, 9_999_999):07d}"


# A serial per person: an affine permutation of 0 … 999,999 (the multiplier is prime to 10), offset by the seed.
_SERIAL_SPACE = 1_000_000
_SERIAL_MULTIPLIER = 390_617


def _national_id(rng: random.Random, *, index: int, seed: int, commune: DemoCommune, born: date, sex: Sex) -> str:
    """A CCCD number consistent with the date of birth and sex (Circular 07/2016/TT-BCA)."""
    province = rng.choice(commune.birth_provinces)
    century = {1900: 0, 2000: 2, 2100: 4}[born.year // 100 * 100] + (1 if sex is Sex.FEMALE else 0)
    serial = (_SERIAL_MULTIPLIER * index + seed * 7_919) % _SERIAL_SPACE
    return f"{province}{century}{born.year % 100:02d}{serial:06d}"


def _payee(
    rng: random.Random,
    *,
    index: int,
    seed: int,
    commune: DemoCommune,
    role: PayeeRole,
    today: date,
    beneficiary_age: int,
    wallet_network: str | None,
) -> GeneratedPerson:
    """A guardian (a relative of working age) or a proxy (often a grown child of an elderly person)."""
    if role is PayeeRole.GUARDIAN:
        age = rng.randint(max(22, beneficiary_age + 18), 65)
    else:
        age = rng.randint(25, max(26, min(70, beneficiary_age - 18)))
    sex = Sex.FEMALE if rng.random() < 0.6 else Sex.MALE
    born = _date_of_birth(rng, age, today)
    has_phone = wallet_network is not None or rng.random() < PHONE_SHARE_PAYEES
    return GeneratedPerson(
        national_id=_national_id(rng, index=2 * index + 1, seed=seed, commune=commune, born=born, sex=sex),
        full_name=_full_name(rng, sex),
        date_of_birth=born,
        sex=sex,
        commune_code=commune.code,
        address=_address(rng, commune),
        phone=_phone(rng, wallet_network) if has_phone else None,
    )


# ----------------------------------------------------------------------------------------------------
# Population file


def _exact(person: GeneratedPerson) -> PopulationRecord:
    return PopulationRecord(person.national_id, person.full_name, person.date_of_birth, person.sex, None, "match")


def _population(rng: random.Random, person: GeneratedPerson, today: date) -> PopulationRecord | None:
    outcomes = list(POPULATION_SHARES)
    outcome = VerificationOutcome(rng.choices(outcomes, weights=[POPULATION_SHARES[o] for o in outcomes])[0])
    if outcome is VerificationOutcome.NOT_FOUND:
        return None
    name, born, died = person.full_name, person.date_of_birth, None
    if outcome is VerificationOutcome.NAME_MISMATCH:
        name = _other_name(rng, person)
    elif outcome is VerificationOutcome.DOB_MISMATCH:
        born = _other_date_of_birth(rng, born)
    elif outcome is VerificationOutcome.DECEASED:
        start = max(date(today.year, 1, 1), born + timedelta(days=1))
        died = start + timedelta(days=rng.randint(0, max(0, (today - start).days - 1)))
    return PopulationRecord(person.national_id, name, born, person.sex, died, outcome.value)


def _other_name(rng: random.Random, person: GeneratedPerson) -> str:
    """The same person written differently: another given name, so it differs even without diacritics."""
    _, _, _, male_given, female_given = _name_lists()
    given_names = male_given if person.sex is Sex.MALE else female_given
    parts = person.full_name.split(" ")
    while True:
        candidate = " ".join((*parts[:-1], rng.choice(given_names)))
        if name_key(candidate) != name_key(person.full_name):
            return candidate


def _other_date_of_birth(rng: random.Random, born: date) -> date:
    """A typing slip that keeps the year (so the citizen ID still agrees): day and month swapped, or a day off."""
    if born.day <= 12 and born.day != born.month:
        return date(born.year, born.day, born.month)
    shifted = born + timedelta(days=rng.choice((-3, -2, -1, 1, 2, 3)))
    return shifted if shifted.year == born.year else born - timedelta(days=5)
