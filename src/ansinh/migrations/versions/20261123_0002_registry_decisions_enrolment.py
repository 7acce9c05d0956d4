"""Registry, decisions, enrolment, providers and background jobs.

Revision ID: 20261123_0002
Revises: 20261123_0001
Create Date: 2026-11-23 16:26:32.185208
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261123_0002"
down_revision: str | None = "20261123_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "core_jobs",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=True),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("error", sa.String(length=1000), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name=op.f("ck_core_jobs_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_core_jobs")),
    )
    with op.batch_alter_table("core_jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_core_jobs_province_code"), ["province_code"], unique=False)
        batch_op.create_index("ix_core_jobs_status_created", ["status", "created_at"], unique=False)

    op.create_table(
        "enrolment_banks",
        sa.Column("bin", sa.String(length=6), nullable=False),
        sa.Column("short_name", sa.String(length=50), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("swift_code", sa.String(length=11), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("bin", name=op.f("pk_enrolment_banks")),
    )
    op.create_table(
        "providers",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("bank_bin", sa.String(length=6), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('bank', 'mobile_money', 'g2p', 'cash_payer')", name=op.f("ck_providers_kind")),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_providers")),
    )
    op.create_table(
        "enrolment_account_requests",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("reference", sa.String(length=32), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("commune_code", sa.String(length=5), nullable=False),
        sa.Column("provider_code", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('compiled', 'sent', 'answered')", name=op.f("ck_enrolment_account_requests_status")
        ),
        sa.ForeignKeyConstraint(
            ["commune_code"],
            ["geo_communes.code"],
            name=op.f("fk_enrolment_account_requests_commune_code_geo_communes"),
        ),
        sa.ForeignKeyConstraint(
            ["provider_code"], ["providers.code"], name=op.f("fk_enrolment_account_requests_provider_code_providers")
        ),
        sa.ForeignKeyConstraint(
            ["province_code"],
            ["geo_provinces.code"],
            name=op.f("fk_enrolment_account_requests_province_code_geo_provinces"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrolment_account_requests")),
        sa.UniqueConstraint("reference", name=op.f("uq_enrolment_account_requests_reference")),
    )
    with op.batch_alter_table("enrolment_account_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_enrolment_account_requests_province_code"), ["province_code"], unique=False
        )

    op.create_table(
        "registry_persons",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("national_id", sa.String(length=12), nullable=False),
        sa.Column("full_name", sa.String(length=100), nullable=False),
        sa.Column("name_key", sa.String(length=100), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column("sex", sa.String(length=6), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("commune_code", sa.String(length=5), nullable=False),
        sa.Column("address", sa.String(length=255), nullable=True),
        sa.Column("phone", sa.String(length=10), nullable=True),
        sa.Column("identity_warnings", sa.JSON(), nullable=False),
        sa.Column("identity_override_reason", sa.String(length=500), nullable=True),
        sa.Column("verification_status", sa.String(length=20), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("date_of_death", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("sex IN ('male', 'female')", name=op.f("ck_registry_persons_sex")),
        sa.ForeignKeyConstraint(
            ["commune_code"], ["geo_communes.code"], name=op.f("fk_registry_persons_commune_code_geo_communes")
        ),
        sa.ForeignKeyConstraint(
            ["province_code"], ["geo_provinces.code"], name=op.f("fk_registry_persons_province_code_geo_provinces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_persons")),
        sa.UniqueConstraint("national_id", name=op.f("uq_registry_persons_national_id")),
    )
    with op.batch_alter_table("registry_persons", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_registry_persons_commune_code"), ["commune_code"], unique=False)
        batch_op.create_index("ix_registry_persons_name_key_dob", ["name_key", "date_of_birth"], unique=False)
        batch_op.create_index(batch_op.f("ix_registry_persons_phone"), ["phone"], unique=False)
        batch_op.create_index(batch_op.f("ix_registry_persons_province_code"), ["province_code"], unique=False)

    op.create_table(
        "registry_beneficiaries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(length=24), nullable=False),
        sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("program", sa.String(length=20), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("commune_code", sa.String(length=5), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'active', 'suspended', 'terminated')", name=op.f("ck_registry_beneficiaries_status")
        ),
        sa.ForeignKeyConstraint(
            ["commune_code"], ["geo_communes.code"], name=op.f("fk_registry_beneficiaries_commune_code_geo_communes")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["registry_persons.id"], name=op.f("fk_registry_beneficiaries_person_id_registry_persons")
        ),
        sa.ForeignKeyConstraint(
            ["province_code"],
            ["geo_provinces.code"],
            name=op.f("fk_registry_beneficiaries_province_code_geo_provinces"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_beneficiaries")),
        sa.UniqueConstraint("code", name=op.f("uq_registry_beneficiaries_code")),
        sa.UniqueConstraint("person_id", "program", name=op.f("uq_registry_beneficiaries_person_id_program")),
    )
    with op.batch_alter_table("registry_beneficiaries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_registry_beneficiaries_commune_code"), ["commune_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_registry_beneficiaries_person_id"), ["person_id"], unique=False)
        batch_op.create_index("ix_registry_beneficiaries_province_status", ["province_code", "status"], unique=False)

    op.create_table(
        "registry_duplicate_flags",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("other_person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewed_by", sa.String(length=64), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("reason IN ('name_dob', 'phone')", name=op.f("ck_registry_duplicate_flags_reason")),
        sa.CheckConstraint(
            "status IN ('open', 'distinct', 'same_person')", name=op.f("ck_registry_duplicate_flags_status")
        ),
        sa.CheckConstraint("person_id < other_person_id", name=op.f("ck_registry_duplicate_flags_ordered_pair")),
        sa.ForeignKeyConstraint(
            ["other_person_id"],
            ["registry_persons.id"],
            name=op.f("fk_registry_duplicate_flags_other_person_id_registry_persons"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["registry_persons.id"], name=op.f("fk_registry_duplicate_flags_person_id_registry_persons")
        ),
        sa.ForeignKeyConstraint(
            ["province_code"],
            ["geo_provinces.code"],
            name=op.f("fk_registry_duplicate_flags_province_code_geo_provinces"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_duplicate_flags")),
        sa.UniqueConstraint(
            "person_id",
            "other_person_id",
            "reason",
            name=op.f("uq_registry_duplicate_flags_person_id_other_person_id_reason"),
        ),
    )
    with op.batch_alter_table("registry_duplicate_flags", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_registry_duplicate_flags_other_person_id"), ["other_person_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_registry_duplicate_flags_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_registry_duplicate_flags_province_code"), ["province_code"], unique=False)

    op.create_table(
        "registry_verifications",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("job_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("checked_by", sa.String(length=64), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["core_jobs.id"], name=op.f("fk_registry_verifications_job_id_core_jobs")),
        sa.ForeignKeyConstraint(
            ["person_id"], ["registry_persons.id"], name=op.f("fk_registry_verifications_person_id_registry_persons")
        ),
        sa.ForeignKeyConstraint(
            ["province_code"],
            ["geo_provinces.code"],
            name=op.f("fk_registry_verifications_province_code_geo_provinces"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_verifications")),
    )
    with op.batch_alter_table("registry_verifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_registry_verifications_job_id"), ["job_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_registry_verifications_person_id"), ["person_id"], unique=False)

    op.create_table(
        "decisions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("beneficiary_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("commune_code", sa.String(length=5), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("number", sa.String(length=50), nullable=True),
        sa.Column("signed_on", sa.Date(), nullable=True),
        sa.Column("signer", sa.String(length=200), nullable=True),
        sa.Column("effective_from", sa.String(length=7), nullable=True),
        sa.Column("legal_basis", sa.String(length=500), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_by", sa.String(length=64), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewed_by", sa.String(length=64), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rejection_reason", sa.String(length=500), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('grant', 'adjust', 'suspend', 'resume', 'terminate', 'one_time', 'funeral')",
            name=op.f("ck_decisions_kind"),
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'submitted', 'approved', 'rejected')", name=op.f("ck_decisions_status")
        ),
        sa.CheckConstraint(
            "reviewed_by IS NULL OR submitted_by IS NULL OR reviewed_by <> submitted_by",
            name=op.f("ck_decisions_maker_checker"),
        ),
        sa.ForeignKeyConstraint(
            ["beneficiary_id"],
            ["registry_beneficiaries.id"],
            name=op.f("fk_decisions_beneficiary_id_registry_beneficiaries"),
        ),
        sa.ForeignKeyConstraint(
            ["commune_code"], ["geo_communes.code"], name=op.f("fk_decisions_commune_code_geo_communes")
        ),
        sa.ForeignKeyConstraint(
            ["province_code"], ["geo_provinces.code"], name=op.f("fk_decisions_province_code_geo_provinces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
    )
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_decisions_beneficiary_id"), ["beneficiary_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_decisions_number"), ["number"], unique=False)
        batch_op.create_index("ix_decisions_province_status", ["province_code", "status"], unique=False)

    op.create_table(
        "enrolment_account_request_lines",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("request_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("beneficiary_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("account_number", sa.String(length=40), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'opened', 'refused')", name=op.f("ck_enrolment_account_request_lines_status")
        ),
        sa.ForeignKeyConstraint(
            ["beneficiary_id"],
            ["registry_beneficiaries.id"],
            name=op.f("fk_enrolment_account_request_lines_beneficiary_id_registry_beneficiaries"),
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["enrolment_account_requests.id"],
            name=op.f("fk_enrolment_account_request_lines_request_id_enrolment_account_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrolment_account_request_lines")),
        sa.UniqueConstraint(
            "request_id", "beneficiary_id", name=op.f("uq_enrolment_account_request_lines_request_id_beneficiary_id")
        ),
    )
    with op.batch_alter_table("enrolment_account_request_lines", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_enrolment_account_request_lines_beneficiary_id"), ["beneficiary_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_enrolment_account_request_lines_request_id"), ["request_id"], unique=False)

    op.create_table(
        "enrolment_payment_methods",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("beneficiary_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("provider_code", sa.String(length=32), nullable=True),
        sa.Column("bank_bin", sa.String(length=6), nullable=True),
        sa.Column("account_number", sa.String(length=40), nullable=True),
        sa.Column("home_delivery_reason", sa.String(length=20), nullable=True),
        sa.Column("payee_person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("payee_role", sa.String(length=12), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("account_name", sa.String(length=100), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(kind = 'bank_account') = (bank_bin IS NOT NULL)",
            name=op.f("ck_enrolment_payment_methods_bank_bin_for_banks"),
        ),
        sa.CheckConstraint(
            "(kind = 'cash_home') = (home_delivery_reason IS NOT NULL)",
            name=op.f("ck_enrolment_payment_methods_home_delivery_reason"),
        ),
        sa.CheckConstraint(
            "(kind IN ('cash_point', 'cash_home')) = (account_number IS NULL)",
            name=op.f("ck_enrolment_payment_methods_account_only_for_accounts"),
        ),
        sa.CheckConstraint(
            "kind IN ('cash_point', 'cash_home', 'bank_account', 'ewallet', 'postal_account')",
            name=op.f("ck_enrolment_payment_methods_kind"),
        ),
        sa.CheckConstraint(
            "payee_role IN ('beneficiary', 'guardian', 'proxy')", name=op.f("ck_enrolment_payment_methods_payee_role")
        ),
        sa.CheckConstraint(
            "valid_to IS NULL OR valid_to >= valid_from", name=op.f("ck_enrolment_payment_methods_valid_range")
        ),
        sa.ForeignKeyConstraint(
            ["bank_bin"], ["enrolment_banks.bin"], name=op.f("fk_enrolment_payment_methods_bank_bin_enrolment_banks")
        ),
        sa.ForeignKeyConstraint(
            ["beneficiary_id"],
            ["registry_beneficiaries.id"],
            name=op.f("fk_enrolment_payment_methods_beneficiary_id_registry_beneficiaries"),
        ),
        sa.ForeignKeyConstraint(
            ["payee_person_id"],
            ["registry_persons.id"],
            name=op.f("fk_enrolment_payment_methods_payee_person_id_registry_persons"),
        ),
        sa.ForeignKeyConstraint(
            ["provider_code"], ["providers.code"], name=op.f("fk_enrolment_payment_methods_provider_code_providers")
        ),
        sa.ForeignKeyConstraint(
            ["province_code"],
            ["geo_provinces.code"],
            name=op.f("fk_enrolment_payment_methods_province_code_geo_provinces"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrolment_payment_methods")),
    )
    with op.batch_alter_table("enrolment_payment_methods", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_enrolment_payment_methods_beneficiary_id"), ["beneficiary_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_enrolment_payment_methods_payee_person_id"), ["payee_person_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_enrolment_payment_methods_province_code"), ["province_code"], unique=False)
        batch_op.create_index(
            "uq_enrolment_payment_methods_open",
            ["beneficiary_id"],
            unique=True,
            sqlite_where=sa.text("valid_to IS NULL"),
            postgresql_where=sa.text("valid_to IS NULL"),
        )

    op.create_table(
        "registry_beneficiary_categories",
        sa.Column("beneficiary_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("category_code", sa.String(length=80), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.Column("injury_rate", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["beneficiary_id"],
            ["registry_beneficiaries.id"],
            name=op.f("fk_registry_beneficiary_categories_beneficiary_id_registry_beneficiaries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("beneficiary_id", "category_code", name=op.f("pk_registry_beneficiary_categories")),
    )
    op.create_table(
        "registry_relations",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("beneficiary_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("document_number", sa.String(length=50), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "role IN ('guardian', 'proxy', 'caregiver', 'cared_person', 'funeral_organiser')",
            name=op.f("ck_registry_relations_role"),
        ),
        sa.CheckConstraint(
            "valid_to IS NULL OR valid_to >= valid_from", name=op.f("ck_registry_relations_valid_range")
        ),
        sa.ForeignKeyConstraint(
            ["beneficiary_id"],
            ["registry_beneficiaries.id"],
            name=op.f("fk_registry_relations_beneficiary_id_registry_beneficiaries"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["registry_persons.id"], name=op.f("fk_registry_relations_person_id_registry_persons")
        ),
        sa.ForeignKeyConstraint(
            ["province_code"], ["geo_provinces.code"], name=op.f("fk_registry_relations_province_code_geo_provinces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_relations")),
        sa.UniqueConstraint(
            "beneficiary_id",
            "person_id",
            "role",
            "valid_from",
            name=op.f("uq_registry_relations_beneficiary_id_person_id_role_valid_from"),
        ),
    )
    with op.batch_alter_table("registry_relations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_registry_relations_beneficiary_id"), ["beneficiary_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_registry_relations_person_id"), ["person_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("registry_relations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_registry_relations_person_id"))
        batch_op.drop_index(batch_op.f("ix_registry_relations_beneficiary_id"))

    op.drop_table("registry_relations")
    op.drop_table("registry_beneficiary_categories")
    with op.batch_alter_table("enrolment_payment_methods", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_enrolment_payment_methods_open",
            sqlite_where=sa.text("valid_to IS NULL"),
            postgresql_where=sa.text("valid_to IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_enrolment_payment_methods_province_code"))
        batch_op.drop_index(batch_op.f("ix_enrolment_payment_methods_payee_person_id"))
        batch_op.drop_index(batch_op.f("ix_enrolment_payment_methods_beneficiary_id"))

    op.drop_table("enrolment_payment_methods")
    with op.batch_alter_table("enrolment_account_request_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enrolment_account_request_lines_request_id"))
        batch_op.drop_index(batch_op.f("ix_enrolment_account_request_lines_beneficiary_id"))

    op.drop_table("enrolment_account_request_lines")
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_index("ix_decisions_province_status")
        batch_op.drop_index(batch_op.f("ix_decisions_number"))
        batch_op.drop_index(batch_op.f("ix_decisions_beneficiary_id"))

    op.drop_table("decisions")
    with op.batch_alter_table("registry_verifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_registry_verifications_person_id"))
        batch_op.drop_index(batch_op.f("ix_registry_verifications_job_id"))

    op.drop_table("registry_verifications")
    with op.batch_alter_table("registry_duplicate_flags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_registry_duplicate_flags_province_code"))
        batch_op.drop_index(batch_op.f("ix_registry_duplicate_flags_person_id"))
        batch_op.drop_index(batch_op.f("ix_registry_duplicate_flags_other_person_id"))

    op.drop_table("registry_duplicate_flags")
    with op.batch_alter_table("registry_beneficiaries", schema=None) as batch_op:
        batch_op.drop_index("ix_registry_beneficiaries_province_status")
        batch_op.drop_index(batch_op.f("ix_registry_beneficiaries_person_id"))
        batch_op.drop_index(batch_op.f("ix_registry_beneficiaries_commune_code"))

    op.drop_table("registry_beneficiaries")
    with op.batch_alter_table("registry_persons", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_registry_persons_province_code"))
        batch_op.drop_index(batch_op.f("ix_registry_persons_phone"))
        batch_op.drop_index("ix_registry_persons_name_key_dob")
        batch_op.drop_index(batch_op.f("ix_registry_persons_commune_code"))

    op.drop_table("registry_persons")
    with op.batch_alter_table("enrolment_account_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enrolment_account_requests_province_code"))

    op.drop_table("enrolment_account_requests")
    op.drop_table("providers")
    op.drop_table("enrolment_banks")
    with op.batch_alter_table("core_jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_core_jobs_status_created")
        batch_op.drop_index(batch_op.f("ix_core_jobs_province_code"))

    op.drop_table("core_jobs")
