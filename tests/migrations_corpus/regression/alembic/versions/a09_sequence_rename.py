"""a09"""
import sqlalchemy as sa
from alembic import op

revision = "a09"
down_revision = None


def upgrade():
    op.execute("ALTER SEQUENCE notes_id_seq RENAME TO entries_id_seq")


def downgrade():
    op.execute("SELECT 1")
