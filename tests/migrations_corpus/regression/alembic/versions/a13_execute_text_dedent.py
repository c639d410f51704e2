"""a13"""
import sqlalchemy as sa
from alembic import op
from textwrap import dedent

revision = "a13"
down_revision = None


def upgrade():
    op.execute(
        sa.text(
            dedent(
                """
                UPDATE notes
                   SET status = 'open'
                """
            )
        )
    )


def downgrade():
    op.execute("SELECT 1")
