"""活动反馈: guests' answers apart from colleagues'. A guest checks in with a name anyone can
type, so a reader who holds the day's code could add guests' answers until one colleague's
answer crossed the five-answer threshold alone; from now on each pool has its own threshold.
An in-place ADD COLUMN keeps the table WITHOUT ROWID (a batch copy would not). The answers
stored before cannot be told apart: they stay in the colleagues' pool, as they were counted.

Revision ID: 0024
Revises: 0023
"""

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "activity_feedback",
        sa.Column("by_guest", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        # SQLite (3.35+) drops a column in place; a batch copy would lose WITHOUT ROWID.
        op.execute("ALTER TABLE activity_feedback DROP COLUMN by_guest")
    else:
        op.drop_column("activity_feedback", "by_guest")
