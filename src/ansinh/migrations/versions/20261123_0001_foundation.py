"""Foundation: audit chain, users and logins, administrative units.

Revision ID: 20261123_0001
Revises:
Create Date: 2026-11-23 15:25:38.459408
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from ansinh.core.audit import GENESIS, POSTGRES_TRIGGERS, SQLITE_TRIGGERS

revision: str = "20261123_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("last_hash", sa.CHAR(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=100), nullable=False),
        sa.Column("entity_type", sa.String(length=50), nullable=False),
        sa.Column("entity_id", sa.String(length=100), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.CHAR(length=64), nullable=False),
        sa.Column("hash", sa.CHAR(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
        sa.UniqueConstraint("seq", name=op.f("uq_audit_log_seq")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_province_code"), ["province_code"], unique=False)

    op.create_table(
        "geo_legacy_provinces",
        sa.Column("code", sa.String(length=2), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("name_ascii", sa.String(length=100), nullable=False),
        sa.Column("division_type", sa.String(length=50), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_geo_legacy_provinces")),
    )
    op.create_table(
        "geo_provinces",
        sa.Column("code", sa.String(length=2), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("name_ascii", sa.String(length=100), nullable=False),
        sa.Column("division_type", sa.String(length=50), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_geo_provinces")),
    )
    with op.batch_alter_table("geo_provinces", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_geo_provinces_name_ascii"), ["name_ascii"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=True),
        sa.Column("commune_codes", sa.JSON(), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_province_code"), ["province_code"], unique=False)

    op.create_table(
        "auth_tokens",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("token_hash", sa.CHAR(length=64), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_auth_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_auth_tokens_token_hash")),
    )
    with op.batch_alter_table("auth_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_auth_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "geo_communes",
        sa.Column("code", sa.String(length=5), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("name_ascii", sa.String(length=100), nullable=False),
        sa.Column("division_type", sa.String(length=50), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["province_code"],
            ["geo_provinces.code"],
            name=op.f("fk_geo_communes_province_code_geo_provinces"),
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_geo_communes")),
    )
    with op.batch_alter_table("geo_communes", schema=None) as batch_op:
        batch_op.create_index("ix_geo_communes_name_ascii", ["name_ascii"], unique=False)
        batch_op.create_index(batch_op.f("ix_geo_communes_province_code"), ["province_code"], unique=False)

    op.create_table(
        "geo_legacy_districts",
        sa.Column("code", sa.String(length=3), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("name_ascii", sa.String(length=100), nullable=False),
        sa.Column("division_type", sa.String(length=50), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["province_code"],
            ["geo_legacy_provinces.code"],
            name=op.f("fk_geo_legacy_districts_province_code_geo_legacy_provinces"),
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_geo_legacy_districts")),
    )
    with op.batch_alter_table("geo_legacy_districts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_geo_legacy_districts_province_code"), ["province_code"], unique=False)

    op.create_table(
        "geo_legacy_province_map",
        sa.Column("legacy_province_code", sa.String(length=2), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["legacy_province_code"],
            ["geo_legacy_provinces.code"],
            name=op.f("fk_geo_legacy_province_map_legacy_province_code_geo_legacy_provinces"),
        ),
        sa.ForeignKeyConstraint(
            ["province_code"],
            ["geo_provinces.code"],
            name=op.f("fk_geo_legacy_province_map_province_code_geo_provinces"),
        ),
        sa.PrimaryKeyConstraint("legacy_province_code", "province_code", name=op.f("pk_geo_legacy_province_map")),
    )
    op.create_table(
        "geo_legacy_wards",
        sa.Column("code", sa.String(length=5), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("name_ascii", sa.String(length=100), nullable=False),
        sa.Column("division_type", sa.String(length=50), nullable=False),
        sa.Column("district_code", sa.String(length=3), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["district_code"],
            ["geo_legacy_districts.code"],
            name=op.f("fk_geo_legacy_wards_district_code_geo_legacy_districts"),
        ),
        sa.ForeignKeyConstraint(
            ["province_code"],
            ["geo_legacy_provinces.code"],
            name=op.f("fk_geo_legacy_wards_province_code_geo_legacy_provinces"),
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_geo_legacy_wards")),
    )
    with op.batch_alter_table("geo_legacy_wards", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_geo_legacy_wards_district_code"), ["district_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_geo_legacy_wards_name_ascii"), ["name_ascii"], unique=False)
        batch_op.create_index(batch_op.f("ix_geo_legacy_wards_province_code"), ["province_code"], unique=False)

    op.create_table(
        "geo_legacy_ward_map",
        sa.Column("legacy_ward_code", sa.String(length=5), nullable=False),
        sa.Column("commune_code", sa.String(length=5), nullable=False),
        sa.ForeignKeyConstraint(
            ["commune_code"],
            ["geo_communes.code"],
            name=op.f("fk_geo_legacy_ward_map_commune_code_geo_communes"),
        ),
        sa.ForeignKeyConstraint(
            ["legacy_ward_code"],
            ["geo_legacy_wards.code"],
            name=op.f("fk_geo_legacy_ward_map_legacy_ward_code_geo_legacy_wards"),
        ),
        sa.PrimaryKeyConstraint("legacy_ward_code", "commune_code", name=op.f("pk_geo_legacy_ward_map")),
    )
    with op.batch_alter_table("geo_legacy_ward_map", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_geo_legacy_ward_map_commune_code"), ["commune_code"], unique=False)

    op.execute(
        sa.text("INSERT INTO audit_head (id, last_seq, last_hash) VALUES (1, 0, :genesis)").bindparams(genesis=GENESIS)
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRES_TRIGGERS if postgres else SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_log_no_change ON audit_log")
        op.execute("DROP FUNCTION audit_log_append_only()")
    else:
        op.execute("DROP TRIGGER audit_log_no_update")
        op.execute("DROP TRIGGER audit_log_no_delete")
    with op.batch_alter_table("geo_legacy_ward_map", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_geo_legacy_ward_map_commune_code"))

    op.drop_table("geo_legacy_ward_map")
    with op.batch_alter_table("geo_legacy_wards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_geo_legacy_wards_province_code"))
        batch_op.drop_index(batch_op.f("ix_geo_legacy_wards_name_ascii"))
        batch_op.drop_index(batch_op.f("ix_geo_legacy_wards_district_code"))

    op.drop_table("geo_legacy_wards")
    op.drop_table("geo_legacy_province_map")
    with op.batch_alter_table("geo_legacy_districts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_geo_legacy_districts_province_code"))

    op.drop_table("geo_legacy_districts")
    with op.batch_alter_table("geo_communes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_geo_communes_province_code"))
        batch_op.drop_index("ix_geo_communes_name_ascii")

    op.drop_table("geo_communes")
    with op.batch_alter_table("auth_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auth_tokens_user_id"))

    op.drop_table("auth_tokens")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_province_code"))

    op.drop_table("users")
    with op.batch_alter_table("geo_provinces", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_geo_provinces_name_ascii"))

    op.drop_table("geo_provinces")
    op.drop_table("geo_legacy_provinces")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_province_code"))
        batch_op.drop_index(batch_op.f("ix_audit_log_action"))

    op.drop_table("audit_log")
    op.drop_table("audit_head")
