"""Hand-off tickets from the kiosks (reprint of lost codes, PUK recovery at the counter).

Revision ID: 0004
Revises: 0002
Create Date: 2026-12-07

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Time = sa.DateTime(timezone=True)
# SQLite gives a rowid alias (and so an autoincrement) only to a column declared INTEGER.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "tickets",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("kiosk_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("number", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("delivery", sa.String(length=20), nullable=False),
        sa.Column("filed_at", Time, nullable=False),
        sa.Column("received_at", Time, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("identity_source", sa.String(length=16), nullable=False),
        sa.Column("passive_auth", sa.String(length=16), nullable=False),
        sa.Column("chip_auth", sa.String(length=16), nullable=False),
        sa.Column("data_groups", sa.JSON(), nullable=False),
        sa.Column("given_name", sa.String(length=120), nullable=True),
        sa.Column("surname", sa.String(length=120), nullable=True),
        sa.Column("codice_fiscale", sa.String(length=16), nullable=True),
        sa.Column("document_number", sa.String(length=16), nullable=True),
        sa.Column("date_of_birth", sa.String(length=10), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("photo", sa.LargeBinary(), nullable=True),
        sa.Column("photo_format", sa.String(length=8), nullable=True),
        sa.Column("photo_browser", sa.LargeBinary(), nullable=True),
        sa.Column("photo_browser_type", sa.String(length=16), nullable=True),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_at", Time, nullable=True),
        sa.Column("closed_by", sa.String(length=64), nullable=True),
        sa.Column("closed_at", Time, nullable=True),
        sa.Column("refusal_reason", sa.Text(), nullable=True),
        sa.Column("purged_at", Time, nullable=True),
        sa.ForeignKeyConstraint(["kiosk_id"], ["kiosks.id"],
                                name=op.f("fk_tickets_kiosk_id_kiosks")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets")),
        sa.UniqueConstraint("kiosk_id", "key", name=op.f("uq_tickets_kiosk_id_key")),
    )
    op.create_index(op.f("ix_tickets_status_received_at"), "tickets", ["status", "received_at"])
    op.create_index(op.f("ix_tickets_closed_at"), "tickets", ["closed_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_tickets_closed_at"), table_name="tickets")
    op.drop_index(op.f("ix_tickets_status_received_at"), table_name="tickets")
    op.drop_table("tickets")
