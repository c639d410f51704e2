"""a04"""
import sqlalchemy as sa
from alembic import op

revision = "a04"
down_revision = None


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    op.alter_column(
        "notes",
        "body",
        nullable=False,
        existing_nullable=True,
    )


def downgrade():
    op.execute("SELECT 1")
