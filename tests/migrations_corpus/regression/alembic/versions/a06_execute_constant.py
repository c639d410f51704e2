"""a06"""
import sqlalchemy as sa
from alembic import op

DROP_LEGACY = """
SET lock_timeout = '5s';
ALTER TABLE notes
    DROP COLUMN legacy;
"""

revision = "a06"
down_revision = None


def upgrade():
    op.execute(DROP_LEGACY)


def downgrade():
    op.execute("SELECT 1")
