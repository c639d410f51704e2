"""reshape customers

Revision ID: b52d6e8f0a44
Revises: 7c9e0b1d2f33
"""

import sqlalchemy as sa
from alembic import op

revision = "b52d6e8f0a44"
down_revision = "7c9e0b1d2f33"


def upgrade():
    op.execute("SET LOCAL lock_timeout = '5s'")
    op.create_table(
        "customer_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_customer_notes_created", "customer_notes", ["created_at"])
    with op.batch_alter_table("customers") as batch_op:
        batch_op.drop_column("fax")
        batch_op.alter_column("zip", type_=sa.String(10), new_column_name="postal_code")
    # guardians: ignore MIG102 table was replaced by customer_notes in release 3.2
    op.drop_table("customer_comments")
    op.create_index("ix_customers_email", "customers", ["email"], postgresql_concurrently=True)


def downgrade():
    """Irreversible: the fax numbers are gone."""
