"""a03"""
import sqlalchemy as sa
from alembic import op

revision = "a03"
down_revision = None


def upgrade():
    op.alter_column("notes", "body", nullable=False, existing_nullable=False, existing_type=sa.Text())


def downgrade():
    op.execute("SELECT 1")
