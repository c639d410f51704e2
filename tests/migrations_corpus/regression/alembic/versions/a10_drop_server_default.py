"""a10"""
import sqlalchemy as sa
from alembic import op

revision = "a10"
down_revision = None


def upgrade():
    op.alter_column("notes", "status", server_default=None, existing_type=sa.Text())


def downgrade():
    op.execute("SELECT 1")
