"""What kiosks send and receive: audit events, commands, level-3 nonces and verdicts.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Time = sa.DateTime(timezone=True)
# SQLite gives a rowid alias (and so an autoincrement) only to a column declared INTEGER.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _kiosk_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["kiosk_id"], ["kiosks.id"],
                                   name=op.f(f"fk_{table}_kiosk_id_kiosks"))


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("kiosk_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("at", Time, nullable=False),
        sa.Column("received_at", Time, nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        _kiosk_fk("events"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
        sa.UniqueConstraint("kiosk_id", "key", name=op.f("uq_events_kiosk_id_key")),
    )
    op.create_index(op.f("ix_events_kiosk_id_seq"), "events", ["kiosk_id", "seq"])
    op.create_table(
        "commands",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("kiosk_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("created_at", Time, nullable=False),
        sa.Column("delivered_at", Time, nullable=True),
        sa.Column("acked_at", Time, nullable=True),
        sa.Column("ack_ok", sa.Boolean(), nullable=True),
        sa.Column("ack_detail", sa.String(length=64), nullable=True),
        _kiosk_fk("commands"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commands")),
    )
    op.create_index(op.f("ix_commands_kiosk_id_acked_at"), "commands", ["kiosk_id", "acked_at"])
    op.create_table(
        "nonces",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("kiosk_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", Time, nullable=False),
        sa.Column("expires_at", Time, nullable=False),
        sa.Column("used_at", Time, nullable=True),
        _kiosk_fk("nonces"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nonces")),
    )
    op.create_index(op.f("ix_nonces_kiosk_id"), "nonces", ["kiosk_id"])
    op.create_table(
        "verifications",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("kiosk_id", sa.Integer(), nullable=False),
        sa.Column("nonce_id", sa.String(length=64), nullable=False),
        sa.Column("at", Time, nullable=False),
        sa.Column("works", sa.Boolean(), nullable=False),
        sa.Column("certificate", sa.String(length=16), nullable=False),
        sa.Column("signature_valid", sa.Boolean(), nullable=False),
        sa.Column("revocation", sa.String(length=64), nullable=False),
        sa.Column("codice_fiscale", sa.String(length=16), nullable=True),
        _kiosk_fk("verifications"),
        sa.ForeignKeyConstraint(["nonce_id"], ["nonces.id"],
                                name=op.f("fk_verifications_nonce_id_nonces")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verifications")),
        sa.UniqueConstraint("nonce_id", name=op.f("uq_verifications_nonce_id")),
    )
    op.create_index(op.f("ix_verifications_kiosk_id"), "verifications", ["kiosk_id"])


def downgrade() -> None:
    for table, index in (
        ("verifications", "ix_verifications_kiosk_id"),
        ("nonces", "ix_nonces_kiosk_id"),
        ("commands", "ix_commands_kiosk_id_acked_at"),
        ("events", "ix_events_kiosk_id_seq"),
    ):
        op.drop_index(op.f(index), table_name=table)
        op.drop_table(table)
