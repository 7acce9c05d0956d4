"""Citizen-ID (CCCD, 12-digit personal identification number) checks: pure rules, no I/O.

Layout (Circular 07/2016/TT-BCA, domain-rules §5): ``PPP`` province of birth registration (the pre-2025
63-province codes) · ``G`` century and sex · ``YY`` last two digits of the birth year · six random digits.
There is no public checksum, so the most we can say is "well formed" (errors) and "consistent with the date
of birth and sex we were given" (warnings). A warning is overridden by an officer with a reason, never
silently fixed.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from ansinh.core.errors import ValidationFailed

NATIONAL_ID_LENGTH = 12
# An override reason is read by an auditor later: "ok" or "x" explains nothing.
MIN_OVERRIDE_REASON_CHARS = 10

# ASCII digits only: str.isdigit() also accepts "１２３" and other scripts' digits, which no register holds.
_DIGITS = re.compile(r"[0-9]+")


class Sex(StrEnum):
    MALE = "male"
    FEMALE = "female"

    @property
    def label_vi(self) -> str:
        return "nam" if self is Sex.MALE else "nữ"


class Severity(StrEnum):
    ERROR = "error"  # the number cannot be right: never overridable
    WARNING = "warning"  # the number disagrees with other facts: an officer may override with a reason


class FindingCode(StrEnum):
    WRONG_LENGTH = "national_id_wrong_length"
    NOT_DIGITS = "national_id_not_digits"
    UNKNOWN_PROVINCE = "national_id_unknown_province"
    BIRTH_YEAR_MISMATCH = "national_id_birth_year_mismatch"
    SEX_MISMATCH = "national_id_sex_mismatch"


@dataclass(frozen=True, slots=True)
class IdentityFinding:
    code: FindingCode
    severity: Severity
    message_vi: str
    message_en: str


@dataclass(frozen=True, slots=True)
class DecodedNationalId:
    """What a well-formed number says about its holder."""

    province_code: str  # "001" … "096", pre-2025 codes
    province_name: str
    sex: Sex
    birth_year: int
    serial: str  # the last six digits


@dataclass(frozen=True, slots=True)
class NationalIdCheck:
    national_id: str  # as checked: surrounding whitespace removed, nothing else changed
    decoded: DecodedNationalId | None  # None when there is any error
    findings: tuple[IdentityFinding, ...]

    @property
    def errors(self) -> tuple[IdentityFinding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[IdentityFinding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.WARNING)

    @property
    def is_well_formed(self) -> bool:
        return not self.errors

    @property
    def is_consistent(self) -> bool:
        return not self.findings


@dataclass(frozen=True, slots=True)
class IdentityOverride:
    """An officer's accepted warnings; the service records who and when."""

    national_id: str
    reason: str
    overridden: tuple[FindingCode, ...]


class IdentityOverrideError(ValidationFailed):
    code = "identity_override_refused"


# Century of birth by the fourth digit; even digits are men, odd digits women.
_CENTURY_BY_DIGIT = {0: 1900, 1: 1900, 2: 2000, 3: 2000, 4: 2100, 5: 2100, 6: 2200, 7: 2200, 8: 1800, 9: 1800}


@functools.cache
def legacy_province_names() -> dict[str, str]:
    """The 63 pre-2025 province codes ("001" … "096") with their names, as CCCD numbers use them."""
    # Imported here: the legacy tables are sizeable and most callers never need them.
    from vietnam_provinces.legacy import Province

    return {f"{int(p.code):03d}": p.name for p in Province.iter_all()}


def check_national_id(
    national_id: str, *, date_of_birth: date | None = None, sex: Sex | None = None
) -> NationalIdCheck:
    """Check a CCCD number's format and province, and its agreement with a date of birth and sex if given."""
    text = national_id.strip()
    findings: list[IdentityFinding] = []
    all_digits = _DIGITS.fullmatch(text) is not None
    if not all_digits:
        findings.append(
            IdentityFinding(
                FindingCode.NOT_DIGITS,
                Severity.ERROR,
                "Số định danh cá nhân chỉ được gồm các chữ số 0–9.",
                "The personal ID number may contain the digits 0–9 only.",
            )
        )
    if len(text) != NATIONAL_ID_LENGTH:
        findings.append(_wrong_length(text, all_digits=all_digits))
    if findings:
        return NationalIdCheck(text, None, tuple(findings))

    province_code = text[:3]
    province_name = legacy_province_names().get(province_code)
    if province_name is None:
        finding = IdentityFinding(
            FindingCode.UNKNOWN_PROVINCE,
            Severity.ERROR,
            f"Ba số đầu «{province_code}» không phải mã của một trong 63 tỉnh, thành phố (mã trước năm 2025) "
            "nơi đăng ký khai sinh.",
            f"The first three digits {province_code!r} are not one of the 63 (pre-2025) province codes of "
            "birth registration.",
        )
        return NationalIdCheck(text, None, (finding,))

    century_digit = int(text[3])
    decoded = DecodedNationalId(
        province_code=province_code,
        province_name=province_name,
        sex=Sex.MALE if century_digit % 2 == 0 else Sex.FEMALE,
        birth_year=_CENTURY_BY_DIGIT[century_digit] + int(text[4:6]),
        serial=text[6:],
    )
    if date_of_birth is not None and date_of_birth.year != decoded.birth_year:
        findings.append(
            IdentityFinding(
                FindingCode.BIRTH_YEAR_MISMATCH,
                Severity.WARNING,
                f"Số định danh cho biết năm sinh {decoded.birth_year} (chữ số thứ 4–6), "
                f"nhưng ngày sinh ghi năm {date_of_birth.year}.",
                f"The ID number gives birth year {decoded.birth_year} (digits 4–6) "
                f"but the date of birth says {date_of_birth.year}.",
            )
        )
    if sex is not None and sex is not decoded.sex:
        findings.append(
            IdentityFinding(
                FindingCode.SEX_MISMATCH,
                Severity.WARNING,
                f"Số định danh cho biết giới tính {decoded.sex.label_vi} (chữ số thứ 4), nhưng giới tính ghi "
                f"{sex.label_vi}.",
                f"The ID number gives sex {decoded.sex} (digit 4) but the sex given is {sex}.",
            )
        )
    return NationalIdCheck(text, decoded, tuple(findings))


def _wrong_length(text: str, *, all_digits: bool) -> IdentityFinding:
    message_vi = f"Số định danh cá nhân phải có đúng 12 chữ số (đang có {len(text)} ký tự)."
    message_en = f"The personal ID number must have exactly 12 digits (got {len(text)} characters)."
    # Two mistakes account for most wrong lengths in real lists; naming them saves a phone call.
    if all_digits and len(text) == NATIONAL_ID_LENGTH - 1:
        message_vi += " Có thể Excel đã bỏ số 0 ở đầu: hãy định dạng cột là Văn bản (Text)."
        message_en += " A spreadsheet may have dropped a leading zero: format the column as Text."
    elif all_digits and len(text) == 9:
        message_vi += " Số CMND 9 số cũ không dùng được: hãy ghi số định danh cá nhân 12 số."
        message_en += " An old 9-digit identity card number is not accepted: give the 12-digit personal ID."
    return IdentityFinding(FindingCode.WRONG_LENGTH, Severity.ERROR, message_vi, message_en)


def override_warnings(check: NationalIdCheck, reason: str) -> IdentityOverride:
    """Accept a check's warnings on an officer's stated reason; errors can never be overridden."""
    if check.errors:
        raise IdentityOverrideError(
            "Không thể bỏ qua lỗi của số định danh cá nhân: hãy sửa số.",
            "Errors in a personal ID number cannot be overridden: correct the number.",
            field="national_id",
        )
    if not check.warnings:
        raise IdentityOverrideError(
            "Số định danh cá nhân không có cảnh báo nào cần bỏ qua.",
            "The personal ID number has no warning to override.",
            field="national_id",
        )
    cleaned = " ".join(reason.split())
    if len(cleaned) < MIN_OVERRIDE_REASON_CHARS:
        raise IdentityOverrideError(
            f"Hãy ghi lý do bỏ qua cảnh báo (ít nhất {MIN_OVERRIDE_REASON_CHARS} ký tự).",
            f"Give a reason for overriding the warning (at least {MIN_OVERRIDE_REASON_CHARS} characters).",
            field="identity_override_reason",
        )
    return IdentityOverride(check.national_id, cleaned, tuple(w.code for w in check.warnings))
