revision = "a1"
down_revision = None
from alembic import op


def upgrade():
    op.drop_table(


def downgrade():
    pass
