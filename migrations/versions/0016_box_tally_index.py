"""the box's counts by status and category read a narrow tally index per kind (merged flag,
status, category, date) instead of every row with its body

Revision ID: 0016
Revises: 0015
"""

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

COLUMNS = ["duplicate_of", "status", "category", "created_on"]


def upgrade():
    op.create_index("ix_suggestion_tally", "suggestion", COLUMNS)
    op.create_index("ix_anonymous_suggestion_tally", "anonymous_suggestion", COLUMNS)


def downgrade():
    op.drop_index("ix_anonymous_suggestion_tally", table_name="anonymous_suggestion")
    op.drop_index("ix_suggestion_tally", table_name="suggestion")
