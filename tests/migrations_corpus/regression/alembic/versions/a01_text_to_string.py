"""a01"""
import sqlalchemy as sa
from alembic import op

revision = "a01"
down_revision = None


def upgrade():
    op.alter_column("notes", "body", type_=sa.String(), existing_type=sa.Text(), existing_nullable=True)
    op.alter_column("notes", "title", type_=sa.Text(), existing_type=sa.String(length=80))


def downgrade():
    op.execute("SELECT 1")
