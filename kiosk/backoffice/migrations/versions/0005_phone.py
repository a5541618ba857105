""""Continue with smartphone": the logins from a kiosk's QR to the code typed on it.

Revision ID: 0005
Revises: 0002
Create Date: 2026-12-07

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Time = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "phone_logins",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("kiosk_id", sa.Integer(), nullable=False),
        sa.Column("link_digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", Time, nullable=False),
        sa.Column("link_expires_at", Time, nullable=False),
        sa.Column("started_at", Time, nullable=True),
        sa.Column("state_digest", sa.String(length=64), nullable=True),
        sa.Column("flow_digest", sa.String(length=64), nullable=True),
        sa.Column("authenticated_at", Time, nullable=True),
        sa.Column("code_digest", sa.String(length=64), nullable=True),
        sa.Column("code_expires_at", Time, nullable=True),
        sa.Column("given_name", sa.String(length=128), nullable=True),
        sa.Column("family_name", sa.String(length=128), nullable=True),
        sa.Column("fiscal_number", sa.String(length=32), nullable=True),
        sa.Column("wrong_codes", sa.Integer(), nullable=False),
        sa.Column("ended_at", Time, nullable=True),
        sa.Column("redeemed_at", Time, nullable=True),
        sa.Column("identity_source", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(["kiosk_id"], ["kiosks.id"],
                                name=op.f("fk_phone_logins_kiosk_id_kiosks")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phone_logins")),
        sa.UniqueConstraint("link_digest", name=op.f("uq_phone_logins_link_digest")),
        sa.UniqueConstraint("state_digest", name=op.f("uq_phone_logins_state_digest")),
    )
    op.create_index(op.f("ix_phone_logins_kiosk_id"), "phone_logins", ["kiosk_id"])
    op.create_index(op.f("ix_phone_logins_code_digest"), "phone_logins", ["code_digest"])


def downgrade() -> None:
    op.drop_index(op.f("ix_phone_logins_code_digest"), table_name="phone_logins")
    op.drop_index(op.f("ix_phone_logins_kiosk_id"), table_name="phone_logins")
    op.drop_table("phone_logins")
