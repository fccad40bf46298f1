"""活动反馈: answers no longer keep the day they were given. Nothing reads it (answers are read
as one batch when answering closes), and a date names a straggler: the one answer of the third
day, next to the login log's one teacher that day. The index on it goes with it.

Revision ID: 0025
Revises: 0024
"""

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index("ix_activity_feedback_activity_id", "activity_feedback")
    if op.get_bind().dialect.name == "sqlite":
        # In place (SQLite 3.35+): a batch copy would lose WITHOUT ROWID.
        op.execute("ALTER TABLE activity_feedback DROP COLUMN answered_on")
    else:
        op.drop_column("activity_feedback", "answered_on")
    op.create_index("ix_activity_feedback_activity_id", "activity_feedback", ["activity_id"])


def downgrade():
    # The days are gone: the rows come back dated as nothing real.
    op.drop_index("ix_activity_feedback_activity_id", "activity_feedback")
    op.add_column(
        "activity_feedback",
        sa.Column("answered_on", sa.Date(), nullable=False, server_default="1970-01-01"),
    )
    op.create_index(
        "ix_activity_feedback_activity_id", "activity_feedback", ["activity_id", "answered_on"]
    )
