"""Registry export in the import format, and the import template.

The export writes what the import reads, so that a list can be exported, corrected in a spreadsheet and imported
back, and an unchanged export re-imports as every row ``unchanged``: one row per active or suspended beneficiary,
with the person's columns, the categories held now, the latest approved grant or adjust decision (the one applied
last, as the import compares it), the payment method in use and its payee. ``.csv`` gets the English keys as its
header and a BOM (so Excel reads UTF-8); ``.xlsx`` the Vietnamese labels. Both are streamed (openpyxl's write-only
mode), in chunks of beneficiaries read by id; every text cell goes through ``safe_cell``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any, Literal, Protocol, cast

from sqlalchemy import Table, select

from ansinh.access.domain import Area
from ansinh.access.scoping import area_clause, require_commune
from ansinh.core.errors import NotFound, ValidationFailed
from ansinh.core.uow import UnitOfWork
from ansinh.decisions.tables import Decision
from ansinh.enrolment.tables import PaymentMethod as MethodTable
from ansinh.geo.domain import commune_code as normalise_commune_code
from ansinh.geo.tables import Commune
from ansinh.registry import catalogue
from ansinh.registry.domain import BeneficiaryStatus
from ansinh.registry.importing import (
    COLUMN_KEYS,
    COLUMNS,
    LABELS_VI,
    CategoryHolding,
    HomeDeliveryReason,
    PayeeRole,
    PaymentMethod,
    Program,
    export_cells,
    header_labels,
)
from ansinh.registry.tables import Beneficiary, BeneficiaryCategory, Person

EXPORT_CHUNK = 2000
SHEET_TITLE = "Danh sách đối tượng"
GUIDE_TITLE = "Hướng dẫn"
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_BENEFICIARIES = cast(Table, Beneficiary.__table__)
_PERSONS = cast(Table, Person.__table__)
_CATEGORIES = cast(Table, BeneficiaryCategory.__table__)
_DECISIONS = cast(Table, Decision.__table__)
_METHODS = cast(Table, MethodTable.__table__)
_EXPORTED_STATUSES = (BeneficiaryStatus.ACTIVE.value, BeneficiaryStatus.SUSPENDED.value)


@dataclass(frozen=True)
class ExportReport:
    rows: int
    format: str
    commune_code: str | None


class _Writer(Protocol):
    def row(self, cells: Sequence[str]) -> None: ...


def export_format(path: Path) -> Literal["csv", "xlsx"]:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix == ".xlsx":
        return "xlsx"
    raise ValidationFailed(
        f"Tệp xuất phải có đuôi .csv hoặc .xlsx (đang là «{suffix or 'không có'}»).",
        f"The export file must end in .csv or .xlsx (got {suffix or 'none'!r}).",
        field="out",
    )


def export_registry(uow: UnitOfWork, *, area: Area, commune_code: str | None = None, out: Path) -> ExportReport:
    """Write the registry of ``area`` (or one commune of it) to ``out`` in the import format; audited."""
    fmt = export_format(out)
    commune = _commune_in_area(uow, area, commune_code) if commune_code is not None else None
    rows = 0
    with out.open("wb") as target, _writer(target, fmt) as writer:
        for values in _rows(uow, area, commune):
            writer.row(export_cells(values))
            rows += 1
    uow.audit(
        "registry.export",
        entity_type="registry_export",
        entity_id=commune or area.province_code or "all",
        province_code=area.province_code,
        detail={"rows": rows, "format": fmt, "commune_code": commune, "file": out.name},
    )
    return ExportReport(rows, fmt, commune)


def _commune_in_area(uow: UnitOfWork, area: Area, raw: str) -> str:
    try:
        code = normalise_commune_code(raw)
    except ValueError:
        code = None
    province = uow.session.scalar(select(Commune.province_code).where(Commune.code == code)) if code else None
    if code is None or province is None:
        raise NotFound(f"Không có xã, phường mã {raw}", f"No commune with code {raw}")
    require_commune(area, commune_code=code, province_code=province)
    return code


@contextmanager
def _writer(target: IO[bytes], fmt: Literal["csv", "xlsx"]) -> Iterator[_Writer]:
    if fmt == "csv":
        text = io.TextIOWrapper(target, encoding="utf-8-sig", newline="")
        csv_writer = _CsvWriter(text)
        csv_writer.row(header_labels("key"))
        yield csv_writer
        text.flush()
        text.detach()
        return
    from openpyxl import Workbook  # type: ignore[import-untyped]  # openpyxl ships no type hints

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_TITLE)
    xlsx_writer = _XlsxWriter(sheet)
    xlsx_writer.row(header_labels("vi"))
    yield xlsx_writer
    workbook.save(target)


class _CsvWriter:
    def __init__(self, text: IO[str]) -> None:
        self._writer = csv.writer(text)

    def row(self, cells: Sequence[str]) -> None:
        self._writer.writerow(cells)


class _XlsxWriter:
    def __init__(self, sheet: Any) -> None:
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # type: ignore[import-untyped]

        self._sheet = sheet
        self._illegal = ILLEGAL_CHARACTERS_RE

    def row(self, cells: Sequence[str]) -> None:
        # xlsx cannot hold control characters at all; the import refuses them anyway.
        self._sheet.append([self._illegal.sub("", cell) or None for cell in cells])


def _rows(uow: UnitOfWork, area: Area, commune: str | None) -> Iterator[dict[str, object]]:
    connection = uow.session.connection()
    b = _BENEFICIARIES.c
    p = _PERSONS.c
    after = 0
    while True:
        query = (
            select(
                b.id,
                b.program,
                p.national_id,
                p.full_name,
                p.date_of_birth,
                p.sex,
                p.commune_code,
                p.address,
                p.phone,
                p.identity_override_reason,
            )
            .join(_PERSONS, p.id == b.person_id)
            .where(
                area_clause(area, Beneficiary.province_code, Beneficiary.commune_code),
                b.status.in_(_EXPORTED_STATUSES),
                b.id > after,
            )
            .order_by(b.id)
            .limit(EXPORT_CHUNK)
        )
        if commune is not None:
            query = query.where(b.commune_code == commune)
        chunk = connection.execute(query).all()
        if not chunk:
            return
        after = chunk[-1].id
        ids = [item.id for item in chunk]
        holdings = _holdings(uow, ids)
        decisions = _decisions(uow, ids)
        methods = _methods(uow, ids)
        for item in chunk:
            decision = decisions.get(item.id)
            method = methods.get(item.id)
            payee_role = method.payee_role if method is not None else None
            yield {
                "national_id": item.national_id,
                "full_name": item.full_name,
                "date_of_birth": item.date_of_birth,
                "sex": item.sex,
                "commune_code": item.commune_code,
                "address": item.address,
                "phone": item.phone,
                "program": item.program,
                "category": [h.cell() for h in sorted(holdings.get(item.id, ()))],
                "decision_number": decision.number if decision is not None else None,
                "decision_date": decision.signed_on if decision is not None else None,
                "effective_from": decision.effective_from if decision is not None else None,
                "payment_method": method.kind if method is not None else None,
                "provider": method.provider_code if method is not None else None,
                "bank_bin": method.bank_bin if method is not None else None,
                "account_number": method.account_number if method is not None else None,
                "payee_national_id": (
                    method.payee_national_id
                    if method is not None and payee_role != PayeeRole.BENEFICIARY.value
                    else None
                ),
                "payee_role": payee_role,
                "identity_override_reason": item.identity_override_reason,
                "home_delivery_reason": method.home_delivery_reason if method is not None else None,
            }


def _holdings(uow: UnitOfWork, ids: list[int]) -> dict[int, list[CategoryHolding]]:
    c = _CATEGORIES.c
    found: dict[int, list[CategoryHolding]] = {}
    for item in uow.session.connection().execute(
        select(c.beneficiary_id, c.category_code, c.units, c.injury_rate).where(c.beneficiary_id.in_(ids))
    ):
        found.setdefault(item.beneficiary_id, []).append(
            CategoryHolding(item.category_code, item.units, item.injury_rate)
        )
    return found


def _decisions(uow: UnitOfWork, ids: list[int]) -> dict[int, Any]:
    """The approved grant or adjust decision applied last, per beneficiary (what the import compares with)."""
    d = _DECISIONS.c
    found: dict[int, Any] = {}
    order: dict[int, tuple[datetime, int]] = {}
    for item in uow.session.connection().execute(
        select(d.id, d.beneficiary_id, d.number, d.signed_on, d.effective_from, d.reviewed_at, d.created_at).where(
            d.beneficiary_id.in_(ids), d.status == "approved", d.kind.in_(("grant", "adjust"))
        )
    ):
        key = (item.reviewed_at or item.created_at, item.id)
        if item.beneficiary_id not in order or key > order[item.beneficiary_id]:
            order[item.beneficiary_id] = key
            found[item.beneficiary_id] = item
    return found


def _methods(uow: UnitOfWork, ids: list[int]) -> dict[int, Any]:
    m = _METHODS.c
    payee = _PERSONS.alias("payee")
    rows = uow.session.connection().execute(
        select(
            m.beneficiary_id,
            m.kind,
            m.provider_code,
            m.bank_bin,
            m.account_number,
            m.home_delivery_reason,
            m.payee_role,
            payee.c.national_id.label("payee_national_id"),
        )
        .join(payee, payee.c.id == m.payee_person_id)
        .where(m.beneficiary_id.in_(ids), m.valid_to.is_(None))
    )
    return {item.beneficiary_id: item for item in rows}


# ----------------------------------------------------------------------------------------------------
# The template


PROGRAM_LABELS: dict[Program, tuple[str, str]] = {
    Program.SOCIAL_ASSISTANCE: ("Trợ giúp xã hội hằng tháng (Nghị định 20/2021)", "monthly social assistance"),
    Program.MERITORIOUS: ("Ưu đãi người có công (Pháp lệnh 02/2020)", "meritorious people"),
    Program.CAREGIVER: ("Hỗ trợ người nhận chăm sóc, nuôi dưỡng (Điều 20 NĐ 20/2021)", "caregiver support"),
}
METHOD_LABELS: dict[PaymentMethod, tuple[str, str]] = {
    PaymentMethod.CASH_POINT: ("Tiền mặt tại điểm chi trả", "cash at a payment point"),
    PaymentMethod.CASH_HOME: ("Tiền mặt tại nhà (ghi lý do)", "cash at home (give the reason)"),
    PaymentMethod.BANK_ACCOUNT: ("Tài khoản ngân hàng (ghi mã BIN và số tài khoản)", "bank account"),
    PaymentMethod.EWALLET: ("Ví điện tử (ghi tổ chức cung cấp ví và số ví)", "e-wallet / mobile money"),
    PaymentMethod.POSTAL_ACCOUNT: ("Tài khoản bưu điện (ghi số tài khoản)", "postal account"),
}
PAYEE_LABELS: dict[PayeeRole, tuple[str, str]] = {
    PayeeRole.BENEFICIARY: ("Chính đối tượng (để trống cũng được)", "the beneficiary (may be left blank)"),
    PayeeRole.GUARDIAN: ("Người giám hộ (đã đăng ký)", "legal guardian, already registered"),
    PayeeRole.PROXY: ("Người được ủy quyền (đã đăng ký)", "authorised proxy, already registered"),
}
HOME_REASON_LABELS: dict[HomeDeliveryReason, tuple[str, str]] = {
    HomeDeliveryReason.BEDRIDDEN: ("Nằm liệt giường", "bedridden"),
    HomeDeliveryReason.SEVERE_DISABILITY: ("Khuyết tật nặng", "severe disability"),
    HomeDeliveryReason.NO_PROXY: ("Không có người nhận thay", "no one to collect for them"),
}

# Column key → (what to write, in Vietnamese; in English).
COLUMN_HELP: dict[str, tuple[str, str]] = {
    "national_id": ("12 chữ số; định dạng ô là Văn bản để giữ số 0 đầu.", "12 digits; format the cell as Text."),
    "full_name": ("Họ, đệm và tên, có dấu.", "Full name, with diacritics."),
    "date_of_birth": ("dd/mm/yyyy hoặc yyyy-mm-dd, không ở tương lai.", "dd/mm/yyyy or yyyy-mm-dd, not future."),
    "sex": ("Nam hoặc Nữ (male/female).", "male or female (Nam/Nữ)."),
    "commune_code": (
        "Mã xã, phường 5 số; mã cũ trước 01/7/2025 được chuyển sang mã mới.",
        "5-digit commune code; a pre-2025 code is mapped to the current one.",
    ),
    "address": ("Số nhà, đường, thôn, ấp (có thể để trống).", "Street address (optional)."),
    "phone": ("Số di động 10 số bắt đầu bằng 0 (có thể để trống).", "10-digit mobile number (optional)."),
    "program": ("Một mã chế độ, xem bảng dưới.", "One program key, see below."),
    "category": (
        "Một hay nhiều mã diện, cách nhau bởi dấu ; — diện tính theo số con/người ghi mã:số (ví dụ :2), diện theo "
        "tỷ lệ thương tật ghi mã:tỷ lệ (ví dụ :61).",
        "One or more category codes separated by ';' — code:units for per-person categories, code:rate for "
        "injury-rate categories.",
    ),
    "decision_number": ("Số quyết định hưởng hoặc điều chỉnh, ví dụ 123/QĐ-UBND.", "Number of the decision."),
    "decision_date": ("Ngày ký quyết định, không ở tương lai.", "Signing date, not in the future."),
    "effective_from": ("Tháng bắt đầu hưởng: mm/yyyy hoặc yyyy-mm.", "First month paid: mm/yyyy or yyyy-mm."),
    "payment_method": ("Một mã hình thức chi trả, xem bảng dưới.", "One payment method key, see below."),
    "provider": (
        "Mã tổ chức dịch vụ chi trả (bắt buộc với ví điện tử), ví dụ VNPOST, VIETTEL_MONEY.",
        "Provider code (required for e-wallets).",
    ),
    "bank_bin": ("Mã BIN NAPAS 6 số; chỉ ghi với bank_account.", "6-digit NAPAS BIN; only for bank_account."),
    "account_number": (
        "Số tài khoản hoặc số ví, tối đa 19 chữ số/chữ cái; để trống với tiền mặt.",
        "Account or wallet number, up to 19 digits/letters; blank for cash.",
    ),
    "payee_national_id": (
        "Số định danh của người giám hộ / người được ủy quyền, người này phải đã được đăng ký hoặc có dòng "
        "trong cùng tệp.",
        "Citizen ID of the guardian or proxy, registered already or with a row in the same file.",
    ),
    "payee_role": ("Vai trò người nhận, xem bảng dưới.", "Payee role, see below."),
    "identity_override_reason": (
        "Chỉ khi số định danh không khớp ngày sinh/giới tính nhưng đã xác minh là đúng: lý do, ít nhất 10 ký tự.",
        "Only when a verified ID disagrees with the date of birth or sex: the reason, 10+ characters.",
    ),
    "home_delivery_reason": ("Chỉ với cash_home, xem bảng dưới.", "Only for cash_home, see below."),
}

EXAMPLE_ROW: dict[str, str] = {
    "national_id": "092085012345",
    "full_name": "Nguyễn Văn An",
    "date_of_birth": "14/03/1985",
    "sex": "Nam",
    "commune_code": "31135",
    "address": "Số 12, đường 30/4",
    "phone": "0912345678",
    "program": "social_assistance",
    "category": "sa_disabled_severe",
    "decision_number": "123/QĐ-UBND",
    "decision_date": "20/06/2024",
    "effective_from": "07/2024",
    "payment_method": "bank_account",
    "provider": "",
    "bank_bin": "970436",
    "account_number": "0011001234567",
    "payee_national_id": "",
    "payee_role": "beneficiary",
    "identity_override_reason": "",
    "home_delivery_reason": "",
}
_TEXT_COLUMNS = (
    "national_id",
    "date_of_birth",
    "commune_code",
    "phone",
    "decision_date",
    "effective_from",
    "bank_bin",
    "account_number",
    "payee_national_id",
)
_TEMPLATE_TEXT_ROWS = 1000


def write_template(target: IO[bytes]) -> None:
    """The import template: the header on the first sheet, and a guide sheet with every allowed value."""
    from openpyxl import Workbook

    workbook = Workbook()
    _header_sheet(workbook.active)
    _guide_sheet(workbook.create_sheet(GUIDE_TITLE))
    workbook.save(target)


def _header_sheet(sheet: Any) -> None:
    from openpyxl.styles import Font  # type: ignore[import-untyped]
    from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

    sheet.title = SHEET_TITLE
    for index, spec in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index, value=spec.label_vi)
        cell.font = Font(bold=True)
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(14, min(40, len(spec.label_vi) + 4))
        if spec.key in _TEXT_COLUMNS:
            # Text cells keep the leading zeros of IDs, phones and codes that a number cell would drop.
            for row in range(2, _TEMPLATE_TEXT_ROWS + 2):
                sheet.cell(row=row, column=index).number_format = "@"
    sheet.freeze_panes = "A2"


def _guide_sheet(guide: Any) -> None:
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    guide.column_dimensions["A"].width = 8
    guide.column_dimensions["B"].width = 40
    guide.column_dimensions["C"].width = 28
    guide.column_dimensions["D"].width = 80
    guide.column_dimensions["E"].width = 70
    wrap = Alignment(wrap_text=True, vertical="top")

    def heading(text: str) -> None:
        guide.append([])
        guide.append([text])
        guide.cell(row=guide.max_row, column=1).font = bold

    def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        guide.append(list(header))
        for cell in guide[guide.max_row]:
            cell.font = bold
        for values in rows:
            guide.append(list(values))
            for cell in guide[guide.max_row]:
                cell.alignment = wrap

    guide.append(["Hướng dẫn nhập danh sách đối tượng / How to fill in the import file"])
    guide.cell(row=1, column=1).font = Font(bold=True, size=14)
    guide.append(
        [
            "Dòng 1 của trang đầu là tiêu đề; mỗi dòng sau là một đối tượng trong một chế độ. Tiêu đề có thể ghi "
            "bằng nhãn tiếng Việt hoặc khóa tiếng Anh. Tệp .xlsx hoặc .csv (UTF-8). Nếu có dòng lỗi thì không dòng "
            "nào được nhập. / Row 1 is the header; each further row is one beneficiary in one program. Nothing is "
            "imported if any row is rejected."
        ]
    )
    heading("Các cột / Columns")
    table(
        ("Cột", "Tiêu đề", "Khóa / key", "Cách ghi", "How to fill in"),
        [
            (get_column_letter(i), spec.label_vi, spec.key, *COLUMN_HELP[spec.key])
            for i, spec in enumerate(COLUMNS, start=1)
        ],
    )
    heading("Chế độ / Programs (cột «Chế độ»)")
    table(("", "Giá trị", "", "Nghĩa", "Meaning"), [("", p.value, "", *PROGRAM_LABELS[p]) for p in Program])
    for program in Program:
        heading(f"Diện đối tượng của chế độ {program.value} / categories (cột «Diện đối tượng»)")
        rows = []
        for code, category in sorted(catalogue.categories(program).items()):
            how = ""
            if category.injury_rates is not None:
                low, high = category.injury_rates
                how = f"ghi {code}:tỷ lệ, {low}–{high} / write {code}:rate"
            elif category.per_unit:
                how = f"ghi {code}:số người (mặc định 1) / write {code}:count"
            rows.append(("", code, how, category.title_vi, category.title_en))
        table(("", "Mã", "Cách ghi số", "Tên diện", "Category"), rows)
    heading("Hình thức chi trả / Payment methods (cột «Hình thức chi trả»)")
    table(("", "Giá trị", "", "Nghĩa", "Meaning"), [("", m.value, "", *METHOD_LABELS[m]) for m in PaymentMethod])
    heading("Vai trò người nhận / Payee roles (cột «Vai trò người nhận»)")
    table(("", "Giá trị", "", "Nghĩa", "Meaning"), [("", r.value, "", *PAYEE_LABELS[r]) for r in PayeeRole])
    heading("Lý do chi trả tại nhà / Home-delivery reasons")
    table(
        ("", "Giá trị", "", "Nghĩa", "Meaning"),
        [("", r.value, "", *HOME_REASON_LABELS[r]) for r in HomeDeliveryReason],
    )
    heading("Ví dụ một dòng / An example row")
    table(
        ("", "Tiêu đề", "Khóa / key", "Giá trị / value", ""),
        [("", LABELS_VI[k], k, EXAMPLE_ROW[k], "") for k in COLUMN_KEYS],
    )
