"""a11"""
import sqlalchemy as sa
from alembic import op

revision = "a11"
down_revision = None


def upgrade():
    op.execute("SET lock_timeout = '5s'")
    with op.get_context().autocommit_block():
        op.create_index(
            "ix_notes_created",
            "notes",
            ["created_at"],
            postgresql_concurrently=True,
            if_not_exists=True,
        )


def downgrade():
    op.execute("SELECT 1")
