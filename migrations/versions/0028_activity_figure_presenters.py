"""The dashboard's kept figures per held activity keep its presenters too (dashboard/kept.py),
and an index finds the held activities of the dashboard's window by date and semester. The
figures kept so far have no presenters: they go, and the next dashboard works them out again.

Revision ID: 0028
Revises: 0027
"""

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("DELETE FROM activity_figure")
    op.add_column("activity_figure", sa.Column("presented", sa.Text(), nullable=True))
    op.create_index("ix_activity_held", "activity", ["date", "semester_id"])


def downgrade():
    op.drop_index("ix_activity_held", table_name="activity")
    with op.batch_alter_table("activity_figure") as batch:
        batch.drop_column("presented")
