"""a12"""
import sqlalchemy as sa
from alembic import op

revision = "a12"
down_revision = None


def upgrade():
    with op.batch_alter_table("notes") as batch_op:
        batch_op.drop_column("fax")


def downgrade():
    op.execute("SELECT 1")
