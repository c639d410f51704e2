"""a08"""
import sqlalchemy as sa
from alembic import op

revision = "a08"
down_revision = None


def upgrade():
    op.create_foreign_key(None, "notes", "authors", ["author_id"], ["id"])


def downgrade():
    op.execute("SELECT 1")
