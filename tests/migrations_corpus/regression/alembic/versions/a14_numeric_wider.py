"""a14"""
import sqlalchemy as sa
from alembic import op

revision = "a14"
down_revision = None


def upgrade():
    op.alter_column("notes", "score", type_=sa.Numeric(12, 2), existing_type=sa.Numeric(10, 2))
    op.alter_column("notes", "score", type_=sa.Numeric(12, 4), existing_type=sa.Numeric(12, 2))


def downgrade():
    op.execute("SELECT 1")
