"""a05"""
import sqlalchemy as sa
from alembic import op

revision = "a05"
down_revision = None


def upgrade():
    op.add_column("notes", sa.Column("created_at", sa.DateTime(True), nullable=True))
    op.add_column("notes", sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("notes", sa.Column("seen_at", sa.DateTime(), nullable=True))


def downgrade():
    op.execute("SELECT 1")
