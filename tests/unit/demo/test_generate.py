"""The demo generator: deterministic, every row accepted by the importer's own validation, realistic shares."""

from __future__ import annotations

import csv
import dataclasses
import itertools
import re
from collections import Counter
from collections.abc import Collection
from datetime import date, timedelta
from pathlib import Path

import pytest
import vietnam_provinces as vp
from vietnam_qr_pay import BanksObject

from ansinh.core.period import Period
from ansinh.demo import generate as gen
from ansinh.geo.domain import commune_code
from ansinh.policy.defaults import (
    MER_WAR_INVALID,
    SA_CHILD_UNDER_3_ETHNIC,
    SA_ELDERLY_75_80_MOUNTAIN,
    SOCIAL_ASSISTANCE_COEFFICIENTS,
)
from ansinh.policy.domain import AgeBasis
from ansinh.registry import catalogue
from ansinh.registry.identity import check_national_id
from ansinh.registry.importing import (
    COLUMN_KEYS,
    LABELS_VI,
    CategoryShape,
    CommuneMatch,
    ImportContext,
    ImportRow,
    PayeeRole,
    PaymentMethod,
    Program,
    read_import_file,
    validate_row,
)
from ansinh.registry.names import name_key
from ansinh.registry.population_sim import compare, read_population

TODAY = gen.REFERENCE_TODAY
SAMPLE = 4000  # enough for the shares to settle within the tolerances below, quick to generate


# -- an import context over the real administrative units, as the import service builds it from the database


def _real_communes() -> tuple[dict[str, str], dict[str, tuple[str, ...]]]:
    province_of: dict[str, str] = {}
    legacy: dict[str, set[str]] = {}
    for ward in vp.Ward.iter_all():
        code = commune_code(ward.code.value)
        province_of[code] = f"{ward.province_code.value:02d}"
        for old in ward.get_legacy_sources():
            legacy.setdefault(commune_code(old.code.value), set()).add(code)
    return province_of, {old: tuple(sorted(new)) for old, new in legacy.items()}


PROVINCE_OF, LEGACY = _real_communes()
DEMO_BINS = {bank.bin for bank in gen.DEMO_BANKS}
DEMO_PROVIDERS = {gen.VNPOST, gen.VIETTEL_MONEY, gen.VNPT_MONEY, *(bank.provider_code for bank in gen.DEMO_BANKS)}


def _known_commune(code: str) -> CommuneMatch | None:
    if code in PROVINCE_OF:  # a current code wins, as in the import service
        return CommuneMatch((code,))
    current = LEGACY.get(code)
    return CommuneMatch(current, legacy_code=code) if current else None


def _categories(program: Program) -> Collection[str]:
    return catalogue.category_codes(program)


def _shape(code: str) -> CategoryShape:
    category = catalogue.find_category(code)
    assert category is not None
    return CategoryShape(per_unit=category.per_unit, injury_rates=category.injury_rates)


CONTEXT = ImportContext(
    today=TODAY,
    known_commune=_known_commune,
    known_categories=_categories,
    known_bank_bin=DEMO_BINS.__contains__,
    known_provider=DEMO_PROVIDERS.__contains__,
    category_shape=_shape,
)


@pytest.fixture(scope="module")
def records() -> list[gen.GeneratedRecord]:
    return list(gen.generate_records(rows=SAMPLE, seed=7))


@pytest.fixture(scope="module")
def parsed(records: list[gen.GeneratedRecord]) -> list[ImportRow]:
    rows = []
    for record in records:
        row, errors = validate_row(record.index + 2, record.row, CONTEXT)
        assert errors == [], (record.row, errors)
        assert row is not None
        rows.append(row)
    return rows


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _share(count: int, total: int) -> float:
    return count / total


# -- determinism


def test_the_same_seed_gives_the_same_rows_and_another_seed_other_rows() -> None:
    first = list(gen.generate_rows(rows=200, seed=11))
    assert first == list(gen.generate_rows(rows=200, seed=11))
    other = list(gen.generate_rows(rows=200, seed=12))
    assert sum(a == b for a, b in zip(first, other, strict=True)) == 0


def test_a_smaller_run_is_the_start_of_a_larger_one() -> None:
    small = list(gen.generate_rows(rows=50, seed=3))
    large = list(itertools.islice(gen.generate_rows(rows=400, seed=3), 50))
    assert small == large


def test_rows_have_every_import_column_as_text(records: list[gen.GeneratedRecord]) -> None:
    for record in records[:200]:
        assert tuple(record.row) == COLUMN_KEYS
        assert all(isinstance(value, str) for value in record.row.values())


def test_the_row_count_and_the_provinces_are_checked() -> None:
    with pytest.raises(ValueError, match="rows"):
        list(gen.generate_rows(rows=gen.MAX_ROWS + 1, seed=1))
    with pytest.raises(ValueError, match="99"):
        list(gen.generate_rows(rows=1, seed=1, provinces=("99",)))
    with pytest.raises(ValueError, match="province"):
        list(gen.generate_rows(rows=1, seed=1, provinces=()))


# -- every row passes the importer's validation, against the real administrative units


def test_every_generated_row_is_accepted_by_the_importer(parsed: list[ImportRow]) -> None:
    assert len(parsed) == SAMPLE


def test_communes_belong_to_the_chosen_provinces(records: list[gen.GeneratedRecord], parsed: list[ImportRow]) -> None:
    provinces = Counter(PROVINCE_OF[row.commune_code] for row in parsed)
    assert set(provinces) == {"92", "04"}
    assert _share(provinces["92"], SAMPLE) == pytest.approx(0.7, abs=0.03)
    only_cao_bang = list(gen.generate_records(rows=100, seed=5, provinces=("04",)))
    assert {PROVINCE_OF[r.beneficiary.commune_code] for r in only_cao_bang} == {"04"}
    for record, row in zip(records, parsed, strict=True):
        assert row.commune_code == record.beneficiary.commune_code


def test_a_few_percent_of_rows_carry_a_pre_2025_ward_code_that_maps_to_one_commune(
    records: list[gen.GeneratedRecord], parsed: list[ImportRow]
) -> None:
    legacy = [(record, row) for record, row in zip(records, parsed, strict=True) if row.commune_legacy_code]
    assert 0.02 <= _share(len(legacy), SAMPLE) <= 0.06
    for record, row in legacy:
        assert record.row["commune_code"] == row.commune_legacy_code
        assert row.commune_legacy_code not in PROVINCE_OF  # never a code that is also a current commune's
        assert LEGACY[row.commune_legacy_code] == (row.commune_code,)


# -- identity


def test_citizen_ids_agree_with_date_of_birth_sex_and_the_birth_province(
    records: list[gen.GeneratedRecord],
) -> None:
    birth_codes = {"92": {"092", "093", "094"}, "04": {"004"}}
    persons = [r.beneficiary for r in records] + [r.payee for r in records if r.payee is not None]
    for person in persons:
        check = check_national_id(person.national_id, date_of_birth=person.date_of_birth, sex=person.sex)
        assert check.is_consistent, (person, check.findings)
        assert person.national_id[:3] in birth_codes[PROVINCE_OF[person.commune_code]]
    prefixes = Counter(p.national_id[:3] for p in persons if PROVINCE_OF[p.commune_code] == "92")
    assert set(prefixes) == {"092", "093", "094"}  # old Cần Thơ, Hậu Giang and Sóc Trăng


def test_citizen_ids_are_unique_across_beneficiaries_and_payees(records: list[gen.GeneratedRecord]) -> None:
    ids = [r.beneficiary.national_id for r in records] + [r.payee.national_id for r in records if r.payee]
    # Even the six-digit serials differ: drawn at random, some of these ~4,350 would clash (birthday bound).
    assert len({national_id[-6:] for national_id in ids}) == len(ids)


def test_names_are_in_vietnamese_order_from_fakers_lists_without_titles(records: list[gen.GeneratedRecord]) -> None:
    from faker.providers.person.vi_VN import Provider

    given = {*Provider.first_names_male, *Provider.first_names_female, *Provider.first_names_unisex}
    middle = {*Provider.middle_names, *given}
    for record in records[:500]:
        words = record.beneficiary.full_name.split()
        assert words[0] in Provider.last_names  # "Họ Đệm Tên": the family name first, no title before it
        assert " ".join(words[1:-1]) in middle
        assert words[-1] in given
        if record.beneficiary.sex.value == "male":
            assert "Thị" not in words


# -- programs, categories and decisions


def test_program_mix(parsed: list[ImportRow]) -> None:
    programs = Counter(row.program for row in parsed)
    assert _share(programs[Program.SOCIAL_ASSISTANCE], SAMPLE) == pytest.approx(0.75, abs=0.03)
    assert _share(programs[Program.MERITORIOUS], SAMPLE) == pytest.approx(0.20, abs=0.03)
    assert _share(programs[Program.CAREGIVER], SAMPLE) == pytest.approx(0.05, abs=0.015)


def test_social_assistance_categories_fit_the_age_bands_of_the_policy(parsed: list[ImportRow]) -> None:
    """Outside every age band a category pays nothing: no row may hold one its holder is too young or old for."""
    rates = dict(SOCIAL_ASSISTANCE_COEFFICIENTS)
    checked = Counter()
    for row in parsed:
        age = _age(row.date_of_birth, TODAY)
        for code in row.categories:
            category = catalogue.find_category(code)
            assert category is not None
            if code in rates and category.age_basis is AgeBasis.HOLDER:
                assert any(band.holds_for(age) for band in rates[code].bands), (code, age)
                checked[code] += 1
    assert len(checked) >= 10


def test_children_of_both_clause_1_bands_and_the_elderly_over_60_and_80_appear(parsed: list[ImportRow]) -> None:
    ages_by_category: dict[str, list[int]] = {}
    for row in parsed:
        for code in row.categories:
            ages_by_category.setdefault(code, []).append(_age(row.date_of_birth, TODAY))
    children = ages_by_category["sa_child_no_support"]
    assert any(age < 4 for age in children)
    assert any(4 <= age < 16 for age in children)
    assert min(ages_by_category["sa_elderly_poor_no_supporter"]) >= 60
    assert min(ages_by_category["sa_elderly_80_no_pension"]) >= 80
    assert any(age < 16 for age in ages_by_category["sa_disabled_severe"])
    martyr_relatives = ages_by_category["mer_martyr_relative_1"]
    assert sorted(martyr_relatives)[len(martyr_relatives) // 2] >= 65  # mostly elderly


def test_mountain_categories_only_in_cao_bang(parsed: list[ImportRow]) -> None:
    mountain = [r for r in parsed if {SA_ELDERLY_75_80_MOUNTAIN, SA_CHILD_UNDER_3_ETHNIC} & set(r.categories)]
    assert mountain
    assert {PROVINCE_OF[r.commune_code] for r in mountain} == {"04"}


def test_war_invalids_carry_an_injury_rate_and_single_parents_their_children(parsed: list[ImportRow]) -> None:
    invalids = [h for r in parsed for h in r.holdings if h.code == MER_WAR_INVALID]
    assert invalids
    assert all(h.injury_rate is not None and 21 <= h.injury_rate <= 100 for h in invalids)
    assert len({h.injury_rate for h in invalids}) > 10
    parents = [h for r in parsed for h in r.holdings if h.code == "sa_single_parent_poor"]
    assert {h.units for h in parents} >= {1, 2}


def test_decisions_are_signed_from_2019_to_yesterday_and_effective_that_month_or_the_next(
    parsed: list[ImportRow],
) -> None:
    number = re.compile(r"[0-9]{1,4}/QĐ-(UBND|SLĐTBXH|SNV)")
    years = Counter()
    for row in parsed:
        assert number.fullmatch(row.decision_number), row.decision_number
        assert date(2019, 1, 1) <= row.decision_date < TODAY
        assert row.decision_date > row.date_of_birth
        signed = Period(row.decision_date.year, row.decision_date.month)
        assert row.effective_from in (signed, signed + 1)
        years[row.decision_date.year] += 1
    assert set(years) == set(range(2019, 2027))


# -- payment and payees


def test_cashless_share_follows_the_2024_targets(parsed: list[ImportRow]) -> None:
    for program, target in ((Program.SOCIAL_ASSISTANCE, 0.58), (Program.MERITORIOUS, 0.625)):
        rows = [r for r in parsed if r.program is program]
        cashless = [r for r in rows if not r.payment_method.is_cash]
        assert _share(len(cashless), len(rows)) == pytest.approx(target, abs=0.04)
    methods = Counter(r.payment_method for r in parsed)
    assert _share(methods[PaymentMethod.CASH_HOME], SAMPLE) == pytest.approx(0.03, abs=0.015)
    assert methods[PaymentMethod.EWALLET] > 0
    assert methods[PaymentMethod.BANK_ACCOUNT] > methods[PaymentMethod.EWALLET]


def test_bank_accounts_use_real_napas_bins_and_wallets_the_holders_mobile_number(
    records: list[gen.GeneratedRecord], parsed: list[ImportRow]
) -> None:
    vietqr_bins = {bank.bin for bank in BanksObject.values()}
    seen_bins = set()
    for record, row in zip(records, parsed, strict=True):
        if row.payment_method is PaymentMethod.BANK_ACCOUNT:
            assert row.bank_bin in vietqr_bins | {gen.VBSP_BIN}
            assert row.account_number is not None
            assert row.account_number.isdigit()
            assert 12 <= len(row.account_number) <= 14
            seen_bins.add(row.bank_bin)
        elif row.payment_method is PaymentMethod.EWALLET:
            holder = record.payee or record.beneficiary
            assert row.account_number == holder.phone
            assert row.provider in (gen.VIETTEL_MONEY, gen.VNPT_MONEY)
        elif row.payment_method is PaymentMethod.CASH_HOME:
            assert row.home_delivery_reason is not None
            assert row.provider == gen.VNPOST
    assert seen_bins == DEMO_BINS


def test_about_8_percent_are_paid_to_a_guardian_or_proxy_and_every_minor_to_a_guardian(
    records: list[gen.GeneratedRecord], parsed: list[ImportRow]
) -> None:
    through_payee = [row for row in parsed if row.payee_role is not PayeeRole.BENEFICIARY]
    assert _share(len(through_payee), SAMPLE) == pytest.approx(0.08, abs=0.025)
    roles = Counter(row.payee_role for row in through_payee)
    assert roles[PayeeRole.GUARDIAN] > 0
    assert roles[PayeeRole.PROXY] > 0
    for record, row in zip(records, parsed, strict=True):
        if _age(row.date_of_birth, TODAY) < 18:
            assert row.payee_role is PayeeRole.GUARDIAN
        if record.payee is not None:
            assert row.payee_national_id == record.payee.national_id
            assert _age(record.payee.date_of_birth, TODAY) >= 22
            assert record.payee.commune_code == record.beneficiary.commune_code


def test_generate_payees_yields_exactly_the_payees_the_rows_name() -> None:
    rows = list(gen.generate_rows(rows=600, seed=4))
    named = [row["payee_national_id"] for row in rows if row["payee_national_id"]]
    payees = list(gen.generate_payees(rows=600, seed=4))
    assert [p.national_id for p in payees] == named
    assert not {p.national_id for p in payees} & {row["national_id"] for row in rows}


def test_most_adults_have_a_mobile_number(parsed: list[ImportRow]) -> None:
    adults = [r for r in parsed if _age(r.date_of_birth, TODAY) >= 18]
    with_phone = [r for r in adults if r.phone]
    assert _share(len(with_phone), len(adults)) >= 0.8
    assert all(re.fullmatch(r"0[35789][0-9]{8}", r.phone or "") for r in with_phone)


# -- files


def test_csv_file_has_a_bom_english_keys_and_reads_back_as_generated(tmp_path: Path) -> None:
    path = tmp_path / "demo.csv"
    assert gen.write_import_file(path, rows=30, seed=2, fmt="csv") == 30
    assert path.read_bytes().startswith(b"\xef\xbb\xbf" + b"national_id,full_name")
    read = [raw.values for raw in read_import_file(path, max_bytes=10_000_000)]
    assert read == list(gen.generate_rows(rows=30, seed=2))


def test_xlsx_file_has_vietnamese_labels_and_reads_back_as_generated(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    path = tmp_path / "demo.xlsx"
    assert gen.write_import_file(path, rows=30, seed=2, fmt="xlsx") == 30
    workbook = load_workbook(path, read_only=True)
    header = next(workbook.worksheets[0].iter_rows(max_row=1, values_only=True))
    workbook.close()
    assert list(header) == [LABELS_VI[key] for key in COLUMN_KEYS]
    read = [raw.values for raw in read_import_file(path, max_bytes=10_000_000)]
    assert read == list(gen.generate_rows(rows=30, seed=2))


def test_an_unknown_file_format_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="fmt"):
        gen.write_import_file(tmp_path / "demo.ods", rows=1, seed=1, fmt="ods")  # type: ignore[arg-type]


# -- population file


def test_population_file_agrees_with_most_of_the_registry(tmp_path: Path, records: list[gen.GeneratedRecord]) -> None:
    path = tmp_path / "population.csv"
    counts = gen.generate_population(path, rows=SAMPLE, seed=7)
    with path.open(encoding="utf-8", newline="") as handle:
        assert next(csv.reader(handle)) == list(gen.POPULATION_HEADER)
    citizens = read_population(path)  # the simulator's own reader accepts it
    outcomes = Counter()
    for record in records:
        person = record.beneficiary
        outcome = compare(
            citizens.get(person.national_id), full_name=person.full_name, date_of_birth=person.date_of_birth
        )
        expected = record.population.expected if record.population else "not_found"
        assert outcome == expected
        outcomes[outcome] += 1
        if record.payee is not None:
            payee = record.payee
            answer = compare(
                citizens.get(payee.national_id), full_name=payee.full_name, date_of_birth=payee.date_of_birth
            )
            assert answer == "match"
    assert {key: outcomes[key] for key in gen.POPULATION_SHARES} == {key: counts[key] for key in gen.POPULATION_SHARES}
    for outcome, share in gen.POPULATION_SHARES.items():
        assert _share(outcomes[outcome], SAMPLE) == pytest.approx(share, abs=max(0.006, share / 2)), outcome


def test_population_differences_look_like_real_ones(records: list[gen.GeneratedRecord]) -> None:
    for record in records:
        population, person = record.population, record.beneficiary
        if population is None:
            continue
        if population.expected == "name_mismatch":
            assert name_key(population.full_name) != name_key(person.full_name)
            assert population.full_name.split()[0] == person.full_name.split()[0]  # same family name
        elif population.expected == "dob_mismatch":
            assert population.date_of_birth != person.date_of_birth
            assert population.date_of_birth.year == person.date_of_birth.year  # the citizen ID still agrees
        elif population.expected == "deceased":
            assert population.date_of_death is not None
            assert date(TODAY.year, 1, 1) <= population.date_of_death < TODAY
        else:
            assert (population.full_name, population.date_of_birth, population.date_of_death) == (
                person.full_name,
                person.date_of_birth,
                None,
            )


def test_generation_follows_the_reference_day_it_is_given() -> None:
    later = TODAY + timedelta(days=400)
    for row in gen.generate_rows(rows=300, seed=9, today=later):
        parsed_row, errors = validate_row(2, row, dataclasses.replace(CONTEXT, today=later))
        assert errors == []
        assert parsed_row is not None
        assert parsed_row.decision_date < later


def test_the_one_pass_writer_gives_the_same_files_and_payees_as_the_separate_generators(tmp_path: Path) -> None:
    files = gen.write_demo_files(tmp_path / "a.csv", tmp_path / "a-population.csv", rows=120, seed=8)
    gen.write_import_file(tmp_path / "b.csv", rows=120, seed=8, fmt="csv")
    counts = gen.generate_population(tmp_path / "b-population.csv", rows=120, seed=8)
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert (tmp_path / "a-population.csv").read_bytes() == (tmp_path / "b-population.csv").read_bytes()
    assert files.rows == 120
    assert files.population == counts
    assert files.payees == list(gen.generate_payees(rows=120, seed=8))
