"""活动反馈: anonymous answers to "how did it land?" and, apart from them, the keyed marks that
let each person answer once (intranet/feedback/models.py). Both WITHOUT ROWID, random order.

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "activity_feedback",
        sa.Column("id", sa.String(16), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("gain", sa.Integer(), nullable=False),
        sa.Column("useful", sa.String(100), nullable=False),
        sa.Column("improve", sa.String(100), nullable=False),
        sa.Column("answered_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activity.id"],
            name=op.f("fk_activity_feedback_activity_id_activity"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_feedback")),
        sqlite_with_rowid=False,
    )
    op.create_index(
        "ix_activity_feedback_activity_id",
        "activity_feedback",
        ["activity_id", "answered_on"],
    )
    op.create_table(
        "activity_feedback_answered",
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("answerer", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activity.id"],
            name=op.f("fk_activity_feedback_answered_activity_id_activity"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "activity_id", "answerer", name=op.f("pk_activity_feedback_answered")
        ),
        sqlite_with_rowid=False,
    )


def downgrade():
    op.drop_table("activity_feedback_answered")
    op.drop_index("ix_activity_feedback_activity_id", table_name="activity_feedback")
    op.drop_table("activity_feedback")
