"""a07"""
import sqlalchemy as sa
from alembic import op

revision = "a07"
down_revision = None


def upgrade():
    op.create_index(op.f("ix_notes_author_id"), "notes", ["author_id"], unique=False)


def downgrade():
    op.execute("SELECT 1")
