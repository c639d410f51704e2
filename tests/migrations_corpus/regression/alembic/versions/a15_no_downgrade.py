"""a15"""
import sqlalchemy as sa
from alembic import op

revision = "a15"
down_revision = None


def upgrade():
    op.add_column("notes", sa.Column("pinned", sa.Boolean(), nullable=True))


def downgrade():
    pass
