"""Kiosks, their certificates and their enrollment tokens.

Revision ID: 0001
Revises:
Create Date: 2026-12-07

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Migrations spell the types out: the models will change, a revision must not.
Time = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "kiosks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("created_at", Time, nullable=False),
        sa.Column("revoked_at", Time, nullable=True),
        sa.Column("last_seen_at", Time, nullable=True),
        sa.Column("last_heartbeat_at", Time, nullable=True),
        sa.Column("last_heartbeat", sa.JSON(), nullable=True),
        sa.Column("state", sa.String(length=32), nullable=True),
        sa.Column("outbox_depth", sa.Integer(), nullable=True),
        sa.Column("outbox_alarm", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kiosks")),
        sa.UniqueConstraint("name", name=op.f("uq_kiosks_name")),
    )
    op.create_table(
        "certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("serial", sa.String(length=40), nullable=False),
        sa.Column("kiosk_id", sa.Integer(), nullable=False),
        sa.Column("fingerprint_sha256", sa.String(length=64), nullable=False),
        sa.Column("not_before", Time, nullable=False),
        sa.Column("not_after", Time, nullable=False),
        sa.Column("revoked_at", Time, nullable=True),
        sa.Column("created_at", Time, nullable=False),
        sa.ForeignKeyConstraint(["kiosk_id"], ["kiosks.id"],
                                name=op.f("fk_certificates_kiosk_id_kiosks")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificates")),
        sa.UniqueConstraint("serial", name=op.f("uq_certificates_serial")),
    )
    op.create_index(op.f("ix_certificates_kiosk_id"), "certificates", ["kiosk_id"])
    op.create_table(
        "enrollment_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kiosk_id", sa.Integer(), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", Time, nullable=False),
        sa.Column("expires_at", Time, nullable=False),
        sa.Column("used_at", Time, nullable=True),
        sa.ForeignKeyConstraint(["kiosk_id"], ["kiosks.id"],
                                name=op.f("fk_enrollment_tokens_kiosk_id_kiosks")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrollment_tokens")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_enrollment_tokens_token_sha256")),
    )
    op.create_index(op.f("ix_enrollment_tokens_kiosk_id"), "enrollment_tokens", ["kiosk_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_enrollment_tokens_kiosk_id"), table_name="enrollment_tokens")
    op.drop_table("enrollment_tokens")
    op.drop_index(op.f("ix_certificates_kiosk_id"), table_name="certificates")
    op.drop_table("certificates")
    op.drop_table("kiosks")
