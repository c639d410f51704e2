"""index orders by created_at, safely

Revision ID: 7c9e0b1d2f33
Revises: 3f1c2a9d7b10
"""

import sqlalchemy as sa
from alembic import op

revision = "7c9e0b1d2f33"
down_revision = "3f1c2a9d7b10"


def upgrade() -> None:
    op.execute("SET lock_timeout = '5s'")
    op.add_column("orders", sa.Column("note", sa.Text(), nullable=True))
    with op.get_context().autocommit_block():
        op.create_index(
            "ix_orders_created_at",
            "orders",
            ["created_at"],
            postgresql_concurrently=True,
            if_not_exists=True,
        )


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.drop_index("ix_orders_created_at", table_name="orders", postgresql_concurrently=True)
    op.drop_column("orders", "note")
