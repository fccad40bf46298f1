"""the box's lists read a window of an index (newest day first) instead of sorting every row

Revision ID: 0015
Revises: 0014
"""

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_suggestion_created_on_id", "suggestion", ["created_on", "id"])
    op.create_index(
        "ix_anonymous_suggestion_created_on_id", "anonymous_suggestion", ["created_on", "id"]
    )


def downgrade():
    op.drop_index("ix_anonymous_suggestion_created_on_id", table_name="anonymous_suggestion")
    op.drop_index("ix_suggestion_created_on_id", table_name="suggestion")
