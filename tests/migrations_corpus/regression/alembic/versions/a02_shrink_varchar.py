"""a02"""
import sqlalchemy as sa
from alembic import op

revision = "a02"
down_revision = None


def upgrade():
    op.alter_column("notes", "title", type_=sa.String(length=100), existing_type=sa.String(length=200))


def downgrade():
    op.execute("SELECT 1")
